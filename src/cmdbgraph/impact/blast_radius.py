"""Blast radius: what breaks, and how badly, when some CIs fail.

Rules (see ``ImpactGraph`` for the edge codes):

1. Failures flow along propagating relationships only, from provider to consumer.
2. A consumer goes **down** when a hard provider is down, or when so many members of one of its
   redundancy groups are down that fewer than ``min_up`` survive.
3. A consumer is **degraded** when any provider is down or degraded but rule 2 does not apply:
   an optional or degrading (``PART_OF``) relationship, a group that lost members but kept its
   quorum, or a degraded hard provider. Degraded never turns into down further up.
4. Several failed CIs combine: group losses are counted across all of them.
5. With ``maintenance_stops``, a CI under maintenance is reported but propagates nothing
   (it is already expected to be out of service, so its consumers are presumed rerouted).
6. Cycles terminate: each CI is settled once per severity.

The result reports, for every impacted CI, its severity, its depth (hops from the nearest
failed CI along the explanation) and one shortest explanation path. Down CIs are settled in
level order (breadth-first from the failed CIs; a group goes down in the round in which its
quorum is lost); a degraded CI's depth is its distance from the failed CIs over all
propagating relationships (through down CIs too: a CI that goes down late, such as a group
consumer, is degraded from the hop a failure first reaches it, and so are its consumers).

Examples
--------
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id=i, kind="Service") for i in ("web", "api", "db", "cache")],
...     [Relationship(source="web", target="api", type="DEPENDS_ON"),
...      Relationship(source="api", target="db", type="DEPENDS_ON"),
...      Relationship(source="api", target="cache", type="DEPENDS_ON", optional=True)],
... )
>>> [(i.id, i.severity, i.depth, i.path) for i in blast_radius(g, ["db"]).impacted]
[('api', 'down', 1, ('db', 'api')), ('web', 'down', 2, ('db', 'api', 'web'))]
>>> [(i.id, i.severity) for i in blast_radius(g, ["cache"]).impacted]
[('api', 'degraded'), ('web', 'degraded')]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from cmdbgraph.impact.flow import DOWN, FlowResult, propagate_flow
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.small_flow import Settled, Via, propagate_small
from cmdbgraph.schema import CINotFound

Severity = Literal["down", "degraded"]
UNLIMITED = 1 << 30
SMALL_RADIUS = 96
"""Blast radii up to this many CIs are computed in plain Python (``small_flow``), larger ones
in numpy (``flow``): below it numpy's per-level fixed cost dominates, above it the Python walk
abandoned at the budget is wasted (measured crossover around 100 CIs)."""


@dataclass(frozen=True)
class ImpactedCI:
    """One CI in a blast radius."""

    id: str
    kind: str
    name: str
    criticality: int
    severity: Severity
    depth: int
    path: tuple[str, ...]


def explain(g: ImpactGraph, parent: dict[int, int], node: int) -> tuple[str, ...]:
    """The explanation path from a failed CI to ``node`` (following parents; failed CIs have
    none)."""
    path = [node]
    while (up := parent.get(node)) is not None:
        node = up
        path.append(node)
    path.reverse()
    return g.path_ids(path)


@dataclass(frozen=True)
class BlastRadius:
    """What breaks. Severity, depth and explanation parents are computed by the traversal;
    ``impacted`` turns them into rows (with id paths) on first access, ordered by
    (depth, severity, id). Failed CIs are not listed as impacted."""

    graph: ImpactGraph
    failed: tuple[str, ...]
    flow: FlowResult

    def __len__(self) -> int:
        return len(self.flow.reached)

    @cached_property
    def impacted(self) -> list[ImpactedCI]:
        """Every impacted CI with its severity, depth and explanation path."""
        g, flow = self.graph, self.flow
        ids = g.ids
        parent = flow.parent_map()
        via = flow.via_map()
        rows = sorted(
            (d, 0 if s == DOWN else 1, ids[i], i)
            for i, d, s in zip(
                flow.reached.tolist(), flow.depth.tolist(), flow.severity.tolist(), strict=True
            )
        )
        return [
            ImpactedCI(
                id=ci_id,
                kind=g.kinds[node],
                name=g.names[node],
                criticality=g.criticality[node],
                severity="down" if sev == 0 else "degraded",
                depth=depth,
                path=explain(g, parent if sev == 0 else via, node),
            )
            for depth, sev, ci_id, node in rows
        ]

    @property
    def down(self) -> list[ImpactedCI]:
        """The CIs that go down."""
        return [i for i in self.impacted if i.severity == "down"]

    @property
    def degraded(self) -> list[ImpactedCI]:
        """The CIs that are degraded."""
        return [i for i in self.impacted if i.severity == "degraded"]

    def impacted_ids(self) -> set[str]:
        """Ids of the impacted CIs (cheap: no paths)."""
        ids = self.graph.ids
        return {ids[i] for i in self.flow.reached.tolist()}


def resolve(g: ImpactGraph, ci_ids: Iterable[str]) -> list[int]:
    """Node indices of ``ci_ids`` (deduplicated, in order); raises ``CINotFound``."""
    found: dict[int, None] = {}
    for ci_id in ci_ids:
        i = g.index.get(ci_id)
        if i is None:
            raise CINotFound(ci_id)
        found[i] = None
    return list(found)


def blast_radius(
    g: ImpactGraph,
    failed: Iterable[str],
    *,
    max_depth: int | None = None,
    rel_types: Iterable[str] | None = None,
    maintenance_stops: bool = False,
) -> BlastRadius:
    """What breaks when every CI in ``failed`` fails (see the module docstring for the rules).

    ``max_depth`` bounds the hops; ``rel_types`` restricts propagation to those relationship
    types. Raises ``CINotFound`` for an unknown id; ``ValueError`` for a negative depth.
    """
    if max_depth is not None and max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    roots = resolve(g, failed)
    flow_arrays = g.flow
    assert flow_arrays is not None
    allowed = None
    if rel_types is not None:
        wanted = set(rel_types)
        allowed = np.array([t in wanted for t in flow_arrays.type_names], dtype=np.bool_)
    depth_limit = UNLIMITED if max_depth is None else max_depth
    small = propagate_small(
        g,
        roots,
        max_depth=depth_limit,
        rel_types=frozenset(rel_types) if rel_types is not None else None,
        maintenance_stops=maintenance_stops,
        budget=SMALL_RADIUS,
    )
    if small is not None:
        result = _as_flow_result(*small)
    else:
        result = propagate_flow(
            flow_arrays,
            len(g),
            np.array(roots, dtype=np.int32),
            max_depth=depth_limit,
            allowed_types=allowed,
            maintenance_stops=maintenance_stops,
        )
    return BlastRadius(graph=g, failed=tuple(g.ids[i] for i in roots), flow=result)


def _as_flow_result(settled: Settled, via: Via) -> FlowResult:
    nodes = list(settled)
    return FlowResult(
        reached=np.array(nodes, dtype=np.int32),
        severity=np.array([settled[n][0] for n in nodes], dtype=np.int8),
        depth=np.array([settled[n][1] for n in nodes], dtype=np.int32),
        parent=np.array([settled[n][2] for n in nodes], dtype=np.int32),
        via=np.array([via.get(n, settled[n][2]) for n in nodes], dtype=np.int32),
    )
