"""Change requests as graph nodes: the typed models and their form in the store.

A change is a ``ChangeRequest`` CI (attributes ``title``, ``change_type``, ``state``,
``window_start``/``window_end``, ``backout_plan``, ``approvals``, ``risk``, ``collisions``,
``timeline``, ``implemented_at``, ``outcome``, ``actual_changes``) that ``CHANGES`` its targets
and is ``ASSIGNED_TO`` its implementer (a Person or Team); incidents it may have caused point
at it with ``CAUSED_BY``. :func:`change_from_graph` reads a node and its links back as a
:class:`Change` (``MALFORMED_CHANGE`` when the stored attributes do not fit the model).

The stored attributes:

- ``approvals``: the approval chain as numbered steps (:class:`Approval`: ``{step, approver,
  kind, name, role, cis, reason, decision, at, actor, note}``);
- ``risk``: ``{score, level}``;
- ``collisions``: every collision found at submission (:class:`CollisionNote`: ``{kind, other,
  cis}``);
- ``timeline``: every state the change has been in (:class:`Transition`: ``{at, state, actor}``);
- ``actual_changes``: the summary of the post-release back-fill (:class:`ActualChange`: ``{op,
  id}``: ``create_ci``, ``update_ci``, ``retire_ci``, ``delete_ci``, ``create_relationship``,
  ``update_relationship``, ``delete_relationship``; relationships as ``source -[TYPE]->
  target``; records that change nothing are left out), as :func:`actual_change_summary` makes it
  from a (dry-run) write.

Times are stored as ISO 8601 strings (:func:`iso_time`, read back by :func:`parse_time`), models
as JSON values with ``None`` fields left out (:func:`attribute_value`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cmdbgraph.graphdb import WriteResult
from cmdbgraph.impact.planned_change import ChangeType
from cmdbgraph.schema import CI, InvalidInput, Problem
from cmdbgraph.tickets.change_lifecycle import ChangeState

KIND = "ChangeRequest"
LINK_TYPES = ("CHANGES", "ASSIGNED_TO", "CAUSED_BY")
"""The relationships :meth:`~cmdbgraph.tickets.change_service.ChangeService.get` reads: its
targets, implementer, incidents."""


class Outcome(StrEnum):
    """How an implementation went."""

    SUCCESS = "success"
    FAILED = "failed"


class Decision(StrEnum):
    """An approval step's decision."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PRE_APPROVED = "pre_approved"


class NewChange(BaseModel):
    """What a caller supplies to create a change: ``targets`` are CI ids (at least one),
    ``implementer`` a Person or Team id, the window ``[window_start, window_end)`` aware and
    non-empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    change_type: ChangeType
    targets: tuple[str, ...] = Field(min_length=1)
    window_start: AwareDatetime
    window_end: AwareDatetime
    implementer: str | None = None
    backout_plan: str = ""

    @model_validator(mode="after")
    def _window(self) -> NewChange:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        object.__setattr__(self, "targets", tuple(sorted(set(self.targets))))
        return self

    @classmethod
    def checked(cls, **values: Any) -> NewChange:
        """Build from loose values (e.g. the command line), or ``InvalidInput`` with one problem
        per bad field (``BAD_CHANGE_WINDOW`` for the window, ``INVALID_FIELD`` otherwise)."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "window_end"
                code = "BAD_CHANGE_WINDOW" if field.startswith("window") else "INVALID_FIELD"
                problems.append(Problem(code, err["msg"].removeprefix("Value error, "), field=field))
            raise InvalidInput(problems) from None


class Approval(BaseModel):
    """One step of the approval chain and its decision (``at``/``actor``/``note`` once decided)."""

    model_config = ConfigDict(frozen=True)

    step: int = Field(ge=1)
    approver: str
    kind: str = ""
    name: str = ""
    role: str = ""
    cis: tuple[str, ...] = ()
    reason: str = ""
    decision: Decision = Decision.PENDING
    at: AwareDatetime | None = None
    actor: str | None = None
    note: str | None = None


