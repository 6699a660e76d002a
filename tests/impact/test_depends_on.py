"""Everything a CI depends on: depth, a shortest path from the CI, hard or soft, max_depth."""

from __future__ import annotations

import itertools

import pytest

from cmdbgraph.impact.depends_on import Dependency, depends_on
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import DEFAULT_REGISTRY, CINotFound
from tests.factories import ci, rel
from tests.factories import depends_on as dep

#   web -> api -> db -RUNS_ON-> host
#   web ..optional..> cache -RUNS_ON-> host, vm
#   api -> r1, r2 (group "replicas", min_up 1);  r1 -RUNS_ON-> rhost
#   widget -PART_OF-> web (a failed part degrades the whole)
#   web -OWNED_BY-> team (not a dependency);  portal -> web (a consumer, not a dependency)
CIS = [
    ci("web"),
    ci("api", "API"),
    ci("db", "Database"),
    ci("host", "Host"),
    ci("cache", "Cache"),
    ci("vm", "Host"),
    ci("r1", "Database"),
    ci("r2", "Database"),
    ci("rhost", "Host"),
    ci("widget"),
    ci("team", "Team"),
    ci("portal"),
]
RELS = [
    dep("web", "api"),
    dep("api", "db"),
    rel("db", "host", "RUNS_ON"),
    dep("web", "cache", optional=True),
    rel("cache", "host", "RUNS_ON"),
    rel("cache", "vm", "RUNS_ON"),
    dep("api", "r1", redundancy_group="replicas", min_up=1),
    dep("api", "r2", redundancy_group="replicas", min_up=1),
    rel("r1", "rhost", "RUNS_ON"),
    rel("widget", "web", "PART_OF"),
    rel("web", "team", "OWNED_BY"),
    dep("portal", "web"),
]


@pytest.fixture(scope="module")
def graph() -> ImpactGraph:
    return ImpactGraph.build(CIS, RELS)


def rows(deps: list[Dependency]) -> list[tuple[str, int, tuple[str, ...], bool]]:
    return [(d.id, d.depth, d.path, d.hard) for d in deps]


def test_depth_path_and_hard_flag(graph: ImpactGraph) -> None:
    assert rows(depends_on(graph, "web")) == [
        ("api", 1, ("web", "api"), True),
        ("cache", 1, ("web", "cache"), False),  # optional
        ("widget", 1, ("web", "widget"), False),  # PART_OF degrades
        ("db", 2, ("web", "api", "db"), True),
        # shortest path through the optional cache, but hard: web -> api -> db -> host is hard
        ("host", 2, ("web", "cache", "host"), True),
        ("r1", 2, ("web", "api", "r1"), False),  # grouped
        ("r2", 2, ("web", "api", "r2"), False),
        ("vm", 2, ("web", "cache", "vm"), False),  # only behind the optional cache
        ("rhost", 3, ("web", "api", "r1", "rhost"), False),  # only behind a replica
    ]


def test_dependency_fields_and_paths(graph: ImpactGraph) -> None:
    pairs: set[tuple[str, str]] = set()
    for r in RELS:
        spec = DEFAULT_REGISTRY.rel_types[r.type]
        if spec.propagates:
            pairs.add((spec.consumer(r), spec.provider(r)))
    deps = depends_on(graph, "web")
    assert deps[0] == Dependency("api", "API", "api", 1, ("web", "api"), True)
    assert [(d.depth, d.id) for d in deps] == sorted((d.depth, d.id) for d in deps)
    for d in deps:
        assert d.path[0] == "web"
        assert d.path[-1] == d.id
        assert len(d.path) == d.depth + 1
        assert all(hop in pairs for hop in itertools.pairwise(d.path)), d.path
    ids = {d.id for d in deps}
    assert "team" not in ids  # OWNED_BY carries no failure
    assert "portal" not in ids  # a consumer of web, not a provider


def test_max_depth_limits_the_hops(graph: ImpactGraph) -> None:
    assert depends_on(graph, "web", max_depth=0) == []
    assert [d.id for d in depends_on(graph, "web", max_depth=1)] == ["api", "cache", "widget"]
    two = depends_on(graph, "web", max_depth=2)
    assert [d.id for d in two] == ["api", "cache", "widget", "db", "host", "r1", "r2", "vm"]
    # the hard flag does not depend on the listing depth: host is still fatal on its own,
    # although its only hard route (web -> api -> db -> host) is three hops long
    assert {d.id: d.hard for d in two}["host"] is True
    assert rows(depends_on(graph, "web", max_depth=10)) == rows(depends_on(graph, "web"))


def test_relationship_types_filter(graph: ImpactGraph) -> None:
    deps = depends_on(graph, "web", rel_types=["DEPENDS_ON"])
    assert [d.id for d in deps] == ["api", "cache", "db", "r1", "r2"]
    assert {d.id: d.hard for d in deps} == {"api": True, "cache": False, "db": True, "r1": False, "r2": False}


def test_a_leaf_depends_on_nothing(graph: ImpactGraph) -> None:
    assert depends_on(graph, "host") == []
    assert [d.id for d in depends_on(graph, "portal")][:2] == ["web", "api"]


def test_cycles_terminate_and_exclude_the_ci_itself() -> None:
    g = ImpactGraph.build([ci("a"), ci("b"), ci("c")], [dep("a", "b"), dep("b", "c"), dep("c", "a")])
    assert rows(depends_on(g, "a")) == [("b", 1, ("a", "b"), True), ("c", 2, ("a", "b", "c"), True)]


def test_unknown_ci_is_not_found(graph: ImpactGraph) -> None:
    with pytest.raises(CINotFound, match="nope"):
        depends_on(graph, "nope")
