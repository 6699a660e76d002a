"""Conformance suite of the ``GraphStore`` contract (see :mod:`cmdbgraph.graphdb.store`).

Every test talks only to the Protocol, through the backend-parametrised ``store`` fixture, so
the same tests run on every backend. The single exception is the cross-connection test, which
opens the embedded store twice on one file (marked as embedded-specific in its docstring).

Sleeps of a few milliseconds between writes only make store timestamps distinct so that as-of
instants can be chosen between batches; no test asserts anything about wall-clock time. As-of
instants are always derived from timestamps the store itself reported.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import networkx as nx
import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, Counts, Direction, EmbeddedStore, GraphStore, RelKey, WriteResult
from cmdbgraph.schema import (
    CI,
    CIData,
    CINotFound,
    InvalidInput,
    Relationship,
    RelationshipNotFound,
    Status,
)
from cmdbgraph.schema.redundancy import check_groups, collect_groups
from tests.factories import ci, depends_on, graph_batch, rel

ACTOR = "tester"
OUT, IN, BOTH = Direction.OUT, Direction.IN, Direction.BOTH
ONE_MICROSECOND = timedelta(microseconds=1)

Edge = tuple[str, str, str]
"""``(source, type, target)`` of an edge in a store graph."""


# -- helpers ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """Everything observable about a store's current content (for "nothing was written")."""

    counts: Counts
    last_seq: int
    cis: tuple[CI, ...]
    relationships: tuple[Relationship, ...]


def state_of(store: GraphStore) -> State:
    """The store's current content, counts and change-feed position."""
    return State(
        counts=store.counts(),
        last_seq=store.last_seq(),
        cis=tuple(store.iter_cis()),
        relationships=tuple(store.iter_relationships()),
    )


def apply(store: GraphStore, batch: Batch, *, actor: str = ACTOR, source: str | None = None) -> WriteResult:
    """Apply ``batch`` for real."""
    return store.apply(batch, actor=actor, source=source)


def tick() -> None:
    """Let the clock move on so the next batch gets a later timestamp (ordering only)."""
    time.sleep(0.005)


def problem_triples(exc: InvalidInput) -> list[tuple[str, str, str]]:
    """``(code, where, field)`` of every problem, in the order reported."""
    return [(p.code, p.where, p.field) for p in exc.problems]


def rejected(store: GraphStore, batch: Batch) -> InvalidInput:
    """Apply ``batch``, expect ``InvalidInput``, and check that nothing was written."""
    before = state_of(store)
    with pytest.raises(InvalidInput) as info:
        apply(store, batch)
    assert info.value.code == "BAD_INPUT"
    assert state_of(store) == before
    return info.value


def edge_keys(graph: nx.MultiDiGraph[str]) -> set[Edge]:
    """``(source, type, target)`` of every edge of a store graph."""
    return {(u, k, v) for u, v, k in graph.edges(keys=True)}


def assert_store_graph_shape(graph: nx.MultiDiGraph[str]) -> None:
    """Nodes carry their ``ci``; edges are keyed by type and carry their ``rel``."""
    for node, data in graph.nodes(data=True):
        assert isinstance(data["ci"], CI)
        assert data["ci"].id == node
    for u, v, k, data in graph.edges(keys=True, data=True):
        relationship = data["rel"]
        assert isinstance(relationship, Relationship)
        assert relationship.key == (u, k, v)


def graph_summary(graph: nx.MultiDiGraph[str]) -> tuple[dict[str, CI], dict[Edge, Relationship]]:
    """Every node's CI and every edge's relationship, for comparing two store graphs."""
    nodes = {node: data["ci"] for node, data in graph.nodes(data=True)}
    rels = {(u, k, v): data["rel"] for u, v, k, data in graph.edges(keys=True, data=True)}
    return nodes, rels


def neighbour_rows(
    store: GraphStore, ci_id: str, direction: Direction, rel_types: Iterable[str] | None = None
) -> list[tuple[str, str, str]]:
    """``(direction, type, neighbour id)`` of each neighbour, in the order returned."""
    return [
        (n.direction, n.relationship.type, n.ci.id) for n in store.neighbours(ci_id, direction, rel_types)
    ]


# -- CI round trip and upsert ------------------------------------------------------------------
def test_empty_store_has_nothing(store: GraphStore) -> None:
    assert store.last_seq() == 0
    assert store.counts() == Counts(
        cis=0, relationships=0, by_kind={}, by_status={}, by_rel_type={}, last_seq=0
    )
    assert list(store.iter_cis()) == []
    assert list(store.iter_relationships()) == []
    assert store.changes_since(0) == []
    assert list(store.snapshot().nodes) == []


def test_ci_round_trip_keeps_content_and_sets_provenance(store: GraphStore) -> None:
    data = CIData(
        id="payments",
        kind="Service",
        name="Payments API",
        criticality=1,
        status=Status.DEGRADED,
        attributes={"environment": "production", "tier": 2, "tags": ["pci", "eu"], "limits": {"rps": 1.5}},
    )
    result = apply(store, Batch(upsert_cis=[data]), source="inventory")

    assert result.created_cis == ["payments"]
    assert result.changes == 1
    stored = store.get_ci("payments")
    assert stored.content() == data
    assert stored.same_content(data)
    assert store.find_ci("payments") == stored
    assert stored.provenance is not None
    assert stored.provenance.source == "inventory"
    assert stored.created_at is not None
    assert stored.updated_at is not None
    assert stored.created_at.tzinfo is not None
    assert stored.provenance.first_seen <= stored.provenance.last_seen
    assert stored.created_at <= stored.updated_at
    assert [c.id for c in store.iter_cis()] == ["payments"]


def test_source_defaults_to_actor(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("web")]), actor="alice")

    provenance = store.get_ci("web").provenance
    assert provenance is not None
    assert provenance.source == "alice"


def test_update_keeps_first_seen_and_created_at_and_allows_a_kind_change(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("app", "Service", name="old")]), source="first-source")
    first = store.get_ci("app")
    tick()

    result = apply(
        store,
        Batch(upsert_cis=[ci("app", "Application", name="new", attributes={"language": "go"})]),
        source="second-source",
    )

    assert result.changed_cis == ["app"]
    assert result.created_cis == []
    second = store.get_ci("app")
    assert second.kind == "Application"
    assert second.name == "new"
    assert second.attributes == {"language": "go"}
    assert first.provenance is not None
    assert second.provenance is not None
    assert second.provenance.source == "second-source"
    assert second.provenance.first_seen == first.provenance.first_seen
    assert second.provenance.last_seen >= first.provenance.last_seen
    assert second.created_at == first.created_at
    assert first.updated_at is not None
    assert second.updated_at is not None
    assert second.updated_at >= first.updated_at
    assert store.counts().by_kind == {"Application": 1}
    assert [c.id for c in store.search(kind="Application").items] == ["app"]
    assert store.search(kind="Service").total == 0


