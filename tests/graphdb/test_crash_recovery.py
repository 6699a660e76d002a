"""Crash recovery: SIGKILL ``cmdbgraph import`` mid-way and check what the store kept.

A child process runs the real CLI on a large, deterministic graph file; the parent watches the
store from outside (a read-only SQLite connection: ``max(seq)`` of the history table, which is
the change feed, and the size of the write-ahead log) and kills the child at chosen points:
before anything is committed, while the single transaction is being planned or committed, and,
in batch mode, after ``k`` batches are committed (so the kill lands in batch ``k + 1``).

After each kill the store must reopen and hold whole batches only (single transaction: nothing
or everything), its audit history must replay to exactly its contents, and running the same
import again must complete it: the export is then byte for byte the imported file.
"""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import EmbeddedStore, HistoryEntry, RelKey
from cmdbgraph.ingest.graphfile import write_graph_file
from cmdbgraph.schema import CI, DEFAULT_REGISTRY, CIData, Relationship, Status

pytestmark = pytest.mark.slow

N_CIS = 12_000
N_RELS = 36_000
BATCH_SIZE = 2000
ACTOR = "crash-test"
SEED = 20240611

CHILD_TIMEOUT = 60.0
"""Upper bound for any one child run or wait (a hang fails the test instead of blocking it)."""
POLL_INTERVAL = 0.002

Mode = Literal["single", "batch"]
EntityKey = tuple[Literal["ci"], str] | tuple[Literal["relationship"], RelKey]


# ------------------------------------------------------------------------------------ the graph
def _attributes(kind: str, i: int, rng: random.Random) -> dict[str, JsonValue]:
    env = rng.choice(["production", "staging", "test", "development"])
    match kind:
        case "Service":
            return {"environment": env, "tier": rng.randint(1, 3)}
        case "Host":
            return {
                "hostname": f"host-{i}.example.net",
                "os": rng.choice(["linux", "windows", "aix"]),
                "cpu_count": rng.choice([2, 4, 8, 16]),
                "memory_gb": rng.choice([7.5, 16, 31.25, 64]),
            }
        case "Database":
            return {"engine": rng.choice(["postgres", "oracle"]), "version": f"{rng.randint(9, 16)}.1"}
        case "Application":
            return {"language": "python", "tags": [f"t{rng.randint(0, 9)}", "äpp"], "version": "1.2.3"}
        case _:
            return {"image": f"registry/app:{i}", "labels": {"team": f"team-{i % 37}", "zone": "eu-1"}}


def _make_graph() -> tuple[list[CIData], list[Relationship]]:
    """About N_CIS CIs and N_RELS relationships, sorted canonically (as an export writes them)."""
    rng = random.Random(SEED)
    kinds = ["Service", "Host", "Database", "Application", "Container"]
    statuses = [Status.OPERATIONAL] * 6 + [Status.DEGRADED, Status.MAINTENANCE, Status.RETIRED]
    cis = []
    for i in range(N_CIS):
        kind = kinds[i % len(kinds)]
        cis.append(
            CIData(
                id=f"ci-{i:05d}",
                kind=kind,
                name=f"{kind} {i}" if i % 11 else f"Dienst ü {i}",
                criticality=rng.randint(1, 4),
                status=rng.choice(statuses),
                attributes=_attributes(kind, i, rng),
            )
        )
    rels: dict[RelKey, Relationship] = {}
    while len(rels) < N_RELS:
        a, b = rng.randrange(N_CIS), rng.randrange(N_CIS)
        if a == b:
            continue
        rel_type = rng.choice(["DEPENDS_ON", "DEPENDS_ON", "RUNS_ON", "PART_OF"])
        grouped = rel_type == "DEPENDS_ON" and a % 7 == 0
        rel = Relationship(
            source=f"ci-{a:05d}",
            target=f"ci-{b:05d}",
            type=rel_type,
            optional=rng.random() < 0.05,
            redundancy_group="replicas" if grouped else None,
            min_up=1 if grouped else None,
            attributes={"weight": rng.randint(1, 9)} if rng.random() < 0.1 else {},
        )
        rels.setdefault(rel.key, rel)
    return sorted(cis, key=lambda c: c.id), sorted(rels.values(), key=lambda r: r.key)


