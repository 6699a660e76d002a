"""Routing a stored ticket: who should work on it, decided from the graph.

:func:`route_ticket` reads the graph once (``GraphStore.contents``), finds the ticket's affected
CIs (``AFFECTS``), location (``REPORTED_AT``) and category, counts every person's open tickets
(``ASSIGNED_TO`` from tickets not resolved, closed or cancelled) and asks
:func:`cmdbgraph.impact.routing.route`. The decision is advice; ``TicketService.move`` with
``Event.ASSIGN`` records it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from cmdbgraph.graphdb import GraphContents, GraphStore
from cmdbgraph.impact.routing import RoutingDecision, RoutingGraph, RoutingRequest, route
from cmdbgraph.schema import CINotFound
from cmdbgraph.tickets.model import TYPE_OF_KIND

CLOSED_STATES = frozenset({"resolved", "closed", "cancelled"})


def open_load(contents: GraphContents) -> Counter[str]:
    """Open tickets per assignee (``ASSIGNED_TO`` targets, people and teams alike)."""
    open_tickets = {
        c.id
        for c in contents.cis
        if c.kind in TYPE_OF_KIND and c.attributes.get("state") not in CLOSED_STATES
    }
    return Counter(
        r.target for r in contents.relationships if r.type == "ASSIGNED_TO" and r.source in open_tickets
    )


def route_ticket(
    store: GraphStore,
    ticket_id: str,
    *,
    category_groups: Mapping[str, str] | None = None,
    contents: GraphContents | None = None,
) -> RoutingDecision:
    """The routing decision for the stored ticket ``ticket_id`` (``CINotFound`` if it is not a
    ticket)."""
    contents = contents or store.contents()
    node = next((c for c in contents.cis if c.id == ticket_id), None)
    if node is None or node.kind not in TYPE_OF_KIND:
        raise CINotFound(ticket_id)
    links = [r for r in contents.relationships if r.source == ticket_id]
    category = node.attributes.get("category")
    request = RoutingRequest(
        ticket_id=ticket_id,
        affected_cis=tuple(sorted(r.target for r in links if r.type == "AFFECTS")),
        location=next(
            (r.target for r in sorted(links, key=lambda r: r.key) if r.type == "REPORTED_AT"), None
        ),
        category=category if isinstance(category, str) else None,
    )
    graph = RoutingGraph.build(contents.cis, contents.relationships, store.registry)
    return route(graph, request, open_load=open_load(contents), category_groups=category_groups or {})