def test_relationship_round_trip(store: GraphStore) -> None:
    relationships = [
        depends_on("web", "db0", redundancy_group="replicas", min_up="50%", attributes={"port": 5432}),
        depends_on("web", "db1", redundancy_group="replicas", min_up="50%"),
        rel("web", "host", "RUNS_ON", optional=True),
    ]
    apply(
        store,
        Batch(
            upsert_cis=[ci("web"), ci("db0", "Database"), ci("db1", "Database"), ci("host", "Host")],
            upsert_relationships=relationships,
        ),
    )

    for relationship in relationships:
        assert store.get_relationship(relationship.key) == relationship
    assert list(store.iter_relationships()) == sorted(relationships, key=lambda r: r.key)


def test_identical_upsert_writes_nothing(store: GraphStore) -> None:
    batch = Batch(
        upsert_cis=[
            ci("web", attributes={"tier": 1, "tags": ["a", "b"], "nested": {"x": [1, 2.5, None, True]}}),
            ci("db0", "Database", name="Primary DB", criticality=1),
            ci("db1", "Database", status=Status.MAINTENANCE),
        ],
        upsert_relationships=[
            depends_on("web", "db0", redundancy_group="replicas", min_up=1, attributes={"port": 5432}),
            depends_on("web", "db1", redundancy_group="replicas", min_up=1, optional=True),
        ],
    )
    first = apply(store, batch)
    seq = store.last_seq()
    history_before = store.history("web")
    before = state_of(store)

    second = apply(store, batch)

    assert first.changes == 5
    assert second.changes == 0
    assert second.unchanged_cis == 3
    assert second.unchanged_relationships == 2
    assert second.seq == seq
    assert store.last_seq() == seq
    assert store.changes_since(seq) == []
    assert store.history("web") == history_before
    assert state_of(store) == before


def test_identical_duplicates_in_one_batch_are_accepted(store: GraphStore) -> None:
    result = apply(
        store,
        Batch(
            upsert_cis=[ci("a"), ci("b"), ci("a")],
            upsert_relationships=[depends_on("a", "b"), depends_on("a", "b")],
        ),
    )

    assert result.created_cis == ["a", "b"]
    assert result.created_relationships == [("a", "DEPENDS_ON", "b")]
    assert store.last_seq() == 3
    assert store.counts().cis == 2


def test_update_records_history_with_before_and_after(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("web", name="Web v1")]), actor="alice")
    tick()
    apply(store, Batch(upsert_cis=[ci("web", name="Web v2", criticality=1)]), actor="bob")

    latest, created = store.history("web")
    assert (latest.entity, latest.key, latest.op, latest.actor) == ("ci", "web", "update", "bob")
    assert latest.before is not None
    assert latest.after is not None
    assert (latest.before["name"], latest.before["criticality"]) == ("Web v1", 3)
    assert (latest.after["name"], latest.after["criticality"]) == ("Web v2", 1)
    assert (created.op, created.actor, created.before) == ("create", "alice", None)
    assert created.after is not None
    assert created.after["name"] == "Web v1"
    assert latest.seq > created.seq
    assert latest.at >= created.at


# -- not found ---------------------------------------------------------------------------------
def test_missing_ci_raises_ci_not_found(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b"], [("a", "b")]))

    with pytest.raises(CINotFound) as info:
        store.get_ci("ghost")
    assert info.value.code == "CI_NOT_FOUND"
    assert info.value.ci_id == "ghost"
    with pytest.raises(CINotFound):
        store.neighbours("ghost")
    with pytest.raises(CINotFound):
        store.subgraph(["ghost"])
    with pytest.raises(CINotFound):
        store.subgraph(["a", "ghost"], BOTH, 2)
    with pytest.raises(CINotFound):
        store.history("ghost")
    assert store.find_ci("ghost") is None


def test_missing_relationship_raises_relationship_not_found(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b"], [("a", "b")]))
    before = state_of(store)

    with pytest.raises(RelationshipNotFound) as info:
        store.get_relationship(("b", "DEPENDS_ON", "a"))
    assert info.value.code == "RELATIONSHIP_NOT_FOUND"
    assert info.value.key == ("b", "DEPENDS_ON", "a")
    with pytest.raises(RelationshipNotFound):
        store.get_relationship(("a", "RUNS_ON", "b"))
    with pytest.raises(RelationshipNotFound) as deleting:
        apply(store, Batch(upsert_cis=[ci("c")], delete_relationships=[("a", "RUNS_ON", "b")]))
    assert deleting.value.key == ("a", "RUNS_ON", "b")
    assert state_of(store) == before


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param(Batch(upsert_cis=[ci("new")], delete_cis=["ghost"]), id="delete"),
        pytest.param(Batch(upsert_cis=[ci("new")], retire_cis=["ghost"]), id="retire"),
    ],
)
def test_deleting_or_retiring_a_missing_ci_raises_and_writes_nothing(store: GraphStore, batch: Batch) -> None:
    apply(store, Batch(upsert_cis=[ci("a")]))
    before = state_of(store)

    with pytest.raises(CINotFound) as info:
        apply(store, batch)

    assert info.value.ci_id == "ghost"
    assert state_of(store) == before


