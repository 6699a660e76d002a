"""SLA/OLA on stored tickets and tasks, and escalation ticks on both stores, with a fake clock.

Calendars (``tickets.sla_policies``): ``hr-onboarding`` is Mon-Fri 09:00-12:30 and 13:30-17:00
Berlin, response 4 h, resolution 21 h; P2 is 24x7, response 1 h, resolution 8 h; P1 24x7, 15 min
and 4 h; P3 Mon-Fri 09:00-17:00 UTC, 4 h and 24 h. March 2026: Mon 2, Tue 3, Wed 4, Thu 5, Fri 6,
Mon 9, Wed 11; Berlin is UTC+1 (summer time starts on the 29th). Expected instants are computed
by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.schema import CIData, CINotFound, InvalidInput
from cmdbgraph.schema.priority import Impact, Urgency
from cmdbgraph.tickets.kpis import kpis
from cmdbgraph.tickets.lifecycle import Event, TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.service import TicketService
from cmdbgraph.tickets.sla import EscalationRule, Notify, Reassign, due_times
from cmdbgraph.tickets.sla_policies import DEFAULT_BOOK, PolicyBook, select_policy
from cmdbgraph.tickets.sla_service import SlaService
from tests.clocks import FakeClock
from tests.factories import ci, rel

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
MON = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday 09:00 UTC (10:00 Berlin)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


def iso(at: datetime) -> str:
    return at.isoformat()


def ticket(
    ticket_id: str,
    opened: datetime,
    *steps: tuple[datetime, str],
    kind: str = "Incident",
    priority: int = 3,
    **extra: Any,
) -> CIData:
    """A stored ticket opened (``assigned``) at ``opened``; its state is the last step's."""
    timeline = [(opened, "assigned"), *steps]
    attributes = {
        "title": ticket_id,
        "state": timeline[-1][1],
        "impact": 2,
        "urgency": 2,
        "priority": priority,
        "opened_at": iso(opened),
        "timeline": [{"at": iso(at), "state": state, "actor": "t"} for at, state in timeline],
        "department": "HR",
        **extra,
    }
    return ci(ticket_id, kind, attributes=attributes)


def clock_of(document: dict[str, JsonValue], target: str) -> JsonValue:
    """The ``clock`` of a target in a status document."""
    found = document[target]
    assert isinstance(found, dict)
    return found["clock"]


def task(task_id: str, state: str, **attributes: Any) -> CIData:
    return ci(
        task_id,
        "FulfilmentTask",
        attributes={
            "title": task_id,
            "key": task_id.lower(),
            "task_type": "task",
            "state": state,
            **attributes,
        },
    )


def organisation() -> Batch:
    """Teams (a squad under the service desk under IT; HR), people, vendors, a catalog item."""
    return Batch(
        upsert_cis=[
            ci("team-it", "Team"),
            ci("team-it-service-desk", "Team"),
            ci("team-it-service-desk-squad", "Team"),
            ci("team-hr", "Team"),
            ci("alice", "Person"),
            ci("bob", "Person"),
            ci("vendor-nimbus-cloud", "Vendor"),
            ci("vendor-small", "Vendor"),
            ci(
                "hr-onboarding",
                "CatalogItem",
                attributes={
                    "title": "Onboarding",
                    "department": "hr",
                    "sla_policy": "hr-onboarding",
                    "definition": {"id": "hr-onboarding"},
                },
            ),
        ],
        upsert_relationships=[
            rel("team-it-service-desk", "team-it", "REPORTS_TO"),
            rel("team-it-service-desk-squad", "team-it-service-desk", "REPORTS_TO"),
            rel("alice", "team-it-service-desk", "MEMBER_OF"),
            rel("bob", "team-hr", "MEMBER_OF"),
        ],
    )


@pytest.fixture
def org(store: GraphStore) -> GraphStore:
    store.apply(organisation(), actor="setup")
    return store


def add(store: GraphStore, *cis: CIData, links: tuple[tuple[str, str, str], ...] = ()) -> None:
    store.apply(
        Batch(upsert_cis=list(cis), upsert_relationships=[rel(s, t, r) for s, t, r in links]), actor="setup"
    )


