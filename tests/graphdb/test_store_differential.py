"""Differential property test: the Neo4j store answers exactly like the embedded store.

Each hypothesis example loads the same random small graph (then a second random batch of
upserts, updates, retirements and deletes) into a fresh embedded store and into the wiped Bolt
database, and asserts that both stores agree on:

- every write's outcome (the ``WriteResult``, dry run and real, or the same error);
- ``iter_cis``, ``iter_relationships``, ``counts``, ``snapshot``, ``find_ci``,
  ``get_relationship``, ``neighbours``, ``subgraph`` (random roots, direction, depth and type
  filter), ``search`` (page by page), ``history`` and ``changes_since``;
- as-of reads at instants before and between the batches;
- impact: ``blast_radius``, ``root_cause`` and ``graph_health`` on ``ImpactGraph`` snapshots
  of both stores, and the blast radius computed from a Neo4j ``subgraph`` fetch around the failed
  CIs (deep enough to hold everything the failure can reach within the depth) equals the
  whole-graph answer.

Timestamps differ between the stores (they are written at different instants), so they are
compared by *rank*: each is replaced by its position among the distinct instants of the store's
own history, which must be the same in both stores.

Strings avoid ``'``, ``"`` and ``\\``: FalkorDB's Bolt listener (what CI runs against) splices
string parameters into the query text and mangles or rejects them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cmdbgraph.graphdb import Batch, Direction, EmbeddedStore, GraphStore, HistoryEntry, RelKey
from cmdbgraph.graphdb.neo4j import Neo4jStore
from cmdbgraph.impact.blast_radius import BlastRadius, blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.health import graph_health
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.schema import (
    CI,
    DEFAULT_REGISTRY,
    CIData,
    CmdbgraphError,
    InvalidInput,
    Relationship,
    Status,
)
from cmdbgraph.schema.redundancy import collect_groups
from tests.conftest import BoltTarget
from tests.strategies import free_form_kinds, json_values

pytestmark = pytest.mark.neo4j

IDS = ("a", "b", "c", "d", "e", "f", "g", "é", "ü-1", "x y", "Straße", "API-1")
KINDS = free_form_kinds()
COMMON_KINDS = ("BusinessService", "Service", "Application", "Database", "Host", "Team")
"""Drawn as often as all kinds together: business services, owners and hosts make impact and
health findings."""
REL_TYPES = (
    "DEPENDS_ON",
    "RUNS_ON",
    "USES_DATA",
    "CONNECTS_THROUGH",
    "PART_OF",
    "OWNED_BY",
    "SUPPORTED_BY",
)
PROPAGATING = tuple(sorted(t for t, spec in DEFAULT_REGISTRY.rel_types.items() if spec.propagates))
GROUP_NAMES = ("g1", "g2")
ATTRIBUTE_NAMES = ("x_a", "x_b", "x_c")  # declared by no built-in kind: any JSON value is valid
NEEDLES = ("a", "A", "ss", "SS", "ü", "É", "-1", " ", "x y", "🙂", "zz")
OWNED_KINDS = tuple(
    k
    for k, spec in DEFAULT_REGISTRY.kinds.items()
    if spec.category in {"business", "application", "data", "infrastructure"}
)
ACTOR = "differential"
MAX_CIS = len(IDS)
MAX_RELATIONSHIPS = 25

DIFFERENTIAL_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Ranks = dict[datetime, int]
"""A store's history instants -> their positions: timestamps are compared by rank."""


# ------------------------------------------------------------------------------- strategies
_ALPHABET = "abzÄé 🙂-_/ßS"  # no ' " \ (see the module docstring)
_TEXT = st.text(alphabet=_ALPHABET, max_size=6)
_JSON = json_values(_ALPHABET, max_leaves=5)
_LEAF = json_values(_ALPHABET, max_leaves=1)
_ATTRIBUTES = st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), _JSON, max_size=2)
_KINDS = st.one_of(st.sampled_from(COMMON_KINDS), st.sampled_from(KINDS))


