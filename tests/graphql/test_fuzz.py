"""A bounded fuzz run against a real uvicorn: hypothesis-graphql writes valid queries and
mutations from ``schema.graphql`` (arbitrary ids, strings, numbers, JSON and dates, and ids of
real CIs); the server must answer every one without a 5xx and without an ``INTERNAL_ERROR``.
Bounded by example count, not time; only 127.0.0.1 is contacted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from cmdbgraph.graphql.schema import schema_sdl
from tests.cli.clirun import ok, run_cli
from tests.graphql.live import Live, create_token, live_server

EXAMPLES = 120

_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8))
_SCALARS = {
    "JSON": st.one_of(
        _json_leaf.map(
            lambda v: (
                nodes.Null if v is None else nodes.String(v) if isinstance(v, str) else nodes.Int(int(v))
            )
        ),
        st.dictionaries(
            st.sampled_from(["restricted", "ip_address", "x", "bad name"]), st.integers(0, 3), max_size=2
        ).map(
            lambda d: nodes.Object(
                [
                    graphql.ObjectFieldNode(
                        name=graphql.NameNode(value=k.replace(" ", "_")), value=nodes.Int(v)
                    )
                    for k, v in d.items()
                ]
            )
        ),
    ),
    "DateTime": st.sampled_from(
        ["2026-11-01T00:00:00+00:00", "2020-01-01T00:00:00Z", "not a date", "2026-13-40T99:99:99"]
    ).map(nodes.String),
}


@pytest.fixture(scope="module")
def fuzz_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    cwd: Path = tmp_path_factory.mktemp("fuzz")
    ok(run_cli(["demo", "--size", "100"], cwd=cwd))
    with live_server(cwd, tokens={"admin": create_token(cwd, "fuzz-admin", "admin")}) as server:
        found = server.gql('{ cis(kind: "Person", first: 1) { edges { node { id } } } }')
        person = found["data"]["cis"]["edges"][0]["node"]["id"]
        server.tokens["req"] = create_token(cwd, "fuzz-req", "requester", "--person", person)
        yield server


def _check(live: Live, document: str, token: str) -> None:
    response = live.client.post(
        "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {live.tokens[token]}"}
    )
    assert response.status_code < 500, (document, response.text[:500])
    body: dict[str, Any] = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_ERROR" not in codes, (document, body)
    assert None not in codes, (document, body)


SDL = schema_sdl()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(document=queries(SDL, custom_scalars=_SCALARS))
def test_fuzzed_queries_never_fail_internally(fuzz_live: Live, document: str) -> None:
    _check(fuzz_live, document, "admin")


@settings(
    max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
@given(document=mutations(SDL, custom_scalars=_SCALARS), token=st.sampled_from(["admin", "req"]))
def test_fuzzed_mutations_never_fail_internally(fuzz_live: Live, document: str, token: str) -> None:
    _check(fuzz_live, document, token)
