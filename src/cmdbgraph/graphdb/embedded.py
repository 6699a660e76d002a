"""The embedded store: SQLite (WAL) as the durable truth, a :class:`GraphIndex` for reads.

- Every batch is planned against the index, then written in one ``BEGIN IMMEDIATE``
  transaction together with its history rows; the index changes only after the commit.
- The history table *is* the change feed: ``seq`` is its primary key, assigned in commit order
  (SQLite serialises writers). Other processes' commits are noticed through
  ``PRAGMA data_version`` on every call and replayed from history into the index.
- As-of reads rebuild an index from the last history row of every entity at or before the
  instant (cached for the most recent instant asked).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import JsonValue

from cmdbgraph.graphdb import sqlite_sql as sql
from cmdbgraph.graphdb.batch_plan import Plan, plan_batch
from cmdbgraph.graphdb.documents import (
    Decoder,
    encode_ci,
    encode_relationship,
    entry_documents,
    entry_key,
    history_entry,
)
from cmdbgraph.graphdb.gc_pause import gc_paused
from cmdbgraph.graphdb.memory_index import GraphIndex, replay_change
from cmdbgraph.graphdb.store import (
    Batch,
    Counts,
    Direction,
    GraphContents,
    HistoryEntry,
    Neighbour,
    Page,
    RelKey,
    WriteResult,
    check_next,
    raise_not_empty,
)
from cmdbgraph.schema import (
    CI,
    DEFAULT_REGISTRY,
    CINotFound,
    Registry,
    Relationship,
    RelationshipNotFound,
    Status,
    StoreError,
    StoreUnavailable,
)

HistoryRow = tuple[int, str, str, str, str, str | None, str | None, str, str | None, str | None]


_CHUNK = 20_000
BULK = 10_000
"""Batches at least this large freeze the surviving objects after writing (see gc_pause)."""

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while a large batch is written."""


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


