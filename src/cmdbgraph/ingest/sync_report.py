"""The outcome of one sync run: the :class:`SyncPlan` that
:func:`~cmdbgraph.ingest.reconcile.reconcile` returns, that is the one
:class:`~cmdbgraph.graphdb.Batch` to apply (one transaction) and the :class:`SyncReport` of
what it means: CIs added and matched, field changes, conflicts, retirements, relationship
changes, claim counts and notes; ``write`` holds the store's counts once the batch is applied.
Plain frozen data; nothing here reads or writes a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from cmdbgraph.graphdb.store import Batch


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CIAdded(_Model):
    ci_id: str
    kind: str
    name: str
    keys: list[str]


class Match(_Model):
    key: str
    ci_id: str
    rule: str
    """``own_claim``, ``identity:ATTR+ATTR`` or ``new``."""


class FieldChange(_Model):
    subject: str
    """A CI id, or a relationship as ``source -[TYPE]-> target``."""
    field: str
    old: JsonValue = None
    new: JsonValue = None
    winner: str = ""
    """The source whose value won (``manual`` for a hand-written value); empty when removed."""
    removed: bool = False


class Conflict(_Model):
    subject: str
    field: str
    values: dict[str, JsonValue]
    """Value per source (``source (key)`` when a source claims the CI under several keys)."""
    winner: str


RetirementAction = Literal[
    "claim_stale", "claim_deleted", "ci_retired", "ci_released", "relationship_claim_stale",
    "relationship_claim_deleted", "relationship_deleted", "relationship_released",
]  # fmt: skip


class Retirement(_Model):
    action: RetirementAction
    subject: str
    ci_id: str | None = None
    stale_since: str | None = None
    expires: str | None = None
    """When a stale claim will be deleted (``stale_since + grace``)."""


class RelationshipChange(_Model):
    source: str
    type: str
    target: str
    action: Literal["added", "claimed", "changed", "removed"]


class WriteSummary(_Model):
    seq: int
    changes: int
    cis_created: int
    cis_changed: int
    cis_retired: int
    cis_deleted: int
    relationships_created: int
    relationships_changed: int
    relationships_deleted: int


class SyncReport(_Model):
    """What one run of one source adds, changes, retires and disagrees about."""

    source: str
    format: str
    at: str
    dry_run: bool = False
    added: list[CIAdded] = Field(default_factory=list)
    matched: list[Match] = Field(default_factory=list)
    changed: list[FieldChange] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    retirements: list[Retirement] = Field(default_factory=list)
    relationships: list[RelationshipChange] = Field(default_factory=list)
    claims: dict[str, int] = Field(default_factory=dict)
    """Counts: ``reported``, ``new``, ``stale``, ``deleted``."""
    notes: list[str] = Field(default_factory=list)
    write: WriteSummary | None = None


@dataclass(frozen=True)
class SyncPlan:
    """The batch to apply (one transaction) and what it means."""

    batch: Batch
    report: SyncReport
