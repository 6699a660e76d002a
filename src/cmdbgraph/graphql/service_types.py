"""GraphQL types of the service-management records: tickets, changes, knowledge articles, teams
and people (the catalog's are in :mod:`cmdbgraph.graphql.service_catalog_types`).

Record types are generated from the pydantic models of :mod:`cmdbgraph.tickets`
(:class:`~cmdbgraph.tickets.model.Ticket`, :class:`~cmdbgraph.tickets.change_model.Change`,
:class:`~cmdbgraph.tickets.knowledge_service.Article` ...), never re-declared; only fields GraphQL
cannot express as the model does are given a type here (ids as ``ID``, ``AwareDatetime`` as
``DateTime``, ``Literal`` strings as ``String``, JSON values as ``JSON``). Results of the services
that are dataclasses (an implementation's incident links) and views assembled here (a team, a
person) are plain strawberry types.

Every id a record holds that names a CI leaves through the request's redactor
(:mod:`cmdbgraph.graphql.service_redaction`): a ticket's affected CIs, requester, group,
assignee, location and the strings of its extra attributes (form answers name CIs); a change's
targets, implementer, approvers, the CIs of its approvals and collisions, its incidents and the
ids of its back-fill; an article's documented CIs, resolved tickets and viewers. The
``*_refs`` functions name the ids to look up, the ``*_out`` functions convert a record once the
restricted ones are known. Team and person CIs go through :func:`~cmdbgraph.graphql.types.ci_out`.
"""

from __future__ import annotations

import re
from datetime import datetime

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from cmdbgraph.access.redaction import Redactor
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.service_redaction import json_strings, redact_json, shown_id, shown_ids
from cmdbgraph.graphql.types import CIType, PageInfo
from cmdbgraph.tickets.change_model import (
    ActualChange,
    Approval,
    Change,
    CollisionNote,
    Decision,
    Outcome,
    Transition,
)
from cmdbgraph.tickets.knowledge_service import Article, ArticleView
from cmdbgraph.tickets.lifecycle import Event, TicketState, allowed_events
from cmdbgraph.tickets.lifecycle import TicketType as TicketKind
from cmdbgraph.tickets.model import Comment, StateChange, Ticket

# Domain enums are used as they are; those whose class name would be ambiguous in the schema
# are given a GraphQL name.
strawberry.enum(Event, name="TicketEvent")
strawberry.enum(Outcome, name="ChangeOutcome")
strawberry.enum(Decision, name="ApprovalDecision")


# -- tickets ------------------------------------------------------------------------------------
@pydantic_type(model=StateChange, all_fields=True, name="TicketStateChange")
class TicketStateChangeType:
    """One step of a ticket's timeline (``actor`` is who made it, e.g. ``token:NAME``)."""

    at: datetime


@pydantic_type(model=Comment, all_fields=True, name="TicketComment")
class TicketCommentType:
    """A comment on a ticket."""

    at: datetime


@pydantic_type(model=Ticket, all_fields=True, name="Ticket")
class TicketType:
    """An incident, service request or problem. ``requester``, ``group``, ``assignee``,
    ``location`` and ``affected`` are CI ids; ``extra`` holds its further attributes
    (department, channel, catalog item, form answers ...)."""

    id: strawberry.ID
    type: TicketKind
    state: TicketState
    opened_at: datetime
    requester: strawberry.ID | None
    affected: list[strawberry.ID]
    location: strawberry.ID | None
    group: strawberry.ID | None
    assignee: strawberry.ID | None
    extra: JSON

    @strawberry.field(description="The lifecycle events the ticket accepts now (sorted)")
    def allowed_events(self) -> list[Event]:
        return allowed_events(self.type, self.state)


def ticket_refs(ticket: Ticket) -> set[str]:
    """The ids a ticket names: itself, its links and the strings of its extra attributes."""
    refs = {ticket.id, *ticket.affected, *json_strings(ticket.extra)}
    refs.update(r for r in (ticket.requester, ticket.group, ticket.assignee, ticket.location) if r)
    return refs


def shown_ticket(r: Redactor, ticket: Ticket) -> Ticket:
    return ticket.model_copy(
        update={
            "requester": shown_id(r, ticket.requester),
            "affected": shown_ids(r, ticket.affected),
            "location": shown_id(r, ticket.location),
            "group": shown_id(r, ticket.group),
            "assignee": shown_id(r, ticket.assignee),
            "extra": redact_json(r, ticket.extra),
        }
    )


def ticket_out(ctx: ApiContext, ticket: Ticket) -> TicketType:
    """``ticket`` as the caller may see it (its restricted CIs already known to the redactor)."""
    return TicketType.from_pydantic(shown_ticket(ctx.redaction, ticket))


@strawberry.type
class TicketEdge:
    cursor: str
    node: TicketType


@strawberry.type
class TicketConnection:
    """A page of tickets, ordered by id (Relay cursor connection); ``totalCount`` counts every match."""

    edges: list[TicketEdge]
    page_info: PageInfo
    total_count: int


# -- changes ------------------------------------------------------------------------------------
@pydantic_type(model=Approval, all_fields=True, name="ChangeApproval")
class ChangeApprovalType:
    """One step of a change's approval chain: its approver (a Team or Person id, or ``CAB``), the
    CIs that make it one, and its decision."""

    approver: strawberry.ID
    cis: list[strawberry.ID]
    at: datetime | None


@pydantic_type(model=Transition, all_fields=True, name="ChangeTransition")
class ChangeTransitionType:
    """One step of a change's timeline."""

    at: datetime


