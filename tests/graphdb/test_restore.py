"""``restore``: a history copied from another store gives the same graph and the same history.

The source is always an embedded store with a history of creates, updates, retirements and
deletes; the target is the backend under test.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from cmdbgraph.graphdb import Batch, EmbeddedStore, GraphStore
from cmdbgraph.graphdb.migrate import history_of, migrate
from cmdbgraph.schema import InvalidInput
from tests.factories import ci, depends_on, rel

ACTORS = ("alice", "bob")


def source_store(path: Path) -> tuple[EmbeddedStore, list[datetime]]:
    """A store with five batches by two actors; returns it and an instant after each batch."""
    store = EmbeddedStore(path)
    batches = [
        Batch(
            upsert_cis=[ci("app"), ci("db", "Database"), ci("host", "Host"), ci("old")],
            upsert_relationships=[
                depends_on("app", "db"),
                rel("db", "host", "RUNS_ON"),
                depends_on("old", "db"),
            ],
        ),
        Batch(upsert_cis=[ci("app", name="App v2", attributes={"x_a": [1, {"b": None}]})]),
        Batch(retire_cis=["old"]),
        Batch(upsert_relationships=[depends_on("app", "db", optional=True)], delete_cis=["old"]),
        Batch(upsert_cis=[ci("new")], upsert_relationships=[depends_on("new", "app")]),
    ]
    instants = []
    for i, batch in enumerate(batches):
        store.apply(batch, actor=ACTORS[i % 2], source=f"source-{i}")
        instants.append(datetime.now().astimezone())
        time.sleep(0.002)
    return store, instants


def test_restore_copies_the_graph_and_its_history(store: GraphStore, tmp_path: Path) -> None:
    source, instants = source_store(tmp_path / "source.db")

    last = store.restore(history_of(source, page=3))

    assert last == source.last_seq() == store.last_seq()
    assert store.changes_since(0) == source.changes_since(0)
    assert list(store.iter_cis()) == list(source.iter_cis())
    assert list(store.iter_relationships()) == list(source.iter_relationships())
    assert store.counts() == source.counts()
    assert store.history("app") == source.history("app")
    assert store.history("old") == source.history("old")
    for at in instants:
        assert store.find_ci("old", as_of=at) == source.find_ci("old", as_of=at)
        assert store.get_ci("app", as_of=at) == source.get_ci("app", as_of=at)
    # the copy keeps working as a store
    store.apply(Batch(upsert_cis=[ci("later")]), actor="carol")
    assert store.last_seq() == last + 1


def test_migrate_verifies_the_counts(store: GraphStore, tmp_path: Path) -> None:
    source, _ = source_store(tmp_path / "source.db")
    seen: list[str] = []

    result = migrate(source, store, progress=lambda phase, done, total: seen.append(phase))

    assert result.verified
    assert result.changes == source.last_seq()
    assert {"read", "write"} <= set(seen)


def test_restore_refuses_a_store_that_is_not_empty(store: GraphStore, tmp_path: Path) -> None:
    source, _ = source_store(tmp_path / "source.db")
    store.apply(Batch(upsert_cis=[ci("mine")]), actor="me")

    with pytest.raises(InvalidInput) as caught:
        store.restore(history_of(source))
    assert caught.value.problems[0].code == "TARGET_NOT_EMPTY"
    with pytest.raises(InvalidInput):
        migrate(source, store)
    assert [c.id for c in store.iter_cis()] == ["mine"]


def test_restore_refuses_a_history_with_a_gap(store: GraphStore, tmp_path: Path) -> None:
    source, _ = source_store(tmp_path / "source.db")
    changes = source.changes_since(0)
    del changes[2]

    with pytest.raises(InvalidInput) as caught:
        store.restore(changes)
    assert caught.value.problems[0].code == "HISTORY_GAP"
    assert store.last_seq() == 0
    assert list(store.iter_cis()) == []