# ---------------------------------------------------------------- status of stored tickets


def test_status_across_business_hour_boundaries(org: GraphStore) -> None:
    # Opened Fri 6 16:00 Berlin under hr-onboarding. Response 4 h: Fri 16-17 + Mon 9 09:00-12:00,
    # due Mon 12:00. Resolution 21 h: Fri 1 + Mon 7 + Tue 7 + Wed 09:00-12:30, 13:30-16:00: due
    # Wed 11 16:00. Work starts Mon 12:15, after the response was due.
    add(
        org,
        ticket(
            "REQ-1",
            berlin(6, 16),
            (berlin(9, 12, 15), "in_progress"),
            kind="ServiceRequest",
            priority=4,
            sla_policy="hr-onboarding",
        ),
    )
    service = SlaService(org)

    early = service.status("REQ-1", now=berlin(9, 10))  # 1 h Fri + 1 h Mon = 50 %
    assert (early.status.policy, early.source) == ("hr-onboarding", "ticket")
    assert early.status.response.state == "ok"
    assert early.status.response.elapsed == 2 * H
    assert early.status.response.due == berlin(9, 12)
    assert early.status.resolution.due == berlin(11, 16)
    assert early.status.ticket_state == "assigned"  # the change at 12:15 is still in the future

    at_risk = service.status("REQ-1", now=berlin(9, 11))  # 3 h of 4 h: 75 %
    assert at_risk.status.response.state == "at_risk"
    assert at_risk.flagged

    lunch = service.status("REQ-1", now=berlin(9, 13))  # in the lunch break
    assert lunch.status.response.state == "breached"  # completed at 12:15, due 12:00
    assert lunch.status.response.completed_at == berlin(9, 12, 15)
    assert lunch.status.resolution.elapsed == 4.5 * H  # Fri 1 h, Mon 09:00-12:30
    assert lunch.status.resolution.state == "ok"
    document = lunch.as_dict()
    assert document["response"] == {
        "state": "breached",
        "clock": "stopped",
        "due": berlin(9, 12).astimezone(UTC).isoformat(),
        "target_seconds": 4 * 3600.0,
        "elapsed_seconds": 4.25 * 3600,
        "remaining_seconds": -0.25 * 3600,
        "completed_at": berlin(9, 12, 15).astimezone(UTC).isoformat(),
    }
    assert clock_of(document, "resolution") == "running"


def test_pending_pauses_the_resolution_clock(org: GraphStore) -> None:
    # P3 (Mon-Fri 09-17 UTC): opened Mon 09:00, work 10:00, pending 11:00 to Tue 10:00 (Mon 11-17
    # and Tue 09-10: 7 business hours). Due without the pause: Wed 17:00; with it: Thu 16:00.
    add(
        org,
        ticket(
            "INC-1",
            MON,
            (MON + H, "in_progress"),
            (MON + 2 * H, "pending"),
            (MON + 25 * H, "in_progress"),
            priority=3,
        ),
    )
    service = SlaService(org)

    waiting = service.status("INC-1", now=MON + 6 * H)  # Mon 15:00, pending since 11:00
    assert waiting.status.paused
    assert waiting.status.resolution.elapsed == 2 * H
    assert waiting.status.resolution.due == datetime(2026, 3, 5, 13, tzinfo=UTC)  # pushed 4 h so far
    assert clock_of(waiting.as_dict(), "resolution") == "paused"
    assert waiting.status.response.state == "met"  # work started at 10:00
    assert (waiting.status.policy, waiting.source) == ("P3", "priority")

    resumed = service.status("INC-1", now=MON + 27 * H)  # Tue 12:00
    assert not resumed.status.paused
    assert resumed.status.resolution.elapsed == 4 * H  # Mon 09-11, Tue 10-12
    assert resumed.status.resolution.due == datetime(2026, 3, 5, 16, tzinfo=UTC)
    assert resumed.status.resolution.state == "ok"


