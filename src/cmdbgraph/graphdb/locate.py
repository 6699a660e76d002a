"""Choosing a backend from a store URI.

- a file path, or ``sqlite:///path`` (absolute: ``sqlite:////abs/path``) -> :class:`EmbeddedStore`
- ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://``, ``bolt://``, ``bolt+s://`` -> the Neo4j store
  (issue 4; refused with ``STORE_UNAVAILABLE`` until it lands)

>>> embedded_path("sqlite:///data/cmdb.db"), embedded_path("./cmdb.db")
('data/cmdb.db', './cmdb.db')
"""

from __future__ import annotations

from cmdbgraph.graphdb.embedded import EmbeddedStore
from cmdbgraph.graphdb.store import GraphStore
from cmdbgraph.schema import DEFAULT_REGISTRY, InvalidInput, Registry, StoreUnavailable

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


def open_store(uri: str, registry: Registry = DEFAULT_REGISTRY) -> GraphStore:
    """Open the store ``uri`` names (creating an embedded store file if needed)."""
    if uri.startswith(NEO4J_SCHEMES):
        raise StoreUnavailable(f"the Neo4j store is not available in this version ({uri})")
    return EmbeddedStore(embedded_path(uri), registry)
