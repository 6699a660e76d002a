"""cmdbgraph: a graph-centric CMDB and impact-analysis platform.

Subpackages, in dependency order (enforced by import-linter, see ``pyproject.toml``):

- :mod:`cmdbgraph.schema`  -- pydantic models and registries; no I/O.
- :mod:`cmdbgraph.graphdb` -- the ``GraphStore`` protocol and its backends.
- :mod:`cmdbgraph.impact`  -- pure graph algorithms over in-memory snapshots.
- :mod:`cmdbgraph.ingest`  -- graph files and the demo enterprise, written through a store.
- :mod:`cmdbgraph.tickets`, :mod:`cmdbgraph.visual` -- services and maps.
- :mod:`cmdbgraph.graphql`, :mod:`cmdbgraph.cli` -- composition roots.
"""

__version__ = "0.1.0"