# -- validation: every problem listed, nothing written -------------------------------------------
def test_dangling_endpoints_are_named_and_nothing_is_written(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a")]))

    error = rejected(
        store,
        Batch(
            upsert_cis=[ci("b")],
            upsert_relationships=[depends_on("a", "b"), depends_on("b", "ghost"), depends_on("nobody", "a")],
        ),
    )

    assert {p.code for p in error.problems} == {"DANGLING_ENDPOINT"}
    assert sorted((p.where, p.field) for p in error.problems) == [
        ("relationships[1]", "target"),
        ("relationships[2]", "source"),
    ]
    assert store.find_ci("b") is None


def test_relationship_to_a_ci_deleted_in_the_same_batch_is_dangling(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a"), ci("b")]))

    error = rejected(store, Batch(upsert_relationships=[depends_on("a", "b")], delete_cis=["b"]))

    assert problem_triples(error) == [("DANGLING_ENDPOINT", "relationships[0]", "target")]


def test_unknown_kind_is_rejected(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a")]))

    error = rejected(store, Batch(upsert_cis=[ci("b"), ci("ship", "Spaceship")]))

    assert problem_triples(error) == [("UNKNOWN_KIND", "cis[1]", "kind")]


def test_unknown_relationship_type_is_rejected(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a"), ci("b")]))

    error = rejected(store, Batch(upsert_relationships=[depends_on("a", "b"), rel("a", "b", "TELEPORTS_TO")]))

    assert problem_triples(error) == [("UNKNOWN_REL_TYPE", "relationships[1]", "type")]


def test_every_problem_of_a_batch_is_listed(store: GraphStore) -> None:
    error = rejected(
        store,
        Batch(
            upsert_cis=[ci("a"), ci("ship", "Spaceship")],
            upsert_relationships=[rel("a", "ship", "TELEPORTS_TO"), depends_on("a", "ghost")],
        ),
    )

    assert sorted(problem_triples(error)) == [
        ("DANGLING_ENDPOINT", "relationships[1]", "target"),
        ("UNKNOWN_KIND", "cis[1]", "kind"),
        ("UNKNOWN_REL_TYPE", "relationships[0]", "type"),
    ]


def test_conflicting_duplicate_ci_is_rejected(store: GraphStore) -> None:
    error = rejected(store, Batch(upsert_cis=[ci("a", name="one"), ci("b"), ci("a", name="two")]))

    assert [(p.code, p.where) for p in error.problems] == [("CONFLICTING_DUPLICATE", "cis[2]")]
    assert store.find_ci("a") is None


def test_conflicting_duplicate_relationship_is_rejected(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a"), ci("b")]))

    error = rejected(
        store,
        Batch(upsert_relationships=[depends_on("a", "b"), depends_on("a", "b", optional=True)]),
    )

    assert [(p.code, p.where) for p in error.problems] == [("CONFLICTING_DUPLICATE", "relationships[1]")]


def replicas(consumer: str, providers: Iterable[str], min_up: int | str | None) -> list[Relationship]:
    """``consumer`` depends on each provider, all in redundancy group ``replicas``."""
    return [depends_on(consumer, p, redundancy_group="replicas", min_up=min_up) for p in providers]


def test_min_up_larger_than_the_group_is_rejected(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")]))

    error = rejected(store, Batch(upsert_relationships=replicas("app", ["db0", "db1"], 3)))

    assert [(p.code, p.field) for p in error.problems] == [("MIN_UP_EXCEEDS_GROUP", "min_up")]
    assert error.problems[0].where.startswith("relationships[")


def test_conflicting_min_up_values_are_rejected(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")]))

    error = rejected(
        store,
        Batch(upsert_relationships=[*replicas("app", ["db0"], 1), *replicas("app", ["db1"], 2)]),
    )

    assert [(p.code, p.field) for p in error.problems] == [("MIN_UP_CONFLICT", "min_up")]
    assert error.problems[0].where.startswith("relationships[")


def test_min_up_conflicting_with_stored_members_is_rejected(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")],
            upsert_relationships=replicas("app", ["db0"], 1),
        ),
    )

    error = rejected(store, Batch(upsert_relationships=replicas("app", ["db1"], 2)))

    assert [p.code for p in error.problems] == ["MIN_UP_CONFLICT"]


def test_group_extended_over_two_batches_is_refused_until_large_enough(store: GraphStore) -> None:
    dbs = ["db0", "db1", "db2"]
    apply(store, Batch(upsert_cis=[ci("app"), *(ci(d, "Database") for d in dbs)]))

    # Batch one states min_up 3 while the group has only two members: refused, even though
    # batch two would make the group large enough.
    error = rejected(store, Batch(upsert_relationships=replicas("app", dbs[:2], 3)))
    assert [p.code for p in error.problems] == ["MIN_UP_EXCEEDS_GROUP"]

    apply(store, Batch(upsert_relationships=replicas("app", dbs[:2], None)))
    result = apply(store, Batch(upsert_relationships=replicas("app", dbs, 3)))

    assert result.created_relationships == [("app", "DEPENDS_ON", "db2")]
    assert len(result.changed_relationships) == 2
    assert {r.min_up for r in store.iter_relationships()} == {3}


def test_removing_a_group_member_below_min_up_is_rejected(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")],
            upsert_relationships=replicas("app", ["db0", "db1"], 2),
        ),
    )

    error = rejected(store, Batch(delete_relationships=[("app", "DEPENDS_ON", "db1")]))

    assert [p.code for p in error.problems] == ["MIN_UP_EXCEEDS_GROUP"]


def test_deleting_a_consumer_together_with_a_group_member_is_accepted(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")],
            upsert_relationships=replicas("app", ["db0", "db1"], 2),
        ),
    )

    result = apply(store, Batch(delete_relationships=[("app", "DEPENDS_ON", "db1")], delete_cis=["app"]))

    assert result.deleted_cis == ["app"]
    assert list(store.iter_relationships()) == []


def test_deleting_a_provider_ci_never_leaves_min_up_larger_than_its_group(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("app"), ci("db0", "Database"), ci("db1", "Database")],
            upsert_relationships=replicas("app", ["db0", "db1"], 2),
        ),
    )

    # Refusing the delete or changing the group would both be consistent; a store that holds a
    # group its own validation rejects is not (the next write touching the group fails).
    with contextlib.suppress(InvalidInput):
        apply(store, Batch(delete_cis=["db1"]))

    assert check_groups(collect_groups(store.iter_relationships(), store.registry)) == []


# -- delete and retire ---------------------------------------------------------------------------
def test_delete_cascades_to_relationships_and_records_each_in_history(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("a"), ci("b"), ci("c")],
            upsert_relationships=[depends_on("a", "b"), depends_on("c", "a"), depends_on("b", "c")],
        ),
    )
    seq = store.last_seq()

    result = apply(store, Batch(delete_cis=["a"]))

    cascaded = {("a", "DEPENDS_ON", "b"), ("c", "DEPENDS_ON", "a")}
    assert result.deleted_cis == ["a"]
    assert set(result.deleted_relationships) == cascaded
    assert result.changes == 3
    assert store.last_seq() == seq + 3
    feed = store.changes_since(seq)
    assert sorted((e.entity, str(e.key), e.op) for e in feed) == sorted(
        [("ci", "a", "delete")] + [("relationship", str(k), "delete") for k in cascaded]
    )
    assert all(e.after is None and e.before is not None for e in feed)
    assert store.find_ci("a") is None
    assert [r.key for r in store.iter_relationships()] == [("b", "DEPENDS_ON", "c")]
    for key in cascaded:
        with pytest.raises(RelationshipNotFound):
            store.get_relationship(key)
    assert store.counts().relationships == 1
    assert neighbour_rows(store, "b", BOTH) == [("out", "DEPENDS_ON", "c")]


