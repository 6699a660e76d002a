"""The neighbourhood map: a CI and everything within ``depth`` hops of it (pure, plus one
reader over the :class:`~cmdbgraph.graphdb.GraphStore` protocol).

``direction`` follows the store's contract: ``out`` along relationships (what the CI depends
on, runs on, is owned by ...), ``in`` against them (what depends on it), ``both`` either way.
Every relationship type is followed and drawn (the induced subgraph). Nodes are ranked for
aggregation by their distance from the centre, then by criticality.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.schema import CI, Registry, Relationship
from cmdbgraph.visual.scene import Disclosure, LinkTo, Scene, SceneBuilder, SceneEdge

OWNED_BY = "OWNED_BY"
_DIRECTION_WORDS = {
    Direction.OUT: "following relationships outwards",
    Direction.IN: "following relationships inwards",
    Direction.BOTH: "following relationships both ways",
}


@dataclass(frozen=True)
class Neighbourhood:
    """The CIs and relationships around ``center`` (as read from a store), and who owns them."""

    center: str
    direction: Direction
    depth: int
    cis: Sequence[CI]
    relationships: Sequence[Relationship]
    owners: dict[str, CI]
    """CI id -> its owner (first ``OWNED_BY`` target by id), for cards and grouping by team."""


def read_neighbourhood(store: GraphStore, center: str, direction: Direction, depth: int) -> Neighbourhood:
    """Two store reads: the induced subgraph around ``center``, then the owners of its CIs.
    Raises ``CINotFound`` for an unknown centre, ``ValueError`` for a negative depth."""
    g = store.subgraph([center], direction, depth)
    cis: list[CI] = [g.nodes[n]["ci"] for n in g.nodes]
    relationships: list[Relationship] = [d["rel"] for _, _, d in g.edges(data=True)]
    owned = store.subgraph([c.id for c in cis], Direction.OUT, 1, rel_types=[OWNED_BY])
    owners: dict[str, CI] = {}
    for source, target, data in sorted(owned.edges(data=True), key=lambda e: (e[0], e[1])):
        if data["rel"].type == OWNED_BY and source not in owners:
            owners[source] = owned.nodes[target]["ci"]
    return Neighbourhood(center, direction, depth, cis, relationships, owners)


def hops_from(center: str, relationships: Iterable[Relationship], direction: Direction) -> dict[str, int]:
    """Breadth-first distance of every CI from ``center`` over ``relationships`` in
    ``direction``.

    >>> rels = [Relationship(source="a", target="b", type="DEPENDS_ON"),
    ...         Relationship(source="c", target="a", type="DEPENDS_ON")]
    >>> hops_from("a", rels, Direction.OUT), hops_from("a", rels, Direction.BOTH)
    ({'a': 0, 'b': 1}, {'a': 0, 'b': 1, 'c': 1})
    """
    adjacent: dict[str, list[str]] = {}
    for r in relationships:
        if direction in (Direction.OUT, Direction.BOTH):
            adjacent.setdefault(r.source, []).append(r.target)
        if direction in (Direction.IN, Direction.BOTH):
            adjacent.setdefault(r.target, []).append(r.source)
    hops = {center: 0}
    queue = deque([center])
    while queue:
        node = queue.popleft()
        for nxt in sorted(adjacent.get(node, ())):
            if nxt not in hops:
                hops[nxt] = hops[node] + 1
                queue.append(nxt)
    return hops


def neighbourhood_scene(
    hood: Neighbourhood, *, registry: Registry, disclosure: Disclosure, link: LinkTo | None = None
) -> Scene:
    """The map of ``hood``: the centre pinned and marked, every other CI ranked by hops from it."""
    by_id = {c.id: c for c in hood.cis}
    by_id.update({o.id: o for o in hood.owners.values() if o.id not in by_id})
    owner_ids = {ci_id: o.id for ci_id, o in hood.owners.items()}
    builder = SceneBuilder(
        "neighbourhood",
        registry=registry,
        disclosure=disclosure,
        lookup=by_id.get,
        owner_of=owner_ids.get,
        link=link,
    )
    hops = hops_from(hood.center, hood.relationships, hood.direction)
    far = hood.depth + 1
    for ci in sorted(hood.cis, key=lambda c: (hops.get(c.id, far), c.criticality, c.id)):
        distance = hops.get(ci.id, far)
        builder.add_ci(
            ci.id,
            pinned=ci.id == hood.center,
            rank=(1, distance, 0, ci.criticality),
            card=[("hops from the centre", str(distance))],
        )
    builder.mark(hood.center, border="#000000", dashes=False, role="center", card=[("map", "centre")])
    for r in hood.relationships:
        spec = registry.rel_types.get(r.type)
        builder.add_edge(
            SceneEdge(
                source=r.source,
                target=r.target,
                type=r.type,
                flows_to_source=None if spec is None or not spec.propagates else spec.flows == "to_source",
                optional=r.optional,
                grouped=r.redundancy_group is not None,
            )
        )
    center = builder.nodes[hood.center].shown
    scene = builder.build(
        title=f"Neighbourhood of {center.name if not center.redacted else center.id}",
        facts=[
            f"{len(hood.cis):,} CIs within {hood.depth} hops of {center.id}, "
            f"{_DIRECTION_WORDS[hood.direction]}; {len(builder.edges):,} relationships.",
        ],
        rank_note="the others closest to the centre first (most critical first among equals)",
        center=center.id,
    )
    return scene