@st.composite
def ci_contents(draw: st.DrawFn, ci_id: str) -> CIData:
    """Random content for the CI ``ci_id``."""
    return CIData(
        id=ci_id,
        kind=draw(_KINDS),
        name=draw(_TEXT),
        criticality=draw(st.integers(min_value=1, max_value=4)),
        status=draw(st.sampled_from(list(Status))),
        attributes=draw(_ATTRIBUTES),
    )


@st.composite
def _draft(draw: st.DrawFn, ids: Sequence[str]) -> Relationship:
    """A relationship between two distinct CIs of ``ids``, maybe in a group (no quorum yet)."""
    source = draw(st.sampled_from(ids))
    target = draw(st.sampled_from([i for i in ids if i != source]))
    return Relationship(
        source=source,
        target=target,
        type=draw(st.sampled_from(REL_TYPES)),
        optional=draw(st.booleans()),
        redundancy_group=draw(st.one_of(st.none(), st.sampled_from(GROUP_NAMES))),
        attributes=draw(st.dictionaries(st.sampled_from(ATTRIBUTE_NAMES), _JSON, max_size=1)),
    )


@st.composite
def relationship_sets(
    draw: st.DrawFn, ids: Sequence[str], *, min_size: int = 0, max_size: int
) -> list[Relationship]:
    """Relationships among ``ids`` whose redundancy groups are valid on their own: every group
    gets one quorum (a count up to its size, a percentage, or none) stated by some members."""
    if len(ids) < 2:
        return []
    drafts = draw(st.lists(_draft(ids), min_size=min_size, max_size=max_size, unique_by=lambda r: r.key))
    quorum: dict[tuple[str, str], int | str | None] = {}
    for key, group in sorted(collect_groups(drafts, DEFAULT_REGISTRY).items()):
        sizes = list(range(1, len(group.providers) + 1))
        quorum[key] = draw(st.sampled_from([None, "50%", "100%", "34%", *sizes]), label=f"min_up {key}")
    rels = []
    for rel in drafts:
        if rel.redundancy_group is None:
            rels.append(rel)
            continue
        spec = DEFAULT_REGISTRY.rel_types[rel.type]
        if spec.propagates:
            value = quorum[(spec.consumer(rel), rel.redundancy_group)]
            min_up = value if value is not None and draw(st.booleans()) else None
        else:  # no impact: the quorum of a non-propagating relationship is never checked
            min_up = draw(st.sampled_from([None, 2, "50%"]))
        rels.append(rel.model_copy(update={"min_up": min_up}))
    return rels


@st.composite
def graphs(draw: st.DrawFn) -> Batch:
    """A batch upserting a random small graph (every endpoint is one of its CIs)."""
    ids = draw(st.lists(st.sampled_from(IDS), min_size=2, max_size=MAX_CIS, unique=True))
    cis = [draw(ci_contents(ci_id)) for ci_id in ids]
    rels = draw(relationship_sets(ids, min_size=len(ids), max_size=MAX_RELATIONSHIPS))
    return Batch(upsert_cis=cis, upsert_relationships=rels)


