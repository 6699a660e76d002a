"""The life of a change request on a :class:`GraphStore` (either backend): create, submit,
approve or reject step by step, implement with its post-release back-fill, cancel.

A change is a ``ChangeRequest`` CI (attributes ``title``, ``change_type``, ``state``,
``window_start``/``window_end``, ``backout_plan``, ``approvals``, ``risk``, ``collisions``,
``timeline``, ``implemented_at``, ``outcome``, ``actual_changes``) that ``CHANGES`` its targets
and is ``ASSIGNED_TO`` its implementer (a Person or Team); incidents it may have caused point
at it with ``CAUSED_BY``. Every operation is one ``apply`` batch, validated first: a refused
operation writes nothing. Times come from the injected ``clock``.

The state machine is :data:`CHANGE_TRANSITIONS` (``.`` means refused, ``ILLEGAL_TRANSITION``)::

    state       submit     approve    reject     implement    fail     cancel
    draft       submitted  .          .          .            .        cancelled
    submitted   .          approved   rejected   .            .        cancelled
    approved    .          .          .          implemented  failed   cancelled
    rejected, implemented, failed, cancelled: final

Rules decided here:

- **Submit** assesses the change (:func:`~cmdbgraph.tickets.changes.assess_change`: risk,
  collisions, approval chain) and stores the chain as numbered steps (``approvals``: ``{step,
  approver, kind, name, role, cis, reason, decision, at, actor, note}``), the risk
  (``{score, level}``) and every collision found (``{kind, other, cis}``).
- A window overlapping a **freeze** that covers a target or an impacted CI refuses a standard or
  normal change (``FREEZE_COLLISION``, the change stays a draft). An emergency change goes ahead;
  the freeze stays on record in ``collisions``. Other collisions never refuse; they are recorded.
- A **standard** change is pre-approved: every step is recorded with decision
  ``pre_approved`` and the change moves ``draft -> submitted -> approved`` in one batch. A
  standard change assessed at high or critical risk is not standard: refused
  (``STANDARD_CHANGE_TOO_RISKY``; submit it as a normal change).
- A normal or emergency change whose chain is empty (no owner of a target or an impacted business
  service, low risk) gets one ``CAB`` step: nobody approving never means approved.
- **Approve**/**reject** name a step by number or by approver id; it must be a pending step
  (``UNKNOWN_STEP``, ``STEP_ALREADY_DECIDED``). The last approval approves the change; one
  rejection rejects it (a rejection needs a note, ``NOTE_REQUIRED``). The assessment is not
  repeated: approvers decide on what was submitted.
- **Implement** (only from ``approved``) records ``implemented_at`` (the clock) and the outcome,
  applies the back-fill ``actual`` (a :class:`Batch` of what really changed in the graph) in the
  same batch, summarised in ``actual_changes`` (``{op, id}``: ``create_ci``, ``update_ci``,
  ``retire_ci``, ``delete_ci``, ``create_relationship``, ``update_relationship``,
  ``delete_relationship``; relationships as ``source -[TYPE]-> target``; records that change
  nothing are left out). The back-fill may not touch the change itself
  (``ACTUAL_TOUCHES_CHANGE``) nor delete a target (``ACTUAL_DELETES_TARGET``: retire it).
  In that batch too, every ``Incident`` opened in ``[min(window_start, implemented_at),
  implemented_at + incident_window)`` that ``AFFECTS`` a target or a CI in the targets' blast
  radius (computed on the graph before the back-fill) gets ``CAUSED_BY`` the change with
  ``{confidence: possible, via, severity, path, reason}``.

>>> change_transition(ChangeState.DRAFT, ChangeEvent.SUBMIT)
<ChangeState.SUBMITTED: 'submitted'>
>>> try:
...     change_transition(ChangeState.DRAFT, ChangeEvent.IMPLEMENT)
... except InvalidInput as refused:
...     print(refused.problems[0].message)
change in state 'draft' cannot take event 'implement'; allowed events from 'draft': cancel, submit
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cmdbgraph.graphdb import Batch, Direction, GraphStore, WriteResult
from cmdbgraph.impact.change_plan import CAB_ID, CAB_LEVELS
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import ChangeType, change_impact
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.changes import assess_change, planned_change

Clock = Callable[[], datetime]
KIND = "ChangeRequest"
LINK_TYPES = ("CHANGES", "ASSIGNED_TO", "CAUSED_BY")
"""The relationships :meth:`ChangeService.get` reads: its targets, implementer, incidents."""
IMPLEMENTER_KINDS = ("Person", "Team")


class ChangeState(StrEnum):
    """Where a change is; ``rejected``, ``implemented``, ``failed`` and ``cancelled`` are final."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ChangeEvent(StrEnum):
    """What can happen to a change (``implement``: it succeeded; ``fail``: it did not)."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    IMPLEMENT = "implement"
    FAIL = "fail"
    CANCEL = "cancel"


_S, _E = ChangeState, ChangeEvent
CHANGE_TRANSITIONS: Mapping[tuple[ChangeState, ChangeEvent], ChangeState] = MappingProxyType(
    {
        (_S.DRAFT, _E.SUBMIT): _S.SUBMITTED,
        (_S.DRAFT, _E.CANCEL): _S.CANCELLED,
        (_S.SUBMITTED, _E.APPROVE): _S.APPROVED,
        (_S.SUBMITTED, _E.REJECT): _S.REJECTED,
        (_S.SUBMITTED, _E.CANCEL): _S.CANCELLED,
        (_S.APPROVED, _E.IMPLEMENT): _S.IMPLEMENTED,
        (_S.APPROVED, _E.FAIL): _S.FAILED,
        (_S.APPROVED, _E.CANCEL): _S.CANCELLED,
    }
)
"""``(state, event) -> next state``; a missing key is a refused event (read-only)."""


def change_transition(state: ChangeState, event: ChangeEvent, *, where: str = "") -> ChangeState:
    """The state a change in ``state`` moves to on ``event``, or ``InvalidInput`` with one
    ``ILLEGAL_TRANSITION`` problem (field ``state``) naming the allowed events, sorted."""
    target = CHANGE_TRANSITIONS.get((state, event))
    if target is not None:
        return target
    allowed = ", ".join(sorted(e for (s, e) in CHANGE_TRANSITIONS if s == state)) or "none"
    message = (
        f"change in state '{state}' cannot take event '{event}'; allowed events from '{state}': {allowed}"
    )
    if allowed == "none":
        message += f" ('{state}' is final)"
    raise InvalidInput.one("ILLEGAL_TRANSITION", message, where=where, field="state")


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
    """A stored change request, as :meth:`ChangeService.get` reads it."""

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
    """What :meth:`ChangeService.implement` did: the change afterwards and the incidents linked."""

    change: Change
    linked: list[IncidentLink]


def random_change_id() -> str:
    """``CHG-`` and 10 random hex digits (no coordination between writers)."""
    return f"CHG-{uuid.uuid4().hex[:10].upper()}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _dump(model: BaseModel) -> dict[str, Any]:
    """A model as a stored attribute value (JSON types, ``None`` fields left out)."""
    return model.model_dump(mode="json", exclude_none=True)


def _rel_id(key: tuple[str, str, str]) -> str:
    return f"{key[0]} -[{key[1]}]-> {key[2]}"


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


class ChangeService:
    """Change requests on ``store``. ``clock`` and ``new_id`` are injectable for tests."""

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        new_id: Callable[[], str] = random_change_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id

    # -- reading -----------------------------------------------------------------------------
    def get(self, change_id: str) -> Change:
        """The change, or ``CINotFound`` (also when the id names a CI that is not a change)."""
        return change_from_graph(*self._node(change_id))

    def _node(self, change_id: str) -> tuple[CI, list[tuple[str, str, str]]]:
        node = self.store.find_ci(change_id)
        if node is None or node.kind != KIND:
            raise CINotFound(change_id)
        links: list[tuple[str, str, str]] = []
        for n in self.store.neighbours(change_id, Direction.BOTH, LINK_TYPES):
            incoming = n.relationship.type == "CAUSED_BY"  # from incidents; the others go out
            if (n.direction == "in") == incoming:
                links.append((n.direction, n.relationship.type, n.ci.id))
        return node, links

    def _read(self, change_id: str) -> tuple[CI, Change]:
        node, links = self._node(change_id)
        return node, change_from_graph(node, links)

    # -- writing -----------------------------------------------------------------------------
    def create(self, new: NewChange, *, actor: str) -> Change:
        """Create a ``draft`` change with its ``CHANGES`` and ``ASSIGNED_TO`` links. References
        are checked first (``UNKNOWN_REFERENCE``, ``WRONG_KIND``: a target may not be a
        service-management record, the implementer must be a Person or Team)."""
        self._check_references(new)
        change_id = self.new_id()
        at = self.clock()
        attributes: dict[str, Any] = {
            "title": new.title,
            "change_type": new.change_type,
            "state": ChangeState.DRAFT.value,
            "window_start": _iso(new.window_start),
            "window_end": _iso(new.window_end),
            "timeline": [_dump(Transition(at=at, state=ChangeState.DRAFT, actor=actor))],
        }
        if new.backout_plan:
            attributes["backout_plan"] = new.backout_plan
        node = CIData(id=change_id, kind=KIND, name=new.title, attributes=attributes)
        links = [Relationship(source=change_id, target=t, type="CHANGES") for t in new.targets]
        if new.implementer is not None:
            links.append(Relationship(source=change_id, target=new.implementer, type="ASSIGNED_TO"))
        self.store.apply(Batch(upsert_cis=[node], upsert_relationships=links), actor=actor, source="changes")
        return self.get(change_id)

    def submit(self, change_id: str, *, actor: str) -> Change:
        """Assess and submit a draft (see the module docstring for the freeze, standard and
        empty-chain rules). Refusals: ``ILLEGAL_TRANSITION``, ``FREEZE_COLLISION``,
        ``STANDARD_CHANGE_TOO_RISKY`` and the assessment's own (``BAD_CHANGE_WINDOW`` ...)."""
        node, before = self._read(change_id)
        state = change_transition(before.state, ChangeEvent.SUBMIT, where=change_id)
        a = assess_change(self.store, change_id)
        standard = before.change_type == "standard"
        freezes = [c for c in a.collisions if c.kind == "freeze"]
        if freezes and before.change_type != "emergency":
            raise InvalidInput(
                [
                    Problem(
                        "FREEZE_COLLISION",
                        f"the window overlaps freeze {c.other!r}, which covers {', '.join(c.cis)}: only "
                        "an emergency change may go ahead in a freeze (move the window, or raise an "
                        "emergency change)",
                        where=change_id,
                        field="window_start",
                    )
                    for c in freezes
                ]
            )
        if standard and a.risk.level in CAB_LEVELS:
            raise InvalidInput.one(
                "STANDARD_CHANGE_TOO_RISKY",
                f"a standard change must be low risk, this one is {a.risk.level} (score {a.risk.score:.1f}): "
                "submit it as a normal change",
                where=change_id,
                field="change_type",
            )
        at = self.clock()
        steps = [
            Approval(
                step=i,
                approver=s.approver,
                kind=s.kind,
                name=s.name,
                role=s.role,
                cis=s.cis,
                reason=s.reason,
            )
            for i, s in enumerate(a.approvals, 1)
        ]
        if not steps and not standard:
            steps = [
                Approval(
                    step=1,
                    approver=CAB_ID,
                    kind=CAB_ID,
                    name="Change Advisory Board",
                    role="cab",
                    cis=a.change.targets,
                    reason="no owner of a target or an impacted business service: the CAB decides",
                )
            ]
        timeline = [*before.timeline, Transition(at=at, state=state, actor=actor)]
        if standard:
            note = "standard change: pre-approved"
            steps = [
                s.model_copy(
                    update={"decision": Decision.PRE_APPROVED, "at": at, "actor": actor, "note": note}
                )
                for s in steps
            ]
            state = change_transition(state, ChangeEvent.APPROVE, where=change_id)
            timeline.append(Transition(at=at, state=state, actor=actor))
        updates = {
            "state": state.value,
            "approvals": [_dump(s) for s in steps],
            "risk": {"score": round(a.risk.score, 3), "level": a.risk.level},
            "collisions": [_dump(CollisionNote(kind=c.kind, other=c.other, cis=c.cis)) for c in a.collisions],
            "timeline": [_dump(t) for t in timeline],
        }
        self._write(node, updates, actor=actor)
        return self.get(change_id)

    def approve(self, change_id: str, step: int | str, *, actor: str, note: str | None = None) -> Change:
        """Approve a pending step (its number, or its approver's id); the last approval approves
        the change. Refusals: ``ILLEGAL_TRANSITION``, ``UNKNOWN_STEP``, ``STEP_ALREADY_DECIDED``."""
        return self._decide(change_id, step, Decision.APPROVED, actor=actor, note=note)

    def reject(self, change_id: str, step: int | str, *, actor: str, note: str) -> Change:
        """Reject a pending step, which rejects the change; ``note`` (why) is required
        (``NOTE_REQUIRED``). Other refusals as :meth:`approve`."""
        return self._decide(change_id, step, Decision.REJECTED, actor=actor, note=note)

    def _decide(
        self, change_id: str, step: int | str, decision: Decision, *, actor: str, note: str | None
    ) -> Change:
        node, before = self._read(change_id)
        event = ChangeEvent.APPROVE if decision is Decision.APPROVED else ChangeEvent.REJECT
        target = change_transition(before.state, event, where=change_id)
        if decision is Decision.REJECTED and not (note or "").strip():
            raise InvalidInput.one(
                "NOTE_REQUIRED", "a rejection needs a note saying why", where=change_id, field="note"
            )
        chosen = self._step(before, step)
        at = self.clock()
        decided = chosen.model_copy(
            update={"decision": decision, "at": at, "actor": actor, "note": note or None}
        )
        approvals = [decided if s.step == chosen.step else s for s in before.approvals]
        updates: dict[str, Any] = {"approvals": [_dump(s) for s in approvals]}
        if decision is Decision.REJECTED or all(s.decision is not Decision.PENDING for s in approvals):
            updates["state"] = target.value
            updates["timeline"] = [
                _dump(t) for t in (*before.timeline, Transition(at=at, state=target, actor=actor))
            ]
        self._write(node, updates, actor=actor)
        return self.get(change_id)

    @staticmethod
    def _step(change: Change, step: int | str) -> Approval:
        found = next(
            (
                s
                for s in change.approvals
                if (s.step == step if isinstance(step, int) else s.approver == step)
            ),
            None,
        )
        if found is None:
            chain = ", ".join(f"{s.step} {s.approver}" for s in change.approvals) or "none"
            raise InvalidInput.one(
                "UNKNOWN_STEP", f"no approval step {step!r} (steps: {chain})", where=change.id, field="step"
            )
        if found.decision is not Decision.PENDING:
            raise InvalidInput.one(
                "STEP_ALREADY_DECIDED",
                f"step {found.step} ({found.approver}) was already {found.decision.value} by {found.actor}",
                where=change.id,
                field="step",
            )
        return found

    def cancel(self, change_id: str, *, actor: str) -> Change:
        """Cancel a change that is not implemented, failed, rejected or cancelled yet."""
        node, before = self._read(change_id)
        state = change_transition(before.state, ChangeEvent.CANCEL, where=change_id)
        timeline = (*before.timeline, Transition(at=self.clock(), state=state, actor=actor))
        self._write(node, {"state": state.value, "timeline": [_dump(t) for t in timeline]}, actor=actor)
        return self.get(change_id)

    def implement(
        self,
        change_id: str,
        outcome: Outcome,
        *,
        actor: str,
        actual: Batch | None = None,
        incident_window: timedelta = timedelta(hours=24),
    ) -> Implementation:
        """Record the implementation of an approved change, apply the back-fill ``actual`` and
        link the incidents it may have caused, all in one batch (see the module docstring).

        Problems with ``actual`` name its records as the store does (``cis[i]``,
        ``relationships[i]``). Refusals: ``ILLEGAL_TRANSITION``, ``BAD_INCIDENT_WINDOW``,
        ``ACTUAL_TOUCHES_CHANGE``, ``ACTUAL_DELETES_TARGET`` and the store's own for ``actual``.
        """
        node, before = self._read(change_id)
        event = ChangeEvent.IMPLEMENT if outcome is Outcome.SUCCESS else ChangeEvent.FAIL
        state = change_transition(before.state, event, where=change_id)
        if incident_window < timedelta(0):
            raise InvalidInput.one(
                "BAD_INCIDENT_WINDOW", "the incident window must not be negative", field="incident_window"
            )
        if actual is not None:
            self._check_actual(actual, before)
        at = self.clock()
        contents = self.store.contents()
        links = self._incident_links(
            before,
            contents.cis,
            contents.relationships,
            start=min(before.window_start, at),
            end=at + incident_window,
        )
        if actual is not None:
            gone = set(actual.delete_cis)
            links = [link for link in links if link.incident not in gone]
        updates: dict[str, Any] = {
            "state": state.value,
            "implemented_at": _iso(at),
            "outcome": outcome.value,
            "timeline": [_dump(t) for t in (*before.timeline, Transition(at=at, state=state, actor=actor))],
        }
        if actual is not None:
            dry = self.store.apply(actual, actor=actor, source=f"change:{change_id}", dry_run=True)
            updates["actual_changes"] = [_dump(c) for c in _summary(dry)]
        base = actual or Batch()
        caused = [
            Relationship(
                source=link.incident,
                target=change_id,
                type="CAUSED_BY",
                attributes={
                    "confidence": "possible",
                    "via": link.via,
                    "severity": link.severity,
                    "path": list(link.path),
                    "reason": link.reason,
                },
            )
            for link in links
        ]
        batch = Batch(
            upsert_cis=[*base.upsert_cis, self._updated(node, updates)],
            upsert_relationships=[*base.upsert_relationships, *caused],
            delete_relationships=base.delete_relationships,
            retire_cis=base.retire_cis,
            delete_cis=base.delete_cis,
        )
        self.store.apply(batch, actor=actor, source=f"change:{change_id}")
        return Implementation(change=self.get(change_id), linked=links)

    # -- internals ---------------------------------------------------------------------------
    def _check_actual(self, actual: Batch, change: Change) -> None:
        problems: list[Problem] = []
        cid = change.id
        touching = (
            [(f"cis[{i}]", c.id == cid) for i, c in enumerate(actual.upsert_cis)]
            + [
                (f"relationships[{i}]", cid in (r.source, r.target))
                for i, r in enumerate(actual.upsert_relationships)
            ]
            + [
                (f"delete_relationships[{i}]", cid in (k[0], k[2]))
                for i, k in enumerate(actual.delete_relationships)
            ]
            + [(f"retire_cis[{i}]", c == cid) for i, c in enumerate(actual.retire_cis)]
            + [(f"delete_cis[{i}]", c == cid) for i, c in enumerate(actual.delete_cis)]
        )
        for where, hit in touching:
            if hit:
                problems.append(
                    Problem(
                        "ACTUAL_TOUCHES_CHANGE",
                        f"the back-fill may not change the change {cid} itself",
                        where=where,
                    )
                )
        for i, ci_id in enumerate(actual.delete_cis):
            if ci_id in change.targets:
                problems.append(
                    Problem(
                        "ACTUAL_DELETES_TARGET",
                        f"the back-fill deletes target {ci_id}, which would erase the change's link to it: "
                        "retire it instead",
                        where=f"delete_cis[{i}]",
                    )
                )
        if problems:
            raise InvalidInput(problems)

    def _incident_links(
        self,
        change: Change,
        cis: list[CI],
        relationships: list[Relationship],
        *,
        start: datetime,
        end: datetime,
    ) -> list[IncidentLink]:
        """Incidents opened in ``[start, end)`` that affect a target or a CI of its blast radius."""
        nodes = {c.id: c for c in cis}
        opened: dict[str, datetime] = {}
        for c in cis:
            if (
                c.kind == "Incident"
                and (at := _when(c.attributes.get("opened_at"))) is not None
                and start <= at < end
            ):
                opened[c.id] = at
        affected: dict[str, list[str]] = {}
        for r in relationships:
            if r.type == "AFFECTS" and r.source in opened:
                affected.setdefault(r.source, []).append(r.target)
        if not affected:
            return []
        own = [r for r in relationships if r.source == change.id]
        planned = planned_change(nodes[change.id], own)
        radius = change_impact(ImpactGraph.build(cis, relationships, self.store.registry), planned)
        # rank: targets first, then nearest impacted CIs, down before degraded, by id
        reach: dict[str, tuple[tuple[int, int, str], str, tuple[str, ...]]] = {
            t: ((0, 0, t), "changed", (t,)) for t in radius.failed
        }
        for i in radius.impacted:
            reach[i.id] = ((i.depth, 0 if i.severity == "down" else 1, i.id), i.severity, i.path)
        links = []
        for incident in sorted(affected):
            hits = sorted((reach[ci] for ci in set(affected[incident]) if ci in reach), key=lambda h: h[0])
            if not hits:
                continue
            (_, _, via), severity, path = hits[0]
            if severity == "changed":
                reason = f"affects {via}, a target of {change.id}"
            else:
                reason = (
                    f"affects {via}, which would be {severity} if the change went wrong: {' -> '.join(path)}"
                )
            links.append(IncidentLink(incident, via, severity, path, reason))
        return links

    def _write(self, node: CI, updates: dict[str, Any], *, actor: str) -> None:
        self.store.apply(Batch(upsert_cis=[self._updated(node, updates)]), actor=actor, source="changes")

    @staticmethod
    def _updated(node: CI, updates: dict[str, Any]) -> CIData:
        """The node's content with ``updates`` merged into its attributes."""
        content = node.content()
        return CIData(
            id=content.id,
            kind=content.kind,
            name=content.name,
            criticality=content.criticality,
            status=content.status,
            attributes={**content.attributes, **updates},
        )

    def _check_references(self, new: NewChange) -> None:
        problems: list[Problem] = []
        for i, ref in enumerate(new.targets):
            ci = self.store.find_ci(ref)
            field = f"targets[{i}]"
            if ci is None:
                problems.append(Problem("UNKNOWN_REFERENCE", f"no CI with id {ref!r}", field=field))
                continue
            spec = self.store.registry.kinds.get(ci.kind)
            if spec is not None and spec.category == "service_management":
                problems.append(
                    Problem(
                        "WRONG_KIND",
                        f"{ref!r} is of kind {ci.kind}: a change targets CIs, not service records",
                        field=field,
                    )
                )
        if new.implementer is not None:
            ci = self.store.find_ci(new.implementer)
            if ci is None:
                problems.append(
                    Problem("UNKNOWN_REFERENCE", f"no CI with id {new.implementer!r}", field="implementer")
                )
            elif ci.kind not in IMPLEMENTER_KINDS:
                problems.append(
                    Problem(
                        "WRONG_KIND",
                        f"{new.implementer!r} is a {ci.kind}, not a Person or Team",
                        field="implementer",
                    )
                )
        if problems:
            raise InvalidInput(problems)


def _when(value: object) -> datetime | None:
    """An aware datetime from a stored ISO string, or ``None`` (missing, malformed, naive)."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _summary(result: WriteResult) -> list[ActualChange]:
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
