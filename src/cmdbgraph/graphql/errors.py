"""One place that turns every failure into a GraphQL error with a stable code.

Resolvers raise domain errors (:mod:`cmdbgraph.schema.errors`) or the API errors below; the
:class:`ErrorCodes` extension rewrites each error of a result so that
``errors[].extensions.code`` is one of :data:`CODES`:

- ``UNAUTHENTICATED`` — no valid token (the HTTP layer answers 401 before GraphQL runs);
- ``FORBIDDEN`` — the token's role lacks the permission, or the object is outside its scope;
- ``NOT_FOUND`` — a named CI, relationship, ticket ... does not exist;
- ``BAD_USER_INPUT`` — invalid input, with ``extensions.problems`` (code, message, field, where)
  and ``extensions.field`` (the first problem's path, ``where.field``, e.g.
  ``upsertRelationships[0].source``); also malformed or invalid queries;
- ``CONFLICT`` — a concurrent write won (retry);
- ``QUERY_TOO_COMPLEX`` — a limit of :mod:`cmdbgraph.graphql.limits` refused the query;
- ``INTERNAL_ERROR`` — anything else: the message is masked and the traceback goes to the
  server log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from cmdbgraph.schema import CmdbgraphError, InvalidInput, NotFound, StoreConflict

log = logging.getLogger("cmdbgraph.graphql")

CODES = (
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "QUERY_TOO_COMPLEX",
    "INTERNAL_ERROR",
)
INTERNAL_MESSAGE = "internal error (logged on the server)"

# strawberry's limiter extensions report plain validation errors; these are their messages
_LIMIT_MESSAGES = re.compile(
    r"exceeds maximum operation depth|aliases found\. Allowed|"
    r"contains more than \d+ tokens|Token limit"
)


class ApiError(CmdbgraphError):
    """An error of the API itself (not of the domain); ``code`` is one of :data:`CODES`."""


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class QueryTooComplex(ApiError):
    code = "QUERY_TOO_COMPLEX"


def _extensions(error: GraphQLError) -> dict[str, Any]:
    """The extensions an error gets (``code`` always)."""
    original = error.original_error
    if original is None:
        if error.extensions and error.extensions.get("code") in CODES:
            return dict(error.extensions)
        code = "QUERY_TOO_COMPLEX" if _LIMIT_MESSAGES.search(error.message) else "BAD_USER_INPUT"
        return {"code": code}
    if isinstance(original, ApiError):
        return {"code": original.code}
    if isinstance(original, InvalidInput):
        problems = [
            {"code": p.code, "message": p.message, "field": p.field, "where": p.where}
            for p in original.problems
        ]
        first = original.problems[0] if original.problems else None
        path = "" if first is None else ".".join(x for x in (first.where, first.field) if x)
        return {"code": "BAD_USER_INPUT", "field": path, "problems": problems}
    if isinstance(original, NotFound):
        return {"code": "NOT_FOUND", "reason": original.code}
    if isinstance(original, StoreConflict):
        return {"code": "CONFLICT"}
    return {"code": "INTERNAL_ERROR"}


def coded(error: GraphQLError) -> GraphQLError:
    """``error`` with its code; internal errors masked (and logged with their traceback)."""
    extensions = _extensions(error)
    message = error.message
    if extensions["code"] == "INTERNAL_ERROR":
        log.error("internal error at %s", error.path, exc_info=error.original_error)
        message = INTERNAL_MESSAGE
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    """Gives every error of an operation's result its stable code (see the module docstring)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [coded(e) for e in errors]
