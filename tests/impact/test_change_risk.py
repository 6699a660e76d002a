"""Changes on the graph: impact, risk score and its explanation, collisions (each kind and its
negative), implementation / rollback order, acceptance checklist, approval chain."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmdbgraph.impact.change_collisions import Collision, collisions
from cmdbgraph.impact.change_plan import (
    ApprovalStep,
    ChangeOrder,
    ChecklistItem,
    acceptance_checklist,
    approval_chain,
    change_order,
    implementation_order,
    rollback_order,
)
from cmdbgraph.impact.change_risk import DEFAULT_RISK_MODEL, ChangeRisk, business_hours_share, risk_score
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import (
    ChangeHistory,
    ChangeWindow,
    FreezeWindow,
    PlannedChange,
    change_impact,
    in_maintenance,
)
from cmdbgraph.schema import CINotFound, Status
from tests.factories import ci, depends_on, rel

#   bs-shop (BS crit 1) -> web ------+
#   bs-portal (BS crit 1) ..opt..> pay-api --+--> db (shared Database) -RUNS_ON-> host
#   bs-pay (BS crit 2) -> pay-api ---+       |
#   bs-hr (BS crit 3) -> hr-app -------------+
#   export -> db                 (a leaf: nothing depends on export)
#   bs-wiki (BS crit 4) -> wiki-app          (another leaf pair, for criticality)
#   lonely                       (unrelated to everything)
#   owners: db team-dba (and SUPPORTED_BY team-ops), web and bs-shop team-web, bs-pay alice,
#           bs-hr team-hr, export team-data, host team-infra
CIS = [
    ci("bs-shop", "BusinessService", name="Web shop", criticality=1),
    ci("bs-portal", "BusinessService", name="Portal", criticality=1),
    ci("bs-pay", "BusinessService", name="Payroll", criticality=2),
    ci("bs-hr", "BusinessService", name="HR portal", criticality=3),
    ci("bs-wiki", "BusinessService", name="Wiki", criticality=4),
    ci("web", "Service", name="Shop front"),
    ci("pay-api", "API"),
    ci("hr-app", "Application"),
    ci("wiki-app", "Application"),
    ci("export", "Service"),
    ci("db", "Database", name="Shared DB"),
    ci("host", "Host"),
    ci("lonely", "Service"),
    ci("team-dba", "Team", name="DBA"),
    ci("team-ops", "Team"),
    ci("team-web", "Team", name="Web team"),
    ci("team-hr", "Team"),
    ci("team-data", "Team"),
    ci("team-infra", "Team"),
    ci("alice", "Person", name="Alice"),
]
RELS = [
    depends_on("bs-shop", "web"),
    depends_on("bs-portal", "pay-api", optional=True),
    depends_on("bs-pay", "pay-api"),
    depends_on("bs-hr", "hr-app"),
    depends_on("bs-wiki", "wiki-app"),
    depends_on("web", "db"),
    depends_on("pay-api", "db"),
    depends_on("hr-app", "db"),
    depends_on("export", "db"),
    rel("db", "host", "RUNS_ON"),
    rel("db", "team-dba", "OWNED_BY"),
    rel("db", "team-ops", "SUPPORTED_BY"),
    rel("web", "team-web", "OWNED_BY"),
    rel("bs-shop", "team-web", "OWNED_BY"),
    rel("bs-pay", "alice", "OWNED_BY"),
    rel("bs-hr", "team-hr", "OWNED_BY"),
    rel("export", "team-data", "OWNED_BY"),
    rel("host", "team-infra", "OWNED_BY"),
]
NO_HISTORY: dict[str, int] = {}


@pytest.fixture(scope="module")
def graph() -> ImpactGraph:
    return ImpactGraph.build(CIS, RELS)


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    """An instant on Monday 2025-03-03 (UTC) by default."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def window(start: int, end: int) -> ChangeWindow:
    return ChangeWindow(at(start), at(end))


