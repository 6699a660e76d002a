"""Who may touch which service-management record: the scoped permissions of
:mod:`cmdbgraph.access.roles` applied to tickets, approval steps and approval tasks.

- ``tickets:read`` / ``tickets:write`` reach every ticket; ``tickets:own`` only the tickets whose
  requester is the token's ``person`` (:func:`ticket_scope`, :func:`check_own`). A token with
  ``tickets:own`` but no person reaches none.
- An approval (a change's step, a catalog request's approval task) that names its approver (a
  Person or Team id) may be decided only by a token whose ``person`` or ``team`` is that
  approver, or by an admin (:func:`check_approver`). A change step of the Change Advisory Board
  names ``CAB``: a token with team ``CAB`` decides it.

Every refusal is ``FORBIDDEN`` and is raised before anything is written.
"""

from __future__ import annotations

from cmdbgraph.access.roles import Permission
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.errors import Forbidden


def ticket_scope(ctx: ApiContext, every: Permission) -> str | None:
    """``None`` when the caller's role grants ``every`` (``tickets:read`` or ``tickets:write``):
    it reaches every ticket. Otherwise the person whose tickets it reaches (``tickets:own``).
    ``FORBIDDEN`` without either permission, or for a ``tickets:own`` token without a person."""
    token = ctx.require(every, Permission.TICKETS_OWN)
    if ctx.can(every):
        return None
    if token.person is None:
        raise Forbidden(f"token {token.name!r} has tickets:own but acts as no person")
    return token.person


def check_own(scope: str | None, ticket_id: str, requester: str | None) -> None:
    """``FORBIDDEN`` unless the scope reaches a ticket requested by ``requester``."""
    if scope is not None and requester != scope:
        raise Forbidden(f"ticket {ticket_id!r} was not requested by {scope!r}, the person of this token")


def check_approver(ctx: ApiContext, approver: str | None, what: str) -> None:
    """``FORBIDDEN`` unless the caller is an admin, ``approver`` is ``None`` (the approval names
    nobody), or the token's person or team is ``approver``."""
    if ctx.is_admin or approver is None:
        return
    token = ctx.caller
    if approver not in (token.person, token.team):
        raise Forbidden(f"{what} is for {approver!r}, which is neither this token's person nor its team")
