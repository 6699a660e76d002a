"""Every Cypher statement the Neo4j store sends, as named constants.

Rules (pinned by ``tests/graphdb/test_neo4j_queries.py``):

- Values always travel as parameters (``$id``, ``$rows`` ...); no statement is ever built from
  user text.
- Two things Cypher cannot take as parameters are filled into templates here and nowhere else:
  a relationship type, only from the :class:`~cmdbgraph.schema.Registry` and only when it
  matches ``REL_TYPE_NAME`` (:func:`for_rel_type`), and a traversal depth, only as a bounded
  ``int`` (:func:`subgraph_statement`).
- Writes are ``UNWIND $rows`` batches.

Graph layout: ``(:CI {id, kind, name, criticality, status, attributes, source, first_seen,
last_seen, created_at, updated_at, fold_id, fold_name})`` with relationships of the registry's
types between CIs carrying ``optional``, ``redundancy_group``, ``min_up`` and ``attributes``
(``attributes`` are JSON text: Neo4j properties cannot hold maps). The history is
``(:CmdbChange {seq, at, actor, entity, a, t, b, op, before, after})`` nodes, and the change
feed's head is the single ``(:CmdbFeed {name: 'feed', seq, at})`` node, whose write lock
serialises writers so that ``seq`` follows commit order.
"""

from __future__ import annotations

from typing import Final

from cmdbgraph.schema import Registry
from cmdbgraph.schema.relationships import REL_TYPE_NAME

FEED: Final = "feed"
"""``name`` of the change feed's head node."""

MAX_DEPTH: Final = 10_000
"""The deepest traversal a subgraph query may ask for."""

# -- start-up (idempotent) -------------------------------------------------------------------
SCHEMA_NEO4J: Final = (
    "CREATE CONSTRAINT cmdbgraph_ci_id IF NOT EXISTS FOR (c:CI) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT cmdbgraph_change_seq IF NOT EXISTS FOR (h:CmdbChange) REQUIRE h.seq IS UNIQUE",
    "CREATE CONSTRAINT cmdbgraph_feed_name IF NOT EXISTS FOR (m:CmdbFeed) REQUIRE m.name IS UNIQUE",
    "CREATE INDEX cmdbgraph_ci_kind IF NOT EXISTS FOR (c:CI) ON (c.kind)",
    "CREATE INDEX cmdbgraph_ci_name IF NOT EXISTS FOR (c:CI) ON (c.name)",
    "CREATE INDEX cmdbgraph_change_a IF NOT EXISTS FOR (h:CmdbChange) ON (h.a)",
    "CREATE INDEX cmdbgraph_change_b IF NOT EXISTS FOR (h:CmdbChange) ON (h.b)",
    "CREATE INDEX cmdbgraph_change_at IF NOT EXISTS FOR (h:CmdbChange) ON (h.at)",
)
"""Neo4j 5 constraints and indexes, created at start-up."""

ENSURE_FEED: Final = "MERGE (m:CmdbFeed {name: $feed}) ON CREATE SET m.seq = 0 RETURN m.seq AS seq"

# -- the change feed ---------------------------------------------------------------------------
LOCK_FEED: Final = (
    "MATCH (m:CmdbFeed {name: $feed}) SET m.writes = coalesce(m.writes, 0) + 1 "
    "RETURN m.seq AS seq, m.at AS at"
)
"""Takes the feed node's write lock for the rest of the transaction: one writer at a time."""

ADVANCE_FEED: Final = "MATCH (m:CmdbFeed {name: $feed}) SET m.seq = $seq, m.at = $at"
LAST_SEQ: Final = "MATCH (m:CmdbFeed {name: $feed}) RETURN m.seq AS seq"
CHANGES_SINCE: Final = "MATCH (h:CmdbChange) WHERE h.seq > $seq RETURN h ORDER BY h.seq LIMIT $limit"
HISTORY_OF: Final = (
    "MATCH (h:CmdbChange) WHERE h.a = $id OR h.b = $id RETURN h ORDER BY h.seq DESC LIMIT $limit"
)
SEQ_AT_OR_BEFORE: Final = "MATCH (h:CmdbChange) WHERE h.at <= $at RETURN coalesce(max(h.seq), 0) AS seq"
CI_AS_OF: Final = (
    "MATCH (h:CmdbChange {entity: 'ci', a: $id}) WHERE h.seq <= $seq "
    "RETURN h.op AS op, h.after AS after ORDER BY h.seq DESC LIMIT 1"
)
HISTORY_UP_TO: Final = "MATCH (h:CmdbChange) WHERE h.seq <= $seq RETURN h ORDER BY h.seq"
APPEND_HISTORY: Final = (
    "UNWIND $rows AS r CREATE (:CmdbChange {seq: r.seq, at: r.at, actor: r.actor, entity: r.entity, "
    "a: r.a, t: r.t, b: r.b, op: r.op, before: r.before, after: r.after})"
)

# -- writing the current state -----------------------------------------------------------------
UPSERT_CIS: Final = (
    "UNWIND $rows AS r MERGE (c:CI {id: r.id}) "
    "SET c.kind = r.kind, c.name = r.name, c.criticality = r.criticality, c.status = r.status, "
    "c.attributes = r.attributes, c.source = r.source, c.first_seen = r.first_seen, "
    "c.last_seen = r.last_seen, c.created_at = r.created_at, c.updated_at = r.updated_at, "
    "c.fold_id = r.fold_id, c.fold_name = r.fold_name"
)
DELETE_CIS: Final = "UNWIND $ids AS id MATCH (c:CI {id: id}) DETACH DELETE c"