def test_retire_sets_status_and_keeps_relationships(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b", "c"], [("a", "b"), ("b", "c")]))
    seq = store.last_seq()

    result = apply(store, Batch(retire_cis=["b"]))

    assert result.retired_cis == ["b"]
    assert store.last_seq() == seq + 1
    retired = store.get_ci("b")
    assert retired.status == Status.RETIRED
    assert retired.content() == ci("b", status=Status.RETIRED)
    assert [r.key for r in store.iter_relationships()] == [("a", "DEPENDS_ON", "b"), ("b", "DEPENDS_ON", "c")]
    assert store.counts().by_status == {"operational": 2, "retired": 1}
    (entry, *_) = store.history("b")
    assert (entry.op, entry.entity, entry.key) == ("update", "ci", "b")
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("operational", "retired")

    again = apply(store, Batch(retire_cis=["b"]))

    assert again.changes == 0
    assert store.last_seq() == seq + 1


# -- neighbours ------------------------------------------------------------------------------------
@pytest.fixture
def hub(store: GraphStore) -> GraphStore:
    """``h`` with out-edges to m, z, host and in-edges from a, y, part, and m -OWNED_BY-> h."""
    apply(
        store,
        Batch(
            upsert_cis=[ci(i) for i in ["h", "m", "z", "a", "y", "part"]] + [ci("host", "Host")],
            upsert_relationships=[
                depends_on("h", "z"),
                rel("h", "host", "RUNS_ON"),
                depends_on("h", "m"),
                depends_on("y", "h"),
                rel("part", "h", "PART_OF"),
                depends_on("a", "h"),
                rel("m", "h", "OWNED_BY"),
            ],
        ),
    )
    return store


H_OUT = [("out", "DEPENDS_ON", "m"), ("out", "DEPENDS_ON", "z"), ("out", "RUNS_ON", "host")]
H_IN = [
    ("in", "DEPENDS_ON", "a"),
    ("in", "DEPENDS_ON", "y"),
    ("in", "OWNED_BY", "m"),
    ("in", "PART_OF", "part"),
]


@pytest.mark.parametrize(
    ("direction", "rel_types", "expected"),
    [
        pytest.param(OUT, None, H_OUT, id="out"),
        pytest.param(IN, None, H_IN, id="in"),
        # Neighbour.direction is Literal["out", "in"]: out-neighbours come first.
        pytest.param(BOTH, None, H_OUT + H_IN, id="both"),
        pytest.param(OUT, ["DEPENDS_ON"], H_OUT[:2], id="out-depends-on"),
        pytest.param(IN, ("PART_OF", "OWNED_BY"), H_IN[2:], id="in-two-types"),
        pytest.param(BOTH, {"DEPENDS_ON"}, [*H_OUT[:2], *H_IN[:2]], id="both-depends-on"),
        pytest.param(BOTH, ["USES_DATA"], [], id="type-not-present"),
    ],
)
def test_neighbours_by_direction_and_type_in_sorted_order(
    hub: GraphStore,
    direction: Direction,
    rel_types: Iterable[str] | None,
    expected: list[tuple[str, str, str]],
) -> None:
    assert neighbour_rows(hub, "h", direction, rel_types) == expected


def test_neighbours_carry_the_relationship_and_the_other_ci(hub: GraphStore) -> None:
    for n in hub.neighbours("h"):
        assert n.ci == hub.get_ci(n.ci.id)
        assert n.relationship == hub.get_relationship(n.relationship.key)
        if n.direction == "out":
            assert (n.relationship.source, n.relationship.target) == ("h", n.ci.id)
        else:
            assert (n.relationship.source, n.relationship.target) == (n.ci.id, "h")
    assert neighbour_rows(hub, "host", BOTH) == [("in", "RUNS_ON", "h")]


# -- subgraph: a hand-drawn graph ------------------------------------------------------------------
#
#        OWNED_BY            OWNED_BY
#   a ------------> t <-------------- f
#   |                                 ^
#   | DEPENDS_ON                      | RUNS_ON
#   v           RUNS_ON               |
#   b ------------------------------> e
#   |                                 |
#   | DEPENDS_ON          DEPENDS_ON  |
#   v                                 |
#   c <-------------------------------+
#   | ^
#   | +---------- g      (c -> d -> g -> c is a DEPENDS_ON cycle)
#   v             ^
#   d ------------+
#
DEP, RUN, OWN = "DEPENDS_ON", "RUNS_ON", "OWNED_BY"
DRAWN_EDGES: tuple[Edge, ...] = (
    ("a", DEP, "b"),
    ("b", DEP, "c"),
    ("c", DEP, "d"),
    ("d", DEP, "g"),
    ("g", DEP, "c"),
    ("b", RUN, "e"),
    ("e", RUN, "f"),
    ("e", DEP, "c"),
    ("a", OWN, "t"),
    ("f", OWN, "t"),
)
DRAWN_NODES = ("a", "b", "c", "d", "e", "f", "g", "t")


@pytest.fixture
def drawn(store: GraphStore) -> GraphStore:
    """The hand-drawn graph above (``t`` is a Team, the others Services)."""
    apply(
        store,
        Batch(
            upsert_cis=[ci(n, "Team" if n == "t" else "Service") for n in DRAWN_NODES],
            upsert_relationships=[rel(s, t, k) for s, k, t in DRAWN_EDGES],
        ),
    )
    return store


def edges(*wanted: Edge) -> set[Edge]:
    """A set of edges, each checked to be one of the drawn graph's."""
    assert set(wanted) <= set(DRAWN_EDGES)
    return set(wanted)


SUBGRAPH_CASES = [
    pytest.param(["a"], OUT, 0, None, "a", set(), id="depth0-only-root"),
    pytest.param(["a", "b"], BOTH, 0, None, "ab", edges(("a", DEP, "b")), id="depth0-edges-among-roots"),
    pytest.param(["d", "t"], IN, 0, None, "dt", set(), id="depth0-two-unrelated-roots"),
    pytest.param(["a"], OUT, 1, None, "abt", edges(("a", DEP, "b"), ("a", OWN, "t")), id="out-1"),
    pytest.param(
        ["a"],
        OUT,
        2,
        None,
        "abcet",
        edges(("a", DEP, "b"), ("a", OWN, "t"), ("b", DEP, "c"), ("b", RUN, "e"), ("e", DEP, "c")),
        id="out-2-branch",
    ),
    pytest.param(["a"], OUT, 10, None, "abcdefgt", set(DRAWN_EDGES), id="out-deep-everything"),
    pytest.param(["c"], OUT, 1, None, "cd", edges(("c", DEP, "d")), id="out-1-into-cycle"),
    pytest.param(
        ["c"],
        OUT,
        2,
        None,
        "cdg",
        edges(("c", DEP, "d"), ("d", DEP, "g"), ("g", DEP, "c")),
        id="out-2-closes-cycle",
    ),
    pytest.param(
        ["c"],
        OUT,
        50,
        None,
        "cdg",
        edges(("c", DEP, "d"), ("d", DEP, "g"), ("g", DEP, "c")),
        id="out-cycle-ends",
    ),
    pytest.param(
        ["c"],
        IN,
        1,
        None,
        "bceg",
        # b -RUNS_ON-> e was not followed but joins two included CIs: induced.
        edges(("b", DEP, "c"), ("g", DEP, "c"), ("e", DEP, "c"), ("b", RUN, "e")),
        id="in-1-induced-edge",
    ),
    pytest.param(
        ["c"],
        IN,
        2,
        None,
        "abcdeg",
        edges(
            ("a", DEP, "b"),
            ("b", DEP, "c"),
            ("c", DEP, "d"),
            ("d", DEP, "g"),
            ("g", DEP, "c"),
            ("b", RUN, "e"),
            ("e", DEP, "c"),
        ),
        id="in-2",
    ),
    pytest.param(
        ["t"],
        IN,
        2,
        None,
        "aeft",
        edges(("a", OWN, "t"), ("f", OWN, "t"), ("e", RUN, "f")),
        id="in-2-from-team",
    ),
    pytest.param(
        ["e"],
        BOTH,
        1,
        None,
        "bcef",
        edges(("b", DEP, "c"), ("b", RUN, "e"), ("e", RUN, "f"), ("e", DEP, "c")),
        id="both-1",
    ),
    pytest.param(["t"], BOTH, 10, None, "abcdefgt", set(DRAWN_EDGES), id="both-deep-everything"),
    pytest.param(
        ["a"],
        OUT,
        10,
        [DEP],
        "abcdg",
        edges(("a", DEP, "b"), ("b", DEP, "c"), ("c", DEP, "d"), ("d", DEP, "g"), ("g", DEP, "c")),
        id="out-depends-on-only",
    ),
    pytest.param(["a"], OUT, 10, [RUN], "a", set(), id="out-type-absent-at-root"),
    pytest.param(
        ["b"], OUT, 10, [RUN], "bef", edges(("b", RUN, "e"), ("e", RUN, "f")), id="out-runs-on-only"
    ),
    pytest.param(["b"], BOTH, 1, [RUN], "be", edges(("b", RUN, "e")), id="both-1-runs-on"),
    pytest.param(
        ["c"],
        BOTH,
        1,
        [DEP],
        "bcdeg",
        # b -RUNS_ON-> e joins two included CIs but is not of a followed type: left out.
        edges(("b", DEP, "c"), ("c", DEP, "d"), ("d", DEP, "g"), ("g", DEP, "c"), ("e", DEP, "c")),
        id="both-1-depends-on-drops-other-types",
    ),
    pytest.param(
        ["t"],
        BOTH,
        2,
        [OWN, RUN],
        "aeft",
        edges(("a", OWN, "t"), ("f", OWN, "t"), ("e", RUN, "f")),
        id="both-2-two-types",
    ),
    pytest.param(
        ["a", "f"],
        OUT,
        1,
        None,
        "abft",
        edges(("a", DEP, "b"), ("a", OWN, "t"), ("f", OWN, "t")),
        id="two-roots",
    ),
    pytest.param(
        ["a", "a"], OUT, 1, None, "abt", edges(("a", DEP, "b"), ("a", OWN, "t")), id="repeated-root"
    ),
]


@pytest.mark.parametrize(
    ("roots", "direction", "depth", "rel_types", "nodes", "expected_edges"), SUBGRAPH_CASES
)
def test_subgraph_direction_depth_and_types(
    drawn: GraphStore,
    roots: list[str],
    direction: Direction,
    depth: int,
    rel_types: list[str] | None,
    nodes: str,
    expected_edges: set[Edge],
) -> None:
    graph = drawn.subgraph(roots, direction, depth, rel_types)

    assert set(graph.nodes) == set(nodes)
    assert edge_keys(graph) == expected_edges
    assert graph.number_of_edges() == len(expected_edges)
    assert_store_graph_shape(graph)
    for node in graph.nodes:
        assert graph.nodes[node]["ci"] == drawn.get_ci(node)
    for source, rel_type, target in expected_edges:
        assert graph.edges[source, target, rel_type]["rel"] == drawn.get_relationship(
            (source, rel_type, target)
        )


def test_parallel_edges_of_different_types_are_separate_keys(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("app"), ci("db", "Database")],
            upsert_relationships=[depends_on("app", "db"), rel("app", "db", "USES_DATA")],
        ),
    )

    graph = store.subgraph(["app"], OUT, 1)

    assert edge_keys(graph) == {("app", "DEPENDS_ON", "db"), ("app", "USES_DATA", "db")}
    assert edge_keys(store.subgraph(["app"], OUT, 1, ["USES_DATA"])) == {("app", "USES_DATA", "db")}


