"""Failure propagation in plain Python, for blast radii too small for numpy to pay off.

numpy's level-synchronous search (:mod:`cmdbgraph.impact.flow`) has a fixed cost of a few dozen
array operations per level, which dominates when a failure reaches a few dozen CIs; iterating
the per-node adjacency tuples is then several times faster. :func:`propagate_small` gives up
(returns ``None``) once it has settled more than ``budget`` CIs, and the caller switches to
numpy.

The order of exploration mirrors the numpy version exactly (frontiers in settling order, edges
in CSR order, the first edge to reach a CI explains it, hard edges before lost quorums within a
level, a group goes down on the edge that loses its quorum, and phase 2 walks through down CIs
at the hop they are first reached), so both produce identical results; ``tests/impact`` checks
that.
"""

from __future__ import annotations

from cmdbgraph.impact.flow import DEGRADED, DOWN
from cmdbgraph.impact.graph import GROUP, HARD, ImpactGraph
from cmdbgraph.schema import Status

Settled = dict[int, tuple[int, int, int]]
"""node -> (severity, depth, parent), in settling order (failed CIs excluded)."""
Via = dict[int, int]
"""node -> its parent in the breadth-first search of phase 2 (degraded CIs' paths follow it)."""


def propagate_small(
    g: ImpactGraph,
    failed: list[int],
    *,
    max_depth: int,
    rel_types: frozenset[str] | None,
    maintenance_stops: bool,
    budget: int,
) -> tuple[Settled, Via] | None:
    """Propagate like ``propagate_flow``; ``None`` once more than ``budget`` CIs are reached."""
    consumers, codes, types, status = g.consumers, g.consumer_codes, g.consumer_types, g.status
    failed_set = set(failed)
    settled: Settled = {}
    via: Via = {}
    thresholds = g.thresholds
    lost: dict[int, int] = {}

    maintenance = Status.MAINTENANCE
    # (the checks below are inlined: this loop is the hot path of small queries)
    # phase 1: down, level by level (a group goes down on the edge that loses its quorum)
    frontier = list(failed)
    level = 0
    while frontier and level < max_depth:
        level += 1
        nxt: list[int] = []
        tipped: list[tuple[int, int]] = []
        for p in frontier:
            if maintenance_stops and status[p] is maintenance and p not in failed_set:
                continue
            for k, (c, code) in enumerate(zip(consumers[p], codes[p], strict=True)):
                if (
                    c in failed_set
                    or c in settled
                    or (rel_types is not None and types[p][k] not in rel_types)
                ):
                    continue
                if code == HARD:
                    settled[c] = (DOWN, level, p)
                    nxt.append(c)
                    if len(settled) > budget:
                        return None
                elif code >= GROUP and _lose(lost, code - GROUP) == thresholds[code - GROUP]:
                    tipped.append((c, p))
        # as in numpy: within a level, hard edges explain a CI before a lost quorum does
        for c, p in tipped:
            if c not in settled:
                settled[c] = (DOWN, level, p)
                nxt.append(c)
                if len(settled) > budget:
                    return None
        frontier = nxt

    # phase 2: breadth-first from the failed CIs through every CI (down ones at the hop they
    # are first reached); reached CIs that are not down are degraded at that hop
    seen = set(failed)
    frontier = list(failed)
    level = 0
    while frontier and level < max_depth:
        level += 1
        nxt = []
        for p in frontier:
            if maintenance_stops and status[p] is maintenance and p not in failed_set:
                continue
            for k, c in enumerate(consumers[p]):
                if c in seen or (rel_types is not None and types[p][k] not in rel_types):
                    continue
                seen.add(c)
                via[c] = p
                nxt.append(c)
                if c not in settled:
                    settled[c] = (DEGRADED, level, p)
                    if len(settled) > budget:
                        return None
        frontier = nxt
    return settled, via


def _lose(lost: dict[int, int], gid: int) -> int:
    """Count one more lost member of group ``gid``; the new count."""
    count = lost[gid] = lost.get(gid, 0) + 1
    return count