def test_catalog_item_policy_comes_before_the_priority(org: GraphStore) -> None:
    add(
        org,
        ticket("REQ-LINKED", MON, kind="ServiceRequest", priority=1),
        ticket("REQ-NAMED", MON, kind="ServiceRequest", priority=1, catalog_item="hr-onboarding"),
        ticket("REQ-OWN", MON, kind="ServiceRequest", priority=4, sla_policy="P2"),
        ticket("INC-PLAIN", MON, priority=3),
        links=(("REQ-LINKED", "hr-onboarding", "ORDERED_FROM"),),
    )
    service = SlaService(org)
    chosen = {
        t: (c.status.policy, c.source)
        for t in ("REQ-LINKED", "REQ-NAMED", "REQ-OWN", "INC-PLAIN")
        for c in [service.status(t, now=MON + H)]
    }
    assert chosen == {
        "REQ-LINKED": ("hr-onboarding", "catalog_item"),
        "REQ-NAMED": ("hr-onboarding", "catalog_item"),
        "REQ-OWN": ("P2", "ticket"),
        "INC-PLAIN": ("P3", "priority"),
    }


def test_an_unknown_policy_is_a_clear_error_and_the_overview_lists_it_apart(org: GraphStore) -> None:
    add(org, ticket("INC-GOLD", MON, sla_policy="gold"), ticket("INC-LATE", MON, priority=2))
    service = SlaService(org)
    with pytest.raises(InvalidInput) as refused:
        service.status("INC-GOLD", now=MON + H)
    problem = refused.value.problems[0]
    assert (problem.code, problem.where, problem.field) == (
        "UNKNOWN_SLA_POLICY",
        "INC-GOLD",
        "attributes.sla_policy",
    )
    assert "gold" in problem.message
    assert "hr-onboarding" in problem.message  # the known names

    overview = service.overview(now=MON + 2 * H)  # INC-LATE (P2) has not responded in 1 h
    assert [c.ticket.id for c in overview.tickets] == ["INC-LATE"]
    assert [(u.ticket_id, u.problems[0].code) for u in overview.unreadable] == [
        ("INC-GOLD", "UNKNOWN_SLA_POLICY")
    ]


def test_the_overview_holds_open_tickets_at_risk_or_breached(org: GraphStore) -> None:
    add(
        org,
        ticket("INC-OK", MON, (MON + 10 * MIN, "in_progress"), priority=2),  # 1 h of 8 h
        ticket("INC-RISK", MON - 5 * H, (MON - 5 * H, "in_progress"), priority=2),  # 6 h of 8 h
        ticket("INC-LATE", MON - 9 * H, (MON - 9 * H, "in_progress"), priority=2),  # 10 h of 8 h
        ticket("INC-DONE", MON - 9 * H, (MON - 2 * H, "resolved"), priority=2),  # late, but done
        ticket("INC-FUTURE", MON + 3 * H, priority=2),  # opened after now
    )
    overview = SlaService(org, clock=lambda: MON + H).overview()
    assert [(c.ticket.id, c.status.resolution.state) for c in overview.tickets] == [
        ("INC-LATE", "breached"),
        ("INC-RISK", "at_risk"),
    ]
    assert overview.now == MON + H


def test_status_of_something_that_is_not_a_ticket_is_not_found(org: GraphStore) -> None:
    service = SlaService(org)
    with pytest.raises(CINotFound):
        service.status("team-it")
    with pytest.raises(CINotFound):
        service.status("INC-NOPE")
    with pytest.raises(CINotFound):
        service.task_status("team-it")
    with pytest.raises(CINotFound):
        service.tasks_of("team-it")


def test_kpis_time_each_ticket_by_its_own_policy(org: GraphStore) -> None:
    # Both resolved 7 h after opening (Mon 10:00 to 17:00 Berlin): P1 (4 h) breached, but the
    # catalog request is under hr-onboarding (21 business hours) and met.
    add(
        org,
        ticket("REQ-CAT", MON, (MON + 7 * H, "resolved"), kind="ServiceRequest", priority=1),
        ticket("REQ-P1", MON, (MON + 7 * H, "resolved"), kind="ServiceRequest", priority=1),
        links=(("REQ-CAT", "hr-onboarding", "ORDERED_FROM"),),
    )
    assert kpis(org.contents(), department="HR").sla_compliance == pytest.approx(1 / 2)