def test_snapshot_equals_a_deep_enough_subgraph(drawn: GraphStore) -> None:
    apply(drawn, Batch(upsert_cis=[ci("island")]))

    snapshot = drawn.snapshot()

    assert_store_graph_shape(snapshot)
    assert set(snapshot.nodes) == {*DRAWN_NODES, "island"}
    assert edge_keys(snapshot) == set(DRAWN_EDGES)
    assert graph_summary(snapshot) == graph_summary(drawn.subgraph(["a", "island"], BOTH, len(DRAWN_NODES)))
    # depth 0 from every CI: the induced subgraph of everything
    assert graph_summary(snapshot) == graph_summary(drawn.subgraph([*DRAWN_NODES, "island"], OUT, 0))


# -- search ------------------------------------------------------------------------------------------
SEARCH_DATA: tuple[CIData, ...] = (
    *(
        ci(
            f"svc-{i:02d}",
            name=("Payment Gateway " if i % 3 == 0 else "Catalogue ") + str(i),
            status=Status.DEGRADED if i % 4 == 0 else Status.OPERATIONAL,
            attributes={"environment": "production" if i % 2 else "development", "tier": i % 3},
        )
        for i in range(15)
    ),
    *(
        ci(f"db-{i}", "Database", name=f"Ledger store {i}", attributes={"environment": "production"})
        for i in range(5)
    ),
    *(ci(f"host-{i}", "Host", name=f"PAYBOX-{i}", status=Status.MAINTENANCE) for i in range(3)),
)


def search_reference(
    kind: str | None, text: str | None, status: Status | None, attributes: dict[str, JsonValue] | None
) -> list[str]:
    """What a search must find, computed from the input data."""
    found = []
    for data in SEARCH_DATA:
        if kind is not None and data.kind != kind:
            continue
        if text is not None and text.lower() not in data.id.lower() and text.lower() not in data.name.lower():
            continue
        if status is not None and data.status != status:
            continue
        if attributes is not None and any(data.attributes.get(k) != v for k, v in attributes.items()):
            continue
        found.append(data.id)
    return sorted(found)


@pytest.fixture
def searchable(store: GraphStore) -> GraphStore:
    """The CIs of ``SEARCH_DATA``."""
    apply(store, Batch(upsert_cis=SEARCH_DATA))
    return store


