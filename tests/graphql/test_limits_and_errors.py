"""Limits refuse abusive documents before any store call; every error carries a stable code."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cmdbgraph.access.roles import Role
from cmdbgraph.graphql.errors import CODES, INTERNAL_MESSAGE
from tests.graphql.conftest import Server, ServerFactory


def _depth_bomb(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"neighbours {{ ci {{ {inner} }} }}"
    return f'{{ ci(id: "app-web") {{ {inner} }} }}'


BOMBS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "depth": (_depth_bomb(8), None),
    "aliases": ("{ " + " ".join(f'a{i}: ci(id: "app-web") {{ id }}' for i in range(50)) + " }", None),
    "tokens": ("{ health { " + "orphans " * 5000 + "} }", None),
    "maxDepth": ('{ impact(ciIds: ["host-1"], maxDepth: 1000) { total } }', None),
    "negative maxDepth": ('{ dependsOn(ciId: "svc-web", maxDepth: -1) { redacted } }', None),
    "huge id list": (
        "query($ids: [ID!]!) { impact(ciIds: $ids) { total } }",
        {"ids": [f"ci-{i}" for i in range(10_000)]},
    ),
    "huge batch": (
        "mutation($cis: [CIInput!]) { applyBatch(upsertCis: $cis) { changes } }",
        {"cis": [{"id": f"x-{i}", "kind": "Service"} for i in range(5000)]},
    ),
    "huge page": ("{ cis(first: 100000) { totalCount } }", None),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_abusive_requests_are_refused_without_touching_the_store(server: Server, name: str) -> None:
    document, variables = BOMBS[name]
    body = server.gql(document, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"], body
    assert server.store.reads() == 0, server.store.calls
    assert server.store.find_ci("x-0") is None


def test_reasonable_documents_pass_the_limits(server: Server) -> None:
    body = server.gql(_depth_bomb(3))
    assert "errors" not in body


@pytest.mark.parametrize(
    ("document", "code", "extra"),
    [
        ('{ impact(ciIds: ["nope"]) { total } }', "NOT_FOUND", {"reason": "CI_NOT_FOUND"}),
        ("{ nosuchfield }", "BAD_USER_INPUT", {}),
        ("{ health { ", "BAD_USER_INPUT", {}),
        (
            'mutation { applyBatch(upsertRelationships: [{source: "a", target: "b", type: "DEPENDS_ON"}]) '
            "{ changes } }",
            "BAD_USER_INPUT",
            {"field": "upsertRelationships[0].source"},
        ),
        (
            'mutation { applyBatch(upsertCis: [{id: "x", kind: "Service", criticality: 9}]) { changes } }',
            "BAD_USER_INPUT",
            {"field": "upsertCis[0].criticality"},
        ),
    ],
)
def test_domain_errors_map_to_their_codes(
    server: Server, document: str, code: str, extra: dict[str, Any]
) -> None:
    body = server.gql(document)
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, body
    for key, value in extra.items():
        assert error["extensions"][key] == value, error
    if code == "BAD_USER_INPUT" and "problems" in error["extensions"]:
        assert all({"code", "message", "field", "where"} <= set(p) for p in error["extensions"]["problems"])


def test_a_rejected_batch_writes_nothing(server: Server) -> None:
    before = server.store.last_seq()
    body = server.gql(
        "mutation { applyBatch(upsertCis: "
        '[{id: "new-1", kind: "Service"}, {id: "new-2", kind: "NoSuchKind"}]) { changes } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert server.store.last_seq() == before
    assert server.store.find_ci("new-1") is None


class _Broken:
    """A store whose search fails unexpectedly (to prove internal errors are masked)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "search":
            raise RuntimeError("secret detail: disk on fire at /var/lib/x")
        return getattr(self._inner, name)


def test_internal_errors_are_masked_and_logged(
    make_server: ServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server()
    graphql_app = _graphql_app(server)
    graphql_app.api.store = _Broken(graphql_app.api.store)
    with caplog.at_level(logging.ERROR, logger="cmdbgraph.graphql"):
        body = server.gql("{ cis { totalCount } }")
    error = body["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR"}
    assert error["message"] == INTERNAL_MESSAGE
    assert "disk on fire" not in str(body)
    assert "disk on fire" in caplog.text


def _graphql_app(server: Server) -> Any:
    for route in server.client.app.routes:  # type: ignore[attr-defined]
        if getattr(route, "path", None) == "/graphql":
            return route.app
    raise AssertionError("no /graphql route")


def test_the_codes_are_the_documented_set() -> None:
    assert CODES == (
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "CONFLICT",
        "QUERY_TOO_COMPLEX",
        "INTERNAL_ERROR",
    )


def test_nested_neighbours_cost_one_store_call_per_level(server: Server) -> None:
    query = """{ cis(first: 10) { edges { node { id
        neighbours { ci { id neighbours(direction: OUT) { ci { id } } } } } } } }"""
    body = server.gql(query, role=Role.ADMIN)
    assert "errors" not in body
    nodes = body["data"]["cis"]["edges"]
    assert len(nodes) == 7
    assert sum(len(e["node"]["neighbours"]) for e in nodes) == 12
    assert server.store.calls["search"] == 1
    assert server.store.calls["subgraph"] == 2
    assert server.store.calls["neighbours"] == 0
    assert server.store.reads() == 3