def test_named_policies_skip_the_hesse_holidays() -> None:
    # Opened Thu 2 April 2026 16:00 Berlin under hr-onboarding (response 4 h): Thu 16-17, then
    # Good Friday, the weekend and Easter Monday are off: Tue 7 April 09:00-12:00 (summer time).
    policy = select_policy(DEFAULT_BOOK, "REQ-1", {"priority": 5, "sla_policy": "hr-onboarding"}).policy
    response, _ = due_times(policy, datetime(2026, 4, 2, 16, tzinfo=BERLIN))
    assert response == datetime(2026, 4, 7, 12, tzinfo=BERLIN)


def test_a_ticket_without_policy_or_priority_and_an_inconsistent_book_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        select_policy(DEFAULT_BOOK, "INC-1", {"priority": 9})
    assert [(p.code, p.where, p.field) for p in refused.value.problems] == [
        ("NO_SLA_POLICY", "INC-1", "attributes.priority")
    ]
    p2 = DEFAULT_BOOK.by_priority[2]
    with pytest.raises(InvalidInput) as bad_book:
        PolicyBook(named={"gold": p2}, team_olas={"team-x": p2})
    assert [p.code for p in bad_book.value.problems] == ["INVALID_POLICY_BOOK"] * 2


# ---------------------------------------------------------------- OLAs of fulfilment tasks


def test_ola_of_tasks_for_teams_vendors_and_people(org: GraphStore) -> None:
    tue_12 = MON + 27 * H
    add(
        org,
        ticket("REQ-1", MON, kind="ServiceRequest", priority=3),
        # The squad has no OLA of its own: the service desk's (IT hours 07-19 Berlin, 8 h). Opened
        # Mon 18:00 Berlin: Mon 18-19 + Tue 07-14, due Tue 14:00 Berlin. At Tue 13:00 Berlin
        # 7 h of 8 h have elapsed: at risk.
        task("REQ-1-A", "ready", opened_at=iso(berlin(2, 18))),
        # The cloud vendor: 24x7, 4 h; done in 3 h.
        task("REQ-1-B", "done", opened_at=iso(MON), finished_at=iso(MON + 3 * H)),
        # A vendor without an OLA of its own: the vendor default.
        task("REQ-1-C", "ready", opened_at=iso(MON)),
        # A person is timed as their team (bob is in HR).
        task("REQ-1-D", "ready", opened_at=iso(MON)),
        task("REQ-1-E", "waiting"),
        task("REQ-1-F", "skipped"),
        task("REQ-1-G", "done", opened_at=iso(MON)),
        links=(
            *((f"REQ-1-{k}", "REQ-1", "TASK_OF") for k in "ABCDEFG"),
            ("REQ-1-A", "team-it-service-desk-squad", "ASSIGNED_TO"),
            ("REQ-1-B", "vendor-nimbus-cloud", "ASSIGNED_TO"),
            ("REQ-1-C", "vendor-small", "ASSIGNED_TO"),
            ("REQ-1-D", "bob", "ASSIGNED_TO"),
            ("REQ-1-E", "team-hr", "ASSIGNED_TO"),
        ),
    )
    service = SlaService(org, clock=lambda: tue_12)
    clocks = {c.task.id: c for c in service.tasks_of("REQ-1")}
    assert list(clocks) == [f"REQ-1-{k}" for k in "ABCDEFG"]

    squad = clocks["REQ-1-A"]
    assert (squad.party, squad.party_kind, squad.policy.name) == (
        "team-it-service-desk-squad",
        "Team",
        "ola-team-it-service-desk",
    )
    assert squad.ola is not None
    assert squad.ola.due == berlin(3, 14)
    assert (squad.ola.elapsed, squad.ola.state) == (7 * H, "at_risk")
    assert squad.request_id == "REQ-1"

    cloud = clocks["REQ-1-B"]
    assert (cloud.party_kind, cloud.policy.name, cloud.policy.target_kind) == (
        "Vendor",
        "ola-vendor-nimbus-cloud",
        "ola",
    )
    assert cloud.ola is not None
    assert (cloud.ola.state, cloud.ola.completed_at) == ("met", MON + 3 * H)

    assert clocks["REQ-1-C"].policy.name == "ola-vendor"
    person = clocks["REQ-1-D"]
    assert (person.party, person.party_kind, person.policy.name) == ("bob", "Person", "ola-team-hr")
    assert [(k, clocks[k].status, clocks[k].note) for k in ("REQ-1-E", "REQ-1-F")] == [
        ("REQ-1-E", None, "not started"),
        ("REQ-1-F", None, "skipped: not timed"),
    ]
    assert "finished_at" in clocks["REQ-1-G"].note
    assert service.task_status("REQ-1-A").as_dict()["ola"] == squad.as_dict()["ola"]
    assert clocks["REQ-1-E"].as_dict()["ola"] is None