@pytest.mark.parametrize(
    ("kind", "text", "status", "attributes"),
    [
        pytest.param(None, None, None, None, id="everything"),
        pytest.param("Database", None, None, None, id="kind"),
        pytest.param("Container", None, None, None, id="kind-without-cis"),
        pytest.param(None, "pay", None, None, id="text-name-lowercase"),
        pytest.param(None, "GATEWAY", None, None, id="text-name-uppercase"),
        pytest.param(None, "DB-", None, None, id="text-id-uppercase"),
        pytest.param(None, "svc-1", None, None, id="text-id-prefix"),
        pytest.param(None, "no such thing", None, None, id="text-nothing"),
        pytest.param(None, None, Status.DEGRADED, None, id="status"),
        pytest.param(None, None, None, {"environment": "production"}, id="attribute"),
        pytest.param(None, None, None, {"environment": "production", "tier": 1}, id="two-attributes"),
        pytest.param(
            "Service", "payment", Status.OPERATIONAL, {"environment": "production"}, id="all-filters"
        ),
    ],
)
@pytest.mark.parametrize("first", [1, 4, 50])
def test_search_pages_through_exactly_the_matches(
    searchable: GraphStore,
    kind: str | None,
    text: str | None,
    status: Status | None,
    attributes: dict[str, JsonValue] | None,
    first: int,
) -> None:
    expected = search_reference(kind, text, status, attributes)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = searchable.search(
            kind=kind, text=text, status=status, attributes=attributes, first=first, after=after
        )
        pages += 1
        assert page.total == len(expected)
        assert len(page.items) <= first
        assert all(isinstance(item, CI) for item in page.items)
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        assert len(page.items) == first
        after = page.next_cursor
        assert pages <= len(SEARCH_DATA) + 1, "pagination does not end"

    assert seen == expected
    assert len(set(seen)) == len(seen)
    assert pages == max(1, -(-len(expected) // first))


def test_search_returns_stored_cis(searchable: GraphStore) -> None:
    page = searchable.search(kind="Host", first=2)

    assert page.items == [searchable.get_ci("host-0"), searchable.get_ci("host-1")]
    assert page.total == 3
    assert page.next_cursor is not None


def test_search_reflects_updates(searchable: GraphStore) -> None:
    apply(searchable, Batch(upsert_cis=[ci("svc-01", name="Payment Gateway 1")], retire_cis=["db-0"]))

    assert "svc-01" in [c.id for c in searchable.search(text="gateway").items]
    assert [c.id for c in searchable.search(status=Status.RETIRED).items] == ["db-0"]
    assert searchable.search(kind="Database", status=Status.OPERATIONAL).total == 4


@pytest.mark.parametrize("cursor", ["not-a-cursor", "!!!!", "%%%"])
def test_search_rejects_a_bad_cursor(searchable: GraphStore, cursor: str) -> None:
    with pytest.raises(InvalidInput) as info:
        searchable.search(first=2, after=cursor)
    assert problem_triples(info.value) == [("BAD_CURSOR", "", "after")]


@pytest.mark.parametrize("first", [0, -1, 1001])
def test_search_rejects_a_bad_page_size(searchable: GraphStore, first: int) -> None:
    with pytest.raises(InvalidInput) as info:
        searchable.search(first=first)
    assert problem_triples(info.value) == [("BAD_PAGE_SIZE", "", "first")]


# -- counts --------------------------------------------------------------------------------------
def test_counts_by_kind_status_and_relationship_type(drawn: GraphStore) -> None:
    apply(drawn, Batch(upsert_cis=[ci("c", status=Status.DOWN)], retire_cis=["d"], delete_cis=["f"]))

    counts = drawn.counts()

    assert counts == Counts(
        cis=7,
        relationships=8,
        by_kind={"Service": 6, "Team": 1},
        by_status={"down": 1, "operational": 5, "retired": 1},
        by_rel_type={"DEPENDS_ON": 6, "OWNED_BY": 1, "RUNS_ON": 1},
        last_seq=drawn.last_seq(),
    )
    assert counts.cis == len(list(drawn.iter_cis()))
    assert counts.relationships == len(list(drawn.iter_relationships()))


# -- history -------------------------------------------------------------------------------------
def test_history_is_newest_first_and_covers_relationships_at_either_end(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("a"), ci("b"), ci("c")],
            upsert_relationships=[depends_on("a", "b"), depends_on("c", "a")],
        ),
        actor="alice",
    )
    tick()
    apply(store, Batch(upsert_cis=[ci("a", name="renamed")]), actor="bob")
    apply(store, Batch(upsert_relationships=[depends_on("b", "c")]), actor="carol")

    history = store.history("a")

    assert [(e.entity, e.key, e.op) for e in history[:1]] == [("ci", "a", "update")]
    assert {(e.entity, e.key, e.op) for e in history[1:]} == {
        ("ci", "a", "create"),
        ("relationship", ("a", "DEPENDS_ON", "b"), "create"),
        ("relationship", ("c", "DEPENDS_ON", "a"), "create"),
    }
    assert [e.seq for e in history] == sorted((e.seq for e in history), reverse=True)
    assert len({e.seq for e in history}) == len(history)
    assert [e.actor for e in history] == ["bob", "alice", "alice", "alice"]
    assert len({e.at for e in history[1:]}) == 1, "entries of one batch share one timestamp"
    assert history[0].at >= history[1].at
    rel_entry = next(e for e in history if e.key == ("c", "DEPENDS_ON", "a"))
    assert rel_entry.before is None
    assert rel_entry.after is not None
    assert (rel_entry.after["source"], rel_entry.after["type"], rel_entry.after["target"]) == (
        "c",
        "DEPENDS_ON",
        "a",
    )
    assert {e.key for e in store.history("b")} == {"b", ("a", "DEPENDS_ON", "b"), ("b", "DEPENDS_ON", "c")}
    assert store.history("a", limit=2) == history[:2]
    assert store.history("a", limit=1) == history[:1]


def test_deleted_ci_still_has_history(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b"], [("a", "b")]))
    apply(store, Batch(delete_cis=["a"]))

    history = store.history("a")

    # newest first: the delete batch, then the create batch (order within a batch is open)
    assert sorted((e.entity, e.op) for e in history[:2]) == [("ci", "delete"), ("relationship", "delete")]
    assert sorted((e.entity, e.op) for e in history[2:]) == [("ci", "create"), ("relationship", "create")]
    delete = next(e for e in history if e.entity == "ci" and e.op == "delete")
    assert delete.after is None
    assert delete.before is not None
    assert delete.before["id"] == "a"
    with pytest.raises(CINotFound):
        store.get_ci("a")


# -- change feed ---------------------------------------------------------------------------------
def feed_keys(result: WriteResult) -> set[tuple[str, str | RelKey]]:
    """``(entity, key)`` of every change a write result reports."""
    cis = result.created_cis + result.changed_cis + result.retired_cis + result.deleted_cis
    rels = result.created_relationships + result.changed_relationships + result.deleted_relationships
    return {("ci", c) for c in cis} | {("relationship", r) for r in rels}


def test_change_feed_advances_by_the_number_of_changes(store: GraphStore) -> None:
    batches = [
        graph_batch(["a", "b", "c"], [("a", "b"), ("b", "c")]),
        Batch(
            upsert_cis=[ci("a", name="A"), ci("b"), ci("d")],
            upsert_relationships=[depends_on("a", "b", optional=True), depends_on("c", "d")],
            delete_relationships=[("b", "DEPENDS_ON", "c")],
        ),
        Batch(retire_cis=["d"]),
        Batch(delete_cis=["c"]),
    ]
    seen: list[int] = []
    for batch in batches:
        before = store.last_seq()
        result = apply(store, batch)
        assert result.changes > 0
        assert store.last_seq() == before + result.changes
        assert result.seq == store.last_seq()
        feed = store.changes_since(before)
        assert [e.seq for e in feed] == list(range(before + 1, before + result.changes + 1))
        assert {(e.entity, e.key) for e in feed} == feed_keys(result)
        assert all(e.actor == ACTOR for e in feed)
        seen += [e.seq for e in feed]

    everything = store.changes_since(0)
    assert [e.seq for e in everything] == seen == list(range(1, store.last_seq() + 1))
    assert [e.at for e in everything] == sorted(e.at for e in everything)
    assert store.changes_since(0, limit=3) == everything[:3]
    assert store.changes_since(2, limit=2) == everything[2:4]
    assert store.changes_since(store.last_seq()) == []


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param(Batch(upsert_cis=[ci("a", name="renamed")], retire_cis=["a"]), id="change-and-retire"),
        pytest.param(Batch(upsert_cis=[ci("a", name="renamed")], delete_cis=["a"]), id="change-and-delete"),
        pytest.param(Batch(upsert_cis=[ci("new")], delete_cis=["new"]), id="create-and-delete"),
    ],
)
def test_change_feed_matches_result_when_a_batch_touches_one_ci_twice(
    store: GraphStore, batch: Batch
) -> None:
    apply(store, Batch(upsert_cis=[ci("a")]))
    before = store.last_seq()

    result = apply(store, batch)

    assert len(store.changes_since(before)) == result.changes
    assert store.last_seq() == before + result.changes


