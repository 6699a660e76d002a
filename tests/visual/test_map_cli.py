"""``cmdbgraph map ...`` through the real CLI on ``demo --size 300``: every map kind writes a
self-contained file whose node count agrees with the analysis commands' ``--json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cmdbgraph.graphdb import Direction, EmbeddedStore
from tests.cli.clirun import Job, ok, run_cli, run_jobs
from tests.visual.pagedata import INERT_URLS, by_ci, loading_references, map_data, urls_in


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("maps")
    ok(run_cli(["demo", "--size", "300"], cwd=cwd))
    return cwd


def read(path: Path) -> tuple[str, dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    return text, map_data(text)


def first_database(cwd: Path) -> str:
    found = ok(run_cli(["stats", "--json"], cwd=cwd)).json()
    assert found["by_kind"]["Database"] > 0
    store = EmbeddedStore(cwd / "cmdbgraph.db")
    try:
        return next(c.id for c in store.iter_cis() if c.kind == "Database")
    finally:
        store.close()


def test_every_map_kind_writes_a_self_contained_file(demo: Path) -> None:
    db = first_database(demo)
    impact = ok(run_cli(["impact", db, "--json"], cwd=demo)).json()
    symptoms = [i["id"] for i in impact["impacted"][:3]]
    changes = ok(run_cli(["change-risk", "CHG-00002", "--json"], cwd=demo)).json()
    jobs = [
        Job(["map", "ci", db, "--depth", "1", "--out", "ci.html", "--json"], demo),
        Job(["map", "impact", db, "--out", "impact.html", "--json"], demo),
        Job(["map", "root-cause", *symptoms, "--limit", "3", "--out", "rc.html", "--json"], demo),
        Job(["map", "change", "CHG-00002", "--out", "change.html", "--json"], demo),
        Job(["root-cause", *symptoms, "--limit", "3", "--json"], demo),
    ]
    ci_map, impact_map, rc_map, change_map, rc = (ok(r).json() for r in run_jobs(jobs))

    store = EmbeddedStore(demo / "cmdbgraph.db")
    try:
        around = set(store.subgraph([db], Direction.BOTH, 1).nodes)
    finally:
        store.close()
    assert ci_map["kind"] == "neighbourhood"
    assert ci_map["cis"] == len(around)
    _, data = read(demo / "ci.html")
    assert set(by_ci(data)) == around
    assert data["map"]["center"] == db

    assert impact_map["cis"] == 1 + len(impact["impacted"])
    _, data = read(demo / "impact.html")
    nodes = by_ci(data)
    assert nodes[db]["role"] == "failed"
    assert {i["id"]: i["severity"] for i in impact["impacted"]} == {
        k: n["role"] for k, n in nodes.items() if k != db
    }

    expected = set(symptoms) | {c["id"] for c in rc["candidates"]}
    expected |= {ci for c in rc["candidates"] for path in c["paths"].values() for ci in path}
    assert rc_map["cis"] == len(expected)
    _, data = read(demo / "rc.html")
    assert set(by_ci(data)) == expected

    _, data = read(demo / "change.html")
    nodes = by_ci(data)
    assert change_map["title"].startswith("Change CHG-00002")
    assert nodes["CHG-00002"]["role"] == "change"
    assert set(changes["targets"]) <= {k for k, n in nodes.items() if n["role"] == "target"}

    for name in ("ci.html", "impact.html", "rc.html", "change.html"):
        text, data = read(demo / name)
        assert loading_references(text) == []
        assert urls_in(text) <= INERT_URLS
        assert data["map"]["served"] is False
        assert all(n["link"] is None for n in data["nodes"])  # exported maps have no links


def test_large_maps_aggregate_by_the_chosen_group(demo: Path) -> None:
    db = first_database(demo)
    result = ok(
        run_cli(
            [
                "map",
                "ci",
                db,
                "--depth",
                "3",
                "--max-nodes",
                "20",
                "--group-by",
                "team",
                "--json",
                "--out",
                "t.html",
            ],
            cwd=demo,
        )
    ).json()
    assert result["cis"] > 20
    assert result["drawn"] <= 20
    assert result["clusters"] > 0
    assert result["group_by"] == "team"
    assert result["aggregated"] + result["drawn"] - result["clusters"] == result["cis"]
    _, data = read(demo / "t.html")
    assert len(data["nodes"]) == result["drawn"]
    assert len(data["notes"]) == 4


def test_the_default_file_name_and_the_sentence(demo: Path) -> None:
    db = first_database(demo)
    result = ok(run_cli(["map", "impact", db, "--depth", "1"], cwd=demo))
    assert result.stdout.startswith(f"wrote map-impact-{db}.html: ")
    assert (demo / f"map-impact-{db}.html").is_file()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["map", "ci", "no-such-ci"], 3),
        (["map", "impact", "no-such-ci"], 3),
        (["map", "root-cause", "no-such-ci"], 3),
        (["map", "change", "no-such-change"], 3),
        (["map", "ci", "x", "--max-nodes", "5"], 1),
        (["map", "ci", "x", "--direction", "sideways"], 1),
        (["map", "impact"], 1),
    ],
)
def test_errors_follow_the_exit_code_contract(demo: Path, args: list[str], code: int) -> None:
    result = run_cli(args, cwd=demo)
    assert result.returncode == code, result.describe()
    assert not list(demo.glob("map-*-no-such*"))