def change(
    change_id: str, *targets: str, start: int = 1, end: int = 3, change_type: str = "normal"
) -> PlannedChange:
    return PlannedChange(change_id, change_type, targets, window(start, end))  # type: ignore[arg-type]


def office_hours(t: datetime) -> bool:
    return t.weekday() < 5 and 9 <= t.hour < 17


def risk(graph: ImpactGraph, c: PlannedChange, **kw: object) -> ChangeRisk:
    return risk_score(graph, c, failed_changes=NO_HISTORY, incidents=NO_HISTORY, **kw)  # type: ignore[arg-type]


def factor(r: ChangeRisk, name: str) -> float:
    (row,) = [f for f in r.factors if f.factor == name]
    return row.contribution


# ------------------------------------------------------------------------------ the data model


def test_windows_must_be_aware_and_end_after_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ChangeWindow(datetime(2025, 3, 3, 1), at(2))
    with pytest.raises(ValueError, match="end after it starts"):
        ChangeWindow(at(2), at(2))
    with pytest.raises(ValueError, match="end after it starts"):
        FreezeWindow("xmas", at(3), at(2))


def test_planned_change_checks_type_and_targets() -> None:
    with pytest.raises(ValueError, match="change type"):
        PlannedChange("c", "urgent", ("db",), window(1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no target"):
        PlannedChange("c", "normal", (), window(1, 2))
    assert PlannedChange("c", "normal", ["db"], window(1, 2)).targets == ("db",)  # type: ignore[arg-type]


def test_window_overlap_is_half_open_and_timezone_independent() -> None:
    assert window(1, 3).overlaps(window(2, 4))
    assert window(1, 3).overlaps(window(0, 5))
    assert not window(1, 3).overlaps(window(3, 4))
    assert not window(3, 4).overlaps(window(1, 3))
    paris = timezone(timedelta(hours=2))
    # 04:00+02:00 is 02:00 UTC: inside 01:00..03:00 UTC; 05:00+02:00 is 03:00 UTC: touching only
    assert window(1, 3).overlaps(ChangeWindow(datetime(2025, 3, 3, 4, tzinfo=paris), at(5)))
    assert not window(1, 3).overlaps(ChangeWindow(datetime(2025, 3, 3, 5, tzinfo=paris), at(5)))


def test_change_history_is_validated_and_read_only() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        ChangeHistory(failed_changes={"db": -1})
    with pytest.raises(ValueError, match="lookback"):
        ChangeHistory(lookback=timedelta(0))
    source = {"db": 2}
    history = ChangeHistory(failed_changes=source, incidents={"db": 1}, lookback=timedelta(days=30))
    source["db"] = 0
    assert history.failed_changes["db"] == 2
    with pytest.raises(TypeError):
        history.failed_changes["db"] = 5  # type: ignore[index]


# ----------------------------------------------------------------------------------- impact


def test_change_impact_is_the_blast_radius_of_the_targets(graph: ImpactGraph) -> None:
    radius = change_impact(graph, change("c", "db"))
    assert radius.impacted_ids() == {
        "web",
        "pay-api",
        "hr-app",
        "export",
        "bs-shop",
        "bs-portal",
        "bs-pay",
        "bs-hr",
    }
    assert {i.id for i in change_impact(graph, change("c", "db"), max_depth=1).impacted} == {
        "web",
        "pay-api",
        "hr-app",
        "export",
    }
    with pytest.raises(CINotFound):
        change_impact(graph, change("c", "nope"))


# ------------------------------------------------------------------------------------- risk


def test_a_change_on_a_shared_database_outranks_one_on_a_leaf(graph: ImpactGraph) -> None:
    shared = risk(graph, change("c1", "db"))
    leaf = risk(graph, change("c2", "export"))
    assert shared.score > leaf.score
    assert leaf.score == 0.0
    assert leaf.level == "low"
    assert shared.level == "high"


def test_factors_explain_the_score(graph: ImpactGraph) -> None:
    r = risk(graph, change("c1", "db"))
    assert [f.factor for f in r.factors] == [
        "blast_radius",
        "business_services",
        "failed_changes",
        "incidents",
        "business_hours",
        "freeze",
        "change_type",
    ]
    for f in r.factors:
        assert f.contribution == f.value * f.weight
    assert r.score == pytest.approx(sum(f.contribution for f in r.factors))
    blast, services = r.factors[0], r.factors[1]
    assert blast.value == math.log2(1 + 8)
    assert blast.detail == "8 CIs impacted (7 down, 1 degraded)"
    # bs-shop 8 (crit 1 down), bs-portal 4 (crit 1 degraded), bs-pay 4, bs-hr 2
    assert services.value == math.log2(1 + 18)
    assert services.detail.startswith(
        "4 business services (weight 18): bs-shop crit 1 down, bs-portal crit 1 degraded"
    )
    assert r.change_id == "c1"


def test_more_critical_business_services_weigh_more(graph: ImpactGraph) -> None:
    payroll = risk(graph, change("c1", "pay-api"))  # bs-pay crit 2 down, bs-portal crit 1 degraded
    wiki = risk(graph, change("c2", "wiki-app"))  # bs-wiki crit 4 down
    assert factor(payroll, "business_services") > factor(wiki, "business_services")
    assert payroll.score > wiki.score


def test_changing_a_business_service_itself_counts_it(graph: ImpactGraph) -> None:
    r = risk(graph, change("c", "bs-shop"))
    assert factor(r, "blast_radius") == 0
    assert factor(r, "business_services") == 10 * math.log2(1 + 8)


def test_a_freeze_raises_risk_a_lot(graph: ImpactGraph) -> None:
    c = change("c", "export", start=1, end=3)
    covering = FreezeWindow("quarter close", at(0), at(2), frozenset({"export"}))
    elsewhere = FreezeWindow("hr freeze", at(0), at(2), frozenset({"bs-hr"}))
    later = FreezeWindow("later", at(3), at(6))
    frozen = risk(graph, c, freezes=[covering, elsewhere, later])
    calm = risk(graph, c, freezes=[elsewhere, later])
    assert frozen.score - calm.score == DEFAULT_RISK_MODEL.freeze
    (row,) = [f for f in frozen.factors if f.factor == "freeze"]
    assert row.detail == "freeze 'quarter close' covers export"
    # a freeze on a CI the change impacts counts too: db's change reaches bs-hr
    assert factor(risk(graph, change("c", "db"), freezes=[elsewhere]), "freeze") == DEFAULT_RISK_MODEL.freeze


def test_business_hours_and_emergency_raise_risk(graph: ImpactGraph) -> None:
    night = risk(graph, change("c", "export", start=1, end=3), business_hours=office_hours)
    day = risk(graph, change("c", "export", start=10, end=12), business_hours=office_hours)
    half = risk(graph, change("c", "export", start=8, end=10), business_hours=office_hours)
    assert factor(night, "business_hours") == 0
    assert factor(day, "business_hours") == DEFAULT_RISK_MODEL.business_hours
    assert factor(half, "business_hours") == DEFAULT_RISK_MODEL.business_hours / 2
    assert night.score < half.score < day.score
    emergency = risk(graph, change("c", "export", change_type="emergency"))
    assert factor(emergency, "change_type") == DEFAULT_RISK_MODEL.emergency
    assert emergency.score > risk(graph, change("c", "export")).score


def test_business_hours_share_samples_long_windows() -> None:
    week = ChangeWindow(at(0, day=3), at(0, day=10))  # Monday to Monday: 5 days of 8 hours
    assert business_hours_share(week, office_hours) == pytest.approx(40 / 168)
    year = ChangeWindow(at(0, day=1), at(0, day=1) + timedelta(days=365))
    calls: list[datetime] = []

    def record(t: datetime) -> bool:
        calls.append(t)
        return True

    assert business_hours_share(year, record) == 1.0
    assert len(calls) == 4 * 24 * 31
    assert calls[0] == year.start
    assert calls[-1] < year.end


def test_failed_changes_and_incidents_on_the_targets_raise_risk(graph: ImpactGraph) -> None:
    c = change("c", "export", "lonely")
    history = ChangeHistory(failed_changes={"export": 2, "lonely": 1, "db": 9}, incidents={"lonely": 3})
    r = risk_score(graph, c, failed_changes=history.failed_changes, incidents=history.incidents)
    assert factor(r, "failed_changes") == DEFAULT_RISK_MODEL.failed_changes * 2  # log2(1 + 3)
    assert factor(r, "incidents") == DEFAULT_RISK_MODEL.incidents * 2  # log2(1 + 3)
    rows = {f.factor: f.detail for f in r.factors}
    assert rows["failed_changes"] == "export: 2, lonely: 1"  # db is not a target
    assert r.score > risk(graph, c).score
    with pytest.raises(ValueError, match=">= 0"):
        risk_score(graph, c, failed_changes={"export": -1}, incidents={})


def test_risk_of_an_unknown_target_is_refused(graph: ImpactGraph) -> None:
    with pytest.raises(CINotFound):
        risk(graph, change("c", "db", "nope"))


# ------------------------------------------------------------------------------- collisions


def test_same_ci_with_overlapping_windows_collides(graph: ImpactGraph) -> None:
    mine = change("c1", "export", "lonely", start=1, end=3)
    found = collisions(graph, mine, [change("c2", "lonely", "export", start=2, end=4)])
    assert found == [
        Collision(
            "same_ci",
            "c1",
            "c2",
            ("export", "lonely"),
            "c2 also changes export, lonely in an overlapping window",
        )
    ]


def test_same_ci_with_touching_windows_does_not_collide(graph: ImpactGraph) -> None:
    mine = change("c1", "export", start=1, end=3)
    assert collisions(graph, mine, [change("c2", "export", start=3, end=5)]) == []
    assert collisions(graph, mine, [change("c0", "export", start=0, end=1)]) == []


def test_unrelated_cis_with_overlapping_windows_do_not_collide(graph: ImpactGraph) -> None:
    assert collisions(graph, change("c1", "export"), [change("c2", "lonely"), change("c3", "wiki-app")]) == []


def test_the_change_itself_among_others_is_skipped(graph: ImpactGraph) -> None:
    mine = change("c1", "db")
    assert collisions(graph, mine, [mine]) == []


def test_a_target_in_my_blast_radius_collides(graph: ImpactGraph) -> None:
    (found,) = collisions(graph, change("c1", "db"), [change("c2", "web", start=2, end=5)])
    assert (found.kind, found.other, found.cis, found.paths) == (
        "dependent",
        "c2",
        ("web",),
        (("db", "web"),),
    )
    assert "web (changed by c2) impacted by this change" in found.detail


def test_my_target_in_their_blast_radius_collides(graph: ImpactGraph) -> None:
    (found,) = collisions(graph, change("c1", "bs-shop"), [change("c2", "db", start=0, end=2)])
    assert (found.kind, found.cis, found.paths) == ("dependent", ("bs-shop",), (("db", "web", "bs-shop"),))
    assert "bs-shop (changed by this change) impacted by c2" in found.detail


def test_dependent_changes_in_separate_windows_do_not_collide(graph: ImpactGraph) -> None:
    assert collisions(graph, change("c1", "db", start=1, end=3), [change("c2", "web", start=3, end=4)]) == []


def test_same_ci_and_dependent_are_both_reported(graph: ImpactGraph) -> None:
    found = collisions(graph, change("c1", "db", "web"), [change("c2", "db", "bs-shop")])
    assert [(c.kind, c.other, c.cis) for c in found] == [
        ("same_ci", "c2", ("db",)),
        ("dependent", "c2", ("bs-shop", "web")),
    ]
    (dependent,) = [c for c in found if c.kind == "dependent"]
    assert dependent.paths == (("web", "bs-shop"), ("db", "web"))


def test_freeze_covering_a_target_or_an_impacted_ci_collides(graph: ImpactGraph) -> None:
    mine = change("c1", "db", start=1, end=3)
    freezes = [
        FreezeWindow("payroll run", at(2), at(8), frozenset({"bs-pay", "elsewhere"})),
        FreezeWindow("dba holiday", at(0), at(2), frozenset({"db"})),
        FreezeWindow("everything", at(2, 30), at(9)),
    ]
    found = collisions(graph, mine, freezes=freezes)
    assert [(c.kind, c.other, c.cis) for c in found] == [
        ("freeze", "dba holiday", ("db",)),
        (
            "freeze",
            "everything",
            ("bs-hr", "bs-pay", "bs-portal", "bs-shop", "db", "export", "hr-app", "pay-api", "web"),
        ),
        ("freeze", "payroll run", ("bs-pay",)),
    ]
    assert found[0].detail.startswith(
        "the window overlaps freeze 'dba holiday' (2025-03-03T00:00:00+00:00 .."
    )


def test_freeze_elsewhere_or_at_another_time_does_not_collide(graph: ImpactGraph) -> None:
    mine = change("c1", "db", start=1, end=3)
    freezes = [
        FreezeWindow("wiki freeze", at(0), at(9), frozenset({"bs-wiki", "lonely"})),
        FreezeWindow("after", at(3), at(9)),
        FreezeWindow("before", at(0), at(1), frozenset({"db"})),
        FreezeWindow("host only", at(0), at(9), frozenset({"host"})),  # db's provider: not impacted
    ]
    assert collisions(graph, mine, freezes=freezes) == []


def test_cis_in_maintenance_collide(graph: ImpactGraph) -> None:
    (found,) = collisions(graph, change("c1", "db"), maintenance=["pay-api", "db", "lonely"])
    assert (found.kind, found.other, found.cis) == ("maintenance", None, ("db", "pay-api"))
    assert found.detail == "db, pay-api in maintenance (target, impacted)"


def test_cis_in_maintenance_elsewhere_do_not_collide(graph: ImpactGraph) -> None:
    assert collisions(graph, change("c1", "db"), maintenance=["lonely", "host", "not-a-ci"]) == []


def test_maintenance_from_the_recorded_status() -> None:
    g = ImpactGraph.build(
        [ci("web", status=Status.MAINTENANCE), ci("db", "Database"), ci("x", status=Status.DOWN)],
        [depends_on("web", "db")],
    )
    assert in_maintenance(g) == frozenset({"web"})
    (found,) = collisions(g, change("c", "db"), maintenance=in_maintenance(g))
    assert found.cis == ("web",)
    assert found.detail == "web in maintenance (impacted)"
    assert collisions(g, change("c", "x"), maintenance=in_maintenance(g)) == []


def test_collisions_are_ordered_by_kind_then_other(graph: ImpactGraph) -> None:
    found = collisions(
        graph,
        change("c1", "db"),
        [change("c3", "db"), change("c2", "web"), change("c4", "host")],
        [FreezeWindow("all", at(0), at(9))],
        ["web"],
    )
    assert [(c.kind, c.other) for c in found] == [
        ("same_ci", "c3"),
        ("dependent", "c2"),
        ("dependent", "c4"),
        ("freeze", "all"),
        ("maintenance", None),
    ]


def test_unknown_targets_of_overlapping_others_are_refused(graph: ImpactGraph) -> None:
    assert collisions(graph, change("c1", "db", start=1, end=2), [change("c2", "gone", start=5, end=6)]) == []
    with pytest.raises(CINotFound):
        collisions(graph, change("c1", "db"), [change("c2", "gone")])


# -------------------------------------------------------------------------------- ordering

#   web -> api -> db -RUNS_ON-> host     (a chain)
#   top -> left, right -> bottom          (a diamond)
#   a <-> b, c -> a                       (a cycle with a consumer)
#   p -> mid -> q                         (q is reached through a CI that is not a target)
ORDER_CIS = [
    ci(i)
    for i in ("web", "api", "db", "host", "top", "left", "right", "bottom", "a", "b", "c", "p", "mid", "q")
]
ORDER_RELS = [
    depends_on("web", "api"),
    depends_on("api", "db"),
    rel("db", "host", "RUNS_ON"),
    depends_on("top", "left"),
    depends_on("top", "right", optional=True),
    depends_on("left", "bottom"),
    depends_on("right", "bottom"),
    depends_on("a", "b"),
    depends_on("b", "a"),
    depends_on("c", "a"),
    depends_on("p", "mid"),
    depends_on("mid", "q"),
]


@pytest.fixture(scope="module")
def order_graph() -> ImpactGraph:
    return ImpactGraph.build(ORDER_CIS, ORDER_RELS)


def test_rollback_order_on_a_chain(order_graph: ImpactGraph) -> None:
    c = change("c", "db", "web", "host", "api")
    assert implementation_order(order_graph, c) == ["host", "db", "api", "web"]
    assert rollback_order(order_graph, c) == ["web", "api", "db", "host"]


def test_rollback_order_on_a_diamond(order_graph: ImpactGraph) -> None:
    c = change("c", "top", "bottom", "right", "left")
    assert implementation_order(order_graph, c) == ["bottom", "left", "right", "top"]
    assert rollback_order(order_graph, c) == ["top", "right", "left", "bottom"]
    assert change_order(order_graph, c).cycles == ()


def test_dependencies_through_other_cis_count(order_graph: ImpactGraph) -> None:
    c = change("c", "p", "q")
    assert implementation_order(order_graph, c) == ["q", "p"]
    assert rollback_order(order_graph, c) == ["p", "q"]


def test_independent_targets_are_ordered_by_id(order_graph: ImpactGraph) -> None:
    assert implementation_order(order_graph, change("c", "web", "top", "api", "left")) == [
        "api",
        "left",
        "top",
        "web",
    ]


def test_cycles_are_broken_by_id_and_reported(order_graph: ImpactGraph) -> None:
    for targets in (("c", "b", "a"), ("a", "c", "b"), ("b", "a", "c")):
        assert change_order(order_graph, change("x", *targets)) == ChangeOrder(
            implementation=("a", "b", "c"), rollback=("c", "b", "a"), cycles=(("a", "b"),)
        )


def test_order_of_an_unknown_target_is_refused(order_graph: ImpactGraph) -> None:
    with pytest.raises(CINotFound):
        rollback_order(order_graph, change("c", "web", "nope"))


@given(
    edges=st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7))),
    targets=st.lists(st.integers(0, 7), min_size=1, unique=True),
)
def test_implementation_order_puts_providers_first(edges: set[tuple[int, int]], targets: list[int]) -> None:
    """On random graphs (cycles allowed): every target appears once; a target comes after every
    target it depends on unless they are in one reported cycle; rollback is the reverse."""
    names = [f"n{i}" for i in range(8)]
    g = ImpactGraph.build(
        [ci(n) for n in names], [depends_on(names[a], names[b]) for a, b in edges if a != b]
    )
    c = change("c", *(names[t] for t in targets))
    order = change_order(g, c)
    assert sorted(order.implementation) == sorted(c.targets)
    assert order.rollback == order.implementation[::-1]
    position = {t: i for i, t in enumerate(order.implementation)}
    together = {t: cycle for cycle in order.cycles for t in cycle}
    for t in c.targets:
        for dep in change_impact(g, change("d", t)).impacted_ids() & set(c.targets):
            # dep depends on t: t first, or both in one cycle
            same_cycle = t in together and together[t] == together.get(dep)
            assert position[t] < position[dep] or same_cycle


