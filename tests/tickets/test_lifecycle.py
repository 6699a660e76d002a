"""The ticket state machine, edge by edge.

The expected tables are written out here by hand (as plain strings) rather than derived from
``cmdbgraph.tickets.lifecycle``, so these tests can disagree with the module's table.
"""

from __future__ import annotations

import itertools

import pytest

from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.tickets.lifecycle import (
    Event,
    TicketState,
    TicketType,
    allowed_events,
    is_final,
    sla_clock_paused,
    states_of,
    transition,
    transitions,
)

TYPES = ("incident", "service_request", "problem")
STATES = ("new", "assigned", "in_progress", "pending", "resolved", "closed", "cancelled")
EVENTS = ("assign", "start", "pend", "resume", "resolve", "close", "reopen", "cancel")

# (state, event, next state) for incidents and service requests
COMMON_EDGES = (
    ("new", "assign", "assigned"),
    ("new", "cancel", "cancelled"),
    ("assigned", "assign", "assigned"),
    ("assigned", "start", "in_progress"),
    ("assigned", "cancel", "cancelled"),
    ("in_progress", "pend", "pending"),
    ("pending", "resume", "in_progress"),
    ("in_progress", "resolve", "resolved"),
    ("assigned", "resolve", "resolved"),
    ("pending", "resolve", "resolved"),
    ("in_progress", "assign", "assigned"),
    ("resolved", "close", "closed"),
    ("resolved", "reopen", "in_progress"),
)
# a problem never waits on a requester: no pend, and pending is not one of its states
PROBLEM_EDGES = tuple(
    edge
    for edge in COMMON_EDGES
    if edge[:2] not in {("in_progress", "pend"), ("pending", "resume"), ("pending", "resolve")}
)
ALLOWED: dict[str, tuple[tuple[str, str, str], ...]] = {
    "incident": COMMON_EDGES,
    "service_request": COMMON_EDGES,
    "problem": PROBLEM_EDGES,
}

ALLOWED_CASES = [
    pytest.param(t, s, e, n, id=f"{t}-{s}-{e}") for t, edges in ALLOWED.items() for s, e, n in edges
]
REFUSED_CASES = [
    pytest.param(t, s, e, id=f"{t}-{s}-{e}")
    for t in TYPES
    for s, e in itertools.product(STATES, EVENTS)
    if (s, e) not in {(a, b) for a, b, _ in ALLOWED[t]}
]


def expected_allowed(ticket_type: str, state: str) -> list[str]:
    return sorted(e for s, e, _ in ALLOWED[ticket_type] if s == state)


def test_the_vocabulary_is_exactly_the_documented_one() -> None:
    assert [t.value for t in TicketType] == list(TYPES)
    assert [s.value for s in TicketState] == list(STATES)
    assert [e.value for e in Event] == list(EVENTS)


def test_the_case_lists_have_the_expected_sizes() -> None:
    assert len(COMMON_EDGES) == 13
    assert len(PROBLEM_EDGES) == 10
    assert len(ALLOWED_CASES) == 13 + 13 + 10
    assert len(REFUSED_CASES) == 3 * 7 * 8 - len(ALLOWED_CASES)


@pytest.mark.parametrize(("ticket_type", "state", "event", "target"), ALLOWED_CASES)
def test_allowed_edge(ticket_type: str, state: str, event: str, target: str) -> None:
    got = transition(TicketType(ticket_type), TicketState(state), Event(event))
    assert got is TicketState(target)


