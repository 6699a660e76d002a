"""SLA / OLA clocks with a fake clock: due times, pauses, met / breached / at risk, escalation ticks.

The policy ``P2`` is Mon-Fri 09:00-17:00 in Europe/Berlin, response 1 h, resolution 4 h, at risk
from 75 %. March 2024: Fri 8, Sat 9, Sun 10, Mon 11, Tue 12, Wed 13 (CET, UTC+1). Expected
instants are hand-computed in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.tickets.calendar import TWENTY_FOUR_SEVEN, BusinessCalendar
from cmdbgraph.tickets.sla import (
    EscalationAction,
    EscalationRule,
    Notify,
    RaisePriority,
    Reassign,
    SlaPolicy,
    StateChange,
    TicketSla,
    Timeline,
    due_times,
    sla_status,
    tick,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)
OFFICE = BusinessCalendar.weekdays("Europe/Berlin", "09:00-17:00")
P2 = SlaPolicy(name="P2", response_target=H, resolution_target=4 * H, calendar=OFFICE)
P2_NO_PAUSE = P2.model_copy(update={"name": "P2-no-pause", "pause_on_pending": False})

FRI, SAT, MON, TUE, WED = (date(2024, 3, d) for d in (8, 9, 11, 12, 13))


def at(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=BERLIN)


# ---------------------------------------------------------------- due_times


def test_due_times_friday_afternoon() -> None:
    # Response: Fri 16:30-17:00 (0.5 h) + Mon 09:00-09:30. Resolution: 0.5 h + Mon 09:00-12:30.
    assert due_times(P2, at(FRI, 16, 30)) == (at(MON, 9, 30), at(MON, 12, 30))


def test_pause_across_the_weekend_pushes_resolution() -> None:
    # Opened Fri 15:00; without pause due Mon 11:00 (Fri 15-17 = 2 h, Mon 9-11 = 2 h).
    # Pending Fri 16:00 -> Mon 10:00 overlaps Fri 16-17 and Mon 9-10 = 2 h of business time:
    # due Mon 13:00 (1 h before the pause, 3 h from Mon 10:00).
    response, resolution = due_times(P2, at(FRI, 15), [(at(FRI, 16), at(MON, 10))])
    assert resolution == at(MON, 13)
    assert response == at(FRI, 16)  # the response clock is never paused


def test_pause_partly_outside_business_hours() -> None:
    # Opened Tue 14:00; without pause due Wed 10:00 (Tue 14-17 = 3 h, Wed 9-10).
    # Pending Tue 16:00 -> Wed 10:30: business overlap Tue 16-17 + Wed 9-10:30 = 2.5 h (the night
    # does not count) -> due Wed 12:30 (2 h before the pause, 2 h from Wed 10:30).
    assert due_times(P2, at(TUE, 14), [(at(TUE, 16), at(WED, 10, 30))])[1] == at(WED, 12, 30)


def test_pause_entirely_outside_business_hours_changes_nothing() -> None:
    assert due_times(P2, at(TUE, 14), [(at(TUE, 18), at(WED, 8))])[1] == at(WED, 10)


def test_pause_after_the_due_time_changes_nothing() -> None:
    # Opened Mon 09:00, due 13:00; a pause 14:00-15:00 comes too late to matter.
    assert due_times(P2, at(MON, 9), [(at(MON, 14), at(MON, 15))])[1] == at(MON, 13)


def test_overlapping_and_unsorted_pauses_are_merged() -> None:
    # 10:30-11:30 and 10:00-11:00 cover 10:00-11:30 = 1.5 h: Mon 09:00 + 4 h + 1.5 h = 14:30.
    pauses = [(at(MON, 10, 30), at(MON, 11, 30)), (at(MON, 10), at(MON, 11))]
    assert due_times(P2, at(MON, 9), pauses)[1] == at(MON, 14, 30)
    # 10:30-11:00 inside 10:00-12:00: 2 h -> 15:00.
    nested = [(at(MON, 10), at(MON, 12)), (at(MON, 10, 30), at(MON, 11))]
    assert due_times(P2, at(MON, 9), nested)[1] == at(MON, 15)


def test_pauses_are_ignored_when_the_policy_does_not_pause() -> None:
    assert due_times(P2_NO_PAUSE, at(FRI, 15), [(at(FRI, 16), at(MON, 10))])[1] == at(MON, 11)


def test_due_times_reject_bad_pauses() -> None:
    with pytest.raises(InvalidInput) as naive:
        due_times(P2, at(MON, 9), [(datetime(2024, 3, 11, 10), at(MON, 11))])
    assert [(p.code, p.field) for p in naive.value.problems] == [("NAIVE_DATETIME", "excluding[0].start")]
    with pytest.raises(InvalidInput) as backwards:
        due_times(P2, at(MON, 9), [(at(MON, 11), at(MON, 10))])
    assert [p.code for p in backwards.value.problems] == ["INVALID_INTERVAL"]


# ---------------------------------------------------------------- response


def test_response_met() -> None:
    # Opened Fri 16:30, due Mon 09:30, answered Mon 09:20 (50 min of business time).
    timeline = Timeline.of(at(FRI, 16, 30), first_response_at=at(MON, 9, 20))
    response = sla_status(P2, timeline, at(MON, 12)).response
    assert (response.state, response.due, response.completed_at) == ("met", at(MON, 9, 30), at(MON, 9, 20))
    assert response.elapsed == 50 * M
    assert response.remaining == 10 * M


def test_response_met_exactly_at_due() -> None:
    timeline = Timeline.of(at(FRI, 16, 30), first_response_at=at(MON, 9, 30))
    assert sla_status(P2, timeline, at(MON, 12)).response.state == "met"


def test_response_breached_when_answered_late() -> None:
    # Answered Mon 09:45: 15 min late, 1 h 15 min of business time.
    timeline = Timeline.of(at(FRI, 16, 30), first_response_at=at(MON, 9, 45))
    response = sla_status(P2, timeline, at(MON, 12)).response
    assert (response.state, response.elapsed) == ("breached", 75 * M)
    assert response.remaining == -15 * M


@pytest.mark.parametrize(
    ("now", "state", "elapsed"),
    [
        (at(FRI, 17), "ok", 30 * M),  # Fri 16:30-17:00
        (at(SAT, 12), "ok", 30 * M),  # the weekend does not count
        (at(MON, 9, 14, 59, 999_999), "ok", 45 * M - US),  # a microsecond before 75 % of 1 h
        (at(MON, 9, 15), "at_risk", 45 * M),  # exactly 75 %
        (at(MON, 9, 30), "at_risk", H),  # exactly due: could still be met
        (at(MON, 9, 30, 0, 1), "breached", H + US),  # past due
        (at(MON, 17, 30), "breached", 8 * H + 30 * M),
    ],
)
def test_open_response_over_time(now: datetime, state: str, elapsed: timedelta) -> None:
    response = sla_status(P2, Timeline.of(at(FRI, 16, 30)), now).response
    assert (response.state, response.elapsed, response.completed_at) == (state, elapsed, None)


def test_a_later_response_is_ignored_before_it_happens() -> None:
    # As of Mon 09:10 the Mon 09:45 answer has not happened yet: open, 40 min, ok.
    timeline = Timeline.of(at(FRI, 16, 30), first_response_at=at(MON, 9, 45))
    response = sla_status(P2, timeline, at(MON, 9, 10)).response
    assert (response.state, response.elapsed, response.is_open) == ("ok", 40 * M, True)


def test_resolving_without_a_response_completes_the_response() -> None:
    # Opened Mon 09:00, resolved 10:30 with no separate first response: response completed at
    # 10:30, after its 10:00 due time.
    timeline = Timeline.of(at(MON, 9), (at(MON, 9, 5), "in_progress"), (at(MON, 10, 30), "resolved"))
    status = sla_status(P2, timeline, at(MON, 11))
    assert (status.response.state, status.response.completed_at) == ("breached", at(MON, 10, 30))
    assert (status.resolution.state, status.resolution.completed_at) == ("met", at(MON, 10, 30))


# ---------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (at(MON, 11, 59, 59, 999_999), "ok"),
        (at(MON, 12), "at_risk"),  # 3 h = 75 % of 4 h
        (at(MON, 13), "at_risk"),  # due
        (at(MON, 13, 0, 0, 1), "breached"),
    ],
)
def test_resolution_at_risk_boundary(now: datetime, state: str) -> None:
    timeline = Timeline.of(at(MON, 9), (at(MON, 9, 10), "assigned"), first_response_at=at(MON, 9, 10))
    resolution = sla_status(P2, timeline, now).resolution
    assert (resolution.state, resolution.due) == (state, at(MON, 13))


WAITING = Timeline.of(
    at(FRI, 15),
    (at(FRI, 15, 10), "assigned"),
    (at(FRI, 15, 20), "in_progress"),
    (at(FRI, 16), "pending"),
    (at(MON, 10), "in_progress"),
    (at(MON, 12, 45), "resolved"),
    (at(TUE, 9), "closed"),
    first_response_at=at(FRI, 15, 20),
)


def test_while_pending_the_clock_stands_still() -> None:
    # Mon 09:30, still pending since Fri 16:00: 1 h elapsed (Fri 15-16); the pause so far runs to
    # now, so the remaining 3 h count from Mon 09:30 -> due Mon 12:30.
    status = sla_status(P2, WAITING, at(MON, 9, 30))
    assert (status.ticket_state, status.paused) == ("pending", True)
    assert (status.resolution.elapsed, status.resolution.due, status.resolution.state) == (
        H,
        at(MON, 12, 30),
        "ok",
    )


def test_after_the_pause_the_clock_runs_again() -> None:
    # Mon 12:00: 1 h + Mon 10-12 = 3 h -> at risk; due Mon 13:00 (as in the due_times test).
    status = sla_status(P2, WAITING, at(MON, 12))
    assert (status.ticket_state, status.paused) == ("in_progress", False)
    assert (status.resolution.elapsed, status.resolution.due, status.resolution.state) == (
        3 * H,
        at(MON, 13),
        "at_risk",
    )


def test_resolved_then_closed_completes_when_resolved() -> None:
    # Resolved Mon 12:45 (3 h 45 min elapsed, due 13:00) -> met; closing on Tue does not move it.
    for now in (at(MON, 12, 45), at(MON, 16), at(WED, 9)):
        status = sla_status(P2, WAITING, now)
        assert (status.resolution.state, status.resolution.completed_at) == ("met", at(MON, 12, 45))
        assert status.resolution.elapsed == 3 * H + 45 * M
    assert sla_status(P2, WAITING, at(WED, 9)).ticket_state == "closed"
    assert sla_status(P2, WAITING, at(WED, 9)).response.state == "met"


def test_without_pausing_the_same_ticket_breaches() -> None:
    # Not paused: due Mon 11:00 (Fri 15-17 + Mon 9-11); resolved 12:45 -> breached, elapsed
    # Fri 15-17 (2 h) + Mon 9-12:45 (3 h 45) = 5 h 45.
    resolution = sla_status(P2_NO_PAUSE, WAITING, at(MON, 16)).resolution
    assert (resolution.state, resolution.due, resolution.elapsed) == ("breached", at(MON, 11), 5 * H + 45 * M)


def test_time_resolved_before_a_reopen_does_not_count() -> None:
    # Opened Mon 09:00, resolved 10:00 (1 h), reopened 14:00. At 16:00: 1 h + 2 h = 3 h -> at
    # risk; the 4 h spent resolved push the due time from 13:00 to 17:00. Resolved again 16:30:
    # 3.5 h -> met.
    timeline = Timeline.of(
        at(MON, 9),
        (at(MON, 9, 30), "in_progress"),
        (at(MON, 10), "resolved"),
        (at(MON, 14), "in_progress"),
        (at(MON, 16, 30), "resolved"),
        first_response_at=at(MON, 9, 30),
    )
    assert sla_status(P2, timeline, at(MON, 11)).resolution.state == "met"  # as of 11:00
    reopened = sla_status(P2, timeline, at(MON, 16)).resolution
    assert (reopened.elapsed, reopened.due, reopened.state) == (3 * H, at(MON, 17), "at_risk")
    final = sla_status(P2, timeline, at(TUE, 9)).resolution
    assert (final.state, final.elapsed, final.completed_at) == ("met", 3 * H + 30 * M, at(MON, 16, 30))


def test_cancelled_stops_both_clocks() -> None:
    timeline = Timeline.of(at(MON, 9), (at(MON, 9, 10), "cancelled"))
    status = sla_status(P2, timeline, at(WED, 9))
    assert status.ticket_state == "cancelled"
    assert (status.response.state, status.response.completed_at) == ("met", at(MON, 9, 10))
    assert (status.resolution.state, status.resolution.elapsed) == ("met", 10 * M)


def test_changes_at_one_instant_last_wins_and_now_at_a_change() -> None:
    timeline = Timeline.of(at(MON, 9), (at(MON, 10), "assigned"), (at(MON, 10), "resolved"))
    status = sla_status(P2, timeline, at(MON, 10))
    assert (status.ticket_state, status.resolution.state, status.resolution.completed_at) == (
        "resolved",
        "met",
        at(MON, 10),
    )
    opened_now = sla_status(P2, timeline, at(MON, 9))
    assert (opened_now.ticket_state, opened_now.resolution.elapsed, opened_now.resolution.state) == (
        "new",
        timedelta(0),
        "ok",
    )


def test_str_enum_states_are_accepted() -> None:
    class State(StrEnum):
        PENDING = "pending"
        IN_PROGRESS = "in_progress"

    timeline = Timeline.of(at(FRI, 15), (at(FRI, 16), State.PENDING), (at(MON, 10), State.IN_PROGRESS))
    assert sla_status(P2, timeline, at(MON, 12)).resolution.due == at(MON, 13)


def test_status_instants_are_utc() -> None:
    status = sla_status(P2, WAITING, at(MON, 12))
    assert status.now.tzinfo is UTC
    assert status.resolution.due.tzinfo is UTC
    assert status.response.completed_at is not None
    assert status.response.completed_at.tzinfo is UTC


# ---------------------------------------------------------------- timeline and input errors


def test_timeline_rejects_unknown_states_and_disorder() -> None:
    with pytest.raises(InvalidInput) as info:
        Timeline.of(
            at(MON, 9), (at(MON, 10), "on_hold"), (at(MON, 9, 30), "assigned"), (at(MON, 8), "resolved")
        )
    assert [(p.code, p.field) for p in info.value.problems] == [
        ("UNKNOWN_TICKET_STATE", "changes[0].state"),
        ("TIMELINE_ORDER", "changes[1].at"),
        ("TIMELINE_ORDER", "changes[2].at"),
    ]


def test_timeline_rejects_a_response_before_opening_and_naive_instants() -> None:
    with pytest.raises(InvalidInput) as early:
        Timeline.of(at(MON, 9), first_response_at=at(MON, 8))
    assert [(p.code, p.field) for p in early.value.problems] == [("TIMELINE_ORDER", "first_response_at")]
    with pytest.raises(InvalidInput) as naive:
        Timeline(at(MON, 9), (StateChange(datetime(2024, 3, 11, 10), "assigned"),))
    assert [(p.code, p.field) for p in naive.value.problems] == [("NAIVE_DATETIME", "changes[0].at")]


def test_now_before_opening_and_naive_now_are_rejected() -> None:
    with pytest.raises(InvalidInput) as early:
        sla_status(P2, Timeline.of(at(MON, 9)), at(MON, 8))
    assert [p.code for p in early.value.problems] == ["NOW_BEFORE_OPENING"]
    with pytest.raises(InvalidInput) as naive:
        sla_status(P2, Timeline.of(at(MON, 9)), datetime(2024, 3, 11, 10))
    assert [(p.code, p.field) for p in naive.value.problems] == [("NAIVE_DATETIME", "now")]


def test_policy_from_data() -> None:
    policy = SlaPolicy.from_data(
        {
            "name": "hr-onboarding",
            "response_target": "PT2H",
            "resolution_target": "P3D",
            "calendar": {"time_zone": "Europe/Berlin", "week": {"mon": ["09:00-17:00"]}},
        }
    )
    assert (policy.response_target, policy.resolution_target, policy.at_risk_threshold) == (
        2 * H,
        72 * H,
        0.75,
    )
    assert (policy.target_kind, policy.pause_on_pending) == ("sla", True)
    assert SlaPolicy.model_validate_json(policy.model_dump_json()) == policy


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"response_target": "PT0S"}, "response_target"),
        ({"resolution_target": "-PT1H"}, "resolution_target"),
        ({"at_risk_threshold": 0}, "at_risk_threshold"),
        ({"at_risk_threshold": 1.5}, "at_risk_threshold"),
        ({"target_kind": "uc"}, "target_kind"),
        ({"calendar": {"time_zone": "Nowhere/Else", "week": {"mon": ["09:00-17:00"]}}}, "calendar.time_zone"),
    ],
)
def test_invalid_policies(update: dict[str, object], field: str) -> None:
    data: dict[str, object] = {"name": "x", "response_target": "PT1H", "resolution_target": "PT4H", **update}
    with pytest.raises(InvalidInput) as info:
        SlaPolicy.from_data(data, where="policies.yaml: policies[3]")
    assert [(p.code, p.field, p.where) for p in info.value.problems] == [
        ("INVALID_SLA_POLICY", field, "policies.yaml: policies[3]")
    ]


# ---------------------------------------------------------------- OLA

VENDOR_OLA = SlaPolicy(
    name="acme-hardware-ola",
    target_kind="ola",
    party="vendor-acme",
    response_target=2 * H,
    resolution_target=8 * H,
    calendar=TWENTY_FOUR_SEVEN,
    pause_on_pending=False,
)


def test_ola_task_for_a_vendor() -> None:
    # A replacement-disk task handed to the vendor Sat 9 Mar 22:00 UTC, 24x7: response due Sun
    # 00:00 (answered Sat 23:30 -> met), resolution due Sun 06:00; at Sun 06:30 it is open and
    # breached with 8.5 h elapsed (weekend and night count on 24x7).
    opened = datetime(2024, 3, 9, 22, tzinfo=UTC)
    task = Timeline.of(
        opened, (opened + 5 * M, "assigned"), first_response_at=datetime(2024, 3, 9, 23, 30, tzinfo=UTC)
    )
    status = sla_status(VENDOR_OLA, task, datetime(2024, 3, 10, 6, 30, tzinfo=UTC))
    assert (status.target_kind, status.party, status.policy) == ("ola", "vendor-acme", "acme-hardware-ola")
    assert (status.response.state, status.response.due) == ("met", datetime(2024, 3, 10, tzinfo=UTC))
    assert (status.resolution.state, status.resolution.due, status.resolution.elapsed) == (
        "breached",
        datetime(2024, 3, 10, 6, tzinfo=UTC),
        8 * H + 30 * M,
    )
    rules = [
        EscalationRule(
            name="chase-vendor",
            target="resolution",
            when="breached",
            action=Notify(party="vendor-acme-account-manager"),
            policies=frozenset({"acme-hardware-ola"}),
        ),
        EscalationRule(
            name="customer-breach",
            target="resolution",
            when="breached",
            action=Reassign(group="major-incident"),
            policies=frozenset({"P2"}),
        ),
    ]
    actions = tick(datetime(2024, 3, 10, 6, 30, tzinfo=UTC), [TicketSla("TASK-7", VENDOR_OLA, task)], rules)
    assert [(a.ticket_id, a.rule, a.action) for a in actions] == [
        ("TASK-7", "chase-vendor", Notify(party="vendor-acme-account-manager"))
    ]
    assert actions[0].reason == (
        "TASK-7: ola 'acme-hardware-ola' resolution breached"
        " (8:30:00 of 8:00:00 elapsed, due 2024-03-10T06:00:00+00:00)"
    )


# ---------------------------------------------------------------- escalation tick

RULES = [
    EscalationRule(name="warn-lead", target="resolution", when="at_risk", action=Notify(party="team-lead")),
    EscalationRule(
        name="to-major", target="resolution", when="breached", action=Reassign(group="major-incident")
    ),
    EscalationRule(name="bump", target="response", when="breached", action=RaisePriority(levels=1)),
]
# INC-2: opened Mon 09:00, answered 09:30; resolution at risk from 12:00, due 13:00.
INC_2 = TicketSla(
    "INC-2", P2, Timeline.of(at(MON, 9), (at(MON, 9, 30), "in_progress"), first_response_at=at(MON, 9, 30))
)
# INC-10: opened Mon 11:00, never answered: response due 12:00; resolution at risk 14:00, due 15:00.
INC_10 = TicketSla("INC-10", P2, Timeline.of(at(MON, 11), (at(MON, 11, 5), "assigned")))


def keys(actions: list[EscalationAction]) -> list[tuple[str, str]]:
    return [a.key for a in actions]


def test_tick_fires_each_rule_once_in_order() -> None:
    fired: set[tuple[str, str]] = set()
    # 12:00: INC-2 3 h of 4 -> at risk; INC-10 response exactly due -> not breached yet.
    first = tick(at(MON, 12), [INC_2, INC_10], RULES, fired)
    assert keys(first) == [("INC-2", "warn-lead")]
    assert first[0].action == Notify(party="team-lead")
    assert fired == set()  # tick never mutates the fired set
    fired.update(keys(first))
    # 12:01: INC-10's response is breached. Ordered by ticket id as strings: "INC-10" < "INC-2".
    second = tick(at(MON, 12, 1), [INC_2, INC_10], RULES, fired)
    assert keys(second) == [("INC-10", "bump")]
    assert second[0].action == RaisePriority(levels=1)
    fired.update(keys(second))
    # Same instant again: nothing new.
    assert tick(at(MON, 12, 1), [INC_2, INC_10], RULES, fired) == []
    # 14:00: INC-2 breached (due 13:00) -> reassign; INC-10 at 3 h of 4 -> warn. warn-lead does
    # not fire again for INC-2.
    third = tick(at(MON, 14), [INC_10, INC_2], RULES, fired)
    assert keys(third) == [("INC-10", "warn-lead"), ("INC-2", "to-major")]
    fired.update(keys(third))
    # Tue 09:00: INC-10 breached (due Mon 15:00); everything else has fired.
    assert keys(tick(at(TUE, 9), [INC_2, INC_10], RULES, fired)) == [("INC-10", "to-major")]


def test_at_risk_rule_fires_when_a_tick_finds_the_ticket_already_breached() -> None:
    # No tick ran between 12:00 and 14:00: INC-2 went straight from ok to breached; both rules fire,
    # in rule order.
    assert keys(tick(at(MON, 14), [INC_2], RULES)) == [("INC-2", "warn-lead"), ("INC-2", "to-major")]


def test_completed_targets_do_not_escalate() -> None:
    # Resolved late at 13:10: breached, but there is nothing left to escalate.
    late = TicketSla(
        "INC-2",
        P2,
        Timeline.of(at(MON, 9), (at(MON, 13, 10), "resolved"), first_response_at=at(MON, 9, 30)),
    )
    assert sla_status(P2, late.timeline, at(MON, 14)).resolution.state == "breached"
    assert tick(at(MON, 14), [late], RULES) == []


def test_tickets_opened_after_now_are_skipped() -> None:
    assert tick(at(MON, 10), [INC_10], RULES) == []


def test_tick_rejects_duplicate_rules_and_tickets() -> None:
    with pytest.raises(InvalidInput) as info:
        tick(at(MON, 14), [INC_2, INC_2], [*RULES, RULES[0]])
    assert [p.code for p in info.value.problems] == ["DUPLICATE_RULE", "DUPLICATE_TICKET"]


def test_rule_from_data() -> None:
    rule = EscalationRule.from_data(
        {
            "name": "bump2",
            "target": "response",
            "when": "at_risk",
            "action": {"kind": "raise_priority", "levels": 2},
        }
    )
    assert rule.action == RaisePriority(levels=2)
    with pytest.raises(InvalidInput) as info:
        EscalationRule.from_data(
            {"name": "x", "target": "response", "when": "late", "action": {"kind": "page"}}
        )
    assert {p.code for p in info.value.problems} == {"INVALID_ESCALATION_RULE"}
    assert {p.field for p in info.value.problems} == {"when", "action"}


# ---------------------------------------------------------------- properties

STATES = st.sampled_from(["assigned", "in_progress", "pending"])


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 1), timezones=st.just(UTC)),
    st.lists(
        st.tuples(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)), STATES), max_size=8
    ),
    st.sampled_from([P2, P2_NO_PAUSE, VENDOR_OLA]),
)
def test_resolution_is_due_exactly_when_its_elapsed_time_reaches_the_target(
    opened: datetime, steps: list[tuple[timedelta, str]], policy: SlaPolicy
) -> None:
    changes: list[tuple[datetime, str]] = []
    t = opened
    for gap, state in steps:
        t += gap
        changes.append((t, state))
    changes.append((t + US, "in_progress"))  # open and running at the end
    timeline = Timeline.of(opened, *changes)
    far = t + timedelta(days=60)
    due = sla_status(policy, timeline, far).resolution.due
    at_due = sla_status(policy, timeline, due).resolution
    assert at_due.due == due
    assert at_due.elapsed == policy.resolution_target
    assert at_due.state == "at_risk"
    assert sla_status(policy, timeline, due + US).resolution.state == "breached"
