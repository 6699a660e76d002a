"""Read fields of service management: tickets, changes, articles, the catalog and catalog requests,
teams and people, and the analyses ``route``, ``changeRisk`` and ``kpis``.

Permissions (:mod:`cmdbgraph.access.roles`):

=============================================  ==================================================
``ticket``, ``tickets``, ``catalogRequest``    ``tickets:read``; or ``tickets:own``: only tickets
                                               requested by the token's person (another's:
                                               ``FORBIDDEN``; ``tickets`` lists only its own)
``change``, ``changes``                        ``changes:read``
``article``, ``articles``                      ``knowledge:read``
``catalogItem``, ``catalogItems``              ``catalog:read``
``team``, ``person``                           ``graph:read``
``route``, ``changeRisk``, ``kpis``            ``analysis:read``
=============================================  ==================================================

Each resolver checks the permission and its argument limits first, then does its blocking work
in one worker thread. Records are read through their services; an unknown id is ``NOT_FOUND``
(also when it names a CI that is not such a record). A record that is itself restricted is
``FORBIDDEN`` by id and left out of lists for a caller without clearance (``totalCount`` still
counts it, as the store counts matches), and every CI id a record names passes through redaction
(:mod:`cmdbgraph.graphql.service_redaction`). Lists are Relay connections ordered by id; an edge's
cursor is valid as ``after``. The analyses run on the server's cached snapshot, as ``impact``
does, and answer as the CLI commands do (``route --json``, ``change-risk --json``, ``kpis
--json``; numbers unrounded).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import strawberry
from pydantic import JsonValue
from strawberry.types import Info

from cmdbgraph.access.roles import Permission
from cmdbgraph.graphdb.memory_index import encode_cursor
from cmdbgraph.graphql.context import ApiContext, Snapshot
from cmdbgraph.graphql.service_access import check_own, ticket_scope
from cmdbgraph.graphql.service_analysis_types import (
    ChangeRiskType,
    KpisType,
    RouteDecisionType,
    change_risk_out,
    kpis_out,
    route_out,
)
from cmdbgraph.graphql.service_catalog_types import (
    CatalogItemType,
    CatalogRequestType,
    catalog_item_out,
    catalog_item_refs,
    catalog_request_out,
    catalog_request_refs,
)
from cmdbgraph.graphql.service_reads import (
    own_ticket_ids,
    person_view,
    records,
    restricted_for,
    search_ids,
    team_view,
    ticket_kinds,
)
from cmdbgraph.graphql.service_redaction import know_restricted, refuse_restricted
from cmdbgraph.graphql.service_types import (
    ArticleConnection,
    ArticleEdge,
    ArticleType,
    ChangeConnection,
    ChangeEdge,
    ChangeType,
    PersonType,
    TeamType,
    TicketConnection,
    TicketEdge,
    TicketType,
    article_out,
    article_refs,
    change_out,
    change_refs,
    ticket_out,
    ticket_refs,
)
from cmdbgraph.graphql.types import PageInfo, ci_out
from cmdbgraph.impact.routing import RoutingDecision
from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.change_lifecycle import ChangeState
from cmdbgraph.tickets.change_model import KIND as CHANGE_KIND
from cmdbgraph.tickets.change_service import ChangeService
from cmdbgraph.tickets.changes import ChangeAssessment, assess_change
from cmdbgraph.tickets.dispatch import route_ticket
from cmdbgraph.tickets.knowledge_service import KnowledgeService
from cmdbgraph.tickets.kpis import Kpis, kpis
from cmdbgraph.tickets.lifecycle import TicketState
from cmdbgraph.tickets.lifecycle import TicketType as TicketKind
from cmdbgraph.tickets.model import Ticket
from cmdbgraph.tickets.requests import CatalogRequest, RequestService
from cmdbgraph.tickets.service import TicketService

ContextInfo = Info[ApiContext, None]
R = TypeVar("R")
ARTICLE_KIND = "KnowledgeArticle"
PageIds = tuple[list[str], str | None, int]
"""One page of record ids, the store cursor of the next page, the number of matches."""


async def _one(
    ctx: ApiContext, read: Callable[[], R], refs: Callable[[R], set[str]], record_id: str | None
) -> R:
    """What ``read`` returns (run in a worker thread, where the restricted CIs it names are
    looked up too, then made known to the redactor); ``FORBIDDEN`` when the record
    ``record_id`` is itself restricted and the caller lacks clearance."""
    store, cleared = ctx.api.store, ctx.cleared

    def run() -> tuple[R, frozenset[str]]:
        record = read()
        return record, restricted_for(store, refs(record), cleared=cleared)

    record, restricted = await ctx.run(run)
    know_restricted(ctx, record_id, restricted)
    return record


async def _page(
    ctx: ApiContext, ids: Callable[[], PageIds], get: Callable[[str], R], refs: Callable[[R], set[str]]
) -> tuple[list[tuple[str, R]], PageInfo, int]:
    """One page of records, each with its edge cursor (a store cursor: valid as ``after``), the
    page information and the number of matches. Restricted records are left out for a caller
    without clearance (:func:`~cmdbgraph.graphql.service_reads.records`)."""
    store, cleared = ctx.api.store, ctx.cleared

    def run() -> tuple[list[tuple[str, R]], str | None, int, frozenset[str]]:
        chosen, cursor, total = ids()
        found, restricted = records(store, chosen, get, refs, cleared=cleared)
        return found, cursor, total, restricted

    found, cursor, total, restricted = await ctx.run(run)
    ctx.redaction.know(restricted)
    edges = [(encode_cursor(i), record) for i, record in found]
    return edges, PageInfo(has_next_page=cursor is not None, end_cursor=cursor), total


def _utc(at: datetime | None) -> datetime | None:
    """A date-time without a time zone is taken as UTC (as the CLI takes ``--from``/``--to``)."""
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _attributes(**values: str | None) -> dict[str, JsonValue]:
    """The attribute filters given (``None``: not filtered on)."""
    return {k: v for k, v in values.items() if v is not None}


@strawberry.type
class ServiceQuery:
    """Everything a caller can read about service management (merged into ``Query``)."""

    # -- tickets ---------------------------------------------------------------------------------
    @strawberry.field(description="One ticket (tickets:read, or tickets:own for one's own tickets)")
    async def ticket(self, info: ContextInfo, id: strawberry.ID) -> TicketType | None:
        ctx = info.context
        scope = ticket_scope(ctx, Permission.TICKETS_READ)
        store = ctx.api.store

        def read() -> Ticket:
            ticket = TicketService(store).get(str(id))
            check_own(scope, ticket.id, ticket.requester)
            return ticket

        return ticket_out(ctx, await _one(ctx, read, ticket_refs, str(id)))

    @strawberry.field(
        description="Tickets matching every filter, ordered by id (Relay pagination); with "
        "tickets:own only, the caller's own tickets"
    )
    async def tickets(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        type: TicketKind | None = None,
        state: TicketState | None = None,
        text: str | None = None,
    ) -> TicketConnection:
        ctx = info.context
        scope = ticket_scope(ctx, Permission.TICKETS_READ)
        size = ctx.api.limits.check_page(first)
        store = ctx.api.store

        def ids() -> PageIds:
            if scope is not None:
                return own_ticket_ids(
                    store, scope, ticket_type=type, state=state, text=text, first=size, after=after
                )
            filters = _attributes(state=None if state is None else state.value)
            return search_ids(
                store, ticket_kinds(type), attributes=filters, text=text, first=size, after=after
            )

        edges, page_info, total = await _page(ctx, ids, TicketService(store).get, ticket_refs)
        return TicketConnection(
            edges=[TicketEdge(cursor=c, node=ticket_out(ctx, t)) for c, t in edges],
            page_info=page_info,
            total_count=total,
        )

    @strawberry.field(description="One catalog request and its tasks (as a ticket: tickets:read or own)")
    async def catalog_request(self, info: ContextInfo, id: strawberry.ID) -> CatalogRequestType | None:
        ctx = info.context
        scope = ticket_scope(ctx, Permission.TICKETS_READ)
        service = RequestService(ctx.api.store, clock=ctx.api.clock)

        def read() -> CatalogRequest:
            request = service.get(str(id))
            check_own(scope, request.ticket.id, request.ticket.requester)
            return request

        return catalog_request_out(ctx, await _one(ctx, read, catalog_request_refs, str(id)))

    # -- changes ---------------------------------------------------------------------------------
    @strawberry.field(description="One change request")
    async def change(self, info: ContextInfo, id: strawberry.ID) -> ChangeType | None:
        ctx = info.context
        ctx.require(Permission.CHANGES_READ)
        service = ChangeService(ctx.api.store, clock=ctx.api.clock)
        return change_out(ctx, await _one(ctx, lambda: service.get(str(id)), change_refs, str(id)))

    @strawberry.field(description="Change requests matching every filter, ordered by id (Relay pagination)")
    async def changes(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        state: ChangeState | None = None,
        change_type: str | None = None,
        text: str | None = None,
    ) -> ChangeConnection:
        ctx = info.context
        ctx.require(Permission.CHANGES_READ)
        size = ctx.api.limits.check_page(first)
        store = ctx.api.store
        filters = _attributes(state=None if state is None else state.value, change_type=change_type)

        def ids() -> PageIds:
            return search_ids(store, [CHANGE_KIND], attributes=filters, text=text, first=size, after=after)

        service = ChangeService(store, clock=ctx.api.clock)
        edges, page_info, total = await _page(ctx, ids, service.get, change_refs)
        return ChangeConnection(
            edges=[ChangeEdge(cursor=c, node=change_out(ctx, change)) for c, change in edges],
            page_info=page_info,
            total_count=total,
        )

    # -- knowledge -------------------------------------------------------------------------------
    @strawberry.field(description="One knowledge article")
    async def article(self, info: ContextInfo, id: strawberry.ID) -> ArticleType | None:
        ctx = info.context
        ctx.require(Permission.KNOWLEDGE_READ)
        service = KnowledgeService(ctx.api.store, clock=ctx.api.clock)
        return article_out(ctx, await _one(ctx, lambda: service.get(str(id)), article_refs, str(id)))

    @strawberry.field(
        description="Knowledge articles matching every filter, ordered by id (Relay pagination)"
    )
    async def articles(
        self,
        info: ContextInfo,
        first: int | None = None,
        after: str | None = None,
        category: str | None = None,
        department: str | None = None,
        text: str | None = None,
    ) -> ArticleConnection:
        ctx = info.context
        ctx.require(Permission.KNOWLEDGE_READ)
        size = ctx.api.limits.check_page(first)
        store = ctx.api.store
        filters = _attributes(category=category, department=department)

        def ids() -> PageIds:
            return search_ids(store, [ARTICLE_KIND], attributes=filters, text=text, first=size, after=after)

        service = KnowledgeService(store, clock=ctx.api.clock)
        edges, page_info, total = await _page(ctx, ids, service.get, article_refs)
        return ArticleConnection(
            edges=[ArticleEdge(cursor=c, node=article_out(ctx, a)) for c, a in edges],
            page_info=page_info,
            total_count=total,
        )

    # -- the catalog -----------------------------------------------------------------------------
    @strawberry.field(description="The published catalog items (of one department), ordered by id")
    async def catalog_items(self, info: ContextInfo, department: str | None = None) -> list[CatalogItemType]:
        ctx = info.context
        ctx.require(Permission.CATALOG_READ)
        catalog = CatalogStore(ctx.api.store)

        def refs(items: list[CatalogItem]) -> set[str]:
            return {ref for item in items for ref in catalog_item_refs(item)}

        items = await _one(ctx, lambda: catalog.list(department), refs, None)
        return [catalog_item_out(ctx, item) for item in items]

    @strawberry.field(description="One published catalog item")
    async def catalog_item(self, info: ContextInfo, id: strawberry.ID) -> CatalogItemType | None:
        ctx = info.context
        ctx.require(Permission.CATALOG_READ)
        catalog = CatalogStore(ctx.api.store)
        return catalog_item_out(
            ctx, await _one(ctx, lambda: catalog.get(str(id)), catalog_item_refs, str(id))
        )

    # -- teams and people ------------------------------------------------------------------------
    @strawberry.field(description="A team: its CI, members and the team above it")
    async def team(self, info: ContextInfo, id: strawberry.ID) -> TeamType | None:
        ctx = info.context
        ctx.require(Permission.GRAPH_READ)
        view = await ctx.run(team_view, ctx.api.store, str(id))
        refuse_restricted(ctx, view.team)
        return TeamType(
            ci=ci_out(ctx, view.team),
            members=[ci_out(ctx, m) for m in view.members],
            parent=None if view.parent is None else ci_out(ctx, view.parent),
        )

    @strawberry.field(description="A person: its CI and its teams")
    async def person(self, info: ContextInfo, id: strawberry.ID) -> PersonType | None:
        ctx = info.context
        ctx.require(Permission.GRAPH_READ)
        person, teams = await ctx.run(person_view, ctx.api.store, str(id))
        refuse_restricted(ctx, person)
        return PersonType(ci=ci_out(ctx, person), teams=[ci_out(ctx, t) for t in teams])

    # -- analyses --------------------------------------------------------------------------------
    @strawberry.field(description="Who should work on a ticket, and the path in the graph that decided it")
    async def route(self, info: ContextInfo, ticket_id: strawberry.ID) -> RouteDecisionType:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)

        def compute() -> tuple[Snapshot, RoutingDecision]:
            snap = ctx.api.snapshots.get()
            return snap, route_ticket(ctx.api.store, str(ticket_id), contents=snap.contents)

        snap, decision = await ctx.run(compute)
        ctx.redaction.know(snap.restricted)
        return route_out(ctx.redaction, decision)

    @strawberry.field(
        description="Pre-change assessment: risk and why, collisions, implementation and rollback "
        "order, acceptance checklist, approvers"
    )
    async def change_risk(self, info: ContextInfo, change_id: strawberry.ID) -> ChangeRiskType:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)

        def compute() -> tuple[Snapshot, ChangeAssessment]:
            snap = ctx.api.snapshots.get()
            return snap, assess_change(ctx.api.store, str(change_id), contents=snap.contents)

        snap, assessment = await ctx.run(compute)
        ctx.redaction.know(snap.restricted, {i: snap.by_id[i].name for i in snap.restricted})
        return change_risk_out(ctx.redaction, assessment)

    @strawberry.field(
        description="Service KPIs of one department (all when null) over the tickets opened in "
        "[from, to); a date-time without a time zone is UTC"
    )
    async def kpis(
        self,
        info: ContextInfo,
        department: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> KpisType:
        ctx = info.context
        ctx.require(Permission.ANALYSIS)
        start, end = _utc(from_), _utc(to)

        def compute() -> Kpis:
            return kpis(ctx.api.snapshots.get().contents, department=department, start=start, end=end)

        return kpis_out(await ctx.run(compute))
