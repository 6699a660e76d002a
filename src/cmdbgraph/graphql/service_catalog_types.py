"""GraphQL types of the service catalog: catalog items (their form, rules, approval chain and
fulfilment plan) and catalog requests with their tasks.

Generated from the pydantic models of :mod:`cmdbgraph.tickets.catalog`,
:mod:`~cmdbgraph.tickets.catalog_form`, :mod:`~cmdbgraph.tickets.catalog_plan` and
:mod:`cmdbgraph.tickets.requests`; ``Literal`` strings are given ``String``, ``int | float``
bounds ``Float``, and the declarative conditions and rules (``{field, op, value}``,
``{kind, field, when, ...}``, as a catalog file writes them) ``JSON``. Team, person and ticket ids
leave through the request's redactor, as :mod:`cmdbgraph.graphql.service_types` explains.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.scalars import JSON

from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.service_redaction import shown_id
from cmdbgraph.graphql.service_types import shown_ticket, ticket_refs  # also registers Ticket
from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_form import FormField
from cmdbgraph.tickets.catalog_plan import ApprovalLevel, FulfilmentPlan, TaskTemplate
from cmdbgraph.tickets.requests import CatalogRequest, RequestTask, TaskState, TaskType

strawberry.enum(TaskType, name="RequestTaskType")
strawberry.enum(TaskState, name="RequestTaskState")


@pydantic_type(model=FormField, all_fields=True, name="CatalogFormField")
class CatalogFormFieldType:
    """One field of a catalog item's request form (``type``: string, text, integer, number,
    boolean, date, choice, multi_choice, email, person, location or ci)."""

    type: str
    min: float | None
    max: float | None


@pydantic_type(model=ApprovalLevel, all_fields=True, name="CatalogApprovalLevel")
class CatalogApprovalLevelType:
    """One level of a catalog item's approval chain (``approver``: requester_manager,
    person_field or team); ``whenAny`` lists its conditions as ``{field, op, value}``."""

    approver: str
    team: strawberry.ID | None
    when_any: JSON


@pydantic_type(model=TaskTemplate, all_fields=True, name="CatalogTaskTemplate")
class CatalogTaskTemplateType:
    """A fulfilment task of a catalog item, done by ``group`` after the tasks in ``after``;
    ``when`` is its condition (``{field, op, value}``) or null."""

    group: strawberry.ID
    when: JSON | None


@pydantic_type(model=FulfilmentPlan, all_fields=True, name="CatalogFulfilmentPlan")
class CatalogFulfilmentPlanType:
    """The fulfilment tasks of a catalog item (a DAG)."""


@pydantic_type(model=CatalogItem, all_fields=True, name="CatalogItem")
class CatalogItemType:
    """Something a department offers: its form, cross-field ``rules`` (as stored: ``{kind,
    field, when, ...}``), SLA policy, responsible group, approval chain and fulfilment plan."""

    id: strawberry.ID
    department: str
    rules: JSON
    responsible_group: strawberry.ID


def catalog_item_refs(item: CatalogItem) -> set[str]:
    """The team ids a catalog item names."""
    return {team for _, team in item.team_references()}


def catalog_item_out(ctx: ApiContext, item: CatalogItem) -> CatalogItemType:
    """``item`` as the caller may see it; conditions and rules become JSON values."""
    r = ctx.redaction
    shown = item.model_copy(
        update={
            "rules": item.to_data().get("rules", []),
            "responsible_group": r.ci_id(item.responsible_group),
            "approvals": tuple(
                a.model_copy(
                    update={
                        "team": shown_id(r, a.team),
                        "when_any": [c.model_dump(mode="json") for c in a.when_any],
                    }
                )
                for a in item.approvals
            ),
            "tasks": item.tasks.model_copy(
                update={
                    "tasks": tuple(
                        t.model_copy(
                            update={
                                "group": r.ci_id(t.group),
                                "when": None if t.when is None else t.when.model_dump(mode="json"),
                            }
                        )
                        for t in item.tasks.tasks
                    )
                }
            ),
        }
    )
    return CatalogItemType.from_pydantic(shown)


@pydantic_type(model=RequestTask, all_fields=True, name="RequestTask")
class RequestTaskType:
    """An approval or fulfilment task of a catalog request: ``group`` the Team it is assigned
    to, ``assignee`` the Person (an approver); ``actor``/``note`` say how it ended."""

    id: strawberry.ID
    request: strawberry.ID
    group: strawberry.ID | None
    assignee: strawberry.ID | None
    opened_at: datetime | None
    finished_at: datetime | None


@pydantic_type(model=CatalogRequest, all_fields=True, name="CatalogRequest")
class CatalogRequestType:
    """A catalog request: its ticket (a service request) and its tasks (by stage, then item
    order; skipped ones last)."""


def catalog_request_refs(request: CatalogRequest) -> set[str]:
    """The ids a catalog request names."""
    refs = ticket_refs(request.ticket)
    for t in request.tasks:
        refs.update(x for x in (t.id, t.group, t.assignee) if x)
    return refs


def catalog_request_out(ctx: ApiContext, request: CatalogRequest) -> CatalogRequestType:
    """``request`` as the caller may see it (its restricted CIs already known to the redactor)."""
    r = ctx.redaction
    shown = request.model_copy(
        update={
            "ticket": shown_ticket(r, request.ticket),
            "tasks": tuple(
                t.model_copy(
                    update={
                        "request": r.ci_id(t.request),
                        "group": shown_id(r, t.group),
                        "assignee": shown_id(r, t.assignee),
                    }
                )
                for t in request.tasks
            ),
        }
    )
    return CatalogRequestType.from_pydantic(shown)