# ---------------------------------------------------------------- escalation ticks


def test_each_escalation_action_is_applied_to_the_store_once(org: GraphStore) -> None:
    clock = FakeClock(MON, step=timedelta(0))
    tickets = TicketService(org, clock=clock, new_id=lambda _: "INC-1")
    tickets.open(
        NewTicket(
            type=TicketType.INCIDENT,
            title="Payroll is slow",
            impact=Impact.HIGH,
            urgency=Urgency.MEDIUM,  # P2: 24x7, response 1 h, resolution 8 h
            group="team-it-service-desk",
            assignee="alice",
        ),
        actor="bob",
    )
    sla = SlaService(org, clock=clock)

    # 2 h: no response yet (P2: 1 h) -> the priority goes up to P1.
    clock.now = MON + 2 * H
    report = sla.tick(actor="sla-bot")
    assert [(a.rule, a.applied, a.to, a.previous) for a in report.actions] == [
        ("raise-priority-response-breached", True, 1, 2)
    ]
    node = org.get_ci("INC-1")
    assert (node.attributes["priority"], node.criticality) == (1, 1)
    assert tickets.get("INC-1").priority == 1

    # 3.5 h: now a P1 (resolution 4 h, at risk from 3 h) -> the group is notified.
    clock.now = MON + 3.5 * H
    report = sla.tick(actor="sla-bot")
    assert [(a.rule, a.action, a.to) for a in report.actions] == [
        ("notify-group-resolution-at-risk", "notify", "team-it-service-desk")
    ]
    escalations = org.get_ci("INC-1").attributes["escalations"]
    assert isinstance(escalations, list)
    assert escalations[-1] == {
        "at": "2026-03-02T12:30:00+00:00",
        "rule": "notify-group-resolution-at-risk",
        "action": "notify",
        "target": "resolution",
        "state": "at_risk",
        "applied": True,
        "to": "team-it-service-desk",
        "detail": "notified team-it-service-desk",
    }
    assert (
        report.actions[0].reason == "resolution at_risk: 3.5 h of 4.0 h elapsed, due 2026-03-02T13:00+00:00"
    )

    # 5 h: breached -> reassigned to the team the service desk reports to; alice stays.
    clock.now = MON + 5 * H
    report = sla.tick(actor="sla-bot")
    assert [(a.rule, a.to, a.previous) for a in report.actions] == [
        ("reassign-parent-team-resolution-breached", "team-it", "team-it-service-desk")
    ]
    after = tickets.get("INC-1")
    assert (after.group, after.assignee) == ("team-it", "alice")
    assert [c.actor for c in after.comments] == ["sla-bot"] * 3
    assert [c.text for c in after.comments] == [
        "SLA escalation: priority raised from P2 to P1 (response breached, due 2026-03-02T10:00+00:00)",
        "SLA escalation: notified team-it-service-desk (resolution at_risk, due 2026-03-02T13:00+00:00)",
        "SLA escalation: reassigned from team-it-service-desk to team-it (resolution breached,"
        " due 2026-03-02T13:00+00:00)",
    ]
    assert after.state == "assigned"  # the lifecycle is not touched
    assert {e.actor for e in org.history("INC-1", limit=3)} == {"sla-bot"}

    # Ticking again, at the same instant or later, changes nothing.
    seq = org.last_seq()
    again = sla.tick(actor="sla-bot")
    assert (again.actions, again.written) == ([], False)
    assert sla.tick(MON + 30 * H).actions == []
    assert org.last_seq() == seq


