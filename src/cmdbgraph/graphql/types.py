"""GraphQL object types. Graph types are generated from the pydantic models
(:class:`~cmdbgraph.schema.CI`, :class:`~cmdbgraph.schema.Relationship`), never re-declared;
only their JSON-valued fields are given the ``JSON`` scalar. Analysis results are types of their
own, shaped by the stable contract of issue 6.

Every CI leaves the server through :func:`ci_out`, which applies masking and redaction for the
caller, so no resolver can forget to.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON
from strawberry.types import Info

from cmdbgraph.graphdb import Direction as StoreDirection
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.schema import CI, Relationship
from cmdbgraph.schema.ci import Provenance


@strawberry.enum
class Direction(enum.Enum):
    """Which way to follow relationships from a CI."""

    OUT = "out"
    IN = "in"
    BOTH = "both"

    @property
    def store(self) -> StoreDirection:
        return StoreDirection(self.value)


@pydantic_type(model=Provenance, all_fields=True, name="Provenance")
class ProvenanceType:
    """Which source last asserted a CI, and when."""


@pydantic_type(model=Relationship, all_fields=True, name="Relationship")
class RelationshipType:
    """A typed, directed edge between two CIs."""

    attributes: JSON
    min_up: JSON | None


@pydantic_type(model=CI, all_fields=True, name="CI")
class CIType:
    """A configuration item. ``redacted`` marks a stand-in for a restricted CI; attributes named
    in ``maskedAttributes`` are declared sensitive and hidden from this caller."""

    id: strawberry.ID
    attributes: JSON
    redacted: bool = False
    masked_attributes: list[str] = strawberry.field(default_factory=list)

    @strawberry.field(description="CIs one hop away (DataLoader-batched: one store call per level)")
    async def neighbours(
        self,
        info: Info[ApiContext, None],
        direction: Direction = Direction.BOTH,
        types: list[str] | None = None,
        as_of: datetime | None = None,
    ) -> list[Annotated[NeighbourType, strawberry.lazy("cmdbgraph.graphql.types")]]:
        from cmdbgraph.graphql.loaders import neighbours_of

        if self.redacted:
            return []
        return await neighbours_of(info.context, self.id, direction.store, types, as_of)


@strawberry.type(name="Neighbour")
class NeighbourType:
    """A CI next to another, the relationship between them and which way it points."""

    direction: str
    relationship: RelationshipType
    ci: CIType


@strawberry.type
class PageInfo:
    """Relay page information."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CIEdge:
    cursor: str
    node: CIType


@strawberry.type
class CIConnection:
    """A page of CIs (Relay cursor connection). ``totalCount`` counts every match."""

    edges: list[CIEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input
class AttributeFilter:
    """``attributes[name] == value`` (JSON equality)."""

    name: str
    value: JSON


def _ci_type(ci: CI, *, redacted: bool, masked: tuple[str, ...]) -> CIType:
    """The GraphQL value of ``ci``, built field by field (``from_pydantic`` re-converts every
    field generically and is the largest part of serving a CI)."""
    p = ci.provenance
    return CIType(
        id=strawberry.ID(ci.id),
        kind=ci.kind,
        name=ci.name,
        criticality=ci.criticality,
        status=ci.status,
        attributes=JSON(ci.attributes),
        provenance=None
        if p is None
        else ProvenanceType(source=p.source, first_seen=p.first_seen, last_seen=p.last_seen),
        created_at=ci.created_at,
        updated_at=ci.updated_at,
        redacted=redacted,
        masked_attributes=list(masked),
    )


def ci_out(ctx: ApiContext, ci: CI) -> CIType:
    """``ci`` as this caller may see it: restricted CIs as stand-ins, sensitive values masked."""
    shown = ctx.redaction.ci(ci)
    if shown is not ci:
        return _ci_type(shown, redacted=True, masked=())
    visible, hidden = ctx.shown(ci)
    return _ci_type(visible, redacted=False, masked=hidden)


def relationship_out(ctx: ApiContext, rel: Relationship) -> RelationshipType:
    """``rel`` with restricted endpoints shown as their stand-ins."""
    r = ctx.redaction
    if r.hides(rel.source) or r.hides(rel.target):
        rel = rel.model_copy(
            update={"source": r.ci_id(rel.source), "target": r.ci_id(rel.target), "attributes": {}}
        )
    return RelationshipType.from_pydantic(rel)


# -- analysis results ------------------------------------------------------------------------------
@strawberry.type
class ImpactedCI:
    """One impacted CI. Its ``ci`` is converted only when selected (a blast radius may hold
    tens of thousands of CIs, and most queries ask for ids and paths)."""

    source: strawberry.Private[CI]
    severity: str
    depth: int
    path: list[strawberry.ID]

    @strawberry.field
    def ci(self, info: Info[ApiContext, None]) -> CIType:
        return ci_out(info.context, self.source)


@strawberry.type
class ImpactSummary:
    """What the blast radius means for the business (CI lists converted only when selected)."""

    services: strawberry.Private[list[CI]]
    contacts: strawberry.Private[list[CI]]
    by_severity: JSON
    by_kind: JSON
    vendors: list[str]

    @strawberry.field
    def business_services(self, info: Info[ApiContext, None]) -> list[CIType]:
        return [ci_out(info.context, c) for c in self.services]

    @strawberry.field
    def notify(self, info: Info[ApiContext, None]) -> list[CIType]:
        return [ci_out(info.context, c) for c in self.contacts]


@strawberry.type
class ImpactResult:
    """What fails if ``failed`` fail: every impacted CI with severity, depth and the path that
    explains it, and who cares. ``redacted`` counts the restricted CIs shown as stand-ins."""

    failed: list[strawberry.ID]
    impacted: list[ImpactedCI]
    summary: ImpactSummary
    total: int
    redacted: int


@strawberry.type
class RootCauseCandidate:
    ci: CIType
    score: float
    explains: list[strawberry.ID]
    path: list[strawberry.ID]
    unobserved: int
    contradicts: list[strawberry.ID]


@strawberry.type
class RootCauseResult:
    candidates: list[RootCauseCandidate]
    redacted: int


@strawberry.type
class Dependency:
    ci: CIType
    depth: int
    path: list[strawberry.ID]
    hard: bool


@strawberry.type
class DependsOnResult:
    ci: strawberry.ID
    depends_on: list[Dependency]
    redacted: int


@strawberry.type
class SinglePointOfFailure:
    ci: CIType
    business_services: list[strawberry.ID]
    common_mode: bool


@strawberry.type(name="HealthReport")
class HealthReportType:
    single_points_of_failure: list[SinglePointOfFailure]
    cycles: list[list[strawberry.ID]]
    orphans: list[strawberry.ID]
    without_owner: list[strawberry.ID]
    without_support: list[strawberry.ID]
    redacted: int


@strawberry.type
class WriteSummary:
    """What a mutation batch did (ids as the caller may see them)."""

    seq: int
    created_cis: list[strawberry.ID]
    updated_cis: list[strawberry.ID]
    deleted_cis: list[strawberry.ID]
    created_relationships: int
    deleted_relationships: int
    changes: int
