"""Loading validated records into a store.

By default an import is **one batch**, so one transaction: it is validated completely (any
problem, such as a dangling endpoint in the last record or a quorum larger than its group, is
reported with nothing written) and then committed whole, or not at all if the process dies.

With ``batch_size`` the input is first validated whole as a dry run, then written in batches
of about that many records, each its own transaction: CIs first, then relationships, cut only
between consumers so that every redundancy group arrives whole. This bounds the length of the
write lock for very large imports; if the process dies mid-way the store holds whole batches
only, and running the same import again completes it (identical records write nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from cmdbgraph.graphdb import Batch, GraphStore, WriteResult
from cmdbgraph.schema import CIData, InvalidInput, Problem, Registry, Relationship

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each written batch."""


def _by_consumer(rels: Sequence[Relationship], registry: Registry, size: int) -> Iterator[list[Relationship]]:
    """Chunks of about ``size`` relationships, never splitting one consumer's relationships."""

    def consumer(rel: Relationship) -> str:
        spec = registry.rel_types.get(rel.type)
        return spec.consumer(rel) if spec else rel.source

    ordered = sorted(rels, key=consumer)
    chunk: list[Relationship] = []
    last: str | None = None
    for rel in ordered:
        c = consumer(rel)
        if len(chunk) >= size and c != last:
            yield chunk
            chunk = []
        chunk.append(rel)
        last = c
    if chunk:
        yield chunk


def load_records(
    store: GraphStore,
    cis: Sequence[CIData],
    relationships: Sequence[Relationship],
    *,
    actor: str,
    source: str | None = None,
    batch_size: int | None = None,
    dry_run: bool = False,
    origin: Callable[[str], str] | None = None,
    progress: Progress | None = None,
) -> WriteResult:
    """Validate all records against ``store``, then (unless ``dry_run``) write them: in one
    transaction, or in transactions of about ``batch_size`` records.

    ``origin`` maps a batch location (``cis[3]``) to where the record came from, for messages.
    Returns the combined result; with ``dry_run`` it is the diff that would be applied.
    """
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    whole = Batch(upsert_cis=cis, upsert_relationships=relationships)
    try:
        if batch_size is None or dry_run:
            return store.apply(whole, actor=actor, source=source, dry_run=dry_run, progress=progress)
        store.apply(whole, actor=actor, source=source, dry_run=True)
    except InvalidInput as exc:
        if origin is None:
            raise
        raise InvalidInput(
            [Problem(p.code, p.message, origin(p.where), p.field) for p in exc.problems]
        ) from None
    total = len(cis) + len(relationships)
    done = 0
    result = WriteResult(seq=store.last_seq())
    for start in range(0, len(cis), batch_size):
        chunk = cis[start : start + batch_size]
        result.merge(store.apply(Batch(upsert_cis=chunk), actor=actor, source=source))
        done += len(chunk)
        if progress:
            progress(done, total)
    for rel_chunk in _by_consumer(relationships, store.registry, batch_size):
        result.merge(store.apply(Batch(upsert_relationships=rel_chunk), actor=actor, source=source))
        done += len(rel_chunk)
        if progress:
            progress(done, total)
    return result
