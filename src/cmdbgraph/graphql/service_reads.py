"""The blocking reads behind the service-management queries (each runs in a worker thread through
:meth:`~cmdbgraph.graphql.context.ApiContext.run`).

Lists are pages of the store's search, ordered by id, with the store's opaque cursors (a cursor
is a position after an id, so it is valid across kinds): tickets of every type are the merge of
one search per ticket kind; a requester's own tickets are those ``REQUESTED_BY`` its person,
filtered and paged here the way the store pages. Every record is then read through its service
(``TicketService.get`` ...), so it is exactly what the service would return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import JsonValue

from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.graphdb.memory_index import encode_cursor, page_of
from cmdbgraph.graphql.service_redaction import restricted_among
from cmdbgraph.impact.routing import TEAM_PARENT_TYPES, RoutingGraph
from cmdbgraph.schema import CI, CINotFound, Relationship
from cmdbgraph.tickets.lifecycle import TicketState, TicketType
from cmdbgraph.tickets.model import KIND_OF, TYPE_OF_KIND

T = TypeVar("T")

MEMBER_OF = "MEMBER_OF"
REPORTS_TO = "REPORTS_TO"
REQUESTED_BY = "REQUESTED_BY"


def restricted_for(store: GraphStore, refs: Iterable[str], *, cleared: bool) -> frozenset[str]:
    """The restricted CIs among ``refs`` (none are looked up for a cleared caller)."""
    return frozenset() if cleared else restricted_among(store, refs)


def records(
    store: GraphStore,
    ids: list[str],
    read: Callable[[str], T],
    refs: Callable[[T], set[str]],
    *,
    cleared: bool,
) -> tuple[list[tuple[str, T]], frozenset[str]]:
    """The records with these ids (each with its id), read one by one, and the restricted CIs
    they name. A restricted record itself is left out for a caller without clearance."""
    found = [(i, read(i)) for i in ids]
    named = {ref for _, record in found for ref in refs(record)}
    restricted = restricted_for(store, named, cleared=cleared)
    return [(i, record) for i, record in found if i not in restricted], restricted


def search_ids(
    store: GraphStore,
    kinds: Iterable[str],
    *,
    attributes: dict[str, JsonValue],
    text: str | None,
    first: int,
    after: str | None,
) -> tuple[list[str], str | None, int]:
    """The ids of one page of CIs of any of ``kinds`` matching the filters, ordered by id: the
    merge of one store search per kind. Returns the ids, the next cursor and the total."""
    pages = [
        store.search(kind=k, text=text, attributes=attributes or None, first=first, after=after)
        for k in kinds
    ]
    ids = sorted(c.id for p in pages for c in p.items)
    chunk = ids[:first]
    more = len(ids) > first or any(p.next_cursor is not None for p in pages)
    return chunk, encode_cursor(chunk[-1]) if more and chunk else None, sum(p.total for p in pages)


def ticket_kinds(ticket_type: TicketType | None) -> list[str]:
    """The CI kinds of tickets of ``ticket_type`` (every ticket kind for ``None``)."""
    return [KIND_OF[ticket_type]] if ticket_type is not None else sorted(TYPE_OF_KIND)


def own_ticket_ids(
    store: GraphStore,
    person: str,
    *,
    ticket_type: TicketType | None,
    state: TicketState | None,
    text: str | None,
    first: int,
    after: str | None,
) -> tuple[list[str], str | None, int]:
    """One page of the ids of the tickets ``REQUESTED_BY`` ``person`` matching the filters (as
    :func:`search_ids` filters: ``text`` a case-insensitive substring of id or name)."""
    if store.find_ci(person) is None:
        return [], None, 0
    kinds = set(ticket_kinds(ticket_type))
    needle = text.casefold() if text else None
    matches = sorted(
        n.ci.id
        for n in store.neighbours(person, Direction.IN, [REQUESTED_BY])
        if n.direction == "in"
        and n.ci.kind in kinds
        and (state is None or n.ci.attributes.get("state") == state.value)
        and (needle is None or needle in n.ci.id.casefold() or needle in n.ci.name.casefold())
    )
    chunk, cursor = page_of(matches, first, after)
    return chunk, cursor, len(matches)


@dataclass(frozen=True)
class TeamView:
    """A team, its members (by id) and the team above it."""

    team: CI
    members: list[CI]
    parent: CI | None


def team_view(store: GraphStore, team_id: str) -> TeamView:
    """The team ``team_id`` (``CINotFound`` when it names no Team). Its parent is
    :meth:`RoutingGraph.parent_team` on the part of the graph that decides it: the team's own
    links, and its members' managers and their teams."""
    team = store.find_ci(team_id)
    if team is None or team.kind != "Team":
        raise CINotFound(team_id)
    around = store.neighbours(team_id, Direction.BOTH, [MEMBER_OF, *sorted(TEAM_PARENT_TYPES)])
    members = sorted(
        (
            n.ci
            for n in around
            if n.direction == "in" and n.relationship.type == MEMBER_OF and n.ci.kind == "Person"
        ),
        key=lambda c: c.id,
    )
    cis: dict[str, CI] = {team.id: team, **{n.ci.id: n.ci for n in around}}
    rels: list[Relationship] = [n.relationship for n in around]
    if members:
        g = store.subgraph([m.id for m in members], Direction.OUT, 2, [REPORTS_TO, MEMBER_OF])
        cis.update({n: g.nodes[n]["ci"] for n in g.nodes})
        rels += [data["rel"] for _, _, data in g.edges(data=True)]
    parent = RoutingGraph.build(cis.values(), rels, store.registry).parent_team(team_id)
    above = None if parent is None else cis.get(parent)
    return TeamView(team=team, members=members, parent=above)


def person_view(store: GraphStore, person_id: str) -> tuple[CI, list[CI]]:
    """The person ``person_id`` and the teams it is a member of, by id (``CINotFound`` when it
    names no Person)."""
    person = store.find_ci(person_id)
    if person is None or person.kind != "Person":
        raise CINotFound(person_id)
    teams = [
        n.ci
        for n in store.neighbours(person_id, Direction.OUT, [MEMBER_OF])
        if n.direction == "out" and n.ci.kind == "Team"
    ]
    return person, sorted(teams, key=lambda c: c.id)
