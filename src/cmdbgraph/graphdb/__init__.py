"""Graph stores: the ``GraphStore`` protocol and its backends.

Nothing outside this package touches SQLite or a graph database driver directly.
"""

from cmdbgraph.graphdb.embedded import EmbeddedStore
from cmdbgraph.graphdb.locate import open_store
from cmdbgraph.graphdb.store import (
    Batch,
    Counts,
    Direction,
    GraphContents,
    GraphStore,
    HistoryEntry,
    Neighbour,
    Page,
    RelKey,
    WriteResult,
)

__all__ = [
    "Batch",
    "Counts",
    "Direction",
    "EmbeddedStore",
    "GraphContents",
    "GraphStore",
    "HistoryEntry",
    "Neighbour",
    "Page",
    "RelKey",
    "WriteResult",
    "open_store",
]
