"""Carrying out a planned change (issue 5, "Changes"): the implementation and rollback order of
its targets, the acceptance checklist after it, and the chain of approvers before it.

Pure functions over an ``ImpactGraph`` following the conventions of
:mod:`cmdbgraph.impact.planned_change` (impact = blast radius of the targets failing together;
a business service is a CI of kind ``BusinessService``, criticality 1 the most critical).
Owners are the targets of ``OWNED_BY`` relationships; the Change Advisory Board joins the
approval chain for high and critical risk (``cmdbgraph.impact.change_risk``). Unknown target
ids raise ``CINotFound``.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.impact.planned_change import ChangeWindow
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id="web", kind="BusinessService", criticality=1), CIData(id="db", kind="Database")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> at = lambda hour: datetime(2025, 3, 1, hour, tzinfo=UTC)
>>> change = PlannedChange("chg-1", "normal", ("web", "db"), ChangeWindow(at(1), at(3)))
>>> implementation_order(g, change), rollback_order(g, change)
(['db', 'web'], ['web', 'db'])
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Literal

from cmdbgraph.impact.blast_radius import BlastRadius, ImpactedCI, resolve
from cmdbgraph.impact.change_risk import ChangeRisk
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import BUSINESS_KIND, PlannedChange, change_impact, listing

ApprovalRole = Literal["target_owner", "service_owner", "cab"]

OWNER_TYPE = "OWNED_BY"
CAB_ID = "CAB"
CAB_LEVELS: frozenset[str] = frozenset({"high", "critical"})
"""Risk levels that need the Change Advisory Board."""


# ------------------------------------------------------------------------------------- ordering


@dataclass(frozen=True)
class ChangeOrder:
    """The order to apply a change's targets in (providers before the CIs that depend on them),
    its exact reverse for rolling back, and the dependency cycles among the targets that had to
    be broken (each cycle's targets sorted, cycles in implementation order)."""

    implementation: tuple[str, ...]
    rollback: tuple[str, ...]
    cycles: tuple[tuple[str, ...], ...]


def _target_dependencies(g: ImpactGraph, nodes: list[int]) -> dict[int, set[int]]:
    """For each target, the other targets it depends on, transitively (through any CI, over
    every propagating relationship, optional and degrading ones included)."""
    wanted = set(nodes)
    deps: dict[int, set[int]] = {}
    for t in nodes:
        seen, stack, found = {t}, [t], set()
        while stack:
            for p in g.providers[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
                    if p in wanted:
                        found.add(p)
        deps[t] = found
    return deps


def change_order(graph: ImpactGraph, change: PlannedChange) -> ChangeOrder:
    """Implementation and rollback order of ``change``'s targets.

    Target A *depends on* target B when a failure of B reaches A (through any CIs). The change is
    applied B before A and rolled back A before B: rollback is the exact reverse of
    implementation. Targets that depend on each other form a cycle, broken deterministically:
    its targets are applied together, in id order, and the cycle is reported. Independent targets
    (or cycles) are ordered by (smallest) id. Raises ``CINotFound`` for an unknown target.
    """
    g = graph
    nodes = resolve(g, change.targets)
    deps = _target_dependencies(g, nodes)
    component: dict[int, tuple[str, ...]] = {}
    for t in nodes:
        members = {t} | {u for u in deps[t] if t in deps[u]}
        component[t] = tuple(sorted(g.ids[m] for m in members))
    needs: dict[tuple[str, ...], set[tuple[str, ...]]] = {c: set() for c in component.values()}
    for t in nodes:
        needs[component[t]].update(component[u] for u in deps[t] if component[u] != component[t])
    waiting = {c: len(ps) for c, ps in needs.items()}
    users: dict[tuple[str, ...], list[tuple[str, ...]]] = {c: [] for c in needs}
    for c, ps in needs.items():
        for p in ps:
            users[p].append(c)
    ready = [c for c, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    ordered: list[tuple[str, ...]] = []
    while ready:
        c = heapq.heappop(ready)
        ordered.append(c)
        for u in users[c]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    implementation = tuple(ci_id for c in ordered for ci_id in c)
    return ChangeOrder(
        implementation=implementation,
        rollback=implementation[::-1],
        cycles=tuple(c for c in ordered if len(c) > 1),
    )


def implementation_order(graph: ImpactGraph, change: PlannedChange) -> list[str]:
    """``change``'s targets in the order to apply them (see ``change_order``)."""
    return list(change_order(graph, change).implementation)


def rollback_order(graph: ImpactGraph, change: PlannedChange) -> list[str]:
    """``change``'s targets in the order to roll them back: the reverse of
    ``implementation_order`` (cycles are reported by ``change_order``)."""
    return list(change_order(graph, change).rollback)


# ------------------------------------------------------------------------------------ checklist


@dataclass(frozen=True)
class ChecklistItem:
    """One verification after the change. ``role`` is ``target`` (a changed CI; ``severity``
    ``changed``, ``path`` just the CI) or ``business_service`` (an impacted one; ``severity``
    what it would suffer if the change went wrong, ``path`` from a target to it)."""

    ci: str
    kind: str
    name: str
    criticality: int
    role: Literal["target", "business_service"]
    severity: Literal["changed", "down", "degraded"]
    path: tuple[str, ...]
    check: str


def _impacted_services(radius: BlastRadius) -> list[ImpactedCI]:
    """Impacted business services: most critical first, down before degraded, nearest, by id."""
    return sorted(
        (i for i in radius.impacted if i.kind == BUSINESS_KIND),
        key=lambda i: (i.criticality, i.severity != "down", i.depth, i.id),
    )


def acceptance_checklist(graph: ImpactGraph, change: PlannedChange) -> list[ChecklistItem]:
    """One item per target (in the change's order), then one per impacted business service
    (most critical first, down before degraded, then by depth and id), each with the path that
    explains why it is checked. Raises ``CINotFound`` for an unknown target."""
    g = graph
    radius = change_impact(g, change)
    items = []
    for t in radius.failed:
        n = g.index[t]
        what = "business service" if g.kinds[n] == BUSINESS_KIND else g.kinds[n]
        items.append(
            ChecklistItem(
                t,
                g.kinds[n],
                g.names[n],
                g.criticality[n],
                "target",
                "changed",
                (t,),
                f"Verify {what} {g.names[n]} ({t}) works as intended after the change (it is a target)",
            )
        )
    for s in _impacted_services(radius):
        items.append(
            ChecklistItem(
                s.id,
                s.kind,
                s.name,
                s.criticality,
                "business_service",
                s.severity,
                s.path,
                f"Verify business service {s.name} ({s.id}, criticality {s.criticality}) end to end: "
                f"it would be {s.severity} if the change failed, via {' -> '.join(s.path)}",
            )
        )
    return items


# ------------------------------------------------------------------------------------- approval


@dataclass(frozen=True)
class ApprovalStep:
    """One approver: a team or person (``approver`` is its CI id) or the CAB (``approver`` is
    ``"CAB"``, ``kind`` ``"CAB"``); ``cis`` are the CIs that make it an approver; ``reason``
    says why."""

    approver: str
    kind: str
    name: str
    role: ApprovalRole
    cis: tuple[str, ...]
    reason: str


def _owners(g: ImpactGraph, node: int) -> list[int]:
    return sorted(
        {t for rel_type, t in g.links.get(node, ()) if rel_type == OWNER_TYPE}, key=lambda t: g.ids[t]
    )


def approval_chain(graph: ImpactGraph, change: PlannedChange, *, risk: ChangeRisk) -> list[ApprovalStep]:
    """Who approves ``change``, in order: the owners (``OWNED_BY``) of the targets (targets in
    the change's order, owners by id), then the owners of the impacted business services (in
    checklist order), then the CAB when ``risk.level`` is high or critical.

    Each approver appears once, at its first position; its ``cis`` lists every target and
    impacted business service it owns (targets first). CIs without an owner add no step.
    Raises ``ValueError`` when ``risk`` is not ``change``'s, ``CINotFound`` for an unknown target.
    """
    if risk.change_id != change.id:
        raise ValueError(f"risk is for change {risk.change_id}, not {change.id}")
    g = graph
    radius = change_impact(g, change)
    owned: dict[int, tuple[ApprovalRole, list[str], list[str]]] = {}
    for t in radius.failed:
        for owner in _owners(g, g.index[t]):
            owned.setdefault(owner, ("target_owner", [], []))[1].append(t)
    for s in _impacted_services(radius):
        for owner in _owners(g, g.index[s.id]):
            owned.setdefault(owner, ("service_owner", [], []))[2].append(s.id)
    steps = []
    for owner, (role, targets, services) in owned.items():
        reasons = []
        if targets:
            reasons.append(f"owns target {listing(targets)}")
        if services:
            reasons.append(f"owns impacted business service {listing(services)}")
        steps.append(
            ApprovalStep(
                g.ids[owner], g.kinds[owner], g.names[owner], role, (*targets, *services), "; ".join(reasons)
            )
        )
    if risk.level in CAB_LEVELS:
        steps.append(
            ApprovalStep(
                CAB_ID,
                CAB_ID,
                "Change Advisory Board",
                "cab",
                radius.failed,
                f"{change.change_type} change with {risk.level} risk (score {risk.score:.1f})",
            )
        )
    return steps
