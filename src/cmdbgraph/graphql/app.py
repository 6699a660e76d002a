"""The HTTP application: starlette routes around the GraphQL endpoint (composition root).

- ``GET /healthz`` — no token: ``{"status": "ok", "version", "store": "reachable", "seq"}``,
  or 503 with ``"store": "unreachable"``.
- ``POST /graphql`` — GraphQL over JSON; ``Authorization: Bearer <token>`` required (401 with an
  ``UNAUTHENTICATED`` error otherwise). Queries over GET are off (no state change or data read
  through a link a browser may follow).
- ``GET /graphql`` (development only, ``graphiql=True``) — the offline GraphiQL page and its
  vendored assets under ``/graphql/static/``; the page holds no data and every query it sends
  still needs a token.

Every request is logged as one JSON line on the ``cmdbgraph.access`` logger (method, path,
status, duration, token name — never the token). Shutdown is uvicorn's graceful one: in-flight
requests finish, then the lifespan closes the token file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.ides import GraphQL_IDE
from strawberry.types import ExecutionResult

import cmdbgraph
from cmdbgraph.access.tokens import TokenInfo
from cmdbgraph.graphql.context import Api, ApiContext
from cmdbgraph.graphql.errors import CODES, coded
from cmdbgraph.graphql.ide import graphiql_static_routes, offline_graphiql_html
from cmdbgraph.graphql.map_routes import map_routes
from cmdbgraph.graphql.schema import build_schema
from cmdbgraph.schema import CmdbgraphError

access_log = logging.getLogger("cmdbgraph.access")
STATIC_PREFIX = "/graphql/static/"
_OPEN_PATHS = frozenset({"/healthz"})


def _unauthenticated(message: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def bearer_token(api: Api, authorization: str | None) -> TokenInfo | None:
    """The active token an ``Authorization`` header carries, or None."""
    if not authorization:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return api.tokens.verify(secret.strip())


class CmdbGraphQL(GraphQL[ApiContext, None]):
    """strawberry's ASGI app with the request context and the offline IDE page."""

    def __init__(self, api: Api, *, graphiql: bool) -> None:
        ide: GraphQL_IDE | None = "graphiql" if graphiql else None
        super().__init__(build_schema(api.limits), graphql_ide=ide, allow_queries_via_get=False)
        self.api = api
        self.ide_html = offline_graphiql_html(STATIC_PREFIX) if graphiql else ""

    async def get_context(self, request: Any, response: Any) -> ApiContext:
        return ApiContext(api=self.api, token=request.scope.get("cmdbgraph.token"))

    async def render_graphql_ide(self, request: Any) -> Response:
        return HTMLResponse(self.ide_html)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Errors raised before execution (a parse error served from the parser cache, say)
        skip the schema extensions; give them their codes here too."""
        if result.errors:
            result.errors = [
                e if (e.extensions or {}).get("code") in CODES else coded(e) for e in result.errors
            ]
        return await super().process_result(request, result)


class Guard:
    """ASGI middleware: authenticates every HTTP request except the open paths (and, in
    development, the IDE page and its assets), and writes the access log line."""

    def __init__(self, app: ASGIApp, api: Api, *, graphiql: bool) -> None:
        self.app = app
        self.api = api
        self.graphiql = graphiql

    def _open(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path in _OPEN_PATHS:
            return True
        if not self.graphiql or scope["method"] != "GET":
            return False
        return path.startswith(STATIC_PREFIX) or path == "/graphql"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        token: TokenInfo | None = None

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            token = bearer_token(self.api, headers.get("authorization"))
            if token is None and not self._open(scope):
                reason = (
                    "missing bearer token" if "authorization" not in headers else "invalid or revoked token"
                )
                await _unauthenticated(reason)(scope, receive, send_logged)
                return
            scope["cmdbgraph.token"] = token
            await self.app(scope, receive, send_logged)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "token": token.name if token else None,
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                )
            )


def create_app(api: Api, *, graphiql: bool = False) -> Starlette:
    """The application serving ``api``; ``graphiql`` turns on the offline IDE (development)."""
    graphql_app = CmdbGraphQL(api, graphiql=graphiql)

    async def healthz(request: Request) -> JSONResponse:
        body: dict[str, Any] = {"status": "ok", "version": cmdbgraph.__version__}
        try:
            body["seq"] = await ApiContext(api=api, token=None).run(api.store.last_seq)
            body["store"] = "reachable"
        except CmdbgraphError:
            body.update(status="degraded", store="unreachable")
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        *map_routes(api),
    ]
    if graphiql:
        routes.extend(graphiql_static_routes(STATIC_PREFIX))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        api.tokens.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(Guard, api=api, graphiql=graphiql)
    return app
