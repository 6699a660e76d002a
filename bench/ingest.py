"""Ingest benchmark: the embedded store against raw ``sqlite3.executemany`` of the same rows.

Run: ``python bench/ingest.py [--cis 100000] [--rels-per-ci 3] [--repeat 3]
[--store bolt://host:7687 [--neo4j-user U] [--neo4j-password P] [--neo4j-flavour neo4j|falkordb]]``

Everything is measured in one process on one generated graph, and reported as ratios against
the baseline measured in the same run (absolute times on shared machines are noise):

- baseline: ``executemany`` of the same (id, kind, doc) and (source, type, target, doc) rows,
  serialised beforehand, into two keyed tables in one transaction, same pragmas, no history.
- store: ``load_records`` of validated models into a fresh :class:`EmbeddedStore`: whole-input
  validation, planning, JSON encoding, rows plus audit history, index upkeep, 10k-row batches.
- file: the same through a JSON graph file (streaming parse + validation + store).
- reopen: opening the store file (rebuilding the in-memory index from SQLite).
- csv: the same graph as a CSV pair (a CI file and a relationships file, written beforehand):
  ``read_csv`` through a column mapping (streaming parse, type coercion, reference checks), the
  claims as records (key = CI id, mapped kind, attributes) and ``load_records`` into a fresh
  :class:`EmbeddedStore`, as the store row does. Criticality is not a CSV column here (the
  records get the default); nothing is reconciled (the store is empty).

With ``--store URI`` (``bolt://``, ``neo4j://``, ...; credentials default to
``CMDBGRAPH_NEO4J_USER`` / ``CMDBGRAPH_NEO4J_PASSWORD``, the flavour to ``CMDBGRAPH_NEO4J_FLAVOUR``)
two rows are added for that :class:`Neo4jStore`, against the same baseline. The database is
wiped before every load, so it must be a throw-away one:

- ``bolt (...) load``: ``load_records`` of the same models into the emptied store (the loader
  path of the store row; the connection is opened beforehand, outside the timing);
- ``bolt (...) read back``: ``iter_cis`` and ``iter_relationships``, checked against the input.

FalkorDB's Bolt listener (``--neo4j-flavour falkordb``, the only Bolt server on our CI machines)
gets small statements because it crashes on large parameters: its rows say nothing about Neo4j.

It also prints the resident memory the in-memory index costs per CI (RSS growth on reopen).
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import psutil
from bolt_store import add_store_options, open_bolt_store

from cmdbgraph.graphdb import EmbeddedStore
from cmdbgraph.graphdb import sqlite_sql as sql
from cmdbgraph.graphdb.gc_pause import gc_paused
from cmdbgraph.graphdb.neo4j import Neo4jStore
from cmdbgraph.ingest.graphfile import read_graph_files, write_graph_file
from cmdbgraph.ingest.importers.tabular import read_csv
from cmdbgraph.ingest.importers.tabular_mappings import CsvMapping
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import CIData, Relationship

BASE_SCHEMA = """
CREATE TABLE ci (id TEXT PRIMARY KEY, kind TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE rel (source TEXT NOT NULL, type TEXT NOT NULL, target TEXT NOT NULL,
                  doc TEXT NOT NULL, PRIMARY KEY (source, type, target)) WITHOUT ROWID;
"""
BASE_CI = "INSERT INTO ci (id, kind, doc) VALUES (?, ?, ?)"
BASE_REL = "INSERT INTO rel (source, type, target, doc) VALUES (?, ?, ?, ?)"
T = TypeVar("T")
KINDS = ("BusinessService", "Service", "API", "Database", "Host", "Datacenter")
CSV_MAPPING = CsvMapping.model_validate(
    {
        "name": "bench",
        "cis": {
            "key": "id",
            "name": "name",
            "kind": "kind",
            "attributes": {
                "index": {"column": "index", "type": "integer"},
                "layer": {"column": "layer", "type": "integer"},
            },
        },
        "relationships": {"source": "source", "target": "target", "type": "type"},
    }
)
FALKORDB_NOTE = (
    "note: FalkorDB's Bolt listener is not Neo4j (small statements, its own engine): "
    "its numbers say nothing about Neo4j's speed"
)


def layered_graph(n_cis: int, rels_per_ci: float, seed: int = 7) -> tuple[list[CIData], list[Relationship]]:
    """A deterministic layered DAG: each CI depends on CIs of the next layer down."""
    rng = random.Random(seed)
    layers = len(KINDS)
    per_layer = max(1, n_cis // layers)
    cis = [
        CIData(
            id=f"{KINDS[layer].lower()}-{i:07d}",
            kind=KINDS[layer],
            name=f"{KINDS[layer]} {i}",
            criticality=1 + (i % 4),
            attributes={"index": i, "layer": layer},
        )
        for layer in range(layers)
        for i in range(per_layer)
    ]
    target = int(len(cis) * rels_per_ci)
    keys: set[tuple[str, str]] = set()
    rels: list[Relationship] = []
    while len(rels) < target:
        layer = rng.randrange(layers - 1)
        src = cis[layer * per_layer + rng.randrange(per_layer)].id
        dst = cis[(layer + 1) * per_layer + rng.randrange(per_layer)].id
        if (src, dst) not in keys:
            keys.add((src, dst))
            rels.append(Relationship(source=src, target=dst, type="DEPENDS_ON"))
    return cis, rels


def timed(fn: Callable[[], object]) -> float:
    return timed_result(fn)[1]


def timed_result(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def baseline(
    path: Path, ci_rows: list[tuple[str, str, str]], rel_rows: list[tuple[str, str, str, str]]
) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in sql.PRAGMAS:
        conn.execute(pragma)
    conn.executescript(BASE_SCHEMA)
    conn.execute("BEGIN")
    conn.executemany(BASE_CI, ci_rows)
    conn.executemany(BASE_REL, rel_rows)
    conn.execute("COMMIT")
    conn.close()


def ingest_models(path: Path, cis: list[CIData], rels: list[Relationship]) -> None:
    with EmbeddedStore(path) as store:
        load_records(store, cis, rels, actor="bench")


def ingest_file(path: Path, graph_file: Path) -> None:
    content = read_graph_files([graph_file])
    with EmbeddedStore(path) as store:
        load_records(store, content.cis, content.relationships, actor="bench")


def write_csv_pair(work: Path, cis: list[CIData], rels: list[Relationship]) -> tuple[Path, Path]:
    """The graph as the CSV pair :data:`CSV_MAPPING` reads."""
    cis_file, rels_file = work / "cis.csv", work / "relationships.csv"
    with cis_file.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "kind", "name", "index", "layer"])
        writer.writerows((c.id, c.kind, c.name, c.attributes["index"], c.attributes["layer"]) for c in cis)
    with rels_file.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "type", "target"])
        writer.writerows((r.source, r.type, r.target) for r in rels)
    return cis_file, rels_file


def ingest_csv(path: Path, cis_file: Path, rels_file: Path) -> int:
    """Read the CSV pair, load its claims as records; the number of records written.

    The claims become records with the collector paused, as ``read_graph_files`` builds its own.
    """
    graph = read_csv(cis_file, rels_file, CSV_MAPPING)
    with gc_paused(freeze=True):
        cis = [CIData(id=c.key, kind=c.kind, name=c.name, attributes=c.attributes) for c in graph.cis]
        rels = [
            Relationship(source=r.source_key, target=r.target_key, type=r.type) for r in graph.relationships
        ]
    del graph
    with EmbeddedStore(path) as store:
        result = load_records(store, cis, rels, actor="bench")
    return len(result.created_cis) + len(result.created_relationships)


def reopen(path: Path) -> tuple[float, int]:
    """Seconds to open the store (index rebuild) and the RSS it added."""
    gc.collect()
    rss_before = psutil.Process().memory_info().rss
    start = time.perf_counter()
    store = EmbeddedStore(path)
    seconds = time.perf_counter() - start
    gc.collect()
    growth = psutil.Process().memory_info().rss - rss_before
    store.close()
    return seconds, growth


def ingest_bolt(store: Neo4jStore, cis: list[CIData], rels: list[Relationship]) -> None:
    load_records(store, cis, rels, actor="bench")


def read_back(store: Neo4jStore) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Every CI and relationship in the store: their ids (sorted, as the store yields them)."""
    return [c.id for c in store.iter_cis()], [r.key for r in store.iter_relationships()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000)
    parser.add_argument("--rels-per-ci", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    add_store_options(parser)
    args = parser.parse_args()
    bolt = open_bolt_store(parser, args) if args.store is not None else None

    cis, rels = layered_graph(args.cis, args.rels_per_ci)
    ci_rows = [(c.id, c.kind, c.model_dump_json()) for c in cis]
    rel_rows = [(r.source, r.type, r.target, r.model_dump_json()) for r in rels]
    print(f"graph: {len(cis)} CIs, {len(rels)} relationships; {args.repeat} runs each, medians")
    if bolt is not None:
        print(f"{bolt.label}: {args.store} (wiped before each load)")
        if bolt.label.endswith("(falkordb listener)"):
            print(FALKORDB_NOTE)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        graph_file = work / "graph.json"
        write_graph_file(graph_file, cis, rels)
        cis_file, rels_file = write_csv_pair(work, cis, rels)
        runs: dict[str, list[float]] = {"baseline": [], "store": [], "file": [], "reopen": [], "csv": []}
        problems: list[str] = []
        want = (sorted(c.id for c in cis), sorted(r.key for r in rels))
        rss_per_ci = 0.0
        for run in range(args.repeat):
            raw_path, store_path, file_path, csv_path = (
                work / f"{name}{run}.db" for name in ("raw", "store", "file", "csv")
            )
            runs["baseline"].append(timed(partial(baseline, raw_path, ci_rows, rel_rows)))
            runs["store"].append(timed(partial(ingest_models, store_path, cis, rels)))
            runs["file"].append(timed(partial(ingest_file, file_path, graph_file)))
            seconds, rss_growth = reopen(store_path)
            runs["reopen"].append(seconds)
            written, seconds = timed_result(partial(ingest_csv, csv_path, cis_file, rels_file))
            runs["csv"].append(seconds)
            if written != len(cis) + len(rels):
                problems.append(f"csv: wrote {written} records, the graph has {len(cis) + len(rels)}")
            rss_per_ci = rss_growth / len(cis)
            if bolt is not None:
                store, label = bolt.store, bolt.label
                store.wipe()
                runs.setdefault(f"{label} load", []).append(timed(partial(ingest_bolt, store, cis, rels)))
                got, seconds = timed_result(partial(read_back, store))
                runs.setdefault(f"{label} read back", []).append(seconds)
                if got != want:
                    problems.append(
                        f"{label}: read back {len(got[0])} CIs and {len(got[1])} relationships, "
                        f"loaded {len(want[0])} and {len(want[1])} (or other ids)"
                    )

    base = statistics.median(runs["baseline"])
    width = max(10, *(len(name) for name in runs))
    print(f"{'what':<{width}} {'median s':>10} {'x baseline':>11}")
    for name, times in runs.items():
        median = statistics.median(times)
        print(f"{name:<{width}} {median:>10.3f} {median / base:>10.2f}x")
    print(f"store ingest ratio: {statistics.median(runs['store']) / base:.2f}x (goal <= 3x)")
    print(
        f"index memory: {rss_per_ci:.0f} bytes per CI (RSS growth on reopen, "
        f"{len(rels) / len(cis):.1f} relationships per CI)"
    )
    for problem_text in problems:
        print(f"MISMATCH {problem_text}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
