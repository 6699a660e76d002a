"""The demo enterprise's service history: KPIs, change risk and routing all answer on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmdbgraph.ingest.demo import enterprise_records
from tests.cli.clirun import run_cli

SIZE = 1000


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo-service")
    result = run_cli(["demo", "--size", str(SIZE)], cwd=work)
    assert result.returncode == 0, result.describe()
    return work


def test_the_demo_has_tickets_changes_and_a_freeze() -> None:
    cis, rels = enterprise_records(SIZE)
    kinds = {c.kind for c in cis}
    assert {"Incident", "ServiceRequest", "ChangeRequest", "FreezeWindow"} <= kinds
    ticket_ids = {c.id for c in cis if c.kind in ("Incident", "ServiceRequest", "Problem")}
    assert any(r.type == "AFFECTS" and r.source in ticket_ids for r in rels)
    assert any(r.type == "REPORTED_AT" for r in rels)


def test_every_kpi_is_non_trivial_on_the_demo(demo_dir: Path) -> None:
    result = run_cli(["kpis", "--json"], cwd=demo_dir)
    assert result.returncode == 0, result.describe()
    overall = json.loads(result.stdout)["kpis"][0]
    assert overall["department"] is None
    assert overall["tickets"] >= 20
    for name, value in overall.items():
        if name not in ("department", "tickets", "resolved"):
            assert value is not None, name
    assert 0 < overall["sla_compliance"] <= 1
    assert 0 < overall["change_success_rate"] <= 1


def test_change_risk_and_route_answer_on_the_demo(demo_dir: Path) -> None:
    cis, _ = enterprise_records(SIZE)
    change = next(c.id for c in cis if c.kind == "ChangeRequest")
    ticket = next(c.id for c in cis if c.kind == "Incident")
    risk = run_cli(["change-risk", change, "--json"], cwd=demo_dir)
    assert risk.returncode == 0, risk.describe()
    assert json.loads(risk.stdout)["risk"]["level"] in ("low", "medium", "high", "critical")
    route = run_cli(["route", ticket, "--json"], cwd=demo_dir)
    assert route.returncode == 0, route.describe()
    assert json.loads(route.stdout)["group"] is not None
