"""Limits that keep one request from exhausting the server (OWASP GraphQL cheat sheet).

Document limits (depth, tokens, aliases) are checked while parsing and validating, before any
resolver runs. Argument limits (a traversal's ``maxDepth``, the number of ids or rows in one
request, the page size) are checked by :func:`check_depth`, :func:`check_count` and
:func:`check_page` as the first statement of each resolver, before it touches the store, and
raise ``QUERY_TOO_COMPLEX``.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass

from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from cmdbgraph.graphql.errors import QueryTooComplex

CACHED_DOCUMENTS = 256
"""Distinct documents whose parse and validation results are kept (bounded: clients may send
arbitrary text)."""


@dataclass(frozen=True)
class Limits:
    """The limits of one server."""

    max_query_depth: int = 12
    max_tokens: int = 4000
    max_aliases: int = 20
    max_traversal_depth: int = 12
    max_ids: int = 200
    max_batch: int = 1000
    max_page: int = 500
    max_candidates: int = 100
    default_page: int = 50

    def extensions(self) -> list[Callable[[], SchemaExtension]]:
        """strawberry extensions enforcing the document limits, with parse and validation
        caches. The depth and alias rules are built once, so a repeated document (the common
        case: clients send the same operations) is parsed and validated once, not per request;
        a refused document is refused again from the cache."""
        rules = [
            *QueryDepthLimiter(max_depth=self.max_query_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=self.max_aliases).validation_rules,
        ]
        return [
            lambda: MaxTokensLimiter(max_token_count=self.max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
            lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        ]

    def check_depth(self, depth: int | None, *, argument: str = "maxDepth") -> int:
        """``depth`` if within bounds; ``None`` means the server's maximum."""
        if depth is None:
            return self.max_traversal_depth
        if depth < 0 or depth > self.max_traversal_depth:
            raise QueryTooComplex(f"{argument} must be between 0 and {self.max_traversal_depth}, got {depth}")
        return depth

    def check_count(self, items: Sized, *, argument: str, limit: int | None = None) -> None:
        """Refuse more than ``limit`` (default ``max_ids``) items in one argument."""
        bound = self.max_ids if limit is None else limit
        if len(items) > bound:
            raise QueryTooComplex(f"{argument} may hold at most {bound} items, got {len(items)}")

    def check_page(self, first: int | None) -> int:
        """The page size to use."""
        if first is None:
            return self.default_page
        if first < 1 or first > self.max_page:
            raise QueryTooComplex(f"first must be between 1 and {self.max_page}, got {first}")
        return first

    def check_candidates(self, limit: int) -> int:
        """``limit`` root-cause candidates, if within 1..``max_candidates``."""
        if not 1 <= limit <= self.max_candidates:
            raise QueryTooComplex(f"limit must be between 1 and {self.max_candidates}, got {limit}")
        return limit
