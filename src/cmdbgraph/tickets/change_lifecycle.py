"""The change lifecycle: the state machine of a change request, with the table as data.

The contract: :func:`change_transition` takes a change's current state and an event, and returns
the next state if and only if :data:`CHANGE_TRANSITIONS` has that ``(state, event)`` edge;
anything else raises :class:`~cmdbgraph.schema.errors.InvalidInput` with a single
``ILLEGAL_TRANSITION`` problem on field ``state`` naming the allowed events, sorted (and saying
so when the state is final). Nothing here keeps state or does I/O;
:class:`~cmdbgraph.tickets.change_service.ChangeService` stores the result.

The state machine is :data:`CHANGE_TRANSITIONS` (``.`` means refused, ``ILLEGAL_TRANSITION``)::

    state       submit     approve    reject     implement    fail     cancel
    draft       submitted  .          .          .            .        cancelled
    submitted   .          approved   rejected   .            .        cancelled
    approved    .          .          .          implemented  failed   cancelled
    rejected, implemented, failed, cancelled: final

>>> change_transition(ChangeState.DRAFT, ChangeEvent.SUBMIT)
<ChangeState.SUBMITTED: 'submitted'>
>>> try:
...     change_transition(ChangeState.DRAFT, ChangeEvent.IMPLEMENT)
... except InvalidInput as refused:
...     print(refused.problems[0].message)
change in state 'draft' cannot take event 'implement'; allowed events from 'draft': cancel, submit
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from cmdbgraph.schema import InvalidInput


class ChangeState(StrEnum):
    """Where a change is; ``rejected``, ``implemented``, ``failed`` and ``cancelled`` are final."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ChangeEvent(StrEnum):
    """What can happen to a change (``implement``: it succeeded; ``fail``: it did not)."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    IMPLEMENT = "implement"
    FAIL = "fail"
    CANCEL = "cancel"


_S, _E = ChangeState, ChangeEvent
CHANGE_TRANSITIONS: Mapping[tuple[ChangeState, ChangeEvent], ChangeState] = MappingProxyType(
    {
        (_S.DRAFT, _E.SUBMIT): _S.SUBMITTED,
        (_S.DRAFT, _E.CANCEL): _S.CANCELLED,
        (_S.SUBMITTED, _E.APPROVE): _S.APPROVED,
        (_S.SUBMITTED, _E.REJECT): _S.REJECTED,
        (_S.SUBMITTED, _E.CANCEL): _S.CANCELLED,
        (_S.APPROVED, _E.IMPLEMENT): _S.IMPLEMENTED,
        (_S.APPROVED, _E.FAIL): _S.FAILED,
        (_S.APPROVED, _E.CANCEL): _S.CANCELLED,
    }
)
"""``(state, event) -> next state``; a missing key is a refused event (read-only)."""


def change_transition(state: ChangeState, event: ChangeEvent, *, where: str = "") -> ChangeState:
    """The state a change in ``state`` moves to on ``event``, or ``InvalidInput`` with one
    ``ILLEGAL_TRANSITION`` problem (field ``state``) naming the allowed events, sorted."""
    target = CHANGE_TRANSITIONS.get((state, event))
    if target is not None:
        return target
    allowed = ", ".join(sorted(e for (s, e) in CHANGE_TRANSITIONS if s == state)) or "none"
    message = (
        f"change in state '{state}' cannot take event '{event}'; allowed events from '{state}': {allowed}"
    )
    if allowed == "none":
        message += f" ('{state}' is final)"
    raise InvalidInput.one("ILLEGAL_TRANSITION", message, where=where, field="state")
