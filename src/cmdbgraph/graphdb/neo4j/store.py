"""The Neo4j store: the production backend, over Bolt with the official ``neo4j`` driver.

- **Writes**: :meth:`Neo4jStore.apply` runs in one managed write transaction
  (``execute_write``, so transient errors are retried). It takes the change feed's write lock,
  reads the batch's working set (the CIs it names and every relationship touching them), plans
  the batch with the same pure :func:`plan_batch` the embedded store uses, and writes the plan
  as ``UNWIND $rows`` chunks of ``batch_size`` rows plus one history node per change.
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import networkx as nx
import orjson
from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, ManagedTransaction, Record
from pydantic import JsonValue

from cmdbgraph.graphdb.batch_plan import Plan, plan_batch
from cmdbgraph.graphdb.documents import Decoder, entry_documents, entry_key
from cmdbgraph.graphdb.memory_index import GraphIndex, check_page_size, page_of, replay_change
from cmdbgraph.graphdb.neo4j import queries as q
from cmdbgraph.graphdb.neo4j.connection import Neo4jOptions, shared_driver, translated
from cmdbgraph.graphdb.neo4j.records import (
    TimeCodec,
    ci_from_properties,
    ci_row,
    entry_from_properties,
    history_row,
    rel_from_properties,
    rel_row,
)
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
)

T = TypeVar("T")
FALKORDB_PARAM_BYTES = 2000
"""FalkorDB's Bolt listener splices parameters into the query text and crashes (stack smashing)
when that text passes about 4-8 kB (measured), so its statements carry at most this much."""
Progress = Callable[[int, int], None]
Step = tuple[str, str, Sequence[Any]]
"""A statement, the name of its rows parameter, and the rows to run it over in chunks."""


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
            index = self._working_set(tx, batch)
            plan = plan_batch(batch, index, self.registry, source=source or actor, now=now)
            if not dry_run and not plan.empty:
                seq = self._write_plan(tx, plan, seq=seq, actor=actor, at=now, progress=progress)
            plan.result.seq = seq
            plan.result.dry_run = dry_run
            return plan.result

        return self._read(work) if dry_run else self._write(work)

    def _chunks(self, rows: Sequence[T]) -> Iterator[Sequence[T]]:
        """``rows`` in chunks of at most ``batch_size`` rows (and, for FalkorDB's listener,
        at most ``FALKORDB_PARAM_BYTES`` of parameter text)."""
        size = self.options.batch_size
        if self.options.flavour == "neo4j":
            for start in range(0, len(rows), size):
                yield rows[start : start + size]
            return
        chunk: list[T] = []
        used = 0
        for row in rows:
            cost = len(orjson.dumps(row))
            if chunk and (len(chunk) >= size or used + cost > FALKORDB_PARAM_BYTES):
                yield chunk
                chunk, used = [], 0
            chunk.append(row)
            used += cost
        if chunk:
            yield chunk

    def _working_set(self, tx: ManagedTransaction, batch: Batch) -> GraphIndex:
        """The part of the graph planning ``batch`` reads: the CIs it names, every relationship
        touching an endpoint of a relationship it writes or a CI it deletes, and the
        relationships of both ends of every grouped relationship among those."""
        touching: dict[str, None] = {}
        for rel in batch.upsert_relationships:
            touching[rel.source] = touching[rel.target] = None
        for source, _, target in batch.delete_relationships:
            touching[source] = touching[target] = None
        touching.update(dict.fromkeys(batch.delete_cis))
        named = dict.fromkeys(c.id for c in batch.upsert_cis)
        named.update(touching)
        named.update(dict.fromkeys(batch.retire_cis))
        index = GraphIndex()
        for ids in self._chunks(list(named)):
            for record in tx.run(q.GET_CIS, ids=ids):
                index.put_ci(ci_from_properties(record["c"], self._times))
        # then the relationships of the other end of a grouped relationship found (its consumer's
        # whole redundancy group is checked when a member is deleted)
        grouped: dict[str, None] = {}
        for ids in self._chunks(list(touching)):
            for rel in self._rels_touching(tx, ids):
                index.put_rel(rel)
                if rel.redundancy_group is not None:
                    grouped[rel.source] = grouped[rel.target] = None
        for ids in self._chunks([i for i in grouped if i not in touching]):
            for rel in self._rels_touching(tx, ids):
                index.put_rel(rel)
        return index

    def _rels_touching(self, tx: ManagedTransaction, ids: Sequence[str]) -> Iterator[Relationship]:
        for record in tx.run(q.RELS_TOUCHING, ids=list(ids)):
            yield rel_from_properties(record["source"], record["type"], record["target"], record["e"])

    def restore(self, changes: Iterable[HistoryEntry], *, progress: Progress | None = None) -> int:
        """Load a complete history copied from another store into this empty one (see the
        GraphStore contract); one transaction. Returns the last seq."""
        index = GraphIndex()
        history: list[dict[str, Any]] = []
        last_at: datetime | None = None
        for entry in changes:
            check_next(entry, len(history))
            before, after = entry_documents(entry)
            key = entry_key(entry)
            replay_change(index, self._decoder, entry.entity, entry.op, key, after)
            history.append(
                {
                    "seq": entry.seq,
                    "at": self._times.param(entry.at),
                    "actor": entry.actor,
                    "entity": entry.entity,
                    "a": key[0],
                    "t": key[1],
                    "b": key[2],
                    "op": entry.op,
                    "before": before,
                    "after": after,
                }
            )
            last_at = entry.at

        def work(tx: ManagedTransaction) -> int:
            head = tx.run(q.LOCK_FEED, feed=q.FEED).single(strict=True)
            if head["seq"] or tx.run(q.COUNT_CIS).peek() is not None:
                raise_not_empty()
            steps: list[Step] = [(q.UPSERT_CIS, "rows", [ci_row(c, self._times) for c in index.cis.values()])]
            steps += self._rel_steps(index.rels.values(), q.upsert_rels)
            steps.append((q.APPEND_HISTORY, "rows", history))
            self._run_steps(tx, steps, progress)
            tx.run(q.ADVANCE_FEED, feed=q.FEED, seq=len(history), at=self._times.param(last_at)).consume()
            return len(history)

        return self._write(work)

    def _rel_steps(
        self, rels: Iterable[Relationship], statement: Callable[[str, Registry], str]
    ) -> list[Step]:
        """One ``statement`` per relationship type, with the rows of that type."""
        return [
            (statement(rel_type, self.registry), "rows", [rel_row(r) for r in group])
            for rel_type, group in _by_type(rels).items()
        ]

    def _run_steps(self, tx: ManagedTransaction, steps: list[Step], progress: Progress | None) -> None:
        """Run each statement over its rows in chunks, reporting ``progress(done, total)``."""
        total = sum(len(rows) for _, _, rows in steps)
        done = 0
        for statement, name, rows in steps:
            for chunk in self._chunks(rows):
                tx.run(statement, {name: list(chunk)}).consume()
                done += len(chunk)
                if progress is not None:
                    progress(done, total)

    def _write_plan(
        self,
        tx: ManagedTransaction,
        plan: Plan,
        *,
        seq: int,
        actor: str,
        at: datetime,
        progress: Progress | None,
    ) -> int:
        """Write the plan and its history inside ``tx``; return the new last seq."""
        history: list[dict[str, Any]] = []
        for ci, before in sorted(plan.ci_writes, key=lambda w: w[0].id):
            seq += 1
            op = "update" if before else "create"
            history.append(
                history_row(seq, at, actor, "ci", (ci.id, None, None), op, before, ci, self._times)
            )
        for rel, before_rel in sorted(plan.rel_writes, key=lambda w: w[0].key):
            seq += 1
            op = "update" if before_rel else "create"
            history.append(
                history_row(seq, at, actor, "relationship", rel.key, op, before_rel, rel, self._times)
            )
        for rel in plan.rel_deletes:
            seq += 1
            history.append(
                history_row(seq, at, actor, "relationship", rel.key, "delete", rel, None, self._times)
            )
        for ci in plan.ci_deletes:
            seq += 1
            history.append(
                history_row(seq, at, actor, "ci", (ci.id, None, None), "delete", ci, None, self._times)
            )

        steps: list[Step] = [(q.UPSERT_CIS, "rows", [ci_row(ci, self._times) for ci, _ in plan.ci_writes])]
        steps += self._rel_steps((r for r, _ in plan.rel_writes), q.upsert_rels)
        steps += self._rel_steps(plan.rel_deletes, q.delete_rels)
        steps.append((q.DELETE_CIS, "ids", [ci.id for ci in plan.ci_deletes]))
        steps.append((q.APPEND_HISTORY, "rows", history))
        self._run_steps(tx, steps, progress)
        tx.run(q.ADVANCE_FEED, feed=q.FEED, seq=seq, at=self._times.param(at)).consume()
        return seq

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
            for ids in self._chunks(chunk):
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


def _by_type(rels: Iterable[Relationship]) -> dict[str, list[Relationship]]:
    grouped: dict[str, list[Relationship]] = {}
    for rel in rels:
        grouped.setdefault(rel.type, []).append(rel)
    return dict(sorted(grouped.items()))
