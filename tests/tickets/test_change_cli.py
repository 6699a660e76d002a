"""``cmdbgraph change``: the whole life of a change through the real CLI, on the demo graph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.clirun import CliResult, run_cli

DB = "db-receivables-0007-01"  # in the demo (size 100, seed 42): accounts payable depends on it
SERVICE = "bs-accounts-payable-01"


def cli(tmp_path: Path, *args: str, code: int = 0) -> CliResult:
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == code, result.describe()
    return result


def cli_json(tmp_path: Path, *args: str) -> Any:
    return json.loads(cli(tmp_path, *args, "--json").stdout)


def test_create_submit_approve_and_implement_a_change_with_its_back_fill(tmp_path: Path) -> None:
    cli(tmp_path, "demo", "--size", "100")
    incident = cli_json(
        tmp_path, "ticket", "open", "--type", "incident", "--title", "Payables slow", "--affected", SERVICE
    )["id"]
    created = cli_json(
        tmp_path,
        "change", "create", "--title", "Upgrade the receivables database", "--type", "normal",
        "--target", DB, "--start", "2020-01-01T22:00:00+00:00", "--end", "2020-01-02T01:00:00+00:00",
        "--implementer", "team-fin", "--backout", "restore the last backup",
    )  # fmt: skip
    change = created["id"]
    assert (created["state"], created["targets"]) == ("draft", [DB])

    submitted = cli_json(tmp_path, "change", "submit", change)
    assert submitted["state"] == "submitted"
    steps = submitted["approvals"]
    assert steps
    assert {s["decision"] for s in steps} == {"pending"}
    for step in steps:
        approved = cli_json(
            tmp_path, "change", "approve", change, "--step", str(step["step"]), "--note", "ok"
        )
    assert approved["state"] == "approved"
    assert {s["decision"] for s in approved["approvals"]} == {"approved"}

    # the back-fill: the database got a new version and a replica
    record = cli_json(tmp_path, "show", DB)
    upgraded = {k: record[k] for k in ("id", "kind", "name", "criticality", "status")}
    upgraded["attributes"] = {**record["attributes"], "version": "2025"}
    replica = {"id": f"{DB}-replica", "kind": "Database", "name": "Receivables replica"}
    part_of = {"source": replica["id"], "target": DB, "type": "PART_OF"}
    (tmp_path / "bad.json").write_text(
        json.dumps({"cis": [upgraded], "relationships": [{**part_of, "source": "nowhere"}]})
    )
    bad = cli(tmp_path, "change", "implement", change, "--outcome", "success", "--actual", "bad.json", code=2)
    assert "DANGLING_ENDPOINT" in bad.flat_stderr
    assert "bad.json: relationships[0]" in bad.flat_stderr
    (tmp_path / "actual.json").write_text(
        json.dumps({"cis": [upgraded, replica], "relationships": [part_of]})
    )

    done = cli_json(
        tmp_path, "change", "implement", change, "--outcome", "success", "--actual", "actual.json"
    )
    assert done["change"]["state"] == "implemented"
    assert done["change"]["actual_changes"] == [
        {"op": "create_ci", "id": replica["id"]},
        {"op": "update_ci", "id": DB},
        {"op": "create_relationship", "id": f"{replica['id']} -[PART_OF]-> {DB}"},
    ]
    linked = {link["incident"]: link for link in done["linked_incidents"]}
    assert linked[incident]["via"] == SERVICE
    assert linked[incident]["path"][0] == DB
    assert incident in done["change"]["caused_incidents"]
    again = cli(tmp_path, "change", "implement", change, "--outcome", "success", code=2)
    assert "ILLEGAL_TRANSITION" in again.flat_stderr

    # history shows the back-fill, written in the same transaction as the implementation
    db_history = [e for e in cli_json(tmp_path, "history", DB)["entries"] if e["key"] == DB]
    change_history = [e for e in cli_json(tmp_path, "history", change)["entries"] if e["key"] == change]
    assert db_history[0]["op"] == "update"
    assert db_history[0]["after"]["attributes"]["version"] == "2025"
    assert change_history[0]["after"]["attributes"]["state"] == "implemented"
    assert db_history[0]["at"] == change_history[0]["at"]

    shown = cli(tmp_path, "change", "show", change)
    assert "implemented" in shown.stdout
    assert f"back-fill update_ci: {DB}" in shown.stdout
