"""Shared fixtures: a backend-parametrised ``store`` (every store test runs on every backend)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cmdbgraph.graphdb import EmbeddedStore, GraphStore

StoreFactory = Callable[[], GraphStore]

BACKENDS = [pytest.param("embedded", id="embedded")]


@pytest.fixture(params=BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens fresh, empty stores of the parametrised backend; closes them afterwards."""
    opened: list[GraphStore] = []
    counter = iter(range(1_000_000))

    def make() -> GraphStore:
        store = EmbeddedStore(tmp_path / f"store-{next(counter)}.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    """One fresh, empty store of each backend."""
    return store_factory()
