"""The in-memory graph index: every CI and relationship, with adjacency in both directions.

The embedded store keeps one :class:`GraphIndex` in step with SQLite (it is changed only after a
commit) and answers every read from it. It is also the working set batch planning validates
against, and the form as-of reads are rebuilt into.
"""

from __future__ import annotations

import base64
import bisect
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import networkx as nx
from pydantic import JsonValue

from cmdbgraph.graphdb.documents import Decoder
from cmdbgraph.graphdb.store import Counts, Direction, GraphContents, Neighbour, Page, RelKey
from cmdbgraph.schema import CI, CINotFound, InvalidInput, Relationship, Status

Adjacency = dict[str, dict[RelKey, Relationship]]
"""``ci id -> {(source, type, target): relationship}``; the key tuple is shared with ``rels``."""


class GraphIndex:
    """CIs by id, relationships by key, and adjacency ``out[source]`` / ``inc[target]``."""

    __slots__ = ("by_kind", "cis", "inc", "out", "rels")

    def __init__(self) -> None:
        self.cis: dict[str, CI] = {}
        self.rels: dict[RelKey, Relationship] = {}
        self.out: Adjacency = {}
        self.inc: Adjacency = {}
        self.by_kind: dict[str, set[str]] = {}

    # -- mutation (only after a commit) ----------------------------------------------------
    def put_ci(self, ci: CI) -> None:
        """Insert or replace a CI."""
        old = self.cis.get(ci.id)
        if old is not None and old.kind != ci.kind:
            self.by_kind[old.kind].discard(ci.id)
        self.cis[ci.id] = ci
        self.by_kind.setdefault(ci.kind, set()).add(ci.id)

    def remove_ci(self, ci_id: str) -> None:
        """Remove a CI and every relationship touching it."""
        ci = self.cis.pop(ci_id, None)
        if ci is None:
            return
        self.by_kind[ci.kind].discard(ci_id)
        for rel in list(self.out.get(ci_id, {}).values()) + list(self.inc.get(ci_id, {}).values()):
            self.remove_rel(rel.key)
        self.out.pop(ci_id, None)
        self.inc.pop(ci_id, None)

    def put_rel(self, rel: Relationship) -> None:
        """Insert or replace a relationship (its endpoints must be present)."""
        key = (rel.source, rel.type, rel.target)  # one tuple shared by the three maps
        self.rels[key] = rel
        out = self.out.get(rel.source)
        if out is None:
            out = self.out[rel.source] = {}
        out[key] = rel
        inc = self.inc.get(rel.target)
        if inc is None:
            inc = self.inc[rel.target] = {}
        inc[key] = rel

    def remove_rel(self, key: RelKey) -> None:
        """Remove a relationship if present."""
        rel = self.rels.pop(key, None)
        if rel is None:
            return
        self.out[key[0]].pop(key, None)
        self.inc[key[2]].pop(key, None)

    # -- reading ---------------------------------------------------------------------------
    def get_ci(self, ci_id: str) -> CI:
        """The CI, or raise :class:`CINotFound`."""
        try:
            return self.cis[ci_id]
        except KeyError:
            raise CINotFound(ci_id) from None

    def relationships_of(self, ci_id: str) -> Iterator[Relationship]:
        """Every relationship with ``ci_id`` at either end."""
        yield from self.out.get(ci_id, {}).values()
        yield from self.inc.get(ci_id, {}).values()

    def neighbours(
        self, ci_id: str, direction: Direction, rel_types: frozenset[str] | None
    ) -> list[Neighbour]:
        """CIs one hop from ``ci_id``; sorted by (direction, type, id)."""
        self.get_ci(ci_id)
        found: list[Neighbour] = []
        sides: list[tuple[Literal["out", "in"], Adjacency, int]] = []
        if direction in (Direction.OUT, Direction.BOTH):
            sides.append(("out", self.out, 2))
        if direction in (Direction.IN, Direction.BOTH):
            sides.append(("in", self.inc, 0))
        for label, adjacency, other_end in sides:
            rows = sorted(adjacency.get(ci_id, {}).items(), key=lambda kv: (kv[0][1], kv[0][other_end]))
            for key, rel in rows:
                if rel_types is None or key[1] in rel_types:
                    found.append(Neighbour(relationship=rel, ci=self.cis[key[other_end]], direction=label))
        return found

    def reach(
        self,
        roots: Iterable[str],
        direction: Direction,
        max_depth: int,
        rel_types: frozenset[str] | None,
    ) -> dict[str, int]:
        """Breadth-first: every CI within ``max_depth`` hops of the roots, with its hop count."""
        depth: dict[str, int] = {}
        queue: deque[str] = deque()
        for root in roots:
            self.get_ci(root)
            if root not in depth:
                depth[root] = 0
                queue.append(root)
        sides: list[tuple[Adjacency, int]] = []
        if direction in (Direction.OUT, Direction.BOTH):
            sides.append((self.out, 2))
        if direction in (Direction.IN, Direction.BOTH):
            sides.append((self.inc, 0))
        while queue:
            node = queue.popleft()
            d = depth[node]
            if d >= max_depth:
                continue
            for adjacency, other_end in sides:
                for key in adjacency.get(node, ()):
                    other = key[other_end]
                    if other not in depth and (rel_types is None or key[1] in rel_types):
                        depth[other] = d + 1
                        queue.append(other)
        return depth

    def induced(self, nodes: Iterable[str], rel_types: frozenset[str] | None) -> nx.MultiDiGraph[str]:
        """A MultiDiGraph on ``nodes`` with every relationship among them (of ``rel_types``)."""
        graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        members = set(nodes)
        for ci_id in sorted(members):
            graph.add_node(ci_id, ci=self.cis[ci_id])
        for ci_id in sorted(members):
            for (_, rel_type, target), rel in sorted(self.out.get(ci_id, {}).items()):
                if target in members and (rel_types is None or rel_type in rel_types):
                    graph.add_edge(ci_id, target, key=rel_type, rel=rel)
        return graph

    def search(
        self,
        *,
        kind: str | None,
        text: str | None,
        status: Status | None,
        attributes: Mapping[str, JsonValue] | None,
        first: int,
        after: str | None,
    ) -> Page:
        """Filter, order by id, and cut one page (see ``GraphStore.search``)."""
        check_page_size(first)
        pool: Iterable[str] = self.by_kind.get(kind, set()) if kind is not None else self.cis
        needle = text.casefold() if text else None
        matches: list[str] = []
        for ci_id in pool:
            ci = self.cis[ci_id]
            if status is not None and ci.status != status:
                continue
            if needle is not None and needle not in ci_id.casefold() and needle not in ci.name.casefold():
                continue
            if attributes and any(ci.attributes.get(k) != v for k, v in attributes.items()):
                continue
            matches.append(ci_id)
        matches.sort()
        chunk, next_cursor = page_of(matches, first, after)
        return Page(items=[self.cis[i] for i in chunk], next_cursor=next_cursor, total=len(matches))

    def contents(self) -> GraphContents:
        """Every CI by id and every relationship by key (new lists, shared models)."""
        return GraphContents(
            cis=[self.cis[k] for k in sorted(self.cis)],
            relationships=[self.rels[k] for k in sorted(self.rels)],
        )

    def counts(self, last_seq: int) -> Counts:
        """Totals by kind, status and relationship type."""
        by_status: dict[str, int] = {}
        for ci in self.cis.values():
            by_status[ci.status.value] = by_status.get(ci.status.value, 0) + 1
        by_rel: dict[str, int] = {}
        for _, rel_type, _ in self.rels:
            by_rel[rel_type] = by_rel.get(rel_type, 0) + 1
        return Counts(
            cis=len(self.cis),
            relationships=len(self.rels),
            by_kind={k: len(v) for k, v in sorted(self.by_kind.items()) if v},
            by_status=dict(sorted(by_status.items())),
            by_rel_type=dict(sorted(by_rel.items())),
            last_seq=last_seq,
        )


