"""The reverse question: everything a CI depends on (its providers, transitively).

Breadth-first over failure-flow edges taken backwards (consumer to provider). For every
dependency: its depth (hops), one shortest path from the CI to it, and whether it is **hard**:
reachable through hard edges only, so that its failure alone takes the CI down (optional,
degrading and redundant relationships make a dependency soft).

>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id=i, kind="Service") for i in ("web", "db", "cache")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON"),
...      Relationship(source="web", target="cache", type="DEPENDS_ON", optional=True)],
... )
>>> [(d.id, d.depth, d.path, d.hard) for d in depends_on(g, "web")]
[('cache', 1, ('web', 'cache'), False), ('db', 1, ('web', 'db'), True)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from cmdbgraph.impact.blast_radius import resolve
from cmdbgraph.impact.graph import HARD, ImpactGraph


@dataclass(frozen=True)
class Dependency:
    """A CI that the queried CI depends on."""

    id: str
    kind: str
    name: str
    depth: int
    path: tuple[str, ...]
    hard: bool


def _reach(
    g: ImpactGraph, root: int, max_depth: int | None, rel_types: frozenset[str] | None, hard_only: bool
) -> dict[int, tuple[int, int]]:
    """node -> (depth, parent) over provider edges from ``root``."""
    seen: dict[int, tuple[int, int]] = {root: (0, -1)}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        depth = seen[node][0]
        if max_depth is not None and depth >= max_depth:
            continue
        for p, code, rel_type in zip(
            g.providers[node], g.provider_codes[node], g.provider_types[node], strict=True
        ):
            if (
                p in seen
                or (hard_only and code != HARD)
                or (rel_types is not None and rel_type not in rel_types)
            ):
                continue
            seen[p] = (depth + 1, node)
            queue.append(p)
    return seen


def depends_on(
    g: ImpactGraph, ci_id: str, *, max_depth: int | None = None, rel_types: Iterable[str] | None = None
) -> list[Dependency]:
    """Every dependency of ``ci_id``, ordered by (depth, id). Raises ``CINotFound``."""
    (root,) = resolve(g, [ci_id])
    types = frozenset(rel_types) if rel_types is not None else None
    reached = _reach(g, root, max_depth, types, hard_only=False)
    # not bounded by max_depth: a dependency listed at depth 2 whose only hard route is longer
    # still takes the CI down on its own (one breadth-first search over hard edges only)
    hard = _reach(g, root, None, types, hard_only=True)
    found = []
    for node, (depth, _) in reached.items():
        if node == root:
            continue
        path = [node]
        step = node
        while (step := reached[step][1]) != -1:
            path.append(step)
        path.reverse()
        found.append(
            Dependency(g.ids[node], g.kinds[node], g.names[node], depth, g.path_ids(path), node in hard)
        )
    found.sort(key=lambda d: (d.depth, d.id))
    return found
