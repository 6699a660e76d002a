"""The analysis commands end to end: ``impact``, ``root-cause``, ``depends-on`` and ``health`` in
real subprocesses, against an imported hand-made graph and a ``demo --size 300`` store.

Contracts (ARCHITECTURE.md, "Stable contracts"): ``impact --json`` prints ``{"impacted": [{"id",
"kind", "severity", "depth", "path"}...]}`` with paths from the failed CI; ``root-cause --json``
prints ``{"candidates": [{"id", "score", "explains", "path"}...]}`` best first; an unknown CI
exits 3 with ``CI_NOT_FOUND``; without ``--json`` the commands print rich tables.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.ingest.demo import enterprise_records
from cmdbgraph.schema import Relationship
from tests.cli.clirun import CliResult, Job, ok, run_jobs
from tests.factories import flow_pairs

DEMO_SIZE = 300
DEMO_SEED = 42  # the demo command's default

#   bs-shop -> web -> api -> db -RUNS_ON-> host;   reports -> db
#   api ..optional..> cache;   web -OWNED_BY-> team;   svc-x <-> svc-y;   orphan
HAND_GRAPH: dict[str, Any] = {
    "cis": [
        {"id": "bs-shop", "kind": "BusinessService", "name": "Web shop", "criticality": 1},
        {"id": "web", "kind": "Service"},
        {"id": "api", "kind": "API"},
        {"id": "db", "kind": "Database"},
        {"id": "cache", "kind": "Cache"},
        {"id": "host", "kind": "Host"},
        {"id": "reports", "kind": "Service"},
        {"id": "svc-x", "kind": "Service"},
        {"id": "svc-y", "kind": "Service"},
        {"id": "orphan", "kind": "Service"},
        {"id": "team", "kind": "Team"},
    ],
    "relationships": [
        {"source": "bs-shop", "target": "web", "type": "DEPENDS_ON"},
        {"source": "web", "target": "api", "type": "DEPENDS_ON"},
        {"source": "api", "target": "db", "type": "DEPENDS_ON"},
        {"source": "api", "target": "cache", "type": "DEPENDS_ON", "optional": True},
        {"source": "db", "target": "host", "type": "RUNS_ON"},
        {"source": "reports", "target": "db", "type": "DEPENDS_ON"},
        {"source": "web", "target": "team", "type": "OWNED_BY"},
        {"source": "svc-x", "target": "svc-y", "type": "DEPENDS_ON"},
        {"source": "svc-y", "target": "svc-x", "type": "DEPENDS_ON"},
    ],
}


def json_doc(result: CliResult) -> dict[str, Any]:
    """stdout of a ``--json`` run: exactly one JSON object, no ANSI codes."""
    ok(result)
    assert "\x1b" not in result.stdout
    doc = result.json()
    assert isinstance(doc, dict)
    return doc


def assert_impact_rows(doc: dict[str, Any], failed: str, pairs: set[tuple[str, str]]) -> None:
    """The contract shape, and every path a real failure-flow path from the failed CI."""
    for row in doc["impacted"]:
        assert {"id", "kind", "severity", "depth", "path"} <= set(row), row
        assert row["severity"] in {"down", "degraded"}
        path = row["path"]
        assert path[0] == failed, row
        assert path[-1] == row["id"], row
        assert len(path) == row["depth"] + 1, row
        assert all(tuple(hop) in pairs for hop in itertools.pairwise(path)), row


# -------------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Demo:
    store: Path
    graph: ImpactGraph
    pairs: set[tuple[str, str]]
    failed: str


@dataclass(frozen=True)
class Runs:
    """Every CLI run of this module, by name (run concurrently, once)."""

    hand: dict[str, CliResult]
    demo: dict[str, CliResult]
    demo_world: Demo


def demo_world(store: Path) -> Demo:
    cis, rels = enterprise_records(DEMO_SIZE, DEMO_SEED)
    g = ImpactGraph.build(cis, rels)
    # the database whose failure reaches most CIs (then the smallest id)
    databases = [c.id for c in cis if c.kind == "Database"]
    failed = min(databases, key=lambda d: (-len(blast_radius(g, [d])), d))
    assert len(blast_radius(g, [failed])) >= 5
    return Demo(store, g, flow_pairs(rels), failed)


HAND_RUNS: dict[str, list[str]] = {
    "impact": ["impact", "db", "--json"],
    "impact-depth-1": ["impact", "db", "--depth", "1", "--json"],
    "impact-soft": ["impact", "cache", "--json"],
    "root-cause": ["root-cause", "api", "reports", "--json"],
    "root-cause-healthy": ["root-cause", "api", "reports", "--healthy", "web", "--json"],
    "depends-on": ["depends-on", "bs-shop", "--json"],
    "health": ["health", "--json"],
    "impact-text": ["impact", "db"],
    "root-cause-text": ["root-cause", "api", "reports"],
    "depends-on-text": ["depends-on", "bs-shop"],
    "health-text": ["health"],
    "missing-impact": ["impact", "db", "nope", "--json"],
    "missing-root-cause": ["root-cause", "api", "nope", "--json"],
    "missing-healthy": ["root-cause", "api", "--healthy", "nope", "--json"],
    "missing-depends-on": ["depends-on", "nope", "--json"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    work = tmp_path_factory.mktemp("impact-cli")
    graph_file = work / "graph.json"
    graph_file.write_text(json.dumps(HAND_GRAPH))
    hand_store, demo_store = work / "hand.db", work / "demo.db"
    imported, generated = run_jobs(
        [
            Job(["--store", hand_store, "import", graph_file, "--json"], work),
            Job(["--store", demo_store, "demo", "--size", str(DEMO_SIZE), "--json"], work),
        ]
    )
    assert json_doc(imported)["cis"]["added"] == len(HAND_GRAPH["cis"])
    ok(generated)
    world = demo_world(demo_store)
    symptoms = sorted(blast_radius(world.graph, [world.failed]).impacted_ids() | {world.failed})
    demo_runs: dict[str, list[str]] = {
        "impact": ["impact", world.failed, "--json"],
        "impact-depth-1": ["impact", world.failed, "--depth", "1", "--json"],
        "root-cause": ["root-cause", *symptoms, "--json"],
    }
    jobs = [Job(["--store", hand_store, *args], work) for args in HAND_RUNS.values()]
    jobs += [Job(["--store", demo_store, *args], work) for args in demo_runs.values()]
    results = run_jobs(jobs)
    return Runs(
        hand=dict(zip(HAND_RUNS, results[: len(HAND_RUNS)], strict=True)),
        demo=dict(zip(demo_runs, results[len(HAND_RUNS) :], strict=True)),
        demo_world=world,
    )


HAND_PAIRS = flow_pairs([Relationship.model_validate(r) for r in HAND_GRAPH["relationships"]])


def contract_rows(doc: dict[str, Any]) -> list[tuple[str, str, str, int, list[str]]]:
    return [(r["id"], r["kind"], r["severity"], r["depth"], r["path"]) for r in doc["impacted"]]


# ---------------------------------------------------------------------------------- impact


def test_impact_json(runs: Runs) -> None:
    doc = json_doc(runs.hand["impact"])
    assert_impact_rows(doc, "db", HAND_PAIRS)
    assert contract_rows(doc) == [
        ("api", "API", "down", 1, ["db", "api"]),
        ("reports", "Service", "down", 1, ["db", "reports"]),
        ("web", "Service", "down", 2, ["db", "api", "web"]),
        ("bs-shop", "BusinessService", "down", 3, ["db", "api", "web", "bs-shop"]),
    ]
    assert [s["id"] for s in doc["summary"]["business_services"]] == ["bs-shop"]
    assert [(c["id"], c["cis"]) for c in doc["summary"]["notify"]] == [("team", ["web"])]


def test_impact_depth_limits_the_hops(runs: Runs) -> None:
    doc = json_doc(runs.hand["impact-depth-1"])
    assert [(r["id"], r["depth"], r["path"]) for r in doc["impacted"]] == [
        ("api", 1, ["db", "api"]),
        ("reports", 1, ["db", "reports"]),
    ]


def test_impact_of_an_optional_provider_degrades(runs: Runs) -> None:
    doc = json_doc(runs.hand["impact-soft"])
    assert_impact_rows(doc, "cache", HAND_PAIRS)
    assert [(r["id"], r["severity"], r["depth"]) for r in doc["impacted"]] == [
        ("api", "degraded", 1),
        ("web", "degraded", 2),
        ("bs-shop", "degraded", 3),
    ]


def test_impact_on_the_demo_matches_the_library(runs: Runs) -> None:
    world = runs.demo_world
    doc = json_doc(runs.demo["impact"])
    assert_impact_rows(doc, world.failed, world.pairs)
    expected = blast_radius(world.graph, [world.failed]).impacted
    assert [(r["id"], r["kind"], r["severity"], r["depth"]) for r in doc["impacted"]] == [
        (i.id, i.kind, i.severity, i.depth) for i in expected
    ]

    shallow = json_doc(runs.demo["impact-depth-1"])
    assert_impact_rows(shallow, world.failed, world.pairs)
    assert {r["depth"] for r in shallow["impacted"]} == {1}
    assert {r["id"] for r in shallow["impacted"]} == {
        i.id for i in blast_radius(world.graph, [world.failed], max_depth=1).impacted
    }
    assert len(shallow["impacted"]) < len(doc["impacted"])


# ------------------------------------------------------------------------------ root cause


def test_root_cause_json(runs: Runs) -> None:
    candidates = json_doc(runs.hand["root-cause"])["candidates"]
    for c in candidates:
        assert {"id", "score", "explains", "path"} <= set(c), c
        assert c["path"][0] == c["id"]
        assert c["path"][-1] in c["explains"]
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert [c["id"] for c in candidates[:2]] == ["db", "host"]
    assert candidates[0]["explains"] == ["api", "reports"]
    assert candidates[0]["path"] == ["db", "reports"]
    assert candidates[0]["contradicts"] == []


def test_root_cause_healthy_demotes_candidates_that_predict_them_broken(runs: Runs) -> None:
    plain = json_doc(runs.hand["root-cause"])["candidates"]
    informed = json_doc(runs.hand["root-cause-healthy"])["candidates"]
    assert informed[0]["id"] == "reports"
    order = [c["id"] for c in informed]
    db = informed[order.index("db")]
    assert db["contradicts"] == ["web"]
    assert db["score"] < plain[0]["score"]
    assert order.index("db") > order.index("reports")


def test_root_cause_on_the_demo_matches_the_library(runs: Runs) -> None:
    world = runs.demo_world
    candidates = json_doc(runs.demo["root-cause"])["candidates"]
    symptoms = blast_radius(world.graph, [world.failed]).impacted_ids() | {world.failed}
    expected = root_cause(world.graph, symptoms)
    assert candidates[0]["id"] == world.failed
    assert [(c["id"], c["score"], c["explains"]) for c in candidates] == [
        (c.id, c.score, list(c.explains)) for c in expected
    ]


# ------------------------------------------------------------------------ depends-on, health


def test_depends_on_json(runs: Runs) -> None:
    doc = json_doc(runs.hand["depends-on"])
    assert doc["ci"] == "bs-shop"
    assert [(d["id"], d["depth"], d["path"], d["hard"]) for d in doc["depends_on"]] == [
        ("web", 1, ["bs-shop", "web"], True),
        ("api", 2, ["bs-shop", "web", "api"], True),
        ("cache", 3, ["bs-shop", "web", "api", "cache"], False),
        ("db", 3, ["bs-shop", "web", "api", "db"], True),
        ("host", 4, ["bs-shop", "web", "api", "db", "host"], True),
    ]


def test_health_json(runs: Runs) -> None:
    doc = json_doc(runs.hand["health"])
    assert [(s["id"], s["business_services"], s["common_mode"]) for s in doc["single_points_of_failure"]] == [
        ("api", ["bs-shop"], False),
        ("db", ["bs-shop"], False),
        ("host", ["bs-shop"], False),
        ("web", ["bs-shop"], False),
    ]
    assert doc["cycles"] == [["svc-x", "svc-y"]]
    assert doc["orphans"] == ["orphan"]
    unowned = ["api", "bs-shop", "cache", "db", "host", "orphan", "reports", "svc-x", "svc-y"]
    assert doc["without_owner"] == unowned  # web is owned; teams are not expected to be
    assert doc["without_support"] == sorted([*unowned, "web"])


# ---------------------------------------------------------------------- errors, text output


MISSING = ["missing-impact", "missing-root-cause", "missing-healthy", "missing-depends-on"]


@pytest.mark.parametrize("name", MISSING)
def test_unknown_ci_exits_3_with_ci_not_found(runs: Runs, name: str) -> None:
    result = runs.hand[name]
    assert result.returncode == 3, result.describe()
    assert "CI_NOT_FOUND" in result.flat_stderr
    assert "nope" in result.flat_stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("impact-text", ["4 CIs impacted", "bs-shop", "reports"]),
        ("root-cause-text", ["root-cause candidates for 2 symptoms", "host"]),
        ("depends-on-text", ["bs-shop depends on 5 CIs", "host"]),
        ("health-text", ["4 single points of failure", "dependency cycles: 1", "orphans: 1"]),
    ],
)
def test_text_output_is_a_table(runs: Runs, name: str, expected: list[str]) -> None:
    result = ok(runs.hand[name])
    assert result.stdout.strip()
    assert "\x1b" not in result.stdout
    flat = " ".join(result.stdout.split())
    for text in expected:
        assert text in flat, result.describe()
