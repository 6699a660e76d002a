"""``cmdbgraph sla`` through the real CLI on the small demo: status, overview, tick, tasks."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cmdbgraph.ingest.demo import enterprise_records
from cmdbgraph.ingest.demo.service_history import DEMO_EPOCH
from tests.cli.clirun import CliResult, run_cli


def cli(tmp_path: Path, *args: str, code: int = 0) -> CliResult:
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == code, result.describe()
    return result


def test_sla_on_the_demo(tmp_path: Path) -> None:
    cli(tmp_path, "demo", "--size", "100")

    # A demo ticket's clocks are read from its timeline.
    cis, _ = enterprise_records(100)
    demo = next(c for c in cis if c.kind == "Incident" and c.attributes["state"] == "closed")
    status = cli(tmp_path, "sla", "status", demo.id, "--now", DEMO_EPOCH.isoformat(), "--json").json()
    assert (status["ticket"], status["state"], status["policy_source"]) == (demo.id, "closed", "priority")
    assert status["policy"] == f"P{demo.attributes['priority']}"
    timeline = demo.attributes["timeline"]
    assert isinstance(timeline, list)
    for target in ("response", "resolution"):
        assert status[target]["state"] in ("met", "breached")
        assert status[target]["clock"] == "stopped"
    resolved = [e["at"] for e in timeline if isinstance(e, dict) and e["state"] == "resolved"][-1]
    assert datetime.fromisoformat(status["resolution"]["completed_at"]) == datetime.fromisoformat(
        str(resolved)
    )

    # A new P2 ticket, looked at a year after it was opened: breached, and escalated once.
    opened = cli(
        tmp_path,
        "ticket", "open", "--type", "incident", "--title", "Payroll is slow",
        "--impact", "high", "--urgency", "medium", "--group", "team-it-service-desk", "--json",
    ).json()  # fmt: skip
    ticket = opened["id"]
    later = (datetime.fromisoformat(opened["opened_at"]) + timedelta(days=365)).isoformat()
    overview = cli(tmp_path, "sla", "overview", "--now", later, "--json").json()
    mine = next(t for t in overview["tickets"] if t["ticket"] == ticket)
    assert (mine["policy"], mine["resolution"]["state"], mine["group"]) == (
        "P2",
        "breached",
        "team-it-service-desk",
    )
    assert overview["unreadable"] == []

    tick = cli(tmp_path, "sla", "tick", "--now", later, "--json").json()
    assert tick["written"] is True
    assert {(a["rule"], a["to"]) for a in tick["actions"] if a["ticket"] == ticket} == {
        ("notify-group-resolution-at-risk", "team-it-service-desk"),
        ("reassign-parent-team-resolution-breached", "team-it"),
        ("raise-priority-response-breached", 1),
    }
    again = cli(tmp_path, "sla", "tick", "--now", later, "--json").json()
    assert (again["actions"], again["written"]) == ([], False)

    shown = cli(tmp_path, "ticket", "show", ticket)
    assert "SLA escalation: reassigned from team-it-service-desk to team-it" in " ".join(shown.stdout.split())
    assert "P1" in shown.stdout

    tasks = cli(tmp_path, "sla", "tasks", ticket, "--json").json()
    assert (tasks["request"], tasks["tasks"]) == (ticket, [])
    missing = cli(tmp_path, "sla", "status", "bs-payroll-01", code=3)
    assert "CI_NOT_FOUND" in missing.flat_stderr