class EmbeddedStore:
    """A :class:`~cmdbgraph.graphdb.store.GraphStore` in one SQLite file.

    Safe to share between threads (one connection behind a lock) and between processes
    (SQLite locking; each process catches up through the change feed).
    """

    def __init__(self, path: str | Path, registry: Registry = DEFAULT_REGISTRY) -> None:
        self.path = Path(path)
        self.registry = registry
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            for pragma in sql.PRAGMAS:
                self._conn.execute(pragma)
            self._conn.executescript(sql.CREATE_SCHEMA)
            self._conn.execute(sql.SET_META, ("schema_version", sql.SCHEMA_VERSION))
            (version,) = self._conn.execute(sql.GET_META, ("schema_version",)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"cannot open {self.path} as a cmdbgraph store: {exc}") from None
        if version != sql.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version {version}, this cmdbgraph reads "
                f"version {sql.SCHEMA_VERSION}"
            )
        self._as_of_cache: tuple[int, GraphIndex] | None = None
        self._decoder = Decoder()
        self._index = GraphIndex()
        self._seq = 0
        self._data_version = -1
        self._load()

    # -- lifecycle ---------------------------------------------------------------------------
    def _load(self) -> None:
        """Build the index from the tables (at open)."""
        with self._lock, gc_paused(freeze=True):
            self._conn.execute("BEGIN")
            try:
                index = GraphIndex()
                decode = self._decoder
                for (doc,) in self._conn.execute(sql.SELECT_CI_DOCS):
                    index.put_ci(decode.ci(doc))
                for source, rel_type, target, doc in self._conn.execute(sql.SELECT_REL_DOCS):
                    index.put_rel(decode.relationship(source, rel_type, target, doc))
                (seq,) = self._conn.execute(sql.LAST_SEQ).fetchone()
            finally:
                self._conn.execute("COMMIT")
            self._index, self._seq = index, seq
            self._data_version = self._conn.execute(sql.DATA_VERSION).fetchone()[0]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- change feed -------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Catch up with commits of other connections (cheap when there were none)."""
        (version,) = self._conn.execute(sql.DATA_VERSION).fetchone()
        if version != self._data_version:
            self._data_version = version
            self._catch_up()

    def _catch_up(self) -> None:
        """Replay history rows newer than the index into it."""
        while True:
            rows = self._conn.execute(sql.SELECT_CHANGES_SINCE, (self._seq, 10_000)).fetchall()
            if not rows:
                return
            for row in rows:
                self._replay(row)
            self._seq = rows[-1][0]

    def _replay(self, row: HistoryRow) -> None:
        _, _, _, entity, a, t, b, op, _, after = row
        replay_change(self._index, self._decoder, entity, op, (a, t, b), after)

    def last_seq(self) -> int:
        """Sequence number of the last committed change."""
        with self._lock:
            self._refresh()
            return self._seq

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[HistoryEntry]:
        """Changes after ``seq``, oldest first."""
        with self._lock:
            rows = self._conn.execute(sql.SELECT_CHANGES_SINCE, (seq, limit)).fetchall()
        return [_entry(r) for r in rows]

    # -- writing -----------------------------------------------------------------------------
    def apply(
        self,
        batch: Batch,
        *,
        actor: str,
        source: str | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> WriteResult:
        """Validate and apply ``batch`` in one transaction (see the GraphStore contract)."""
        with self._lock, gc_paused(freeze=len(batch) >= BULK):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up()
                (last_at,) = self._conn.execute(sql.LAST_AT).fetchone() or (None,)
                now = datetime.now(UTC)
                if last_at is not None:
                    now = max(now, datetime.fromisoformat(last_at))
                plan = plan_batch(batch, self._index, self.registry, source=source or actor, now=now)
                if dry_run or plan.empty:
                    self._conn.execute("ROLLBACK")
                    plan.result.seq = self._seq
                    plan.result.dry_run = dry_run
                    return plan.result
                seq = self._write(plan, actor=actor, at=_iso(now), progress=progress)
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._apply_to_index(plan)
            self._seq = seq
            self._data_version = self._conn.execute(sql.DATA_VERSION).fetchone()[0]
            plan.result.seq = seq
            return plan.result

    def _write(self, plan: Plan, *, actor: str, at: str, progress: Progress | None) -> int:
        """Write the plan's rows and history inside the open transaction; return the last seq.

        Rows are written in key order (sequential B-tree inserts) in chunks, reporting
        ``progress(done, total)`` after each chunk.
        """
        seq = self._seq
        history: list[HistoryRow] = []
        ci_rows: list[tuple[str, str, int]] = []
        for ci, before in sorted(plan.ci_writes, key=lambda w: w[0].id):
            seq += 1
            op = "update" if before else "create"
            old = encode_ci(before) if before else None
            history.append((seq, at, actor, "ci", ci.id, None, None, op, old, encode_ci(ci)))
            ci_rows.append((ci.id, ci.kind, seq))
        rel_rows: list[tuple[str, str, str, int]] = []
        for rel, before_rel in sorted(plan.rel_writes, key=lambda w: w[0].key):
            seq += 1
            op = "update" if before_rel else "create"
            old = encode_relationship(before_rel) if before_rel else None
            doc = encode_relationship(rel)
            history.append((seq, at, actor, "relationship", rel.source, rel.type, rel.target, op, old, doc))
            rel_rows.append((rel.source, rel.type, rel.target, seq))
        for rel in plan.rel_deletes:
            seq += 1
            old = encode_relationship(rel)
            history.append(
                (seq, at, actor, "relationship", rel.source, rel.type, rel.target, "delete", old, None)
            )
        for ci in plan.ci_deletes:
            seq += 1
            history.append((seq, at, actor, "ci", ci.id, None, None, "delete", encode_ci(ci), None))

        conn = self._conn
        steps: list[tuple[str, Sequence[tuple[Any, ...]]]] = [
            (sql.UPSERT_CI, ci_rows),
            (sql.UPSERT_REL, rel_rows),
            (sql.DELETE_REL, [r.key for r in plan.rel_deletes]),
            (sql.DELETE_CI, [(c.id,) for c in plan.ci_deletes]),
        ]
        total = len(history)
        done = 0
        for statement, rows in steps:
            for start in range(0, len(rows), _CHUNK):
                conn.executemany(statement, rows[start : start + _CHUNK])
        for start in range(0, total, _CHUNK):
            chunk = history[start : start + _CHUNK]
            conn.executemany(sql.INSERT_HISTORY, chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        return seq

    def restore(self, changes: Iterable[HistoryEntry], *, progress: Progress | None = None) -> int:
        """Load a complete history copied from another store into this empty one (see the
        GraphStore contract); one transaction. Returns the last seq."""
        with self._lock, gc_paused(freeze=True):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up()
                if self._seq or self._index.cis:
                    raise_not_empty()
                index = GraphIndex()
                last: dict[tuple[str, str, str | None, str | None], int] = {}
                rows: list[HistoryRow] = []
                for entry in changes:
                    check_next(entry, len(rows))
                    before, after = entry_documents(entry)
                    key = entry_key(entry)
                    rows.append(
                        (entry.seq, _iso(entry.at), entry.actor, entry.entity, *key, entry.op, before, after)
                    )
                    replay_change(index, self._decoder, entry.entity, entry.op, key, after)
                    last[(entry.entity, *key)] = entry.seq
                conn = self._conn
                conn.executemany(
                    sql.UPSERT_CI,
                    [(c.id, c.kind, last[("ci", c.id, None, None)]) for c in index.cis.values()],
                )
                conn.executemany(sql.UPSERT_REL, [(*k, last[("relationship", *k)]) for k in index.rels])
                for start in range(0, len(rows), _CHUNK):
                    conn.executemany(sql.INSERT_HISTORY, rows[start : start + _CHUNK])
                    if progress is not None:
                        progress(min(start + _CHUNK, len(rows)), len(rows))
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._load()
            return self._seq

    def _apply_to_index(self, plan: Plan) -> None:
        index = self._index
        for ci, _ in plan.ci_writes:
            index.put_ci(ci)
        for rel, _ in plan.rel_writes:
            index.put_rel(rel)
        for rel in plan.rel_deletes:
            index.remove_rel(rel.key)
        for ci in plan.ci_deletes:
            index.remove_ci(ci.id)

    # -- reading -----------------------------------------------------------------------------
    def _view(self, as_of: datetime | None) -> GraphIndex:
        """The index to answer from: current, or rebuilt as of an instant. Caller holds lock."""
        self._refresh()
        if as_of is None:
            return self._index
        (seq,) = self._conn.execute(sql.SEQ_AT_OR_BEFORE, (_iso(as_of),)).fetchone()
        if seq == self._seq:
            return self._index
        if self._as_of_cache is not None and self._as_of_cache[0] == seq:
            return self._as_of_cache[1]
        index = GraphIndex()
        for entity, op, a, t, b, after in self._conn.execute(sql.SELECT_STATE_AT, (seq,)):
            if op == "delete":
                continue
            if entity == "ci":
                index.put_ci(self._decoder.ci(after))
            else:
                index.put_rel(self._decoder.relationship(a, t, b, after))
        self._as_of_cache = (seq, index)
        return index

    def get_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI:
        """The CI, or raise ``CINotFound``."""
        with self._lock:
            return self._view(as_of).get_ci(ci_id)

    def find_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI | None:
        """The CI, or ``None``."""
        with self._lock:
            return self._view(as_of).cis.get(ci_id)

    def get_relationship(self, key: RelKey) -> Relationship:
        """The relationship, or raise ``RelationshipNotFound``."""
        with self._lock:
            rel = self._view(None).rels.get(key)
        if rel is None:
            raise RelationshipNotFound(*key)
        return rel

    def neighbours(
        self,
        ci_id: str,
        direction: Direction = Direction.BOTH,
        rel_types: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
    ) -> list[Neighbour]:
        """CIs one hop away (see the GraphStore contract)."""
        types = frozenset(rel_types) if rel_types is not None else None
        with self._lock:
            return self._view(as_of).neighbours(ci_id, Direction(direction), types)

    def subgraph(
        self,
        roots: Iterable[str],
        direction: Direction = Direction.BOTH,
        max_depth: int = 1,
        rel_types: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
    ) -> nx.MultiDiGraph[str]:
        """Induced subgraph around ``roots`` (see the GraphStore contract)."""
        if max_depth < 0:
            raise ValueError("max_depth must be >= 0")
        types = frozenset(rel_types) if rel_types is not None else None
        with self._lock:
            view = self._view(as_of)
            reached = view.reach(roots, Direction(direction), max_depth, types)
            return view.induced(reached, types)

    def snapshot(self, *, as_of: datetime | None = None) -> nx.MultiDiGraph[str]:
        """The whole graph as a MultiDiGraph."""
        with self._lock:
            view = self._view(as_of)
            return view.induced(view.cis, None)

    def search(
        self,
        *,
        kind: str | None = None,
        text: str | None = None,
        status: Status | None = None,
        attributes: Mapping[str, JsonValue] | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page:
        """CIs matching every filter, by id, one page at a time."""
        with self._lock:
            return self._view(None).search(
                kind=kind,
                text=text,
                status=status,
                attributes=attributes,
                first=first,
                after=after,
            )

    def iter_cis(self) -> Iterator[CI]:
        """Every CI, ordered by id (a consistent copy taken at the call)."""
        with self._lock:
            view = self._view(None)
            items = [view.cis[k] for k in sorted(view.cis)]
        return iter(items)

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every relationship, ordered by key (a consistent copy taken at the call)."""
        with self._lock:
            view = self._view(None)
            items = [view.rels[k] for k in sorted(view.rels)]
        return iter(items)

    def contents(self) -> GraphContents:
        """The whole graph, copied under the lock."""
        with self._lock:
            return self._view(None).contents()

    def counts(self) -> Counts:
        """Totals by kind, status and relationship type."""
        with self._lock:
            return self._view(None).counts(self._seq)

    def history(self, ci_id: str, *, limit: int = 100) -> list[HistoryEntry]:
        """Changes of the CI and its relationships, newest first."""
        with self._lock:
            rows = self._conn.execute(sql.SELECT_HISTORY_OF, (ci_id, ci_id, limit)).fetchall()
            if not rows and not self._conn.execute(sql.SELECT_EVER_EXISTED, (ci_id,)).fetchone():
                raise CINotFound(ci_id)
        return [_entry(r) for r in rows]


def _entry(row: HistoryRow) -> HistoryEntry:
    seq, at, actor, entity, a, t, b, op, before, after = row
    return history_entry(seq, datetime.fromisoformat(at), actor, entity, a, t, b, op, before, after)
