"""Ticket routing on hand-drawn graphs: every rule, every fallback, tie-breaks, paths, skills,
least load, escalation; and one routing on the demo enterprise."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping

import pytest

from cmdbgraph.impact.routing import (
    RULES,
    Hop,
    RoutingDecision,
    RoutingGraph,
    RoutingRequest,
    route,
)
from cmdbgraph.ingest.demo import enterprise_records
from cmdbgraph.schema import CIData, Registry, Relationship, Status
from tests.factories import ci, depends_on, rel


def team(team_id: str, department: str = "IT", **fields: object) -> CIData:
    return ci(team_id, "Team", attributes={"department": department}, **fields)


def person(person_id: str, *skills: str, **fields: object) -> CIData:
    return ci(person_id, "Person", attributes={"skills": list(skills)}, **fields)


def loc(loc_id: str, loc_type: str) -> CIData:
    return ci(loc_id, "Location", attributes={"type": loc_type})


# IT side
#   web(2) -> api(3) -PART_OF-> svc(2) -SUPPORTED_BY-> app-team
#   web    -> db(1) -SUPPORTED_BY-> dba ;  db -RUNS_ON-> host -SUPPORTED_BY-> infra
#   cache(3) -SUPPORTED_BY-> platform ;  report -USES_DATA-> dataset -> db
#   pod -RUNS_ON-> vm -RUNS_ON-> host ;  lonely: nothing ;  owned -OWNED_BY-> dba (owner, not support)
#   loop-a <-> loop-b (a cycle, nothing supported) ;  portal(supported) -> leaf(unsupported)
# teams:  dba -REPORTS_TO-> it -PART_OF-> corp ;  infra -REPORTS_TO-> it ;  app-team: no members
#         platform: no team link, its lead reports to a person of eng ;  eng -REPORTS_TO-> corp
# people: dba: ann (postgresql, linux), bob (PostgreSQL), cid (linux), old (postgresql, retired)
#         platform: lead, dev (dev reports to lead, lead to boss) ;  eng: boss ;  infra: ivy
IT_CIS = [
    ci("web", criticality=2),
    ci("api", "API", criticality=3),
    ci("svc", criticality=2),
    ci("db", "Database", criticality=1),
    ci("host", "Host"),
    ci("cache", "Cache", criticality=3),
    ci("report", "Application"),
    ci("dataset", "Dataset"),
    ci("pod", "Container"),
    ci("vm", "Host"),
    ci("lonely"),
    ci("owned"),
    ci("loop-a"),
    ci("loop-b"),
    ci("portal"),
    ci("leaf"),
    team("dba"),
    team("it"),
    team("corp", "Management"),
    team("infra"),
    team("app-team"),
    team("platform"),
    team("eng"),
    person("ann", "postgresql", "linux"),
    person("bob", "PostgreSQL"),
    person("cid", "linux"),
    person("old", "postgresql", status=Status.RETIRED),
    person("lead", "kubernetes"),
    person("dev", "kubernetes"),
    person("boss"),
    person("ivy", "linux"),
]
IT_RELS = [
    depends_on("web", "api"),
    rel("api", "svc", "PART_OF"),
    rel("svc", "app-team", "SUPPORTED_BY"),
    depends_on("web", "db"),
    rel("db", "dba", "SUPPORTED_BY"),
    rel("db", "host", "RUNS_ON"),
    rel("host", "infra", "SUPPORTED_BY"),
    rel("cache", "platform", "SUPPORTED_BY"),
    rel("report", "dataset", "USES_DATA"),
    depends_on("dataset", "db"),
    rel("pod", "vm", "RUNS_ON"),
    rel("vm", "host", "RUNS_ON"),
    rel("owned", "dba", "OWNED_BY"),
    depends_on("loop-a", "loop-b"),
    depends_on("loop-b", "loop-a"),
    rel("portal", "platform", "SUPPORTED_BY"),
    depends_on("portal", "leaf"),
    rel("dba", "it", "REPORTS_TO"),
    rel("it", "corp", "PART_OF"),
    rel("infra", "it", "REPORTS_TO"),
    rel("eng", "corp", "REPORTS_TO"),
    *(rel(p, "dba", "MEMBER_OF") for p in ("ann", "bob", "cid", "old")),
    rel("lead", "platform", "MEMBER_OF"),
    rel("dev", "platform", "MEMBER_OF"),
    rel("dev", "lead", "REPORTS_TO"),
    rel("lead", "boss", "REPORTS_TO"),
    rel("boss", "eng", "MEMBER_OF"),
    rel("ivy", "infra", "MEMBER_OF"),
]

# Facilities side
#   room -PART_OF-> floor -LOCATED_IN-> bld -LOCATED_IN-> site ;  floor2 -LOCATED_IN-> bld2 -> site
#   bld2 -SUPPORTED_BY-> bld2-crew ;  hr (department HR) -LOCATED_IN-> bld (not a facilities team)
#   fac (Facilities) and fac-maint (facilities, REPORTS_TO fac) -LOCATED_IN-> site
#   far-floor -LOCATED_IN-> far-bld: no team anywhere up
#   fac: fay (hvac) ;  fac-maint: max (electrical), moe (electrical) ;  bld2-crew: cy
FAC_CIS = [
    loc("site", "site"),
    loc("bld", "building"),
    loc("floor", "floor"),
    loc("room", "room"),
    loc("bld2", "building"),
    loc("floor2", "floor"),
    loc("far-bld", "building"),
    loc("far-floor", "floor"),
    team("fac", "Facilities"),
    team("fac-maint", "facilities"),
    team("hr", "HR"),
    team("bld2-crew", "Workplace"),
    person("fay", "hvac"),
    person("max", "electrical"),
    person("moe", "electrical"),
    person("cy"),
]
FAC_RELS = [
    rel("room", "floor", "PART_OF"),
    rel("floor", "bld", "LOCATED_IN"),
    rel("bld", "site", "LOCATED_IN"),
    rel("floor2", "bld2", "LOCATED_IN"),
    rel("bld2", "site", "LOCATED_IN"),
    rel("far-floor", "far-bld", "LOCATED_IN"),
    rel("bld2", "bld2-crew", "SUPPORTED_BY"),
    rel("hr", "bld", "LOCATED_IN"),
    rel("fac", "site", "LOCATED_IN"),
    rel("fac-maint", "site", "LOCATED_IN"),
    rel("fac-maint", "fac", "REPORTS_TO"),
    rel("fay", "fac", "MEMBER_OF"),
    rel("max", "fac-maint", "MEMBER_OF"),
    rel("moe", "fac-maint", "MEMBER_OF"),
    rel("cy", "bld2-crew", "MEMBER_OF"),
]

CIS = IT_CIS + FAC_CIS
RELS = IT_RELS + FAC_RELS


@pytest.fixture(scope="module")
def graph() -> RoutingGraph:
    return RoutingGraph.build(CIS, RELS)


def go(
    g: RoutingGraph,
    *affected: str,
    location: str | None = None,
    category: str | None = None,
    skills: frozenset[str] = frozenset(),
    open_load: Mapping[str, int] | None = None,
    category_groups: Mapping[str, str] | None = None,
    facilities_team_of: Mapping[str, str] | None = None,
) -> RoutingDecision:
    request = RoutingRequest("T-1", tuple(affected), location, category, skills)
    return route(
        g,
        request,
        open_load=open_load or {},
        category_groups=category_groups or {},
        facilities_team_of=facilities_team_of,
    )


def small(cis: list[CIData], rels: list[Relationship]) -> RoutingGraph:
    return RoutingGraph.build(cis, rels)


# ---------------------------------------------------------------- rule 1: affected CI's support


def test_rule_1_support_group_of_the_affected_ci(graph: RoutingGraph) -> None:
    d = go(graph, "db")
    assert (d.rule, d.group, d.ticket_id) == ("affected_ci_support", "dba", "T-1")
    assert d.path == ("db", "dba")
    assert d.hops == (Hop("db", "SUPPORTED_BY", "dba"),)
    assert d.reason.startswith("db (Database, criticality 1) is supported by dba; assigned to ann")


def test_rule_1_the_most_critical_affected_ci_decides(graph: RoutingGraph) -> None:
    d = go(graph, "cache", "db", "host")  # criticality 3, 1, 3
    assert (d.rule, d.group, d.path) == ("affected_ci_support", "dba", ("db", "dba"))
    assert "the most critical of 3 affected CIs" in d.reason


def test_rule_1_criticality_ties_break_by_id(graph: RoutingGraph) -> None:
    assert go(graph, "host", "cache").group == "platform"  # both 3: "cache" < "host"
    assert go(graph, "portal", "host").group == "infra"  # both 3: "host" < "portal"


def test_rule_1_beats_a_more_critical_unsupported_ci(graph: RoutingGraph) -> None:
    # web (criticality 2) has no support group of its own; cache (3) has one: rule 1 still fires
    d = go(graph, "web", "cache")
    assert (d.rule, d.group) == ("affected_ci_support", "platform")


def test_rule_1_several_support_groups_prefer_skilled_then_id() -> None:
    g = small(
        [ci("x"), team("t-a"), team("t-b"), person("pa"), person("pb", "sql")],
        [
            rel("x", "t-b", "SUPPORTED_BY"),
            rel("x", "t-a", "SUPPORTED_BY"),
            rel("pa", "t-a", "MEMBER_OF"),
            rel("pb", "t-b", "MEMBER_OF"),
        ],
    )
    assert go(g, "x").group == "t-a"
    assert (go(g, "x", skills=frozenset({"sql"})).group, go(g, "x", skills=frozenset({"sql"})).assignee) == (
        "t-b",
        "pb",
    )


def test_owned_by_is_not_support(graph: RoutingGraph) -> None:
    d = go(graph, "owned")
    assert (d.rule, d.group) == ("unrouted", None)


def test_a_retired_support_team_is_skipped() -> None:
    g = small(
        [ci("x"), ci("y"), team("gone", status=Status.RETIRED), team("live")],
        [rel("x", "gone", "SUPPORTED_BY"), depends_on("x", "y"), rel("y", "live", "SUPPORTED_BY")],
    )
    d = go(g, "x")
    assert (d.rule, d.group, d.path) == ("dependency_support", "live", ("x", "y", "live"))


# ---------------------------------------------------------------- rule 2: nearest supported dependency


def test_rule_2_nearest_supported_dependency_with_its_path(graph: RoutingGraph) -> None:
    d = go(graph, "web")  # api (hop 1, unsupported), db (hop 1, supported) , svc (hop 2)
    assert (d.rule, d.group) == ("dependency_support", "dba")
    assert d.path == ("web", "db", "dba")
    assert d.hops == (Hop("web", "DEPENDS_ON", "db"), Hop("db", "SUPPORTED_BY", "dba"))
    assert "no affected CI has a support group" in d.reason
    assert "db (1 hop: web -DEPENDS_ON-> db), supported by dba" in d.reason


def test_rule_2_follows_part_of_to_the_whole(graph: RoutingGraph) -> None:
    d = go(graph, "api")
    assert (d.rule, d.group, d.path) == ("dependency_support", "app-team", ("api", "svc", "app-team"))
    assert d.hops[0] == Hop("api", "PART_OF", "svc")


def test_rule_2_multi_hop_path_over_runs_on(graph: RoutingGraph) -> None:
    d = go(graph, "pod")
    assert d.path == ("pod", "vm", "host", "infra")
    assert [h.type for h in d.hops] == ["RUNS_ON", "RUNS_ON", "SUPPORTED_BY"]
    assert "host (2 hops: pod -RUNS_ON-> vm -RUNS_ON-> host)" in d.reason


def test_rule_2_follows_uses_data(graph: RoutingGraph) -> None:
    d = go(graph, "report")
    assert d.path == ("report", "dataset", "db", "dba")
    assert [h.type for h in d.hops] == ["USES_DATA", "DEPENDS_ON", "SUPPORTED_BY"]


def test_rule_2_never_walks_to_consumers(graph: RoutingGraph) -> None:
    # leaf is consumed by the supported portal; that does not make portal's team leaf's group
    assert go(graph, "leaf").rule == "unrouted"


def test_rule_2_terminates_on_cycles(graph: RoutingGraph) -> None:
    assert go(graph, "loop-a").rule == "unrouted"


def test_rule_2_fewest_hops_beat_criticality() -> None:
    g = small(
        [
            ci("x"),
            ci("near", criticality=4),
            ci("mid"),
            ci("far", criticality=1),
            team("t-near"),
            team("t-far"),
        ],
        [
            depends_on("x", "near"),
            depends_on("x", "mid"),
            depends_on("mid", "far"),
            rel("near", "t-near", "SUPPORTED_BY"),
            rel("far", "t-far", "SUPPORTED_BY"),
        ],
    )
    assert go(g, "x").group == "t-near"


def test_rule_2_ties_by_criticality_then_id() -> None:
    cis = [ci("x"), ci("b", criticality=2), ci("a", criticality=3), ci("c", criticality=2)]
    cis += [team("t-a"), team("t-b"), team("t-c")]
    rels = [depends_on("x", n) for n in ("a", "b", "c")]
    rels += [rel(n, f"t-{n}", "SUPPORTED_BY") for n in ("a", "b", "c")]
    d = go(small(cis, rels), "x")
    assert (d.group, d.path) == ("t-b", ("x", "b", "t-b"))  # b and c tie on criticality 2


def test_rule_2_searches_from_every_affected_ci_at_once() -> None:
    g = small(
        [ci("x"), ci("y"), ci("x1"), ci("x2"), ci("y1"), team("tx"), team("ty")],
        [
            depends_on("x", "x1"),
            depends_on("x1", "x2"),
            rel("x2", "tx", "SUPPORTED_BY"),
            depends_on("y", "y1"),
            rel("y1", "ty", "SUPPORTED_BY"),
        ],
    )
    d = go(g, "x", "y")
    assert (d.group, d.path) == ("ty", ("y", "y1", "ty"))


def test_rule_2_shared_dependency_path_starts_at_the_most_critical_affected_ci() -> None:
    g = small(
        [ci("a", criticality=3), ci("b", criticality=1), ci("db"), team("dba")],
        [depends_on("a", "db"), depends_on("b", "db"), rel("db", "dba", "SUPPORTED_BY")],
    )
    assert go(g, "a", "b").path == ("b", "db", "dba")


def test_rule_2_does_not_follow_located_in_or_connects_through() -> None:
    g = small(
        [ci("x"), ci("net", "Network"), ci("dc", "Datacenter"), team("t")],
        [
            rel("x", "net", "CONNECTS_THROUGH"),
            rel("x", "dc", "LOCATED_IN"),
            rel("net", "t", "SUPPORTED_BY"),
            rel("dc", "t", "SUPPORTED_BY"),
        ],
    )
    assert go(g, "x").rule == "unrouted"


# ---------------------------------------------------------------- rule 3: location


def test_rule_3_walks_up_to_the_facilities_team_of_the_site(graph: RoutingGraph) -> None:
    d = go(graph, location="room")
    assert (d.rule, d.group) == ("location", "fac-maint")  # more specific than fac; hr is not facilities
    assert d.path == ("room", "floor", "bld", "site", "fac-maint")
    assert d.hops == (
        Hop("room", "PART_OF", "floor"),
        Hop("floor", "LOCATED_IN", "bld"),
        Hop("bld", "LOCATED_IN", "site"),
        Hop("fac-maint", "LOCATED_IN", "site"),
    )
    assert "location room lies within site, which houses the facilities team fac-maint" in d.reason
    assert d.escalation == ("fac",)


def test_rule_3_prefers_a_facilities_team_with_the_skills(graph: RoutingGraph) -> None:
    d = go(graph, location="floor", skills=frozenset({"hvac"}))
    assert (d.group, d.assignee) == ("fac", "fay")


def test_rule_3_falls_back_to_location_when_affected_cis_lead_nowhere(graph: RoutingGraph) -> None:
    d = go(graph, "lonely", location="floor")
    assert (d.rule, d.group) == ("location", "fac-maint")


def test_rule_3_a_location_supported_by_a_team_wins_at_its_level(graph: RoutingGraph) -> None:
    d = go(graph, location="floor2")
    assert (d.rule, d.group, d.assignee) == ("location", "bld2-crew", "cy")
    assert d.path == ("floor2", "bld2", "bld2-crew")
    assert d.hops[-1] == Hop("bld2", "SUPPORTED_BY", "bld2-crew")


def test_rule_3_the_location_itself(graph: RoutingGraph) -> None:
    d = go(graph, location="site")
    assert (d.group, d.path) == ("fac-maint", ("site", "fac-maint"))
    assert "location site houses the facilities team fac-maint" in d.reason


def test_rule_3_override_beats_the_graph_at_its_level(graph: RoutingGraph) -> None:
    d = go(graph, location="room", facilities_team_of={"bld": "hr"})
    assert (d.rule, d.group, d.path) == ("location", "hr", ("room", "floor", "bld"))
    assert [h.type for h in d.hops] == ["PART_OF", "LOCATED_IN"]
    assert "facilities override" in d.reason
    # the nearer level still wins over an override further up
    assert go(graph, location="floor2", facilities_team_of={"site": "hr"}).group == "bld2-crew"


def test_rule_3_override_for_a_location_not_in_the_graph(graph: RoutingGraph) -> None:
    d = go(graph, location="annex", facilities_team_of={"annex": "fac"})
    assert (d.rule, d.group, d.path, d.unknown_cis) == ("location", "fac", ("annex",), ("annex",))


def test_rule_3_walks_registry_location_kinds() -> None:
    registry = Registry.from_config({"kinds": [{"name": "Campus", "category": "location"}]})
    cis = [loc("flr", "floor"), ci("campus", "Campus"), team("ft", "Facilities")]
    rels = [rel("flr", "campus", "LOCATED_IN"), rel("ft", "campus", "LOCATED_IN")]
    assert route(RoutingGraph.build(cis, rels, registry), RoutingRequest("T", location="flr")).group == "ft"
    # with the default registry a Campus is not a location: the walk stops at the floor
    assert route(RoutingGraph.build(cis, rels), RoutingRequest("T", location="flr")).rule == "unrouted"


# ---------------------------------------------------------------- rule 4 and unrouted


def test_rule_4_category_when_no_location_team(graph: RoutingGraph) -> None:
    groups = {"payroll": "hr"}
    d = go(graph, "lonely", location="far-floor", category="payroll", category_groups=groups)
    assert (d.rule, d.group, d.path, d.hops) == ("category", "hr", (), ())
    assert "category 'payroll' is handled by hr" in d.reason
    assert go(graph, category="payroll", category_groups=groups).rule == "category"


def test_rule_4_group_outside_the_graph(graph: RoutingGraph) -> None:
    d = go(graph, category="legal", category_groups={"legal": "team-legal"})
    assert (d.group, d.assignee, d.escalation, d.candidates) == ("team-legal", None, (), ())
    assert "team-legal has no members, so no assignee" in d.reason


def test_unrouted(graph: RoutingGraph) -> None:
    d = go(graph, "lonely", location="far-floor", category="misc", category_groups={"payroll": "hr"})
    assert (d.rule, d.group, d.assignee, d.path, d.escalation) == ("unrouted", None, None, (), ())
    assert d.reason == (
        "unrouted: affected CIs lonely lead to no support group; location far-floor has no facilities"
        " team; category 'misc' maps to no group"
    )
    assert go(graph).reason == "unrouted: no affected CI; no location; no category"


def test_unknown_ids_are_skipped_and_reported(graph: RoutingGraph) -> None:
    d = go(graph, "ghost", "db", location="nowhere")
    assert (d.rule, d.group, d.unknown_cis) == ("affected_ci_support", "dba", ("ghost", "nowhere"))


def test_relationships_to_unknown_cis_or_of_unknown_types_are_ignored() -> None:
    g = small(
        [ci("x"), team("t")],
        [rel("x", "t", "SUPPORTED_VIA"), rel("x", "missing", "SUPPORTED_BY")],
    )
    assert go(g, "x").rule == "unrouted"


def test_rules_constant_lists_every_rule() -> None:
    assert RULES == ("affected_ci_support", "dependency_support", "location", "category", "unrouted")


# ---------------------------------------------------------------- assignee


def test_without_skills_or_load_the_smallest_id_wins(graph: RoutingGraph) -> None:
    d = go(graph, "db")
    assert (d.assignee, d.candidates) == ("ann", ("ann", "bob", "cid"))  # old is retired


def test_least_open_load_then_id(graph: RoutingGraph) -> None:
    d = go(graph, "db", open_load={"ann": 3, "bob": 1, "cid": 1})
    assert (d.assignee, d.candidates) == ("bob", ("bob", "cid", "ann"))
    assert "assigned to bob, the member with the least open load (1 open ticket; 3 candidates)" in d.reason


def test_skills_filter_members(graph: RoutingGraph) -> None:
    d = go(graph, "db", skills=frozenset({"postgresql"}), open_load={"ann": 5, "bob": 2, "old": 0})
    assert (d.assignee, d.candidates) == ("bob", ("bob", "ann"))
    assert "the member with skills postgresql and the least open load (2 open tickets" in d.reason
    both = go(graph, "db", skills=frozenset({"postgresql", "linux"}), open_load={"ann": 9})
    assert (both.assignee, both.candidates) == ("ann", ("ann",))


def test_skills_compare_trimmed_and_case_insensitively(graph: RoutingGraph) -> None:
    d = go(graph, "db", skills=frozenset({" POSTGRESQL "}), open_load={"ann": 1})
    assert d.assignee == "bob"


def test_no_member_with_the_skills(graph: RoutingGraph) -> None:
    d = go(graph, "db", skills=frozenset({"oracle", "db2"}))
    assert (d.group, d.assignee, d.candidates) == ("dba", None, ())
    assert d.reason.endswith("no member of dba has skills db2, oracle, so no assignee")


def test_a_group_without_members(graph: RoutingGraph) -> None:
    d = go(graph, "api")
    assert (d.group, d.assignee) == ("app-team", None)
    assert d.reason.endswith("app-team has no members, so no assignee")


# ---------------------------------------------------------------- escalation


def test_escalation_follows_reports_to_and_part_of(graph: RoutingGraph) -> None:
    assert go(graph, "db").escalation == ("it", "corp")
    assert go(graph, "pod").escalation == ("it", "corp")


def test_escalation_falls_back_on_the_lead_reporting_line(graph: RoutingGraph) -> None:
    # platform has no team link; its lead reports to boss, a member of eng
    d = go(graph, "cache")
    assert (d.group, d.escalation) == ("platform", ("eng", "corp"))


def test_escalation_stops_on_a_cycle_and_picks_the_smallest_parent() -> None:
    g = small(
        [team("a"), team("b"), team("c"), team("z")],
        [
            rel("a", "z", "REPORTS_TO"),
            rel("a", "b", "PART_OF"),
            rel("b", "c", "REPORTS_TO"),
            rel("c", "a", "REPORTS_TO"),
        ],
    )
    assert g.escalation("a") == ("b", "c")
    assert g.escalation("z") == ()


# ---------------------------------------------------------------- determinism and output


def test_decisions_do_not_depend_on_input_order(graph: RoutingGraph) -> None:
    cis, rels = list(CIS), list(RELS)
    rng = random.Random(5)
    rng.shuffle(cis)
    rng.shuffle(rels)
    shuffled = RoutingGraph.build(cis, rels)
    load = {"ann": 1, "bob": 1}
    for affected, location in [
        (("web",), None),
        (("cache", "host", "db"), None),
        ((), "room"),
        (("report",), None),
    ]:
        assert go(shuffled, *affected, location=location, open_load=load) == go(
            graph, *reversed(affected), location=location, open_load=load
        )


def test_as_dict_is_json(graph: RoutingGraph) -> None:
    d = go(graph, "web")
    doc = d.as_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["hops"] == [
        {"source": "web", "type": "DEPENDS_ON", "target": "db"},
        {"source": "db", "type": "SUPPORTED_BY", "target": "dba"},
    ]
    assert (doc["rule"], doc["group"], doc["path"]) == ("dependency_support", "dba", ["web", "db", "dba"])


# ---------------------------------------------------------------- the demo enterprise


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, CIData], RoutingGraph]:
    cis, rels = enterprise_records(size=1000)
    return {c.id: c for c in cis}, RoutingGraph.build(cis, rels)


def test_demo_database_ticket_goes_to_its_dba_team(demo: tuple[dict[str, CIData], RoutingGraph]) -> None:
    by_id, g = demo
    db = min(c for c, v in by_id.items() if v.kind == "Database")
    d = route(g, RoutingRequest("INC-1", affected_cis=(db,)))
    assert d.rule == "affected_ci_support"
    assert d.group is not None
    assert d.path == (db, d.group)
    team_ci = by_id[d.group]
    assert (team_ci.kind, team_ci.name, team_ci.attributes["department"]) == (
        "Team",
        "Database Administration",
        "IT/R&D",
    )
    assert d.assignee in g.members[d.group]
    assert d.escalation == ("team-it",)


def test_demo_consumer_of_a_database_routes_through_its_dependencies(
    demo: tuple[dict[str, CIData], RoutingGraph],
) -> None:
    by_id, g = demo
    dataset = min(c for c, v in by_id.items() if v.kind == "Dataset")  # OWNED_BY, never SUPPORTED_BY
    d = route(g, RoutingRequest("INC-2", affected_cis=(dataset,)))
    assert d.rule == "dependency_support"
    assert d.group is not None
    assert (d.path[0], by_id[d.path[1]].kind, d.path[-1]) == (dataset, "Database", d.group)
    assert by_id[d.group].name == "Database Administration"


def test_demo_floor_ticket_goes_to_a_facilities_team(demo: tuple[dict[str, CIData], RoutingGraph]) -> None:
    by_id, g = demo
    floor = min(c for c, v in by_id.items() if v.kind == "Location" and v.attributes["type"] == "floor")
    d = route(g, RoutingRequest("REQ-1", location=floor, category="facilities"))
    assert d.rule == "location"
    assert d.group is not None
    assert by_id[d.group].attributes["department"] == "Facilities"
    assert (d.path[0], by_id[d.path[-2]].attributes["type"], d.path[-1]) == (floor, "site", d.group)
