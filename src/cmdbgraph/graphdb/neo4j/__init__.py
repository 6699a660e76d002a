"""The Neo4j store (Bolt, official driver): :class:`Neo4jStore` and its options."""

from cmdbgraph.graphdb.neo4j.store import Neo4jOptions, Neo4jStore

__all__ = ["Neo4jOptions", "Neo4jStore"]
