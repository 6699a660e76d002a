"""Choosing a backend from a store URI.

- a file path, or ``sqlite:///path`` (absolute: ``sqlite:////abs/path``) -> :class:`EmbeddedStore`
- ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://``, ``bolt://``, ``bolt+s://``, ``bolt+ssc://`` ->
  :class:`Neo4jStore` (credentials, database and flavour in :class:`Neo4jOptions`)

>>> embedded_path("sqlite:///data/cmdb.db"), embedded_path("./cmdb.db")
('data/cmdb.db', './cmdb.db')
"""

from __future__ import annotations

from pathlib import Path

from cmdbgraph.graphdb.embedded import EmbeddedStore
from cmdbgraph.graphdb.neo4j import Neo4jOptions, Neo4jStore
from cmdbgraph.graphdb.store import GraphStore
from cmdbgraph.schema import DEFAULT_REGISTRY, InvalidInput, Registry, StoreNotFound

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def embedded_path(uri: str) -> str:
    """The file path an embedded-store URI names."""
    if uri.startswith("sqlite:///"):
        return uri.removeprefix("sqlite:///")
    if "://" in uri:
        raise InvalidInput.one("UNKNOWN_STORE_URI", f"unsupported store URI {uri!r}", field="store")
    if not uri:
        raise InvalidInput.one("UNKNOWN_STORE_URI", "the store URI is empty", field="store")
    return uri


def is_neo4j_uri(uri: str) -> bool:
    """True when ``uri`` names a Neo4j (Bolt) server."""
    return uri.startswith(NEO4J_SCHEMES)


def open_store(
    uri: str,
    registry: Registry = DEFAULT_REGISTRY,
    *,
    create: bool = True,
    neo4j: Neo4jOptions | None = None,
) -> GraphStore:
    """Open the store ``uri`` names. An embedded store file is created when missing if
    ``create``; otherwise a missing file raises :class:`StoreNotFound` (so a mistyped path in a
    read-only command is reported instead of silently creating an empty store). A Neo4j
    database is always there to open; ``neo4j`` says how to log in to it."""
    if is_neo4j_uri(uri):
        return Neo4jStore(uri, registry, neo4j)
    path = Path(embedded_path(uri))
    if not create and not path.exists():
        raise StoreNotFound(f"no store at {path} (create one with 'cmdbgraph demo' or 'cmdbgraph import')")
    return EmbeddedStore(path, registry)
