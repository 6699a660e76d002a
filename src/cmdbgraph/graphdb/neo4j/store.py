"""The Neo4j store: the production backend, over Bolt with the official ``neo4j`` driver.

- **Writes**: :meth:`Neo4jStore.apply` runs in one managed write transaction
  (``execute_write``, so transient errors are retried). It takes the change feed's write lock,
  reads the batch's working set (the CIs it names and every relationship touching them), plans
  the batch with the same pure :func:`plan_batch` the embedded store uses, and writes the plan
  as ``UNWIND $rows`` chunks of ``batch_size`` rows plus one history node per change. The
  working set, the plan's statements and :meth:`Neo4jStore.restore`'s load are in
  :mod:`cmdbgraph.graphdb.neo4j.writes`; this module owns the transactions and the reads.
- **Reads** run in managed read transactions (``execute_read``: READ routing in a cluster).
  A subgraph is fetched in one bounded query; analyses then run in Python on it, through the
  same ``impact/`` functions as for the embedded store.
- **As of** an instant, a CI is read from its last history node; neighbourhoods, subgraphs and
  snapshots replay the history up to the instant (cached for the last instant asked).
- **Errors** from the driver are translated at this boundary (:func:`translated`).

``flavour="falkordb"`` is the one switch for FalkorDB's Bolt listener, the only Bolt server that
runs on our CI machines: it skips the Neo4j 5 constraint/index DDL the listener rejects, stores
timestamps as ISO text (the listener crashes on temporal values) and keeps each statement's
parameters small (the listener splices them into the query text and crashes past a few kB).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TypeVar

import networkx as nx
import orjson
from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, ManagedTransaction, Record
from pydantic import JsonValue

from cmdbgraph.graphdb.batch_plan import plan_batch
from cmdbgraph.graphdb.documents import Decoder
from cmdbgraph.graphdb.memory_index import GraphIndex, check_page_size, page_of, replay_change
from cmdbgraph.graphdb.neo4j import queries as q
from cmdbgraph.graphdb.neo4j.connection import Neo4jOptions, shared_driver, translated
from cmdbgraph.graphdb.neo4j.records import (
    TimeCodec,
    ci_from_properties,
    entry_from_properties,
    rel_from_properties,
)
from cmdbgraph.graphdb.neo4j.writes import Progress, Writer, chunks, replay_history
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
)
from cmdbgraph.schema import (
    CI,
    DEFAULT_REGISTRY,
    CINotFound,
    Registry,
    Relationship,
    RelationshipNotFound,
    Status,
)

T = TypeVar("T")


class Neo4jStore:
    """A :class:`~cmdbgraph.graphdb.store.GraphStore` in a Neo4j database.

    Thread-safe (the driver pools connections); any number of processes may share a database.
    """

    def __init__(
        self,
        uri: str,
        registry: Registry = DEFAULT_REGISTRY,
        options: Neo4jOptions | None = None,
    ) -> None:
        self.uri = uri
        self.registry = registry
        self.options = options or Neo4jOptions()
        if self.options.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._times = TimeCodec(native=self.options.flavour == "neo4j")
        self._decoder = Decoder()
        self._writer = Writer(self.options, self.registry, self._times)
        self._as_of_cache: tuple[int, GraphIndex] | None = None
        self._cache_lock = threading.Lock()
        with translated(uri):
            self._driver: Driver = shared_driver(uri, self.options)
            self._start_up()

    def _start_up(self) -> None:
        """Create constraints, indexes and the feed head if missing (idempotent)."""
        if self.options.flavour == "neo4j":
            for statement in q.SCHEMA_NEO4J:
                self._driver.execute_query(statement, database_=self.options.database)
        self._driver.execute_query(q.ENSURE_FEED, {"feed": q.FEED}, database_=self.options.database)

    def close(self) -> None:
        """Release the store. The driver stays pooled for the process (see ``shared_driver``)."""

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------
    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        with (
            translated(self.uri),
            self._driver.session(database=self.options.database, default_access_mode=READ_ACCESS) as session,
        ):
            return session.execute_read(work)

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        with (
            translated(self.uri),
            self._driver.session(database=self.options.database, default_access_mode=WRITE_ACCESS) as session,
        ):
            return session.execute_write(work)

    def wipe(self) -> None:
        """Delete every cmdbgraph node in the database (test suites on throw-away databases)."""

        def work(tx: ManagedTransaction) -> None:
            tx.run(q.WIPE).consume()
            tx.run(q.ENSURE_FEED, feed=q.FEED).consume()

        self._write(work)
        with self._cache_lock:
            self._as_of_cache = None

    # -- change feed -------------------------------------------------------------------------
    def last_seq(self) -> int:
        """Sequence number of the last committed change."""
        return self._read(_last_seq)

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[HistoryEntry]:
        """Changes after ``seq``, oldest first."""

        def work(tx: ManagedTransaction) -> list[HistoryEntry]:
            rows = tx.run(q.CHANGES_SINCE, seq=seq, limit=limit)
            return [entry_from_properties(r["h"], self._times) for r in rows]

        return self._read(work)

    def history(self, ci_id: str, *, limit: int = 100) -> list[HistoryEntry]:
        """Changes of the CI and its relationships, newest first."""

        def work(tx: ManagedTransaction) -> list[HistoryEntry]:
            rows = tx.run(q.HISTORY_OF, id=ci_id, limit=limit)
            return [entry_from_properties(r["h"], self._times) for r in rows]

        entries = self._read(work)
        if not entries and limit > 0:
            raise CINotFound(ci_id)
        return entries

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

        def work(tx: ManagedTransaction) -> WriteResult:
            if dry_run:
                seq, last_at = _last_seq(tx), None
            else:
                head = tx.run(q.LOCK_FEED, feed=q.FEED).single(strict=True)
                seq, last_at = head["seq"], self._times.value(head["at"])
            now = datetime.now(UTC)
            if last_at is not None:
                now = max(now, last_at)
            index = self._writer.working_set(tx, batch)
            plan = plan_batch(batch, index, self.registry, source=source or actor, now=now)
            if not dry_run and not plan.empty:
                seq = self._writer.write_plan(tx, plan, seq=seq, actor=actor, at=now, progress=progress)
            plan.result.seq = seq
            plan.result.dry_run = dry_run
            return plan.result

        return self._read(work) if dry_run else self._write(work)

    def restore(self, changes: Iterable[HistoryEntry], *, progress: Progress | None = None) -> int:
        """Load a complete history copied from another store into this empty one (see the
        GraphStore contract); one transaction. Returns the last seq."""
        restored = replay_history(changes, self._decoder, self._times)

        def work(tx: ManagedTransaction) -> int:
            return self._writer.restore(tx, restored, progress)

        return self._write(work)

    # -- reading -----------------------------------------------------------------------------
    def _as_of_seq(self, tx: ManagedTransaction, as_of: datetime) -> int | None:
        """The seq of the state at ``as_of``; ``None`` when that is the current state."""
        seq: int = tx.run(q.SEQ_AT_OR_BEFORE, at=self._times.param(as_of)).single(strict=True)["seq"]
        return None if seq == _last_seq(tx) else seq

    def _replayed(self, tx: ManagedTransaction, seq: int) -> GraphIndex:
        """The graph as it was after change ``seq``, replayed from history (cached)."""
        with self._cache_lock:
            cached = self._as_of_cache
        if cached is not None and cached[0] == seq:
            return cached[1]
        index = GraphIndex()
        for record in tx.run(q.HISTORY_UP_TO, seq=seq):
            h = record["h"]
            replay_change(index, self._decoder, h["entity"], h["op"], (h["a"], h["t"], h["b"]), h["after"])
        with self._cache_lock:
            self._as_of_cache = (seq, index)
        return index

    def _whole(self, tx: ManagedTransaction) -> GraphIndex:
        """The whole current graph as an index, from one query."""
        return self._index_of(tx.run(q.WHOLE_GRAPH))

    def _index_of(self, records: Iterable[Record]) -> GraphIndex:
        """An index from ``(ci, out)`` records: each CI with its outgoing relationships."""
        index = GraphIndex()
        outgoing: list[Relationship] = []
        for record in records:
            ci = ci_from_properties(record["ci"], self._times)
            index.put_ci(ci)
            for rel_type, target, rel in record["out"]:
                if rel_type is not None:
                    outgoing.append(rel_from_properties(ci.id, rel_type, target, rel))
        for rel in outgoing:
            index.put_rel(rel)
        return index

    def contents(self) -> GraphContents:
        """The whole current graph, read in one query."""
        return self._read(self._whole).contents()

    def _view_or_none(self, tx: ManagedTransaction, as_of: datetime | None) -> GraphIndex | None:
        """The replayed graph for ``as_of``, or ``None`` to read the current state."""
        if as_of is None:
            return None
        seq = self._as_of_seq(tx, as_of)
        return None if seq is None else self._replayed(tx, seq)

    def find_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI | None:
        """The CI, or ``None``."""

        def work(tx: ManagedTransaction) -> CI | None:
            if as_of is not None:
                seq = self._as_of_seq(tx, as_of)
                if seq is not None:
                    row = tx.run(q.CI_AS_OF, id=ci_id, seq=seq).single()
                    if row is None or row["op"] == "delete":
                        return None
                    return self._decoder.ci(row["after"])
            record = tx.run(q.GET_CIS, ids=[ci_id]).single()
            return None if record is None else ci_from_properties(record["c"], self._times)

        return self._read(work)

    def get_ci(self, ci_id: str, *, as_of: datetime | None = None) -> CI:
        """The CI, or raise ``CINotFound``."""
        ci = self.find_ci(ci_id, as_of=as_of)
        if ci is None:
            raise CINotFound(ci_id)
        return ci

    def get_relationship(self, key: RelKey) -> Relationship:
        """The relationship, or raise ``RelationshipNotFound``."""
        source, rel_type, target = key
        if rel_type not in self.registry.rel_types:
            raise RelationshipNotFound(*key)
        statement = q.get_rel(rel_type, self.registry)

        def work(tx: ManagedTransaction) -> Relationship | None:
            record = tx.run(statement, source=source, target=target).single()
            return None if record is None else rel_from_properties(source, rel_type, target, record["e"])

        rel = self._read(work)
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

        def work(tx: ManagedTransaction) -> GraphIndex:
            view = self._view_or_none(tx, as_of)
            if view is not None:
                return view
            index = GraphIndex()
            for record in tx.run(q.NEIGHBOURHOOD, id=ci_id):
                index.put_ci(ci_from_properties(record["c"], self._times))
                for source, rel_type, target, rel, other in record["around"]:
                    if rel_type is None:
                        continue
                    index.put_ci(ci_from_properties(other, self._times))
                    index.put_rel(rel_from_properties(source, rel_type, target, rel))
            return index

        return self._read(work).neighbours(ci_id, Direction(direction), types)

    def subgraph(
        self,
        roots: Iterable[str],
        direction: Direction = Direction.BOTH,
        max_depth: int = 1,
        rel_types: Iterable[str] | None = None,
        *,
        as_of: datetime | None = None,
    ) -> nx.MultiDiGraph[str]:
        """Induced subgraph around ``roots``, fetched in one query (see the GraphStore contract)."""
        if max_depth < 0:
            raise ValueError("max_depth must be >= 0")
        root_ids = list(dict.fromkeys(roots))
        types = frozenset(rel_types) if rel_types is not None else None
        direction = Direction(direction)

        def work(tx: ManagedTransaction) -> nx.MultiDiGraph[str]:
            view = self._view_or_none(tx, as_of)
            if view is not None:
                return view.induced(view.reach(root_ids, direction, max_depth, types), types)
            statement = q.subgraph_statement(direction.value, max_depth)
            params = {"roots": root_ids, "types": sorted(types) if types is not None else None}
            index = self._index_of(tx.run(statement, params))
            for root in root_ids:
                index.get_ci(root)
            return index.induced(index.cis, types)

        return self._read(work)

    def snapshot(self, *, as_of: datetime | None = None) -> nx.MultiDiGraph[str]:
        """The whole graph as a MultiDiGraph."""

        def work(tx: ManagedTransaction) -> GraphIndex:
            return self._view_or_none(tx, as_of) or self._whole(tx)

        view = self._read(work)
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
        """CIs matching every filter, by id, one page at a time (attribute equality is checked
        here: attributes are JSON text in the database)."""
        check_page_size(first)
        params = {
            "kind": kind,
            "status": Status(status).value if status is not None else None,
            "needle": text.casefold() if text else None,
            "with_attributes": bool(attributes),
        }

        def work(tx: ManagedTransaction) -> tuple[list[str], list[CI]]:
            matches: list[str] = []
            for record in tx.run(q.SEARCH_IDS, params):
                if attributes:
                    text_doc = record["attributes"]
                    values = orjson.loads(text_doc) if text_doc else {}
                    if any(values.get(k) != v for k, v in attributes.items()):
                        continue
                matches.append(record["id"])
            matches.sort()
            chunk, _ = page_of(matches, first, after)
            found: dict[str, CI] = {}
            for ids in chunks(chunk, self.options):
                for record in tx.run(q.GET_CIS, ids=list(ids)):
                    ci = ci_from_properties(record["c"], self._times)
                    found[ci.id] = ci
            return matches, [found[i] for i in chunk]

        matches, items = self._read(work)
        _, next_cursor = page_of(matches, first, after)
        return Page(items=items, next_cursor=next_cursor, total=len(matches))

    def iter_cis(self) -> Iterator[CI]:
        """Every CI, ordered by id."""

        def work(tx: ManagedTransaction) -> list[CI]:
            return [ci_from_properties(r["c"], self._times) for r in tx.run(q.ALL_CIS)]

        return iter(sorted(self._read(work), key=lambda c: c.id))

    def iter_relationships(self) -> Iterator[Relationship]:
        """Every relationship, ordered by (source, type, target)."""

        def work(tx: ManagedTransaction) -> list[Relationship]:
            return [
                rel_from_properties(r["source"], r["type"], r["target"], r["e"]) for r in tx.run(q.ALL_RELS)
            ]

        return iter(sorted(self._read(work), key=lambda r: r.key))

    def counts(self) -> Counts:
        """Totals by kind, status and relationship type (counted by the server)."""

        def work(tx: ManagedTransaction) -> Counts:
            by_kind: dict[str, int] = {}
            by_status: dict[str, int] = {}
            for r in tx.run(q.COUNT_CIS):
                by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["n"]
                by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
            by_rel = {r["type"]: r["n"] for r in tx.run(q.COUNT_RELS)}
            return Counts(
                cis=sum(by_kind.values()),
                relationships=sum(by_rel.values()),
                by_kind=dict(sorted(by_kind.items())),
                by_status=dict(sorted(by_status.items())),
                by_rel_type=dict(sorted(by_rel.items())),
                last_seq=_last_seq(tx),
            )

        return self._read(work)


def _last_seq(tx: ManagedTransaction) -> int:
    record = tx.run(q.LAST_SEQ, feed=q.FEED).single()
    return 0 if record is None else int(record["seq"])
