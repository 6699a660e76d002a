"""``cmdbgraph import --format ... --source NAME`` end to end: detection, sync, dry run, grace,
provenance, refusals that change nothing.

Two sources describe overlapping CIs: ``k8s`` (online-boutique's real kustomization folder) and
``cmdb`` (a small asset-register CSV written here, read through a column mapping). The CLI runs
in subprocesses against a real SQLite store; ``provenance`` runs in process (``main``) because
the command module registers itself when imported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.cli import provenance_commands  # noqa: F401  (registers the provenance command)
from cmdbgraph.cli.app import main
from cmdbgraph.ingest.importers.detect import detect_format
from cmdbgraph.schema import InvalidInput
from tests.cli.clirun import ACTOR, CliResult, ok, run_cli, snapshot
from tests.shared_fixtures import SHARED_FIXTURES as FIXTURES
from tests.shared_fixtures import shared_fixture

BOUTIQUE = FIXTURES / "online-boutique" / "kubernetes-manifests"
MAPPING = """\
name: asset-register
cis:
  key: asset_id
  name: name
  kind: class
  kinds: {service: Service, cache: Cache}
  attributes:
    owner: owner
    environment: environment
relationships:
  source: consumer
  target: provider
  fixed_type: DEPENDS_ON
"""
CIS = """\
asset_id,name,class,owner,environment
A-1,frontend,service,web-team,production
A-2,cartservice,service,cart-team,production
A-3,payments-legacy,service,finance-it,production
"""
RELS = """\
consumer,provider
A-1,A-3
"""


@pytest.fixture(autouse=True)
def _fixtures_present() -> None:
    """Fail loudly (never skip) when the shared fixtures are missing."""
    shared_fixture("online-boutique", "kubernetes-manifests")


def as_json(result: CliResult) -> dict[str, Any]:
    doc = ok(result).json()
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "map.yaml").write_text(MAPPING)
    (tmp_path / "cis.csv").write_text(CIS)
    (tmp_path / "rels.csv").write_text(RELS)
    (tmp_path / "cis-without-frontend.csv").write_text(
        "".join(CIS.splitlines(keepends=True)[i] for i in (0, 2, 3))
    )
    (tmp_path / "cis-cart-only.csv").write_text("".join(CIS.splitlines(keepends=True)[i] for i in (0, 2)))
    return tmp_path


def csv_import(tmp: Path, cis: str, *extra: str) -> CliResult:
    args = ["--store", "s.db", "import", cis, "--mapping", "map.yaml", "--source", "cmdb", "--json", *extra]
    return run_cli(args, cwd=tmp)


def provenance_json(tmp: Path, ci_id: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(["--store", str(tmp / "s.db"), "provenance", ci_id, "--json"])
    assert done.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict)
    return doc


def test_two_sources_merge_then_one_drops_a_ci(
    files: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [k for k in os.environ if k.startswith("CMDBGRAPH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CMDBGRAPH_ACTOR", ACTOR)

    k8s = as_json(run_cli(["--store", "s.db", "import", BOUTIQUE, "--source", "k8s", "--json"], cwd=files))
    assert k8s["source"] == "k8s"
    assert k8s["format"] == "kubernetes"  # detected: the folder has a kustomization.yaml
    added = {a["ci_id"]: a["kind"] for a in k8s["added"]}
    assert {k: added[k] for k in ("frontend", "cartservice", "redis-cart", "cartservice-svc")} == {
        "frontend": "Service",
        "cartservice": "Service",
        "redis-cart": "Cache",
        "cartservice-svc": "API",
    }
    assert "loadgenerator" not in added  # the kustomization leaves it out
    edges = {(r["source"], r["target"]) for r in k8s["relationships"] if r["action"] == "added"}
    assert {
        ("frontend", "cartservice-svc"),
        ("cartservice-svc", "cartservice"),
        ("cartservice", "redis-cart-svc"),
    } <= edges

    cmdb = as_json(csv_import(files, "cis.csv", "--relationships", "rels.csv"))
    assert cmdb["format"] == "csv"
    assert [(m["key"], m["ci_id"], m["rule"]) for m in cmdb["matched"]] == [
        ("A-1", "frontend", "identity:name"),
        ("A-2", "cartservice", "identity:name"),
        ("A-3", "payments-legacy", "new"),
    ]
    assert [a["ci_id"] for a in cmdb["added"]] == ["payments-legacy"]
    assert [(r["source"], r["target"], r["action"]) for r in cmdb["relationships"]] == [
        ("frontend", "payments-legacy", "added")
    ]

    doc = provenance_json(files, "frontend", capsys)
    sources = {(r["attribute"], r["source"]) for r in doc["attributes"]}
    assert {
        ("name", "k8s"),
        ("name", "cmdb"),
        ("attributes.owner", "cmdb"),
        ("attributes.image", "k8s"),
    } <= sources
    owner = next(r for r in doc["attributes"] if r["attribute"] == "attributes.owner")
    assert owner["value"] == "web-team"
    assert owner["winner"] is True
    assert owner["evidence"] == [
        {"file": "cis.csv", "field": "asset_id", "line": 2, "detail": "class=service"}
    ]
    assert {(r["source_id"], r["target_id"], r["source"]) for r in doc["relationships"]} >= {
        ("frontend", "payments-legacy", "cmdb"),
        ("frontend", "cartservice-svc", "k8s"),
    }

    # dry run of the register without frontend: reports the stale claim, writes nothing
    before = snapshot(files / "s.db", cwd=files)
    dry = as_json(csv_import(files, "cis-without-frontend.csv", "--dry-run"))
    assert dry["dry_run"] is True
    assert [(r["action"], r["subject"]) for r in dry["retirements"]] == [
        ("claim_stale", "claim:cmdb:A-1"),
        ("relationship_claim_stale", "frontend -[DEPENDS_ON]-> payments-legacy"),
    ]
    assert snapshot(files / "s.db", cwd=files) == before

    # with no grace the claim goes at once; frontend stays (k8s still claims it)
    gone = as_json(csv_import(files, "cis-without-frontend.csv", "--grace-days", "0"))
    assert [(r["action"], r["subject"]) for r in gone["retirements"]] == [
        ("claim_deleted", "claim:cmdb:A-1"),
        ("relationship_claim_deleted", "frontend -[DEPENDS_ON]-> payments-legacy"),
        ("relationship_deleted", "frontend -[DEPENDS_ON]-> payments-legacy"),
    ]
    frontend = as_json(run_cli(["--store", "s.db", "show", "frontend", "--json"], cwd=files))
    assert frontend["status"] == "operational"
    assert "owner" not in frontend["attributes"]
    assert {r["source"] for r in provenance_json(files, "frontend", capsys)["attributes"]} == {"k8s"}

    # a CI only the register claimed is retired when its claim goes
    as_json(csv_import(files, "cis-cart-only.csv", "--grace-days", "0"))
    legacy = as_json(run_cli(["--store", "s.db", "show", "payments-legacy", "--json"], cwd=files))
    assert legacy["status"] == "retired"
    cart = as_json(run_cli(["--store", "s.db", "show", "cartservice", "--json"], cwd=files))
    assert cart["status"] == "operational"
    assert cart["attributes"]["owner"] == "cart-team"


def test_refusals_change_nothing(files: Path) -> None:
    ok(
        run_cli(
            ["--store", "s.db", "import", "cis.csv", "--mapping", "map.yaml", "--source", "cmdb"], cwd=files
        )
    )
    before = snapshot(files / "s.db", cwd=files)

    mixed = files / "mixed"
    mixed.mkdir()
    (mixed / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    (mixed / "cis.csv").write_text(CIS)
    ambiguous = run_cli(["--store", "s.db", "import", mixed, "--source", "x"], cwd=files)
    assert ambiguous.returncode == 2, ambiguous.describe()
    assert "FORMAT_AMBIGUOUS" in ambiguous.flat_stderr
    assert "--format" in ambiguous.flat_stderr

    no_source = run_cli(["--store", "s.db", "import", "cis.csv", "--mapping", "map.yaml"], cwd=files)
    assert no_source.returncode == 1, no_source.describe()
    assert "--source NAME is required for --format csv" in no_source.flat_stderr

    wrong_option = run_cli(
        ["--store", "s.db", "import", BOUTIQUE, "--source", "k", "--mapping", "itop"], cwd=files
    )
    assert wrong_option.returncode == 1, wrong_option.describe()
    assert "--mapping applies to --format csv" in wrong_option.flat_stderr

    (files / "short.csv").write_text("asset_id,class\nA-9,service\n")
    missing = run_cli(
        ["--store", "s.db", "import", "short.csv", "--mapping", "map.yaml", "--source", "cmdb"], cwd=files
    )
    assert missing.returncode == 2, missing.describe()
    assert "MISSING_COLUMN" in missing.flat_stderr
    assert "short.csv" in missing.flat_stderr

    bad_name = run_cli(
        ["--store", "s.db", "import", "cis.csv", "--mapping", "map.yaml", "--source", "a:b"], cwd=files
    )
    assert bad_name.returncode == 2, bad_name.describe()
    assert "INVALID_SOURCE_NAME" in bad_name.flat_stderr

    assert snapshot(files / "s.db", cwd=files) == before


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (BOUTIQUE, "kubernetes"),
        (FIXTURES / "online-boutique" / "release" / "kubernetes-manifests.yaml", "kubernetes"),
        (FIXTURES / "otel-demo", "compose"),
        (FIXTURES / "otel-demo" / "compose.full.yaml", "compose"),
        (FIXTURES / "backstage-examples", "backstage"),
        (FIXTURES / "backstage-examples" / "acme" / "org.yaml", "backstage"),
        (Path(__file__).parents[1] / "data" / "good" / "base.json", "graph"),
        (Path(__file__).parents[1] / "data" / "good" / "printers.yaml", "graph"),
        (Path(__file__).parents[1] / "data" / "bad_input" / "top_level_list.yaml", "graph"),
    ],
)
def test_auto_detection_by_content(path: Path, expected: str) -> None:
    assert detect_format([path]) == expected


def test_detection_refuses_what_it_cannot_tell(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.yaml").write_text("title: hello\n")
    (tmp_path / "cis.csv").write_text(CIS)
    assert detect_format([tmp_path / "docs" / "notes.yaml"]) == "graph"  # as import always read it
    with pytest.raises(InvalidInput) as unknown:
        detect_format([tmp_path / "docs"])
    assert [(p.code, p.where) for p in unknown.value.problems] == [("FORMAT_UNKNOWN", str(tmp_path / "docs"))]
    with pytest.raises(InvalidInput) as mixed:
        detect_format([tmp_path / "cis.csv", BOUTIQUE])
    assert [(p.code, p.where) for p in mixed.value.problems] == [
        ("FORMAT_AMBIGUOUS", str(tmp_path / "cis.csv")),
        ("FORMAT_AMBIGUOUS", str(BOUTIQUE)),
    ]
