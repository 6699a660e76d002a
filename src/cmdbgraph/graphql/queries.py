"""Read fields: CIs (by id, searched, as of an instant) and the analyses.

Each resolver checks the caller's permission and its argument limits first, then does its
blocking work in a worker thread. Analyses run on the server's cached snapshot (rebuilt only
after a write), so they cost no store reads beyond ``last_seq``; every CI they return passes
through masking and redaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from pydantic import JsonValue
from strawberry.scalars import JSON
from strawberry.types import Info

from cmdbgraph.access.redaction import is_restricted
from cmdbgraph.access.roles import Permission
from cmdbgraph.graphdb.memory_index import encode_cursor
from cmdbgraph.graphql.context import ApiContext, Snapshot
from cmdbgraph.graphql.errors import Forbidden
from cmdbgraph.graphql.types import (
    AttributeFilter,
    CIConnection,
    CIEdge,
    CIType,
    DependsOnResult,
    HealthReportType,
    ImpactedCI,
    ImpactResult,
    ImpactSummary,
    PageInfo,
    RootCauseCandidate,
    RootCauseResult,
    SinglePointOfFailure,
    ci_out,
)
from cmdbgraph.graphql.types import Dependency as DependencyType
from cmdbgraph.impact.blast_radius import BlastRadius, blast_radius
from cmdbgraph.impact.depends_on import Dependency, depends_on
from cmdbgraph.impact.health import HealthReport, registry_health
from cmdbgraph.impact.root_cause import Candidate, root_cause
from cmdbgraph.impact.summary import ImpactSummary as Summary
from cmdbgraph.impact.summary import summarize
from cmdbgraph.schema import CI, Status

ContextInfo = Info[ApiContext, None]


def _snapshot_ci(ctx: ApiContext, snap: Snapshot, ci_id: str) -> CIType:
    return ci_out(ctx, snap.by_id[ci_id])


@strawberry.type
class Query:
    """Everything a caller can read."""

    @strawberry.field(description="One CI (as it was at asOf, when given)")
    async def ci(self, info: ContextInfo, id: strawberry.ID, as_of: datetime | None = None) -> CIType | None:
        ctx = info.context
        ctx.require(Permission.GRAPH_READ)
        found: CI | None = await ctx.run(ctx.api.store.find_ci, str(id), as_of=as_of)
        if found is None:
            return None
        if is_restricted(found.attributes) and not ctx.cleared:
            raise Forbidden(f"CI {str(id)!r} is restricted")
        return ci_out(ctx, found)

    @strawberry.field(description="CIs matching every filter, ordered by id (Relay pagination)")
    async def cis(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        kind: str | None = None,
        status: Status | None = None,
        text: str | None = None,
        attributes: list[AttributeFilter] | None = None,
    ) -> CIConnection:
        ctx = info.context
        ctx.require(Permission.GRAPH_READ)
        size = ctx.api.limits.check_page(first)
        filters: dict[str, JsonValue] = {a.name: cast(JsonValue, a.value) for a in attributes or []}
        ctx.api.limits.check_count(filters, argument="attributes", limit=20)
        page = await ctx.run(
            ctx.api.store.search,
            kind=kind,
            text=text,
            status=status,
            attributes=filters or None,
            first=size,
            after=after,
        )
        edges = [CIEdge(cursor=encode_cursor(c.id), node=ci_out(ctx, c)) for c in page.items]
        return CIConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.next_cursor is not None, end_cursor=page.next_cursor),
            total_count=page.total,
        )

    @strawberry.field(description="What fails if these CIs fail (blast radius, explained)")
    async def impact(
        self, info: ContextInfo, ci_ids: list[strawberry.ID], max_depth: int | None = None
    ) -> ImpactResult:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)
        ctx.api.limits.check_count(ci_ids, argument="ciIds")
        depth = ctx.api.limits.check_depth(max_depth)

        def compute() -> tuple[Snapshot, BlastRadius, Summary]:
            snap = ctx.api.snapshots.get()
            radius = blast_radius(snap.graph, [str(i) for i in ci_ids], max_depth=depth)
            return snap, radius, summarize(radius)

        snap, radius, summary = await ctx.run(compute)
        r = ctx.redaction
        r.know(snap.restricted)
        impacted = [
            ImpactedCI(source=snap.by_id[i.id], severity=i.severity, depth=i.depth, path=_ids(r.path(i.path)))
            for i in radius.impacted
        ]
        services = [snap.by_id[s.id] for s in summary.business_services]
        contacts = [snap.by_id[c.id] for c in summary.notify]
        r.path([c.id for c in (*services, *contacts)])  # number every stand-in before counting
        return ImpactResult(
            failed=_ids(r.path(radius.failed)),
            impacted=impacted,
            summary=ImpactSummary(
                services=services,
                contacts=contacts,
                by_severity=JSON(summary.by_severity),
                by_kind=JSON(summary.by_kind),
                vendors=r.path(summary.vendors),
            ),
            total=len(radius.impacted),
            redacted=r.redacted,
        )

    @strawberry.field(description="The CIs whose failure best explains the symptoms, ranked")
    async def root_cause(
        self,
        info: ContextInfo,
        symptoms: list[strawberry.ID],
        healthy: list[strawberry.ID] | None = None,
        limit: int = 10,
    ) -> RootCauseResult:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)
        ctx.api.limits.check_count(symptoms, argument="symptoms")
        ctx.api.limits.check_count(healthy or [], argument="healthy")
        ctx.api.limits.check_candidates(limit)

        def compute() -> tuple[Snapshot, list[Candidate]]:
            snap = ctx.api.snapshots.get()
            found = root_cause(
                snap.graph, [str(s) for s in symptoms], [str(h) for h in healthy or ()], limit=limit
            )
            return snap, found

        snap, candidates = await ctx.run(compute)
        r = ctx.redaction
        r.know(snap.restricted)
        return RootCauseResult(
            candidates=[
                RootCauseCandidate(
                    ci=_snapshot_ci(ctx, snap, c.id),
                    score=c.score,
                    explains=_ids(r.path(c.explains)),
                    path=_ids(r.path(c.path)),
                    unobserved=c.unobserved,
                    contradicts=_ids(r.path(c.contradicts)),
                )
                for c in candidates
            ],
            redacted=r.redacted,
        )

    @strawberry.field(description="Everything a CI depends on, with depth, path and hardness")
    async def depends_on(
        self, info: ContextInfo, ci_id: strawberry.ID, max_depth: int | None = None
    ) -> DependsOnResult:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)
        depth = ctx.api.limits.check_depth(max_depth)

        def compute() -> tuple[Snapshot, list[Dependency]]:
            snap = ctx.api.snapshots.get()
            return snap, depends_on(snap.graph, str(ci_id), max_depth=depth)

        snap, deps = await ctx.run(compute)
        r = ctx.redaction
        r.know(snap.restricted)
        return DependsOnResult(
            ci=strawberry.ID(r.ci_id(str(ci_id))),
            depends_on=[
                DependencyType(
                    ci=_snapshot_ci(ctx, snap, d.id), depth=d.depth, path=_ids(r.path(d.path)), hard=d.hard
                )
                for d in deps
            ],
            redacted=r.redacted,
        )

    @strawberry.field(description="Single points of failure, cycles, orphans, CIs without owner or support")
    async def health(self, info: ContextInfo) -> HealthReportType:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)

        def compute() -> tuple[Snapshot, HealthReport]:
            snap = ctx.api.snapshots.get()
            return snap, registry_health(snap.graph, ctx.api.store.registry)

        snap, report = await ctx.run(compute)
        r = ctx.redaction
        r.know(snap.restricted)
        return HealthReportType(
            single_points_of_failure=[
                SinglePointOfFailure(
                    ci=_snapshot_ci(ctx, snap, s.id),
                    business_services=_ids(r.path(s.business_services)),
                    common_mode=s.common_mode,
                )
                for s in report.single_points_of_failure
            ],
            cycles=[_ids(r.path(c)) for c in report.cycles],
            orphans=_ids(r.path(report.orphans)),
            without_owner=_ids(r.path(report.without_owner)),
            without_support=_ids(r.path(report.without_support)),
            redacted=r.redacted,
        )


def _ids(values: list[str]) -> list[strawberry.ID]:
    return [strawberry.ID(v) for v in values]
