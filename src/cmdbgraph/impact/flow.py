"""Vectorised failure propagation over :class:`FlowArrays` (the hot path of every analysis).

Level-synchronous breadth-first search in numpy: each level gathers the edges out of the whole
frontier at once (CSR ranges), filters them with boolean masks, counts redundancy-group losses
with ``np.add.at`` and settles newly reached CIs with ``np.unique`` (the first edge in CSR order
that reaches a CI becomes its explanation parent, which makes results deterministic).

Semantics are those documented in :mod:`cmdbgraph.impact.blast_radius`: phase 1 settles the
*down* CIs level by level (a group goes down in the round its quorum is lost); phase 2 is a
breadth-first search from the failed CIs over every propagating edge: a CI is impacted from the
level it is first reached (down CIs too: one that goes down late is degraded before), and the
reached CIs that are not down are *degraded* at that level.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cmdbgraph.impact.graph import GROUP, HARD, FlowArrays

NONE, DEGRADED, DOWN = 0, 1, 2
_NO_STAMP = np.iinfo(np.int32).max
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class FlowResult:
    """The impacted CIs (failed ones excluded) in settling order, with, position by position,
    their ``severity`` (DEGRADED or DOWN), ``depth`` and explanation ``parent`` (a CI index;
    -1 never occurs here: only failed CIs have no parent). ``via`` is the parent in the
    breadth-first search of phase 2: a degraded CI's path follows ``via`` (through down CIs
    too), a down CI's path follows ``parent`` (through down CIs only)."""

    reached: IntArray
    severity: npt.NDArray[np.int8]
    depth: IntArray
    parent: IntArray
    via: IntArray

    def parent_map(self) -> dict[int, int]:
        """``parent[node]`` for every reached node."""
        return dict(zip(self.reached.tolist(), self.parent.tolist(), strict=True))

    def via_map(self) -> dict[int, int]:
        """``via[node]`` for every reached node."""
        return dict(zip(self.reached.tolist(), self.via.tolist(), strict=True))


class _Workspace:
    """Per-CI scratch arrays, reused across queries: allocating (and zeroing) arrays of the
    whole graph per query would dominate small queries. Only touched entries are reset."""

    def __init__(self, n: int, groups: int) -> None:
        self.severity = np.zeros(n, dtype=np.int8)
        self.depth = np.full(n, -1, dtype=np.int32)
        self.parent = np.full(n, -1, dtype=np.int32)
        self.failed = np.zeros(n, dtype=np.bool_)
        self.lost = np.zeros(groups, dtype=np.int32)
        self.seen = np.zeros(n, dtype=np.bool_)
        self.via = np.full(n, -1, dtype=np.int32)
        self.stamp = np.full(n, _NO_STAMP, dtype=np.int32)

    def reset(self, touched: IntArray, failed: IntArray, groups: IntArray) -> None:
        for arr, value in ((self.severity, 0), (self.depth, -1), (self.parent, -1), (self.via, -1)):
            arr[touched] = value
            arr[failed] = value
        self.failed[failed] = False
        self.seen[touched] = False
        self.seen[failed] = False
        self.lost[groups] = 0


_POOLS: dict[int, list[_Workspace]] = {}
_POOL_LOCK = threading.Lock()


def _acquire(flow: FlowArrays, n: int) -> _Workspace:
    key = id(flow)
    with _POOL_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = []
            # once this snapshot dies its id is reused (by a snapshot of another size, whose
            # queries would get these workspaces): drop the pool then (no lock: the callback
            # may run inside this very block, from the garbage collector)
            weakref.finalize(flow, _POOLS.pop, key, None)
        if pool:
            return pool.pop()
    return _Workspace(n, len(flow.threshold))


def _release(flow: FlowArrays, ws: _Workspace) -> None:
    with _POOL_LOCK:
        _POOLS.setdefault(id(flow), []).append(ws)


def _gather(flow: FlowArrays, frontier: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.int64]]:
    """For every edge out of ``frontier``: its source, its consumer and its edge index."""
    if len(frontier) == 1:  # common for a single failed CI: a slice, no index arithmetic
        lo, hi = flow.ptr[frontier[0]], flow.ptr[frontier[0] + 1]
        edge = np.arange(lo, hi, dtype=np.int64)
        return np.full(hi - lo, frontier[0], dtype=np.int32), flow.dst[lo:hi], edge
    starts = flow.ptr[frontier]
    counts = flow.ptr[frontier + 1] - starts
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int32)
        return empty, empty, np.empty(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    edge = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts) + np.repeat(starts, counts)
    src = np.repeat(frontier, counts)
    return src, flow.dst[edge], edge


