"""What only a real Neo4j can show: constraints and indexes, typed errors translated at the
boundary, native temporal values, database selection.

Marked ``neo4j_semantics``: skipped (reported as not run) on FalkorDB's Bolt listener, which
has none of these. Run them with ``CMDBGRAPH_TEST_NEO4J_URI`` pointing at a Neo4j 5 server.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from neo4j import GraphDatabase
from neo4j.time import DateTime

from cmdbgraph.graphdb import Batch
from cmdbgraph.graphdb.neo4j import Neo4jStore
from cmdbgraph.graphdb.neo4j.connection import translated
from cmdbgraph.schema import StoreConflict, StoreError, StoreUnavailable
from tests.conftest import FALKORDB_LIMITS, BoltTarget
from tests.factories import ci

pytestmark = [pytest.mark.neo4j, pytest.mark.neo4j_semantics]


@pytest.fixture
def real(bolt_target: BoltTarget) -> BoltTarget:
    """The Bolt target if it is a real Neo4j; otherwise the test is skipped (not run)."""
    if not bolt_target.real_neo4j:
        pytest.skip(reason="needs a real Neo4j: " + FALKORDB_LIMITS)
    return bolt_target


@pytest.fixture
def neo(real: BoltTarget) -> Neo4jStore:
    store = Neo4jStore(real.uri, options=real.options)
    store.wipe()
    return store


def raw(target: BoltTarget, statement: str) -> list[dict[str, object]]:
    with GraphDatabase.driver(target.uri, auth=(target.options.user, target.options.password)) as driver:
        records, _, _ = driver.execute_query(statement, database_=target.options.database)
        return [r.data() for r in records]


def test_start_up_creates_the_constraints_and_indexes(neo: Neo4jStore, real: BoltTarget) -> None:
    names = {str(r["name"]) for r in raw(real, "SHOW CONSTRAINTS YIELD name")}
    assert {"cmdbgraph_ci_id", "cmdbgraph_change_seq", "cmdbgraph_feed_name"} <= names
    indexes = {str(r["name"]) for r in raw(real, "SHOW INDEXES YIELD name")}
    assert {"cmdbgraph_ci_kind", "cmdbgraph_ci_name"} <= indexes
    Neo4jStore(real.uri, options=real.options)  # idempotent: opening again is fine


def test_a_constraint_violation_is_a_store_conflict(neo: Neo4jStore, real: BoltTarget) -> None:
    neo.apply(Batch(upsert_cis=[ci("taken")]), actor="t")
    with (
        GraphDatabase.driver(real.uri, auth=(real.options.user, real.options.password)) as driver,
        pytest.raises(StoreConflict, match="constraint"),
        translated(real.uri),
    ):
        driver.execute_query("CREATE (:CI {id: 'taken'})", database_=real.options.database)


def test_a_cypher_error_is_a_store_error_with_the_neo4j_code(real: BoltTarget) -> None:
    with (
        GraphDatabase.driver(real.uri, auth=(real.options.user, real.options.password)) as driver,
        pytest.raises(StoreError, match=r"Neo\.ClientError\.Statement"),
        translated(real.uri),
    ):
        driver.execute_query("THIS IS NOT CYPHER", database_=real.options.database)


def test_timestamps_are_native_datetimes(neo: Neo4jStore, real: BoltTarget) -> None:
    neo.apply(Batch(upsert_cis=[ci("dated")]), actor="t")
    (row,) = raw(real, "MATCH (c:CI {id: 'dated'}) RETURN c.created_at AS at")
    assert isinstance(row["at"], DateTime)
    assert neo.get_ci("dated").created_at == neo.history("dated")[0].at


def test_wrong_credentials_are_reported_as_unavailable(real: BoltTarget) -> None:
    options = replace(real.options, password=real.options.password + "-wrong")
    with pytest.raises(StoreUnavailable, match="refused the credentials"):
        Neo4jStore(real.uri, options=options)


def test_an_unknown_database_is_a_clear_error(real: BoltTarget) -> None:
    options = replace(real.options, database="no-such-database-cmdbgraph")
    with pytest.raises(StoreError, match="Neo4j error"):
        Neo4jStore(real.uri, options=options)
