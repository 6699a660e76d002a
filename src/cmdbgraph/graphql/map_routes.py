"""The map routes: interactive dependency maps served as self-contained HTML pages.

==============================================  ======================================
route                                           permission
==============================================  ======================================
``GET /map/ci/{id}?depth=2&direction=both``     ``graph:read``
``GET /map/impact?ci=A&ci=B&depth=N``           ``analysis:read``
``GET /map/root-cause?symptom=A&healthy=B``     ``analysis:read`` (``limit`` 1..100, 5)
``GET /map/change/{id}?depth=N``                ``changes:read`` and ``analysis:read``
==============================================  ======================================

Every route also takes ``group=kind|team|service`` and ``max_nodes=20..5000`` (aggregation
past that many CIs, default 300). ``depth`` is checked against the server's traversal limit
(0..12; ``impact`` and ``change`` default to the limit, ``ci`` to 2) and id lists against its id
limit, as in GraphQL.

Authentication is the API's: the ``Guard`` middleware has already refused requests without a
valid bearer token (401), so a browser must send ``Authorization: Bearer ...`` with every page
request — a front-end or reverse proxy that holds the token, or a test browser with extra
headers. Tokens are never accepted in the URL (they would end up in logs and histories). Links
in a page ("centre the map on this CI", double-click) are plain same-origin hrefs to
``/map/ci/{id}`` (prefixed with the ASGI ``root_path``), so whatever sends the header for the
first page sends it for the next.

The rules are GraphQL's: the permission is checked first, then the arguments; restricted CIs
inside a map are drawn as anonymous stand-ins (``redacted-N``, no attributes, no link) and
sensitive attributes are masked for callers without ``sensitive:read``; asking for a
restricted CI (the centre of ``/map/ci``) or a restricted change by id is ``FORBIDDEN``. Errors
are answered with HTTP status and code — 400 ``BAD_USER_INPUT`` or ``QUERY_TOO_COMPLEX``, 401
``UNAUTHENTICATED``, 403 ``FORBIDDEN``, 404 ``NOT_FOUND``, 500 ``INTERNAL_ERROR`` (masked and
logged) — as a small escaped HTML page when the client accepts HTML, JSON
(``{"errors": [{"message", "extensions": {"code"}}]}``) otherwise.

Pages are sent with a Content-Security-Policy header (inline scripts by hash, no connections,
no framing), ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cmdbgraph.access.redaction import is_restricted
from cmdbgraph.access.roles import Permission
from cmdbgraph.graphdb import Direction
from cmdbgraph.graphql.context import Api, ApiContext
from cmdbgraph.graphql.errors import INTERNAL_MESSAGE, ApiError, Forbidden
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.planned_change import change_impact
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.schema import CI, CINotFound, InvalidInput, NotFound
from cmdbgraph.tickets.changes import assess_change
from cmdbgraph.visual import (
    GROUP_BY_CHOICES,
    RenderedMap,
    Shown,
    change_scene,
    content_security_policy,
    impact_scene,
    neighbourhood_scene,
    owners_in,
    read_neighbourhood,
    render_map,
    root_cause_scene,
)
from cmdbgraph.visual.aggregate import DEFAULT_MAX_NODES, GroupBy, check_max_nodes
from cmdbgraph.visual.scene import REDACTED_KIND, LinkTo

log = logging.getLogger("cmdbgraph.graphql")

NEIGHBOURHOOD_DEPTH = 2
CANDIDATES = 5
_DIRECTIONS = {d.value: d for d in Direction}
_STATUS = {
    "BAD_USER_INPUT": 400,
    "QUERY_TOO_COMPLEX": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "INTERNAL_ERROR": 500,
}


class ApiDisclosure:
    """A map's :class:`~cmdbgraph.visual.scene.Disclosure` for one request: the request's
    redactor (stand-ins numbered per response) and masking by the caller's clearance."""

    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def show(self, ci: CI) -> Shown:
        redaction = self.ctx.redaction
        stand_in = redaction.ci(ci)
        if stand_in is not ci:
            return Shown(
                id=stand_in.id,
                kind=REDACTED_KIND,
                name=stand_in.id,
                criticality=stand_in.criticality,
                status=stand_in.status.value,
                attributes={},
                redacted=True,
            )
        visible, masked = self.ctx.shown(ci)
        return Shown(
            id=visible.id,
            kind=visible.kind,
            name=visible.name,
            criticality=visible.criticality,
            status=visible.status.value,
            attributes=visible.attributes,
            masked=masked,
        )

    def show_id(self, ci_id: str) -> str:
        return self.ctx.redaction.ci_id(ci_id)

    def hides(self, ci_id: str) -> bool:
        return self.ctx.redaction.hides(ci_id)