# ------------------------------------------------------------------------------- checklist


def test_checklist_has_targets_then_impacted_business_services(graph: ImpactGraph) -> None:
    items = acceptance_checklist(graph, change("c", "db", "bs-hr"))
    assert [(i.ci, i.role, i.severity, i.path) for i in items] == [
        ("db", "target", "changed", ("db",)),
        ("bs-hr", "target", "changed", ("bs-hr",)),
        ("bs-shop", "business_service", "down", ("db", "web", "bs-shop")),
        ("bs-portal", "business_service", "degraded", ("db", "pay-api", "bs-portal")),
        ("bs-pay", "business_service", "down", ("db", "pay-api", "bs-pay")),
    ]
    assert items[0] == ChecklistItem(
        "db",
        "Database",
        "Shared DB",
        3,
        "target",
        "changed",
        ("db",),
        "Verify Database Shared DB (db) works as intended after the change (it is a target)",
    )
    assert items[1].check.startswith("Verify business service HR portal (bs-hr)")
    assert items[2].check == (
        "Verify business service Web shop (bs-shop, criticality 1) end to end: "
        "it would be down if the change failed, via db -> web -> bs-shop"
    )


def test_checklist_of_a_leaf_has_only_the_target(graph: ImpactGraph) -> None:
    assert [i.ci for i in acceptance_checklist(graph, change("c", "export"))] == ["export"]


