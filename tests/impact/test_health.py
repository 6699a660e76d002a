"""Graph health on hand-drawn graphs: single points of failure (hard chains, redundancy,
common mode, optional and degrading links), dependency cycles, orphans, owners and support."""

from __future__ import annotations

import pytest

from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.health import (
    SinglePointOfFailure,
    dependency_cycles,
    graph_health,
    single_points_of_failure,
)
from cmdbgraph.schema import CIData, Relationship
from tests.factories import ci, depends_on, rel


def spofs(cis: list[CIData], rels: list[Relationship]) -> dict[str, SinglePointOfFailure]:
    found = single_points_of_failure(ImpactGraph.build(cis, rels))
    assert [s.id for s in found] == sorted(s.id for s in found)
    return {s.id: s for s in found}


# ------------------------------------------------------------------ single points of failure


def test_every_ci_of_a_hard_chain_to_a_business_service_is_a_spof() -> None:
    #  bs -> app -> svc -> db -RUNS_ON-> host -LOCATED_IN-> dc;  bs2 -> svc
    cis = [
        ci("bs", "BusinessService"),
        ci("bs2", "BusinessService"),
        ci("app", "Application"),
        ci("svc"),
        ci("db", "Database"),
        ci("host", "Host"),
        ci("dc", "Datacenter"),
        ci("unrelated"),
    ]
    rels = [
        depends_on("bs", "app"),
        depends_on("app", "svc"),
        depends_on("svc", "db"),
        rel("db", "host", "RUNS_ON"),
        rel("host", "dc", "LOCATED_IN"),
        depends_on("bs2", "svc"),
        depends_on("unrelated", "db"),
    ]
    found = spofs(cis, rels)
    assert sorted(found) == ["app", "db", "dc", "host", "svc"]  # not the services themselves
    assert found["app"] == SinglePointOfFailure("app", "Application", "app", ("bs",), False)
    for shared in ("svc", "db", "host", "dc"):
        assert found[shared].business_services == ("bs", "bs2")
        assert found[shared].common_mode is False
    assert found["dc"].kind == "Datacenter"


def replica_graph(hosts: tuple[str, ...], min_up: int | str = 1) -> tuple[list[CIData], list[Relationship]]:
    """bs -> api -> replicas db0..dbN (one group, ``min_up``), db<i> RUNS_ON hosts[i]."""
    cis = [ci("bs", "BusinessService"), ci("api", "API")]
    cis += [ci(f"db{i}", "Database") for i in range(len(hosts))]
    cis += [ci(h, "Host") for h in sorted(set(hosts))]
    rels = [depends_on("bs", "api")]
    rels += [
        depends_on("api", f"db{i}", redundancy_group="replicas", min_up=min_up) for i in range(len(hosts))
    ]
    rels += [rel(f"db{i}", h, "RUNS_ON") for i, h in enumerate(hosts)]
    return cis, rels


def test_replicas_with_a_quorum_of_one_are_not_spofs() -> None:
    found = spofs(*replica_graph(("h0", "h1")))
    assert sorted(found) == ["api"]
    assert found["api"].common_mode is False


def test_replicas_on_one_host_make_that_host_a_common_mode_spof() -> None:
    found = spofs(*replica_graph(("h", "h")))
    assert sorted(found) == ["api", "h"]
    assert found["h"] == SinglePointOfFailure("h", "Host", "h", ("bs",), True)
    assert found["api"].common_mode is False


def test_common_mode_needs_enough_replicas_to_break_the_quorum() -> None:
    # three replicas, two of them on h-shared: with min_up 2 losing h-shared leaves one (down);
    # with min_up 1 one replica survives (degraded only)
    hosts = ("h-shared", "h-shared", "h-own")
    quorum_two = spofs(*replica_graph(hosts, min_up=2))
    assert sorted(quorum_two) == ["api", "h-shared"]
    assert quorum_two["h-shared"].common_mode is True
    assert sorted(spofs(*replica_graph(hosts, min_up=1))) == ["api"]
    everything = ["api", "db0", "db1", "db2", "h-own", "h-shared"]
    assert sorted(spofs(*replica_graph(hosts, min_up="100%"))) == everything  # each loss is fatal


def test_a_group_that_needs_every_member_makes_each_member_a_spof() -> None:
    found = spofs(*replica_graph(("h0", "h1"), min_up=2))
    assert sorted(found) == ["api", "db0", "db1", "h0", "h1"]
    assert all(s.business_services == ("bs",) for s in found.values())