def _second_batch(data: st.DataObject, first: Batch) -> Batch:
    """A random batch against the state after ``first``: CI upserts (new and changed), new and
    changed relationships, relationship deletes, retirements and CI deletes. It may be invalid
    (a quorum above a shrunk group, an unknown id): both stores must then refuse it alike."""
    present = [c.id for c in first.upsert_cis]
    existing = list(first.upsert_relationships)
    upsert_ids = data.draw(st.lists(st.sampled_from(IDS), max_size=4, unique=True), label="upsert ids")
    cis = [data.draw(ci_contents(ci_id), label=f"content {ci_id}") for ci_id in upsert_ids]
    known = sorted({*present, *upsert_ids})
    pool = known if data.draw(st.integers(0, 9), label="unknown ids?") else list(IDS)
    delete_cis = data.draw(st.lists(st.sampled_from(pool), max_size=2, unique=True), label="delete cis")
    retire_cis = data.draw(st.lists(st.sampled_from(pool), max_size=2, unique=True), label="retire cis")
    alive = [i for i in known if i not in delete_cis]
    fresh = data.draw(relationship_sets(alive, max_size=5), label="new relationships")
    changed = (
        data.draw(st.lists(st.sampled_from(existing), max_size=3, unique_by=lambda r: r.key), label="changed")
        if existing
        else []
    )
    updates = [
        r.model_copy(update={"optional": not r.optional, "attributes": {"x_c": len(r.source)}})
        for r in changed
        if r.source in alive and r.target in alive
    ]
    rels = {r.key: r for r in [*fresh, *updates]}
    delete_rels: list[RelKey] = (
        data.draw(
            st.lists(st.sampled_from([r.key for r in existing]), max_size=3, unique=True), label="delete rels"
        )
        if existing
        else []
    )
    return Batch(
        upsert_cis=cis,
        upsert_relationships=list(rels.values()),
        delete_relationships=[k for k in delete_rels if k not in rels],
        retire_cis=retire_cis,
        delete_cis=delete_cis,
    )


# ----------------------------------------------------------------- comparable views of answers
def _json(value: object) -> str:
    """JSON with sorted keys: tells ``1``, ``1.0`` and ``true`` apart, unlike ``==``."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _rank(ranks: Ranks, at: datetime | str | None) -> int | str | None:
    """A timestamp's position among the distinct instants of its store's history."""
    if at is None:
        return None
    instant = datetime.fromisoformat(at) if isinstance(at, str) else at
    return ranks.get(instant, f"not in history: {instant.isoformat()}")


def _ci_view(ci: CI, ranks: Ranks) -> tuple[object, ...]:
    """A CI's content, provenance source and timestamp ranks."""
    p = ci.provenance
    return (
        _json({**ci.content().model_dump(), "status": ci.status.value}),
        None if p is None else (p.source, _rank(ranks, p.first_seen), _rank(ranks, p.last_seen)),
        _rank(ranks, ci.created_at),
        _rank(ranks, ci.updated_at),
    )


def _maybe_ci_view(ci: CI | None, ranks: Ranks) -> tuple[object, ...] | None:
    return None if ci is None else _ci_view(ci, ranks)


def _rel_view(rel: Relationship) -> str:
    return _json(rel.model_dump())


def _graph_view(graph: nx.MultiDiGraph[str], ranks: Ranks) -> tuple[object, ...]:
    """Nodes with their CI, edges ``(u, v, key)`` with their relationship (checked against the
    key), and the attribute names nodes and edges carry."""
    nodes = []
    for node, attrs in graph.nodes(data=True):
        assert attrs["ci"].id == node
        nodes.append((node, sorted(attrs), _ci_view(attrs["ci"], ranks)))
    edges = []
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        assert attrs["rel"].key == (u, key, v)
        edges.append((u, v, key, sorted(attrs), _rel_view(attrs["rel"])))
    nodes.sort()
    edges.sort()
    return nodes, edges


def _document_view(doc: dict[str, Any] | None, ranks: Ranks) -> str | None:
    """A history document with its timestamps replaced by ranks."""
    if doc is None:
        return None
    out = dict(doc)
    for name in ("created_at", "updated_at"):
        if name in out:
            out[name] = _rank(ranks, out[name])
    provenance = out.get("provenance")
    if isinstance(provenance, dict):
        out["provenance"] = {
            k: (_rank(ranks, v) if k in ("first_seen", "last_seen") else v) for k, v in provenance.items()
        }
    return _json(out)


def _entry_view(entry: HistoryEntry, ranks: Ranks) -> tuple[object, ...]:
    return (
        entry.seq,
        _rank(ranks, entry.at),
        entry.actor,
        entry.entity,
        entry.key,
        entry.op,
        _document_view(entry.before, ranks),
        _document_view(entry.after, ranks),
    )


