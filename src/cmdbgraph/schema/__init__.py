"""Pydantic models and registries of the graph model. No I/O lives here.

Re-exports the names other layers use, so callers write ``from cmdbgraph.schema import CI``.
"""

from cmdbgraph.schema.ci import CI, CIData, CIId, Provenance, Status
from cmdbgraph.schema.errors import (
    CINotFound,
    CmdbgraphError,
    InvalidInput,
    NotFound,
    Problem,
    RelationshipNotFound,
    StoreConflict,
    StoreError,
    StoreNotFound,
    StoreUnavailable,
)
from cmdbgraph.schema.kinds import BUILTIN_KINDS, AttributeSpec, KindSpec
from cmdbgraph.schema.registry import DEFAULT_REGISTRY, Registry
from cmdbgraph.schema.relationships import (
    BUILTIN_REL_TYPES,
    MinUp,
    Relationship,
    RelTypeSpec,
    parse_min_up,
    required_up,
)

__all__ = [
    "BUILTIN_KINDS",
    "BUILTIN_REL_TYPES",
    "CI",
    "DEFAULT_REGISTRY",
    "AttributeSpec",
    "CIData",
    "CIId",
    "CINotFound",
    "CmdbgraphError",
    "InvalidInput",
    "KindSpec",
    "MinUp",
    "NotFound",
    "Problem",
    "Provenance",
    "Registry",
    "RelTypeSpec",
    "Relationship",
    "RelationshipNotFound",
    "Status",
    "StoreConflict",
    "StoreError",
    "StoreNotFound",
    "StoreUnavailable",
    "parse_min_up",
    "required_up",
]
