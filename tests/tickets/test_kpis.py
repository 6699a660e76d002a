"""KPIs on a hand-made service history whose every figure is computed by hand below."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.ingest.graphfile import write_graph_file
from cmdbgraph.schema import CIData
from cmdbgraph.tickets.kpis import kpis
from tests.cli.clirun import run_cli
from tests.factories import ci, rel


def ticket(ticket_id: str, department: str, steps: list[tuple[str, str]], **extra: Any) -> CIData:
    """A ticket opened at the first step's time; its state is the last step's."""
    attributes = {
        "title": ticket_id,
        "state": steps[-1][1],
        "impact": 2,
        "urgency": 2,
        "priority": extra.pop("priority", 1),
        "opened_at": steps[0][0],
        "timeline": [{"at": at, "state": state, "actor": "t"} for at, state in steps],
        "department": department,
        **extra,
    }
    return ci(ticket_id, "Incident", attributes=attributes)


D = "2026-03-02T"  # a Monday


def history() -> Batch:
    """HR: A resolved in 2 h (P1, 4 h target: met; 1 assignment; acknowledged after 30 min,
    portal, csat 5, nps 10), B resolved in 6 h (P1: breached; reassigned; acknowledged after
    1 h, csat 3, nps 5, automated), C open (complaint). Finance: D resolved after a reopen.
    Changes: one implemented, one failed, one draft."""
    return Batch(
        upsert_cis=[
            ci("alice", "Person"),
            ci("bob", "Person"),
            ticket(
                "A", "HR",
                [(D + "09:00:00+00:00", "new"), (D + "09:10:00+00:00", "assigned"),
                 (D + "09:30:00+00:00", "in_progress"), (D + "11:00:00+00:00", "resolved")],
                channel="portal", csat=5, nps=10,
            ),
            ticket(
                "B", "HR",
                [(D + "09:00:00+00:00", "new"), (D + "09:05:00+00:00", "assigned"),
                 (D + "09:30:00+00:00", "assigned"), (D + "10:00:00+00:00", "in_progress"),
                 (D + "15:00:00+00:00", "resolved"), (D + "16:00:00+00:00", "closed")],
                channel="email", csat=3, nps=5, automated=True,
            ),
            ticket("C", "HR", [(D + "10:00:00+00:00", "new")], category="complaint", channel="portal"),
            ticket(
                "D", "Finance",
                [(D + "08:00:00+00:00", "new"), (D + "08:10:00+00:00", "assigned"),
                 (D + "08:20:00+00:00", "in_progress"), (D + "09:00:00+00:00", "resolved"),
                 (D + "09:30:00+00:00", "in_progress"), (D + "10:00:00+00:00", "resolved")],
            ),
            *(
                ci(cid, "ChangeRequest", attributes={
                    "title": cid, "change_type": "normal", "state": state,
                    "window_start": D + "20:00:00+00:00", "window_end": D + "21:00:00+00:00"})
                for cid, state in (("C1", "implemented"), ("C2", "failed"), ("C3", "draft"))
            ),
        ],
        upsert_relationships=[
            rel("A", "alice", "ASSIGNED_TO"),
            rel("B", "alice", "ASSIGNED_TO"),
            rel("C", "bob", "ASSIGNED_TO"),
        ],
    )  # fmt: skip


def test_kpis_of_a_department(store: GraphStore) -> None:
    store.apply(history(), actor="t")
    hr = kpis(store.contents(), department="HR")

    assert (hr.tickets, hr.resolved) == (3, 2)
    assert hr.self_service_rate == pytest.approx(2 / 3)
    assert hr.first_contact_resolution == pytest.approx(1 / 2)  # B was reassigned
    assert hr.sla_compliance == pytest.approx(1 / 2)  # A met 4 h, B took 6 h
    assert hr.mtta_hours == pytest.approx((0.5 + 1.0) / 2)  # A 0.5 h, B 1 h (C never started)
    assert hr.mttr_hours == pytest.approx((2 + 6) / 2)
    assert hr.csat == pytest.approx(4.0)
    assert hr.nps == pytest.approx(0.0)  # one promoter, one detractor
    assert hr.complaint_rate == pytest.approx(1 / 3)
    assert hr.tickets_per_agent == pytest.approx(3 / 2)  # alice 2, bob 1
    assert hr.automation_hit_rate == pytest.approx(1 / 2)
    assert hr.change_success_rate == pytest.approx(1 / 2)


def test_reopened_tickets_are_not_first_contact_and_periods_cut(store: GraphStore) -> None:
    store.apply(history(), actor="t")
    finance = kpis(store.contents(), department="Finance")
    assert finance.first_contact_resolution == 0.0
    assert finance.mttr_hours == pytest.approx(2.0)  # to the final resolution
    later = kpis(store.contents(), start=datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert later.tickets == 1  # only C was opened from 09:30
    assert later.change_success_rate == pytest.approx(1 / 2)
    nothing = kpis(store.contents(), department="Legal")
    assert nothing.tickets == 0
    assert nothing.sla_compliance is None


def test_kpis_on_the_command_line(tmp_path: Path) -> None:
    batch = history()
    write_graph_file(tmp_path / "g.json", batch.upsert_cis, batch.upsert_relationships)
    assert run_cli(["import", "g.json"], cwd=tmp_path).returncode == 0
    result = run_cli(["kpis", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.describe()
    rows = {r["department"]: r for r in json.loads(result.stdout)["kpis"]}
    assert set(rows) == {None, "Finance", "HR"}
    assert rows[None]["tickets"] == 4
    assert rows["HR"]["sla_compliance"] == 0.5
    table = run_cli(["kpis"], cwd=tmp_path)
    assert table.returncode == 0, table.describe()
    assert "first_contact_resolution" in table.stdout
