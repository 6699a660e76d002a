"""Tickets on both stores: open, read back, move through the lifecycle, assign, comment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput
from cmdbgraph.schema.priority import Impact, Priority, Urgency
from cmdbgraph.tickets.lifecycle import Event, TicketState, TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.service import TicketService
from tests.clocks import FakeClock
from tests.factories import ci, depends_on, rel

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ids() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"T-{n}"


@pytest.fixture
def service(store: GraphStore) -> TicketService:
    store.apply(
        Batch(
            upsert_cis=[
                ci("payroll", "BusinessService"),
                ci("db", "Database"),
                ci("alice", "Person"),
                ci("bob", "Person"),
                ci("team-dba", "Team"),
                ci("team-hr", "Team"),
                ci("floor-3", "Location"),
            ],
            upsert_relationships=[depends_on("payroll", "db"), rel("alice", "team-dba", "MEMBER_OF")],
        ),
        actor="setup",
    )
    counter = ids()
    return TicketService(store, clock=FakeClock(START), new_id=lambda _: next(counter))


def incident(**fields: object) -> NewTicket:
    values: dict[str, object] = {
        "type": TicketType.INCIDENT,
        "title": "Payroll is slow",
        "impact": Impact.HIGH,
        "urgency": Urgency.MEDIUM,
        "requester": "bob",
        "affected": ("payroll", "db"),
        "location": "floor-3",
    }
    values.update(fields)
    return NewTicket.model_validate(values)


def test_an_opened_ticket_reads_back_whole(service: TicketService) -> None:
    opened = service.open(incident(category="performance"), actor="bob")

    assert opened.id == "T-1"
    assert opened.priority is Priority.P2  # high impact x medium urgency
    assert opened.state is TicketState.NEW
    assert opened.affected == ("db", "payroll")
    assert service.get("T-1") == opened
    node = service.store.get_ci("T-1")
    assert node.kind == "Incident"
    assert node.name == "Payroll is slow"
    history = service.store.history("T-1")
    assert {e.actor for e in history} == {"bob"}
    assert {e.key for e in history} >= {"T-1", ("T-1", "AFFECTS", "db"), ("T-1", "REQUESTED_BY", "bob")}


def test_a_ticket_with_a_group_starts_assigned(service: TicketService) -> None:
    opened = service.open(incident(group="team-dba"), actor="bob")
    assert opened.state is TicketState.ASSIGNED
    assert service.get(opened.id).group == "team-dba"


def test_bad_references_are_refused_with_fields_and_nothing_is_written(service: TicketService) -> None:
    before = service.store.last_seq()
    with pytest.raises(InvalidInput) as caught:
        service.open(incident(affected=("db", "ghost"), requester="team-hr", group="alice"), actor="bob")
    problems = {(p.code, p.field) for p in caught.value.problems}
    assert problems == {
        ("UNKNOWN_REFERENCE", "affected[1]"),
        ("WRONG_KIND", "requester"),
        ("WRONG_KIND", "group"),
    }
    assert service.store.last_seq() == before


def test_the_lifecycle_is_recorded_and_illegal_moves_are_refused(service: TicketService) -> None:
    t = service.open(incident(), actor="bob")
    service.move(t.id, Event.ASSIGN, actor="dispatcher", group="team-dba", assignee="alice")
    service.move(t.id, Event.START, actor="alice")
    service.move(t.id, Event.PEND, actor="alice")
    service.move(t.id, Event.RESUME, actor="bob")
    done = service.move(t.id, Event.RESOLVE, actor="alice")

    assert done.state is TicketState.RESOLVED
    assert [(c.state, c.actor) for c in done.timeline] == [
        (TicketState.NEW, "bob"),
        (TicketState.ASSIGNED, "dispatcher"),
        (TicketState.IN_PROGRESS, "alice"),
        (TicketState.PENDING, "alice"),
        (TicketState.IN_PROGRESS, "bob"),
        (TicketState.RESOLVED, "alice"),
    ]
    assert [c.at for c in done.timeline] == sorted(c.at for c in done.timeline)
    assert service.get(t.id) == done

    seq = service.store.last_seq()
    with pytest.raises(InvalidInput) as caught:
        service.move(t.id, Event.START, actor="alice")
    assert caught.value.problems[0].code == "ILLEGAL_TRANSITION"
    assert service.store.last_seq() == seq
    assert service.move(t.id, Event.CLOSE, actor="bob").state is TicketState.CLOSED


def test_reassigning_moves_the_links(service: TicketService) -> None:
    t = service.open(incident(group="team-dba", assignee="alice"), actor="bob")
    service.move(t.id, Event.ASSIGN, actor="dispatcher", group="team-hr")

    again = service.get(t.id)
    assert (again.group, again.assignee) == ("team-hr", None)
    assigned = {r.target for r in service.store.iter_relationships() if r.type == "ASSIGNED_TO"}
    assert assigned == {"team-hr"}
    with pytest.raises(InvalidInput) as caught:
        service.move(t.id, Event.ASSIGN, actor="dispatcher")
    assert caught.value.problems[0].code == "ASSIGNEE_REQUIRED"


def test_comments_accumulate(service: TicketService) -> None:
    t = service.open(incident(), actor="bob")
    service.comment(t.id, "still slow", actor="bob")
    after = service.comment(t.id, "looking <b>now</b>", actor="alice")
    assert [(c.actor, c.text) for c in after.comments] == [
        ("bob", "still slow"),
        ("alice", "looking <b>now</b>"),
    ]
    assert service.get(t.id).comments == after.comments


def test_only_tickets_are_tickets(service: TicketService) -> None:
    with pytest.raises(CINotFound):
        service.get("db")
    with pytest.raises(CINotFound):
        service.get("nothing")


def test_attributes_the_model_does_not_hold_survive_a_move(store: GraphStore) -> None:
    store.apply(Batch(upsert_cis=[ci("svc", "Service")]), actor="t")
    service = TicketService(store, clock=FakeClock(START))
    opened = service.open(
        NewTicket(
            type=TicketType.SERVICE_REQUEST,
            title="New badge",
            affected=("svc",),
            extra={"department": "facilities", "channel": "portal", "form": {"floor": 3}},
        ),
        actor="t",
    )
    moved = service.move(opened.id, Event.CANCEL, actor="t")
    stored = store.find_ci(opened.id)
    assert stored is not None
    assert (stored.attributes["department"], stored.attributes["channel"]) == ("facilities", "portal")
    assert stored.attributes["form"] == {"floor": 3}
    assert moved.extra == opened.extra


def test_extra_attributes_cannot_shadow_ticket_fields() -> None:
    with pytest.raises(ValueError, match="ticket fields"):
        NewTicket(type=TicketType.INCIDENT, title="x", extra={"state": "closed"})


def problem(**fields: object) -> NewTicket:
    return incident(type=TicketType.PROBLEM, title="Payroll database saturates", **fields)


def test_a_problem_links_its_incidents_once(service: TicketService) -> None:
    prb = service.open(problem(), actor="bob")
    first = service.open(incident(), actor="bob")
    second = service.open(incident(title="Payroll times out"), actor="bob")

    assert service.link_problem(prb.id, [first.id, first.id], actor="dispatcher") == (first.id,)
    assert service.link_problem(prb.id, [second.id, first.id], actor="dispatcher") == (first.id, second.id)
    seq = service.store.last_seq()
    assert service.link_problem(prb.id, [first.id], actor="dispatcher") == (first.id, second.id)

    assert service.store.last_seq() == seq  # linking again writes nothing
    assert service.incidents_of(prb.id) == (first.id, second.id)
    assert service.causes_of(first.id) == (prb.id,)
    caused = sorted(r.key for r in service.store.iter_relationships() if r.type == "CAUSED_BY")
    assert caused == [(first.id, "CAUSED_BY", prb.id), (second.id, "CAUSED_BY", prb.id)]
    linked_by = {
        e.actor for e in service.store.history(prb.id) if isinstance(e.key, tuple) and e.key[1] == "CAUSED_BY"
    }
    assert linked_by == {"dispatcher"}


def test_linking_the_wrong_kinds_is_refused_and_nothing_is_written(service: TicketService) -> None:
    prb = service.open(problem(), actor="bob")
    inc = service.open(incident(), actor="bob")
    request = service.open(incident(type=TicketType.SERVICE_REQUEST, title="New badge"), actor="bob")
    seq = service.store.last_seq()

    with pytest.raises(InvalidInput) as caught:
        service.link_problem(inc.id, [inc.id, "ghost", request.id, "db"], actor="dispatcher")
    assert [(p.code, p.field) for p in caught.value.problems] == [
        ("WRONG_KIND", "problem"),
        ("UNKNOWN_REFERENCE", "incidents[1]"),
        ("WRONG_KIND", "incidents[2]"),
        ("WRONG_KIND", "incidents[3]"),
    ]
    with pytest.raises(InvalidInput) as caught:
        service.link_problem(prb.id, [], actor="dispatcher")
    assert [p.code for p in caught.value.problems] == ["INCIDENTS_REQUIRED"]
    with pytest.raises(CINotFound):
        service.link_problem("PRB-404", [inc.id], actor="dispatcher")
    assert service.store.last_seq() == seq
    with pytest.raises(InvalidInput) as caught:
        service.incidents_of(inc.id)
    assert [(p.code, p.field) for p in caught.value.problems] == [("WRONG_KIND", "problem")]
    with pytest.raises(CINotFound):
        service.causes_of("db")


def test_caused_by_links_survive_moves_and_comments(service: TicketService) -> None:
    prb = service.open(problem(), actor="bob")
    inc = service.open(incident(), actor="bob")
    service.link_problem(prb.id, [inc.id], actor="dispatcher")

    service.move(inc.id, Event.ASSIGN, actor="dispatcher", group="team-dba", assignee="alice")
    service.move(inc.id, Event.ASSIGN, actor="dispatcher", group="team-hr")
    service.comment(inc.id, "same root cause", actor="alice")
    service.move(prb.id, Event.ASSIGN, actor="dispatcher", group="team-dba")
    service.move(prb.id, Event.START, actor="alice")

    assert service.incidents_of(prb.id) == (inc.id,)
    assert service.causes_of(inc.id) == (prb.id,)
    assert service.get(inc.id).group == "team-hr"
