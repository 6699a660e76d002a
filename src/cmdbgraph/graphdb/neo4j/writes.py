"""Writing to the Neo4j store: what planning a batch reads, and plans and restored histories
written as ``UNWIND $rows`` statements in bounded chunks.

- :meth:`Writer.working_set` reads the part of the graph the planner needs for a batch
  (:func:`~cmdbgraph.graphdb.batch_plan.plan_batch`).
- :meth:`Writer.write_plan` writes a plan, one history node per change, and the feed head.
- :func:`replay_history` replays a complete history copied from another store (before any
  transaction); :meth:`Writer.restore` loads the result into an empty store.
- :func:`chunks` bounds every statement's rows: at most ``batch_size`` rows and, for FalkorDB's
  Bolt listener, at most ``FALKORDB_PARAM_BYTES`` of parameter text.

Every :class:`Writer` method runs inside the caller's transaction ``tx``; the store
(:class:`~cmdbgraph.graphdb.neo4j.store.Neo4jStore`) opens it; ``apply`` takes the feed's
write lock before planning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from neo4j import ManagedTransaction

from cmdbgraph.graphdb.batch_plan import Plan
from cmdbgraph.graphdb.documents import Decoder, entry_documents, entry_key
from cmdbgraph.graphdb.memory_index import GraphIndex, replay_change
from cmdbgraph.graphdb.neo4j import queries as q
from cmdbgraph.graphdb.neo4j.connection import Neo4jOptions
from cmdbgraph.graphdb.neo4j.records import (
    TimeCodec,
    ci_from_properties,
    ci_row,
    history_row,
    rel_from_properties,
    rel_row,
)
from cmdbgraph.graphdb.store import Batch, HistoryEntry, check_next, raise_not_empty
from cmdbgraph.schema import Registry, Relationship

T = TypeVar("T")
FALKORDB_PARAM_BYTES = 2000
"""FalkorDB's Bolt listener splices parameters into the query text and crashes (stack smashing)
when that text passes about 4-8 kB (measured), so its statements carry at most this much."""
Progress = Callable[[int, int], None]
Step = tuple[str, str, Sequence[Any]]
"""A statement, the name of its rows parameter, and the rows to run it over in chunks."""


def chunks(rows: Sequence[T], options: Neo4jOptions) -> Iterator[Sequence[T]]:
    """``rows`` in chunks of at most ``batch_size`` rows (and, for FalkorDB's listener,
    at most ``FALKORDB_PARAM_BYTES`` of parameter text)."""
    size = options.batch_size
    if options.flavour == "neo4j":
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


@dataclass(frozen=True)
class Restored:
    """A complete history replayed outside any transaction: the state it ends in, one history
    row per change, and the time of the last change (``None`` for an empty history)."""

    index: GraphIndex
    history: list[dict[str, Any]]
    last_at: datetime | None


def replay_history(changes: Iterable[HistoryEntry], decoder: Decoder, times: TimeCodec) -> Restored:
    """Check that ``changes`` is a complete history (seq 1, 2, ...) and replay it."""
    index = GraphIndex()
    history: list[dict[str, Any]] = []
    last_at: datetime | None = None
    for entry in changes:
        check_next(entry, len(history))
        before, after = entry_documents(entry)
        key = entry_key(entry)
        replay_change(index, decoder, entry.entity, entry.op, key, after)
        history.append(
            {
                "seq": entry.seq,
                "at": times.param(entry.at),
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
    return Restored(index, history, last_at)


class Writer:
    """The write path of one store: its options (chunk sizes), registry (relationship-type
    templates) and time codec."""

    def __init__(self, options: Neo4jOptions, registry: Registry, times: TimeCodec) -> None:
        self._options = options
        self._registry = registry
        self._times = times

    def working_set(self, tx: ManagedTransaction, batch: Batch) -> GraphIndex:
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
        for ids in chunks(list(named), self._options):
            for record in tx.run(q.GET_CIS, ids=ids):
                index.put_ci(ci_from_properties(record["c"], self._times))
        # then the relationships of the other end of a grouped relationship found (its consumer's
        # whole redundancy group is checked when a member is deleted)
        grouped: dict[str, None] = {}
        for ids in chunks(list(touching), self._options):
            for rel in self._rels_touching(tx, ids):
                index.put_rel(rel)
                if rel.redundancy_group is not None:
                    grouped[rel.source] = grouped[rel.target] = None
        for ids in chunks([i for i in grouped if i not in touching], self._options):
            for rel in self._rels_touching(tx, ids):
                index.put_rel(rel)
        return index

    def _rels_touching(self, tx: ManagedTransaction, ids: Sequence[str]) -> Iterator[Relationship]:
        for record in tx.run(q.RELS_TOUCHING, ids=list(ids)):
            yield rel_from_properties(record["source"], record["type"], record["target"], record["e"])

    def write_plan(
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

    def restore(self, tx: ManagedTransaction, restored: Restored, progress: Progress | None) -> int:
        """Load ``restored`` into the store, which must be empty; return the last seq."""
        history = restored.history
        head = tx.run(q.LOCK_FEED, feed=q.FEED).single(strict=True)
        if head["seq"] or tx.run(q.COUNT_CIS).peek() is not None:
            raise_not_empty()
        steps: list[Step] = [
            (q.UPSERT_CIS, "rows", [ci_row(c, self._times) for c in restored.index.cis.values()])
        ]
        steps += self._rel_steps(restored.index.rels.values(), q.upsert_rels)
        steps.append((q.APPEND_HISTORY, "rows", history))
        self._run_steps(tx, steps, progress)
        tx.run(
            q.ADVANCE_FEED, feed=q.FEED, seq=len(history), at=self._times.param(restored.last_at)
        ).consume()
        return len(history)

    def _rel_steps(
        self, rels: Iterable[Relationship], statement: Callable[[str, Registry], str]
    ) -> list[Step]:
        """One ``statement`` per relationship type, with the rows of that type."""
        return [
            (statement(rel_type, self._registry), "rows", [rel_row(r) for r in group])
            for rel_type, group in _by_type(rels).items()
        ]

    def _run_steps(self, tx: ManagedTransaction, steps: list[Step], progress: Progress | None) -> None:
        """Run each statement over its rows in chunks, reporting ``progress(done, total)``."""
        total = sum(len(rows) for _, _, rows in steps)
        done = 0
        for statement, name, rows in steps:
            for chunk in chunks(rows, self._options):
                tx.run(statement, {name: list(chunk)}).consume()
                done += len(chunk)
                if progress is not None:
                    progress(done, total)


def _by_type(rels: Iterable[Relationship]) -> dict[str, list[Relationship]]:
    grouped: dict[str, list[Relationship]] = {}
    for rel in rels:
        grouped.setdefault(rel.type, []).append(rel)
    return dict(sorted(grouped.items()))