_UPSERT_RELS: Final = (
    "UNWIND $rows AS r MATCH (a:CI {id: r.source}) MATCH (b:CI {id: r.target}) "
    "MERGE (a)-[e:`{rel_type}`]->(b) "
    "SET e.optional = r.optional, e.redundancy_group = r.redundancy_group, e.min_up = r.min_up, "
    "e.attributes = r.attributes"
)
_DELETE_RELS: Final = (
    "UNWIND $rows AS r MATCH (:CI {id: r.source})-[e:`{rel_type}`]->(:CI {id: r.target}) DELETE e"
)

# -- reading the current state -----------------------------------------------------------------
_GET_REL: Final = "MATCH (:CI {id: $source})-[e:`{rel_type}`]->(:CI {id: $target}) RETURN e"
GET_CIS: Final = "UNWIND $ids AS id MATCH (c:CI {id: id}) RETURN c"
RELS_TOUCHING: Final = (
    "UNWIND $ids AS id MATCH (c:CI {id: id})-[e]-(:CI) "
    "RETURN DISTINCT startNode(e).id AS source, type(e) AS type, endNode(e).id AS target, e"
)
"""Every relationship with one of ``$ids`` at either end (the working set of a batch)."""

NEIGHBOURHOOD: Final = (
    "MATCH (c:CI {id: $id}) OPTIONAL MATCH (c)-[e]-(o:CI) "
    "RETURN c, collect([startNode(e).id, type(e), endNode(e).id, e, o]) AS around"
)
ALL_CIS: Final = "MATCH (c:CI) RETURN c"
ALL_RELS: Final = "MATCH (a:CI)-[e]->(b:CI) RETURN a.id AS source, type(e) AS type, b.id AS target, e"
WHOLE_GRAPH: Final = (
    "MATCH (c:CI) OPTIONAL MATCH (c)-[e]->(b:CI) RETURN c AS ci, collect([type(e), b.id, e]) AS out"
)
"""Every CI with its outgoing relationships: the whole graph in one query (one consistent read)."""
COUNT_CIS: Final = "MATCH (c:CI) RETURN c.kind AS kind, c.status AS status, count(*) AS n"
COUNT_RELS: Final = "MATCH (:CI)-[e]->(:CI) RETURN type(e) AS type, count(*) AS n"
SEARCH_IDS: Final = (
    "MATCH (c:CI) WHERE ($kind IS NULL OR c.kind = $kind) AND ($status IS NULL OR c.status = $status) "
    "AND ($needle IS NULL OR c.fold_id CONTAINS $needle OR c.fold_name CONTAINS $needle) "
    "RETURN c.id AS id, CASE WHEN $with_attributes THEN c.attributes ELSE null END AS attributes"
)

_SUBGRAPH: Final = (
    "MATCH (root:CI) WHERE root.id IN $roots "
    "MATCH p = (root){pattern}(n:CI) "
    "WHERE $types IS NULL OR all(x IN relationships(p) WHERE type(x) IN $types) "
    "WITH collect(DISTINCT n) AS members "
    "UNWIND members AS a "
    "OPTIONAL MATCH (a)-[e]->(b:CI) WHERE b IN members AND ($types IS NULL OR type(e) IN $types) "
    "RETURN a AS ci, collect([type(e), b.id, e]) AS out"
)
"""The induced subgraph around ``$roots`` in one query: every CI within the depth, then every
relationship among them (of ``$types``), grouped by source CI."""

_PATTERNS: Final = {
    "out": "-[*0..{depth}]->",
    "in": "<-[*0..{depth}]-",
    "both": "-[*0..{depth}]-",
}

# -- maintenance -------------------------------------------------------------------------------
WIPE: Final = "MATCH (n) WHERE n:CI OR n:CmdbChange OR n:CmdbFeed DETACH DELETE n"
"""Removes every cmdbgraph node (used by the test suite on a throw-away database)."""


def for_rel_type(template: str, rel_type: str, registry: Registry) -> str:
    """``template`` with ``{rel_type}`` filled in; only a registered type name is accepted."""
    if rel_type not in registry.rel_types or not REL_TYPE_NAME.match(rel_type):
        raise ValueError(f"not a registered relationship type: {rel_type!r}")
    return template.replace("{rel_type}", rel_type)


def upsert_rels(rel_type: str, registry: Registry) -> str:
    """The batched upsert of relationships of one registered type."""
    return for_rel_type(_UPSERT_RELS, rel_type, registry)


def delete_rels(rel_type: str, registry: Registry) -> str:
    """The batched delete of relationships of one registered type."""
    return for_rel_type(_DELETE_RELS, rel_type, registry)


def get_rel(rel_type: str, registry: Registry) -> str:
    """The lookup of one relationship of a registered type by its endpoints."""
    return for_rel_type(_GET_REL, rel_type, registry)


def subgraph_statement(direction: str, depth: int) -> str:
    """The subgraph query for a direction (``out``/``in``/``both``) and a bounded depth.

    >>> "(root)-[*0..2]->(n:CI)" in subgraph_statement("out", 2)
    True
    """
    if type(depth) is not int or not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be an int between 0 and {MAX_DEPTH}")
    pattern = _PATTERNS[direction].replace("{depth}", str(depth))
    return _SUBGRAPH.replace("{pattern}", pattern)
