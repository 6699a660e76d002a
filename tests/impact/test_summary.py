"""The business summary of a blast radius: business services (criticality, then severity),
whom to notify (owners and support of impacted and failed CIs), vendors, counts."""

from __future__ import annotations

import pytest

from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.summary import AffectedService, Contact, summarize
from tests.factories import ci, depends_on, rel

#                       db (failed; Database, crit 2) --SUPPLIED_BY--> vendor-pg
#                        ^
#   api (crit 2) --------+        api --SUPPLIED_BY--> vendor-api
#    ^  ^  ^  ^
#    |  |  :  :  (hard: bs-a crit 2, bs-c crit 1; optional: bs-b crit 1, bs-d crit 2)
#   bs-a bs-c bs-b bs-d           bs-z (crit 1) depends on other only
CIS = [
    ci("db", "Database", criticality=2),
    ci("api", "API", criticality=2),
    ci("bs-a", "BusinessService", name="Accounts", criticality=2),
    ci("bs-b", "BusinessService", name="Billing", criticality=1),
    ci("bs-c", "BusinessService", name="Checkout", criticality=1),
    ci("bs-d", "BusinessService", name="Delivery", criticality=2),
    ci("bs-z", "BusinessService", criticality=1),
    ci("other", "Service", criticality=1),
    ci("vendor-pg", "Vendor", name="Postgres Inc"),
    ci("vendor-api", "Vendor"),
    ci("vendor-idle", "Vendor"),
    ci("team-db", "Team", name="DBA team"),
    ci("team-api", "Team"),
    ci("a-team", "Team"),
    ci("team-idle", "Team"),
    ci("alice", "Person", name="Alice"),
]
RELS = [
    depends_on("api", "db"),
    depends_on("bs-a", "api"),
    depends_on("bs-c", "api"),
    depends_on("bs-b", "api", optional=True),
    depends_on("bs-d", "api", optional=True),
    depends_on("bs-z", "other"),
    rel("db", "vendor-pg", "SUPPLIED_BY"),
    rel("api", "vendor-api", "SUPPLIED_BY"),
    rel("other", "vendor-idle", "SUPPLIED_BY"),
    rel("db", "team-db", "OWNED_BY"),
    rel("db", "team-db", "SUPPORTED_BY"),
    rel("api", "team-api", "OWNED_BY"),
    rel("bs-a", "team-api", "SUPPORTED_BY"),
    rel("api", "a-team", "OWNED_BY"),
    rel("api", "a-team", "SUPPORTED_BY"),
    rel("bs-c", "alice", "SUPPORTED_BY"),
    rel("bs-z", "team-idle", "OWNED_BY"),
    rel("other", "team-idle", "SUPPORTED_BY"),
    rel("alice", "team-api", "MEMBER_OF"),
]


@pytest.fixture(scope="module")
def graph() -> ImpactGraph:
    return ImpactGraph.build(CIS, RELS)


def test_business_services_by_criticality_then_severity(graph: ImpactGraph) -> None:
    summary = summarize(blast_radius(graph, ["db"]))
    assert summary.business_services == [
        AffectedService("bs-c", "Checkout", 1, "down", 2),
        AffectedService("bs-b", "Billing", 1, "degraded", 2),
        AffectedService("bs-a", "Accounts", 2, "down", 2),
        AffectedService("bs-d", "Delivery", 2, "degraded", 2),
    ]


def test_a_failed_business_service_is_listed_down_at_depth_zero(graph: ImpactGraph) -> None:
    summary = summarize(blast_radius(graph, ["bs-b", "bs-z"]))
    assert summary.business_services == [
        AffectedService("bs-b", "Billing", 1, "down", 0),
        AffectedService("bs-z", "bs-z", 1, "down", 0),
    ]


def test_notify_owners_and_support_of_impacted_and_failed_cis(graph: ImpactGraph) -> None:
    summary = summarize(blast_radius(graph, ["db"]))
    assert summary.notify == [
        Contact("alice", "Person", "Alice", ("SUPPORTED_BY",), ("bs-c",), 1),
        Contact("team-api", "Team", "team-api", ("OWNED_BY", "SUPPORTED_BY"), ("api", "bs-a"), 2),
        # a team that both owns and supports one CI looks after one CI, not two
        Contact("a-team", "Team", "a-team", ("OWNED_BY", "SUPPORTED_BY"), ("api",), 2),
        Contact("team-db", "Team", "DBA team", ("OWNED_BY", "SUPPORTED_BY"), ("db",), 2),
    ]
    # team-idle looks after CIs that are not impacted; MEMBER_OF is no reason to notify


def test_notify_follows_the_blast_radius(graph: ImpactGraph) -> None:
    summary = summarize(blast_radius(graph, ["other"]))
    assert [(c.id, c.roles, c.cis) for c in summary.notify] == [
        ("team-idle", ("OWNED_BY", "SUPPORTED_BY"), ("bs-z", "other"))
    ]
    assert summary.vendors == ["vendor-idle"]


def test_vendors_supplying_failed_or_impacted_cis(graph: ImpactGraph) -> None:
    assert summarize(blast_radius(graph, ["db"])).vendors == ["vendor-api", "vendor-pg"]
    # a failed vendor is listed itself (and the CI it supplies is impacted)
    from_vendor = summarize(blast_radius(graph, ["vendor-pg"]))
    assert from_vendor.vendors == ["vendor-api", "vendor-pg"]
    assert from_vendor.by_kind["Database"] == 1


def test_counts_per_kind_and_severity(graph: ImpactGraph) -> None:
    radius = blast_radius(graph, ["db"])
    summary = summarize(radius)
    assert summary.by_kind == {"API": 1, "BusinessService": 4}  # the failed CI is not counted
    assert summary.by_severity == {"degraded": 2, "down": 3}
    assert sum(summary.by_kind.values()) == len(radius.impacted) == 5
    assert list(summary.by_kind) == sorted(summary.by_kind)


def test_nothing_impacted_gives_an_empty_summary() -> None:
    g = ImpactGraph.build([ci("a"), ci("b")], [depends_on("a", "b")])
    summary = summarize(blast_radius(g, ["a"]))
    assert summary.business_services == []
    assert summary.notify == []
    assert summary.vendors == []
    assert summary.by_kind == {}
    assert summary.by_severity == {}
