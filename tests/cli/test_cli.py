"""End-to-end tests of the CLI: real subprocesses, real graph files, real SQLite stores.

Contracts checked (ARCHITECTURE.md, "Stable contracts"): exit codes (0 ok, 1 usage, 2 bad input,
3 not found), ``--json`` prints exactly one JSON document on stdout with progress on stderr,
``--store`` and ``CMDBGRAPH_STORE`` are both honoured, imports are idempotent and exports
canonical (export -> import -> export gives the same bytes).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.graphdb import EmbeddedStore
from cmdbgraph.ingest.demo import enterprise_records
from cmdbgraph.schema import CIData, Relationship
from tests.cli.clirun import (
    ACTOR,
    BASE_GRAPH,
    GOOD,
    CliResult,
    Job,
    StoreSnapshot,
    copy_store,
    ok,
    run_cli,
    run_jobs,
    snapshot,
    store_files,
)

DEMO_SIZE = 300
DEMO_SEED = 42
PRINTER_KINDS = GOOD / "printer_kinds.yaml"
PRINTERS = GOOD / "printers.yaml"


def one_json_document(result: CliResult) -> dict[str, Any]:
    """stdout of a ``--json`` run: exactly one JSON object and nothing else (no ANSI codes)."""
    ok(result)
    assert "\x1b" not in result.stdout
    doc = result.json()  # json.loads of the whole stdout: trailing text would fail
    assert isinstance(doc, dict)
    return doc


def store_counts(path: Path) -> tuple[int, int]:
    """(CIs, relationships) in the embedded store at ``path``, read in process."""
    store = EmbeddedStore(path)
    try:
        counts = store.counts()
        return counts.cis, counts.relationships
    finally:
        store.close()


# ---------------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Demo:
    store: Path
    result: CliResult
    cis: tuple[CIData, ...]
    relationships: tuple[Relationship, ...]
    catalog_cis: tuple[dict[str, Any], ...]
    catalog_relationships: tuple[dict[str, Any], ...]
    """What the demo's catalog part wrote on top of the enterprise (from the store's export)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A store filled by ``demo --size 300 --json``, the enterprise generated in process, and the
    catalog part (published items and requests ordered through the services) as exported."""
    work = tmp_path_factory.mktemp("demo")
    store = work / "demo.db"
    result = run_cli(["--store", store, "demo", "--size", str(DEMO_SIZE), "--json"], cwd=work)
    cis, rels = enterprise_records(DEMO_SIZE, DEMO_SEED)
    exported = ok(run_cli(["--store", store, "export"], cwd=work)).json()
    ids = {c.id for c in cis}
    keys = {r.key for r in rels}
    extra_cis = tuple(c for c in exported["cis"] if c["id"] not in ids)
    extra_rels = tuple(
        r for r in exported["relationships"] if (r["source"], r["type"], r["target"]) not in keys
    )
    return Demo(store, result, tuple(cis), tuple(rels), extra_cis, extra_rels)


@dataclass(frozen=True)
class Base:
    """A store holding ``tests/data/good/base.json`` (read-only: copy it before writing)."""

    store: Path
    snapshot: StoreSnapshot


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    work = tmp_path_factory.mktemp("base")
    store = work / "base.db"
    doc = one_json_document(run_cli(["--store", store, "import", BASE_GRAPH, "--json"], cwd=work))
    assert doc["cis"]["added"] == 9
    assert doc["relationships"]["added"] == 9
    return Base(store, snapshot(store, cwd=work))


@pytest.fixture
def base_copy(base: Base, tmp_path: Path) -> Path:
    """A private, writable copy of the base store."""
    return copy_store(base.store, tmp_path / "store.db")


# -------------------------------------------------------------------------------- demo, stats


def test_demo_json_reports_what_it_wrote(demo: Demo) -> None:
    doc = one_json_document(demo.result)
    total = len(demo.cis) + len(demo.relationships)
    assert doc["dry_run"] is False
    assert doc["cis"] == {"added": len(demo.cis), "changed": 0, "unchanged": 0, "removed": 0}
    assert doc["relationships"] == {
        "added": len(demo.relationships),
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
    }
    assert doc["seq"] == total
    assert doc["added_cis"] == [c.id for c in demo.cis[:100]]
    # progress goes to stderr, never into the JSON document
    assert "generating" in demo.result.stderr
    assert "writing" in demo.result.stderr


def test_stats_json_counts_match_the_demo(demo: Demo, tmp_path: Path) -> None:
    doc = one_json_document(run_cli(["--store", demo.store, "stats", "--json"], cwd=tmp_path))
    catalog = ok(demo.result).json()["catalog"]
    assert sorted(c["id"] for c in demo.catalog_cis if c["kind"] == "CatalogItem") == sorted(catalog["items"])
    requests = sorted(c["id"] for c in demo.catalog_cis if c["kind"] == "ServiceRequest")
    assert requests == sorted(r["id"] for r in catalog["requests"])
    assert {c["kind"] for c in demo.catalog_cis} == {"CatalogItem", "ServiceRequest", "FulfilmentTask"}
    assert all(c["id"].startswith(tuple(requests)) for c in demo.catalog_cis if c["kind"] == "FulfilmentTask")
    kinds = Counter(c.kind for c in demo.cis) + Counter(str(c["kind"]) for c in demo.catalog_cis)
    statuses = Counter(c.status.value for c in demo.cis) + Counter(
        str(c.get("status", "operational")) for c in demo.catalog_cis
    )
    types = Counter(r.type for r in demo.relationships) + Counter(
        str(r["type"]) for r in demo.catalog_relationships
    )
    written = len(demo.cis) + len(demo.relationships)
    assert {k: v for k, v in doc.items() if k != "last_seq"} == {
        "cis": len(demo.cis) + len(demo.catalog_cis),
        "relationships": len(demo.relationships) + len(demo.catalog_relationships),
        "by_kind": dict(kinds),
        "by_status": dict(statuses),
        "by_rel_type": dict(types),
    }
    assert ok(demo.result).json()["seq"] == written  # the enterprise: one history entry per record
    assert doc["last_seq"] >= written + len(demo.catalog_cis) + len(demo.catalog_relationships)
    assert abs(len(demo.cis) - DEMO_SIZE) <= 0.05 * DEMO_SIZE


# ------------------------------------------------------------------------- choosing the store


@pytest.mark.parametrize(
    ("how", "value"),
    [
        ("option", "{dir}/chosen.db"),
        ("option", "sqlite:///{dir}/chosen.db"),
        ("option", "chosen.db"),
        ("env", "{dir}/chosen.db"),
        ("env", "sqlite:///chosen.db"),
    ],
)
def test_store_is_chosen_by_option_or_environment(how: str, value: str, tmp_path: Path) -> None:
    uri = value.format(dir=tmp_path)
    if how == "option":
        result = run_cli(["--store", uri, "import", BASE_GRAPH], cwd=tmp_path)
    else:
        result = run_cli(["import", BASE_GRAPH], cwd=tmp_path, env={"CMDBGRAPH_STORE": uri})
    ok(result)
    assert store_counts(tmp_path / "chosen.db") == (9, 9)
    assert not (tmp_path / "cmdbgraph.db").exists()


def test_store_option_wins_over_environment(tmp_path: Path) -> None:
    env = {"CMDBGRAPH_STORE": str(tmp_path / "from-env.db")}
    ok(run_cli(["--store", tmp_path / "from-option.db", "import", BASE_GRAPH], cwd=tmp_path, env=env))
    assert store_counts(tmp_path / "from-option.db") == (9, 9)
    assert not (tmp_path / "from-env.db").exists()


def test_default_store_is_cmdbgraph_db_in_the_working_directory(tmp_path: Path) -> None:
    ok(run_cli(["import", BASE_GRAPH], cwd=tmp_path))
    assert store_counts(tmp_path / "cmdbgraph.db") == (9, 9)


def test_read_commands_honour_the_environment(base: Base, tmp_path: Path) -> None:
    env = {"CMDBGRAPH_STORE": f"sqlite:///{base.store}"}
    exported, stats, shown, history = run_jobs(
        [
            Job(["export"], tmp_path, env),
            Job(["stats", "--json"], tmp_path, env),
            Job(["show", "web", "--json"], tmp_path, env),
            Job(["history", "web", "--json"], tmp_path, env),
        ]
    )
    assert ok(exported).stdout_bytes == base.snapshot.export
    assert one_json_document(stats) == base.snapshot.stats
    assert one_json_document(shown)["name"] == "Web shop"
    assert one_json_document(history)["ci"] == "web"
    assert not (tmp_path / "cmdbgraph.db").exists()


def test_unsupported_store_uri_is_bad_input(tmp_path: Path) -> None:
    result = run_cli(["--store", "http://example.com/db", "stats", "--json"], cwd=tmp_path)
    assert result.returncode == 2, result.describe()
    assert result.stdout == ""
    assert "[UNKNOWN_STORE_URI]" in result.flat_stderr
    assert "unsupported store URI 'http://example.com/db'" in result.flat_stderr


# --------------------------------------------------------------------------------------- show


@pytest.fixture(scope="module")
def shown(base: Base, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliResult]:
    work = tmp_path_factory.mktemp("show")
    commands = {
        "json": ["show", "h1", "--json"],
        "json-reveal": ["show", "h1", "--json", "--reveal"],
        "text": ["show", "h1"],
        "text-reveal": ["show", "h1", "--reveal"],
        "network-json": ["show", "net", "--json"],
        "missing": ["show", "missing"],
        "history-missing": ["history", "missing", "--json"],
    }
    results = run_jobs([Job(["--store", base.store, *args], work) for args in commands.values()])
    return dict(zip(commands, results, strict=True))


def test_show_json_masks_sensitive_attributes(shown: dict[str, CliResult]) -> None:
    doc = one_json_document(shown["json"])
    assert {k: doc[k] for k in ("id", "kind", "name", "criticality", "status")} == {
        "id": "h1",
        "kind": "Host",
        "name": "host one",
        "criticality": 3,
        "status": "operational",
    }
    assert doc["attributes"] == {
        "hostname": "h1.example.com",
        "os": "RHEL 9",
        "cpu_count": 8,
        "memory_gb": 64,
        "ip_address": "***",
    }
    assert "10.1.2.3" not in shown["json"].stdout
    assert doc["provenance"]["source"] == "file:base.json"
    relationships = {(r["direction"], r["type"], r["ci"]) for r in doc["relationships"]}
    assert relationships == {("in", "RUNS_ON", "db1"), ("out", "CONNECTS_THROUGH", "net")}
    network = one_json_document(shown["network-json"])
    assert network["attributes"] == {"cidr": "***"}


def test_show_json_reveal_shows_sensitive_attributes(shown: dict[str, CliResult]) -> None:
    doc = one_json_document(shown["json-reveal"])
    assert doc["attributes"]["ip_address"] == "10.1.2.3"
    assert doc["attributes"]["cpu_count"] == 8


def test_show_text_masks_unless_reveal(shown: dict[str, CliResult]) -> None:
    text = ok(shown["text"]).stdout
    assert "host one (h1)" in text
    assert re.search(r"ip_address\s+\*\*\*", text)
    assert "10.1.2.3" not in text
    assert "RUNS_ON" in text
    assert "db1" in text
    revealed = ok(shown["text-reveal"]).stdout
    assert re.search(r"ip_address\s+10\.1\.2\.3", revealed)


@pytest.mark.parametrize("key", ["missing", "history-missing"])
def test_unknown_ci_is_not_found(key: str, shown: dict[str, CliResult]) -> None:
    result = shown[key]
    assert result.returncode == 3, result.describe()
    assert result.stdout == ""
    assert "error [CI_NOT_FOUND]: no CI with id 'missing'" in result.flat_stderr


# ------------------------------------------------------------------------------------ history


@dataclass(frozen=True)
class Histories:
    web: dict[str, Any]
    web_limited: dict[str, Any]
    web_text: str
    host: dict[str, Any]
    host_revealed: dict[str, Any]


@pytest.fixture(scope="module")
def histories(base: Base, tmp_path_factory: pytest.TempPathFactory) -> Histories:
    """The base store after a second import (by ``--actor alice-admin``) renames ``web`` and
    moves ``h1`` to another address."""
    work = tmp_path_factory.mktemp("history")
    store = copy_store(base.store, work / "store.db")
    changed = BASE_GRAPH.read_text().replace('"Web shop"', '"Web storefront"').replace("10.1.2.3", "10.9.9.9")
    (work / "changed.json").write_text(changed)
    doc = one_json_document(
        run_cli(["--store", store, "--actor", "alice-admin", "import", "changed.json", "--json"], cwd=work)
    )
    assert doc["changed_cis"] == ["web", "h1"]
    web, limited, text, host, revealed = run_jobs(
        [
            Job(["--store", store, "history", "web", "--json"], work),
            Job(["--store", store, "history", "web", "--json", "--limit", "1"], work),
            Job(["--store", store, "history", "web"], work),
            Job(["--store", store, "history", "h1", "--json"], work),
            Job(["--store", store, "history", "h1", "--json", "--reveal"], work),
        ]
    )
    return Histories(
        one_json_document(web),
        one_json_document(limited),
        ok(text).stdout,
        one_json_document(host),
        one_json_document(revealed),
    )


def test_history_json_lists_changes_newest_first(histories: Histories) -> None:
    doc = histories.web
    assert doc["ci"] == "web"
    entries = doc["entries"]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == len(seqs)
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times, reverse=True)
    newest = entries[0]
    assert (newest["entity"], newest["key"], newest["op"], newest["actor"]) == (
        "ci",
        "web",
        "update",
        "alice-admin",
    )
    assert newest["before"]["name"] == "Web shop"
    assert newest["after"]["name"] == "Web storefront"
    created = [e for e in entries if e["entity"] == "ci" and e["op"] == "create"]
    assert len(created) == 1
    assert created[0]["actor"] == ACTOR
    assert created[0]["before"] is None
    assert created[0]["after"]["attributes"] == {"environment": "production", "tier": 1}
    rel_keys = sorted(tuple(e["key"]) for e in entries if e["entity"] == "relationship")
    assert rel_keys == [("web", "DEPENDS_ON", "api"), ("web", "OWNED_BY", "team-shop")]
    assert len(entries) == 4


def test_history_limit_keeps_the_newest(histories: Histories) -> None:
    assert histories.web_limited["entries"] == histories.web["entries"][:1]


def test_history_text_names_actor_and_change(histories: Histories) -> None:
    assert "history of web" in histories.web_text
    assert "alice-admin" in histories.web_text
    assert ACTOR in histories.web_text
    assert "update" in histories.web_text


def test_history_json_masks_sensitive_attributes_unless_reveal(histories: Histories) -> None:
    (update,) = [e for e in histories.host["entries"] if e["entity"] == "ci" and e["op"] == "update"]
    assert update["before"]["attributes"]["ip_address"] == "***"
    assert update["after"]["attributes"]["ip_address"] == "***"
    assert update["after"]["attributes"]["cpu_count"] == 8
    assert "10.1.2.3" not in str(histories.host)
    assert "10.9.9.9" not in str(histories.host)
    (revealed,) = [
        e for e in histories.host_revealed["entries"] if e["entity"] == "ci" and e["op"] == "update"
    ]
    assert revealed["before"]["attributes"]["ip_address"] == "10.1.2.3"
    assert revealed["after"]["attributes"]["ip_address"] == "10.9.9.9"


# ------------------------------------------------------------------------------- usage errors

USAGE_ERRORS: dict[str, list[str]] = {
    "unknown-command": ["frobnicate"],
    "show-missing-argument": ["show"],
    "import-missing-argument": ["import"],
    "demo-size-too-small": ["demo", "--size", "5"],
    "unknown-option": ["stats", "--bogus"],
    "export-unknown-format": ["export", "--format", "xml"],
    "history-limit-zero": ["history", "web", "--limit", "0"],
}


@pytest.fixture(scope="module")
def usage_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, CliResult]]:
    work = tmp_path_factory.mktemp("usage")
    stores = {name: work / f"{name}.db" for name in USAGE_ERRORS}
    results = run_jobs([Job(["--store", stores[n], *args], work) for n, args in USAGE_ERRORS.items()])
    return {name: (stores[name], result) for name, result in zip(USAGE_ERRORS, results, strict=True)}


@pytest.mark.parametrize("name", list(USAGE_ERRORS))
def test_usage_errors_exit_1_and_touch_no_store(
    name: str, usage_runs: dict[str, tuple[Path, CliResult]]
) -> None:
    store, result = usage_runs[name]
    assert result.returncode == 1, result.describe()
    assert result.stdout == ""
    assert not store.exists(), "a usage error must not create the store"


def test_usage_errors_print_a_usage_message_not_a_traceback(
    usage_runs: dict[str, tuple[Path, CliResult]],
) -> None:
    for name, (_, result) in usage_runs.items():
        assert "Traceback" not in result.stderr, f"{name}:\n{result.stderr}"
    assert "No such command 'frobnicate'" in usage_runs["unknown-command"][1].stderr
    assert "Missing" in usage_runs["show-missing-argument"][1].stderr


def test_help_exits_0(tmp_path: Path) -> None:
    result = ok(run_cli(["--help"], cwd=tmp_path))
    for command in ("demo", "import", "export", "show", "stats", "history"):
        assert command in result.stdout
    assert not (tmp_path / "cmdbgraph.db").exists()


# ---------------------------------------------------------------------- import: dry run, idempotence

CHANGED_BASE = (
    BASE_GRAPH.read_text()
    .replace('"Web shop"', '"Web storefront"')
    .replace(
        '{"source": "web", "target": "api", "type": "DEPENDS_ON"}',
        '{"source": "web", "target": "api", "type": "DEPENDS_ON"},\n'
        '{"source": "web", "target": "n-new", "type": "DEPENDS_ON", "optional": true}',
    )
    .replace('"cis": [\n', '"cis": [\n{"id": "n-new", "kind": "Cache", "attributes": {"engine": "Redis"}},\n')
)


def test_dry_run_reports_the_diff_and_writes_nothing(base: Base, base_copy: Path, tmp_path: Path) -> None:
    (tmp_path / "changed.json").write_text(CHANGED_BASE)
    as_json, as_text = run_jobs(
        [
            Job(["--store", base_copy, "import", "changed.json", "--dry-run", "--json"], tmp_path),
            Job(["--store", base_copy, "import", "changed.json", "--dry-run"], tmp_path),
        ]
    )
    doc = one_json_document(as_json)
    assert doc["dry_run"] is True
    assert doc["seq"] == base.snapshot.last_seq
    assert doc["cis"] == {"added": 1, "changed": 1, "unchanged": 8, "removed": 0}
    assert doc["relationships"] == {"added": 1, "changed": 0, "unchanged": 9, "removed": 0}
    assert doc["added_cis"] == ["n-new"]
    assert doc["changed_cis"] == ["web"]

    text = ok(as_text).stdout
    assert "dry run: nothing written" in text
    header = re.search(r"added\s*┃\s*changed\s*┃\s*unchanged", text)
    assert header, text
    assert re.search(r"CIs\s*│\s*1\s*│\s*1\s*│\s*8\s*│", text), text
    assert re.search(r"relationships\s*│\s*1\s*│\s*0\s*│\s*9\s*│", text), text

    after = snapshot(base_copy, cwd=tmp_path)
    assert after.last_seq == base.snapshot.last_seq
    assert after.export == base.snapshot.export
    assert after.stats == base.snapshot.stats

    # the real import does what the dry run said: one history entry per written record
    real = one_json_document(
        run_cli(["--store", base_copy, "import", "changed.json", "--json"], cwd=tmp_path)
    )
    assert real["dry_run"] is False
    assert {k: real[k] for k in ("cis", "relationships")} == {k: doc[k] for k in ("cis", "relationships")}
    assert real["seq"] == base.snapshot.last_seq + 3


def test_import_is_idempotent(base: Base, base_copy: Path, tmp_path: Path) -> None:
    files_before = store_files(base_copy)
    result = run_cli(["--store", base_copy, "import", BASE_GRAPH, "--json"], cwd=tmp_path)
    doc = one_json_document(result)
    assert doc["cis"] == {"added": 0, "changed": 0, "unchanged": 9, "removed": 0}
    assert doc["relationships"] == {"added": 0, "changed": 0, "unchanged": 9, "removed": 0}
    assert doc["seq"] == base.snapshot.last_seq
    assert "importing" in result.stderr
    assert store_files(base_copy) == files_before
    after = snapshot(base_copy, cwd=tmp_path)
    assert after.last_seq == base.snapshot.last_seq
    assert after.export == base.snapshot.export


# ------------------------------------------------------------------------- export round trip


def test_export_import_export_is_byte_identical_in_json_and_yaml(demo: Demo, tmp_path: Path) -> None:
    ok(demo.result)
    to_stdout, to_json, to_yaml = run_jobs(
        [
            Job(["--store", demo.store, "export"], tmp_path),
            Job(["--store", demo.store, "export", "out.json"], tmp_path),
            Job(["--store", demo.store, "export", "out.yaml"], tmp_path),
        ]
    )
    original_json = ok(to_stdout).stdout_bytes
    assert original_json == (tmp_path / "out.json").read_bytes()
    original_yaml = (tmp_path / "out.yaml").read_bytes()
    assert original_yaml.startswith(b"cis:\n")
    n_cis = len(demo.cis) + len(demo.catalog_cis)
    n_rels = len(demo.relationships) + len(demo.catalog_relationships)
    for written in (to_json, to_yaml):
        assert ok(written).stdout == ""
        assert f"wrote {n_cis} CIs and {n_rels} relationships to out." in written.flat_stderr

    from_json, from_yaml = tmp_path / "from-json.db", tmp_path / "from-yaml.db"
    imported = run_jobs(
        [
            Job(["--store", from_json, "import", "out.json", "--json"], tmp_path),
            Job(["--store", from_yaml, "import", "out.yaml", "--json"], tmp_path),
        ]
    )
    for result in imported:
        doc = one_json_document(result)
        assert doc["cis"]["added"] == n_cis
        assert doc["relationships"]["added"] == n_rels

    again_json, again_yaml, yaml_as_json = run_jobs(
        [
            Job(["--store", from_json, "export"], tmp_path),
            Job(["--store", from_yaml, "export", "--format", "yaml"], tmp_path),
            Job(["--store", from_yaml, "export"], tmp_path),
        ]
    )
    assert ok(again_json).stdout_bytes == original_json
    assert ok(again_yaml).stdout_bytes == original_yaml
    assert ok(yaml_as_json).stdout_bytes == original_json


# --------------------------------------------------------------------------- user kinds (--kinds)

PRINTER_WITHOUT_SERIAL = """\
cis:
  - {id: prn-2, kind: Printer, attributes: {toner: ok}}
