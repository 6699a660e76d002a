"""Change requests on the graph, and their pre-change assessment.

A change request is a CI of kind ``ChangeRequest`` (attributes: title, change_type, state,
window_start, window_end, backout_plan, outcome) whose ``CHANGES`` relationships name its
target CIs and whose ``ASSIGNED_TO`` names the implementer; a change freeze is a
``FreezeWindow`` CI (start, end, optional scope). :func:`assess_change` reads the whole graph
once (``GraphStore.contents``) and answers everything a change manager asks before a CAB with
the pure functions of the change modules of :mod:`cmdbgraph.impact` (``planned_change``,
``change_risk``, ``change_collisions``, ``change_plan``): risk with its factors, collisions with
other open changes, freezes and maintenance, implementation and rollback order, the acceptance
checklist and the approval chain. History comes from the graph too: failed changes are
``ChangeRequest`` CIs in state ``failed`` that changed a target, incidents are ``Incident`` CIs
that affect it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from cmdbgraph.graphdb import GraphContents, GraphStore
from cmdbgraph.impact.change_collisions import Collision, collisions
from cmdbgraph.impact.change_plan import (
    ApprovalStep,
    ChangeOrder,
    ChecklistItem,
    acceptance_checklist,
    approval_chain,
    change_order,
)
from cmdbgraph.impact.change_risk import ChangeRisk, risk_score
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import (
    ChangeType,
    ChangeWindow,
    FreezeWindow,
    PlannedChange,
    in_maintenance,
)
from cmdbgraph.schema import CI, CINotFound, InvalidInput, Problem, Relationship

OPEN_STATES = frozenset({"submitted", "approved"})
"""States of the other changes a change can collide with."""


@dataclass(frozen=True)
class ChangeAssessment:
    """Everything :func:`assess_change` found about one change."""

    change: PlannedChange
    title: str
    state: str
    risk: ChangeRisk
    collisions: list[Collision]
    order: ChangeOrder
    checklist: list[ChecklistItem]
    approvals: list[ApprovalStep]


def _when(ci: CI, name: str) -> datetime:
    value = ci.attributes.get(name)
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput.one(
            "BAD_CHANGE_WINDOW",
            f"{name} {value!r} is not a date-time",
            where=ci.id,
            field=f"attributes.{name}",
        ) from None
    if at.tzinfo is None:
        raise InvalidInput.one(
            "BAD_CHANGE_WINDOW", f"{name} {value!r} has no time zone", where=ci.id, field=f"attributes.{name}"
        )
    return at


def planned_change(ci: CI, links: Iterable[Relationship]) -> PlannedChange:
    """The analysis view of a ``ChangeRequest`` CI and its outgoing relationships."""
    links = list(links)
    targets = tuple(sorted(r.target for r in links if r.type == "CHANGES"))
    implementer = next(
        (r.target for r in sorted(links, key=lambda r: r.key) if r.type == "ASSIGNED_TO"), None
    )
    if not targets:
        raise InvalidInput.one(
            "CHANGE_WITHOUT_TARGETS", "the change has no CHANGES relationship", where=ci.id
        )
    try:
        return PlannedChange(
            id=ci.id,
            change_type=cast(ChangeType, str(ci.attributes.get("change_type"))),
            targets=targets,
            window=ChangeWindow(_when(ci, "window_start"), _when(ci, "window_end")),
            implementer=implementer,
        )
    except ValueError as exc:
        raise InvalidInput([Problem("BAD_CHANGE", str(exc), where=ci.id)]) from None


def _freeze(ci: CI) -> FreezeWindow:
    scope = ci.attributes.get("scope")
    return FreezeWindow(
        name=ci.name or ci.id,
        start=_when(ci, "start"),
        end=_when(ci, "end"),
        scope=frozenset(str(s) for s in scope) if isinstance(scope, list) else None,
    )


def assess_change(
    store: GraphStore,
    change_id: str,
    *,
    business_hours: Callable[[datetime], bool] | None = None,
    contents: GraphContents | None = None,
) -> ChangeAssessment:
    """Assess the ``ChangeRequest`` ``change_id`` against the current graph (``CINotFound`` if
    there is no such change). ``business_hours`` tells whether an instant is in business hours
    (``None``: the window is not weighed by it)."""
    contents = contents or store.contents()
    cis = {c.id: c for c in contents.cis}
    node = cis.get(change_id)
    if node is None or node.kind != "ChangeRequest":
        raise CINotFound(change_id)
    out: dict[str, list[Relationship]] = {}
    for rel in contents.relationships:
        out.setdefault(rel.source, []).append(rel)
    change = planned_change(node, out.get(change_id, []))

    others = [
        planned_change(c, out.get(c.id, []))
        for c in contents.cis
        if c.kind == "ChangeRequest" and c.id != change_id and c.attributes.get("state") in OPEN_STATES
    ]
    freezes = [_freeze(c) for c in contents.cis if c.kind == "FreezeWindow"]
    failed = Counter(
        r.target
        for r in contents.relationships
        if r.type == "CHANGES"
        and cis[r.source].kind == "ChangeRequest"
        and cis[r.source].attributes.get("state") == "failed"
    )
    incidents = Counter(
        r.target for r in contents.relationships if r.type == "AFFECTS" and cis[r.source].kind == "Incident"
    )
    graph = ImpactGraph.build(contents.cis, contents.relationships, store.registry)
    risk = risk_score(
        graph,
        change,
        failed_changes=failed,
        incidents=incidents,
        freezes=freezes,
        business_hours=business_hours,
    )
    return ChangeAssessment(
        change=change,
        title=str(node.attributes.get("title", node.name)),
        state=str(node.attributes.get("state")),
        risk=risk,
        collisions=collisions(graph, change, others, freezes, in_maintenance(graph)),
        order=change_order(graph, change),
        checklist=acceptance_checklist(graph, change),
        approvals=approval_chain(graph, change, risk=risk),
    )
