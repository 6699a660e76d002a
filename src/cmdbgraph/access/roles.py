"""Roles and the permission matrix (data, not code paths).

Every GraphQL field and map route names the :class:`Permission` it needs; a token's role grants
a set of permissions. ``owner`` and ``requester`` permissions are *scoped*: an owner writes only
the CIs owned (``OWNED_BY``) by the token's team or person, a requester sees and works only the
tickets it requested. The matrix below is documented in ``docs/security.md`` and tested cell by
cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    """A token's role."""

    ADMIN = "admin"
    OWNER = "owner"
    APPROVER = "approver"
    OPERATOR = "operator"
    ANALYST = "analyst"
    REQUESTER = "requester"


class Permission(StrEnum):
    """One right a resolver or route checks."""

    GRAPH_READ = "graph:read"
    """CIs, relationships, neighbourhoods, search, history."""
    ANALYSIS = "analysis:read"
    """impact, rootCause, dependsOn, health, changeRisk, route, kpis."""
    GRAPH_WRITE = "graph:write"
    """Upsert and delete any CI or relationship."""
    GRAPH_WRITE_OWNED = "graph:write-owned"
    """Upsert CIs (and their outgoing relationships) owned by the token's principal."""
    CI_STATUS = "ci:status"
    """Set the status of any CI (down, degraded, maintenance ...)."""
    SENSITIVE_READ = "sensitive:read"
    """See attributes declared sensitive, and restricted CIs inside traversals."""
    TICKETS_READ = "tickets:read"
    """Read every ticket."""
    TICKETS_WRITE = "tickets:write"
    """Open, move and comment on any ticket."""
    TICKETS_OWN = "tickets:own"
    """Open tickets as oneself; read, comment on and cancel one's own tickets."""
    CATALOG_READ = "catalog:read"
    CATALOG_REQUEST = "catalog:request"
    CHANGES_READ = "changes:read"
    CHANGES_WRITE = "changes:write"
    """Create, submit, implement and cancel changes."""
    CHANGES_APPROVE = "changes:approve"
    KNOWLEDGE_READ = "knowledge:read"
    KNOWLEDGE_WRITE = "knowledge:write"
    KNOWLEDGE_FEEDBACK = "knowledge:feedback"
    TOKENS_ADMIN = "tokens:admin"


_P = Permission
_READ_ALL = frozenset(
    {_P.GRAPH_READ, _P.ANALYSIS, _P.TICKETS_READ, _P.CHANGES_READ, _P.CATALOG_READ, _P.KNOWLEDGE_READ}
)
_SELF_SERVICE = frozenset({_P.CATALOG_READ, _P.CATALOG_REQUEST, _P.KNOWLEDGE_READ, _P.KNOWLEDGE_FEEDBACK})

PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(Permission),
        Role.OWNER: _READ_ALL | _SELF_SERVICE | {_P.GRAPH_WRITE_OWNED, _P.CHANGES_WRITE, _P.KNOWLEDGE_WRITE},
        Role.APPROVER: _READ_ALL | _SELF_SERVICE | {_P.CHANGES_APPROVE},
        Role.OPERATOR: _READ_ALL
        | _SELF_SERVICE
        | {_P.CI_STATUS, _P.TICKETS_WRITE, _P.CHANGES_WRITE, _P.KNOWLEDGE_WRITE},
        Role.ANALYST: _READ_ALL | {_P.KNOWLEDGE_FEEDBACK},
        Role.REQUESTER: _SELF_SERVICE | {_P.TICKETS_OWN},
    }
)
"""What each role may do. Only ``admin`` holds ``sensitive:read`` and ``tokens:admin``."""


def allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in PERMISSIONS[role]


def matrix_markdown() -> str:
    """The permission matrix as a Markdown table (roles as columns), for the docs."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for p in Permission:
        cells = ["yes" if allows(r, p) else "" for r in roles]
        lines.append(f"| `{p.value}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
