"""Write fields of service management: tickets, catalog requests and their tasks, changes and
knowledge articles.

Every mutation is one call of a domain service (:mod:`cmdbgraph.tickets`), which writes one store
batch with the token's identity as actor (``token:NAME``) and the server's clock, so the audit
history says which token made each change; a refused mutation writes nothing. Checks come first,
in this order: the permission, the argument limits (:class:`~cmdbgraph.graphql.limits.Limits`),
then the scope (:mod:`cmdbgraph.graphql.service_access`), which may read the record.

=====================================================  ==========================================
``createTicket``                                       ``tickets:write``, or ``tickets:own``: the
                                                       requester is then the token's person
``transitionTicket``                                   ``tickets:write``; ``tickets:own``: only
                                                       ``CANCEL`` of one's own ticket
``commentTicket``                                      ``tickets:write``, or ``tickets:own`` on
                                                       one's own ticket
``requestCatalogItem``                                 ``catalog:request``; the requester is the
                                                       token's person, or ``requester`` with
                                                       ``tickets:write`` too
``completeTask``                                       ``tickets:write``
``approveTask``, ``rejectTask``                        ``changes:approve`` (approver, admin); the
                                                       token's person or team must be the task's
                                                       approver when it names one (admin: any)
``createChange``, ``submitChange``,                    ``changes:write``
``implementChange``, ``cancelChange``
``approveChange``, ``rejectChange``                    ``changes:approve``; the token's person or
                                                       team must be the step's approver (admin:
                                                       any)
``createArticle``                                      ``knowledge:write``
``articleFeedback``                                    ``knowledge:feedback``; with ``tickets:own``
                                                       only, ``ticket`` must be one's own
=====================================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import strawberry
from pydantic import JsonValue
from strawberry.scalars import JSON
from strawberry.types import Info

from cmdbgraph.access.roles import Permission
from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.errors import Forbidden
from cmdbgraph.graphql.service_access import check_approver, check_own, ticket_scope
from cmdbgraph.graphql.service_catalog_types import (
    CatalogRequestType,
    catalog_request_out,
    catalog_request_refs,
)
from cmdbgraph.graphql.service_inputs import (
    NewArticleInput,
    NewChangeInput,
    NewTicketInput,
    answers_object,
    comment_text,
    new_article,
    new_change,
    new_ticket,
)
from cmdbgraph.graphql.service_reads import restricted_for
from cmdbgraph.graphql.service_types import (
    ArticleType,
    ChangeImplementation,
    ChangeType,
    IncidentLinkType,
    TicketType,
    article_out,
    article_refs,
    change_out,
    change_refs,
    ticket_out,
    ticket_refs,
)
from cmdbgraph.schema import InvalidInput
from cmdbgraph.tickets.change_model import Change, Implementation, Outcome
from cmdbgraph.tickets.change_service import ChangeService
from cmdbgraph.tickets.knowledge_service import Article, KnowledgeService
from cmdbgraph.tickets.lifecycle import Event
from cmdbgraph.tickets.model import Ticket
from cmdbgraph.tickets.requests import TASK_OF, CatalogRequest, RequestService, RequestTask
from cmdbgraph.tickets.service import TicketService

ContextInfo = Info[ApiContext, None]
R = TypeVar("R")
P = Permission


async def _written(ctx: ApiContext, write: Callable[[], R], refs: Callable[[R], set[str]]) -> R:
    """The result of ``write``, run in a worker thread; the restricted CIs it names (``refs``)
    are looked up in the same thread and made known to the request's redactor."""
    store, cleared = ctx.api.store, ctx.cleared

    def run() -> tuple[R, frozenset[str]]:
        result = write()
        return result, restricted_for(store, refs(result), cleared=cleared)

    result, restricted = await ctx.run(run)
    ctx.redaction.know(restricted)
    return result


