"""Choosing a backend from a store URI.

- a file path, or ``sqlite:///path`` (absolute: ``sqlite:////abs/path``) -> :class:`EmbeddedStore`
- ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://``, ``bolt://``, ``bolt+s://`` -> the Neo4j store
  (issue 4; refused with ``STORE_UNAVAILABLE`` until it lands)

>>> embedded_path("sqlite:///data/cmdb.db"), embedded_path("./cmdb.db")
('data/cmdb.db', './cmdb.db')
"""

from __future__ import annotations

from pathlib import Path

from cmdbgraph.graphdb.embedded import EmbeddedStore
from cmdbgraph.graphdb.store import GraphStore
from cmdbgraph.schema import DEFAULT_REGISTRY, InvalidInput, Registry, StoreNotFound, StoreUnavailable

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


def open_store(uri: str, registry: Registry = DEFAULT_REGISTRY, *, create: bool = True) -> GraphStore:
    """Open the store ``uri`` names. An embedded store file is created when missing if
    ``create``; otherwise a missing file raises :class:`StoreNotFound` (so a mistyped path in a
    read-only command is reported instead of silently creating an empty store)."""
    if uri.startswith(NEO4J_SCHEMES):
        raise StoreUnavailable(f"the Neo4j store is not available in this version ({uri})")
    path = Path(embedded_path(uri))
    if not create and not path.exists():
        raise StoreNotFound(f"no store at {path} (create one with 'cmdbgraph demo' or 'cmdbgraph import')")
    return EmbeddedStore(path, registry)