def _ci_key(ci_id: str) -> EntityKey:
    return ("ci", ci_id)


def _rel_key(key: RelKey) -> EntityKey:
    return ("relationship", key)


def _expected_batches(
    cis: Sequence[CIData], rels: Sequence[Relationship], batch_size: int | None
) -> list[frozenset[EntityKey]]:
    """The transactions the loader documents: one for everything, or CIs in file order in
    chunks of ``batch_size``, then relationships grouped by consumer in chunks of at least
    ``batch_size`` cut only between consumers (so every redundancy group arrives whole)."""
    if batch_size is None:
        return [frozenset([*(_ci_key(c.id) for c in cis), *(_rel_key(r.key) for r in rels)])]
    batches = [
        frozenset(_ci_key(c.id) for c in cis[i : i + batch_size]) for i in range(0, len(cis), batch_size)
    ]
    by_consumer = sorted(rels, key=DEFAULT_REGISTRY.consumer)
    chunk: list[EntityKey] = []
    last: str | None = None
    for rel in by_consumer:
        consumer = DEFAULT_REGISTRY.consumer(rel)
        if len(chunk) >= batch_size and consumer != last:
            batches.append(frozenset(chunk))
            chunk = []
        chunk.append(_rel_key(rel.key))
        last = consumer
    if chunk:
        batches.append(frozenset(chunk))
    return batches


@dataclass(frozen=True)
class GraphFile:
    path: Path
    data: bytes
    cis: dict[str, CIData]
    rel_values: dict[RelKey, dict[str, object]]
    """``model_dump()`` of each relationship."""
    batches: dict[Mode, list[frozenset[EntityKey]]]


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory: pytest.TempPathFactory) -> GraphFile:
    cis, rels = _make_graph()
    path = tmp_path_factory.mktemp("crash") / "graph.json"
    write_graph_file(path, cis, rels)
    batches: dict[Mode, list[frozenset[EntityKey]]] = {
        "single": _expected_batches(cis, rels, None),
        "batch": _expected_batches(cis, rels, BATCH_SIZE),
    }
    assert len(batches["batch"]) >= 20, "too few batches for kills at distinct points"
    for mode_batches in batches.values():
        assert sum(len(b) for b in mode_batches) == len(cis) + len(rels)
    return GraphFile(
        path=path,
        data=path.read_bytes(),
        cis={c.id: c for c in cis},
        rel_values={r.key: r.model_dump() for r in rels},
        batches=batches,
    )


# ------------------------------------------------------------------------------- the child
def _command(db: Path, graph: Path, mode: Mode) -> list[str]:
    args = [sys.executable, "-m", "cmdbgraph.cli", "--store", str(db), "import", str(graph)]
    return args + (["--batch-size", str(BATCH_SIZE)] if mode == "batch" else [])


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMDBGRAPH_")}
    env["CMDBGRAPH_ACTOR"] = ACTOR
    return env


@dataclass(frozen=True)
class Observation:
    """What the parent sees of the store from outside."""

    seq: int | None
    """``max(seq)`` of the history (0 when empty); ``None`` while the store is not readable."""
    wal_size: int


