"""Redaction of the CI ids that service-management records name.

A record (ticket, change, article, catalog item or request) names CIs by id. Before it is shown,
its resolver looks those ids up (:func:`restricted_among`: one store read), tells the request's
:class:`~cmdbgraph.access.redaction.Redactor` which are restricted (:func:`know_restricted`,
which also refuses a record that is itself restricted to a caller without clearance), and the
record's converter shows each id through the redactor (:func:`shown_id`, :func:`shown_ids`,
:func:`redact_json` for the strings of JSON values). A caller with clearance looks nothing up
and sees every id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import JsonValue

from cmdbgraph.access.redaction import Redactor, is_restricted
from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.errors import Forbidden
from cmdbgraph.schema import CI, CINotFound

_ID_LIMIT = 512
"""The longest string taken for a CI id (the schema's bound on ids)."""


def restricted_among(store: GraphStore, ids: Iterable[str]) -> frozenset[str]:
    """Which of ``ids`` name a restricted CI (ids naming no CI are not restricted). One
    ``subgraph`` read; one ``find_ci`` per id only when some id names no CI."""
    wanted = sorted({i for i in ids if i and len(i) <= _ID_LIMIT})
    if not wanted:
        return frozenset()
    try:
        g = store.subgraph(wanted, Direction.OUT, 0)
        found: list[CI] = [g.nodes[n]["ci"] for n in g.nodes]
    except CINotFound:
        found = [c for c in map(store.find_ci, wanted) if c is not None]
    return frozenset(c.id for c in found if is_restricted(c.attributes))


def know_restricted(ctx: ApiContext, record_id: str | None, restricted: frozenset[str]) -> None:
    """Tell the request's redactor which ids are restricted; ``FORBIDDEN`` when the record
    ``record_id`` is itself restricted and the caller lacks clearance (as ``ci(id)`` refuses a
    restricted CI). ``None``: no record to refuse."""
    if record_id is not None and record_id in restricted and not ctx.cleared:
        raise Forbidden(f"{record_id!r} is restricted")
    ctx.redaction.know(restricted)


def refuse_restricted(ctx: ApiContext, ci: CI) -> None:
    """``FORBIDDEN`` when ``ci`` is restricted and the caller lacks clearance (as ``ci(id)``)."""
    if is_restricted(ci.attributes) and not ctx.cleared:
        raise Forbidden(f"CI {ci.id!r} is restricted")


def json_strings(value: JsonValue) -> Iterator[str]:
    """Every string in ``value`` (depth first), any of which may name a CI."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from json_strings(v)


def redact_json(r: Redactor, value: JsonValue) -> JsonValue:
    """``value`` with every string that is a hidden CI id replaced by its stand-in."""
    if isinstance(value, str):
        return r.ci_id(value) if r.hides(value) else value
    if isinstance(value, list):
        return [redact_json(r, v) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(r, v) for k, v in value.items()}
    return value


def shown_id(r: Redactor, ci_id: str | None) -> str | None:
    """The id the caller sees (``None`` stays ``None``)."""
    return None if ci_id is None else r.ci_id(ci_id)


def shown_ids(r: Redactor, ids: Iterable[str]) -> tuple[str, ...]:
    """The ids the caller sees, in order."""
    return tuple(r.path(ids))