relationships: []
"""


def test_user_kind_requires_its_attributes(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    (tmp_path / "no_serial.yaml").write_text(PRINTER_WITHOUT_SERIAL)
    kinds: list[str | Path] = ["--kinds", PRINTER_KINDS]

    rejected = run_cli(["--store", store, *kinds, "import", "no_serial.yaml"], cwd=tmp_path)
    assert rejected.returncode == 2, rejected.describe()
    assert rejected.stdout == ""
    assert (
        "- no_serial.yaml: cis[0] (id 'prn-2'), field 'attributes.serial': "
        "Printer requires attribute 'serial' [ATTRIBUTE_REQUIRED]"
    ) in rejected.flat_stderr

    accepted = one_json_document(
        run_cli(["--store", store, *kinds, "import", PRINTERS, "--json"], cwd=tmp_path)
    )
    assert accepted["cis"]["added"] == 2
    assert accepted["relationships"]["added"] == 1
    assert accepted["seq"] == 3  # the rejected import wrote nothing

    shown, via_env, without_kinds = run_jobs(
        [
            Job(["--store", store, *kinds, "show", "prn-1", "--json"], tmp_path),
            Job(
                ["--store", store, "import", PRINTERS, "--json"],
                tmp_path,
                {"CMDBGRAPH_KINDS_FILE": str(PRINTER_KINDS)},
            ),
            Job(["--store", store, "import", PRINTERS], tmp_path),
        ]
    )
    doc = one_json_document(shown)
    assert doc["kind"] == "Printer"
    assert doc["attributes"] == {"serial": "SN-0001", "toner": "low", "pin": "***"}
    assert [(r["type"], r["ci"]) for r in doc["relationships"]] == [("PRINTS_FOR", "team-office")]
    assert one_json_document(via_env)["cis"] == {"added": 0, "changed": 0, "unchanged": 2, "removed": 0}
    assert without_kinds.returncode == 2, without_kinds.describe()
    assert "unknown kind 'Printer' [UNKNOWN_KIND]" in without_kinds.flat_stderr


@dataclass(frozen=True)
class BadKinds:
    """A broken kinds file (``None``: the file does not exist) and the problem it must cause."""

    content: str | None
    field: str
    message: str


BAD_KINDS: dict[str, BadKinds] = {
    "lowercase-name": BadKinds(
        "kinds:\n  - name: printer\n", "kinds.0.name", "kind name 'printer' must be PascalCase"
    ),
    "unknown-attribute-type": BadKinds(
        "kinds:\n  - name: Printer\n    attributes:\n      serial: {type: text}\n",
        "kinds.0.attributes.serial.type",
        "Input should be 'string'",
    ),
    "unknown-key": BadKinds("kind:\n  - name: Printer\n", "kind", "Extra inputs are not permitted"),
    "malformed-yaml": BadKinds("kinds: [\n", "", "malformed YAML/JSON"),
    "top-level-list": BadKinds(
        "- name: Printer\n", "", "expected a mapping with 'kinds' and 'relationship_types'"
    ),
    "redefined-builtin-rel-type": BadKinds(
        "relationship_types:\n  - {name: DEPENDS_ON, propagates: false}\n",
        "relationship_types.0",
        "built-in relationship type DEPENDS_ON cannot be redefined",
    ),
    "absent": BadKinds(None, "", "cannot read: No such file or directory"),
}


@pytest.fixture(scope="module")
def bad_kinds_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, CliResult]]:
    work = tmp_path_factory.mktemp("kinds")
    for name, bad in BAD_KINDS.items():
        if bad.content is not None:
            (work / f"{name}.yaml").write_text(bad.content)
    jobs = [
        Job(["--store", work / f"{name}.db", "--kinds", f"{name}.yaml", "import", PRINTERS], work)
        for name in BAD_KINDS
    ]
    results = run_jobs(jobs)
    return {name: (work / f"{name}.db", result) for name, result in zip(BAD_KINDS, results, strict=True)}


@pytest.mark.parametrize("name", list(BAD_KINDS))
def test_invalid_kinds_file_is_rejected(name: str, bad_kinds_runs: dict[str, tuple[Path, CliResult]]) -> None:
    store, result = bad_kinds_runs[name]
    bad = BAD_KINDS[name]
    assert result.returncode == 2, result.describe()
    assert result.stdout == ""
    where = f"- {name}.yaml, field '{bad.field}': " if bad.field else f"- {name}.yaml: "
    assert where in result.flat_stderr
    assert bad.message in result.flat_stderr
    assert result.flat_stderr.endswith("[INVALID_SCHEMA_CONFIG]")
    assert not store.exists(), "an invalid kinds file must stop the command before the store is opened"