def test_a_ci_upserted_and_retired_in_one_batch_ends_retired(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a")]))

    result = apply(store, Batch(upsert_cis=[ci("a", name="renamed"), ci("b")], retire_cis=["a", "b"]))

    assert result.retired_cis == ["a", "b"]
    assert store.get_ci("a").content() == ci("a", name="renamed", status=Status.RETIRED)
    assert store.get_ci("b").status == Status.RETIRED


def test_write_result_lists_ids_in_batch_order(store: GraphStore) -> None:
    result = apply(
        store,
        Batch(
            upsert_cis=[ci("c"), ci("a"), ci("b")],
            upsert_relationships=[depends_on("c", "a"), depends_on("a", "b"), depends_on("b", "a")],
        ),
    )

    assert result.created_cis == ["c", "a", "b"]
    assert result.created_relationships == [
        ("c", "DEPENDS_ON", "a"),
        ("a", "DEPENDS_ON", "b"),
        ("b", "DEPENDS_ON", "a"),
    ]


def test_progress_is_reported_up_to_the_total(store: GraphStore) -> None:
    calls: list[tuple[int, int]] = []
    nodes = [f"n{i:04d}" for i in range(300)]

    store.apply(
        graph_batch(nodes, list(itertools.pairwise(nodes))),
        actor=ACTOR,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1][0] == calls[-1][1]
    assert len({total for _, total in calls}) == 1


class AbortWrite(Exception):
    """Raised from a progress callback to break off a write half-way."""


@pytest.mark.neo4j_semantics  # rollback
def test_an_error_while_writing_leaves_nothing_written(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b"], [("a", "b")]))
    before = state_of(store)
    nodes = [f"n{i:04d}" for i in range(300)]

    def abort(done: int, total: int) -> None:
        raise AbortWrite(f"{done}/{total}")

    with pytest.raises(AbortWrite):
        store.apply(
            Batch(
                upsert_cis=[ci("a", name="changed"), *(ci(n) for n in nodes)],
                upsert_relationships=[depends_on(n, "a") for n in nodes],
                delete_cis=["b"],
            ),
            actor=ACTOR,
            progress=abort,
        )

    assert state_of(store) == before
    assert store.changes_since(before.last_seq) == []
    # and the store still works
    apply(store, Batch(upsert_cis=[ci("c")]))
    assert store.last_seq() == before.last_seq + 1


# -- as of -----------------------------------------------------------------------------------------
def test_reads_as_of_an_instant(store: GraphStore) -> None:
    apply(store, Batch(upsert_cis=[ci("a", name="v1"), ci("b")], upsert_relationships=[depends_on("a", "b")]))
    created = store.get_ci("a").created_at
    tick()
    apply(store, Batch(upsert_cis=[ci("a", name="v2")]))
    second = store.get_ci("a").updated_at
    tick()
    apply(store, Batch(upsert_cis=[ci("a", name="v3"), ci("c")], upsert_relationships=[depends_on("a", "c")]))
    third = store.get_ci("a").updated_at
    tick()
    apply(store, Batch(delete_cis=["a"]))
    deleted = store.history("a")[0].at
    assert created is not None
    assert second is not None
    assert third is not None

    # before anything was written
    before = created - ONE_MICROSECOND
    with pytest.raises(CINotFound):
        store.get_ci("a", as_of=before)
    assert store.find_ci("a", as_of=before) is None
    with pytest.raises(CINotFound):
        store.neighbours("a", as_of=before)
    with pytest.raises(CINotFound):
        store.subgraph(["a"], as_of=before)
    assert set(store.snapshot(as_of=before).nodes) == set()

    # exactly at the first batch, and between it and the second
    for instant in (created, second - ONE_MICROSECOND):
        assert store.get_ci("a", as_of=instant).name == "v1"
        assert [n.ci.id for n in store.neighbours("a", as_of=instant)] == ["b"]
        assert edge_keys(store.snapshot(as_of=instant)) == {("a", "DEPENDS_ON", "b")}

    # between the second and the third update: the old content, without c
    between = second + (third - second) / 2
    old = store.get_ci("a", as_of=between)
    assert old.name == "v2"
    assert old.updated_at == second
    assert store.find_ci("c", as_of=between) is None
    assert set(store.subgraph(["a"], BOTH, 3, as_of=between).nodes) == {"a", "b"}
    assert store.get_ci("a", as_of=created).name == "v1", "an earlier instant after a later one"

    # after the third update
    assert store.get_ci("a", as_of=third).name == "v3"
    assert [n.ci.id for n in store.neighbours("a", OUT, as_of=third)] == ["b", "c"]
    assert edge_keys(store.subgraph(["b"], IN, 1, as_of=third)) == {("a", "DEPENDS_ON", "b")}

    # after the delete: gone, the same as now
    for instant in (deleted, deleted + timedelta(days=1)):
        assert store.find_ci("a", as_of=instant) is None
        with pytest.raises(CINotFound):
            store.neighbours("a", as_of=instant)
        snapshot = store.snapshot(as_of=instant)
        assert set(snapshot.nodes) == {"b", "c"}
        assert edge_keys(snapshot) == set()
        assert graph_summary(snapshot) == graph_summary(store.snapshot())


def test_as_of_returns_the_content_and_relationships_of_that_time(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("a"), ci("b")], upsert_relationships=[depends_on("a", "b", attributes={"v": 1})]
        ),
    )
    first = store.get_ci("a").updated_at
    tick()
    apply(store, Batch(upsert_relationships=[depends_on("a", "b", attributes={"v": 2})], retire_cis=["b"]))
    assert first is not None

    graph = store.snapshot(as_of=first)

    assert graph.edges["a", "b", "DEPENDS_ON"]["rel"] == depends_on("a", "b", attributes={"v": 1})
    assert graph.nodes["b"]["ci"].status == Status.OPERATIONAL
    (neighbour,) = store.neighbours("b", IN, as_of=first)
    assert neighbour.relationship.attributes == {"v": 1}
    assert store.get_ci("b").status == Status.RETIRED