# -------------------------------------------------------------------------------- approval


def low(c: PlannedChange) -> ChangeRisk:
    return ChangeRisk(c.id, 10.0, "low", ())


def test_approval_chain_without_cab(graph: ImpactGraph) -> None:
    c = change("c", "db", "web")
    assert approval_chain(graph, c, risk=low(c)) == [
        ApprovalStep("team-dba", "Team", "DBA", "target_owner", ("db",), "owns target db"),
        ApprovalStep(
            "team-web",
            "Team",
            "Web team",
            "target_owner",
            ("web", "bs-shop"),
            "owns target web; owns impacted business service bs-shop",
        ),
        ApprovalStep(
            "alice", "Person", "Alice", "service_owner", ("bs-pay",), "owns impacted business service bs-pay"
        ),
        ApprovalStep(
            "team-hr", "Team", "team-hr", "service_owner", ("bs-hr",), "owns impacted business service bs-hr"
        ),
    ]


def test_approval_chain_with_cab_for_high_risk(graph: ImpactGraph) -> None:
    c = change("c", "db", change_type="emergency")
    r = risk(graph, c, freezes=[FreezeWindow("all", at(0), at(9))])
    assert r.level == "critical"
    steps = approval_chain(graph, c, risk=r)
    assert [(s.approver, s.role) for s in steps] == [
        ("team-dba", "target_owner"),
        ("team-web", "service_owner"),
        ("alice", "service_owner"),
        ("team-hr", "service_owner"),
        ("CAB", "cab"),
    ]
    assert steps[-1] == ApprovalStep(
        "CAB",
        "CAB",
        "Change Advisory Board",
        "cab",
        ("db",),
        f"emergency change with critical risk (score {r.score:.1f})",
    )
    high = ChangeRisk(c.id, 70.0, "high", ())
    assert approval_chain(graph, c, risk=high)[-1].approver == "CAB"
    medium = ChangeRisk(c.id, 40.0, "medium", ())
    assert "CAB" not in [s.approver for s in approval_chain(graph, c, risk=medium)]


def test_approval_chain_of_an_unowned_leaf_is_empty(graph: ImpactGraph) -> None:
    c = change("c", "lonely")
    assert approval_chain(graph, c, risk=low(c)) == []


def test_approval_chain_refuses_another_changes_risk(graph: ImpactGraph) -> None:
    with pytest.raises(ValueError, match="risk is for change other"):
        approval_chain(graph, change("c", "db"), risk=ChangeRisk("other", 0.0, "low", ()))
