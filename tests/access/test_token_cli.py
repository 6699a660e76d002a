"""``cmdbgraph token create|list|revoke`` through the real CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.clirun import ok, run_cli


def test_create_list_and_revoke_tokens(tmp_path: Path) -> None:
    ok(run_cli(["demo", "--size", "100"], cwd=tmp_path))
    created = ok(
        run_cli(["token", "create", "--role", "operator", "--name", "desk bot", "--json"], cwd=tmp_path)
    )
    doc = created.json()
    secret = doc["token"]
    assert secret.startswith("cmdbg_")
    assert (doc["role"], doc["name"], doc["revoked_at"]) == ("operator", "desk bot", None)

    listed = ok(run_cli(["token", "list", "--json"], cwd=tmp_path)).json()
    assert [t["name"] for t in listed["tokens"]] == ["desk bot"]
    assert secret not in ok(run_cli(["token", "list", "--json"], cwd=tmp_path)).stdout
    stored = sqlite3.connect(tmp_path / "cmdbgraph-tokens.db").execute("SELECT * FROM tokens").fetchall()
    assert secret not in repr(stored)

    ok(run_cli(["token", "revoke", "desk bot"], cwd=tmp_path))
    assert ok(run_cli(["token", "list", "--json"], cwd=tmp_path)).json()["tokens"] == []
    everything = ok(run_cli(["token", "list", "--all", "--json"], cwd=tmp_path)).json()["tokens"]
    assert everything[0]["revoked_at"] is not None

    again = run_cli(["token", "revoke", "desk bot"], cwd=tmp_path)
    assert again.returncode == 3
    assert "TOKEN_NOT_FOUND" in again.flat_stderr


def test_principals_must_exist_and_roles_need_theirs(tmp_path: Path) -> None:
    ok(run_cli(["demo", "--size", "100"], cwd=tmp_path))
    missing = run_cli(["token", "create", "--role", "requester", "--name", "r"], cwd=tmp_path)
    assert missing.returncode == 2
    assert "PRINCIPAL_REQUIRED" in missing.flat_stderr
    unknown = run_cli(
        ["token", "create", "--role", "owner", "--name", "o", "--team", "team-nope"], cwd=tmp_path
    )
    assert unknown.returncode == 2
    assert "UNKNOWN_REFERENCE" in unknown.flat_stderr
    wrong_kind = run_cli(
        ["token", "create", "--role", "requester", "--name", "r", "--person", "team-hr"], cwd=tmp_path
    )
    assert wrong_kind.returncode == 2
    assert (
        not (tmp_path / "cmdbgraph-tokens.db").exists()
        or ok(run_cli(["token", "list", "--json"], cwd=tmp_path)).json()["tokens"] == []
    )
