"""Changes on the graph: pre-change impact, risk score, collisions, implementation and rollback
order, acceptance checklist and approval chain of a planned change (issue 5, "Changes").

Pure functions over an ``ImpactGraph``. The caller (the tickets layer) gathers the facts — the
other planned changes, freeze windows, CIs in maintenance, failed changes and incidents per CI —
and passes them in; nothing here reads a store or a clock.

Conventions shared by every function:

- **Windows** are half-open intervals ``[start, end)`` of timezone-aware datetimes. Two windows
  overlap when each starts before the other ends: one that ends exactly when the other starts
  does not overlap it.
- The **impact** of a change is the blast radius of its targets failing together (``blast_radius``
  rules): the worst case of a change gone wrong. The targets themselves are not listed as
  impacted; "touched" CIs are the targets plus the impacted CIs.
- A **business service** is a CI of kind ``BusinessService``; criticality 1 is the most critical.
- Unknown target ids raise ``CINotFound``; ids that are only *compared* (freeze scopes, CIs in
  maintenance, failed-change and incident counts) may name CIs the graph does not hold and then
  simply match nothing.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id="web", kind="BusinessService", criticality=1), CIData(id="db", kind="Database")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> at = lambda hour: datetime(2025, 3, 1, hour, tzinfo=UTC)
>>> change = PlannedChange("chg-1", "normal", ("db",), ChangeWindow(at(1), at(3)))
>>> [i.id for i in change_impact(g, change).impacted]
['web']
>>> risk = risk_score(g, change, failed_changes={"db": 1}, incidents={})
>>> [(f.factor, f.contribution) for f in risk.factors if f.contribution]
[('blast_radius', 10.0), ('business_services', 31.69925001442312), ('failed_changes', 8.0)]
>>> risk.level
'medium'
>>> [c.kind for c in collisions(g, change, [PlannedChange("chg-2", "standard", ("web",),
...     ChangeWindow(at(2), at(4)))])]
['dependent']
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal, get_args

from cmdbgraph.impact.blast_radius import BlastRadius, ImpactedCI, blast_radius, resolve
from cmdbgraph.impact.flow import DOWN
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import Status

ChangeType = Literal["standard", "normal", "emergency"]
RiskLevel = Literal["low", "medium", "high", "critical"]
CollisionKind = Literal["same_ci", "dependent", "freeze", "maintenance"]
ApprovalRole = Literal["target_owner", "service_owner", "cab"]

CHANGE_TYPES: frozenset[str] = frozenset(get_args(ChangeType))
BUSINESS_KIND = "BusinessService"
OWNER_TYPE = "OWNED_BY"
CAB_ID = "CAB"
CAB_LEVELS: frozenset[str] = frozenset({"high", "critical"})
"""Risk levels that need the Change Advisory Board."""

SAMPLE_STEP = timedelta(minutes=15)
MAX_SAMPLES = 4 * 24 * 31
"""The business-hours share of a window is sampled every ``SAMPLE_STEP`` (evenly spread over at
most ``MAX_SAMPLES`` instants for windows longer than a month)."""


def _check_interval(start: datetime, end: datetime, what: str) -> None:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{what} {name} must be a timezone-aware datetime, got {value.isoformat()}")
    if end <= start:
        raise ValueError(f"{what} must end after it starts ({start.isoformat()} .. {end.isoformat()})")


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class ChangeWindow:
    """The planned window ``[start, end)`` of a change (aware datetimes, ``end > start``;
    ``ValueError`` otherwise)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _check_interval(self.start, self.end, "change window")

    def overlaps(self, other: ChangeWindow | FreezeWindow) -> bool:
        """Whether the two half-open windows share an instant (touching ends do not)."""
        return _overlap(self.start, self.end, other.start, other.end)


@dataclass(frozen=True)
class PlannedChange:
    """A change request as analysis sees it: its type, target CIs (at least one; order kept,
    duplicates ignored by the analyses), window and implementer."""

    id: str
    change_type: ChangeType
    targets: tuple[str, ...]
    window: ChangeWindow
    implementer: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a change needs an id")
        if self.change_type not in CHANGE_TYPES:
            raise ValueError(f"change type {self.change_type!r} is not one of {sorted(CHANGE_TYPES)}")
        object.__setattr__(self, "targets", tuple(self.targets))
        if not self.targets:
            raise ValueError(f"change {self.id} has no target CI")


