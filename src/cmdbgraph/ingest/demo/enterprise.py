"""Generating the demo enterprise: the size bounds, and the order of its layers.

The plan draws from its own random stream; every CI layer then draws, in the order below, from
one stream, and every relationship layer from another.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from cmdbgraph.ingest.demo.applications import (
    application_cis,
    application_relationships,
    business_service_cis,
    business_service_relationships,
)
from cmdbgraph.ingest.demo.infrastructure import (
    host_cis,
    host_relationships,
    network_cis,
    network_relationships,
    storage_cis,
    storage_relationships,
    zone_cis,
    zone_relationships,
)
from cmdbgraph.ingest.demo.locations import location_cis, location_relationships
from cmdbgraph.ingest.demo.organisation import team_cis, team_relationships
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.ingest.demo.service_history import HistoryIndex, history_size, service_history
from cmdbgraph.ingest.demo.services import (
    dataset_cis,
    dataset_relationships,
    service_cis,
    service_relationships,
)
from cmdbgraph.ingest.demo.vendors import vendor_cis, vendor_relationships
from cmdbgraph.schema import CIData, Relationship

DEMO_MIN_SIZE = 100
"""The smallest enterprise :func:`iter_enterprise` generates (every layer still present)."""
DEMO_MAX_SIZE = 1_000_000
"""The largest enterprise :func:`iter_enterprise` generates."""

_CI_LAYERS: tuple[Callable[[Plan, random.Random], Iterator[CIData]], ...] = (
    location_cis,
    zone_cis,
    network_cis,
    storage_cis,
    host_cis,
    vendor_cis,
    team_cis,
    business_service_cis,
    application_cis,
    service_cis,
    dataset_cis,
)
_RELATIONSHIP_LAYERS: tuple[Callable[[Plan, random.Random], Iterator[Relationship]], ...] = (
    location_relationships,
    zone_relationships,
    network_relationships,
    storage_relationships,
    host_relationships,
    vendor_relationships,
    team_relationships,
    service_relationships,
    application_relationships,
    dataset_relationships,
    business_service_relationships,
)


def iter_enterprise(size: int, seed: int = 42) -> Iterator[CIData | Relationship]:
    """Yield a believable demo enterprise: about ``size`` CIs, then ~3 relationships per CI.

    Parameters
    ----------
    size : int
        Number of CIs, from :data:`DEMO_MIN_SIZE` to :data:`DEMO_MAX_SIZE`.
    seed : int, optional
        Seed of the pseudo-random choices; the same ``(size, seed)`` always yields the same
        sequence, in any process.

    Yields
    ------
    CIData or Relationship
        Every CI first (ids unique), then every relationship (keys unique, endpoints among the
        CIs, only built-in kinds and relationship types).

    Raises
    ------
    ValueError
        If ``size`` is outside ``[DEMO_MIN_SIZE, DEMO_MAX_SIZE]``.

    Examples
    --------
    >>> first = next(iter_enterprise(1000))
    >>> (first.id, first.kind, first.attributes["type"])
    ('loc-fra', 'Location', 'site')
    """
    if not DEMO_MIN_SIZE <= size <= DEMO_MAX_SIZE:
        raise ValueError(f"demo size must be between {DEMO_MIN_SIZE} and {DEMO_MAX_SIZE}, got {size}")
    return _generate(size, seed)


def _generate(size: int, seed: int) -> Iterator[CIData | Relationship]:
    plan = Plan(size - history_size(size), seed)
    index = HistoryIndex()
    rng = random.Random(f"cmdbgraph-demo:{seed}:cis")
    for ci_layer in _CI_LAYERS:
        for ci in ci_layer(plan, rng):
            index.see(ci)
            yield ci
    # the history picks its references from the relationships too, but every CI must come before
    # every relationship: so the relationships are generated twice from the same seed, first
    # only to take notes, then to yield them
    for rel in _relationships(plan, seed):
        index.see(rel)
    history = list(service_history(index, size, seed))
    yield from (r for r in history if isinstance(r, CIData))
    yield from _relationships(plan, seed)
    yield from (r for r in history if isinstance(r, Relationship))


def _relationships(plan: Plan, seed: int) -> Iterator[Relationship]:
    rng = random.Random(f"cmdbgraph-demo:{seed}:relationships")
    for relationship_layer in _RELATIONSHIP_LAYERS:
        yield from relationship_layer(plan, rng)


def enterprise_records(size: int, seed: int = 42) -> tuple[list[CIData], list[Relationship]]:
    """The whole enterprise of :func:`iter_enterprise`, split into its CIs and relationships."""
    cis: list[CIData] = []
    rels: list[Relationship] = []
    for item in iter_enterprise(size, seed):
        if isinstance(item, CIData):
            cis.append(item)
        else:
            rels.append(item)
    return cis, rels
