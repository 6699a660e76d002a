"""The Neo4j store (Bolt, official driver): :class:`Neo4jStore` and its options."""

from cmdbgraph.graphdb.neo4j.connection import Neo4jOptions
from cmdbgraph.graphdb.neo4j.store import Neo4jStore

__all__ = ["Neo4jOptions", "Neo4jStore"]