def _radius_view(radius: BlastRadius) -> list[tuple[object, ...]]:
    return [(i.id, i.kind, i.name, i.criticality, i.severity, i.depth, i.path) for i in radius.impacted]


# --------------------------------------------------------------------------------- comparing
def _outcome(read: Callable[[], object]) -> tuple[object, ...]:
    """``("ok", answer)``, or the error a store raised (type, message, problems)."""
    try:
        return ("ok", read())
    except InvalidInput as exc:
        return ("error", type(exc).__name__, str(exc), [(p.code, p.where, p.field) for p in exc.problems])
    except (CmdbgraphError, ValueError) as exc:
        return ("error", type(exc).__name__, str(exc))


@dataclass
class Both:
    """The two stores under comparison, and the ranks of their history's instants."""

    embedded: EmbeddedStore
    neo4j: Neo4jStore
    ranks: tuple[Ranks, Ranks] = ({}, {})

    @property
    def stores(self) -> tuple[GraphStore, GraphStore]:
        return self.embedded, self.neo4j

    def rank_history(self) -> None:
        """Rank the instants of both histories (after the last write)."""
        self.ranks = (_ranks(self.embedded), _ranks(self.neo4j))

    def agree(self, what: str, read: Callable[[GraphStore, Ranks], object]) -> tuple[object, ...]:
        """Ask both stores; assert that they answer alike; return the answer."""
        embedded, neo4j = (
            _outcome(partial(read, store, ranks))
            for store, ranks in zip(self.stores, self.ranks, strict=True)
        )
        assert embedded == neo4j, f"{what}:\n  embedded: {embedded!r}\n  neo4j:    {neo4j!r}"
        return embedded

    def apply(self, batch: Batch, *, source: str | None) -> bool:
        """Dry-run, then apply ``batch`` to both stores: both must report the same outcome (or
        refuse it alike). True when applied."""
        for dry_run in (True, False):
            outcome = self.agree(
                f"apply(dry_run={dry_run}, source={source!r}) of {batch!r}",
                partial(_apply, batch=batch, source=source, dry_run=dry_run),
            )
            if outcome[0] != "ok":
                event(f"refused alike: {outcome[1]}")
                return False
        return True


def _ranks(store: GraphStore) -> Ranks:
    """The distinct instants of the store's history -> their positions (0: the first batch)."""
    instants = sorted({h.at for h in store.changes_since(0, limit=100_000)})
    return {at: i for i, at in enumerate(instants)}


def _apply(store: GraphStore, _: Ranks, *, batch: Batch, source: str | None, dry_run: bool) -> object:
    return store.apply(batch, actor=ACTOR, source=source, dry_run=dry_run)


@contextmanager
def _fresh_stores(target: BoltTarget) -> Iterator[Both]:
    """A new embedded store in its own directory, and the wiped Bolt database."""
    neo4j = Neo4jStore(target.uri, options=target.options)
    neo4j.wipe()
    try:
        with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "store.db") as embedded:
            yield Both(embedded, neo4j)
    finally:
        neo4j.close()


def _instant() -> datetime:
    """An instant strictly between the batch before and the batch after."""
    time.sleep(0.002)
    at = datetime.now(UTC)
    time.sleep(0.002)
    return at


def _load(data: st.DataObject, both: Both, first: Batch) -> list[datetime]:
    """Apply ``first`` and a random second batch to both stores (checking their outcomes); rank
    their histories; return an instant before each batch (for as-of reads)."""
    before_first = _instant()
    assert both.apply(first, source=None)
    before_second = _instant()
    second = _second_batch(data, first)
    source = data.draw(st.sampled_from([None, "other-source"]), label="source of the second batch")
    event(f"second batch {'applied' if both.apply(second, source=source) else 'refused'}")
    # the first batch's relationships again: nothing to write, or refused alike (a deleted end)
    both.apply(Batch(upsert_relationships=first.upsert_relationships), source=None)
    both.rank_history()
    return [before_first, before_second]