def _task(store: GraphStore, task_id: str) -> RequestTask | None:
    """The catalog-request task ``task_id`` as its request holds it (``None`` when it belongs to
    no request: the service refuses it). ``CINotFound`` for an unknown id."""
    owners = [n.ci.id for n in store.neighbours(task_id, Direction.OUT, [TASK_OF]) if n.direction == "out"]
    if not owners:
        return None
    request = RequestService(store).get(min(owners))
    return next((t for t in request.tasks if t.id == task_id), None)


@strawberry.type
class ServiceMutation:
    """Everything a caller can change in service management (merged into ``Mutation``)."""

    # -- tickets ---------------------------------------------------------------------------------
    @strawberry.mutation(description="Open a ticket (with tickets:own only, as the token's person)")
    async def create_ticket(self, info: ContextInfo, input: NewTicketInput) -> TicketType:
        ctx = info.context
        scope = ticket_scope(ctx, P.TICKETS_WRITE)
        new = new_ticket(input)
        ctx.api.limits.check_count(new.affected, argument="input.affected")
        if scope is not None:
            new = new.model_copy(update={"requester": scope})
        service = TicketService(ctx.api.store, clock=ctx.api.clock)
        ticket = await _written(ctx, lambda: service.open(new, actor=ctx.actor), ticket_refs)
        return ticket_out(ctx, ticket)

    @strawberry.mutation(
        description="Move a ticket through its lifecycle; ASSIGN takes the new group and/or "
        "assignee (with tickets:own only: CANCEL of one's own ticket)"
    )
    async def transition_ticket(
        self,
        info: ContextInfo,
        id: strawberry.ID,
        event: Event,
        group: strawberry.ID | None = None,
        assignee: strawberry.ID | None = None,
    ) -> TicketType:
        ctx = info.context
        scope = ticket_scope(ctx, P.TICKETS_WRITE)
        if scope is not None and event is not Event.CANCEL:
            raise Forbidden(f"with tickets:own a ticket can only be cancelled, not take {event.value!r}")
        service = TicketService(ctx.api.store, clock=ctx.api.clock)

        def write() -> Ticket:
            if scope is not None:
                before = service.get(str(id))
                check_own(scope, before.id, before.requester)
            return service.move(
                str(id),
                event,
                actor=ctx.actor,
                group=None if group is None else str(group),
                assignee=None if assignee is None else str(assignee),
            )

        ticket = await _written(ctx, write, ticket_refs)
        return ticket_out(ctx, ticket)

    @strawberry.mutation(description="Comment on a ticket (with tickets:own only, one's own)")
    async def comment_ticket(self, info: ContextInfo, id: strawberry.ID, text: str) -> TicketType:
        ctx = info.context
        scope = ticket_scope(ctx, P.TICKETS_WRITE)
        comment_text(text, at=ctx.api.clock(), actor=ctx.actor)
        service = TicketService(ctx.api.store, clock=ctx.api.clock)

        def write() -> Ticket:
            if scope is not None:
                before = service.get(str(id))
                check_own(scope, before.id, before.requester)
            return service.comment(str(id), text, actor=ctx.actor)

        ticket = await _written(ctx, write, ticket_refs)
        return ticket_out(ctx, ticket)

    # -- catalog requests ------------------------------------------------------------------------
    @strawberry.mutation(
        description="Order a catalog item with the form answers (a JSON object): opens the service "
        "request with its approvals and tasks. The requester is the token's person; naming "
        "another needs tickets:write"
    )
    async def request_catalog_item(
        self,
        info: ContextInfo,
        item_id: strawberry.ID,
        answers: JSON,
        requester: strawberry.ID | None = None,
    ) -> CatalogRequestType:
        ctx = info.context
        token = ctx.require(P.CATALOG_REQUEST)
        form = answers_object(cast(JsonValue, answers))
        ctx.api.limits.check_count(form, argument="answers")
        who = token.person if requester is None else str(requester)
        if who != token.person and not ctx.can(P.TICKETS_WRITE):
            raise Forbidden("requesting for another person needs tickets:write")
        if who is None:
            raise InvalidInput.one(
                "REQUESTER_REQUIRED", "this token acts as no person: name the requester", field="requester"
            )
        service = RequestService(ctx.api.store, clock=ctx.api.clock)
        request = await _written(
            ctx, lambda: service.submit(str(item_id), form, who, actor=ctx.actor), catalog_request_refs
        )
        return catalog_request_out(ctx, request)

    @strawberry.mutation(description="Mark a ready fulfilment task of a catalog request done")
    async def complete_task(self, info: ContextInfo, id: strawberry.ID, note: str = "") -> CatalogRequestType:
        ctx = info.context
        ctx.require(P.TICKETS_WRITE)
        service = RequestService(ctx.api.store, clock=ctx.api.clock)
        request = await _written(
            ctx, lambda: service.complete(str(id), actor=ctx.actor, note=note), catalog_request_refs
        )
        return catalog_request_out(ctx, request)

    @strawberry.mutation(description="Approve a ready approval of a catalog request (as its approver)")
    async def approve_task(self, info: ContextInfo, id: strawberry.ID, note: str = "") -> CatalogRequestType:
        return await _decide_task(info.context, str(id), note, approve=True)

    @strawberry.mutation(
        description="Reject a ready approval of a catalog request (as its approver), with the reason: "
        "the request and its open tasks are cancelled"
    )
    async def reject_task(self, info: ContextInfo, id: strawberry.ID, note: str) -> CatalogRequestType:
        return await _decide_task(info.context, str(id), note, approve=False)

    # -- changes ---------------------------------------------------------------------------------
    @strawberry.mutation(description="Create a draft change request")
    async def create_change(self, info: ContextInfo, input: NewChangeInput) -> ChangeType:
        ctx = info.context
        ctx.require(P.CHANGES_WRITE)
        new = new_change(input)
        ctx.api.limits.check_count(new.targets, argument="input.targets")
        service = ChangeService(ctx.api.store, clock=ctx.api.clock)
        change = await _written(ctx, lambda: service.create(new, actor=ctx.actor), change_refs)
        return change_out(ctx, change)

    @strawberry.mutation(description="Assess and submit a draft change (a standard one is pre-approved)")
    async def submit_change(self, info: ContextInfo, id: strawberry.ID) -> ChangeType:
        ctx = info.context
        ctx.require(P.CHANGES_WRITE)
        service = ChangeService(ctx.api.store, clock=ctx.api.clock)
        change = await _written(ctx, lambda: service.submit(str(id), actor=ctx.actor), change_refs)
        return change_out(ctx, change)

    @strawberry.mutation(description="Approve a pending step of a submitted change (as its approver)")
    async def approve_change(
        self, info: ContextInfo, id: strawberry.ID, step: int, note: str | None = None
    ) -> ChangeType:
        return await _decide_change(info.context, str(id), step, note, approve=True)

    @strawberry.mutation(
        description="Reject a pending step of a submitted change (as its approver), saying why: the "
        "change is rejected"
    )
    async def reject_change(self, info: ContextInfo, id: strawberry.ID, step: int, note: str) -> ChangeType:
        return await _decide_change(info.context, str(id), step, note, approve=False)

    @strawberry.mutation(
        description="Record the implementation of an approved change (outcome SUCCESS or FAILED) and "
        "link the incidents it may have caused"
    )
    async def implement_change(
        self, info: ContextInfo, id: strawberry.ID, outcome: Outcome = Outcome.SUCCESS
    ) -> ChangeImplementation:
        ctx = info.context
        ctx.require(P.CHANGES_WRITE)
        service = ChangeService(ctx.api.store, clock=ctx.api.clock)

        def refs(done: Implementation) -> set[str]:
            return change_refs(done.change) | {x for link in done.linked for x in (link.via, *link.path)}

        done = await _written(ctx, lambda: service.implement(str(id), outcome, actor=ctx.actor), refs)
        r = ctx.redaction
        return ChangeImplementation(
            change=change_out(ctx, done.change),
            linked=[
                IncidentLinkType(
                    incident=strawberry.ID(r.ci_id(link.incident)),
                    via=strawberry.ID(r.ci_id(link.via)),
                    severity=link.severity,
                    path=[strawberry.ID(i) for i in r.path(link.path)],
                    reason=link.reason,
                )
                for link in done.linked
            ],
        )

    @strawberry.mutation(description="Cancel a change that is not finished")
    async def cancel_change(self, info: ContextInfo, id: strawberry.ID) -> ChangeType:
        ctx = info.context
        ctx.require(P.CHANGES_WRITE)
        service = ChangeService(ctx.api.store, clock=ctx.api.clock)
        change = await _written(ctx, lambda: service.cancel(str(id), actor=ctx.actor), change_refs)
        return change_out(ctx, change)

    # -- knowledge -------------------------------------------------------------------------------
    @strawberry.mutation(description="Write a knowledge article")
    async def create_article(self, info: ContextInfo, input: NewArticleInput) -> ArticleType:
        ctx = info.context
        ctx.require(P.KNOWLEDGE_WRITE)
        new = new_article(input)
        ctx.api.limits.check_count(new.documents, argument="input.documents")
        service = KnowledgeService(ctx.api.store, clock=ctx.api.clock)
        article = await _written(ctx, lambda: service.create(new, actor=ctx.actor), article_refs)
        return article_out(ctx, article)

    @strawberry.mutation(
        description="Feedback on an article: helpful or not, a rating (csat 1..5), the ticket it "
        "was used on (helpful: the ticket is RESOLVED_BY it)"
    )
    async def article_feedback(
        self,
        info: ContextInfo,
        id: strawberry.ID,
        helpful: bool,
        csat: int | None = None,
        ticket: strawberry.ID | None = None,
    ) -> ArticleType:
        ctx = info.context
        token = ctx.require(P.KNOWLEDGE_FEEDBACK)
        own_only = ticket is not None and not ctx.can(P.TICKETS_READ)
        if own_only and token.person is None:
            raise Forbidden("this token reaches no ticket: it acts as no person")
        store = ctx.api.store
        service = KnowledgeService(store, clock=ctx.api.clock)

        def write() -> Article:
            if own_only and ticket is not None:
                used = TicketService(store).get(str(ticket))
                check_own(token.person, used.id, used.requester)
            return service.feedback(
                str(id),
                actor=ctx.actor,
                helpful=helpful,
                csat=csat,
                ticket=None if ticket is None else str(ticket),
            )

        article = await _written(ctx, write, article_refs)
        return article_out(ctx, article)


