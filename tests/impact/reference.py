"""A plain-Python reference implementation of failure propagation, used as a test oracle for
the vectorised one in :mod:`cmdbgraph.impact.flow` (differential tests)."""

from __future__ import annotations

from dataclasses import dataclass

from cmdbgraph.impact.graph import GROUP, HARD, ImpactGraph
from cmdbgraph.schema import Status

UNLIMITED = 1 << 30


@dataclass(frozen=True)
class Propagation:
    """Raw outcome of :func:`propagate`: per node index, its depth and parent (``-1`` for a
    failed CI); ``down`` and ``degraded`` are disjoint."""

    down: dict[int, int]
    degraded: dict[int, int]
    parent: dict[int, int]


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
