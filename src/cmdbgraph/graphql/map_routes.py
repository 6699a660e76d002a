"""Placeholder: the map routes (issue 7) are being built here."""

from __future__ import annotations

from starlette.routing import BaseRoute

from cmdbgraph.graphql.context import Api


def map_routes(api: Api) -> list[BaseRoute]:
    """The ``/map/...`` routes serving ``api`` (none yet)."""
    return []
