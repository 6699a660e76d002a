"""Property tests of the embedded store on small random graphs (hypothesis).

- upserting the same batch again writes nothing (also from another source, and after reopening);
- as-of reads reproduce every earlier state of a random sequence of batches;
- deleting CIs and adding them back restores the same content;
- export (JSON or YAML), import into an empty store and export again gives the same bytes and
  content.

Each example gets a fresh store in its own temporary directory.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from cmdbgraph.graphdb import Batch, EmbeddedStore, RelKey
from cmdbgraph.ingest.graphfile import read_graph_files, write_graph_file
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import CIData, Relationship, Status
from tests.strategies import free_form_kinds, json_values

IDS = ("a", "b", "c", "d", "e", "f", "ü-1", "x y")
KINDS = free_form_kinds()
REL_TYPES = ("DEPENDS_ON", "RUNS_ON", "PART_OF")
ATTRIBUTE_NAMES = ("x_a", "x_b", "x_c")  # declared by no built-in kind: any JSON value is valid
ACTOR = "property-test"

PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)

CIState = dict[str, dict[str, Any]]
RelState = dict[RelKey, dict[str, Any]]
State = tuple[CIState, RelState]


# ------------------------------------------------------------------------------- strategies
_TEXT = st.text(alphabet='abzÄé 🙂-_"\\/', max_size=6)
_JSON = json_values('abzÄé 🙂-_"\\/', max_leaves=6)
_ATTRIBUTES = st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), _JSON, max_size=3)


@st.composite
def ci_contents(draw: st.DrawFn, ci_id: str) -> CIData:
    """Random content for the CI ``ci_id`` (any built-in kind)."""
    return CIData(
        id=ci_id,
        kind=draw(st.sampled_from(KINDS)),
        name=draw(_TEXT),
        criticality=draw(st.integers(min_value=1, max_value=4)),
        status=draw(st.sampled_from(list(Status))),
        attributes=draw(_ATTRIBUTES),
    )


@st.composite
def relationships(draw: st.DrawFn, ids: Sequence[str]) -> Relationship:
    """A relationship between two distinct CIs of ``ids`` (at least two). Redundancy groups
    state no quorum or ``50%``, so any membership is valid."""
    source = draw(st.sampled_from(ids))
    target = draw(st.sampled_from([i for i in ids if i != source]))
    grouped = draw(st.booleans())
    return Relationship(
        source=source,
        target=target,
        type=draw(st.sampled_from(REL_TYPES)),
        optional=draw(st.booleans()),
        redundancy_group="pool" if grouped else None,
        min_up=draw(st.sampled_from([None, "50%"])) if grouped else None,
        attributes=draw(st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), _JSON, max_size=2)),
    )


def _relationship_lists(ids: Sequence[str], max_size: int) -> st.SearchStrategy[list[Relationship]]:
    if len(ids) < 2:
        return st.just([])
    return st.lists(relationships(ids), max_size=max_size, unique_by=lambda r: r.key)


@st.composite
def graphs(draw: st.DrawFn) -> Batch:
    """A batch upserting a random small graph (every endpoint is one of its CIs)."""
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True))
    cis = [draw(ci_contents(ci_id)) for ci_id in ids]
    return Batch(upsert_cis=cis, upsert_relationships=draw(_relationship_lists(ids, 12)))


def _draw_batch(data: st.DataObject, store: EmbeddedStore) -> Batch:
    """A random batch that is valid against what ``store`` holds now: CI upserts, relationship
    upserts between live CIs, relationship deletes, CI retirements and CI deletes."""
    existing = [c.id for c in store.iter_cis()]
    existing_rels = [r.key for r in store.iter_relationships()]
    upsert_ids = data.draw(st.lists(st.sampled_from(IDS), max_size=4, unique=True), label="upsert ids")
    cis = [data.draw(ci_contents(ci_id)) for ci_id in upsert_ids]
    present = sorted({*existing, *upsert_ids})
    some_present = st.lists(st.sampled_from(present), max_size=2, unique=True) if present else st.just([])
    delete_cis = data.draw(some_present, label="delete_cis")
    retire_cis = data.draw(some_present, label="retire_cis")
    alive = [i for i in present if i not in delete_cis]
    rels = data.draw(_relationship_lists(alive, 6), label="relationships")
    delete_rels: list[RelKey] = (
        data.draw(st.lists(st.sampled_from(existing_rels), max_size=2, unique=True), label="delete_rels")
        if existing_rels
        else []
    )
    return Batch(
        upsert_cis=cis,
        upsert_relationships=rels,
        delete_relationships=delete_rels,
        retire_cis=retire_cis,
        delete_cis=delete_cis,
    )


# ---------------------------------------------------------------------------------- helpers
@contextmanager
def _fresh_store(name: str = "store.db") -> Iterator[EmbeddedStore]:
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / name) as store:
        yield store


def _state(store: EmbeddedStore) -> State:
    """Everything the store holds now, provenance and timestamps included."""
    cis = {c.id: c.model_dump() for c in store.iter_cis()}
    rels = {r.key: r.model_dump() for r in store.iter_relationships()}
    return cis, rels


def _graph_state(graph: nx.MultiDiGraph[str]) -> State:
    """The same, read from a snapshot graph (checking its keys on the way)."""
    cis: CIState = {}
    for node, attrs in graph.nodes(data=True):
        assert attrs["ci"].id == node
        cis[node] = attrs["ci"].model_dump()
    rels: RelState = {}
    for source, target, rel_type, attrs in graph.edges(keys=True, data=True):
        rel = attrs["rel"]
        assert rel.key == (source, rel_type, target)
        rels[rel.key] = rel.model_dump()
    return cis, rels


def _content(store: EmbeddedStore) -> tuple[list[CIData], list[Relationship]]:
    """What the store asserts, without provenance and timestamps."""
    return [c.content() for c in store.iter_cis()], list(store.iter_relationships())


def _instant() -> datetime:
    """An instant strictly between the batch before and the batch after."""
    time.sleep(0.002)
    at = datetime.now(UTC)
    time.sleep(0.002)
    return at


def _export(store: EmbeddedStore, fmt: Literal["json", "yaml"] = "json") -> bytes:
    buffer = io.BytesIO()
    write_graph_file(buffer, store.iter_cis(), store.iter_relationships(), fmt)
    return buffer.getvalue()


# ------------------------------------------------------------------------------- properties
@PROPERTY_SETTINGS
@given(batch=graphs())
def test_upserting_the_same_batch_again_writes_nothing(batch: Batch) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.db"
        with EmbeddedStore(path) as store:
            first = store.apply(batch, actor=ACTOR)
            assert first.changes == len(batch) > 0
            seq = store.last_seq()
            assert seq == first.seq > 0
            state = _graph_state(store.snapshot())
            assert state == _state(store)
            history = store.changes_since(0)
            assert len(history) == len(batch)

            for actor, source in ((ACTOR, None), ("someone-else", "other-source")):
                again = store.apply(batch, actor=actor, source=source)
                assert again.changes == 0
                assert again.unchanged_cis == len(batch.upsert_cis)
                assert again.unchanged_relationships == len(batch.upsert_relationships)
                assert again.seq == seq
                assert store.last_seq() == seq
                assert _graph_state(store.snapshot()) == state
                assert store.changes_since(0) == history

        # stored documents decode to content equal to what was upserted
        with EmbeddedStore(path) as reopened:
            assert _state(reopened) == state
            assert reopened.apply(batch, actor=ACTOR).changes == 0
            assert reopened.last_seq() == seq


@PROPERTY_SETTINGS
@given(data=st.data(), n_batches=st.integers(min_value=3, max_value=5))
def test_as_of_reads_reproduce_every_earlier_state(data: st.DataObject, n_batches: int) -> None:
    with _fresh_store() as store:
        recorded: list[tuple[datetime, State]] = [(_instant(), _state(store))]
        for _ in range(n_batches):
            store.apply(_draw_batch(data, store), actor=ACTOR)
            recorded.append((_instant(), _state(store)))
        assert recorded[-1][1] == _graph_state(store.snapshot())

        # in a random order, so the cache of the last instant asked for is both hit and missed
        order = data.draw(st.permutations(range(len(recorded))), label="order of instants")
        for i in [*order, *order[:2]]:
            at, (cis, rels) = recorded[i]
            assert _graph_state(store.snapshot(as_of=at)) == (cis, rels), f"state after batch {i}"
            for ci_id in IDS:
                found = store.find_ci(ci_id, as_of=at)
                assert (found.model_dump() if found is not None else None) == cis.get(ci_id), (i, ci_id)
        # the present is untouched by as-of reads
        assert _state(store) == recorded[-1][1]


@PROPERTY_SETTINGS
@given(batch=graphs(), data=st.data())
def test_deleting_cis_and_adding_them_back_restores_the_content(batch: Batch, data: st.DataObject) -> None:
    ids = [c.id for c in batch.upsert_cis]
    victims = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True), label="victims")
    with _fresh_store() as store:
        store.apply(batch, actor=ACTOR)
        before_cis, before_rels = _content(store)

        deleted = store.apply(Batch(delete_cis=victims), actor=ACTOR)
        touching = {r.key for r in before_rels if r.source in victims or r.target in victims}
        assert sorted(deleted.deleted_cis) == sorted(victims)
        assert set(deleted.deleted_relationships) == touching
        after_cis, after_rels = _content(store)
        assert after_cis == [c for c in before_cis if c.id not in victims]
        assert after_rels == [r for r in before_rels if r.key not in touching]

        readded = store.apply(batch, actor=ACTOR)
        assert sorted(readded.created_cis) == sorted(victims)
        assert set(readded.created_relationships) == touching
        assert _content(store) == (before_cis, before_rels)
        for ci_id in victims:
            assert [e.op for e in store.history(ci_id) if e.key == ci_id] == ["create", "delete", "create"]


@PROPERTY_SETTINGS
@given(
    data=st.data(),
    n_batches=st.integers(min_value=1, max_value=4),
    batch_size=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    fmt=st.sampled_from(["json", "yaml"]),
)
def test_export_then_import_into_an_empty_store_round_trips(
    data: st.DataObject, n_batches: int, batch_size: int | None, fmt: Literal["json", "yaml"]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with EmbeddedStore(Path(tmp) / "a.db") as a:
            for _ in range(n_batches):
                a.apply(_draw_batch(data, a), actor=ACTOR)
            exported = _export(a, fmt)
            a_content = _content(a)

        path = Path(tmp) / f"export.{fmt}"
        path.write_bytes(exported)
        content = read_graph_files([path])
        assert (content.cis, content.relationships) == a_content

        with EmbeddedStore(Path(tmp) / "b.db") as b:
            result = load_records(b, content.cis, content.relationships, actor=ACTOR, batch_size=batch_size)
            assert len(result.created_cis) == len(a_content[0])
            assert len(result.created_relationships) == len(a_content[1])
            assert result.changes == len(a_content[0]) + len(a_content[1])
            assert _export(b, fmt) == exported
            assert _content(b) == a_content
