"""Graph health: single points of failure, dependency cycles, orphans, unowned CIs.

- A **single point of failure** is a CI whose loss alone takes a business service down. Found
  in two ways: every CI in a business service's *hard closure* (reachable through hard edges
  only: no optional relationship, no redundancy group in between), and *common-mode* failures:
  a CI that all of a redundancy group's surviving quorum depends on (say both replicas on one
  host) takes the group down although every edge is redundant. Common-mode candidates are
  confirmed with a real blast radius.
- **Cycles**: strongly connected components (more than one CI) of the failure-flow graph.
- **Orphans**: CIs with no relationship at all.
- **Without owner / support**: CIs of the given kinds with no ``OWNED_BY`` / ``SUPPORTED_BY``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from cmdbgraph.impact.blast_radius import UNLIMITED
from cmdbgraph.impact.flow import DOWN, propagate_flow
from cmdbgraph.impact.graph import GROUP, HARD, ImpactGraph
from cmdbgraph.impact.summary import BUSINESS_KIND
from cmdbgraph.schema import Registry


@dataclass(frozen=True)
class SinglePointOfFailure:
    """A CI whose failure alone takes these business services down."""

    id: str
    kind: str
    name: str
    business_services: tuple[str, ...]
    common_mode: bool


@dataclass(frozen=True)
class HealthReport:
    """Findings of :func:`graph_health`, each list ordered by id."""

    single_points_of_failure: list[SinglePointOfFailure]
    cycles: list[tuple[str, ...]]
    orphans: list[str]
    without_owner: list[str]
    without_support: list[str]


def _hard_closure(g: ImpactGraph, start: int) -> set[int]:
    """Every CI whose failure reaches ``start`` through hard edges only (``start`` excluded)."""
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for p, code in zip(g.providers[node], g.provider_codes[node], strict=True):
            if code == HARD and p not in seen:
                seen.add(p)
                queue.append(p)
    seen.discard(start)
    return seen


def single_points_of_failure(g: ImpactGraph) -> list[SinglePointOfFailure]:
    """CIs whose failure alone takes a business service down (see the module docstring)."""
    services = [n for n, kind in enumerate(g.kinds) if kind == BUSINESS_KIND]
    takes_down: dict[int, set[int]] = {}
    closure_of: dict[int, set[int]] = {}
    for b in services:
        closure_of[b] = _hard_closure(g, b)
        for c in closure_of[b]:
            takes_down.setdefault(c, set()).add(b)
    # common mode: CIs shared by the hard closures of enough members of one group
    members: dict[int, list[int]] = {}
    for provider, codes in enumerate(g.consumer_codes):
        for code in codes:
            if code >= GROUP:
                members.setdefault(code - GROUP, []).append(provider)
    suspects: set[int] = set()
    closures: dict[int, set[int]] = {}
    for gid, providers in members.items():
        threshold = g.groups[gid].lost_threshold
        if threshold > len(providers):
            continue
        shared: dict[int, int] = {}
        for p in providers:
            if p not in closures:
                closures[p] = _hard_closure(g, p) | {p}
            for c in closures[p]:
                shared[c] = shared.get(c, 0) + 1
        suspects.update(c for c, k in shared.items() if k >= threshold)
    common = set()
    flow = g.flow
    assert flow is not None
    service_set = set(services)
    for c in sorted(suspects - takes_down.keys()):
        radius = propagate_flow(flow, len(g), np.array([c], dtype=np.int32), max_depth=UNLIMITED)
        down = {
            n for n, s in zip(radius.reached.tolist(), radius.severity.tolist(), strict=True) if s == DOWN
        }
        hit = down & service_set
        if hit:
            takes_down[c] = hit
            common.add(c)
    return [
        SinglePointOfFailure(
            g.ids[c], g.kinds[c], g.names[c], tuple(sorted(g.ids[b] for b in bs)), c in common
        )
        for c, bs in sorted(takes_down.items(), key=lambda kv: g.ids[kv[0]])
    ]


def dependency_cycles(g: ImpactGraph) -> list[tuple[str, ...]]:
    """Strongly connected components of more than one CI in the failure-flow graph."""
    flow_graph: nx.DiGraph[int] = nx.DiGraph()
    flow_graph.add_edges_from((p, c) for p, cs in enumerate(g.consumers) for c in cs)
    cycles = [
        tuple(sorted(g.ids[n] for n in component))
        for component in nx.strongly_connected_components(flow_graph)
        if len(component) > 1
    ]
    return sorted(cycles)


def graph_health(
    g: ImpactGraph, owned_kinds: Iterable[str], *, orphan_kinds: Iterable[str] | None = None
) -> HealthReport:
    """All health findings. ``owned_kinds`` are the kinds that should have an owner and a
    support group (typically business, application, data and infrastructure kinds);
    ``orphan_kinds`` the kinds whose CIs are reported when they have no relationship at all
    (``None``: every kind; a change freeze, say, is fine on its own)."""
    wanted = set(owned_kinds)
    linkable = None if orphan_kinds is None else set(orphan_kinds)
    without_owner, without_support = [], []
    for n, kind in enumerate(g.kinds):
        if kind not in wanted:
            continue
        types = {t for t, _ in g.links.get(n, ())}
        if "OWNED_BY" not in types:
            without_owner.append(g.ids[n])
        if "SUPPORTED_BY" not in types:
            without_support.append(g.ids[n])
    return HealthReport(
        single_points_of_failure=single_points_of_failure(g),
        cycles=dependency_cycles(g),
        orphans=sorted(
            g.ids[n]
            for n, d in enumerate(g.degree)
            if d == 0 and (linkable is None or g.kinds[n] in linkable)
        ),
        without_owner=sorted(without_owner),
        without_support=sorted(without_support),
    )


OWNED_CATEGORIES = frozenset({"business", "application", "data", "infrastructure"})
"""Kind categories whose CIs should have an owner and a support group."""


def registry_health(g: ImpactGraph, registry: Registry) -> HealthReport:
    """:func:`graph_health` with the registry's defaults: kinds of the
    :data:`OWNED_CATEGORIES` should be owned and supported, and only configuration kinds (not
    tickets, changes, articles or catalog entries) count as orphans."""
    kinds = registry.kinds
    owned = [k for k, spec in kinds.items() if spec.category in OWNED_CATEGORIES]
    configuration = [
        k for k, spec in kinds.items() if spec.category not in ("service_management", "provenance")
    ]
    return graph_health(g, owned, orphan_kinds=configuration)
