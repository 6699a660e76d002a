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
quorum is lost), then degraded CIs in level order from all down CIs.

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
from typing import Literal

from cmdbgraph.impact.graph import GROUP, HARD, ImpactGraph
from cmdbgraph.schema import CINotFound, Status

Severity = Literal["down", "degraded"]
UNLIMITED = 1 << 30


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


@dataclass(frozen=True)
class BlastRadius:
    """The impacted CIs (failed CIs excluded), ordered by (depth, severity, id)."""

    failed: tuple[str, ...]
    impacted: list[ImpactedCI]

    @property
    def down(self) -> list[ImpactedCI]:
        """The CIs that go down."""
        return [i for i in self.impacted if i.severity == "down"]

    @property
    def degraded(self) -> list[ImpactedCI]:
        """The CIs that are degraded."""
        return [i for i in self.impacted if i.severity == "degraded"]


@dataclass(frozen=True)
class Propagation:
    """Raw outcome of :func:`propagate`: per node index, its depth and parent (``-1`` for a
    failed CI); ``down`` and ``degraded`` are disjoint."""

    down: dict[int, int]
    degraded: dict[int, int]
    parent: dict[int, int]


def resolve(g: ImpactGraph, ci_ids: Iterable[str]) -> list[int]:
    """Node indices of ``ci_ids`` (deduplicated, in order); raises ``CINotFound``."""
    found: dict[int, None] = {}
    for ci_id in ci_ids:
        i = g.index.get(ci_id)
        if i is None:
            raise CINotFound(ci_id)
        found[i] = None
    return list(found)


def propagate(
    g: ImpactGraph,
    failed: list[int],
    *,
    max_depth: int | None = None,
    rel_types: frozenset[str] | None = None,
    maintenance_stops: bool = False,
) -> Propagation:
    """Severity, depth and explanation parent of every CI reached from ``failed``."""
    limit = UNLIMITED if max_depth is None else max_depth
    consumers, codes, types = g.consumers, g.consumer_codes, g.consumer_types
    status = g.status
    stop = Status.MAINTENANCE if maintenance_stops else None
    down: dict[int, int] = dict.fromkeys(failed, 0)
    parent: dict[int, int] = dict.fromkeys(failed, -1)
    allowed = rel_types or frozenset()
    thresholds = [grp.lost_threshold for grp in g.groups]
    lost: dict[int, int] = {}

    # phase 1: down, level by level
    frontier = list(down)
    depth = 0
    while frontier and depth < limit:
        depth += 1
        nxt: list[int] = []
        for p in frontier:
            if stop is not None and status[p] is stop and parent[p] != -1:
                continue
            p_types = types[p] if rel_types is not None else None
            for k, (c, code) in enumerate(zip(consumers[p], codes[p], strict=True)):
                if c in down or (p_types is not None and p_types[k] not in allowed):
                    continue
                if code == HARD:
                    down[c] = depth
                    parent[c] = p
                    nxt.append(c)
                elif code >= GROUP:
                    gid = code - GROUP
                    count = lost.get(gid, 0) + 1
                    lost[gid] = count
                    if count == thresholds[gid]:
                        down[c] = depth
                        parent[c] = p
                        nxt.append(c)
        frontier = nxt

    # phase 2: degraded, level by level from every down CI at its own depth
    degraded: dict[int, int] = {}
    buckets: dict[int, list[int]] = {}
    for node, d in down.items():
        buckets.setdefault(d, []).append(node)
    depth = 0
    while buckets and depth < limit:
        level = buckets.pop(depth, [])
        depth += 1
        for p in level:
            if stop is not None and status[p] is stop and parent[p] != -1:
                continue
            p_types = types[p] if rel_types is not None else None
            for k, c in enumerate(consumers[p]):
                if c in down or c in degraded or (p_types is not None and p_types[k] not in allowed):
                    continue
                degraded[c] = depth
                parent[c] = p
                buckets.setdefault(depth, []).append(c)
    return Propagation(down=down, degraded=degraded, parent=parent)


def explain(g: ImpactGraph, parent: dict[int, int], node: int) -> tuple[str, ...]:
    """The explanation path from a failed CI to ``node`` (following parents)."""
    path = [node]
    while (node := parent[node]) != -1:
        path.append(node)
    path.reverse()
    return g.path_ids(path)


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
    types = frozenset(rel_types) if rel_types is not None else None
    result = propagate(g, roots, max_depth=max_depth, rel_types=types, maintenance_stops=maintenance_stops)
    rows: list[tuple[int, int, str, int]] = []
    ids = g.ids
    for node, depth in result.down.items():
        if depth:
            rows.append((depth, 0, ids[node], node))
    for node, depth in result.degraded.items():
        rows.append((depth, 1, ids[node], node))
    rows.sort()
    impacted = [
        ImpactedCI(
            id=ci_id,
            kind=g.kinds[node],
            name=g.names[node],
            criticality=g.criticality[node],
            severity="down" if sev == 0 else "degraded",
            depth=depth,
            path=explain(g, result.parent, node),
        )
        for depth, sev, ci_id, node in rows
    ]
    return BlastRadius(failed=tuple(ids[i] for i in roots), impacted=impacted)
