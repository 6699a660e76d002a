"""Catalog requests on both stores: submitting creates the request and its tasks in one batch,
approvals run in order, tasks run in parallel after them, conditions skip tasks, a rejection
cancels everything, finishing every task resolves the request, and refusals write nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput
from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from cmdbgraph.tickets.catalog_plan import FulfilmentPlan, TaskTemplate
from cmdbgraph.tickets.catalog_rules import Condition
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.lifecycle import Event, TicketState, TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.requests import CatalogRequest, RequestService, TaskState, TaskType
from cmdbgraph.tickets.service import TicketService
from tests.clocks import FakeClock
from tests.factories import ci, rel

START = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
TEAMS = ("team-hr", "team-it", "team-it-service-desk", "team-fin", "team-legal", "team-fac")


def request_ids() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"REQ-{n}"


@pytest.fixture
def service(store: GraphStore) -> RequestService:
    """The demo catalog on a small organisation: ``boss`` manages ``alice``; ``carol`` reports
    to no one."""
    store.apply(
        Batch(
            upsert_cis=[
                *(ci(t, "Team") for t in TEAMS),
                ci("boss", "Person"),
                ci("alice", "Person"),
                ci("carol", "Person"),
                ci("floor-3", "Location"),
                ci("app-crm", "Application"),
            ],
            upsert_relationships=[rel("alice", "boss", "REPORTS_TO"), rel("alice", "team-it", "MEMBER_OF")],
        ),
        actor="setup",
    )
    CatalogStore(store).publish(DEMO_CATALOG.values(), actor="setup")
    counter = request_ids()
    return RequestService(store, clock=FakeClock(START), new_id=lambda _: next(counter))


HIRE: dict[str, JsonValue] = {
    "new_hire_name": "Ada Lovelace",
    "position": "Analyst",
    "manager": "boss",
    "start_date": "2030-04-01",
    "location": "floor-3",
    "permissions": ["email", "code-repository"],
    "laptop": "developer",
}


def states(request: CatalogRequest) -> dict[str, str]:
    return {t.key: t.state.value for t in request.tasks}


def ready(request: CatalogRequest) -> list[str]:
    return [t.key for t in request.tasks if t.state is TaskState.READY]


def refused_problems(excinfo: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in excinfo.value.problems]


# ----------------------------------------------------------------------------------- submitting
def test_submit_writes_the_request_and_its_tasks_in_one_batch(
    service: RequestService, store: GraphStore
) -> None:
    seq = store.last_seq()
    submitted = service.submit("hr-onboarding", HIRE, "alice", actor="alice")

    assert store.last_seq() > seq
    assert {e.seq for e in store.changes_since(seq)} == set(range(seq + 1, store.last_seq() + 1))
    assert len({e.at for e in store.changes_since(seq)}) == 1  # one batch: one timestamp
    ticket = submitted.ticket
    assert (ticket.id, ticket.type, ticket.state) == (
        "REQ-1",
        TicketType.SERVICE_REQUEST,
        TicketState.ASSIGNED,
    )
    assert (ticket.requester, ticket.group, ticket.title) == ("alice", "team-hr", "Onboard a new employee")
    assert ticket.extra == {
        "catalog_item": "hr-onboarding",
        "form": HIRE,
        "department": "hr",
        "sla_policy": "hr-onboarding",
        "channel": "portal",
    }
    assert "Position: Analyst" in ticket.details
    ordered = store.neighbours("REQ-1", Direction.OUT, ["ORDERED_FROM"])
    assert [n.ci.id for n in ordered] == ["hr-onboarding"]
    task_ids = {n.ci.id for n in store.neighbours("REQ-1", Direction.IN, ["TASK_OF"])}
    assert task_ids == {f"REQ-1-{t.key}" for t in submitted.tasks}
    assert service.get("REQ-1") == submitted
    assert service.tasks("REQ-1") == list(submitted.tasks)
    node = store.get_ci("REQ-1-manager_approval")
    assert (node.kind, node.attributes["task_type"], node.attributes["state"]) == (
        "FulfilmentTask",
        "approval",
        "ready",
    )


def test_onboarding_approvals_run_in_order_then_tasks_in_parallel(service: RequestService) -> None:
    request = service.submit("hr-onboarding", HIRE, "alice", actor="alice")
    assert [(t.key, t.task_type.value, t.stage) for t in request.tasks] == [
        ("manager_approval", "approval", 0),
        ("hr_approval", "approval", 1),
        ("security_approval", "approval", 2),
        ("account_creation", "task", 3),
        ("permissions", "task", 3),
        ("laptop", "task", 3),
        ("training", "task", 3),
        ("first_day_check", "task", 4),
    ]
    manager, hr, security = (
        request.task(k) for k in ("manager_approval", "hr_approval", "security_approval")
    )
    assert (manager.assignee, manager.group) == ("boss", None)  # the hiring manager named in the form
    assert (hr.group, security.group) == ("team-hr", "team-it")
    assert request.task("laptop").group == "team-it-service-desk"
    assert ready(request) == ["manager_approval"]

    with pytest.raises(InvalidInput) as early:
        service.approve("REQ-1-hr_approval", actor="hr-lead")
    (p,) = early.value.problems
    assert (p.code, p.field, p.where) == ("ILLEGAL_TASK_MOVE", "state", "REQ-1-hr_approval")
    assert "it is waiting for manager_approval" in p.message

    request = service.approve("REQ-1-manager_approval", actor="boss", note="welcome aboard")
    assert ready(request) == ["hr_approval"]
    done = request.task("manager_approval")
    assert (done.state, done.actor, done.note, done.finished_at) == (
        TaskState.APPROVED,
        "boss",
        "welcome aboard",
        START + timedelta(minutes=2),
    )
    assert request.task("hr_approval").opened_at == START + timedelta(minutes=2)
    assert request.ticket.state is TicketState.ASSIGNED

    request = service.approve("REQ-1-hr_approval", actor="hr-lead")
    assert ready(request) == ["security_approval"]
    request = service.approve("REQ-1-security_approval", actor="security-lead")
    assert ready(request) == ["account_creation", "permissions", "laptop", "training"]
    assert request.ticket.state is TicketState.IN_PROGRESS
    assert service.get("REQ-1") == request


def test_finishing_every_task_resolves_the_request(service: RequestService) -> None:
    service.submit("hr-onboarding", {**HIRE, "permissions": ["email"]}, "alice", actor="alice")
    service.approve("REQ-1-manager_approval", actor="boss")
    request = service.approve("REQ-1-hr_approval", actor="hr-lead")
    assert states(request)["security_approval"] == "skipped"
    for key in ("laptop", "training", "account_creation"):
        request = service.complete(f"REQ-1-{key}", actor="desk")
    assert ready(request) == ["permissions"]
    request = service.complete("REQ-1-permissions", actor="desk")
    assert ready(request) == ["first_day_check"]
    assert request.ticket.state is TicketState.IN_PROGRESS

    request = service.complete("REQ-1-first_day_check", actor="hr-lead")

    assert request.ticket.state is TicketState.RESOLVED
    assert [(c.state, c.actor) for c in request.ticket.timeline] == [
        (TicketState.ASSIGNED, "alice"),
        (TicketState.IN_PROGRESS, "hr-lead"),
        (TicketState.RESOLVED, "hr-lead"),
    ]
    assert set(states(request).values()) == {"approved", "done", "skipped"}
    assert TicketService(service.store).get("REQ-1").state is TicketState.RESOLVED
    with pytest.raises(InvalidInput) as late:
        service.complete("REQ-1-first_day_check", actor="hr-lead")
    assert refused_problems(late) == [("request", "ILLEGAL_TASK_MOVE")]


def test_a_condition_skips_the_laptop_task(service: RequestService) -> None:
    request = service.submit(
        "hr-onboarding", {**HIRE, "laptop": "none", "permissions": ["vpn"]}, "alice", actor="alice"
    )
    skipped = request.task("laptop")
    assert (skipped.state, skipped.stage, skipped.group, skipped.after) == (TaskState.SKIPPED, None, None, ())
    assert request.task("security_approval").state is TaskState.SKIPPED
    assert request.task("first_day_check").after == ("account_creation", "permissions", "training")
    assert request.task("account_creation").after == ("hr_approval",)  # the last approval that applies
    assert [t.key for t in request.tasks][-2:] == ["security_approval", "laptop"]  # skipped ones last


def test_a_rejection_cancels_the_remaining_tasks_and_the_request(
    service: RequestService, store: GraphStore
) -> None:
    service.submit("hr-onboarding", {**HIRE, "laptop": "none"}, "alice", actor="alice")
    service.approve("REQ-1-manager_approval", actor="boss")

    request = service.reject("REQ-1-hr_approval", actor="hr-lead", note="position not budgeted")

    assert states(request) == {
        "manager_approval": "approved",
        "hr_approval": "rejected",
        "security_approval": "cancelled",
        "account_creation": "cancelled",
        "permissions": "cancelled",
        "training": "cancelled",
        "first_day_check": "cancelled",
        "laptop": "skipped",
    }
    assert request.task("hr_approval").note == "position not budgeted"
    assert request.ticket.state is TicketState.CANCELLED
    assert [c.text for c in request.ticket.comments] == [
        "HR confirms the position and start date: rejected: position not budgeted"
    ]
    assert service.get("REQ-1") == request
    seq = store.last_seq()
    with pytest.raises(InvalidInput) as after_all:
        service.approve("REQ-1-security_approval", actor="security-lead")
    assert refused_problems(after_all) == [("request", "ILLEGAL_TASK_MOVE")]
    assert store.last_seq() == seq


@pytest.mark.parametrize(
    ("move", "task", "expected", "hint"),
    [
        (
            "complete",
            "manager_approval",
            ("task_type", "ILLEGAL_TASK_MOVE"),
            "it is an approval (approve or reject it)",
        ),
        ("approve", "training", ("task_type", "ILLEGAL_TASK_MOVE"), "it is a task (complete it)"),
        ("complete", "training", ("state", "ILLEGAL_TASK_MOVE"), "it is waiting for security_approval"),
        ("reject", "manager_approval", ("note", "NOTE_REQUIRED"), "say why"),
    ],
)
def test_illegal_moves_are_refused_and_write_nothing(
    service: RequestService, store: GraphStore, move: str, task: str, expected: tuple[str, str], hint: str
) -> None:
    service.submit("hr-onboarding", HIRE, "alice", actor="alice")
    seq = store.last_seq()
    task_id = f"REQ-1-{task}"
    moves: dict[str, Callable[[str], CatalogRequest]] = {
        "complete": lambda t: service.complete(t, actor="x"),
        "approve": lambda t: service.approve(t, actor="x"),
        "reject": lambda t: service.reject(t, actor="x", note=" "),
    }
    with pytest.raises(InvalidInput) as refused:
        moves[move](task_id)
    assert refused_problems(refused) == [expected]
    assert hint in refused.value.problems[0].message
    assert store.last_seq() == seq


def test_moves_on_unknown_tasks_are_not_found(service: RequestService) -> None:
    service.submit("hr-onboarding", HIRE, "alice", actor="alice")
    with pytest.raises(CINotFound):
        service.approve("REQ-1-nope", actor="x")
    with pytest.raises(CINotFound):
        service.approve("team-hr", actor="x")  # a CI, but no task


# ----------------------------------------------------------------------------------- refusals
def test_form_errors_name_their_fields_and_write_nothing(service: RequestService, store: GraphStore) -> None:
    seq = store.last_seq()
    answers = {**HIRE, "manager": "app-crm", "start_date": "soon", "location": "floor-9", "colour": "red"}
    with pytest.raises(InvalidInput) as refused:
        service.submit("hr-onboarding", answers, "nobody", actor="alice")
    assert refused_problems(refused) == [
        ("requester", "UNKNOWN_REFERENCE"),
        ("form.manager", "FIELD_REFERENCE"),
        ("form.start_date", "FIELD_TYPE"),
        ("form.location", "FIELD_REFERENCE"),
        ("form.colour", "FIELD_UNKNOWN"),
    ]
    assert {p.where for p in refused.value.problems} == {"hr-onboarding"}
    assert "no Person with id 'app-crm'" in str(refused.value)
    with pytest.raises(InvalidInput) as wrong_kind:
        service.submit("hr-onboarding", HIRE, "team-hr", actor="alice")
    assert refused_problems(wrong_kind) == [("requester", "WRONG_KIND")]
    with pytest.raises(CINotFound):
        service.submit("no-such-item", HIRE, "alice", actor="alice")
    assert store.last_seq() == seq
    assert store.find_ci("REQ-1") is None


def test_the_requester_manager_approves_and_must_exist(service: RequestService, store: GraphStore) -> None:
    answers: dict[str, JsonValue] = {
        "application": "app-crm",
        "justification": "Needed for the customer dashboards.",
        "licence": "new",
    }
    seq = store.last_seq()
    with pytest.raises(InvalidInput) as refused:
        service.submit("it-software-request", answers, "carol", actor="carol")
    (p,) = refused.value.problems
    assert (p.code, p.field) == ("APPROVER_NOT_FOUND", "requester")
    assert "'carol' reports to no one" in p.message
    assert store.last_seq() == seq

    request = service.submit("it-software-request", answers, "alice", actor="alice")
    assert request.task("manager_approval").assignee == "boss"
    assert ready(request) == ["manager_approval"]

    existing = service.submit(
        "it-software-request", {**answers, "licence": "existing"}, "carol", actor="carol"
    )
    assert ready(existing) == ["install"]  # no approval applies: fulfilment starts at once
    assert existing.ticket.state is TicketState.IN_PROGRESS


def test_missing_teams_are_reported_by_field(service: RequestService, store: GraphStore) -> None:
    store.apply(Batch(delete_cis=["team-legal"]), actor="setup")
    answers: dict[str, JsonValue] = {
        "contract_type": "msa",
        "counterparty": "Globex Ltd",
        "amount": 250_000,
        "confidentiality": "confidential",
        "contract_owner": "alice",
    }
    seq = store.last_seq()
    with pytest.raises(InvalidInput) as refused:
        service.submit("legal-contract-review", answers, "alice", actor="alice")
    assert refused_problems(refused) == [
        ("responsible_group", "UNKNOWN_REFERENCE"),
        ("approvals.counsel_approval", "APPROVER_NOT_FOUND"),
        ("tasks.intake.group", "UNKNOWN_REFERENCE"),
        ("tasks.legal_review.group", "UNKNOWN_REFERENCE"),
        ("tasks.signature.group", "UNKNOWN_REFERENCE"),
    ]
    assert store.last_seq() == seq


def test_a_taken_id_is_refused(service: RequestService, store: GraphStore) -> None:
    store.apply(Batch(upsert_cis=[ci("REQ-1-training", "Service")]), actor="setup")
    with pytest.raises(InvalidInput) as refused:
        service.submit("hr-onboarding", HIRE, "alice", actor="alice")
    (p,) = refused.value.problems
    assert (p.code, p.field) == ("ID_TAKEN", "id")
    assert "REQ-1-training" in p.message


def test_a_request_with_nothing_to_do_is_resolved_at_once(service: RequestService, store: GraphStore) -> None:
    item = CatalogItem(
        id="it-optional",
        department="it",
        title="Optional work",
        form=DEMO_CATALOG["it-software-request"].form,
        sla_policy="it",
        responsible_group="team-it",
        tasks=FulfilmentPlan(
            tasks=(
                TaskTemplate(
                    key="buy", title="Buy", group="team-fin", when=Condition.of("licence", "equals", "new")
                ),
            )
        ),
    )
    CatalogStore(store).publish([item], actor="setup")
    answers: dict[str, JsonValue] = {
        "application": "app-crm",
        "justification": "Needed for the customer dashboards.",
        "licence": "existing",
    }
    request = service.submit("it-optional", answers, "carol", actor="carol")
    assert request.ticket.state is TicketState.RESOLVED
    assert [c.state for c in request.ticket.timeline] == [
        TicketState.ASSIGNED,
        TicketState.IN_PROGRESS,
        TicketState.RESOLVED,
    ]
    assert states(request) == {"buy": "skipped"}


def test_tickets_not_ordered_from_the_catalog_are_not_requests(service: RequestService) -> None:
    plain = TicketService(service.store).open(
        NewTicket(type=TicketType.SERVICE_REQUEST, title="A plain request"), actor="alice"
    )
    with pytest.raises(InvalidInput) as refused:
        service.get(plain.id)
    assert refused_problems(refused) == [("request", "NOT_A_CATALOG_REQUEST")]
    with pytest.raises(CINotFound):
        service.tasks("team-hr")


def test_a_request_moved_by_hand_refuses_an_impossible_cancel(
    service: RequestService, store: GraphStore
) -> None:
    """A rejection must cancel the request; if someone started it by hand, the lifecycle
    refuses and nothing is written."""
    service.submit("hr-onboarding", HIRE, "alice", actor="alice")
    TicketService(store).move("REQ-1", Event.START, actor="desk")
    seq = store.last_seq()
    with pytest.raises(InvalidInput) as refused:
        service.reject("REQ-1-manager_approval", actor="boss", note="no")
    assert refused_problems(refused) == [("state", "ILLEGAL_TRANSITION")]
    assert store.last_seq() == seq
    assert service.get("REQ-1").task("manager_approval").state is TaskState.READY
    assert service.get("REQ-1").task("manager_approval").task_type is TaskType.APPROVAL
