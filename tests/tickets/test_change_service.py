"""Change requests on both stores: create, submit, approve or reject step by step, implement
with a post-release back-fill and incident links, cancel; every refusal writes nothing.

The graph (hand-drawn)::

    payroll (BusinessService, crit 1) -DEPENDS_ON-> svc-pay -DEPENDS_ON-> db -RUNS_ON-> host
    payroll OWNED_BY team-hr, db OWNED_BY team-dba, leaf OWNED_BY team-dba, lonely (no owner)

A failure of ``db`` takes ``svc-pay`` and ``payroll`` down; ``host`` is a provider of ``db``
(outside its blast radius); ``leaf`` and ``lonely`` stand alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput
from cmdbgraph.tickets.change_lifecycle import CHANGE_TRANSITIONS, ChangeEvent, ChangeState
from cmdbgraph.tickets.change_model import Change, Decision, NewChange, Outcome
from cmdbgraph.tickets.change_service import ChangeService
from tests.clocks import FakeClock
from tests.factories import ci, depends_on, rel

WINDOW_START = datetime(2026, 3, 7, 22, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
IMPLEMENTED = datetime(2026, 3, 8, 1, 0, tzinfo=UTC)


def ids() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"CHG-{n}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def service(store: GraphStore, clock: FakeClock) -> ChangeService:
    store.apply(
        Batch(
            upsert_cis=[
                ci("payroll", "BusinessService", criticality=1),
                ci("svc-pay", "Service"),
                ci("db", "Database", attributes={"version": "15"}),
                ci("host", "Host"),
                ci("leaf", "Service"),
                ci("lonely", "Service"),
                ci("team-dba", "Team"),
                ci("team-hr", "Team"),
                ci("alice", "Person"),
            ],
            upsert_relationships=[
                depends_on("payroll", "svc-pay"),
                depends_on("svc-pay", "db"),
                rel("db", "host", "RUNS_ON"),
                rel("db", "team-dba", "OWNED_BY"),
                rel("payroll", "team-hr", "OWNED_BY"),
                rel("leaf", "team-dba", "OWNED_BY"),
            ],
        ),
        actor="setup",
    )
    counter = ids()
    return ChangeService(store, clock=clock, new_id=lambda: next(counter))


def new_change(*targets: str, change_type: str = "normal", **fields: Any) -> NewChange:
    values: dict[str, Any] = {
        "title": "Patch the database",
        "change_type": change_type,
        "targets": targets or ("db",),
        "window_start": WINDOW_START,
        "window_end": WINDOW_END,
        "implementer": "alice",
        "backout_plan": "restore the snapshot",
    }
    values.update(fields)
    return NewChange.model_validate(values)


def refused(service: ChangeService, code: str, call: Any, *args: Any, **kwargs: Any) -> InvalidInput:
    """Run ``call``, expect ``InvalidInput`` with ``code`` first, and check nothing was written."""
    seq = service.store.last_seq()
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    assert caught.value.problems[0].code == code, caught.value
    assert service.store.last_seq() == seq
    return caught.value


def approve_all(service: ChangeService, change_id: str) -> Change:
    change = service.get(change_id)
    for step in change.approvals:
        change = service.approve(change_id, step.step, actor=f"approver-{step.approver}")
    return change


# -- create and read --------------------------------------------------------------------------
def test_a_created_change_is_a_draft_that_reads_back_whole(service: ChangeService) -> None:
    created = service.create(new_change("db", "svc-pay"), actor="bob")

    assert created.id == "CHG-1"
    assert created.state is ChangeState.DRAFT
    assert created.targets == ("db", "svc-pay")
    assert (created.implementer, created.backout_plan) == ("alice", "restore the snapshot")
    assert (created.window_start, created.window_end) == (WINDOW_START, WINDOW_END)
    assert [(t.state, t.actor) for t in created.timeline] == [(ChangeState.DRAFT, "bob")]
    assert service.get("CHG-1") == created
    node = service.store.get_ci("CHG-1")
    assert (node.kind, node.name, node.attributes["change_type"]) == (
        "ChangeRequest",
        "Patch the database",
        "normal",
    )
    keys = {e.key for e in service.store.history("CHG-1")}
    assert keys >= {"CHG-1", ("CHG-1", "CHANGES", "db"), ("CHG-1", "ASSIGNED_TO", "alice")}


def test_a_team_may_implement(service: ChangeService) -> None:
    assert service.create(new_change(implementer="team-dba"), actor="bob").implementer == "team-dba"


def test_bad_references_are_refused_with_fields_and_nothing_is_written(service: ChangeService) -> None:
    service.store.apply(
        Batch(
            upsert_cis=[ci("INC-X", "Incident", attributes=incident_attributes("2026-03-01T00:00:00+00:00"))]
        ),
        actor="setup",
    )
    problem = refused(
        service,
        "WRONG_KIND",
        service.create,
        new_change("INC-X", "db", "ghost", implementer="svc-pay"),
        actor="bob",
    )
    assert {(p.code, p.field) for p in problem.problems} == {
        ("WRONG_KIND", "targets[0]"),  # targets are sorted: INC-X, db, ghost
        ("UNKNOWN_REFERENCE", "targets[2]"),
        ("WRONG_KIND", "implementer"),
    }


def test_a_window_must_be_aware_and_not_empty() -> None:
    base = {"title": "t", "change_type": "normal", "targets": ("db",)}
    with pytest.raises(InvalidInput) as caught:
        NewChange.checked(
            **base, window_start="2026-03-08T02:00:00+00:00", window_end="2026-03-08T02:00:00+00:00"
        )
    assert caught.value.problems[0].code == "BAD_CHANGE_WINDOW"
    with pytest.raises(InvalidInput) as caught:
        NewChange.checked(**base, window_start="2026-03-08T02:00:00", window_end="2026-03-08T03:00:00+00:00")
    assert {(p.code, p.field) for p in caught.value.problems} == {("BAD_CHANGE_WINDOW", "window_start")}
    with pytest.raises(InvalidInput) as caught:
        NewChange.checked(
            **{**base, "change_type": "urgent"}, window_start=WINDOW_START, window_end=WINDOW_END
        )
    assert {(p.code, p.field) for p in caught.value.problems} == {("INVALID_FIELD", "change_type")}


def test_only_change_requests_are_changes(service: ChangeService) -> None:
    with pytest.raises(CINotFound):
        service.get("db")
    with pytest.raises(CINotFound):
        service.submit("CHG-404", actor="bob")


# -- the state machine ------------------------------------------------------------------------
# written out by hand so the test can disagree with the module's table
EXPECTED_EDGES = {
    ("draft", "submit"): "submitted",
    ("draft", "cancel"): "cancelled",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "cancel"): "cancelled",
    ("approved", "implement"): "implemented",
    ("approved", "fail"): "failed",
    ("approved", "cancel"): "cancelled",
}
STATES = ("draft", "submitted", "approved", "rejected", "implemented", "failed", "cancelled")
EVENTS = ("submit", "approve", "reject", "implement", "fail", "cancel")


def test_the_transition_table_is_the_documented_one() -> None:
    table = {(s.value, e.value): t.value for (s, e), t in CHANGE_TRANSITIONS.items()}
    assert table == EXPECTED_EDGES


def in_state(service: ChangeService, state: str) -> str:
    """A change on ``leaf`` (one approval step, low risk) brought into ``state``."""
    change_id = service.create(new_change("leaf"), actor="bob").id
    if state in ("draft", "cancelled"):
        if state == "cancelled":
            service.cancel(change_id, actor="bob")
        return change_id
    service.submit(change_id, actor="bob")
    if state == "rejected":
        service.reject(change_id, 1, actor="dba", note="not now")
    elif state != "submitted":
        service.approve(change_id, 1, actor="dba")
        if state in ("implemented", "failed"):
            outcome = Outcome.SUCCESS if state == "implemented" else Outcome.FAILED
            service.implement(change_id, outcome, actor="alice")
    assert service.get(change_id).state.value == state
    return change_id


def do(service: ChangeService, change_id: str, event: str) -> Change:
    if event == "submit":
        return service.submit(change_id, actor="bob")
    if event == "approve":
        return service.approve(change_id, 1, actor="dba")
    if event == "reject":
        return service.reject(change_id, 1, actor="dba", note="too risky")
    if event == "cancel":
        return service.cancel(change_id, actor="bob")
    outcome = Outcome.SUCCESS if event == "implement" else Outcome.FAILED
    return service.implement(change_id, outcome, actor="alice").change


@pytest.mark.parametrize("state", STATES)
def test_every_edge_is_allowed_or_refused(service: ChangeService, state: str) -> None:
    for event in EVENTS:
        change_id = in_state(service, state)
        expected = EXPECTED_EDGES.get((state, event))
        if expected is None:
            problem = refused(service, "ILLEGAL_TRANSITION", do, service, change_id, event)
            assert f"cannot take event '{event}'" in problem.problems[0].message
            assert service.get(change_id).state.value == state
        else:
            after = do(service, change_id, event)
            assert after.state.value == expected
            assert after.timeline[-1].state.value == expected
            assert service.get(change_id) == after


def test_final_states_say_so() -> None:
    from cmdbgraph.tickets.change_lifecycle import change_transition

    with pytest.raises(InvalidInput) as caught:
        change_transition(ChangeState.IMPLEMENTED, ChangeEvent.CANCEL, where="CHG-9")
    assert (
        "allowed events from 'implemented': none ('implemented' is final)" in caught.value.problems[0].message
    )


# -- submission and approval ------------------------------------------------------------------
def test_submission_stores_the_chain_risk_and_collisions(service: ChangeService) -> None:
    other = service.create(new_change("svc-pay", title="Restart the service"), actor="bob").id
    service.submit(other, actor="bob")
    change = service.submit(service.create(new_change("db"), actor="bob").id, actor="carol")

    assert change.state is ChangeState.SUBMITTED
    assert [(s.step, s.approver, s.role, s.decision) for s in change.approvals] == [
        (1, "team-dba", "target_owner", Decision.PENDING),
        (2, "team-hr", "service_owner", Decision.PENDING),
    ]
    assert change.approvals[1].cis == ("payroll",)
    assert change.risk_level == "medium"
    assert change.risk_score is not None
    assert change.risk_score > 0
    assert [(c.kind, c.other, c.cis) for c in change.collisions] == [("dependent", other, ("svc-pay",))]
    assert [(t.state, t.actor) for t in change.timeline][-1] == (ChangeState.SUBMITTED, "carol")


def test_approval_goes_step_by_step(service: ChangeService) -> None:
    change_id = service.submit(service.create(new_change("db"), actor="bob").id, actor="bob").id

    first = service.approve(change_id, 1, actor="dba-lead", note="fine by us")
    assert first.state is ChangeState.SUBMITTED
    assert (first.approvals[0].decision, first.approvals[0].actor, first.approvals[0].note) == (
        Decision.APPROVED,
        "dba-lead",
        "fine by us",
    )
    assert first.approvals[0].at is not None
    refused(service, "STEP_ALREADY_DECIDED", service.approve, change_id, 1, actor="dba-lead")
    refused(service, "STEP_ALREADY_DECIDED", service.approve, change_id, "team-dba", actor="dba-lead")
    refused(service, "UNKNOWN_STEP", service.approve, change_id, 3, actor="x")
    refused(service, "UNKNOWN_STEP", service.approve, change_id, "team-ops", actor="x")

    done = service.approve(change_id, "team-hr", actor="hr-lead")  # by approver id
    assert done.state is ChangeState.APPROVED
    assert [s.decision for s in done.approvals] == [Decision.APPROVED, Decision.APPROVED]
    assert [t.state for t in done.timeline] == [
        ChangeState.DRAFT,
        ChangeState.SUBMITTED,
        ChangeState.APPROVED,
    ]
    assert done.timeline[-1].actor == "hr-lead"


def test_one_rejection_rejects_and_needs_a_note(service: ChangeService) -> None:
    change_id = service.submit(service.create(new_change("db"), actor="bob").id, actor="bob").id
    service.approve(change_id, 1, actor="dba-lead")
    refused(service, "NOTE_REQUIRED", service.reject, change_id, 2, actor="hr-lead", note="  ")

    rejected = service.reject(change_id, 2, actor="hr-lead", note="payroll runs tonight")
    assert rejected.state is ChangeState.REJECTED
    assert (rejected.approvals[1].decision, rejected.approvals[1].note) == (
        Decision.REJECTED,
        "payroll runs tonight",
    )
    refused(service, "ILLEGAL_TRANSITION", service.approve, change_id, 2, actor="hr-lead")


def test_a_standard_change_is_pre_approved(service: ChangeService) -> None:
    change = service.submit(
        service.create(new_change("leaf", change_type="standard"), actor="bob").id, actor="bob"
    )

    assert change.state is ChangeState.APPROVED
    assert [t.state for t in change.timeline] == [
        ChangeState.DRAFT,
        ChangeState.SUBMITTED,
        ChangeState.APPROVED,
    ]
    assert [(s.approver, s.decision, s.actor) for s in change.approvals] == [
        ("team-dba", Decision.PRE_APPROVED, "bob")
    ]
    refused(service, "ILLEGAL_TRANSITION", service.approve, change.id, 1, actor="dba")


def test_a_risky_standard_change_is_refused(service: ChangeService) -> None:
    # a history on db: three incidents and a failed change make a change on it high risk
    old_change = {
        "title": "old",
        "change_type": "normal",
        "state": "failed",
        "window_start": "2026-01-01T22:00:00+00:00",
        "window_end": "2026-01-01T23:00:00+00:00",
    }
    old_incidents = [f"INC-OLD-{n}" for n in (1, 2, 3)]
    service.store.apply(
        Batch(
            upsert_cis=[
                *(
                    ci(i, "Incident", attributes=incident_attributes("2026-01-02T10:00:00+00:00"))
                    for i in old_incidents
                ),
                ci("CHG-OLD", "ChangeRequest", attributes=old_change),
            ],
            upsert_relationships=[
                *(rel(i, "db", "AFFECTS") for i in old_incidents),
                rel("CHG-OLD", "db", "CHANGES"),
            ],
        ),
        actor="setup",
    )
    change_id = service.create(new_change("db", change_type="standard"), actor="bob").id
    refused(service, "STANDARD_CHANGE_TOO_RISKY", service.submit, change_id, actor="bob")
    assert service.get(change_id).state is ChangeState.DRAFT

    normal = service.submit(service.create(new_change("db"), actor="bob").id, actor="bob")
    assert normal.risk_level in ("high", "critical")
    assert normal.approvals[-1].approver == "CAB"


def test_nobody_to_ask_means_the_cab(service: ChangeService) -> None:
    change = service.submit(service.create(new_change("lonely"), actor="bob").id, actor="bob")
    assert [(s.approver, s.role, s.decision) for s in change.approvals] == [("CAB", "cab", Decision.PENDING)]
    assert approve_all(service, change.id).state is ChangeState.APPROVED


@pytest.fixture
def frozen(service: ChangeService) -> ChangeService:
    """A freeze over payroll from the window start for a day."""
    service.store.apply(
        Batch(
            upsert_cis=[
                ci(
                    "FREEZE-PAY",
                    "FreezeWindow",
                    attributes={
                        "start": "2026-03-07T00:00:00+00:00",
                        "end": "2026-03-09T00:00:00+00:00",
                        "scope": ["payroll"],
                    },
                )
            ]
        ),
        actor="setup",
    )
    return service


@pytest.mark.parametrize("change_type", ["normal", "standard"])
def test_a_freeze_refuses_normal_and_standard_changes(frozen: ChangeService, change_type: str) -> None:
    # db is not in the freeze's scope, but payroll (in its blast radius) is
    change_id = frozen.create(new_change("db", change_type=change_type), actor="bob").id
    problem = refused(frozen, "FREEZE_COLLISION", frozen.submit, change_id, actor="bob")
    assert "FREEZE-PAY" in problem.problems[0].message
    assert "payroll" in problem.problems[0].message
    assert frozen.get(change_id).state is ChangeState.DRAFT
    # outside the freeze's scope and blast radius: no collision
    elsewhere = frozen.create(new_change("lonely", change_type=change_type), actor="bob").id
    assert frozen.submit(elsewhere, actor="bob").state is not ChangeState.DRAFT


def test_an_emergency_change_goes_ahead_in_a_freeze_on_record(frozen: ChangeService) -> None:
    change = frozen.submit(
        frozen.create(new_change("db", change_type="emergency"), actor="bob").id, actor="bob"
    )
    assert change.state is ChangeState.SUBMITTED
    assert ("freeze", "FREEZE-PAY", ("payroll",)) in [(c.kind, c.other, c.cis) for c in change.collisions]


# -- implementation, back-fill and incidents --------------------------------------------------
def incident_attributes(opened_at: str) -> dict[str, Any]:
    return {"title": "slow", "state": "new", "impact": 2, "urgency": 2, "priority": 3, "opened_at": opened_at}


def approved(service: ChangeService, *targets: str) -> str:
    change_id = service.submit(service.create(new_change(*targets), actor="bob").id, actor="bob").id
    approve_all(service, change_id)
    return change_id


def test_the_back_fill_is_applied_with_the_state_in_one_batch(
    service: ChangeService, clock: FakeClock
) -> None:
    change_id = approved(service, "db")
    clock.now = IMPLEMENTED - timedelta(minutes=1)
    actual = Batch(
        upsert_cis=[
            ci("db", "Database", attributes={"version": "16"}),  # changed
            ci("db-replica", "Database"),  # new
            ci("leaf", "Service"),  # unchanged: not listed
        ],
        upsert_relationships=[rel("db-replica", "db", "PART_OF")],
        delete_relationships=[("db", "RUNS_ON", "host")],
    )
    done = service.implement(change_id, Outcome.SUCCESS, actor="alice", actual=actual)

    change = done.change
    assert (change.state, change.outcome, change.implemented_at) == (
        ChangeState.IMPLEMENTED,
        "success",
        IMPLEMENTED,
    )
    assert change.actual_changes is not None
    assert [(a.op, a.id) for a in change.actual_changes] == [
        ("create_ci", "db-replica"),
        ("update_ci", "db"),
        ("create_relationship", "db-replica -[PART_OF]-> db"),
        ("delete_relationship", "db -[RUNS_ON]-> host"),
    ]
    store = service.store
    assert store.get_ci("db").attributes == {"version": "16"}
    assert store.find_ci("db-replica") is not None
    # the back-fill and the change's own update are one transaction: one timestamp, consecutive seqs
    db_entry = store.history("db", limit=1)[0]
    change_entry = store.history(change_id, limit=1)[0]
    assert db_entry.at == change_entry.at
    assert change_entry.after is not None
    assert change_entry.after["attributes"]["state"] == "implemented"
    assert {db_entry.actor, change_entry.actor} == {"alice"}


def test_a_bad_back_fill_refuses_the_whole_implementation(service: ChangeService) -> None:
    change_id = approved(service, "db")
    dangling = Batch(
        upsert_cis=[ci("db", "Database", attributes={"version": "16"})],
        upsert_relationships=[depends_on("db", "nowhere")],
    )
    problem = refused(
        service,
        "DANGLING_ENDPOINT",
        service.implement,
        change_id,
        Outcome.SUCCESS,
        actor="alice",
        actual=dangling,
    )
    assert problem.problems[0].where == "relationships[0]"
    assert service.get(change_id).state is ChangeState.APPROVED
    assert service.store.get_ci("db").attributes == {"version": "15"}

    touching = Batch(upsert_relationships=[rel(change_id, "leaf", "CHANGES")])
    refused(
        service,
        "ACTUAL_TOUCHES_CHANGE",
        service.implement,
        change_id,
        Outcome.SUCCESS,
        actor="a",
        actual=touching,
    )
    deleting = Batch(delete_cis=["db"])
    refused(
        service,
        "ACTUAL_DELETES_TARGET",
        service.implement,
        change_id,
        Outcome.SUCCESS,
        actor="a",
        actual=deleting,
    )
    refused(
        service,
        "BAD_INCIDENT_WINDOW",
        service.implement,
        change_id,
        Outcome.SUCCESS,
        actor="a",
        incident_window=timedelta(hours=-1),
    )
    assert service.get(change_id).actual_changes is None


INCIDENTS = {
    # id: (opened_at, affected CI)
    "INC-TARGET": ("2026-03-07T23:00:00+00:00", "db"),  # in the window, on the target
    "INC-RADIUS": ("2026-03-08T10:00:00+00:00", "payroll"),  # after, within 24 h, in the blast radius
    "INC-EARLY": ("2026-03-07T21:59:00+00:00", "db"),  # before the window started
    "INC-LATE": ("2026-03-09T01:00:00+00:00", "db"),  # exactly implemented + 24 h: outside
    "INC-PROVIDER": ("2026-03-08T00:30:00+00:00", "host"),  # db's provider: not in its radius
    "INC-ELSEWHERE": ("2026-03-08T00:30:00+00:00", "lonely"),  # unrelated
}


@pytest.fixture
def with_incidents(service: ChangeService) -> ChangeService:
    service.store.apply(
        Batch(
            upsert_cis=[
                *(ci(i, "Incident", attributes=incident_attributes(at)) for i, (at, _) in INCIDENTS.items()),
                ci("REQ-1", "ServiceRequest", attributes=incident_attributes("2026-03-07T23:00:00+00:00")),
            ],
            upsert_relationships=[
                *(rel(i, target, "AFFECTS") for i, (_, target) in INCIDENTS.items()),
                rel("REQ-1", "db", "AFFECTS"),
            ],
        ),
        actor="setup",
    )
    return service


@pytest.mark.parametrize("outcome", [Outcome.SUCCESS, Outcome.FAILED])
def test_incidents_in_the_window_and_the_blast_radius_are_linked(
    with_incidents: ChangeService, clock: FakeClock, outcome: Outcome
) -> None:
    service = with_incidents
    change_id = approved(service, "db")
    clock.now = IMPLEMENTED - timedelta(minutes=1)
    done = service.implement(change_id, outcome, actor="alice")

    assert [(link.incident, link.via, link.severity, link.path) for link in done.linked] == [
        ("INC-RADIUS", "payroll", "down", ("db", "svc-pay", "payroll")),
        ("INC-TARGET", "db", "changed", ("db",)),
    ]
    assert done.change.caused_incidents == ("INC-RADIUS", "INC-TARGET")
    assert done.change.state.value == ("implemented" if outcome is Outcome.SUCCESS else "failed")
    link = service.store.get_relationship(("INC-RADIUS", "CAUSED_BY", change_id))
    assert link.attributes["confidence"] == "possible"
    assert link.attributes["path"] == ["db", "svc-pay", "payroll"]
    assert "payroll" in str(link.attributes["reason"])
    for other in ("INC-EARLY", "INC-LATE", "INC-PROVIDER", "INC-ELSEWHERE", "REQ-1"):
        assert service.store.neighbours(other, rel_types=["CAUSED_BY"]) == []


def test_the_incident_window_is_a_parameter(with_incidents: ChangeService, clock: FakeClock) -> None:
    change_id = approved(with_incidents, "db")
    clock.now = IMPLEMENTED - timedelta(minutes=1)
    done = with_incidents.implement(change_id, Outcome.SUCCESS, actor="alice", incident_window=timedelta(0))
    assert [link.incident for link in done.linked] == ["INC-TARGET"]


def test_an_early_implementation_counts_from_when_it_happened(
    with_incidents: ChangeService, clock: FakeClock
) -> None:
    change_id = approved(with_incidents, "db")
    clock.now = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)  # implemented at 21:01, before the window
    done = with_incidents.implement(change_id, Outcome.SUCCESS, actor="alice")
    assert [link.incident for link in done.linked] == ["INC-EARLY", "INC-RADIUS", "INC-TARGET"]
