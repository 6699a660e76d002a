"""The permission matrix, NetBox-style: every operation x (no token, each role).

Each operation names the permissions that grant it; a role is expected to be allowed exactly
when :data:`~cmdbgraph.access.roles.PERMISSIONS` gives it one of them, refused with
``FORBIDDEN`` (and no data) otherwise, and every request without a valid token gets HTTP 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from cmdbgraph.access.roles import Permission, Role, allows
from tests.graphql.conftest import Server, ServerFactory

P = Permission


@dataclass(frozen=True)
class Operation:
    name: str
    document: str
    granted_by: tuple[Permission, ...]
    variables: dict[str, Any] | None = None


OPERATIONS = [
    Operation("ci", '{ ci(id: "app-web") { id kind } }', (P.GRAPH_READ,)),
    Operation("cis", "{ cis(first: 2) { totalCount edges { node { id } } } }", (P.GRAPH_READ,)),
    Operation(
        "neighbours", '{ ci(id: "app-web") { neighbours(direction: OUT) { ci { id } } } }', (P.GRAPH_READ,)
    ),
    Operation("impact", '{ impact(ciIds: ["host-1"]) { total } }', (P.ANALYSIS,)),
    Operation("rootCause", '{ rootCause(symptoms: ["svc-web"]) { candidates { score } } }', (P.ANALYSIS,)),
    Operation("dependsOn", '{ dependsOn(ciId: "svc-web") { dependsOn { depth } } }', (P.ANALYSIS,)),
    Operation("health", "{ health { orphans } }", (P.ANALYSIS,)),
    Operation(
        "applyBatch",
        "mutation($cis: [CIInput!], $rels: [RelationshipInput!]) "
        "{ applyBatch(upsertCis: $cis, upsertRelationships: $rels) { createdCis } }",
        (P.GRAPH_WRITE, P.GRAPH_WRITE_OWNED),
        {
            "cis": [{"id": "app-new", "kind": "Application"}],
            "rels": [{"source": "app-new", "target": "team-a", "type": "OWNED_BY"}],
        },
    ),
    Operation(
        "setStatus",
        'mutation { setStatus(ciId: "app-web", status: DEGRADED) { status } }',
        (P.CI_STATUS, P.GRAPH_WRITE_OWNED),
    ),
]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_without_a_token_every_operation_is_refused_with_401(server: Server, op: Operation) -> None:
    response = server.post(op.document, op.variables, role=None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert server.store.reads() == 0


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_each_role_gets_exactly_what_the_matrix_grants(server: Server, op: Operation, role: Role) -> None:
    body = server.gql(op.document, op.variables, role=role)
    if any(allows(role, p) for p in op.granted_by):
        assert "errors" not in body, body
        assert body["data"] is not None
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert body["data"] is None or set(body["data"].values()) == {None}


def test_an_invalid_or_revoked_token_is_refused(server: Server) -> None:
    bad = server.client.post(
        "/graphql", json={"query": "{ health { orphans } }"}, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["message"] == "invalid or revoked token"
    server.token_file.revoke("analyst", now=datetime.now(UTC))
    revoked = server.post("{ health { orphans } }", role=Role.ANALYST)
    assert revoked.status_code == 401


def test_health_check_needs_no_token_and_reports_the_store(server: Server) -> None:
    response = server.client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["store"] == "reachable"
    assert body["seq"] > 0


def test_an_owner_writes_only_what_its_team_owns(server: Server) -> None:
    refused = server.gql(
        'mutation { applyBatch(upsertCis: [{id: "host-1", kind: "Host", name: "renamed"}]) { updatedCis } }',
        role=Role.OWNER,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "host-1" in refused["errors"][0]["message"]
    unowned_new = server.gql(
        'mutation { applyBatch(upsertCis: [{id: "app-orphan", kind: "Application"}]) { createdCis } }',
        role=Role.OWNER,
    )
    assert unowned_new["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert server.store.find_ci("app-orphan") is None
    renamed = server.gql(
        "mutation { applyBatch(upsertCis: "
        '[{id: "app-web", kind: "Application", name: "Shop v2"}]) { updatedCis } }',
        role=Role.OWNER,
    )
    assert renamed["data"]["applyBatch"]["updatedCis"] == ["app-web"]
    refused_status = server.gql(
        'mutation { setStatus(ciId: "host-1", status: DOWN) { id } }', role=Role.OWNER
    )
    assert refused_status["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_every_mutation_is_audited_with_the_token_identity(server: Server) -> None:
    server.gql('mutation { setStatus(ciId: "host-1", status: MAINTENANCE) { status } }', role=Role.OPERATOR)
    entries = server.store.history("host-1")
    assert entries[0].actor == "token:operator"
    assert entries[0].after is not None
    assert entries[0].after["status"] == "maintenance"


def test_the_offline_ide_page_is_served_in_development_but_queries_still_need_a_token(
    make_server: ServerFactory,
) -> None:
    dev = make_server(graphiql=True)
    page = dev.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "/graphql/static/graphiql-3.8.3/graphiql.min.js" in page.text
    assert "unpkg" not in page.text
    asset = dev.client.get("/graphql/static/graphiql-3.8.3/graphiql.min.js")
    assert asset.status_code == 200
    assert dev.post("{ health { orphans } }", role=None).status_code == 401


def test_without_the_ide_setting_there_is_no_page(server: Server) -> None:
    page = server.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 401
    assert server.client.get("/graphql/static/graphiql-3.8.3/graphiql.min.js").status_code == 401