def test_ticking_twice_at_the_same_instant_writes_once(org: GraphStore) -> None:
    add(
        org,
        ticket("INC-1", MON - 9 * H, priority=2),
        ticket("INC-2", MON - 9 * H, (MON - 8 * H, "in_progress"), priority=3),
        links=(("INC-1", "team-it-service-desk-squad", "ASSIGNED_TO"),),
    )
    sla = SlaService(org)
    first = sla.tick(MON)
    assert first.written
    assert first.evaluated == 2
    # INC-1: P2 with no response for 9 h -> all three rules. INC-2: P3, 8 office hours of 24.
    assert [(a.ticket_id, a.rule) for a in first.actions] == [
        ("INC-1", "notify-group-resolution-at-risk"),
        ("INC-1", "reassign-parent-team-resolution-breached"),
        ("INC-1", "raise-priority-response-breached"),
    ]
    snapshot = (org.last_seq(), org.get_ci("INC-1"), org.get_ci("INC-2"))
    second = sla.tick(MON)
    assert (second.actions, second.written) == ([], False)
    assert (org.last_seq(), org.get_ci("INC-1"), org.get_ci("INC-2")) == snapshot


def test_dry_run_writes_nothing_and_shows_what_a_tick_would_do(org: GraphStore) -> None:
    add(
        org,
        ticket("INC-1", MON - 9 * H, priority=2),
        links=(("INC-1", "team-it-service-desk", "ASSIGNED_TO"),),
    )
    sla = SlaService(org)
    seq, before = org.last_seq(), org.get_ci("INC-1")
    preview = sla.tick(MON, dry_run=True)
    assert preview.dry_run
    assert not preview.written
    assert len(preview.actions) == 3
    assert (org.last_seq(), org.get_ci("INC-1")) == (seq, before)
    assert [r.target for r in org.iter_relationships() if r.source == "INC-1"] == ["team-it-service-desk"]
    done = sla.tick(MON)
    assert [a.as_dict() for a in done.actions] == [a.as_dict() for a in preview.actions]


def test_actions_that_cannot_be_carried_out_are_recorded_once(org: GraphStore) -> None:
    add(
        org,
        ticket("INC-NOBODY", MON - 9 * H, priority=1),  # no group, already P1
        ticket("INC-TOP", MON - 9 * H, priority=3, sla_policy="P1"),  # group at the top
        links=(("INC-TOP", "team-it", "ASSIGNED_TO"),),
    )
    sla = SlaService(org)
    report = sla.tick(MON)
    outcomes = [(a.ticket_id, a.rule.split("-")[0], a.applied, a.detail) for a in report.actions]
    no_group = "the ticket has no assignment group"
    assert outcomes == [
        ("INC-NOBODY", "notify", False, f"nobody to notify: {no_group}"),
        ("INC-NOBODY", "reassign", False, f"not reassigned: {no_group}"),
        ("INC-NOBODY", "raise", False, "priority not raised: already P1"),
        ("INC-TOP", "notify", True, "notified team-it"),
        ("INC-TOP", "reassign", False, "not reassigned: no team above team-it"),
        ("INC-TOP", "raise", True, "priority raised from P3 to P2"),  # timed by P1, so the rule applies
    ]
    entries = org.get_ci("INC-NOBODY").attributes["escalations"]
    assert isinstance(entries, list)
    assert [e["applied"] for e in entries if isinstance(e, dict)] == [False, False, False]
    assert sla.tick(MON + H).actions == []