class Transition(BaseModel):
    """One step of a change's timeline."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    state: ChangeState
    actor: str


class CollisionNote(BaseModel):
    """A collision found at submission: ``kind`` (same_ci, dependent, freeze, maintenance), the
    other change or freeze, the CIs involved."""

    model_config = ConfigDict(frozen=True)

    kind: str
    other: str | None = None
    cis: tuple[str, ...] = ()


class ActualChange(BaseModel):
    """One record of the post-release back-fill (see the module docstring for ``op``)."""

    model_config = ConfigDict(frozen=True)

    op: str
    id: str


class Change(BaseModel):
    """A stored change request, as :meth:`~cmdbgraph.tickets.change_service.ChangeService.get`
    reads it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    change_type: ChangeType
    state: ChangeState
    targets: tuple[str, ...]
    window_start: AwareDatetime
    window_end: AwareDatetime
    implementer: str | None = None
    backout_plan: str = ""
    approvals: tuple[Approval, ...] = ()
    risk_score: float | None = None
    risk_level: str | None = None
    collisions: tuple[CollisionNote, ...] = ()
    timeline: tuple[Transition, ...] = ()
    implemented_at: AwareDatetime | None = None
    outcome: str | None = None
    actual_changes: tuple[ActualChange, ...] | None = None
    caused_incidents: tuple[str, ...] = ()
    """Incidents that point at the change with ``CAUSED_BY``, sorted."""


@dataclass(frozen=True)
class IncidentLink:
    """An incident linked as possibly caused by a change: the CI it affects that made the link
    (``via``), that CI's ``severity`` (``changed`` for a target, else ``down``/``degraded``), the
    path from a target to it, and the reason in words."""

    incident: str
    via: str
    severity: str
    path: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Implementation:
    """What :meth:`~cmdbgraph.tickets.change_service.ChangeService.implement` did: the change
    afterwards and the incidents linked."""

    change: Change
    linked: list[IncidentLink]


def iso_time(at: datetime) -> str:
    """``at`` as a stored time (ISO 8601, microseconds)."""
    return at.isoformat(timespec="microseconds")


def parse_time(value: object) -> datetime | None:
    """An aware datetime from a stored ISO string, or ``None`` (missing, malformed, naive)."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def attribute_value(model: BaseModel) -> dict[str, Any]:
    """A model as a stored attribute value (JSON types, ``None`` fields left out)."""
    return model.model_dump(mode="json", exclude_none=True)


def _rel_id(key: tuple[str, str, str]) -> str:
    return f"{key[0]} -[{key[1]}]-> {key[2]}"


def actual_change_summary(result: WriteResult) -> list[ActualChange]:
    """What a (dry-run) write changes, in batch order per operation."""
    rows = [
        *(("create_ci", c) for c in result.created_cis),
        *(("update_ci", c) for c in result.changed_cis),
        *(("retire_ci", c) for c in result.retired_cis),
        *(("delete_ci", c) for c in result.deleted_cis),
        *(("create_relationship", _rel_id(k)) for k in result.created_relationships),
        *(("update_relationship", _rel_id(k)) for k in result.changed_relationships),
        *(("delete_relationship", _rel_id(k)) for k in result.deleted_relationships),
    ]
    return [ActualChange(op=op, id=i) for op, i in rows]


def change_from_graph(node: CI, links: list[tuple[str, str, str]]) -> Change:
    """The :class:`Change` a stored node and its links (``(direction, type, other id)``) describe.
    Raises ``InvalidInput`` (``MALFORMED_CHANGE``) when the stored attributes do not fit."""
    a = node.attributes
    stored_risk = a.get("risk")
    risk = stored_risk if isinstance(stored_risk, dict) else {}
    values = {
        "id": node.id,
        "title": a.get("title", node.name),
        "change_type": a.get("change_type"),
        "state": a.get("state"),
        "targets": sorted(t for d, rt, t in links if d == "out" and rt == "CHANGES"),
        "window_start": a.get("window_start"),
        "window_end": a.get("window_end"),
        "implementer": next((t for d, rt, t in sorted(links) if d == "out" and rt == "ASSIGNED_TO"), None),
        "backout_plan": a.get("backout_plan") or "",
        "approvals": a.get("approvals") or [],
        "risk_score": risk.get("score"),
        "risk_level": risk.get("level"),
        "collisions": a.get("collisions") or [],
        "timeline": a.get("timeline") or [],
        "implemented_at": a.get("implemented_at"),
        "outcome": a.get("outcome"),
        "actual_changes": a.get("actual_changes"),
        "caused_incidents": sorted(s for d, rt, s in links if d == "in" and rt == "CAUSED_BY"),
    }
    try:
        return Change.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidInput.one(
            "MALFORMED_CHANGE",
            f"stored change does not fit the model: {first['msg']}",
            where=node.id,
            field=field,
        ) from None
