"""Masking of sensitive attributes and redaction of restricted CIs, through the real app."""

from __future__ import annotations

from cmdbgraph.access.roles import Role
from tests.graphql.conftest import Server

IMPACT = """
{ impact(ciIds: ["host-2"]) {
    failed total redacted
    impacted { ci { id kind name redacted attributes } severity depth path }
    summary { businessServices { id name } notify { id name } }
} }
"""


def test_sensitive_attributes_are_masked_without_clearance(server: Server) -> None:
    query = '{ ci(id: "host-1") { attributes maskedAttributes } }'
    analyst = server.gql(query, role=Role.ANALYST)["data"]["ci"]
    assert analyst["attributes"] == {"ip_address": None, "cpu_count": 4}
    assert analyst["maskedAttributes"] == ["ip_address"]
    admin = server.gql(query, role=Role.ADMIN)["data"]["ci"]
    assert admin["attributes"]["ip_address"] == "10.0.0.1"
    assert admin["maskedAttributes"] == []


def test_masking_applies_inside_searches_and_neighbourhoods(server: Server) -> None:
    found = server.gql('{ cis(kind: "Host") { edges { node { id attributes } } } }', role=Role.ANALYST)
    assert {e["node"]["attributes"]["ip_address"] for e in found["data"]["cis"]["edges"]} == {None}
    around = server.gql(
        '{ ci(id: "app-web") { neighbours(direction: OUT, types: ["RUNS_ON"]) { ci { id attributes } } } }',
        role=Role.OPERATOR,
    )
    assert around["data"]["ci"]["neighbours"] == [
        {"ci": {"id": "host-1", "attributes": {"ip_address": None, "cpu_count": 4}}}
    ]


def test_an_impact_through_a_restricted_ci_shows_a_stand_in(server: Server) -> None:
    body = server.gql(IMPACT, role=Role.ANALYST)["data"]["impact"]
    by_id = {i["ci"]["id"]: i for i in body["impacted"]}
    assert set(by_id) == {"redacted-1", "app-web", "svc-web"}
    stand_in = by_id["redacted-1"]["ci"]
    assert stand_in == {
        "id": "redacted-1",
        "kind": "Redacted",
        "name": "redacted-1",
        "redacted": True,
        "attributes": {},
    }
    assert by_id["app-web"]["path"] == ["host-2", "redacted-1", "app-web"]
    assert by_id["svc-web"]["path"] == ["host-2", "redacted-1", "app-web", "svc-web"]
    assert body["redacted"] == 1
    assert body["total"] == 3
    text = str(body)
    assert "db-secret" not in text
    assert "Secret DB" not in text


def test_cleared_callers_see_the_restricted_ci(server: Server) -> None:
    body = server.gql(IMPACT, role=Role.ADMIN)["data"]["impact"]
    assert {i["ci"]["id"] for i in body["impacted"]} == {"db-secret", "app-web", "svc-web"}
    assert body["redacted"] == 0


def test_restricted_cis_are_redacted_in_root_cause_and_neighbourhoods(server: Server) -> None:
    rc = server.gql(
        '{ rootCause(symptoms: ["app-web", "svc-web"]) { candidates { ci { id redacted } path } redacted } }',
        role=Role.ANALYST,
    )["data"]["rootCause"]
    assert "db-secret" not in str(rc)
    assert any(c["ci"]["redacted"] for c in rc["candidates"])
    around = server.gql(
        '{ ci(id: "app-web") { neighbours(direction: OUT, types: ["DEPENDS_ON"]) '
        "{ relationship { source target } ci { id kind redacted neighbours { ci { id } } } } } }",
        role=Role.ANALYST,
    )["data"]["ci"]["neighbours"]
    assert around == [
        {
            "relationship": {"source": "app-web", "target": "redacted-1"},
            "ci": {"id": "redacted-1", "kind": "Redacted", "redacted": True, "neighbours": []},
        }
    ]


def test_a_restricted_ci_asked_for_by_id_is_forbidden_without_clearance(server: Server) -> None:
    body = server.gql('{ ci(id: "db-secret") { id name } }', role=Role.ANALYST)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"]["ci"] is None
    assert server.gql('{ ci(id: "db-secret") { name } }')["data"]["ci"]["name"] == "Secret DB"
