"""The ticket lifecycle: an explicit state machine per ticket type, with the table as data.

The contract: :func:`transition` takes a ticket type, its current state and an event, and returns
the next state if and only if the type's table has that ``(state, event)`` edge; anything else
raises :class:`~cmdbgraph.schema.errors.InvalidInput` with a single ``ILLEGAL_TRANSITION``
problem on field ``state`` whose message names the type, the state, the event and the events
allowed from that state (sorted). Nothing here keeps state or does I/O; the caller stores the
result (and records it in the audit history).

:data:`TRANSITIONS` is the table shared by every type (``.`` means refused)::

    state         assign     start        pend      resume       resolve    close    reopen       cancel
    new           assigned   .            .         .            .          .        .            cancelled
    assigned      assigned   in_progress  .         .            resolved   .        .            cancelled
    in_progress   assigned   .            pending   .            resolved   .        .            .
    pending       .          .            .         in_progress  resolved   .        .            .
    resolved      .          .            .         .            .          closed   in_progress  .
    closed        final: no events
    cancelled     final: no events

Read as: ``assign`` on an assigned ticket reassigns it and on one in progress hands it over;
``resolve`` straight from ``assigned`` is a quick fix and from ``pending`` the requester (or
third party) confirming; ``reopen`` puts a resolved ticket back in progress.

:data:`TYPE_OVERRIDES` changes that table per type (a target of ``None`` removes the edge). A
``problem`` never waits on a requester, so for problems ``in_progress -pend->`` is removed and
``pending`` is not a state at all (its outgoing edges are removed too; :func:`states_of`).

The SLA clock (:func:`sla_clock_paused`) stops while a ticket is ``pending`` and once it is
``resolved``, ``closed`` or ``cancelled``; a ``reopen`` starts it again.

>>> transition(TicketType.INCIDENT, TicketState.NEW, Event.ASSIGN)
<TicketState.ASSIGNED: 'assigned'>
>>> allowed_events(TicketType.PROBLEM, TicketState.IN_PROGRESS)
[<Event.ASSIGN: 'assign'>, <Event.RESOLVE: 'resolve'>]
>>> try:
...     transition(TicketType.INCIDENT, TicketState.NEW, Event.CLOSE)
... except InvalidInput as refused:
...     print(refused.problems[0].code)
...     print(refused.problems[0].message)
ILLEGAL_TRANSITION
incident in state 'new' cannot take event 'close'; allowed events from 'new': assign, cancel
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from cmdbgraph.schema.errors import InvalidInput


class TicketType(StrEnum):
    """The kinds of ticket the lifecycle knows."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    PROBLEM = "problem"


class TicketState(StrEnum):
    """Where a ticket is in its lifecycle; ``closed`` and ``cancelled`` are final."""

    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Event(StrEnum):
    """What can happen to a ticket. ``pend``: waiting on the requester or a third party."""

    ASSIGN = "assign"
    START = "start"
    PEND = "pend"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


Table = Mapping[tuple[TicketState, Event], TicketState]
"""A transition table: ``(state, event) -> next state``; a missing key is a refused event."""

_S = TicketState
_E = Event

TRANSITIONS: Table = MappingProxyType(
    {
        (_S.NEW, _E.ASSIGN): _S.ASSIGNED,
        (_S.NEW, _E.CANCEL): _S.CANCELLED,
        (_S.ASSIGNED, _E.ASSIGN): _S.ASSIGNED,
        (_S.ASSIGNED, _E.START): _S.IN_PROGRESS,
        (_S.ASSIGNED, _E.RESOLVE): _S.RESOLVED,
        (_S.ASSIGNED, _E.CANCEL): _S.CANCELLED,
        (_S.IN_PROGRESS, _E.ASSIGN): _S.ASSIGNED,
        (_S.IN_PROGRESS, _E.PEND): _S.PENDING,
        (_S.IN_PROGRESS, _E.RESOLVE): _S.RESOLVED,
        (_S.PENDING, _E.RESUME): _S.IN_PROGRESS,
        (_S.PENDING, _E.RESOLVE): _S.RESOLVED,
        (_S.RESOLVED, _E.CLOSE): _S.CLOSED,
        (_S.RESOLVED, _E.REOPEN): _S.IN_PROGRESS,
    }
)
"""The transition table every ticket type starts from (read-only)."""