@pytest.mark.parametrize(("ticket_type", "state", "event"), REFUSED_CASES)
def test_refused_edge(ticket_type: str, state: str, event: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        transition(TicketType(ticket_type), TicketState(state), Event(event))
    (problem,) = refused.value.problems
    assert problem.code == "ILLEGAL_TRANSITION"
    assert problem.field == "state"
    assert problem.where == ""
    allowed = ", ".join(expected_allowed(ticket_type, state)) or "none"
    assert problem.message.startswith(
        f"{ticket_type} in state '{state}' cannot take event '{event}'; "
        f"allowed events from '{state}': {allowed}"
    )


@pytest.mark.parametrize(
    ("ticket_type", "state"), [pytest.param(t, s, id=f"{t}-{s}") for t in TYPES for s in STATES]
)
def test_allowed_events_are_the_outgoing_edges_sorted(ticket_type: str, state: str) -> None:
    got = allowed_events(TicketType(ticket_type), TicketState(state))
    assert [e.value for e in got] == expected_allowed(ticket_type, state)
    assert all(isinstance(e, Event) for e in got)


@pytest.mark.parametrize("ticket_type", TYPES)
def test_effective_table_matches_the_hand_written_one(ticket_type: str) -> None:
    got = {(s.value, e.value, n.value) for (s, e), n in transitions(TicketType(ticket_type)).items()}
    assert got == set(ALLOWED[ticket_type])


def test_allowed_events_written_out() -> None:
    assert allowed_events(TicketType.INCIDENT, TicketState.NEW) == [Event.ASSIGN, Event.CANCEL]
    assert allowed_events(TicketType.INCIDENT, TicketState.ASSIGNED) == [
        Event.ASSIGN,
        Event.CANCEL,
        Event.RESOLVE,
        Event.START,
    ]
    assert allowed_events(TicketType.SERVICE_REQUEST, TicketState.IN_PROGRESS) == [
        Event.ASSIGN,
        Event.PEND,
        Event.RESOLVE,
    ]
    assert allowed_events(TicketType.PROBLEM, TicketState.IN_PROGRESS) == [Event.ASSIGN, Event.RESOLVE]
    assert allowed_events(TicketType.INCIDENT, TicketState.RESOLVED) == [Event.CLOSE, Event.REOPEN]
    assert allowed_events(TicketType.PROBLEM, TicketState.PENDING) == []
    assert allowed_events(TicketType.INCIDENT, TicketState.CLOSED) == []
    assert allowed_events(TicketType.SERVICE_REQUEST, TicketState.CANCELLED) == []


def test_refusal_message_in_full() -> None:
    with pytest.raises(InvalidInput) as refused:
        transition(TicketType.SERVICE_REQUEST, TicketState.ASSIGNED, Event.CLOSE, where="REQ-0042")
    (problem,) = refused.value.problems
    assert problem.where == "REQ-0042"
    assert problem.message == (
        "service_request in state 'assigned' cannot take event 'close'; "
        "allowed events from 'assigned': assign, cancel, resolve, start"
    )
    assert str(problem) == f"REQ-0042, field 'state': {problem.message} [ILLEGAL_TRANSITION]"
    assert refused.value.exit_code == 2


def test_refusal_from_a_final_state_says_it_is_final() -> None:
    with pytest.raises(InvalidInput) as refused:
        transition(TicketType.INCIDENT, TicketState.CLOSED, Event.REOPEN)
    assert refused.value.problems[0].message == (
        "incident in state 'closed' cannot take event 'reopen'; "
        "allowed events from 'closed': none ('closed' is final)"
    )


def test_a_problem_cannot_pend() -> None:
    with pytest.raises(InvalidInput) as refused:
        transition(TicketType.PROBLEM, TicketState.IN_PROGRESS, Event.PEND)
    assert refused.value.problems[0].message == (
        "problem in state 'in_progress' cannot take event 'pend'; "
        "allowed events from 'in_progress': assign, resolve"
    )


def test_a_problem_is_never_pending() -> None:
    with pytest.raises(InvalidInput) as refused:
        transition(TicketType.PROBLEM, TicketState.PENDING, Event.RESUME)
    assert refused.value.problems[0].message == (
        "problem in state 'pending' cannot take event 'resume'; "
        "allowed events from 'pending': none (a problem is never 'pending')"
    )


def test_states_of_each_type() -> None:
    everything = {TicketState(s) for s in STATES}
    assert states_of(TicketType.INCIDENT) == everything
    assert states_of(TicketType.SERVICE_REQUEST) == everything
    assert states_of(TicketType.PROBLEM) == everything - {TicketState.PENDING}


@pytest.mark.parametrize(
    ("state", "final"),
    [
        ("new", False),
        ("assigned", False),
        ("in_progress", False),
        ("pending", False),
        ("resolved", False),
        ("closed", True),
        ("cancelled", True),
    ],
)
def test_is_final(state: str, final: bool) -> None:
    assert is_final(TicketState(state)) is final


@pytest.mark.parametrize(
    ("state", "paused"),
    [
        ("new", False),
        ("assigned", False),
        ("in_progress", False),
        ("pending", True),
        ("resolved", True),
        ("closed", True),
        ("cancelled", True),
    ],
)
def test_sla_clock_paused(state: str, paused: bool) -> None:
    assert sla_clock_paused(TicketState(state)) is paused


def test_an_incident_through_its_whole_life() -> None:
    events = ["assign", "start", "assign", "start", "pend", "resume", "resolve", "reopen", "resolve", "close"]
    state = TicketState.NEW
    seen = [state.value]
    for event in events:
        state = transition(TicketType.INCIDENT, state, Event(event))
        seen.append(state.value)
    assert seen == [
        "new",
        "assigned",
        "in_progress",
        "assigned",
        "in_progress",
        "pending",
        "in_progress",
        "resolved",
        "in_progress",
        "resolved",
        "closed",
    ]
    assert is_final(state)


def test_tables_are_read_only() -> None:
    table = transitions(TicketType.INCIDENT)
    with pytest.raises(TypeError):
        table[(TicketState.CLOSED, Event.REOPEN)] = TicketState.IN_PROGRESS  # type: ignore[index]
