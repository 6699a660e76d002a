"""A plain-Python reference implementation of failure propagation, used as a test oracle for
the vectorised one in :mod:`cmdbgraph.impact.flow` (differential tests).

It is written from the rules, not from the fast code: it reads the raw CIs and relationships
(not the :class:`ImpactGraph` snapshot, so the snapshot's construction is checked too), finds
the *down* depths as the fixed point of equations and the impact distances with a queue.

- ``down_depth(c) = 0`` for a failed CI, else the least of ``down_depth(p) + 1`` over its hard
  providers ``p`` and of ``k-th smallest down_depth(member) + 1`` over its redundancy groups,
  where ``k`` members lost take the consumer down (fewer than ``min_up`` survive).
- ``reach(c)``: the breadth-first distance from the failed CIs over every propagating edge.
- Within ``max_depth``: down if ``down_depth <= max_depth``, else degraded if
  ``reach <= max_depth``. The depth is ``down_depth`` for down CIs and ``reach`` for degraded
  ones.

Only edges of allowed types out of CIs that propagate count (with ``maintenance_stops`` a CI
under maintenance propagates nothing unless it is one of the failed CIs). An optional or degrading
(``PART_OF``) relationship only degrades, even when it names a redundancy group: it counts in
the group's size but never towards its lost quorum, as :meth:`ImpactGraph.build` does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Registry, Relationship, Status
from cmdbgraph.schema.relationships import MinUp, required_up

INFINITY = float("inf")
EdgeKind = Literal["hard", "soft", "group"]


@dataclass(frozen=True)
class FlowEdge:
    """One failure-flow edge, from provider to consumer."""

    provider: str
    consumer: str
    rel_type: str
    kind: EdgeKind
    group: tuple[str, str] | None = None


@dataclass(frozen=True)
class FlowGraph:
    """The failure-flow edges of a graph and its redundancy groups' loss thresholds."""

    ids: tuple[str, ...]
    status: Mapping[str, Status]
    edges: tuple[FlowEdge, ...]
    lost_threshold: Mapping[tuple[str, str], int]

    @classmethod
    def build(
        cls,
        cis: Iterable[CIData],
        relationships: Iterable[Relationship],
        registry: Registry = DEFAULT_REGISTRY,
    ) -> FlowGraph:
        status = {ci.id: ci.status for ci in cis}
        members: dict[tuple[str, str], set[str]] = {}
        quorum: dict[tuple[str, str], MinUp] = {}
        edges: list[FlowEdge] = []
        seen_members: set[tuple[tuple[str, str], str]] = set()
        rels = list(relationships)
        for rel in rels:  # group sizes count every member, like collect_groups
            spec = registry.rel_types.get(rel.type)
            if spec is None or not spec.propagates or rel.redundancy_group is None:
                continue
            key = (spec.consumer(rel), rel.redundancy_group)
            members.setdefault(key, set()).add(spec.provider(rel))
            if rel.min_up is not None:
                quorum[key] = rel.min_up
        for rel in rels:
            spec = registry.rel_types.get(rel.type)
            if spec is None or not spec.propagates or rel.source not in status or rel.target not in status:
                continue
            provider, consumer = spec.provider(rel), spec.consumer(rel)
            if rel.optional or spec.effect == "degraded":
                edges.append(FlowEdge(provider, consumer, rel.type, "soft"))
            elif rel.redundancy_group is not None:
                key = (consumer, rel.redundancy_group)
                if (key, provider) in seen_members:
                    continue
                seen_members.add((key, provider))
                edges.append(FlowEdge(provider, consumer, rel.type, "group", key))
            else:
                edges.append(FlowEdge(provider, consumer, rel.type, "hard"))
        thresholds = {
            key: max(1, len(group) - required_up(quorum.get(key, 1), len(group)) + 1)
            for key, group in members.items()
        }
        return cls(tuple(status), status, tuple(edges), thresholds)

    def active_edges(
        self, failed: Iterable[str], rel_types: Iterable[str] | None, maintenance_stops: bool
    ) -> list[FlowEdge]:
        """The edges a failure can flow along under these options."""
        failed_set = set(failed)
        allowed = None if rel_types is None else set(rel_types)
        return [
            e
            for e in self.edges
            if (allowed is None or e.rel_type in allowed)
            and not (
                maintenance_stops
                and self.status[e.provider] is Status.MAINTENANCE
                and e.provider not in failed_set
            )
        ]


