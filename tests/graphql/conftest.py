"""A GraphQL app over a real embedded store and a real token file, with a token per role.

The graph (hand-drawn, so every expectation can be read off it)::

    svc-web (BusinessService) -DEPENDS_ON-> app-web (Application) -RUNS_ON-> host-1 (Host)
                                            app-web -DEPENDS_ON-> db-secret (Database, restricted)
                                                                  db-secret -RUNS_ON-> host-2 (Host)
    app-web -OWNED_BY-> team-a (Team) <-MEMBER_OF- ann (Person)

``host-1`` and ``host-2`` carry ``ip_address``, which the Host kind declares sensitive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from starlette.testclient import TestClient

from cmdbgraph.access.roles import Role
from cmdbgraph.access.tokens import TokenFile
from cmdbgraph.graphdb import Batch, EmbeddedStore, GraphStore
from cmdbgraph.graphql.app import create_app
from cmdbgraph.graphql.context import Api
from cmdbgraph.schema import CIData
from tests.factories import rel

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

GRAPH = Batch(
    upsert_cis=[
        CIData(id="svc-web", kind="BusinessService", name="Web shop", criticality=1),
        CIData(id="app-web", kind="Application", name="Shop app"),
        CIData(
            id="host-1", kind="Host", name="host one", attributes={"ip_address": "10.0.0.1", "cpu_count": 4}
        ),
        CIData(id="db-secret", kind="Database", name="Secret DB", attributes={"restricted": True}),
        CIData(id="host-2", kind="Host", name="host two", attributes={"ip_address": "10.0.0.2"}),
        CIData(id="team-a", kind="Team", name="Team A"),
        CIData(id="ann", kind="Person", name="Ann"),
    ],
    upsert_relationships=[
        rel("svc-web", "app-web", "DEPENDS_ON"),
        rel("app-web", "host-1", "RUNS_ON"),
        rel("app-web", "db-secret", "DEPENDS_ON"),
        rel("db-secret", "host-2", "RUNS_ON"),
        rel("app-web", "team-a", "OWNED_BY"),
        rel("ann", "team-a", "MEMBER_OF"),
    ],
)


class CountingStore:
    """A real store that counts the calls made to it (by method name)."""

    def __init__(self, inner: GraphStore) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted

    def reads(self) -> int:
        """Calls other than ``last_seq`` (which checks whether the cached snapshot is current)."""
        return sum(n for name, n in self.calls.items() if name != "last_seq")


@dataclass
class Server:
    """An in-process app (starlette's TestClient) over a counting store and a token per role."""

    client: TestClient
    store: CountingStore
    tokens: dict[Role, str]
    token_file: TokenFile

    def post(self, query: str, variables: dict[str, Any] | None = None, *, role: Role | None) -> Any:
        headers = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.ADMIN) -> Any:
        """The JSON body of a request that must be answered with HTTP 200."""
        response = self.post(query, variables, role=role)
        assert response.status_code == 200, response.text
        return response.json()


ServerFactory = Callable[..., Server]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    made: list[tuple[TestClient, EmbeddedStore]] = []

    def make(*, graphiql: bool = False, **api_options: Any) -> Server:
        inner = EmbeddedStore(tmp_path / f"store-{len(made)}.db")
        inner.apply(GRAPH, actor="fixture")
        store = CountingStore(inner)
        token_file = TokenFile(tmp_path / f"tokens-{len(made)}.db")
        tokens = {}
        for role in Role:
            principal = {"person": "ann"} if role is Role.REQUESTER else {}
            if role is Role.OWNER:
                principal = {"team": "team-a"}
            _, tokens[role] = token_file.create(role.value, role, now=NOW, **principal)
        api = Api(store=cast(GraphStore, store), tokens=token_file, **api_options)
        client = TestClient(create_app(api, graphiql=graphiql))
        client.__enter__()
        made.append((client, inner))
        return Server(client=client, store=store, tokens=tokens, token_file=token_file)

    yield make
    for client, inner in made:
        client.__exit__(None, None, None)
        inner.close()


@pytest.fixture
def server(make_server: ServerFactory) -> Server:
    return make_server()