def _first(candidates: IntArray, sources: IntArray, stamp: IntArray) -> tuple[IntArray, IntArray]:
    """Unique candidates (in first-seen order) and the source of each one's first edge.

    ``stamp`` is a per-CI scratch array holding ``_NO_STAMP``: ``np.minimum.at`` (unbuffered,
    so well defined with repeated indices) leaves at each candidate the position of its first
    occurrence, without sorting; the entries are restored before returning.
    """
    positions = np.arange(len(candidates), dtype=np.int32)
    np.minimum.at(stamp, candidates, positions)
    firsts = stamp[candidates] == positions
    stamp[candidates] = _NO_STAMP
    return candidates[firsts].astype(np.int32, copy=False), sources[firsts]


def propagate_flow(
    flow: FlowArrays,
    n: int,
    failed: IntArray,
    *,
    max_depth: int,
    allowed_types: npt.NDArray[np.bool_] | None = None,
    maintenance_stops: bool = False,
) -> FlowResult:
    """Propagate the failure of ``failed`` (CI indices) through ``flow``.

    ``allowed_types`` masks relationship types by their index in ``flow.type_names``.
    """
    ws = _acquire(flow, n)
    try:
        return _propagate(ws, flow, failed, max_depth, allowed_types, maintenance_stops)
    finally:
        _release(flow, ws)


def _propagate(
    ws: _Workspace,
    flow: FlowArrays,
    failed: IntArray,
    max_depth: int,
    allowed_types: npt.NDArray[np.bool_] | None,
    maintenance_stops: bool,
) -> FlowResult:
    severity, depth, parent, is_failed, lost = ws.severity, ws.depth, ws.parent, ws.failed, ws.lost
    is_failed[failed] = True
    severity[failed] = DOWN
    depth[failed] = 0
    reached: list[IntArray] = []
    touched_groups: list[IntArray] = []

    def expandable(frontier: IntArray) -> IntArray:
        if maintenance_stops:
            return frontier[~flow.maintenance[frontier] | is_failed[frontier]]
        return frontier

    def edges(frontier: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.int64]]:
        src, dst, edge = _gather(flow, expandable(frontier))
        if allowed_types is not None and len(edge):
            keep = allowed_types[flow.rtype[edge]]
            src, dst, edge = src[keep], dst[keep], edge[keep]
        return src, dst, edge

    # phase 1: down
    frontier = failed
    level = 0
    while len(frontier) and level < max_depth:
        level += 1
        src, dst, edge = edges(frontier)
        fresh = severity[dst] != DOWN
        src, dst, code = src[fresh], dst[fresh], flow.code[edge[fresh]]
        hard = code == HARD
        cand_dst = [dst[hard]]
        cand_src = [src[hard]]
        grouped = code >= GROUP
        if grouped.any():
            gids = code[grouped] - GROUP
            touched_groups.append(gids)
            before = lost[gids].copy()
            np.add.at(lost, gids, 1)
            # members of one group reached in this level all see the final count; the first
            # edge (in CSR order) that saw the quorum lost explains the consumer going down
            after = before + _rank_within(gids) + 1
            tipped = after == flow.threshold[gids]
            cand_dst.append(dst[grouped][tipped])
            cand_src.append(src[grouped][tipped])
        cands = np.concatenate(cand_dst)
        if not len(cands):
            break
        new, par = _first(cands, np.concatenate(cand_src), ws.stamp)
        severity[new] = DOWN
        depth[new] = level
        parent[new] = par
        reached.append(new)
        frontier = new

    # phase 2: breadth-first from the failed CIs through every CI, down ones included at the
    # level they are first reached (not the later one they go down at: a CI that goes down
    # late is degraded before, and the depth limit stays monotone); reached CIs not down are
    # degraded
    seen, via = ws.seen, ws.via
    seen[failed] = True
    frontier = failed
    level = 0
    while len(frontier) and level < max_depth:
        level += 1
        src, dst, _ = edges(frontier)
        fresh = ~seen[dst]
        frontier, par = _first(dst[fresh], src[fresh], ws.stamp)
        seen[frontier] = True
        via[frontier] = par
        degraded = severity[frontier] == NONE
        new = frontier[degraded]
        severity[new] = DEGRADED
        depth[new] = level
        parent[new] = par[degraded]
        reached.append(new)
    all_reached = np.concatenate(reached) if reached else np.empty(0, dtype=np.int32)
    result = FlowResult(
        reached=all_reached,
        severity=severity[all_reached],
        depth=depth[all_reached],
        parent=parent[all_reached],
        via=via[all_reached],
    )
    groups = np.concatenate(touched_groups) if touched_groups else np.empty(0, dtype=np.int32)
    ws.reset(all_reached, failed, groups)
    return result


def _rank_within(keys: IntArray) -> IntArray:
    """For each position, how many earlier positions hold the same key (0 for the first)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    ranks = np.empty(len(keys), dtype=np.int32)
    ranks[order] = np.arange(len(keys), dtype=np.int32) - run_start
    return ranks