# ------------------------------------------------------------------------------- properties
@DIFFERENTIAL_SETTINGS
@given(first=graphs(), data=st.data())
def test_both_stores_answer_every_read_alike(
    bolt_target: BoltTarget, first: Batch, data: st.DataObject
) -> None:
    """Every read of the GraphStore protocol, now and as of earlier instants."""
    with _fresh_stores(bolt_target) as both:
        instants = _load(data, both, first)
        present = [c.id for c in both.embedded.iter_cis()]
        keys = [r.key for r in both.embedded.iter_relationships()]
        event(f"{len(present) // 4 * 4}+ CIs, {len(keys) // 5 * 5}+ relationships")

        both.agree("changes_since(0)", lambda s, r: [_entry_view(h, r) for h in s.changes_since(0)])
        both.agree("iter_cis", lambda s, r: [_ci_view(c, r) for c in s.iter_cis()])
        both.agree("iter_relationships", lambda s, _r: [_rel_view(x) for x in s.iter_relationships()])
        both.agree("counts", lambda s, _r: s.counts())
        both.agree("snapshot", lambda s, r: _graph_view(s.snapshot(), r))
        since = data.draw(st.integers(0, both.embedded.last_seq() + 1), label="changes since")
        limit = data.draw(st.integers(1, 5), label="changes limit")
        both.agree(
            f"changes_since({since}, limit={limit})",
            lambda s, r: [_entry_view(h, r) for h in s.changes_since(since, limit=limit)],
        )
        some_ids = data.draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=2, unique=True), label="ids")
        for ci_id in some_ids:
            _agree_on_ci(both, ci_id, as_of=None)
            _agree_on_history(both, ci_id)
        maybe_missing: RelKey = data.draw(
            st.tuples(
                st.sampled_from(IDS), st.sampled_from([*REL_TYPES, "NO_SUCH_TYPE"]), st.sampled_from(IDS)
            ),
            label="relationship key",
        )
        stored = [data.draw(st.sampled_from(keys), label="stored key")] if keys else []
        for key in [*stored, maybe_missing]:
            _agree_on_relationship(both, key)
        _agree_on_neighbours(data, both, present, as_of=None)
        _agree_on_subgraphs(data, both, present, as_of=None)
        _agree_on_searches(data, both)

        # as of an instant before each batch (the one before the first: an empty graph)
        for at in instants:
            _agree_on_snapshot(both, at)
        at = instants[1]
        then = sorted(both.embedded.snapshot(as_of=at).nodes)
        _agree_on_ci(both, data.draw(st.sampled_from(IDS), label="id as of"), as_of=at)
        _agree_on_neighbours(data, both, then, as_of=at)
        _agree_on_subgraphs(data, both, then, as_of=at)


def _agree_on_ci(both: Both, ci_id: str, as_of: datetime | None) -> None:
    both.agree(
        f"find_ci({ci_id!r}, as_of={as_of})", lambda s, r: _maybe_ci_view(s.find_ci(ci_id, as_of=as_of), r)
    )


def _agree_on_history(both: Both, ci_id: str) -> None:
    both.agree(f"history({ci_id!r})", lambda s, r: [_entry_view(h, r) for h in s.history(ci_id)])


def _agree_on_relationship(both: Both, key: RelKey) -> None:
    both.agree(f"get_relationship({key})", lambda s, _r: _rel_view(s.get_relationship(key)))


def _agree_on_snapshot(both: Both, as_of: datetime) -> None:
    both.agree(f"snapshot(as_of={as_of})", lambda s, r: _graph_view(s.snapshot(as_of=as_of), r))


_DIRECTIONS = st.sampled_from(list(Direction))
_TYPE_FILTERS = st.one_of(st.none(), st.lists(st.sampled_from([*REL_TYPES, "MEMBER_OF"]), max_size=3))


