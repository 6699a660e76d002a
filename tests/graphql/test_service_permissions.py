"""The permission matrix of the service-management operations, NetBox-style, as
``test_permissions.py`` checks the graph operations: every operation x (no token, each role).

Each operation names the permissions that grant it; a role is allowed exactly when
:data:`~cmdbgraph.access.roles.PERMISSIONS` gives it one of them, refused with ``FORBIDDEN`` (and
no data) otherwise. The records operated on (:mod:`tests.graphql.test_service_support`) are in
every role's scope: ``INC-ANN`` and ``REQ-NEW`` are the requester's own, the approval task is the
approver token's person's and step 1 of ``CHG-SUB`` its team's. Every mutation is audited: each
change it writes names the token (``token:svc-<role>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.access.roles import Permission, Role, allows
from tests.graphql.conftest import ServerFactory
from tests.graphql.test_service_support import SOFTWARE, WINDOW, Service, service_server

P = Permission


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    granted_by: tuple[Permission, ...]
    variables: dict[str, Any] | None = None

    @property
    def mutation(self) -> bool:
        return self.document.startswith("mutation")


QUERIES = [
    Operation("ticket", '{ ticket(id: "INC-ANN") { id } }', (P.TICKETS_READ, P.TICKETS_OWN)),
    Operation("tickets", "{ tickets { totalCount } }", (P.TICKETS_READ, P.TICKETS_OWN)),
    Operation(
        "catalogRequest",
        '{ catalogRequest(id: "REQ-NEW") { tasks { id } } }',
        (P.TICKETS_READ, P.TICKETS_OWN),
    ),
    Operation("change", '{ change(id: "CHG-SUB") { state } }', (P.CHANGES_READ,)),
    Operation("changes", "{ changes { totalCount } }", (P.CHANGES_READ,)),
    Operation("article", '{ article(id: "KB-1") { title } }', (P.KNOWLEDGE_READ,)),
    Operation("articles", "{ articles { totalCount } }", (P.KNOWLEDGE_READ,)),
    Operation("catalogItems", "{ catalogItems { id } }", (P.CATALOG_READ,)),
    Operation("catalogItem", '{ catalogItem(id: "hr-onboarding") { id } }', (P.CATALOG_READ,)),
    Operation("team", '{ team(id: "team-a") { members { id } } }', (P.GRAPH_READ,)),
    Operation("person", '{ person(id: "ann") { teams { id } } }', (P.GRAPH_READ,)),
    Operation("route", '{ route(ticketId: "INC-ANN") { group } }', (P.ANALYSIS,)),
    Operation("changeRisk", '{ changeRisk(changeId: "CHG-SUB") { risk { level } } }', (P.ANALYSIS,)),
    Operation("kpis", "{ kpis { tickets } }", (P.ANALYSIS,)),
]
MUTATIONS = [
    Operation(
        "createTicket",
        'mutation { createTicket(input: {type: INCIDENT, title: "Down"}) { id } }',
        (P.TICKETS_WRITE, P.TICKETS_OWN),
    ),
    Operation(
        "transitionTicket",
        'mutation { transitionTicket(id: "INC-ANN", event: CANCEL) { state } }',
        (P.TICKETS_WRITE, P.TICKETS_OWN),
    ),
    Operation(
        "commentTicket",
        'mutation { commentTicket(id: "INC-ANN", text: "any news?") { id } }',
        (P.TICKETS_WRITE, P.TICKETS_OWN),
    ),
    Operation(
        "requestCatalogItem",
        "mutation($answers: JSON!) "
        '{ requestCatalogItem(itemId: "it-software-request", answers: $answers) { ticket { id } } }',
        (P.CATALOG_REQUEST,),
        {"answers": {**SOFTWARE, "licence": "existing"}},
    ),
    Operation(
        "completeTask",
        'mutation { completeTask(id: "REQ-OLD-install") { tasks { state } } }',
        (P.TICKETS_WRITE,),
    ),
    Operation(
        "approveTask",
        'mutation { approveTask(id: "REQ-NEW-manager_approval") { tasks { state } } }',
        (P.CHANGES_APPROVE,),
    ),
    Operation(
        "rejectTask",
        'mutation { rejectTask(id: "REQ-NEW-manager_approval", note: "no budget") { tasks { state } } }',
        (P.CHANGES_APPROVE,),
    ),
    Operation(
        "createChange",
        "mutation($input: NewChangeInput!) { createChange(input: $input) { id } }",
        (P.CHANGES_WRITE,),
        {"input": {"title": "Patch", "changeType": "normal", "targets": ["host-1"], **WINDOW}},
    ),
    Operation("submitChange", 'mutation { submitChange(id: "CHG-DRAFT") { state } }', (P.CHANGES_WRITE,)),
    Operation(
        "approveChange", 'mutation { approveChange(id: "CHG-SUB", step: 1) { state } }', (P.CHANGES_APPROVE,)
    ),
    Operation(
        "rejectChange",
        'mutation { rejectChange(id: "CHG-SUB", step: 1, note: "too risky") { state } }',
        (P.CHANGES_APPROVE,),
    ),
    Operation(
        "implementChange",
        'mutation { implementChange(id: "CHG-OK") { change { state } } }',
        (P.CHANGES_WRITE,),
    ),
    Operation("cancelChange", 'mutation { cancelChange(id: "CHG-DRAFT") { state } }', (P.CHANGES_WRITE,)),
    Operation(
        "createArticle",
        'mutation { createArticle(input: {title: "Clear the cache", documents: ["app-web"]}) { id } }',
        (P.KNOWLEDGE_WRITE,),
    ),
    Operation(
        "articleFeedback",
        'mutation { articleFeedback(id: "KB-1", helpful: true, csat: 5) { helpful } }',
        (P.KNOWLEDGE_FEEDBACK,),
    ),
]
OPERATIONS = QUERIES + MUTATIONS


@pytest.fixture
def svc(make_server: ServerFactory, tmp_path: Path) -> Service:
    return service_server(make_server, tmp_path)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_without_a_token_every_operation_is_refused_with_401(svc: Service, op: Operation) -> None:
    svc.server.store.calls.clear()
    response = svc.server.post(op.document, op.variables, role=None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert svc.server.store.reads() == 0


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_each_role_gets_exactly_what_the_matrix_grants(svc: Service, op: Operation, role: Role) -> None:
    seq = svc.server.store.last_seq()
    body = svc.gql(op.document, op.variables, role=role)
    if any(allows(role, p) for p in op.granted_by):
        assert "errors" not in body, body
        assert body["data"] is not None
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert body["data"] is None or set(body["data"].values()) == {None}
        assert svc.server.store.last_seq() == seq  # a refusal writes nothing


@pytest.mark.parametrize("op", MUTATIONS, ids=lambda op: op.name)
def test_every_mutation_is_audited_with_the_token_identity(svc: Service, op: Operation) -> None:
    """Made by the least privileged role allowed to (admin last)."""
    role = next(r for r in reversed(Role) if any(allows(r, p) for p in op.granted_by))
    seq = svc.server.store.last_seq()
    body = svc.gql(op.document, op.variables, role=role)
    assert "errors" not in body, body
    written = svc.server.store.changes_since(seq)
    assert written
    assert {e.actor for e in written} == {f"token:svc-{role.value}"}