@dataclass(frozen=True)
class FreezeWindow:
    """A change freeze (blackout) ``[start, end)``; ``scope`` is the CIs it protects, ``None`` for
    everything."""

    name: str
    start: datetime
    end: datetime
    scope: frozenset[str] | None = None

    def __post_init__(self) -> None:
        _check_interval(self.start, self.end, f"freeze {self.name!r}")
        if self.scope is not None:
            object.__setattr__(self, "scope", frozenset(self.scope))

    def covered(self, ci_ids: Iterable[str]) -> tuple[str, ...]:
        """The CIs of ``ci_ids`` this freeze protects, sorted."""
        ids = set(ci_ids)
        return tuple(sorted(ids if self.scope is None else ids & self.scope))


def _counts(name: str, counts: Mapping[str, int]) -> Mapping[str, int]:
    for ci_id, n in counts.items():
        if n < 0:
            raise ValueError(f"{name} count for {ci_id} must be >= 0, got {n}")
    return MappingProxyType(dict(counts))


@dataclass(frozen=True)
class ChangeHistory:
    """Facts per CI over a lookback period: how many changes on it failed and how many incidents
    it had. Counts must be non-negative; missing CIs count 0. Pass them to ``risk_score`` as
    ``failed_changes=h.failed_changes, incidents=h.incidents``."""

    failed_changes: Mapping[str, int] = field(default_factory=dict)
    incidents: Mapping[str, int] = field(default_factory=dict)
    lookback: timedelta = timedelta(days=90)

    def __post_init__(self) -> None:
        if self.lookback <= timedelta(0):
            raise ValueError("lookback must be positive")
        object.__setattr__(self, "failed_changes", _counts("failed changes", self.failed_changes))
        object.__setattr__(self, "incidents", _counts("incidents", self.incidents))


def change_impact(graph: ImpactGraph, change: PlannedChange, max_depth: int | None = None) -> BlastRadius:
    """The blast radius of ``change``'s targets failing together (``max_depth`` bounds the hops).

    Raises ``CINotFound`` for an unknown target.
    """
    return blast_radius(graph, change.targets, max_depth=max_depth)


def in_maintenance(graph: ImpactGraph) -> frozenset[str]:
    """The CIs whose recorded status is ``maintenance`` (one possible ``maintenance`` argument of
    ``collisions``)."""
    return frozenset(i for i, s in zip(graph.ids, graph.status, strict=True) if s is Status.MAINTENANCE)


# ------------------------------------------------------------------------------------------ risk


@dataclass(frozen=True)
class RiskFactor:
    """One row of a risk explanation: ``contribution == value * weight``; ``detail`` says where
    the value comes from."""

    factor: str
    value: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True)
class RiskModel:
    """Weights of the risk factors and the score thresholds of the levels (``score >= medium_at``
    is medium, and so on)."""

    blast_radius: float = 10.0
    business_services: float = 10.0
    failed_changes: float = 8.0
    incidents: float = 5.0
    business_hours: float = 15.0
    freeze: float = 40.0
    emergency: float = 20.0
    medium_at: float = 30.0
    high_at: float = 60.0
    critical_at: float = 100.0

    def level(self, score: float) -> RiskLevel:
        """The level of ``score``."""
        if score >= self.critical_at:
            return "critical"
        if score >= self.high_at:
            return "high"
        if score >= self.medium_at:
            return "medium"
        return "low"


DEFAULT_RISK_MODEL = RiskModel()


@dataclass(frozen=True)
class ChangeRisk:
    """The risk of a change: ``score`` is the sum of the factors' contributions."""

    change_id: str
    score: float
    level: RiskLevel
    factors: tuple[RiskFactor, ...]


def _factor(factor: str, value: float, weight: float, detail: str) -> RiskFactor:
    return RiskFactor(factor, value, weight, value * weight, detail)


def service_weight(criticality: int, severity: str) -> float:
    """How much one impacted business service weighs: ``2 ** (4 - criticality)`` (8 for the most
    critical, 1 for the least), halved when it is only degraded.

    >>> service_weight(1, "down"), service_weight(4, "down"), service_weight(2, "degraded")
    (8.0, 1.0, 2.0)
    """
    weight = float(2 ** (4 - criticality))
    return weight if severity == "down" else weight / 2


def business_hours_share(window: ChangeWindow, business_hours: Callable[[datetime], bool]) -> float:
    """The share (0..1) of ``window`` in business hours, sampled every ``SAMPLE_STEP`` from its
    start (at most ``MAX_SAMPLES`` evenly spread instants)."""
    duration = window.end - window.start
    n = min(MAX_SAMPLES, max(1, math.ceil(duration / SAMPLE_STEP)))
    step = duration / n
    return sum(1 for k in range(n) if business_hours(window.start + k * step)) / n


