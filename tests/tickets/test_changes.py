"""Change requests and freezes as graph nodes, assessed on both stores (and through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput, Relationship
from cmdbgraph.tickets.changes import assess_change
from tests.cli.clirun import run_cli
from tests.factories import ci, depends_on, rel

WINDOW = {"window_start": "2026-03-07T22:00:00+00:00", "window_end": "2026-03-08T02:00:00+00:00"}


def change(change_id: str, state: str = "submitted", change_type: str = "normal", **window: str) -> Any:
    attributes = {
        "title": f"work on {change_id}",
        "change_type": change_type,
        "state": state,
        **WINDOW,
        **window,
    }
    return ci(change_id, "ChangeRequest", attributes=attributes)


def changes(change_id: str, *targets: str) -> list[Relationship]:
    return [rel(change_id, t, "CHANGES") for t in targets]


def landscape() -> Batch:
    """Payroll and billing depend on one shared database; a leaf reporting service hangs off
    billing. Changes: on the database, on the leaf, an overlapping one on billing, a failed
    one on the database last month; an incident on the database; a freeze over billing."""
    return Batch(
        upsert_cis=[
            ci("payroll", "BusinessService", criticality=1),
            ci("billing", "BusinessService", criticality=2),
            ci("svc-pay", "Service"),
            ci("svc-bill", "Service"),
            ci("reports", "Service", criticality=4),
            ci("db", "Database"),
            ci("team-dba", "Team"),
            ci("team-fin", "Team"),
            change("CHG-DB"),
            change("CHG-LEAF"),
            change(
                "CHG-BILL", window_start="2026-03-08T01:00:00+00:00", window_end="2026-03-08T03:00:00+00:00"
            ),
            change(
                "CHG-OLD",
                state="failed",
                window_start="2026-02-01T22:00:00+00:00",
                window_end="2026-02-01T23:00:00+00:00",
            ),
            ci(
                "INC-1",
                "Incident",
                attributes={
                    "title": "db slow",
                    "state": "resolved",
                    "impact": 2,
                    "urgency": 2,
                    "priority": 3,
                    "opened_at": "2026-02-02T08:00:00+00:00",
                },
            ),
            ci(
                "FREEZE-Q1",
                "FreezeWindow",
                attributes={
                    "start": "2026-03-08T00:00:00+00:00",
                    "end": "2026-03-09T00:00:00+00:00",
                    "scope": ["billing"],
                },
            ),
        ],
        upsert_relationships=[
            depends_on("payroll", "svc-pay"),
            depends_on("billing", "svc-bill"),
            depends_on("svc-pay", "db"),
            depends_on("svc-bill", "db"),
            depends_on("reports", "svc-bill"),
            rel("db", "team-dba", "OWNED_BY"),
            rel("billing", "team-fin", "OWNED_BY"),
            rel("payroll", "team-fin", "OWNED_BY"),
            *changes("CHG-DB", "db"),
            *changes("CHG-LEAF", "reports"),
            *changes("CHG-BILL", "svc-bill"),
            *changes("CHG-OLD", "db"),
            rel("INC-1", "db", "AFFECTS"),
        ],
    )


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.apply(landscape(), actor="setup")
    return store


def test_a_change_on_a_shared_database_outranks_one_on_a_leaf(loaded: GraphStore) -> None:
    on_db = assess_change(loaded, "CHG-DB")
    on_leaf = assess_change(loaded, "CHG-LEAF")

    assert on_db.risk.score > on_leaf.risk.score
    factors = {f.factor: f.value for f in on_db.risk.factors}
    assert factors["failed_changes"] > 0
    assert factors["incidents"] > 0
    assert {i.ci for i in on_db.checklist} == {"db", "payroll", "billing"}
    assert [s.approver for s in on_db.approvals][:2] == ["team-dba", "team-fin"]


def test_collisions_with_open_changes_and_freezes(loaded: GraphStore) -> None:
    found = {(c.kind, c.other) for c in assess_change(loaded, "CHG-DB").collisions}
    # CHG-BILL (svc-bill, in the database's blast radius) overlaps; the freeze covers billing,
    # which the database change impacts; the failed old change is not open, so no collision
    assert ("dependent", "CHG-BILL") in found
    assert ("freeze", "FREEZE-Q1") in found
    assert all(other != "CHG-OLD" for _, other in found)


def test_rollback_reverses_the_dependency_order(store: GraphStore) -> None:
    batch = landscape()
    store.apply(
        Batch(
            upsert_cis=[*batch.upsert_cis, change("CHG-STACK")],
            upsert_relationships=[
                *batch.upsert_relationships,
                *changes("CHG-STACK", "svc-pay", "db", "payroll"),
            ],
        ),
        actor="setup",
    )
    order = assess_change(store, "CHG-STACK").order
    assert order.implementation == ("db", "svc-pay", "payroll")
    assert order.rollback == ("payroll", "svc-pay", "db")


def test_only_change_requests_are_assessed(loaded: GraphStore) -> None:
    with pytest.raises(CINotFound):
        assess_change(loaded, "db")
    loaded.apply(Batch(upsert_cis=[change("CHG-EMPTY")]), actor="setup")
    with pytest.raises(InvalidInput) as caught:
        assess_change(loaded, "CHG-EMPTY")
    assert caught.value.problems[0].code == "CHANGE_WITHOUT_TARGETS"


def test_change_risk_on_the_command_line(tmp_path: Path) -> None:
    from cmdbgraph.ingest.graphfile import write_graph_file

    batch = landscape()
    write_graph_file(tmp_path / "graph.json", batch.upsert_cis, batch.upsert_relationships)
    assert run_cli(["import", "graph.json"], cwd=tmp_path).returncode == 0

    result = run_cli(["change-risk", "CHG-DB", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    doc = json.loads(result.stdout)
    assert doc["targets"] == ["db"]
    assert doc["risk"]["level"] in ("medium", "high", "critical")
    assert {c["kind"] for c in doc["collisions"]} >= {"dependent", "freeze"}
    assert doc["rollback_order"] == ["db"]
    leaf = json.loads(run_cli(["change-risk", "CHG-LEAF", "--json"], cwd=tmp_path).stdout)
    assert doc["risk"]["score"] > leaf["risk"]["score"]

    human = run_cli(["change-risk", "CHG-DB"], cwd=tmp_path)
    assert human.returncode == 0, human.describe()
    assert "rollback order" in human.stdout
    missing = run_cli(["change-risk", "nope"], cwd=tmp_path)
    assert missing.returncode == 3
    assert "CI_NOT_FOUND" in missing.flat_stderr
