"""Routing stored tickets on both stores, and ``cmdbgraph route`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.ingest.graphfile import write_graph_file
from cmdbgraph.schema import CINotFound
from cmdbgraph.tickets.dispatch import route_ticket
from cmdbgraph.tickets.lifecycle import TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.service import TicketService
from tests.cli.clirun import run_cli
from tests.factories import ci, depends_on, rel


def support_desk() -> Batch:
    """Payroll depends on a database the DBA team supports; alice and carol are DBAs."""
    return Batch(
        upsert_cis=[
            ci("payroll", "BusinessService"),
            ci("db", "Database"),
            ci("team-dba", "Team"),
            ci("alice", "Person"),
            ci("carol", "Person"),
        ],
        upsert_relationships=[
            depends_on("payroll", "db"),
            rel("db", "team-dba", "SUPPORTED_BY"),
            rel("alice", "team-dba", "MEMBER_OF"),
            rel("carol", "team-dba", "MEMBER_OF"),
        ],
    )


def test_a_ticket_goes_to_the_support_team_of_what_it_depends_on(store: GraphStore) -> None:
    store.apply(support_desk(), actor="setup")
    tickets = TicketService(store)
    busy = tickets.open(
        NewTicket(type=TicketType.INCIDENT, title="db backup failed", affected=("db",), assignee="carol"),
        actor="ops",
    )
    new = tickets.open(
        NewTicket(type=TicketType.INCIDENT, title="payroll slow", affected=("payroll",)), actor="hr"
    )

    decision = route_ticket(store, new.id)

    assert decision.rule == "dependency_support"
    assert decision.group == "team-dba"
    assert decision.path == ("payroll", "db", "team-dba")
    assert decision.assignee == "alice"  # carol already has an open ticket
    assert route_ticket(store, busy.id).rule == "affected_ci_support"
    with pytest.raises(CINotFound):
        route_ticket(store, "db")


def test_route_on_the_command_line_and_assign(tmp_path: Path) -> None:
    batch = support_desk()
    ticket = ci(
        "INC-7",
        "Incident",
        attributes={
            "title": "payroll slow",
            "state": "new",
            "impact": 2,
            "urgency": 2,
            "priority": 3,
            "opened_at": "2026-03-02T09:00:00+00:00",
        },
    )
    write_graph_file(
        tmp_path / "graph.json",
        [*batch.upsert_cis, ticket],
        [*batch.upsert_relationships, rel("INC-7", "payroll", "AFFECTS")],
    )
    assert run_cli(["import", "graph.json"], cwd=tmp_path).returncode == 0

    advice = run_cli(["route", "INC-7", "--json"], cwd=tmp_path)
    assert advice.returncode == 0, advice.describe()
    doc = json.loads(advice.stdout)
    assert (doc["group"], doc["assignee"], doc["rule"], doc["assigned"]) == (
        "team-dba",
        "alice",
        "dependency_support",
        False,
    )

    done = run_cli(["route", "INC-7", "--assign"], cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    assert "team-dba" in done.stdout
    shown = json.loads(run_cli(["show", "INC-7", "--json"], cwd=tmp_path).stdout)
    assert shown["attributes"]["state"] == "assigned"
    history = run_cli(["history", "INC-7", "--json"], cwd=tmp_path)
    assert "ASSIGNED_TO" in history.stdout