@pydantic_type(model=CollisionNote, all_fields=True, name="ChangeCollisionNote")
class ChangeCollisionNoteType:
    """A collision recorded at submission (kind, the other change or freeze, the CIs involved)."""

    cis: list[strawberry.ID]


@pydantic_type(model=ActualChange, all_fields=True, name="ActualChange")
class ActualChangeType:
    """One record of a change's post-release back-fill."""


@pydantic_type(model=Change, all_fields=True, name="Change")
class ChangeType:
    """A change request: its window, targets, approval chain, assessed risk and what happened."""

    id: strawberry.ID
    change_type: str
    targets: list[strawberry.ID]
    window_start: datetime
    window_end: datetime
    implemented_at: datetime | None
    implementer: strawberry.ID | None
    caused_incidents: list[strawberry.ID]


_REL_ID = re.compile(r"^(?P<source>.*) -\[(?P<type>[A-Z0-9_]+)\]-> (?P<target>.*)$")


def _actual_ids(a: ActualChange) -> tuple[str, ...]:
    m = _REL_ID.match(a.id) if a.op.endswith("_relationship") else None
    return (m["source"], m["target"]) if m else (a.id,)


def change_refs(change: Change) -> set[str]:
    """The ids a change names."""
    refs = {change.id, *change.targets, *change.caused_incidents}
    if change.implementer:
        refs.add(change.implementer)
    for s in change.approvals:
        refs.update((s.approver, *s.cis))
    for c in change.collisions:
        refs.update(c.cis)
        if c.other:
            refs.add(c.other)
    for a in change.actual_changes or ():
        refs.update(_actual_ids(a))
    return refs


def _shown_actual(r: Redactor, a: ActualChange) -> ActualChange:
    m = _REL_ID.match(a.id) if a.op.endswith("_relationship") else None
    shown = f"{r.ci_id(m['source'])} -[{m['type']}]-> {r.ci_id(m['target'])}" if m else r.ci_id(a.id)
    return a if shown == a.id else a.model_copy(update={"id": shown})


def change_out(ctx: ApiContext, change: Change) -> ChangeType:
    """``change`` as the caller may see it (its restricted CIs already known to the redactor)."""
    r = ctx.redaction
    shown = change.model_copy(
        update={
            "targets": shown_ids(r, change.targets),
            "implementer": shown_id(r, change.implementer),
            "caused_incidents": shown_ids(r, change.caused_incidents),
            "approvals": tuple(
                s.model_copy(update={"approver": r.ci_id(s.approver), "cis": shown_ids(r, s.cis)})
                for s in change.approvals
            ),
            "collisions": tuple(
                c.model_copy(update={"other": shown_id(r, c.other), "cis": shown_ids(r, c.cis)})
                for c in change.collisions
            ),
            "actual_changes": None
            if change.actual_changes is None
            else tuple(_shown_actual(r, a) for a in change.actual_changes),
        }
    )
    return ChangeType.from_pydantic(shown)


@strawberry.type
class ChangeEdge:
    cursor: str
    node: ChangeType


@strawberry.type
class ChangeConnection:
    """A page of changes, ordered by id (Relay cursor connection); ``totalCount`` counts every match."""

    edges: list[ChangeEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(name="IncidentLink")
class IncidentLinkType:
    """An incident linked as possibly caused by an implemented change (``via`` the CI it affects)."""

    incident: strawberry.ID
    via: strawberry.ID
    severity: str
    path: list[strawberry.ID]
    reason: str


@strawberry.type
class ChangeImplementation:
    """An implemented (or failed) change and the incidents linked to it."""

    change: ChangeType
    linked: list[IncidentLinkType]


# -- knowledge ----------------------------------------------------------------------------------
@pydantic_type(model=ArticleView, all_fields=True, name="ArticleView")
class ArticleViewType:
    """One recorded view of an article (``person`` a Person id)."""

    person: strawberry.ID
    at: datetime


@pydantic_type(model=Article, all_fields=True, name="Article")
class ArticleType:
    """A knowledge article: its text, counters, the CIs it documents and the tickets it resolved."""

    id: strawberry.ID
    published_at: datetime | None
    documents: list[strawberry.ID]
    resolved: list[strawberry.ID]


def article_refs(article: Article) -> set[str]:
    """The ids an article names."""
    return {article.id, *article.documents, *article.resolved, *(v.person for v in article.recent_views)}


def article_out(ctx: ApiContext, article: Article) -> ArticleType:
    """``article`` as the caller may see it (its restricted CIs already known to the redactor)."""
    r = ctx.redaction
    shown = article.model_copy(
        update={
            "documents": shown_ids(r, article.documents),
            "resolved": shown_ids(r, article.resolved),
            "recent_views": tuple(
                v.model_copy(update={"person": r.ci_id(v.person)}) for v in article.recent_views
            ),
        }
    )
    return ArticleType.from_pydantic(shown)


@strawberry.type
class ArticleEdge:
    cursor: str
    node: ArticleType


@strawberry.type
class ArticleConnection:
    """A page of articles, ordered by id (Relay cursor connection); ``totalCount`` counts every match."""

    edges: list[ArticleEdge]
    page_info: PageInfo
    total_count: int


# -- teams and people ---------------------------------------------------------------------------
@strawberry.type(name="Team")
class TeamType:
    """A team: its CI, its members (``Person -MEMBER_OF-> Team``, by id) and the team above it
    (as ticket routing escalates: ``PART_OF``/``REPORTS_TO`` a Team, else the team of its
    members' managers)."""

    ci: CIType
    members: list[CIType]
    parent: CIType | None


@strawberry.type(name="Person")
class PersonType:
    """A person: its CI and the teams it is a member of (by id)."""

    ci: CIType
    teams: list[CIType]
