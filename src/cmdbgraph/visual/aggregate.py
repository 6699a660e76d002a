"""Aggregation of large maps: past ``max_nodes`` CIs, group the rest into cluster nodes (pure).

A map of a 10⁴ to 10⁵-CI blast radius cannot be drawn node by node: the browser's layout and the
reader both give up. :func:`aggregate` keeps the map under a bound and says what it did:

1. A scene of at most ``max_nodes`` nodes is drawn whole.
2. Otherwise *pinned* nodes (failed CIs, symptoms, candidates, change targets, the centre) are
   always drawn; the others are drawn in ``rank`` order (the map kind's notion of importance,
   e.g. closest to the failure first) while the budget lasts, and every remaining node joins
   the cluster of its *group*: its kind, its owning team, or the business service it serves
   (the nearest ``BusinessService`` node reached against the failure flow inside the map).
   Restricted stand-ins always group as ``Redacted``, whatever the grouping, so a group never
   tells anything about them.
3. At most ``max_clusters`` clusters: the smallest groups merge into one "other groups" cluster.
   The budget reserves room for the clusters, so at most ``max_nodes`` nodes are drawn in all
   (clusters included) unless the pinned nodes alone exceed it; their number is bounded by the
   caller's input limits.
4. Edges are redrawn between representatives (a node, or the cluster holding it), counted;
   edges inside one cluster are dropped (and counted in the notes).
5. Each cluster carries its first ``expand_max`` members (in rank order) and their edges, so
   the page can expand it in place without another request.

Cluster keys start with a NUL character, which no CI id may contain, so they never collide
with node keys.

>>> from cmdbgraph.visual.scene import Scene, SceneNode, Shown
>>> def node(i: int) -> SceneNode:
...     shown = Shown(id=f"h{i}", kind="Host", name=f"h{i}", criticality=3, status="ok", attributes={})
...     return SceneNode(key=f"h{i}", shown=shown, label=f"h{i}", shape="square", fill="#fff", border="#000",
...                      border_width=1, size=18, rank=(1, i, 0, 0, f"h{i}"))
>>> scene = Scene("impact", "t", [], {f"h{i}": node(i) for i in range(100)}, [], [])
>>> result = aggregate(scene, max_nodes=30)
>>> len(result.drawn), [(c.group, len(c.members)) for c in result.clusters]
(29, [('Host', 71)])
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, get_args

from cmdbgraph.visual.scene import Scene, SceneEdge, SceneNode

GroupBy = Literal["kind", "team", "service"]
GROUP_BY_CHOICES: tuple[str, ...] = get_args(GroupBy)
DEFAULT_MAX_NODES = 300
MIN_MAX_NODES = 20
MAX_MAX_NODES = 5000
DEFAULT_MAX_CLUSTERS = 24
DEFAULT_EXPAND_MAX = 50
EDGES_PER_MEMBER = 12
CLUSTER_PREFIX = "\x00"
REDACTED_GROUP = "Redacted"
OTHER_GROUPS = "other groups"
_NO_GROUP = {"kind": "(unknown kind)", "team": "(no owner)", "service": "(no business service)"}
_GROUP_NOUN = {"kind": "kind", "team": "owning team", "service": "business service"}


@dataclass(frozen=True)
class Cluster:
    """Nodes drawn as one: ``members`` in rank order, the first ``expandable`` of which the page
    can draw on demand; ``roles`` counts the members' roles (severities, ...)."""

    key: str
    group: str
    members: list[str]
    expandable: list[str]
    roles: dict[str, int]


@dataclass(frozen=True)
class DrawnEdge:
    """An edge between representatives (node keys or cluster keys), standing for ``count``
    edges of the scene: optional when all were, emphasised when any was."""

    source: str
    target: str
    type: str
    count: int
    flows_to_source: bool | None
    optional: bool
    grouped: bool
    emphasised: bool