def _agree_on_neighbours(data: st.DataObject, both: Both, ids: Sequence[str], as_of: datetime | None) -> None:
    """Neighbours of a few CIs (and of an unknown id), in random directions and type filters."""
    ci_ids = data.draw(st.lists(st.sampled_from([*ids, "no-such-ci"]), min_size=1, max_size=2, unique=True))
    for ci_id in ci_ids:
        direction = data.draw(_DIRECTIONS, label=f"neighbours direction {ci_id}")
        types = data.draw(_TYPE_FILTERS, label=f"neighbours types {ci_id}")
        both.agree(
            f"neighbours({ci_id!r}, {direction}, {types}, as_of={as_of})",
            partial(_neighbours_view, ci_id=ci_id, direction=direction, types=types, as_of=as_of),
        )


def _neighbours_view(
    store: GraphStore,
    ranks: Ranks,
    *,
    ci_id: str,
    direction: Direction,
    types: list[str] | None,
    as_of: datetime | None,
) -> list[tuple[object, ...]]:
    return [
        (n.direction, _rel_view(n.relationship), _ci_view(n.ci, ranks))
        for n in store.neighbours(ci_id, direction, types, as_of=as_of)
    ]


def _agree_on_subgraphs(data: st.DataObject, both: Both, ids: Sequence[str], as_of: datetime | None) -> None:
    """Subgraphs around random roots (an unknown one now and then), in random directions, depths
    and type filters."""
    pool = [*ids, "no-such-ci"]
    for n in range(data.draw(st.integers(1, 2), label="subgraphs")):
        roots = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3), label=f"roots {n}")
        direction = data.draw(_DIRECTIONS, label=f"direction {n}")
        depth = data.draw(st.integers(0, 3), label=f"depth {n}")
        types = data.draw(_TYPE_FILTERS, label=f"types {n}")
        both.agree(
            f"subgraph({roots}, {direction}, {depth}, {types}, as_of={as_of})",
            partial(_subgraph_view, roots=roots, direction=direction, depth=depth, types=types, as_of=as_of),
        )


def _subgraph_view(
    store: GraphStore,
    ranks: Ranks,
    *,
    roots: list[str],
    direction: Direction,
    depth: int,
    types: list[str] | None,
    as_of: datetime | None,
) -> tuple[object, ...]:
    return _graph_view(store.subgraph(roots, direction, depth, types, as_of=as_of), ranks)


def _agree_on_searches(data: st.DataObject, both: Both) -> None:
    """A search with random filters, compared page by page."""
    kind = data.draw(st.one_of(st.none(), _KINDS), label="search kind")
    text = data.draw(st.one_of(st.none(), st.sampled_from(NEEDLES)), label="search text")
    status = data.draw(st.one_of(st.none(), st.sampled_from(list(Status))), label="search status")
    attributes = data.draw(
        st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(ATTRIBUTE_NAMES), json_values(_ALPHABET, max_leaves=1), max_size=1
            ),
        ),
        label="search attributes",
    )
    first = data.draw(st.integers(1, 5), label="page size")

    def pages(store: GraphStore, ranks: Ranks) -> list[tuple[object, ...]]:
        seen: list[tuple[object, ...]] = []
        after = None
        while len(seen) <= MAX_CIS:
            page = store.search(
                kind=kind, text=text, status=status, attributes=attributes, first=first, after=after
            )
            seen.append(([_ci_view(c, ranks) for c in page.items], page.next_cursor, page.total))
            if page.next_cursor is None:
                break
            after = page.next_cursor
        return seen

    both.agree(f"search({kind=}, {text=}, {status=}, {attributes=}, {first=})", pages)


