"""``cmdbgraph ticket``: the whole life of a ticket through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.clirun import CliResult, run_cli


def cli(tmp_path: Path, *args: str, code: int = 0) -> CliResult:
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == code, result.describe()
    return result


def test_open_route_work_and_close_a_ticket(tmp_path: Path) -> None:
    cli(tmp_path, "demo", "--size", "100")
    opened = json.loads(
        cli(
            tmp_path,
            "ticket", "open", "--type", "incident", "--title", "Payroll is slow",
            "--impact", "high", "--urgency", "medium", "--affected", "bs-payroll-01", "--json",
        ).stdout
    )  # fmt: skip
    ticket = opened["id"]
    assert ticket.startswith("INC-")
    assert (opened["priority"], opened["state"]) == (2, "new")

    cli(tmp_path, "route", ticket, "--assign")
    cli(tmp_path, "ticket", "move", ticket, "start")
    cli(tmp_path, "ticket", "comment", ticket, "restarted the <b>batch</b>")
    refused = cli(tmp_path, "ticket", "move", ticket, "close", code=2)
    assert "ILLEGAL_TRANSITION" in refused.flat_stderr
    assert "allowed events from 'in_progress': assign, pend, resolve" in refused.flat_stderr
    cli(tmp_path, "ticket", "move", ticket, "resolve")
    final = json.loads(cli(tmp_path, "ticket", "move", ticket, "close", "--json").stdout)

    assert [c["state"] for c in final["timeline"]] == ["new", "assigned", "in_progress", "resolved", "closed"]
    assert final["group"] is not None
    assert [c["text"] for c in final["comments"]] == ["restarted the <b>batch</b>"]
    shown = cli(tmp_path, "ticket", "show", ticket)
    assert "closed" in shown.stdout
    audit = json.loads(cli(tmp_path, "history", ticket, "--json").stdout)
    assert len(audit["entries"]) >= 6


def test_bad_tickets_are_refused_with_their_fields(tmp_path: Path) -> None:
    cli(tmp_path, "demo", "--size", "100")
    bad = cli(tmp_path, "ticket", "open", "--type", "incident", "--title", "x", "--affected", "nope", code=2)
    assert "UNKNOWN_REFERENCE" in bad.flat_stderr
    assert "affected[0]" in bad.flat_stderr
    cli(tmp_path, "ticket", "show", "INC-NOPE", code=3)
    cli(tmp_path, "ticket", "show", "bs-payroll-01", code=3)
