"""What every resolver can reach: the store, the caller, the limits and a cached snapshot.

The :class:`Api` is built once per server (composition root); an :class:`ApiContext` per
request carries the caller's token, its DataLoaders and its :class:`Redactor`. Blocking work
(store calls, analyses) runs in worker threads through :meth:`ApiContext.run`, so the event loop
keeps serving other requests.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread
from strawberry.types import Info

from cmdbgraph.access.redaction import Redactor, is_restricted, mask
from cmdbgraph.access.roles import Permission, Role, allows
from cmdbgraph.access.tokens import TokenFile, TokenInfo
from cmdbgraph.graphdb import GraphContents, GraphStore
from cmdbgraph.graphql.errors import Forbidden, Unauthenticated
from cmdbgraph.graphql.limits import Limits
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import CI

P = ParamSpec("P")
T = TypeVar("T")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Snapshot:
    """The whole graph at change-feed position ``seq``, ready for analyses."""

    seq: int
    contents: GraphContents
    graph: ImpactGraph
    by_id: dict[str, CI]
    restricted: frozenset[str]


class SnapshotCache:
    """The latest :class:`Snapshot`, rebuilt only when the store's ``last_seq`` moved on.

    Thread-safe; concurrent callers that find it stale wait for one rebuild."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self.rebuilds = 0

    def get(self) -> Snapshot:
        """The snapshot of the store's current content."""
        seq = self.store.last_seq()
        current = self._current
        if current is not None and current.seq == seq:
            return current
        with self._lock:
            current = self._current
            seq = self.store.last_seq()
            if current is None or current.seq != seq:
                contents = self.store.contents()
                current = Snapshot(
                    seq=seq,
                    contents=contents,
                    graph=ImpactGraph.build(contents.cis, contents.relationships, self.store.registry),
                    by_id={c.id: c for c in contents.cis},
                    restricted=frozenset(c.id for c in contents.cis if is_restricted(c.attributes)),
                )
                self._current = current
                self.rebuilds += 1
            return current


@dataclass
class Api:
    """One server's shared state."""

    store: GraphStore
    tokens: TokenFile
    limits: Limits = field(default_factory=Limits)
    clock: Clock = utc_now
    snapshots: SnapshotCache = field(init=False)

    def __post_init__(self) -> None:
        self.snapshots = SnapshotCache(self.store)


@dataclass
class ApiContext:
    """One request: the server's :class:`Api` and the caller's token (``None`` only for the
    health check, which never reaches GraphQL)."""

    api: Api
    token: TokenInfo | None
    loaders: dict[str, Any] = field(default_factory=dict)
    redactor: Redactor | None = None

    # -- the caller ----------------------------------------------------------------------------
    @property
    def caller(self) -> TokenInfo:
        """The caller's token, or ``UNAUTHENTICATED``."""
        if self.token is None:
            raise Unauthenticated("a bearer token is required")
        return self.token

    def can(self, permission: Permission) -> bool:
        """Whether the caller's role grants ``permission``."""
        return self.token is not None and allows(self.token.role, permission)

    def require(self, *permissions: Permission) -> TokenInfo:
        """The caller, if its role grants one of ``permissions`` (``FORBIDDEN`` otherwise)."""
        token = self.caller
        if not any(allows(token.role, p) for p in permissions):
            needed = " or ".join(p.value for p in permissions)
            raise Forbidden(f"role {token.role.value!r} lacks {needed}")
        return token

    @property
    def actor(self) -> str:
        """How the audit history names this caller's writes."""
        return self.caller.identity

    @property
    def cleared(self) -> bool:
        """Whether the caller sees sensitive attributes and restricted CIs."""
        return self.can(Permission.SENSITIVE_READ)

    @property
    def is_admin(self) -> bool:
        return self.token is not None and self.token.role is Role.ADMIN

    # -- protection of what is returned -----------------------------------------------------------
    @property
    def redaction(self) -> Redactor:
        """The response's redactor (one per request, so stand-in numbers are consistent)."""
        if self.redactor is None:
            self.redactor = Redactor(cleared=self.cleared)
        return self.redactor

    def shown(self, ci: CI) -> tuple[CI, tuple[str, ...]]:
        """``ci`` as the caller may see its attributes: masked without clearance."""
        if self.cleared:
            return ci, ()
        return mask(ci, self.api.store.registry)

    # -- running blocking work ---------------------------------------------------------------
    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in a worker thread."""
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


def context_of(info: Info[ApiContext, None]) -> ApiContext:
    """The request context of a resolver."""
    return info.context
