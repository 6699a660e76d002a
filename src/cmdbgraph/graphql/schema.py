"""The assembled schema and its SDL (``schema.graphql`` at the repository root is generated from
it; a test fails when the file is stale — regenerate with ``cmdbgraph schema --out
schema.graphql``)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from cmdbgraph.graphql.errors import ErrorCodes
from cmdbgraph.graphql.limits import Limits
from cmdbgraph.graphql.mutations import Mutation as GraphMutation
from cmdbgraph.graphql.queries import Query as GraphQuery
from cmdbgraph.graphql.service_mutations import ServiceMutation
from cmdbgraph.graphql.service_queries import ServiceQuery

Query = merge_types("Query", (GraphQuery, ServiceQuery))
Mutation = merge_types("Mutation", (GraphMutation, ServiceMutation))


class CmdbSchema(strawberry.Schema):
    """The schema; errors are logged by :class:`ErrorCodes` (internal ones only), not here."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Do not log domain errors and refusals: they are the caller's, not the server's."""


def build_schema(limits: Limits | None = None) -> CmdbSchema:
    """The GraphQL schema with the error-code extension and the document limits."""
    extensions: list[Any] = [ErrorCodes, *(limits or Limits()).extensions()]
    return CmdbSchema(query=Query, mutation=Mutation, extensions=extensions)


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"
