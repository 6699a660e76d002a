"""The ``GraphStore`` protocol: the one interface every backend implements.

Contract shared by every implementation (pinned by ``tests/graphdb/test_store_conformance.py``):

- **Writes** go through :meth:`GraphStore.apply` with a :class:`Batch`. A batch is validated
  completely before anything is written and is applied in one transaction: either all of it
  is committed or none of it. Invalid input raises :class:`~cmdbgraph.schema.InvalidInput`
  listing every problem (``where`` names ``cis[i]`` / ``relationships[i]`` of the batch).
- **Idempotence**: upserting content equal to what is stored writes nothing, appends no
  history and does not advance the change feed.
- **History**: every committed change of a CI or relationship appends one
  :class:`HistoryEntry` (actor, time, before, after). Entries of one batch share ``seq`` order
  and one timestamp; timestamps never decrease.
- **Change feed**: :meth:`last_seq` is the sequence number of the last committed change. A
  store sees writes made by other processes to the same database on its next call.
- **As of**: reads that take ``as_of`` answer from the state after the last batch committed at
  or before that instant.
- Deleting a CI deletes its relationships (each recorded in history). Retiring sets its
  status to ``retired`` and keeps its relationships.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

import networkx as nx
from pydantic import JsonValue

from cmdbgraph.schema import CI, CIData, InvalidInput, Registry, Relationship, Status

RelKey = tuple[str, str, str]
"""``(source, type, target)``."""


class Direction(StrEnum):
    """Which edges a traversal follows: along them (``out``), against them (``in``), or both."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True)
class Batch:
    """One unit of writing. Applied in this order: CI upserts, relationship upserts,
    relationship deletes, CI retirements, CI deletes (which cascade to relationships)."""

    upsert_cis: Sequence[CIData] = ()
    upsert_relationships: Sequence[Relationship] = ()
    delete_relationships: Sequence[RelKey] = ()
    retire_cis: Sequence[str] = ()
    delete_cis: Sequence[str] = ()

    def __len__(self) -> int:
        return (
            len(self.upsert_cis)
            + len(self.upsert_relationships)
            + len(self.delete_relationships)
            + len(self.retire_cis)
            + len(self.delete_cis)
        )


