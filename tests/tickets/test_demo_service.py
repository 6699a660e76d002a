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
    assert 0 < overall["change_success_rate"] < 1  # some demo changes fail
    assert 0 < overall["self_service_rate"] < 1
    assert 0 < overall["first_contact_resolution"] < 1


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


def test_knowledge_articles_are_recommended_for_the_tickets_they_resolved(demo_dir: Path) -> None:
    cis, rels = enterprise_records(SIZE)
    assert any(c.kind == "KnowledgeArticle" for c in cis)
    resolved_by = [(r.source, r.target) for r in rels if r.type == "RESOLVED_BY"]
    assert resolved_by
    ticket, article = resolved_by[0]
    result = run_cli(["kb", "recommend", ticket, "--json"], cwd=demo_dir)
    assert result.returncode == 0, result.describe()
    recommended = [r["article_id"] for r in json.loads(result.stdout)["recommendations"]]
    assert article in recommended
    top = run_cli(["kb", "top", "--limit", "3", "--json"], cwd=demo_dir)
    assert top.returncode == 0, top.describe()
    assert len(json.loads(top.stdout)["articles"]) == 3
    missing = run_cli(["kb", "recommend", "bs-payroll-01"], cwd=demo_dir)
    assert missing.returncode == 3


def test_self_service_deflection_is_non_trivial_on_the_demo(demo_dir: Path) -> None:
    result = run_cli(["kb", "deflection", "--as-of", "2026-11-02T00:00:00+00:00", "--json"], cwd=demo_dir)
    assert result.returncode == 0, result.describe()
    report = json.loads(result.stdout)
    assert 0 < report["deflected"] < report["total_views"]
    assert report["tickets_opened"] >= 20
    assert len(report["per_article"]) == sum(
        1 for c in enterprise_records(SIZE)[0] if c.kind == "KnowledgeArticle"
    )