def test_a_refused_tick_writes_nothing(org: GraphStore) -> None:
    add(org, ticket("INC-1", MON - 9 * H, priority=2), links=(("INC-1", "team-hr", "ASSIGNED_TO"),))
    seq = org.last_seq()
    rules = [
        EscalationRule(
            name="to-ghost", target="resolution", when="breached", action=Reassign(group="team-ghost")
        ),
        EscalationRule(
            name="to-person", target="resolution", when="breached", action=Reassign(group="alice")
        ),
        EscalationRule(name="tell-ghost", target="resolution", when="at_risk", action=Notify(party="nobody")),
    ]
    with pytest.raises(InvalidInput) as refused:
        SlaService(org, rules=rules).tick(MON)
    assert [(p.code, p.where) for p in refused.value.problems] == [
        ("UNKNOWN_REFERENCE", "to-ghost"),
        ("WRONG_KIND", "to-person"),
        ("UNKNOWN_REFERENCE", "tell-ghost"),
    ]
    assert org.last_seq() == seq
    assert "escalations" not in org.get_ci("INC-1").attributes


def test_rules_are_checked_when_the_service_is_built(org: GraphStore) -> None:
    notify = Notify(party="@group")
    with pytest.raises(InvalidInput) as refused:
        SlaService(
            org,
            rules=[
                EscalationRule(name="a", target="resolution", when="at_risk", action=notify),
                EscalationRule(name="a", target="response", when="at_risk", action=notify),
                EscalationRule(name="b", target="response", when="at_risk", action=Notify(party="@boss")),
                EscalationRule(name="c", target="response", when="at_risk", action=Reassign(group="@group")),
            ],
        )
    assert [p.code for p in refused.value.problems] == [
        "DUPLICATE_RULE",
        "UNKNOWN_PLACEHOLDER",
        "UNKNOWN_PLACEHOLDER",
    ]


def test_a_literal_reassignment_rule_for_one_policy(org: GraphStore) -> None:
    add(
        org,
        # Both opened Thu 26 Feb 05:00 UTC and due Mon 17:00 (Berlin resp. UTC): breached on Tue.
        ticket("REQ-HR", MON - 100 * H, kind="ServiceRequest", sla_policy="hr-onboarding"),
        ticket("INC-P3", MON - 100 * H, priority=3),
        links=(("REQ-HR", "team-hr", "ASSIGNED_TO"), ("INC-P3", "team-hr", "ASSIGNED_TO")),
    )
    rule = EscalationRule(
        name="hr-to-desk",
        target="resolution",
        when="breached",
        action=Reassign(group="team-it-service-desk"),
        policies=frozenset({"hr-onboarding"}),
    )
    report = SlaService(org, rules=[rule]).tick(MON + 30 * H)
    assert [(a.ticket_id, a.to) for a in report.actions] == [("REQ-HR", "team-it-service-desk")]
    assert select_policy(DEFAULT_BOOK, "INC-P3", org.get_ci("INC-P3").attributes).policy.name == "P3"
    groups = sorted((r.source, r.target) for r in org.iter_relationships() if r.type == "ASSIGNED_TO")
    assert groups == [("INC-P3", "team-hr"), ("REQ-HR", "team-it-service-desk")]


def test_a_ticket_moved_after_an_escalation_keeps_it(org: GraphStore) -> None:
    clock = FakeClock(MON - 9 * H, step=timedelta(0))
    tickets = TicketService(org, clock=clock, new_id=lambda _: "INC-1")
    tickets.open(
        NewTicket(
            type=TicketType.INCIDENT,
            title="Slow",
            impact=Impact.HIGH,
            urgency=Urgency.MEDIUM,
            group="team-hr",
        ),
        actor="bob",
    )
    clock.now = MON
    SlaService(org, clock=clock).tick()
    clock.now = MON + MIN
    tickets.move("INC-1", Event.START, actor="bob")
    moved = org.get_ci("INC-1").attributes
    assert isinstance(moved["escalations"], list)
    assert len(moved["escalations"]) == 3
    assert SlaService(org, clock=clock).tick().actions == []