@dataclass
class WriteResult:
    """What a batch did (or, with ``dry_run``, would do). Id lists are in batch order."""

    seq: int
    created_cis: list[str] = field(default_factory=list)
    changed_cis: list[str] = field(default_factory=list)
    unchanged_cis: int = 0
    retired_cis: list[str] = field(default_factory=list)
    deleted_cis: list[str] = field(default_factory=list)
    created_relationships: list[RelKey] = field(default_factory=list)
    changed_relationships: list[RelKey] = field(default_factory=list)
    unchanged_relationships: int = 0
    deleted_relationships: list[RelKey] = field(default_factory=list)
    changes: int = 0
    """Number of history entries this batch wrote (or would write)."""
    dry_run: bool = False

    def merge(self, other: WriteResult) -> None:
        """Add ``other``'s outcome to this one (for multi-batch imports)."""
        self.seq = max(self.seq, other.seq)
        self.created_cis += other.created_cis
        self.changed_cis += other.changed_cis
        self.unchanged_cis += other.unchanged_cis
        self.retired_cis += other.retired_cis
        self.deleted_cis += other.deleted_cis
        self.created_relationships += other.created_relationships
        self.changed_relationships += other.changed_relationships
        self.unchanged_relationships += other.unchanged_relationships
        self.deleted_relationships += other.deleted_relationships
        self.changes += other.changes


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change. ``key`` is the CI id, or ``(source, type, target)``."""

    seq: int
    at: datetime
    actor: str
    entity: Literal["ci", "relationship"]
    key: str | RelKey
    op: Literal["create", "update", "delete"]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class Neighbour:
    """A CI next to another one, the relationship between them and which way it points."""

    relationship: Relationship
    ci: CI
    direction: Literal["out", "in"]


@dataclass(frozen=True)
class Page:
    """One page of a search: ``items``, the cursor of the next page (``None`` at the end),
    and the total number of matches."""

    items: list[CI]
    next_cursor: str | None
    total: int


@dataclass(frozen=True)
class GraphContents:
    """Every CI (ordered by id) and every relationship (ordered by key) at one moment."""

    cis: list[CI]
    relationships: list[Relationship]


@dataclass(frozen=True)
class Counts:
    """How much is in the store."""

    cis: int
    relationships: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_rel_type: dict[str, int]
    last_seq: int


class GraphStore(Protocol):
    """A durable dependency graph with history. See the module docstring for the contract."""

    registry: Registry

    # -- writing ---------------------------------------------------------------------------
    def apply(
        self,
        batch: Batch,
        *,
        actor: str,
        source: str | None = None,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> WriteResult:
        """Validate and apply ``batch`` in one transaction (nothing is written on error or
        with ``dry_run``). ``source`` is recorded as the provenance of upserted CIs
        (defaults to ``actor``); ``progress(done, total)`` is called while a large batch is
        written. Raises ``InvalidInput``, ``CINotFound``, ``RelationshipNotFound``."""
        ...

    # -- reading ---------------------------------------------------------------------------
    def get_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI:
        """The CI, or raise ``CINotFound``."""
        ...

    def find_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI | None:
        """The CI, or ``None``."""
        ...

    def get_relationship(self, key: RelKey) -> Relationship:
        """The relationship, or raise ``RelationshipNotFound``."""
        ...

    def neighbours(
        self,
        ci_id: str,
        direction: Direction = Direction.BOTH,
        rel_types: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
    ) -> list[Neighbour]:
        """CIs one hop away, sorted by (direction, type, id). Raises ``CINotFound``."""
        ...

    def subgraph(
        self,
        roots: Iterable[str],
        direction: Direction = Direction.BOTH,
        max_depth: int = 1,
        rel_types: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
    ) -> nx.MultiDiGraph[str]:
        """The subgraph induced by the roots and every CI within ``max_depth`` hops of them,
        following only ``rel_types`` (all when ``None``) in ``direction``. Nodes carry ``ci``
        (a :class:`CI`); edges are keyed by relationship type and carry ``rel``. Only edges of
        the followed types are included. Raises ``CINotFound`` for an unknown root."""
        ...

    def snapshot(self, *, as_of: datetime | None = None) -> nx.MultiDiGraph[str]:
        """The whole graph, in the same form as :meth:`subgraph`."""
        ...

    def search(
        self,
        *,
        kind: str | None = None,
        text: str | None = None,
        status: Status | None = None,
        attributes: Mapping[str, JsonValue] | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page:
        """CIs matching every given filter, ordered by id. ``text`` matches id or name
        (case-insensitive substring); ``attributes`` match by equality. ``after`` is the
        ``next_cursor`` of the previous page."""
        ...

    def iter_cis(self) -> Iterator[CI]:
        """Every CI, ordered by id."""
        ...

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every relationship, ordered by (source, type, target)."""
        ...

    def contents(self) -> GraphContents:
        """The whole current graph, read consistently at once (on Neo4j in one query): what
        the analyses (impact, root cause, health) are built from."""
        ...

    def counts(self) -> Counts:
        """Totals by kind, status and relationship type."""
        ...

    # -- history and change feed -----------------------------------------------------------
    def history(self, ci_id: str, *, limit: int = 100) -> list[HistoryEntry]:
        """Changes of the CI and of its relationships, newest first. Known ids only (a deleted
        CI still has history); raises ``CINotFound`` if the id never existed."""
        ...

    def last_seq(self) -> int:
        """Sequence number of the last committed change (0 for an empty store)."""
        ...

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[HistoryEntry]:
        """Changes with a sequence number above ``seq``, oldest first."""
        ...

    def restore(
        self, changes: Iterable[HistoryEntry], *, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Load another store's complete history (its ``changes_since(0)``, oldest first) into
        this empty store, in one transaction: every change is kept as recorded (seq, time,
        actor, before and after), and the current state becomes the replay of the history.
        Raises ``InvalidInput`` (``TARGET_NOT_EMPTY``, ``HISTORY_GAP``). Returns the last seq."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


def raise_not_empty() -> None:
    """Refuse to restore a history into a store that already has one."""
    raise InvalidInput.one(
        "TARGET_NOT_EMPTY", "the target store is not empty: restore a history only into an empty store"
    )


def check_next(entry: HistoryEntry, count: int) -> None:
    """Refuse a copied history that does not run 1, 2, 3 ... without gaps."""
    if entry.seq != count + 1:
        raise InvalidInput.one(
            "HISTORY_GAP", f"change {count + 1} expected, got change {entry.seq}: the history is incomplete"
        )