@dataclass(frozen=True)
class Outcome:
    """Per impacted CI (failed ones excluded): severity, depth and one explanation path."""

    severity: dict[str, str]
    depth: dict[str, int]
    path: dict[str, tuple[str, ...]]


def down_depths(fg: FlowGraph, failed: Iterable[str], edges: list[FlowEdge]) -> dict[str, float]:
    """The least solution of the down equations (``inf``: never down), by repeated relaxation."""
    failed_set = set(failed)
    depth: dict[str, float] = {i: (0 if i in failed_set else INFINITY) for i in fg.ids}
    hard_in: dict[str, list[str]] = {}
    group_in: dict[tuple[str, str], list[str]] = {}
    for e in edges:
        if e.kind == "hard":
            hard_in.setdefault(e.consumer, []).append(e.provider)
        elif e.group is not None:
            group_in.setdefault(e.group, []).append(e.provider)
    changed = True
    while changed:
        changed = False
        for c in fg.ids:
            best = depth[c]
            for p in hard_in.get(c, []):
                best = min(best, depth[p] + 1)
            for key, group in group_in.items():
                if key[0] != c or len(group) < fg.lost_threshold[key]:
                    continue
                kth = sorted(depth[p] for p in group)[fg.lost_threshold[key] - 1]
                best = min(best, kth + 1)
            if best < depth[c]:
                depth[c] = best
                changed = True
    return depth


def propagate(
    fg: FlowGraph,
    failed: list[str],
    *,
    max_depth: int | None = None,
    rel_types: Iterable[str] | None = None,
    maintenance_stops: bool = False,
) -> Outcome:
    """Severity, depth and an explanation path of every CI impacted by the failure of ``failed``."""
    limit: float = INFINITY if max_depth is None else max_depth
    edges = fg.active_edges(failed, rel_types, maintenance_stops)
    down = down_depths(fg, failed, edges)
    out: dict[str, list[FlowEdge]] = {}
    for e in edges:
        out.setdefault(e.provider, []).append(e)

    # the breadth-first impact distances and parents, through down CIs too
    reach: dict[str, int] = dict.fromkeys(failed, 0)
    reach_parent: dict[str, str] = {}
    queue = deque(failed)
    while queue:
        p = queue.popleft()
        for e in out.get(p, []):
            if e.consumer not in reach:
                reach[e.consumer] = reach[p] + 1
                reach_parent[e.consumer] = p
                queue.append(e.consumer)

    def reach_path(c: str) -> tuple[str, ...]:
        return (*reach_path(reach_parent[c]), c) if c in reach_parent else (c,)

    def down_path(c: str) -> tuple[str, ...]:
        if down[c] == 0:
            return (c,)
        # a provider that explains the depth: a hard one down one level earlier, or the member
        # of a group whose loss tipped it (down one level earlier, with the quorum then lost)
        for e in edges:
            if e.consumer != c or down[e.provider] != down[c] - 1:
                continue
            if e.kind == "hard":
                return (*down_path(e.provider), c)
            if e.group is not None:
                lost = sum(1 for g in edges if g.group == e.group and down[g.provider] <= down[c] - 1)
                if lost >= fg.lost_threshold[e.group]:
                    return (*down_path(e.provider), c)
        raise AssertionError(f"no explanation for {c}")

    severity: dict[str, str] = {}
    depth: dict[str, int] = {}
    path: dict[str, tuple[str, ...]] = {}
    failed_set = set(failed)
    for c, r in reach.items():
        if c in failed_set or r > limit:
            continue
        if down[c] < INFINITY and down[c] <= limit:
            severity[c], depth[c], path[c] = "down", int(down[c]), down_path(c)
        else:
            severity[c], depth[c], path[c] = "degraded", r, reach_path(c)
    return Outcome(severity, depth, path)
