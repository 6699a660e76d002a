"""Aggregation: the drawn node count is bounded, pinned nodes are never aggregated, every node
is drawn or in exactly one cluster, edges are accounted for, and the notes say what happened."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmdbgraph.visual.aggregate import CLUSTER_PREFIX, REDACTED_GROUP, GroupBy, aggregate
from cmdbgraph.visual.scene import Scene, SceneEdge, SceneNode, Shown

KINDS = ("Host", "Service", "Database", "BusinessService", "Queue")


def node(
    i: int, kind: str, *, pinned: bool = False, owner: str | None = None, redacted: bool = False
) -> SceneNode:
    key = f"ci-{i}"
    shown = Shown(
        id=f"redacted-{i}" if redacted else key,
        kind="Redacted" if redacted else kind,
        name=f"name {i}",
        criticality=3,
        status="operational",
        attributes={},
        redacted=redacted,
    )
    return SceneNode(
        key=key,
        shown=shown,
        label=key,
        shape="dot",
        fill="#fff",
        border="#000",
        border_width=1,
        size=18,
        pinned=pinned,
        rank=(0 if pinned else 1, i, 0, 0, key),
        owner=owner,
    )


def chain_scene(
    n: int, *, pinned: int = 1, kinds: tuple[str, ...] = KINDS, redacted: frozenset[int] = frozenset()
) -> Scene:
    """``ci-0`` <- ``ci-1`` <- ... (each depends on the previous one), round-robin kinds."""
    nodes = {
        f"ci-{i}": node(
            i, kinds[i % len(kinds)], pinned=i < pinned, owner=f"team {i % 3}", redacted=i in redacted
        )
        for i in range(n)
    }
    edges = [SceneEdge(f"ci-{i}", f"ci-{i - 1}", "DEPENDS_ON", True) for i in range(1, n)]
    return Scene("impact", "t", [], nodes, edges, [], rank_note="closest first")


def test_a_small_scene_is_drawn_whole() -> None:
    result = aggregate(chain_scene(50))
    assert len(result.drawn) == 50
    assert result.clusters == []
    assert result.notes == []
    assert len(result.edges) == 49
    assert all(e.count == 1 for e in result.edges)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=900),
    pinned=st.integers(min_value=0, max_value=40),
    max_nodes=st.integers(min_value=20, max_value=400),
    group_by=st.sampled_from(["kind", "team", "service"]),
)
def test_every_node_is_drawn_or_clustered_and_the_count_is_bounded(
    n: int, pinned: int, max_nodes: int, group_by: GroupBy
) -> None:
    scene = chain_scene(n, pinned=min(pinned, n))
    result = aggregate(scene, max_nodes=max_nodes, group_by=group_by, max_clusters=6, expand_max=7)
    visible = len(result.drawn) + len(result.clusters)
    assert visible <= max(max_nodes, min(pinned, n) + 6)
    placed = result.drawn + [k for c in result.clusters for k in c.members]
    assert sorted(placed) == sorted(scene.nodes)
    assert {k for k, v in scene.nodes.items() if v.pinned} <= set(result.drawn)
    assert result.total == n
    assert result.aggregated == n - len(result.drawn)
    assert sum(e.count for e in result.edges) + result.internal_edges == len(scene.edges)
    for c in result.clusters:
        assert c.key.startswith(CLUSTER_PREFIX)
        assert c.expandable == c.members[:7]
        ranks = [scene.nodes[k].rank for k in c.members]
        assert ranks == sorted(ranks)
        assert set(result.member_edges) >= set(c.expandable)
    if result.clusters:
        assert len(result.notes) == 4
        assert f"{n:,} CIs" in result.notes[0]


def test_drawn_nodes_are_the_best_ranked_and_the_rest_grouped_by_kind() -> None:
    result = aggregate(chain_scene(1000, pinned=3), max_nodes=100, max_clusters=24)
    # 5 kinds reserve 5 places: 3 pinned + 92 best ranked + 5 clusters
    assert result.drawn == [f"ci-{i}" for i in range(95)]
    assert sorted(c.group for c in result.clusters) == sorted(KINDS)
    assert sum(len(c.members) for c in result.clusters) == 905
    assert result.notes[1] == "Drawn one by one: the key CIs of this map (3), then closest first."


def test_too_many_groups_merge_into_other_groups() -> None:
    kinds = tuple(f"Kind{k}" for k in range(30))
    result = aggregate(chain_scene(600, kinds=kinds), max_nodes=50, max_clusters=5)
    assert len(result.clusters) == 5
    assert result.clusters[-1].group == "other groups (26)"
    assert len(result.drawn) + len(result.clusters) <= 50


def test_grouping_by_team_and_redacted_nodes_keep_to_their_own_group() -> None:
    scene = chain_scene(400, redacted=frozenset(range(200, 260)))
    by_team = aggregate(scene, max_nodes=40, group_by="team")
    groups = {c.group: c for c in by_team.clusters}
    assert set(groups) == {"team 0", "team 1", "team 2", REDACTED_GROUP}
    assert len(groups[REDACTED_GROUP].members) == 60


def test_grouping_by_business_service_follows_the_flow_back_from_each_service() -> None:
    # two business services, each on top of its own chain of 100 hosts
    nodes = {}
    edges = []
    for s in range(2):
        top = node(1000 + s, "BusinessService")
        nodes[top.key] = top
        previous = top.key
        for i in range(100):
            n = node(s * 100 + i, "Host")
            nodes[n.key] = n
            edges.append(SceneEdge(previous, n.key, "DEPENDS_ON", True))
            previous = n.key
    scene = Scene("impact", "t", [], nodes, edges, [])
    result = aggregate(scene, max_nodes=20, group_by="service")
    # 18 drawn: the best-ranked hosts of the first chain; each service groups with its chain
    assert {c.group: len(c.members) for c in result.clusters} == {"name 1000": 83, "name 1001": 101}


def test_edges_between_clusters_are_counted_and_inside_ones_dropped() -> None:
    result = aggregate(chain_scene(500, kinds=("Host",)), max_nodes=20)
    (cluster,) = result.clusters
    inside = len(cluster.members) - 1
    assert result.internal_edges == inside
    into = [e for e in result.edges if e.source == cluster.key]
    assert [(e.target, e.count) for e in into] == [(result.drawn[-1], 1)]


@pytest.mark.parametrize(
    "options",
    [{"max_nodes": 19}, {"max_nodes": 5001}, {"group_by": "colour"}, {"max_clusters": 0}, {"expand_max": -1}],
)
def test_bad_options_are_value_errors(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        aggregate(chain_scene(10), **options)  # type: ignore[arg-type]