def test_optional_and_degrading_dependencies_are_not_spofs() -> None:
    cis = [
        ci("bs", "BusinessService"),
        ci("cache", "Cache"),
        ci("cache-host", "Host"),
        ci("widget"),
        ci("db", "Database"),
    ]
    rels = [
        depends_on("bs", "cache", optional=True),
        rel("cache", "cache-host", "RUNS_ON"),
        rel("widget", "bs", "PART_OF"),  # a failed part degrades the whole
        depends_on("bs", "db"),
    ]
    assert sorted(spofs(cis, rels)) == ["db"]


def test_spofs_only_count_business_services() -> None:
    cis = [ci("svc"), ci("db", "Database"), ci("host", "Host")]
    rels = [depends_on("svc", "db"), rel("db", "host", "RUNS_ON")]
    assert spofs(cis, rels) == {}


# ---------------------------------------------------------------------------------- cycles


def test_cycles_are_sorted_tuples_of_the_failure_flow_graph() -> None:
    cis = [ci(n) for n in ("c-3", "a-1", "b-2", "e", "d", "x", "y", "t1", "t2", "lone", "p", "w")]
    rels = [
        depends_on("a-1", "b-2"),
        depends_on("b-2", "c-3"),
        depends_on("c-3", "a-1"),
        depends_on("e", "d"),
        depends_on("d", "e", optional=True),  # soft edges still carry failures
        # x is part of y (failures flow x -> y) and depends on y (y -> x): a cycle
        rel("x", "y", "PART_OF"),
        depends_on("x", "y"),
        # non-propagating links never form a dependency cycle
        rel("t1", "t2", "REPORTS_TO"),
        rel("t2", "t1", "REPORTS_TO"),
        # p is part of w and w depends on p: both flow p -> w, no cycle
        rel("p", "w", "PART_OF"),
        depends_on("w", "p"),
        depends_on("lone", "a-1"),
    ]
    g = ImpactGraph.build(cis, rels)
    expected = [("a-1", "b-2", "c-3"), ("d", "e"), ("x", "y")]
    assert dependency_cycles(g) == expected
    assert graph_health(g, []).cycles == expected


def test_acyclic_graph_has_no_cycles() -> None:
    g = ImpactGraph.build([ci("a"), ci("b"), ci("c")], [depends_on("a", "b"), depends_on("b", "c")])
    assert dependency_cycles(g) == []


# ----------------------------------------------------------------- orphans, owners, support


@pytest.fixture(scope="module")
def ownership() -> ImpactGraph:
    cis = [
        ci("svc-both"),
        ci("svc-owned"),
        ci("svc-supported"),
        ci("db-none", "Database"),
        ci("host-orphan", "Host"),
        ci("z-orphan"),
        ci("dangling"),
        ci("team", "Team"),
        ci("lonely-team", "Team"),
        ci("bob", "Person"),
    ]
    rels = [
        rel("svc-both", "team", "OWNED_BY"),
        rel("svc-both", "team", "SUPPORTED_BY"),
        rel("svc-owned", "team", "OWNED_BY"),
        rel("svc-supported", "team", "SUPPORTED_BY"),
        depends_on("svc-both", "db-none"),
        rel("team", "svc-supported", "OWNED_BY"),  # the other way round: team is owned, not svc
        rel("bob", "team", "MEMBER_OF"),
        depends_on("dangling", "not-a-ci"),  # a relationship to an unknown CI is ignored
    ]
    return ImpactGraph.build(cis, rels)


def test_orphans_are_cis_without_any_relationship(ownership: ImpactGraph) -> None:
    report = graph_health(ownership, [])
    assert report.orphans == ["dangling", "host-orphan", "lonely-team", "z-orphan"]


def test_orphans_only_of_the_kinds_asked_about(ownership: ImpactGraph) -> None:
    assert graph_health(ownership, [], orphan_kinds=["Host", "Team"]).orphans == [
        "host-orphan",
        "lonely-team",
    ]
    assert graph_health(ownership, [], orphan_kinds=[]).orphans == []


def test_cis_of_the_given_kinds_without_owner_or_support(ownership: ImpactGraph) -> None:
    report = graph_health(ownership, ["Service", "Database", "Host"])
    assert report.without_owner == ["dangling", "db-none", "host-orphan", "svc-supported", "z-orphan"]
    assert report.without_support == ["dangling", "db-none", "host-orphan", "svc-owned", "z-orphan"]
    # kinds not asked about are never reported
    only_db = graph_health(ownership, ["Database"])
    assert only_db.without_owner == ["db-none"]
    assert only_db.without_support == ["db-none"]
    assert graph_health(ownership, []).without_owner == []
    teams = graph_health(ownership, ["Team"])
    assert teams.without_owner == ["lonely-team"]  # team is OWNED_BY svc-supported
    assert teams.without_support == ["lonely-team", "team"]