TYPE_OVERRIDES: Mapping[TicketType, Mapping[tuple[TicketState, Event], TicketState | None]] = (
    MappingProxyType(
        {
            TicketType.PROBLEM: MappingProxyType(
                {
                    (_S.IN_PROGRESS, _E.PEND): None,
                    (_S.PENDING, _E.RESUME): None,
                    (_S.PENDING, _E.RESOLVE): None,
                }
            ),
        }
    )
)
"""Per-type changes to :data:`TRANSITIONS`: an edge to add or redirect, or ``None`` to remove it."""

FINAL_STATES: frozenset[TicketState] = frozenset({TicketState.CLOSED, TicketState.CANCELLED})
"""States with no way out."""

SLA_PAUSED_STATES: frozenset[TicketState] = frozenset(
    {TicketState.PENDING, TicketState.RESOLVED, TicketState.CLOSED, TicketState.CANCELLED}
)
"""States in which the SLA clock does not run."""


def _apply(base: Table, overrides: Mapping[tuple[TicketState, Event], TicketState | None]) -> Table:
    """``base`` with ``overrides`` applied; removing an edge ``base`` lacks is a table bug."""
    table = dict(base)
    for key, target in overrides.items():
        if target is None:
            if key not in table:
                raise AssertionError(f"override removes {key}, which is not in the base table")
            del table[key]
        else:
            table[key] = target
    return MappingProxyType(table)


_TABLES: Mapping[TicketType, Table] = MappingProxyType(
    {t: _apply(TRANSITIONS, TYPE_OVERRIDES.get(t, {})) for t in TicketType}
)


def transitions(ticket_type: TicketType) -> Table:
    """The effective (read-only) transition table of ``ticket_type``: the shared one plus overrides."""
    return _TABLES[ticket_type]


def states_of(ticket_type: TicketType) -> frozenset[TicketState]:
    """The states a ticket of this type can be in: ``new`` and every state reachable from it.

    >>> TicketState.PENDING in states_of(TicketType.PROBLEM)
    False
    """
    table = _TABLES[ticket_type]
    seen = {TicketState.NEW}
    todo = [TicketState.NEW]
    while todo:
        state = todo.pop()
        for (source, _event), target in table.items():
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)


def allowed_events(ticket_type: TicketType, state: TicketState) -> list[Event]:
    """The events a ticket of this type accepts in ``state``, sorted by name (empty if final)."""
    table = _TABLES[ticket_type]
    return sorted(event for (source, event) in table if source == state)


def transition(ticket_type: TicketType, state: TicketState, event: Event, *, where: str = "") -> TicketState:
    """The state a ticket of ``ticket_type`` in ``state`` moves to on ``event``.

    Raises :class:`InvalidInput` with one ``ILLEGAL_TRANSITION`` problem (field ``state``,
    ``where`` as given, e.g. the ticket id) if the type's table has no such edge; the message
    names the type, the state, the event and the allowed events from that state, sorted.
    """
    target = _TABLES[ticket_type].get((state, event))
    if target is not None:
        return target
    allowed = ", ".join(allowed_events(ticket_type, state)) or "none"
    message = (
        f"{ticket_type} in state '{state}' cannot take event '{event}'; "
        f"allowed events from '{state}': {allowed}"
    )
    if is_final(state):
        message += f" ('{state}' is final)"
    elif state not in states_of(ticket_type):
        message += f" (a {ticket_type} is never '{state}')"
    raise InvalidInput.one("ILLEGAL_TRANSITION", message, where=where, field="state")


def is_final(state: TicketState) -> bool:
    """Whether ``state`` is final (``closed`` or ``cancelled``): no event leaves it, for any type."""
    return state in FINAL_STATES


def sla_clock_paused(state: TicketState) -> bool:
    """Whether the SLA clock stops in ``state``: ``pending``, ``resolved``, ``closed``, ``cancelled``.

    It runs in ``new``, ``assigned`` and ``in_progress``.
    """
    return state in SLA_PAUSED_STATES