@dataclass(frozen=True)
class Aggregation:
    """What a map draws: ``drawn`` node keys, ``clusters``, ``edges`` between them, the edges
    of every expandable member (``member_edges``), where each node went (``rep``) and the
    notes that say what was aggregated."""

    drawn: list[str]
    clusters: list[Cluster]
    edges: list[DrawnEdge]
    member_edges: dict[str, list[SceneEdge]]
    rep: dict[str, str]
    notes: list[str]
    group_by: GroupBy
    total: int
    internal_edges: int = 0
    max_nodes: int = DEFAULT_MAX_NODES
    aggregated: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "aggregated", sum(len(c.members) for c in self.clusters))


def check_max_nodes(max_nodes: int) -> int:
    """``max_nodes`` if within ``MIN_MAX_NODES..MAX_MAX_NODES`` (``ValueError`` otherwise)."""
    if not MIN_MAX_NODES <= max_nodes <= MAX_MAX_NODES:
        raise ValueError(f"max_nodes must be between {MIN_MAX_NODES} and {MAX_MAX_NODES}, got {max_nodes}")
    return max_nodes


def aggregate(
    scene: Scene,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    group_by: GroupBy = "kind",
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    expand_max: int = DEFAULT_EXPAND_MAX,
) -> Aggregation:
    """Decide what ``scene`` draws (see the module docstring). ``ValueError`` for a
    ``max_nodes`` outside ``MIN_MAX_NODES..MAX_MAX_NODES``, an unknown ``group_by``, or
    ``max_clusters``/``expand_max`` below 1 and 0."""
    check_max_nodes(max_nodes)
    if group_by not in GROUP_BY_CHOICES:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY_CHOICES)}, got {group_by!r}")
    if max_clusters < 1 or expand_max < 0:
        raise ValueError("max_clusters must be >= 1 and expand_max >= 0")
    nodes = scene.nodes
    if len(nodes) <= max_nodes:
        rep = {k: k for k in nodes}
        edges, _ = _redraw(scene.edges, rep)
        return Aggregation(list(nodes), [], edges, {}, rep, [], group_by, len(nodes), 0, max_nodes)

    pinned = [k for k, n in nodes.items() if n.pinned]
    rest = sorted((n for n in nodes.values() if not n.pinned), key=lambda n: n.rank)
    groups = _groups(scene, group_by)
    reserved = min(max_clusters, len({groups[n.key] for n in rest}))
    budget = max(0, max_nodes - len(pinned) - reserved)
    drawn = pinned + [n.key for n in rest[:budget]]
    left = rest[budget:]

    by_group: dict[str, list[SceneNode]] = {}
    for n in left:
        by_group.setdefault(groups[n.key], []).append(n)
    ordered = sorted(by_group.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if len(ordered) > max_clusters:
        merged = [n for _, members in ordered[max_clusters - 1 :] for n in members]
        merged.sort(key=lambda n: n.rank)
        ordered = [
            *ordered[: max_clusters - 1],
            (f"{OTHER_GROUPS} ({len(ordered) - max_clusters + 1})", merged),
        ]

    clusters: list[Cluster] = []
    rep = {k: k for k in drawn}
    for group, members in ordered:
        key = CLUSTER_PREFIX + group
        roles = Counter(n.role or "other" for n in members)
        clusters.append(
            Cluster(
                key=key,
                group=group,
                members=[n.key for n in members],
                expandable=[n.key for n in members[:expand_max]],
                roles=dict(sorted(roles.items())),
            )
        )
        for n in members:
            rep[n.key] = key
    edges, internal = _redraw(scene.edges, rep)
    member_edges = _member_edges(scene.edges, [k for c in clusters for k in c.expandable])
    notes = _notes(scene, group_by, len(nodes), len(drawn), len(pinned), clusters, internal, expand_max)
    return Aggregation(
        drawn, clusters, edges, member_edges, rep, notes, group_by, len(nodes), internal, max_nodes
    )


def _groups(scene: Scene, group_by: GroupBy) -> dict[str, str]:
    """The group of every node (see the module docstring)."""
    nodes = scene.nodes
    if group_by == "service":
        served = _served_by(scene)
    groups: dict[str, str] = {}
    for key, n in nodes.items():
        if n.shown.redacted:
            group = REDACTED_GROUP
        elif group_by == "kind":
            group = n.shown.kind
        elif group_by == "team":
            group = n.owner or _NO_GROUP["team"]
        else:
            group = served.get(key) or _NO_GROUP["service"]
        groups[key] = group
    return groups


def _served_by(scene: Scene) -> dict[str, str]:
    """For each node, the name of the nearest business service whose failure flow reaches back
    to it (breadth-first from every business service against the flow; most critical first)."""
    providers: dict[str, list[str]] = {}
    for e in scene.edges:
        if e.flows_to_source is None:
            continue
        provider, consumer = (e.target, e.source) if e.flows_to_source else (e.source, e.target)
        providers.setdefault(consumer, []).append(provider)
    services = sorted(
        (n for n in scene.nodes.values() if n.shown.kind == "BusinessService" and not n.shown.redacted),
        key=lambda n: (n.shown.criticality, n.shown.name, n.key),
    )
    served: dict[str, str] = {n.key: n.shown.name for n in services}
    queue = deque(n.key for n in services)
    while queue:
        key = queue.popleft()
        for p in providers.get(key, ()):
            if p not in served:
                served[p] = served[key]
                queue.append(p)
    return served


def _redraw(edges: Iterable[SceneEdge], rep: dict[str, str]) -> tuple[list[DrawnEdge], int]:
    """Edges between representatives, merged and counted; and the number dropped inside a
    cluster."""
    merged: dict[tuple[str, str, str], list[SceneEdge]] = {}
    internal = 0
    for e in edges:
        a, b = rep[e.source], rep[e.target]
        if a == b and a.startswith(CLUSTER_PREFIX):
            internal += 1
            continue
        merged.setdefault((a, e.type, b), []).append(e)
    drawn = [
        DrawnEdge(
            source=a,
            target=b,
            type=rel_type,
            count=len(group),
            flows_to_source=group[0].flows_to_source,
            optional=all(e.optional for e in group),
            grouped=any(e.grouped for e in group),
            emphasised=any(e.emphasised for e in group),
        )
        for (a, rel_type, b), group in merged.items()
    ]
    return drawn, internal


def _member_edges(edges: Iterable[SceneEdge], members: list[str]) -> dict[str, list[SceneEdge]]:
    """Up to ``EDGES_PER_MEMBER`` edges touching each expandable member (emphasised first)."""
    wanted = set(members)
    touching: dict[str, list[SceneEdge]] = {k: [] for k in members}
    for e in edges:
        for end in {e.source, e.target}:
            if end in wanted:
                touching[end].append(e)
    return {k: sorted(es, key=lambda e: not e.emphasised)[:EDGES_PER_MEMBER] for k, es in touching.items()}


def _notes(
    scene: Scene,
    group_by: GroupBy,
    total: int,
    drawn: int,
    pinned: int,
    clusters: list[Cluster],
    internal: int,
    expand_max: int,
) -> list[str]:
    """What was aggregated, in words."""
    aggregated = sum(len(c.members) for c in clusters)
    listed = ", ".join(f"{c.group} ({len(c.members):,})" for c in clusters[:10])
    more = f" and {len(clusters) - 10} more" if len(clusters) > 10 else ""
    notes = [
        f"This map holds {total:,} CIs: {drawn:,} are drawn one by one and {aggregated:,} are aggregated "
        f"into {len(clusters)} clusters by {_GROUP_NOUN[group_by]}.",
        f"Drawn one by one: the key CIs of this map ({pinned:,}), then {scene.rank_note}.",
        f"Clusters: {listed}{more}.",
        f"Click a cluster to draw up to {expand_max} of its CIs; {internal:,} relationships inside "
        "clusters are not drawn.",
    ]
    return notes