class Watcher:
    """Reads the store from outside through a read-only connection (it never writes)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._conn: sqlite3.Connection | None = None

    def observe(self) -> Observation:
        try:
            wal_size = os.path.getsize(f"{self.db}-wal")
        except FileNotFoundError:
            wal_size = 0
        if not self.db.exists():
            return Observation(None, wal_size)
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.0)
            (seq,) = self._conn.execute("SELECT coalesce(max(seq), 0) FROM history").fetchone()
        except sqlite3.Error:  # not created yet, or locked while the child sets WAL mode
            self.close()
            return Observation(None, wal_size)
        return Observation(int(seq), wal_size)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass(frozen=True)
class KillPoint:
    """When to kill: once the trigger holds, wait ``delay`` seconds, then SIGKILL."""

    name: str
    trigger: Literal["store_file", "store_ready", "wal_growth", "seq"]
    seq: int = 0
    """For ``seq``: kill once the change feed reaches this sequence number."""
    delay: float = 0.0


@dataclass
class KillOutcome:
    point: str
    killed_running: bool
    """The child was still running when SIGKILL arrived (not already exited)."""
    committed_batches: int
    total_batches: int
    seen: Observation
    """What the parent saw when the kill point triggered."""

    @property
    def mid_import(self) -> bool:
        """Killed while running, with the store already opened by the import and not all of
        it committed."""
        return (
            self.killed_running and self.seen.seq is not None and self.committed_batches < self.total_batches
        )


def _wait_for(point: KillPoint, db: Path, proc: subprocess.Popen[bytes]) -> Observation:
    """Poll until ``point`` triggers or the child exits (bounded by CHILD_TIMEOUT); return the
    last observation."""
    watcher = Watcher(db)
    try:
        return _poll(point, watcher, proc)
    finally:
        watcher.close()


def _poll(point: KillPoint, watcher: Watcher, proc: subprocess.Popen[bytes]) -> Observation:
    db = watcher.db
    deadline = time.monotonic() + CHILD_TIMEOUT
    wal_base: int | None = None
    seen = Observation(None, 0)
    while proc.poll() is None:
        assert time.monotonic() < deadline, f"kill point {point.name} never triggered"
        seen = watcher.observe()
        if point.trigger == "store_file" and db.exists():
            break
        if point.trigger == "store_ready" and seen.seq is not None:
            break
        if point.trigger == "wal_growth" and seen.seq is not None:
            # the store's schema is written in small transactions when it is opened; a large
            # jump of the log after that is the import's transaction being written
            if wal_base is None:
                wal_base = seen.wal_size
            elif seen.wal_size > wal_base + 256 * 1024:
                break
        if point.trigger == "seq" and seen.seq is not None and seen.seq >= point.seq:
            break
        time.sleep(POLL_INTERVAL)
    return seen


def _run_and_kill(point: KillPoint, db: Path, graph: Path, mode: Mode, log: Path) -> tuple[bool, Observation]:
    """Start the import, SIGKILL it at ``point``. Returns whether the child was still running
    and what the parent saw when the trigger held."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            _command(db, graph, mode), stdout=out, stderr=subprocess.STDOUT, env=_child_env(), cwd=db.parent
        )
        try:
            seen = _wait_for(point, db, proc)
            if point.delay:
                time.sleep(point.delay)
            proc.send_signal(signal.SIGKILL)
            returncode = proc.wait(timeout=CHILD_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=CHILD_TIMEOUT)
    if returncode != -signal.SIGKILL:
        assert returncode == 0, f"import failed before the kill:\n{log.read_text()}"
    return returncode == -signal.SIGKILL, seen


