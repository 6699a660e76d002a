"""``cmdbgraph migrate`` between the embedded store and a Bolt server, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmdbgraph.graphdb.neo4j import Neo4jStore
from tests.cli.clirun import run_cli
from tests.conftest import BoltTarget

pytestmark = pytest.mark.neo4j


def bolt_env(target: BoltTarget) -> dict[str, str]:
    o = target.options
    env = {
        "CMDBGRAPH_NEO4J_USER": o.user,
        "CMDBGRAPH_NEO4J_PASSWORD": o.password,
        "CMDBGRAPH_NEO4J_FLAVOUR": o.flavour,
    }
    if o.database:
        env["CMDBGRAPH_NEO4J_DATABASE"] = o.database
    return env


def test_embedded_to_bolt_to_embedded_reproduces_the_export(bolt_target: BoltTarget, tmp_path: Path) -> None:
    Neo4jStore(bolt_target.uri, options=bolt_target.options).wipe()
    env = bolt_env(bolt_target)
    uri = bolt_target.uri

    def cli(*args: str | Path) -> str:
        result = run_cli(args, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.describe()
        return result.stdout

    cli("--store", "first.db", "demo", "--size", "200")
    cli("--store", "first.db", "export", "first.json")
    assert "verified" in cli("migrate", "--from", "first.db", "--to", uri)
    cli("--store", uri, "export", "bolt.json")
    assert "verified" in cli("migrate", "--from", uri, "--to", "second.db")
    cli("--store", "second.db", "export", "second.json")

    original = (tmp_path / "first.json").read_bytes()
    assert (tmp_path / "bolt.json").read_bytes() == original
    assert (tmp_path / "second.json").read_bytes() == original
    # the history came along too
    assert cli("--store", "second.db", "history", "bs-payroll-01", "--json") == cli(
        "--store", "first.db", "history", "bs-payroll-01", "--json"
    )
    # analyses answer the same on the Bolt store
    for args in (
        ["impact", "bs-payroll-01", "--json"],
        ["root-cause", "bs-payroll-01", "--json"],
        ["depends-on", "bs-payroll-01", "--json"],
        ["show", "bs-payroll-01", "--json"],
        ["health", "--json"],
        ["stats", "--json"],
    ):
        assert cli("--store", uri, *args) == cli("--store", "first.db", *args), args


def test_migrate_into_a_store_that_is_not_empty_is_refused(bolt_target: BoltTarget, tmp_path: Path) -> None:
    Neo4jStore(bolt_target.uri, options=bolt_target.options).wipe()
    env = bolt_env(bolt_target)
    assert run_cli(["--store", "a.db", "demo", "--size", "100"], cwd=tmp_path, env=env).returncode == 0
    assert (
        run_cli(["migrate", "--from", "a.db", "--to", bolt_target.uri], cwd=tmp_path, env=env).returncode == 0
    )

    again = run_cli(["migrate", "--from", "a.db", "--to", bolt_target.uri], cwd=tmp_path, env=env)

    assert again.returncode == 2, again.describe()
    assert "TARGET_NOT_EMPTY" in again.flat_stderr


def test_an_unreachable_bolt_server_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["--store", "bolt://127.0.0.1:1", "stats"], cwd=tmp_path)
    assert result.returncode == 1, result.describe()
    assert "STORE_UNAVAILABLE" in result.flat_stderr
    assert "bolt://127.0.0.1:1" in result.flat_stderr


def test_writing_commands_work_on_a_bolt_store(bolt_target: BoltTarget, tmp_path: Path) -> None:
    Neo4jStore(bolt_target.uri, options=bolt_target.options).wipe()
    env = bolt_env(bolt_target)
    uri = bolt_target.uri

    def cli(*args: str | Path, code: int = 0) -> str:
        result = run_cli(args, cwd=tmp_path, env=env)
        assert result.returncode == code, result.describe()
        return result.stdout

    def stats(store: str) -> dict[str, object]:
        counts = json.loads(cli("--store", store, "stats", "--json"))
        del counts["last_seq"]
        return dict(counts)

    cli("--store", uri, "demo", "--size", "100")
    cli("--store", uri, "export", "demo.json")
    cli("--store", "copy.db", "import", "demo.json")
    before = cli("--store", uri, "stats", "--json")
    again = json.loads(cli("--store", uri, "import", "demo.json", "--json"))

    assert again["cis"]["added"] == again["cis"]["changed"] == 0
    assert cli("--store", uri, "stats", "--json") == before  # nothing written, not even history
    assert stats(uri) == stats("copy.db")
    cli("--store", uri, "show", "no-such-ci", code=3)
