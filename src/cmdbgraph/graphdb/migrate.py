"""Copying a whole graph, with its history, from one store to another (``cmdbgraph migrate``).

The source's change feed is read page by page and restored into the empty target in one
transaction (:meth:`GraphStore.restore`): the target gets the same current state *and* the same
history (seq, time, actor, before and after of every change), so as-of reads and audit answers
are the same on both sides. The copy is then verified by comparing the stores' counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cmdbgraph.graphdb.store import Counts, GraphStore, HistoryEntry, raise_not_empty

PAGE = 10_000
"""Changes read from the source per call."""


@dataclass(frozen=True)
class Migration:
    """What was copied, and the counts of both stores afterwards."""

    changes: int
    source: Counts
    target: Counts

    @property
    def verified(self) -> bool:
        """True when the target holds exactly what the source holds."""
        return self.source == self.target


def history_of(store: GraphStore, *, page: int = PAGE) -> Iterator[HistoryEntry]:
    """Every change the store recorded, oldest first, read ``page`` at a time."""
    seq = 0
    while True:
        entries = store.changes_since(seq, limit=page)
        if not entries:
            return
        yield from entries
        seq = entries[-1].seq


def migrate(
    source: GraphStore,
    target: GraphStore,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> Migration:
    """Copy ``source`` (graph and history) into the empty ``target`` and verify the counts.

    ``progress(phase, done, total)`` reports reading (``"read"``) and writing (``"write"``).
    Raises ``InvalidInput`` (``TARGET_NOT_EMPTY``) when the target already holds data.
    """
    if target.last_seq() or target.counts().cis:
        raise_not_empty()  # before reading the source (restore checks again, in its transaction)
    total = source.last_seq()

    def reading() -> Iterator[HistoryEntry]:
        for done, entry in enumerate(history_of(source), start=1):
            if progress is not None and (done % 1000 == 0 or done == total):
                progress("read", done, total)
            yield entry

    changes = list(reading())
    write_progress = None if progress is None else (lambda done, of: progress("write", done, of))
    target.restore(changes, progress=write_progress)
    return Migration(changes=len(changes), source=source.counts(), target=target.counts())