def _run_to_completion(db: Path, graph: Path, mode: Mode) -> None:
    done = subprocess.run(
        _command(db, graph, mode),
        capture_output=True,
        env=_child_env(),
        cwd=db.parent,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")


# ---------------------------------------------------------------------------- the invariants
def _entity_key(entry: HistoryEntry) -> EntityKey:
    if entry.entity == "ci":
        assert isinstance(entry.key, str)
        return _ci_key(entry.key)
    assert isinstance(entry.key, tuple)
    return _rel_key(entry.key)


def _whole_batches(entries: Sequence[HistoryEntry], batches: Sequence[frozenset[EntityKey]]) -> int:
    """How many of the expected batches the history holds; fails unless it is exactly a
    prefix of them (whole batches, in order, each with one timestamp)."""
    pos = 0
    for j, batch in enumerate(batches):
        if pos == len(entries):
            return j
        group = entries[pos : pos + len(batch)]
        assert {_entity_key(e) for e in group} == batch, f"history from #{pos} is not the whole batch {j}"
        assert len({e.at for e in group}) == 1, f"batch {j} has more than one timestamp"
        pos += len(batch)
    assert pos == len(entries), "history goes on after the last batch"
    return len(batches)


def _check_history_matches_contents(
    store: EmbeddedStore, entries: Sequence[HistoryEntry], cis: Sequence[CI], rels: Sequence[Relationship]
) -> None:
    """Replaying the whole audit history reproduces exactly what the store holds."""
    seqs = [e.seq for e in entries]
    assert seqs == sorted(set(seqs)), "history seqs must strictly increase"
    assert [e.at for e in entries] == sorted(e.at for e in entries), "history timestamps decrease"
    assert {e.actor for e in entries} <= {ACTOR}
    assert store.last_seq() == (seqs[-1] if seqs else 0)
    assert store.counts().last_seq == store.last_seq()

    ci_docs: dict[str, dict[str, object]] = {}
    rel_docs: dict[RelKey, dict[str, object]] = {}
    for e in entries:
        if e.entity == "ci":
            assert isinstance(e.key, str)
            if e.op == "delete":
                del ci_docs[e.key]
            else:
                assert e.after is not None
                ci_docs[e.key] = e.after
        else:
            assert isinstance(e.key, tuple)
            if e.op == "delete":
                del rel_docs[e.key]
            else:
                assert e.after is not None
                rel_docs[e.key] = e.after
    assert [c.id for c in cis] == sorted(ci_docs)
    assert [r.key for r in rels] == sorted(rel_docs)
    for ci in cis:
        assert CI.model_validate(ci_docs[ci.id]) == ci, ci.id
    for rel in rels:
        assert rel.model_dump() == rel_docs[rel.key], rel.key


_TABLE_CHECKS = {
    "CI rows": "SELECT count(*) FROM ci",
    "relationship rows": "SELECT count(*) FROM rel",
    "CI rows not pointing at their latest history entry": (
        "SELECT count(*) FROM ci LEFT JOIN history AS h ON h.seq = ci.seq "
        "WHERE h.seq IS NULL OR h.entity != 'ci' OR h.a != ci.id OR h.op = 'delete' "
        "OR h.seq != (SELECT max(seq) FROM history WHERE entity = 'ci' AND a = ci.id)"
    ),
    "relationship rows not pointing at their latest history entry": (
        "SELECT count(*) FROM rel LEFT JOIN history AS h ON h.seq = rel.seq "
        "WHERE h.seq IS NULL OR h.entity != 'relationship' OR h.op = 'delete' "
        "OR h.a != rel.source OR h.t != rel.type OR h.b != rel.target "
        "OR h.seq != (SELECT max(seq) FROM history WHERE a = rel.source AND b = rel.target AND t = rel.type)"
    ),
}


def _check_tables(db: Path, n_cis: int, n_rels: int) -> None:
    """The current-state tables agree with the history: one row per live entity, pointing at
    the history entry that holds its latest document."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = {name: conn.execute(query).fetchone()[0] for name, query in _TABLE_CHECKS.items()}
    finally:
        conn.close()
    assert found == {
        "CI rows": n_cis,
        "relationship rows": n_rels,
        "CI rows not pointing at their latest history entry": 0,
        "relationship rows not pointing at their latest history entry": 0,
    }


def _history(store: EmbeddedStore) -> list[HistoryEntry]:
    return store.changes_since(0, limit=10 * (N_CIS + N_RELS))


def _check_killed_store(db: Path, graph: GraphFile, mode: Mode) -> tuple[int, list[HistoryEntry]]:
    """Reopen the store after a kill and check every invariant; return (whole batches held,
    history)."""
    batches = graph.batches[mode]
    with EmbeddedStore(db) as store:
        entries = _history(store)
        assert all(e.op == "create" for e in entries), "an import into an empty store only creates"
        committed = _whole_batches(entries, batches)
        cis = list(store.iter_cis())
        rels = list(store.iter_relationships())
        _check_history_matches_contents(store, entries, cis, rels)
        counts = store.counts()
        assert (counts.cis, counts.relationships) == (len(cis), len(rels))
    _check_tables(db, len(cis), len(rels))

    held = frozenset[EntityKey]().union(*batches[:committed])
    assert {_ci_key(c.id) for c in cis} | {_rel_key(r.key) for r in rels} == held
    ci_ids = {c.id for c in cis}
    for ci in cis:
        assert ci.content() == graph.cis[ci.id], ci.id
    for rel in rels:
        assert {rel.source, rel.target} <= ci_ids, rel.key
        assert rel.model_dump() == graph.rel_values[rel.key], rel.key
    return committed, entries


def _check_completed_store(db: Path, graph: GraphFile, mode: Mode, before: Sequence[HistoryEntry]) -> None:
    """After the re-run: history kept what was there and added exactly the missing batches,
    and the export is the imported file byte for byte."""
    batches = graph.batches[mode]
    with EmbeddedStore(db) as store:
        entries = _history(store)
        assert entries[: len(before)] == before, "history written before the kill was changed"
        assert all(e.op == "create" for e in entries[len(before) :])
        assert _whole_batches(entries, batches) == len(batches), "the re-run did not complete the import"
        assert store.last_seq() == entries[-1].seq
        buffer = io.BytesIO()
        write_graph_file(buffer, store.iter_cis(), store.iter_relationships())
    assert buffer.getvalue() == graph.data, "the export differs from the imported file"
    _check_tables(db, len(graph.cis), len(graph.rel_values))


# --------------------------------------------------------------------------------- the tests
def _kill_points(graph: GraphFile, mode: Mode) -> list[KillPoint]:
    if mode == "single":
        total = N_CIS + N_RELS
        return [
            KillPoint("store file created (opening, before the transaction)", "store_file"),
            KillPoint("transaction open, batch being planned", "store_ready", delay=0.25),
            KillPoint("transaction being committed (log growing)", "wal_growth"),
            KillPoint("right after the commit", "seq", seq=total),
        ]
    ends: list[int] = []
    for batch in graph.batches["batch"]:
        ends.append((ends[-1] if ends else 0) + len(batch))
    n_ci_batches = -(-N_CIS // BATCH_SIZE)
    points = [KillPoint("dry-run validation, nothing committed", "store_ready", delay=0.02)]
    for k in (1, n_ci_batches, (n_ci_batches + len(ends)) // 2, len(ends) - 1):
        points.append(KillPoint(f"after {k} of {len(ends)} batches", "seq", seq=ends[k - 1], delay=0.005))
    return points


@pytest.mark.parametrize("mode", ["single", "batch"])
def test_sigkill_mid_import_keeps_whole_batches_and_rerun_completes(
    mode: Mode, graph_file: GraphFile, tmp_path: Path
) -> None:
    batches = graph_file.batches[mode]
    outcomes: list[KillOutcome] = []
    for n, point in enumerate(_kill_points(graph_file, mode)):
        db = tmp_path / f"store-{n}.db"
        killed_running, seen = _run_and_kill(point, db, graph_file.path, mode, tmp_path / f"child-{n}.log")

        committed, before = _check_killed_store(db, graph_file, mode)
        outcomes.append(KillOutcome(point.name, killed_running, committed, len(batches), seen))
        _run_to_completion(db, graph_file.path, mode)
        _check_completed_store(db, graph_file, mode, before)

    summary = "\n".join(
        f"  {o.point}: {'killed' if o.killed_running else 'had exited'}, "
        f"{o.committed_batches}/{o.total_batches} batches committed "
        f"(at the trigger: seq {o.seen.seq}, log {o.seen.wal_size} bytes)"
        for o in outcomes
    )
    print(f"\n{mode} kill points:\n{summary}")  # noqa: T201  (shown with -s / -rA)
    assert any(o.mid_import for o in outcomes), f"no kill landed mid-import:\n{summary}"
    if mode == "batch":
        assert any(0 < o.committed_batches < len(batches) for o in outcomes if o.killed_running), (
            f"no kill landed between the first and the last batch:\n{summary}"
        )
