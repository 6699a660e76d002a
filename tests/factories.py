"""Typed factories for test data: ``ci("web")``, ``depends_on("web", "db")``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cmdbgraph.graphdb import Batch
from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Relationship


def ci(ci_id: str, kind: str = "Service", **fields: Any) -> CIData:
    """A valid CI with sensible defaults."""
    return CIData(id=ci_id, kind=kind, **fields)


def rel(source: str, target: str, rel_type: str = "DEPENDS_ON", **fields: Any) -> Relationship:
    """A valid relationship."""
    return Relationship(source=source, target=target, type=rel_type, **fields)


def depends_on(source: str, target: str, **fields: Any) -> Relationship:
    """``source -[DEPENDS_ON]-> target``."""
    return rel(source, target, "DEPENDS_ON", **fields)


def graph_batch(nodes: list[str], edges: list[tuple[str, str]], kind: str = "Service") -> Batch:
    """A batch of ``nodes`` as CIs and ``edges`` as DEPENDS_ON relationships."""
    return Batch(
        upsert_cis=[ci(n, kind) for n in nodes],
        upsert_relationships=[depends_on(a, b) for a, b in edges],
    )


def flow_pairs(relationships: Iterable[Relationship]) -> set[tuple[str, str]]:
    """(provider, consumer) of every propagating relationship: the hops a failure can take."""
    pairs: set[tuple[str, str]] = set()
    for r in relationships:
        spec = DEFAULT_REGISTRY.rel_types[r.type]
        if spec.propagates:
            pairs.add((spec.provider(r), spec.consumer(r)))
    return pairs
