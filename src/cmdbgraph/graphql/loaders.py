"""DataLoaders: nested fields of many CIs cost one store call per level, not one per CI.

``neighbours`` of every CI of a page (or of a neighbour list) is loaded with one
``GraphStore.subgraph(roots, direction, 1, types)`` call per distinct (direction, types, asOf)
combination, made in a worker thread; a test counts the store calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from cmdbgraph.graphdb import Direction, GraphStore, Neighbour
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.schema import CINotFound

if TYPE_CHECKING:
    from cmdbgraph.graphql.types import NeighbourType

Group = tuple[Direction, tuple[str, ...] | None, datetime | None]


def _neighbours_batch(store: GraphStore, roots: Sequence[str], group: Group) -> list[list[Neighbour]]:
    """The neighbours of each root, by one subgraph read (per-root reads only if a root
    vanished meanwhile)."""
    direction, types, as_of = group
    try:
        g = store.subgraph(roots, direction, 1, types, as_of=as_of)
    except CINotFound:
        out = []
        for root in roots:
            try:
                out.append(store.neighbours(root, direction, types, as_of=as_of))
            except CINotFound:
                out.append([])
        return out
    result = []
    for root in roots:
        found: list[Neighbour] = []
        if direction in (Direction.OUT, Direction.BOTH):
            for _, other, _key, data in g.out_edges(root, keys=True, data=True):
                found.append(Neighbour(ci=g.nodes[other]["ci"], relationship=data["rel"], direction="out"))
        if direction in (Direction.IN, Direction.BOTH):
            for other, _, _key, data in g.in_edges(root, keys=True, data=True):
                found.append(Neighbour(ci=g.nodes[other]["ci"], relationship=data["rel"], direction="in"))
        found.sort(key=lambda n: (n.direction, n.relationship.type, n.ci.id))
        result.append(found)
    return result


async def neighbours_of(
    ctx: ApiContext, ci_id: str, direction: Direction, types: list[str] | None, as_of: datetime | None
) -> list[NeighbourType]:
    """The neighbours of ``ci_id`` as the caller may see them (batched with every other
    request for the same group within this operation)."""
    from cmdbgraph.access.roles import Permission
    from cmdbgraph.graphql.types import NeighbourType, ci_out, relationship_out

    ctx.require(Permission.GRAPH_READ)
    group: Group = (direction, tuple(sorted(set(types))) if types is not None else None, as_of)
    key = f"neighbours:{group!r}"
    loader = ctx.loaders.get(key)
    if loader is None:

        async def load(roots: list[str]) -> list[list[Neighbour]]:
            return await ctx.run(_neighbours_batch, ctx.api.store, roots, group)

        loader = ctx.loaders[key] = DataLoader(load_fn=load)
    found: list[Neighbour] = await loader.load(ci_id)
    shown = [(ci_out(ctx, n.ci), n) for n in found]
    return [
        NeighbourType(direction=n.direction, relationship=relationship_out(ctx, n.relationship), ci=c)
        for c, n in shown
    ]