# -- dry run ---------------------------------------------------------------------------------------
def test_dry_run_returns_the_diff_and_writes_nothing(store: GraphStore) -> None:
    apply(store, graph_batch(["a", "b"], [("a", "b")]))
    before = state_of(store)
    batch = Batch(
        upsert_cis=[ci("a", name="renamed"), ci("b"), ci("c")],
        upsert_relationships=[depends_on("b", "c")],
        delete_relationships=[("a", "DEPENDS_ON", "b")],
    )

    preview = store.apply(batch, actor=ACTOR, dry_run=True)

    assert preview.dry_run is True
    assert preview.created_cis == ["c"]
    assert preview.changed_cis == ["a"]
    assert preview.unchanged_cis == 1
    assert preview.created_relationships == [("b", "DEPENDS_ON", "c")]
    assert preview.deleted_relationships == [("a", "DEPENDS_ON", "b")]
    assert preview.seq == before.last_seq
    assert state_of(store) == before
    with pytest.raises(CINotFound):
        store.history("c")

    result = apply(store, batch)

    assert result.dry_run is False
    assert (
        result.created_cis,
        result.changed_cis,
        result.created_relationships,
        result.deleted_relationships,
    ) == (
        preview.created_cis,
        preview.changed_cis,
        preview.created_relationships,
        preview.deleted_relationships,
    )
    assert store.last_seq() == before.last_seq + preview.changes


def test_dry_run_of_an_invalid_batch_raises(store: GraphStore) -> None:
    with pytest.raises(InvalidInput):
        store.apply(Batch(upsert_relationships=[depends_on("a", "b")]), actor=ACTOR, dry_run=True)
    assert store.last_seq() == 0


# -- awkward ids and names -------------------------------------------------------------------------
# FalkorDB's Bolt listener splices string parameters into the query text unescaped, so quotes
# and backslashes break it (measured: "x' RETURN 1 //" returns 1); on real Neo4j they must pass.
_SPLICE_BREAKERS = pytest.mark.neo4j_semantics
AWKWARD = [
    pytest.param('say "hi"', marks=_SPLICE_BREAKERS),
    pytest.param("it's", marks=_SPLICE_BREAKERS),
    "`backtick`",
    "{braces}",
    "${param}",
    "MATCH (n) DETACH DELETE n",
    "RETURN",
    pytest.param("' OR 1=1 --", marks=_SPLICE_BREAKERS),
    pytest.param("back\\slash", marks=_SPLICE_BREAKERS),
    "Zürich ✓ 日本 🚀",
    "a:b/c;d",
    "%s %d",
]


@pytest.mark.parametrize("awkward", AWKWARD)
def test_awkward_ids_and_names_round_trip(store: GraphStore, awkward: str) -> None:
    data = ci(awkward, name=f"name {awkward}", attributes={"note": awkward, "MATCH": [awkward]})
    link_out = depends_on(awkward, "plain", attributes={"label": awkward})
    link_in = rel("plain", awkward, "OWNED_BY", redundancy_group=awkward)
    apply(store, Batch(upsert_cis=[data, ci("plain")], upsert_relationships=[link_out, link_in]))

    assert store.get_ci(awkward).content() == data
    assert store.get_relationship(link_out.key) == link_out
    assert store.get_relationship(link_in.key) == link_in
    assert [c.id for c in store.iter_cis()] == sorted([awkward, "plain"])
    assert neighbour_rows(store, awkward, BOTH) == [
        ("out", "DEPENDS_ON", "plain"),
        ("in", "OWNED_BY", "plain"),
    ]
    assert [c.id for c in store.search(text=awkward).items] == [awkward]
    assert [c.id for c in store.search(attributes={"note": awkward}).items] == [awkward]
    assert set(store.subgraph([awkward], OUT, 1).nodes) == {awkward, "plain"}
    assert {e.key for e in store.history(awkward)} == {awkward, link_out.key, link_in.key}

    assert apply(store, Batch(upsert_cis=[data])).changes == 0
    apply(store, Batch(delete_cis=[awkward]))

    assert store.find_ci(awkward) is None
    assert list(store.iter_relationships()) == []
    assert store.history(awkward)[0].op == "delete"


# -- several connections (embedded-specific) -----------------------------------------------------
def test_writes_through_one_connection_are_visible_through_another(tmp_path: Path) -> None:
    """Embedded-specific: two ``EmbeddedStore`` objects on one file see each other's commits on
    their next call, without reopening (get_ci, counts, last_seq, deletes)."""
    path = tmp_path / "shared.db"
    one: GraphStore = EmbeddedStore(path)
    two: GraphStore = EmbeddedStore(path)
    try:
        assert two.last_seq() == 0
        apply(one, graph_batch(["a", "b"], [("a", "b")]))

        assert two.get_ci("a") == one.get_ci("a")
        assert two.counts() == one.counts()
        assert two.last_seq() == one.last_seq() == 3
        assert neighbour_rows(two, "b", IN) == [("in", "DEPENDS_ON", "a")]

        # the second connection validates against the first one's writes
        apply(two, Batch(upsert_cis=[ci("c")], upsert_relationships=[depends_on("b", "c")]))
        assert one.get_relationship(("b", "DEPENDS_ON", "c")) == depends_on("b", "c")
        assert one.last_seq() == two.last_seq() == 5

        apply(one, Batch(delete_cis=["b"]))
        assert two.find_ci("b") is None
        assert list(two.iter_relationships()) == []
        assert two.counts() == one.counts()
        assert two.counts().cis == 2
        assert two.last_seq() == one.last_seq() == 8
        assert [e.op for e in two.history("b")][:1] == ["delete"]
    finally:
        one.close()
        two.close()


def test_upsert_tells_json_types_apart(store: GraphStore) -> None:
    """``1``, ``1.0`` and ``true`` are different JSON values, so changing one into another is a
    change (Python's ``==`` would call them equal and silently keep the old value)."""
    apply(
        store,
        Batch(
            upsert_cis=[ci("a", attributes={"flag": 1, "ratio": 1}), ci("b")],
            upsert_relationships=[depends_on("a", "b", attributes={"w": 0})],
        ),
    )
    result = apply(
        store,
        Batch(
            upsert_cis=[ci("a", attributes={"flag": True, "ratio": 1.0})],
            upsert_relationships=[depends_on("a", "b", attributes={"w": False})],
        ),
    )
    assert result.changed_cis == ["a"]
    assert result.changed_relationships == [("a", "DEPENDS_ON", "b")]
    stored = store.get_ci("a").attributes
    assert stored["flag"] is True
    assert isinstance(stored["ratio"], float)
    assert store.get_relationship(("a", "DEPENDS_ON", "b")).attributes["w"] is False


def test_contents_is_the_whole_graph_in_order(store: GraphStore) -> None:
    apply(
        store,
        Batch(
            upsert_cis=[ci("b"), ci("a"), ci("c", "Database"), ci("lonely")],
            upsert_relationships=[depends_on("b", "c"), depends_on("a", "c"), rel("a", "b", "PART_OF")],
        ),
    )
    contents = store.contents()
    assert contents.cis == list(store.iter_cis())
    assert [c.id for c in contents.cis] == ["a", "b", "c", "lonely"]
    assert contents.relationships == list(store.iter_relationships())
    assert [r.key for r in contents.relationships] == sorted(r.key for r in contents.relationships)
    assert len(contents.relationships) == 3