async def _decide_task(ctx: ApiContext, task_id: str, note: str, *, approve: bool) -> CatalogRequestType:
    """Approve or reject an approval task, as its approver (module docstring)."""
    ctx.require(P.CHANGES_APPROVE)
    store = ctx.api.store
    service = RequestService(store, clock=ctx.api.clock)

    def write() -> CatalogRequest:
        task = _task(store, task_id)
        if task is not None:
            check_approver(ctx, task.assignee or task.group, f"approval task {task_id!r}")
        if approve:
            return service.approve(task_id, actor=ctx.actor, note=note)
        return service.reject(task_id, actor=ctx.actor, note=note)

    request = await _written(ctx, write, catalog_request_refs)
    return catalog_request_out(ctx, request)


async def _decide_change(
    ctx: ApiContext, change_id: str, step: int, note: str | None, *, approve: bool
) -> ChangeType:
    """Approve or reject a change's step, as its approver (module docstring)."""
    ctx.require(P.CHANGES_APPROVE)
    service = ChangeService(ctx.api.store, clock=ctx.api.clock)

    def write() -> Change:
        chosen = next((s for s in service.get(change_id).approvals if s.step == step), None)
        if chosen is not None:
            check_approver(ctx, chosen.approver, f"step {step} of change {change_id!r}")
        if approve:
            return service.approve(change_id, step, actor=ctx.actor, note=note)
        return service.reject(change_id, step, actor=ctx.actor, note=note or "")

    change = await _written(ctx, write, change_refs)
    return change_out(ctx, change)