def map_link(root_path: str) -> LinkTo:
    """Links to ``/map/ci/{id}`` under ``root_path``; none for ids a URL path cannot carry as
    one segment (``.`` and ``..``, which browsers resolve away).

    >>> map_link("")("db/1 primary"), map_link("/cmdb")(".."), map_link("")("javascript:x")
    ('/map/ci/db%2F1%20primary', None, '/map/ci/javascript%3Ax')
    """

    def link(ci_id: str) -> str | None:
        if ci_id in (".", ".."):
            return None
        return f"{root_path}/map/ci/{quote(ci_id, safe='')}"

    return link


def _int(request: Request, name: str, default: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.one(
            "BAD_PARAMETER", f"{name} must be an integer, got {raw!r}", field=name
        ) from None


def _options(request: Request) -> dict[str, Any]:
    """The aggregation options of a map request (``group``, ``max_nodes``)."""
    group = request.query_params.get("group") or "kind"
    if group not in GROUP_BY_CHOICES:
        raise InvalidInput.one(
            "BAD_PARAMETER",
            f"group must be one of {', '.join(GROUP_BY_CHOICES)}, got {group!r}",
            field="group",
        )
    max_nodes = _int(request, "max_nodes", DEFAULT_MAX_NODES)
    assert max_nodes is not None
    try:
        check_max_nodes(max_nodes)
    except ValueError as exc:
        raise InvalidInput.one("BAD_PARAMETER", str(exc), field="max_nodes") from None
    return {"group_by": cast(GroupBy, group), "max_nodes": max_nodes}


def _refuse_restricted(ctx: ApiContext, ci: CI | None) -> None:
    if ci is not None and is_restricted(ci.attributes) and not ctx.cleared:
        raise Forbidden(f"CI {ci.id!r} is restricted")


def _page(rendered: RenderedMap) -> HTMLResponse:
    return HTMLResponse(
        rendered.html,
        headers={
            "Content-Security-Policy": content_security_policy(header=True),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _error(request: Request, code: str, message: str) -> Response:
    status = _STATUS[code]
    if "text/html" in request.headers.get("accept", ""):
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{status} {code}</title></head><body><h1>{status} {code}</h1><p>{html.escape(message)}</p>"
            "</body></html>"
        )
        return HTMLResponse(
            body, status_code=status, headers={"Content-Security-Policy": "default-src 'none'"}
        )
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


Handler = Callable[[Request, ApiContext], Awaitable[RenderedMap]]


def _endpoint(api: Api, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """``handler`` with a fresh request context, and its errors turned into HTTP answers."""

    async def endpoint(request: Request) -> Response:
        ctx = ApiContext(api=api, token=request.scope.get("cmdbgraph.token"))
        try:
            return _page(await handler(request, ctx))
        except ApiError as exc:
            return _error(request, exc.code, str(exc))
        except NotFound as exc:
            return _error(request, "NOT_FOUND", str(exc))
        except (InvalidInput, ValueError) as exc:
            return _error(request, "BAD_USER_INPUT", str(exc))
        except Exception:  # masked like GraphQL's internal errors; the traceback goes to the log
            log.exception("map %s failed", request.url.path)
            return _error(request, "INTERNAL_ERROR", INTERNAL_MESSAGE)

    return endpoint


def map_routes(api: Api) -> list[BaseRoute]:
    """The ``/map/...`` routes serving ``api`` (see the module docstring)."""
    limits = api.limits
    registry = api.store.registry

    async def neighbourhood(request: Request, ctx: ApiContext) -> RenderedMap:
        ctx.require(Permission.GRAPH_READ)
        ci_id: str = request.path_params["ci_id"]
        depth = limits.check_depth(_int(request, "depth", NEIGHBOURHOOD_DEPTH), argument="depth")
        raw_direction = request.query_params.get("direction") or "both"
        direction = _DIRECTIONS.get(raw_direction)
        if direction is None:
            raise InvalidInput.one("BAD_PARAMETER", "direction must be out, in or both", field="direction")
        options = _options(request)
        link = map_link(request.scope.get("root_path", ""))

        def compute() -> RenderedMap:
            center = api.store.find_ci(ci_id)
            if center is None:
                raise CINotFound(ci_id)
            _refuse_restricted(ctx, center)
            hood = read_neighbourhood(api.store, ci_id, direction, depth)
            seen = [*hood.cis, *hood.owners.values()]
            ctx.redaction.know(c.id for c in seen if is_restricted(c.attributes))
            scene = neighbourhood_scene(hood, registry=registry, disclosure=ApiDisclosure(ctx), link=link)
            return render_map(scene, served=True, **options)

        return await ctx.run(compute)

    async def impact(request: Request, ctx: ApiContext) -> RenderedMap:
        ctx.require(Permission.ANALYSIS)
        ids = request.query_params.getlist("ci")
        if not ids:
            raise InvalidInput.one("CI_REQUIRED", "name at least one failed CI: ?ci=ID", field="ci")
        limits.check_count(ids, argument="ci")
        depth = limits.check_depth(_int(request, "depth", None), argument="depth")
        options = _options(request)
        link = map_link(request.scope.get("root_path", ""))

        def compute() -> RenderedMap:
            snap = api.snapshots.get()
            radius = blast_radius(snap.graph, ids, max_depth=depth)
            ctx.redaction.know(snap.restricted)
            scene = impact_scene(
                radius,
                registry=registry,
                disclosure=ApiDisclosure(ctx),
                lookup=snap.by_id.get,
                owner_of=owners_in(snap.graph),
                link=link,
            )
            return render_map(scene, served=True, **options)

        return await ctx.run(compute)

    async def root_cause_map(request: Request, ctx: ApiContext) -> RenderedMap:
        ctx.require(Permission.ANALYSIS)
        symptoms = request.query_params.getlist("symptom")
        healthy = request.query_params.getlist("healthy")
        limits.check_count(symptoms, argument="symptom")
        limits.check_count(healthy, argument="healthy")
        limit = _int(request, "limit", CANDIDATES)
        assert limit is not None
        limits.check_candidates(limit)
        options = _options(request)
        link = map_link(request.scope.get("root_path", ""))

        def compute() -> RenderedMap:
            snap = api.snapshots.get()
            candidates = root_cause(snap.graph, symptoms, healthy, limit=limit)
            ctx.redaction.know(snap.restricted)
            scene = root_cause_scene(
                candidates,
                symptoms,
                snap.graph,
                healthy=healthy,
                registry=registry,
                disclosure=ApiDisclosure(ctx),
                lookup=snap.by_id.get,
                owner_of=owners_in(snap.graph),
                link=link,
            )
            return render_map(scene, served=True, **options)

        return await ctx.run(compute)

    async def change(request: Request, ctx: ApiContext) -> RenderedMap:
        ctx.require(Permission.CHANGES_READ)
        ctx.require(Permission.ANALYSIS)
        change_id: str = request.path_params["change_id"]
        depth = limits.check_depth(_int(request, "depth", None), argument="depth")
        options = _options(request)
        link = map_link(request.scope.get("root_path", ""))

        def compute() -> RenderedMap:
            snap = api.snapshots.get()
            _refuse_restricted(ctx, snap.by_id.get(change_id))
            assessment = assess_change(api.store, change_id, contents=snap.contents)
            ctx.redaction.know(snap.restricted)
            scene = change_scene(
                assessment.change,
                title=assessment.title,
                state=assessment.state,
                risk=assessment.risk,
                collisions=assessment.collisions,
                radius=change_impact(snap.graph, assessment.change, max_depth=depth),
                registry=registry,
                disclosure=ApiDisclosure(ctx),
                lookup=snap.by_id.get,
                owner_of=owners_in(snap.graph),
                link=link,
            )
            return render_map(scene, served=True, **options)

        return await ctx.run(compute)

    return [
        Route("/map/ci/{ci_id:path}", _endpoint(api, neighbourhood), methods=["GET"]),
        Route("/map/impact", _endpoint(api, impact), methods=["GET"]),
        Route("/map/root-cause", _endpoint(api, root_cause_map), methods=["GET"]),
        Route("/map/change/{change_id:path}", _endpoint(api, change), methods=["GET"]),
    ]
