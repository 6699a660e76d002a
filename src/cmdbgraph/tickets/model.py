"""Tickets as graph nodes: the typed model and its form in the store.

A ticket is a CI of kind ``Incident``, ``ServiceRequest`` or ``Problem`` (service-management
kinds of the registry) whose attributes hold its fields, with relationships to what it touches:
``AFFECTS`` the CIs, ``REQUESTED_BY`` the requester, ``ASSIGNED_TO`` the group and the assignee,
``REPORTED_AT`` the location. So tickets share the store's transactions, audit history, as-of
reads and both backends with everything else, and impact, routing and KPI questions are graph
questions. :func:`ticket_batch` and :func:`ticket_from_graph` convert both ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, field_validator

from cmdbgraph.schema import CIData, Relationship
from cmdbgraph.schema.priority import Impact, Priority, Urgency, priority_of
from cmdbgraph.tickets.lifecycle import TicketState, TicketType

KIND_OF: dict[TicketType, str] = {
    TicketType.INCIDENT: "Incident",
    TicketType.SERVICE_REQUEST: "ServiceRequest",
    TicketType.PROBLEM: "Problem",
}
TYPE_OF_KIND = {kind: ticket_type for ticket_type, kind in KIND_OF.items()}
ID_PREFIX: dict[TicketType, str] = {
    TicketType.INCIDENT: "INC",
    TicketType.SERVICE_REQUEST: "REQ",
    TicketType.PROBLEM: "PRB",
}
LINK_TYPES = ("AFFECTS", "REQUESTED_BY", "ASSIGNED_TO", "REPORTED_AT")
"""The relationship types a ticket's own links use (rewritten whenever the ticket is saved)."""
MODELLED_ATTRIBUTES = frozenset(
    {
        "title",
        "details",
        "state",
        "impact",
        "urgency",
        "priority",
        "category",
        "opened_at",
        "timeline",
        "comments",
    }
)
"""Node attributes the :class:`Ticket` fields hold; every other attribute travels in ``extra``."""


class StateChange(BaseModel):
    """One step of a ticket's timeline."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    state: TicketState
    actor: str


class Comment(BaseModel):
    """A comment on a ticket."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    actor: str
    text: str = Field(min_length=1, max_length=20_000)


class NewTicket(BaseModel):
    """What a caller supplies to open a ticket. ``affected`` are CI ids; ``requester`` a Person,
    ``group`` a Team, ``assignee`` a Person and ``location`` a Location id (each optional)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: TicketType
    title: str = Field(min_length=1, max_length=300)
    details: str = ""
    impact: Impact = Impact.LOW
    urgency: Urgency = Urgency.LOW
    category: str | None = None
    requester: str | None = None
    affected: tuple[str, ...] = ()
    location: str | None = None
    group: str | None = None
    assignee: str | None = None
    extra: dict[str, JsonValue] = Field(default_factory=dict)
    """Further node attributes kept as they are (department, channel, catalog_item, form,
    sla_policy, escalations, csat ...); validated by the kind's schema when written."""

    @field_validator("extra")
    @classmethod
    def _not_modelled(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        clash = sorted(MODELLED_ATTRIBUTES.intersection(value))
        if clash:
            raise ValueError(f"extra attributes {clash} are ticket fields; set them as fields")
        return value

    @field_validator("affected")
    @classmethod
    def _distinct_sorted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))


class Ticket(NewTicket):
    """A stored ticket: its id, priority, state, when it was opened, timeline and comments."""

    id: str
    priority: Priority
    state: TicketState
    opened_at: AwareDatetime
    timeline: tuple[StateChange, ...] = ()
    comments: tuple[Comment, ...] = ()

    @classmethod
    def opened(cls, ticket_id: str, new: NewTicket, *, at: datetime, actor: str) -> Ticket:
        """A ticket just opened from ``new`` (state ``new``, or ``assigned`` with a group)."""
        state = TicketState.ASSIGNED if new.group or new.assignee else TicketState.NEW
        return cls(
            **new.model_dump(),
            id=ticket_id,
            priority=priority_of(new.impact, new.urgency),
            state=state,
            opened_at=at,
            timeline=(StateChange(at=at, state=state, actor=actor),),
        )


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def ticket_batch(ticket: Ticket) -> tuple[CIData, list[Relationship]]:
    """The ticket's node and its links, as the store keeps them."""
    attributes: dict[str, Any] = {
        **ticket.extra,
        "title": ticket.title,
        "details": ticket.details,
        "state": ticket.state.value,
        "impact": int(ticket.impact),
        "urgency": int(ticket.urgency),
        "priority": int(ticket.priority),
        "category": ticket.category,
        "opened_at": _iso(ticket.opened_at),
        "timeline": [{"at": _iso(c.at), "state": c.state.value, "actor": c.actor} for c in ticket.timeline],
        "comments": [{"at": _iso(c.at), "actor": c.actor, "text": c.text} for c in ticket.comments],
    }
    node = CIData(
        id=ticket.id,
        kind=KIND_OF[ticket.type],
        name=ticket.title,
        criticality=int(ticket.priority) if ticket.priority <= 4 else 4,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )
    links = [Relationship(source=ticket.id, target=ci, type="AFFECTS") for ci in ticket.affected]
    for rel_type, target in (
        ("REQUESTED_BY", ticket.requester),
        ("ASSIGNED_TO", ticket.group),
        ("ASSIGNED_TO", ticket.assignee),
        ("REPORTED_AT", ticket.location),
    ):
        if target is not None:
            links.append(Relationship(source=ticket.id, target=target, type=rel_type))
    return node, links


def ticket_from_graph(
    node: CIData, links: Sequence[Relationship], kinds_of_targets: dict[str, str]
) -> Ticket:
    """The ticket a stored node and its outgoing links describe. ``kinds_of_targets`` tells a
    Team assignment (the group) from a Person assignment (the assignee)."""
    a = node.attributes
    by_type: dict[str, list[str]] = {}
    for rel in sorted(links, key=lambda r: r.key):
        by_type.setdefault(rel.type, []).append(rel.target)
    assigned = by_type.get("ASSIGNED_TO", [])
    return Ticket.model_validate(
        {
            "id": node.id,
            "type": TYPE_OF_KIND[node.kind],
            "title": a["title"],
            "details": a.get("details", ""),
            "impact": a["impact"],
            "urgency": a["urgency"],
            "priority": a["priority"],
            "category": a.get("category"),
            "state": a["state"],
            "opened_at": a["opened_at"],
            "requester": next(iter(by_type.get("REQUESTED_BY", [])), None),
            "affected": tuple(by_type.get("AFFECTS", [])),
            "location": next(iter(by_type.get("REPORTED_AT", [])), None),
            "group": next((t for t in assigned if kinds_of_targets.get(t) == "Team"), None),
            "assignee": next((t for t in assigned if kinds_of_targets.get(t) == "Person"), None),
            "timeline": _list(a.get("timeline")),
            "comments": _list(a.get("comments")),
            "extra": {k: v for k, v in a.items() if k not in MODELLED_ATTRIBUTES},
        }
    )


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
