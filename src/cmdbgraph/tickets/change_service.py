"""The life of a change request on a :class:`GraphStore` (either backend): create, submit,
approve or reject step by step, implement with its post-release back-fill, cancel.

Changes are stored as :mod:`~cmdbgraph.tickets.change_model` describes (a ``ChangeRequest`` CI
that ``CHANGES`` its targets and is ``ASSIGNED_TO`` its implementer) and move as
:data:`~cmdbgraph.tickets.change_lifecycle.CHANGE_TRANSITIONS` allows (``ILLEGAL_TRANSITION``
otherwise). Every operation is one ``apply`` batch, validated first: a refused operation writes
nothing. Times come from the injected ``clock``.

Rules decided here:

- **Submit** assesses the change (:func:`~cmdbgraph.tickets.changes.assess_change`: risk,
  collisions, approval chain) and stores the chain as numbered steps (``approvals``), the risk
  (``risk``) and every collision found (``collisions``).
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
  same batch, summarised in ``actual_changes`` (see
  :class:`~cmdbgraph.tickets.change_model.ActualChange`). The back-fill may not touch the change
  itself (``ACTUAL_TOUCHES_CHANGE``) nor delete a target (``ACTUAL_DELETES_TARGET``: retire it).
  In that batch too, every ``Incident`` opened in ``[min(window_start, implemented_at),
  implemented_at + incident_window)`` that ``AFFECTS`` a target or a CI in the targets' blast
  radius (computed on the graph before the back-fill) gets ``CAUSED_BY`` the change with
  ``{confidence: possible, via, severity, path, reason}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.impact.change_plan import CAB_ID, CAB_LEVELS
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import change_impact
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.change_lifecycle import ChangeEvent, ChangeState, change_transition
from cmdbgraph.tickets.change_model import (
    KIND,
    LINK_TYPES,
    Approval,
    Change,
    CollisionNote,
    Decision,
    Implementation,
    IncidentLink,
    NewChange,
    Outcome,
    Transition,
    actual_change_summary,
    attribute_value,
    change_from_graph,
    iso_time,
    parse_time,
)
from cmdbgraph.tickets.changes import assess_change, planned_change

Clock = Callable[[], datetime]
IMPLEMENTER_KINDS = ("Person", "Team")


def random_change_id() -> str:
    """``CHG-`` and 10 random hex digits (no coordination between writers)."""
    return f"CHG-{uuid.uuid4().hex[:10].upper()}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
            "window_start": iso_time(new.window_start),
            "window_end": iso_time(new.window_end),
            "timeline": [attribute_value(Transition(at=at, state=ChangeState.DRAFT, actor=actor))],
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
            "approvals": [attribute_value(s) for s in steps],
            "risk": {"score": round(a.risk.score, 3), "level": a.risk.level},
            "collisions": [
                attribute_value(CollisionNote(kind=c.kind, other=c.other, cis=c.cis)) for c in a.collisions
            ],
            "timeline": [attribute_value(t) for t in timeline],
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
        updates: dict[str, Any] = {"approvals": [attribute_value(s) for s in approvals]}
        if decision is Decision.REJECTED or all(s.decision is not Decision.PENDING for s in approvals):
            updates["state"] = target.value
            updates["timeline"] = [
                attribute_value(t) for t in (*before.timeline, Transition(at=at, state=target, actor=actor))
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
        self._write(
            node, {"state": state.value, "timeline": [attribute_value(t) for t in timeline]}, actor=actor
        )
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
            "implemented_at": iso_time(at),
            "outcome": outcome.value,
            "timeline": [
                attribute_value(t) for t in (*before.timeline, Transition(at=at, state=state, actor=actor))
            ],
        }
        if actual is not None:
            dry = self.store.apply(actual, actor=actor, source=f"change:{change_id}", dry_run=True)
            updates["actual_changes"] = [attribute_value(c) for c in actual_change_summary(dry)]
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
                and (at := parse_time(c.attributes.get("opened_at"))) is not None
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
            if spec is not None and spec.category in ("service_management", "provenance"):
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