def encode_cursor(ci_id: str) -> str:
    """An opaque pagination cursor for a position after ``ci_id``."""
    return base64.urlsafe_b64encode(ci_id.encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The id a cursor points after; ``InvalidInput`` (``BAD_CURSOR``) for a cursor this store
    did not make."""
    try:
        return base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput.one(
            "BAD_CURSOR", f"{cursor!r} is not a cursor of a previous page", field="after"
        ) from None


def check_page_size(first: int) -> None:
    """Refuse a page size outside 1..1000 (``InvalidInput``, ``BAD_PAGE_SIZE``)."""
    if first < 1 or first > 1000:
        raise InvalidInput.one(
            "BAD_PAGE_SIZE", f"first must be between 1 and 1000, got {first}", field="first"
        )


def page_of(ids: list[str], first: int, after: str | None) -> tuple[list[str], str | None]:
    """One page of the sorted ``ids``: up to ``first`` ids after the cursor ``after``, and the
    cursor of the next page (``None`` at the end)."""
    start = bisect.bisect_right(ids, decode_cursor(after)) if after is not None else 0
    chunk = ids[start : start + first]
    more = start + first < len(ids)
    return chunk, encode_cursor(chunk[-1]) if more and chunk else None


def replay_change(
    index: GraphIndex,
    decoder: Decoder,
    entity: str,
    op: str,
    key: tuple[str, str | None, str | None],
    after: str | bytes | None,
) -> None:
    """Apply one stored history change (its ``after`` document) to ``index``."""
    a, t, b = key
    if entity == "ci":
        if op == "delete":
            index.remove_ci(a)
        else:
            index.put_ci(decoder.ci(after or ""))
    elif op == "delete":
        index.remove_rel((a, t or "", b or ""))
    else:
        index.put_rel(decoder.relationship(a, t or "", b or "", after or "{}"))