def _freeze_hits(
    change: PlannedChange, touched: set[str], freezes: Iterable[FreezeWindow]
) -> list[tuple[FreezeWindow, tuple[str, ...]]]:
    hits = []
    for freeze in freezes:
        if change.window.overlaps(freeze) and (covered := freeze.covered(touched)):
            hits.append((freeze, covered))
    return hits


def _listing(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _target_counts(targets: Iterable[str], counts: Mapping[str, int], name: str) -> tuple[int, str]:
    total, parts = 0, []
    for t in targets:
        n = counts.get(t, 0)
        if n < 0:
            raise ValueError(f"{name} count for {t} must be >= 0, got {n}")
        if n:
            total += n
            parts.append(f"{t}: {n}")
    return total, (", ".join(parts) if parts else "none on the targets")


def risk_score(
    graph: ImpactGraph,
    change: PlannedChange,
    *,
    failed_changes: Mapping[str, int],
    incidents: Mapping[str, int],
    freezes: Iterable[FreezeWindow] = (),
    business_hours: Callable[[datetime], bool] | None = None,
    model: RiskModel = DEFAULT_RISK_MODEL,
) -> ChangeRisk:
    """The risk of ``change``: a weighted sum of factors, each explained by one ``RiskFactor``
    row (always all seven, in this order, zero ones included):

    - ``blast_radius``: ``log2(1 + impacted CIs)``;
    - ``business_services``: ``log2(1 + sum of service_weight)`` over the business services that
      are targets (counted down) or impacted — so criticality dominates, but many services add up;
    - ``failed_changes`` / ``incidents``: ``log2(1 + total count)`` over the (distinct) targets;
    - ``business_hours``: the share of the window in business hours (0 without a calendar);
    - ``freeze``: 1 when the window overlaps a freeze covering a target or impacted CI;
    - ``change_type``: 1 for an emergency change, else 0.

    The level comes from ``model``'s thresholds. Raises ``CINotFound`` for an unknown target,
    ``ValueError`` for a negative count.
    """
    g = graph
    radius = change_impact(g, change)
    flow = radius.flow
    reached = flow.reached.tolist()
    severities = flow.severity.tolist()
    n_down = sum(1 for s in severities if s == DOWN)
    factors = [
        _factor(
            "blast_radius",
            math.log2(1 + len(reached)),
            model.blast_radius,
            f"{len(reached)} CIs impacted ({n_down} down, {len(reached) - n_down} degraded)",
        )
    ]
    services = [(g.index[t], "down") for t in radius.failed if g.kinds[g.index[t]] == BUSINESS_KIND]
    services += [
        (node, "down" if sev == DOWN else "degraded")
        for node, sev in zip(reached, severities, strict=True)
        if g.kinds[node] == BUSINESS_KIND
    ]
    services.sort(key=lambda s: (g.criticality[s[0]], s[1] != "down", g.ids[s[0]]))
    weight_sum = sum(service_weight(g.criticality[n], sev) for n, sev in services)
    service_detail = f"{len(services)} business services (weight {weight_sum:g})"
    if services:
        service_detail += ": " + _listing(
            [f"{g.ids[n]} crit {g.criticality[n]} {sev}" for n, sev in services]
        )
    factors.append(
        _factor("business_services", math.log2(1 + weight_sum), model.business_services, service_detail)
    )
    targets = radius.failed
    n_failed, failed_detail = _target_counts(targets, failed_changes, "failed changes")
    factors.append(_factor("failed_changes", math.log2(1 + n_failed), model.failed_changes, failed_detail))
    n_incidents, incident_detail = _target_counts(targets, incidents, "incidents")
    factors.append(_factor("incidents", math.log2(1 + n_incidents), model.incidents, incident_detail))
    if business_hours is None:
        share, hours_detail = 0.0, "no business-hours calendar given"
    else:
        share = business_hours_share(change.window, business_hours)
        hours_detail = f"{share:.0%} of the window is in business hours"
    factors.append(_factor("business_hours", share, model.business_hours, hours_detail))
    hits = _freeze_hits(change, set(targets) | radius.impacted_ids(), freezes)
    factors.append(
        _factor(
            "freeze",
            1.0 if hits else 0.0,
            model.freeze,
            "; ".join(f"freeze {f.name!r} covers {_listing(list(cis))}" for f, cis in hits)
            or "no freeze covers the change",
        )
    )
    emergency = change.change_type == "emergency"
    factors.append(
        _factor("change_type", 1.0 if emergency else 0.0, model.emergency, f"{change.change_type} change")
    )
    score = sum(f.contribution for f in factors)
    return ChangeRisk(change.id, score, model.level(score), tuple(factors))


# ------------------------------------------------------------------------------------ collisions


@dataclass(frozen=True)
class Collision:
    """A conflict of ``change`` with another change, a freeze or maintenance.

    ``other`` is the other change's id (``same_ci``, ``dependent``), the freeze's name
    (``freeze``) or ``None`` (``maintenance``); ``cis`` are the CIs involved, sorted; ``paths``
    (``dependent`` only) explain, per CI, how a target of one change reaches it.
    """

    kind: CollisionKind
    change: str
    other: str | None
    cis: tuple[str, ...]
    detail: str
    paths: tuple[tuple[str, ...], ...] = ()


_KIND_ORDER: dict[str, int] = {k: i for i, k in enumerate(get_args(CollisionKind))}


def _paths_to(radius: BlastRadius, ci_ids: set[str]) -> dict[str, tuple[str, ...]]:
    return {i.id: i.path for i in radius.impacted if i.id in ci_ids}


def collisions(
    graph: ImpactGraph,
    change: PlannedChange,
    others: Iterable[PlannedChange] = (),
    freezes: Iterable[FreezeWindow] = (),
    maintenance: Iterable[str] = (),
) -> list[Collision]:
    """Everything ``change`` collides with:

    - ``same_ci``: another change whose window overlaps and that shares a target (``cis``: the
      shared targets);
    - ``dependent``: another change whose window overlaps, where a target of one is in the
      other's impact (``cis``: those targets; ``paths``: how they are reached);
    - ``freeze``: a freeze whose window overlaps and whose scope covers a target or an impacted CI
      (``cis``: the covered ones);
    - ``maintenance``: targets or impacted CIs among ``maintenance`` (the CIs the caller knows to
      be in maintenance during the window, e.g. ``in_maintenance(graph)``), whatever the window.

    A change sharing ``change``'s id in ``others`` is skipped (callers may pass every change).
    Other changes whose windows do not overlap are never examined. Ordered by kind (as listed),
    then ``other``, then ``cis``. Raises ``CINotFound`` for an unknown target of ``change`` or of
    an overlapping other change.
    """
    radius = change_impact(graph, change)
    impacted = radius.impacted_ids()
    targets = set(radius.failed)
    found: list[Collision] = []
    for other in others:
        if other.id == change.id or not change.window.overlaps(other.window):
            continue
        other_radius = change_impact(graph, other)
        other_targets = set(other_radius.failed)
        shared = sorted(targets & other_targets)
        if shared:
            found.append(
                Collision(
                    "same_ci",
                    change.id,
                    other.id,
                    tuple(shared),
                    f"{other.id} also changes {_listing(shared)} in an overlapping window",
                )
            )
        theirs_hit = other_targets & impacted  # their targets that this change can break
        ours_hit = targets & other_radius.impacted_ids()  # our targets that their change can break
        if theirs_hit or ours_hit:
            paths = _paths_to(radius, theirs_hit) | _paths_to(other_radius, ours_hit)
            cis = sorted(theirs_hit | ours_hit)
            reasons = []
            if theirs_hit:
                reasons.append(
                    f"{_listing(sorted(theirs_hit))} (changed by {other.id}) impacted by this change"
                )
            if ours_hit:
                reasons.append(
                    f"{_listing(sorted(ours_hit))} (changed by this change) impacted by {other.id}"
                )
            found.append(
                Collision(
                    "dependent",
                    change.id,
                    other.id,
                    tuple(cis),
                    "; ".join(reasons) + ", in overlapping windows",
                    tuple(paths[c] for c in cis),
                )
            )
    touched = targets | impacted
    for freeze, covered in _freeze_hits(change, touched, freezes):
        found.append(
            Collision(
                "freeze",
                change.id,
                freeze.name,
                covered,
                f"the window overlaps freeze {freeze.name!r} ({freeze.start.isoformat()} .. "
                f"{freeze.end.isoformat()}), which covers {_listing(list(covered))}",
            )
        )
    busy = sorted(touched.intersection(maintenance))
    if busy:
        found.append(
            Collision(
                "maintenance",
                change.id,
                None,
                tuple(busy),
                f"{_listing(busy)} in maintenance ("
                + ", ".join("target" if c in targets else "impacted" for c in busy[:5])
                + (", ..." if len(busy) > 5 else "")
                + ")",
            )
        )
    found.sort(key=lambda c: (_KIND_ORDER[c.kind], c.other or "", c.cis))
    return found


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
            reasons.append(f"owns target {_listing(targets)}")
        if services:
            reasons.append(f"owns impacted business service {_listing(services)}")
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