@settings(DIFFERENTIAL_SETTINGS, max_examples=80)
@given(first=graphs(), data=st.data())
def test_impact_on_both_stores_agrees(bolt_target: BoltTarget, first: Batch, data: st.DataObject) -> None:
    """Blast radius, root cause and health on the analysis snapshots of both stores, and blast
    radius on the subgraph Neo4j fetches around the failed CIs."""
    with _fresh_stores(bolt_target) as both:
        _load(data, both, first)
        embedded, neo4j = (
            ImpactGraph.build(s.iter_cis(), s.iter_relationships(), s.registry) for s in both.stores
        )
        ids = embedded.ids
        assert neo4j.ids == ids
        if not ids:
            return
        health = graph_health(embedded, OWNED_KINDS)
        assert health == graph_health(neo4j, OWNED_KINDS), "graph_health"
        event(f"health: single points of failure {bool(health.single_points_of_failure)}")
        event(f"health: cycles {bool(health.cycles)}")

        # failures mostly of CIs that something consumes, symptoms mostly of CIs that consume
        providers = [ids[p] for p, consumers in enumerate(embedded.consumers) if consumers] or ids
        consumers = [ids[c] for c, providers_ in enumerate(embedded.providers) if providers_] or ids
        for n in range(data.draw(st.integers(1, 3), label="blast radii")):
            failed = data.draw(
                st.lists(st.sampled_from(providers), min_size=1, max_size=2, unique=True)
                | st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True),
                label=f"failed {n}",
            )
            depth = data.draw(st.sampled_from([None, None, None, 0, 1, 2, 3]), label=f"max depth {n}")
            types = data.draw(
                st.none() | st.lists(st.sampled_from(PROPAGATING), min_size=1, max_size=4) | st.just([]),
                label=f"types {n}",
            )
            stops = data.draw(st.booleans(), label=f"maintenance stops {n}")
            what = f"blast_radius({failed}, max_depth={depth}, rel_types={types}, maintenance_stops={stops})"
            radius = _radius_view(
                blast_radius(embedded, failed, max_depth=depth, rel_types=types, maintenance_stops=stops)
            )
            event(f"blast radius of {min(len(radius), 4)}{'+' if len(radius) >= 4 else ''} CIs")
            assert radius == _radius_view(
                blast_radius(neo4j, failed, max_depth=depth, rel_types=types, maintenance_stops=stops)
            ), what

            # the same answer from the subgraph Neo4j fetches around the failed CIs: a CI that a
            # failure reaches within `depth` hops is within `depth` hops of a failed CI, and the
            # other members of its redundancy groups are one hop further
            reach = len(ids) if depth is None else depth + 1
            sub = both.neo4j.subgraph(failed, Direction.BOTH, reach, PROPAGATING)
            fetched = ImpactGraph.build(
                [attrs["ci"] for _, attrs in sub.nodes(data=True)],
                [attrs["rel"] for _, _, attrs in sub.edges(data=True)],
                both.neo4j.registry,
            )
            assert radius == _radius_view(
                blast_radius(fetched, failed, max_depth=depth, rel_types=types, maintenance_stops=stops)
            ), f"{what} on the subgraph({failed}, both, {reach}, propagating types)"

        symptoms = data.draw(
            st.lists(st.sampled_from(consumers), min_size=1, max_size=3, unique=True)
            | st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True),
            label="symptoms",
        )
        rest = [i for i in ids if i not in symptoms]
        healthy = data.draw(
            st.lists(st.sampled_from(rest), max_size=2, unique=True) if rest else st.just([]), label="healthy"
        )
        depth = data.draw(st.one_of(st.none(), st.integers(1, 3)), label="root cause depth")
        embedded_causes, neo4j_causes = (
            [
                (c.id, c.kind, c.name, c.score, c.explains, c.paths, c.unobserved, c.contradicts)
                for c in root_cause(g, symptoms, healthy, max_depth=depth, limit=5)
            ]
            for g in (embedded, neo4j)
        )
        assert embedded_causes == neo4j_causes, f"root_cause({symptoms}, {healthy}, max_depth={depth})"
        event(f"root cause candidates: {min(len(embedded_causes), 3)}")
