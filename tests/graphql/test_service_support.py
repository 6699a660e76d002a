"""Shared set-up of the service-management API tests (no tests here).

- :func:`service_server` (each module's ``svc`` fixture) is a server of ``make_server`` over
  the conftest graph extended (through the store) with the organisation below, the demo
  catalog and a few records, and with a token per role that acts as a person (so that every
  role holding ``catalog:request`` can order for itself)::

      ann -MEMBER_OF-> team-a -REPORTS_TO-> team-it        ann -REPORTS_TO-> boss
      boss -MEMBER_OF-> team-hr                            bob -MEMBER_OF-> team-biz
      app-web -SUPPORTED_BY-> team-a                       svc-web -OWNED_BY-> team-biz
      team-hr, team-it, team-it-service-desk, team-fin, team-legal, team-fac (the catalog's)

  Records: ``INC-ANN`` (an incident on app-web requested by ann), ``CHG-DRAFT`` (a draft),
  ``CHG-SUB`` (submitted: step 1 is team-a's), ``CHG-OK`` (approved), ``KB-1`` (documents
  app-web), ``REQ-NEW`` (it-software-request with a new licence: the manager approval is ready
  and assigned to boss) and ``REQ-OLD`` (an existing licence: the ``install`` task is ready).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmdbgraph.access.roles import Role
from cmdbgraph.graphdb import Batch
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.change_model import NewChange
from cmdbgraph.tickets.change_service import ChangeService
from cmdbgraph.tickets.knowledge_service import KnowledgeService, NewArticle
from cmdbgraph.tickets.lifecycle import TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.requests import RequestService
from cmdbgraph.tickets.service import TicketService
from tests.clocks import FakeClock
from tests.factories import ci, rel
from tests.graphql.conftest import NOW, Server, ServerFactory

CATALOG_TEAMS = ("team-hr", "team-it", "team-it-service-desk", "team-fin", "team-legal", "team-fac")
WINDOW = {"windowStart": "2027-01-09T22:00:00+00:00", "windowEnd": "2027-01-10T01:00:00+00:00"}
SOFTWARE = {
    "application": "app-web",
    "justification": "The shop team needs it for the release work",
    "licence": "new",
}
PRINCIPALS: dict[Role, dict[str, str]] = {
    Role.ADMIN: {"person": "bob"},
    Role.OWNER: {"person": "bob", "team": "team-a"},
    Role.APPROVER: {"person": "boss", "team": "team-a"},
    Role.OPERATOR: {"person": "bob"},
    Role.ANALYST: {"person": "bob"},
    Role.REQUESTER: {"person": "ann"},
}
"""The principal of each role's token in the ``svc`` server (token names ``svc-<role>``)."""

ORGANISATION = Batch(
    upsert_cis=[
        *(ci(t, "Team") for t in (*CATALOG_TEAMS, "team-biz")),
        ci("boss", "Person"),
        ci("bob", "Person"),
    ],
    upsert_relationships=[
        rel("team-a", "team-it", "REPORTS_TO"),
        rel("ann", "boss", "REPORTS_TO"),
        rel("boss", "team-hr", "MEMBER_OF"),
        rel("bob", "team-biz", "MEMBER_OF"),
        rel("app-web", "team-a", "SUPPORTED_BY"),
        rel("svc-web", "team-biz", "OWNED_BY"),
    ],
)


@dataclass
class Service:
    """The ``svc`` server and where its store lives (for the CLI)."""

    server: Server
    store_path: Path
    clock: FakeClock

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.ADMIN) -> Any:
        return self.server.gql(query, variables, role=role)

    def data(self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.ADMIN) -> Any:
        """The ``data`` of a request that must succeed."""
        body = self.gql(query, variables, role=role)
        assert "errors" not in body, body
        return body["data"]

    def codes(
        self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.ADMIN
    ) -> list[str]:
        """The error codes of a request that must fail."""
        body = self.gql(query, variables, role=role)
        assert "errors" in body, body
        return [e["extensions"]["code"] for e in body["errors"]]

    def token(self, name: str, role: Role, **principal: str) -> str:
        """Add a token and return its secret (use it with :meth:`as_token`)."""
        _, secret = self.server.token_file.create(name, role, now=NOW, **principal)
        return secret

    def as_token(self, secret: str, query: str, variables: dict[str, Any] | None = None) -> Any:
        response = self.server.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 200, response.text
        return response.json()


def _seed(server: Server, clock: FakeClock) -> None:
    store = server.store
    store.apply(ORGANISATION, actor="setup")
    CatalogStore(store).publish(DEMO_CATALOG.values(), actor="setup")
    tickets = TicketService(store, clock=clock, new_id=lambda _: "INC-ANN")
    tickets.open(
        NewTicket(type=TicketType.INCIDENT, title="Shop is slow", requester="ann", affected=("app-web",)),
        actor="setup",
    )
    change_ids = iter(["CHG-DRAFT", "CHG-SUB", "CHG-OK"])
    changes = ChangeService(store, clock=clock, new_id=lambda: next(change_ids))
    window = {"window_start": WINDOW["windowStart"], "window_end": WINDOW["windowEnd"]}
    for _ in range(3):
        changes.create(
            NewChange.checked(title="Patch the shop", change_type="normal", targets=["app-web"], **window),
            actor="setup",
        )
    changes.submit("CHG-SUB", actor="setup")
    changes.submit("CHG-OK", actor="setup")
    for step in changes.get("CHG-OK").approvals:
        changes.approve("CHG-OK", step.step, actor="setup")
    knowledge = KnowledgeService(store, clock=clock, new_id=lambda: "KB-1")
    knowledge.create(NewArticle(title="Restart the shop", documents=("app-web",)), actor="setup")
    request_ids = iter(["REQ-NEW", "REQ-OLD"])
    requests = RequestService(store, clock=clock, new_id=lambda _: next(request_ids))
    requests.submit("it-software-request", SOFTWARE, "ann", actor="setup")
    requests.submit("it-software-request", {**SOFTWARE, "licence": "existing"}, "ann", actor="setup")
    for role, principal in PRINCIPALS.items():
        _, server.tokens[role] = server.token_file.create(f"svc-{role.value}", role, now=NOW, **principal)


def service_server(make_server: ServerFactory, tmp_path: Path) -> Service:
    """A server of ``make_server``, seeded (module docstring). Each test module's ``svc``
    fixture is this."""
    clock = FakeClock(NOW)
    server = make_server(clock=clock)
    _seed(server, clock)
    return Service(server=server, store_path=tmp_path / "store-0.db", clock=clock)
