"""Blast radius: every rule on small hand-drawn graphs, then properties on random graphs
(against networkx, and against the plain-Python oracle in :mod:`tests.impact.reference`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cmdbgraph.impact.blast_radius import UNLIMITED, BlastRadius, blast_radius
from cmdbgraph.impact.flow import propagate_flow
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.small_flow import propagate_small
from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, CINotFound, Relationship, Status
from cmdbgraph.schema.relationships import MinUp
from tests.factories import ci, rel
from tests.impact.reference import FlowEdge, FlowGraph, propagate

Row = tuple[str, str, int, tuple[str, ...]]
Expected = tuple[str, str, int, tuple[str, ...] | frozenset[tuple[str, ...]]]

HARD_TYPES = ("DEPENDS_ON", "RUNS_ON", "USES_DATA", "CONNECTS_THROUGH", "SUPPLIED_BY", "LOCATED_IN")
QUIET_TYPES = (
    "OWNED_BY",
    "SUPPORTED_BY",
    "MEMBER_OF",
    "REPORTS_TO",
    "AFFECTS",
    "CHANGES",
    "DOCUMENTS",
    "CAUSED_BY",
    "RESOLVED_BY",
)


def graph(*rels: Relationship, maintenance: Iterable[str] = ()) -> ImpactGraph:
    """The snapshot of ``rels`` over the CIs they name; ``maintenance`` CIs are under
    maintenance, the others operational."""
    under = set(maintenance)
    ids = sorted({r.source for r in rels} | {r.target for r in rels} | under)
    status = {i: Status.MAINTENANCE if i in under else Status.OPERATIONAL for i in ids}
    return ImpactGraph.build([ci(i, status=status[i]) for i in ids], rels)


def rows(result: BlastRadius) -> list[Row]:
    """``(id, severity, depth, path)`` of every impacted CI, after checking that the result's
    views agree with each other."""
    impacted = result.impacted
    assert len(result) == len(impacted)
    assert result.impacted_ids() == {i.id for i in impacted}
    assert [i.id for i in result.down] == [i.id for i in impacted if i.severity == "down"]
    assert [i.id for i in result.degraded] == [i.id for i in impacted if i.severity == "degraded"]
    return [(i.id, i.severity, i.depth, i.path) for i in impacted]


def assert_rows(result: BlastRadius, expected: Sequence[Expected]) -> None:
    """The rows are exactly ``expected``; a set of paths means any one of them (several
    equally short explanations)."""
    got = rows(result)
    want: list[Row] = []
    for k, (ci_id, severity, depth, allowed) in enumerate(expected):
        if isinstance(allowed, frozenset):
            path = got[k][3] if k < len(got) else ()
            allowed = path if path in allowed else (f"one of {sorted(allowed)}",)
        want.append((ci_id, severity, depth, allowed))
    assert got == want


def one_of(*paths: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(paths)


def chain(rel_type: str = "DEPENDS_ON") -> list[Relationship]:
    """``portal -> web -> api -> db`` (each consumes the next)."""
    return [rel("portal", "web", rel_type), rel("web", "api", rel_type), rel("api", "db", rel_type)]


# ---------------------------------------------------------------- hand-drawn graphs, rule by rule


@pytest.mark.parametrize("rel_type", HARD_TYPES)
def test_a_hard_dependency_chain_goes_down_hop_by_hop(rel_type: str) -> None:
    g = graph(*chain(rel_type))
    assert_rows(
        blast_radius(g, ["db"]),
        [
            ("api", "down", 1, ("db", "api")),
            ("web", "down", 2, ("db", "api", "web")),
            ("portal", "down", 3, ("db", "api", "web", "portal")),
        ],
    )
    # failures flow from provider to consumer only
    assert_rows(blast_radius(g, ["web"]), [("portal", "down", 1, ("web", "portal"))])
    assert_rows(blast_radius(g, ["portal"]), [])


def test_an_optional_dependency_degrades_but_never_takes_down() -> None:
    g = graph(
        rel("web", "cache", optional=True),
        rel("web", "db"),
        rel("portal", "web"),
    )
    assert_rows(
        blast_radius(g, ["cache"]),
        [("web", "degraded", 1, ("cache", "web")), ("portal", "degraded", 2, ("cache", "web", "portal"))],
    )
    assert_rows(
        blast_radius(g, ["db"]),
        [("web", "down", 1, ("db", "web")), ("portal", "down", 2, ("db", "web", "portal"))],
    )
    # a hard failure wins over the optional one
    assert_rows(
        blast_radius(g, ["cache", "db"]),
        [("web", "down", 1, ("db", "web")), ("portal", "down", 2, ("db", "web", "portal"))],
    )


def test_part_of_degrades_the_whole_and_never_flows_to_the_parts() -> None:
    g = graph(
        rel("disk1", "array", "PART_OF"),
        rel("disk2", "array", "PART_OF"),
        rel("app", "array", "RUNS_ON"),
    )
    assert_rows(
        blast_radius(g, ["disk1"]),
        [("array", "degraded", 1, ("disk1", "array")), ("app", "degraded", 2, ("disk1", "array", "app"))],
    )
    # even every part failing only degrades the whole (no redundancy group)
    assert [(i.id, i.severity) for i in blast_radius(g, ["disk1", "disk2"]).impacted] == [
        ("array", "degraded"),
        ("app", "degraded"),
    ]
    assert_rows(blast_radius(g, ["array"]), [("app", "down", 1, ("array", "app"))])


def replicas(members: int, min_up: MinUp | None) -> list[Relationship]:
    """``app`` consumes ``db1..dbN`` as redundancy group ``replicas``; ``web`` consumes ``app``."""
    return [
        *(rel("app", f"db{i}", redundancy_group="replicas", min_up=min_up) for i in range(1, members + 1)),
        rel("web", "app"),
    ]


@pytest.mark.parametrize(
    ("min_up", "members", "failed", "severity"),
    [
        (2, 3, ["db1"], "degraded"),
        (2, 3, ["db1", "db2"], "down"),
        (2, 3, ["db3", "db1", "db2"], "down"),
        ("50%", 2, ["db1"], "degraded"),
        ("50%", 2, ["db1", "db2"], "down"),
        ("50%", 4, ["db1", "db2"], "degraded"),
        ("50%", 4, ["db4", "db1", "db3"], "down"),
        ("50%", 3, ["db2"], "degraded"),
        ("50%", 3, ["db1", "db3"], "down"),  # 50% of 3 rounds up to 2 survivors
        ("100%", 3, ["db2"], "down"),
        (None, 3, ["db1", "db2"], "degraded"),  # no min_up: one survivor is enough
        (None, 3, ["db1", "db2", "db3"], "down"),
    ],
)
def test_a_redundancy_group_goes_down_only_when_its_quorum_is_lost(
    min_up: MinUp | None, members: int, failed: list[str], severity: str
) -> None:
    result = blast_radius(graph(*replicas(members, min_up)), failed)
    explanations = [(f, "app") for f in failed]
    assert_rows(
        result,
        [
            ("app", severity, 1, one_of(*explanations)),
            ("web", severity, 2, one_of(*((*p, "web") for p in explanations))),
        ],
    )


def test_a_group_member_lost_later_takes_the_consumer_down_in_that_round() -> None:
    g = graph(*replicas(3, 2), rel("db2", "host2", "RUNS_ON"), rel("monitor", "app", optional=True))
    assert_rows(
        blast_radius(g, ["db1", "host2"]),
        [
            ("db2", "down", 1, ("host2", "db2")),
            ("app", "down", 2, ("host2", "db2", "app")),
            # degraded from the hop the first lost member reaches it: app was degraded before
            # it went down
            ("monitor", "degraded", 2, ("db1", "app", "monitor")),
            ("web", "down", 3, ("host2", "db2", "app", "web")),
        ],
    )


def test_degraded_never_turns_into_down_further_up_without_a_hard_failure() -> None:
    g = graph(
        *replicas(3, 2),
        rel("portal", "web"),
        rel("admin", "app"),
        rel("admin", "db1"),
    )
    assert_rows(
        blast_radius(g, ["db1"]),
        [
            ("admin", "down", 1, ("db1", "admin")),
            ("app", "degraded", 1, ("db1", "app")),
            ("web", "degraded", 2, ("db1", "app", "web")),  # a hard consumer of a degraded CI
            ("portal", "degraded", 3, ("db1", "app", "web", "portal")),
        ],
    )


def test_a_redundancy_group_is_scoped_by_its_consumer() -> None:
    shared_members = graph(
        rel("app1", "db1", redundancy_group="replicas"),
        rel("app1", "db2", redundancy_group="replicas"),
        rel("app2", "db1", redundancy_group="replicas"),
        rel("app2", "db2", redundancy_group="replicas"),
    )
    assert_rows(
        blast_radius(shared_members, ["db1"]),
        [("app1", "degraded", 1, ("db1", "app1")), ("app2", "degraded", 1, ("db1", "app2"))],
    )
    same_name = graph(
        rel("app1", "db1", redundancy_group="replicas"),
        rel("app1", "db2", redundancy_group="replicas"),
        rel("app2", "db3", redundancy_group="replicas"),
        rel("app2", "db4", redundancy_group="replicas"),
    )
    assert_rows(
        blast_radius(same_name, ["db1", "db3"]),
        [("app1", "degraded", 1, ("db1", "app1")), ("app2", "degraded", 1, ("db3", "app2"))],
    )
    assert_rows(
        blast_radius(same_name, ["db1", "db2", "db3"]),
        [
            ("app1", "down", 1, one_of(("db1", "app1"), ("db2", "app1"))),
            ("app2", "degraded", 1, ("db3", "app2")),
        ],
    )


def test_a_provider_counts_once_in_its_group_whatever_the_relationships() -> None:
    g = graph(
        rel("app", "db1", "DEPENDS_ON", redundancy_group="replicas"),
        rel("app", "db1", "USES_DATA", redundancy_group="replicas"),
        rel("app", "db2", "DEPENDS_ON", redundancy_group="replicas"),
    )
    assert_rows(blast_radius(g, ["db1"]), [("app", "degraded", 1, ("db1", "app"))])
    assert_rows(blast_radius(g, ["db1", "db2"]), [("app", "down", 1, one_of(("db1", "app"), ("db2", "app")))])


def test_maintenance_stops_propagation_only_when_asked() -> None:
    g = graph(
        rel("api", "db"),
        rel("web", "api"),
        rel("report", "api", optional=True),
        rel("batch", "db", optional=True),
        rel("nightly", "batch"),
        maintenance=["api", "batch"],
    )
    assert_rows(
        blast_radius(g, ["db"], maintenance_stops=True),
        [("api", "down", 1, ("db", "api")), ("batch", "degraded", 1, ("db", "batch"))],
    )
    assert_rows(
        blast_radius(g, ["db"]),
        [
            ("api", "down", 1, ("db", "api")),
            ("batch", "degraded", 1, ("db", "batch")),
            ("web", "down", 2, ("db", "api", "web")),
            ("nightly", "degraded", 2, ("db", "batch", "nightly")),
            ("report", "degraded", 2, ("db", "api", "report")),
        ],
    )
    # a CI under maintenance that is itself named as failed does propagate
    assert_rows(
        blast_radius(g, ["api"], maintenance_stops=True),
        [("web", "down", 1, ("api", "web")), ("report", "degraded", 1, ("api", "report"))],
    )


def test_maintenance_stop_leaves_other_paths_open() -> None:
    g = graph(rel("api", "db"), rel("api2", "db"), rel("web", "api"), rel("web", "api2"), maintenance=["api"])
    assert_rows(
        blast_radius(g, ["db"], maintenance_stops=True),
        [
            ("api", "down", 1, ("db", "api")),
            ("api2", "down", 1, ("db", "api2")),
            ("web", "down", 2, ("db", "api2", "web")),
        ],
    )


def cycle() -> ImpactGraph:
    """``a -> b -> c -> a`` (each consumes the next), ``d`` consumes ``a``, ``b`` consumes ``e``."""
    return graph(rel("a", "b"), rel("b", "c"), rel("c", "a"), rel("d", "a"), rel("b", "e"))


@pytest.mark.timeout(10)
def test_a_failure_inside_a_cycle_terminates() -> None:
    assert_rows(
        blast_radius(cycle(), ["b"]),
        [("a", "down", 1, ("b", "a")), ("c", "down", 2, ("b", "a", "c")), ("d", "down", 2, ("b", "a", "d"))],
    )


@pytest.mark.timeout(10)
def test_a_failure_outside_a_cycle_terminates() -> None:
    assert_rows(
        blast_radius(cycle(), ["e"]),
        [
            ("b", "down", 1, ("e", "b")),
            ("a", "down", 2, ("e", "b", "a")),
            ("c", "down", 3, ("e", "b", "a", "c")),
            ("d", "down", 3, ("e", "b", "a", "d")),
        ],
    )


@pytest.mark.timeout(10)
def test_a_degrading_cycle_terminates() -> None:
    g = graph(rel("x", "y", optional=True), rel("y", "x", optional=True), rel("x", "z", optional=True))
    assert_rows(
        blast_radius(g, ["z"]),
        [("x", "degraded", 1, ("z", "x")), ("y", "degraded", 2, ("z", "x", "y"))],
    )


def test_several_failures_combine_at_the_nearest_one() -> None:
    g = graph(*chain(), rel("web", "cache"), rel("batch", "db", optional=True))
    expected: list[Expected] = [
        ("api", "down", 1, ("db", "api")),
        ("web", "down", 1, ("cache", "web")),
        ("batch", "degraded", 1, ("db", "batch")),
        ("portal", "down", 2, ("cache", "web", "portal")),
    ]
    assert_rows(blast_radius(g, ["db", "cache"]), expected)
    assert_rows(blast_radius(g, ["cache", "db", "cache"]), expected)


def test_failed_cis_are_not_listed_as_impacted() -> None:
    assert_rows(
        blast_radius(cycle(), ["a", "b"]), [("c", "down", 1, ("a", "c")), ("d", "down", 1, ("a", "d"))]
    )
    assert_rows(blast_radius(graph(rel("a", "b"), rel("b", "a")), ["a"]), [("b", "down", 1, ("a", "b"))])
    assert_rows(
        blast_radius(graph(*chain()), ["db", "api"]),
        [("web", "down", 1, ("api", "web")), ("portal", "down", 2, ("api", "web", "portal"))],
    )
    assert blast_radius(graph(*chain()), []).impacted == []


def test_max_depth_cuts_at_that_many_hops() -> None:
    g = graph(*chain(), rel("batch", "api", optional=True))
    full = rows(blast_radius(g, ["db"]))
    assert full == [
        ("api", "down", 1, ("db", "api")),
        ("web", "down", 2, ("db", "api", "web")),
        ("batch", "degraded", 2, ("db", "api", "batch")),
        ("portal", "down", 3, ("db", "api", "web", "portal")),
    ]
    for depth in range(5):
        assert rows(blast_radius(g, ["db"], max_depth=depth)) == [r for r in full if r[2] <= depth]


def late_down() -> ImpactGraph:
    """``x`` goes down only at hop 4 (hard chain ``a1..a3``) but is degraded from hop 2 (``s``);
    ``c`` consumes ``x`` optionally."""
    return graph(
        rel("a1", "f"),
        rel("a2", "a1"),
        rel("a3", "a2"),
        rel("x", "a3"),
        rel("s", "f", optional=True),
        rel("x", "s", optional=True),
        rel("c", "x", optional=True),
    )


def test_a_ci_that_goes_down_late_is_degraded_before_and_so_are_its_consumers() -> None:
    head = [
        ("a1", "down", 1, ("f", "a1")),
        ("s", "degraded", 1, ("f", "s")),
        ("a2", "down", 2, ("f", "a1", "a2")),
    ]
    assert rows(blast_radius(late_down(), ["f"], max_depth=3)) == [
        *head,
        ("x", "degraded", 2, ("f", "s", "x")),
        ("a3", "down", 3, ("f", "a1", "a2", "a3")),
        ("c", "degraded", 3, ("f", "s", "x", "c")),
    ]
    # a deeper limit must not lose c: it is 3 hops from the failure whatever x's severity
    for depth in (4, 5, None):
        assert rows(blast_radius(late_down(), ["f"], max_depth=depth)) == [
            *head,
            ("a3", "down", 3, ("f", "a1", "a2", "a3")),
            ("c", "degraded", 3, ("f", "s", "x", "c")),
            ("x", "down", 4, ("f", "a1", "a2", "a3", "x")),
        ]


def test_rel_types_restricts_propagation_to_those_types() -> None:
    g = graph(rel("web", "api"), rel("api", "host", "RUNS_ON"), rel("app", "host", "RUNS_ON"))
    assert_rows(
        blast_radius(g, ["host"], rel_types=["RUNS_ON"]),
        [("api", "down", 1, ("host", "api")), ("app", "down", 1, ("host", "app"))],
    )
    assert_rows(blast_radius(g, ["host"], rel_types={"DEPENDS_ON"}), [])
    assert_rows(blast_radius(g, ["host"], rel_types=[]), [])
    assert_rows(
        blast_radius(g, ["host"], rel_types=("DEPENDS_ON", "RUNS_ON", "OWNED_BY")),
        [
            ("api", "down", 1, ("host", "api")),
            ("app", "down", 1, ("host", "app")),
            ("web", "down", 2, ("host", "api", "web")),
        ],
    )


@pytest.mark.parametrize("rel_type", [*QUIET_TYPES, "MENTIONS"])
def test_non_propagating_and_unknown_relationship_types_never_propagate(rel_type: str) -> None:
    g = graph(rel("a", "b", rel_type), rel("a", "x"), rel("y", "b"))
    assert_rows(blast_radius(g, ["b"]), [("y", "down", 1, ("b", "y"))])
    assert_rows(blast_radius(g, ["a"]), [])


def test_an_unknown_failed_ci_is_not_found() -> None:
    g = graph(*chain())
    with pytest.raises(CINotFound) as info:
        blast_radius(g, ["db", "nope"])
    assert info.value.ci_id == "nope"


def test_a_negative_depth_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        blast_radius(graph(*chain()), ["db"], max_depth=-1)


def test_snapshots_of_different_sizes_queried_in_turn() -> None:
    # a snapshot's scratch space must never serve another one (ids of dead objects are reused)
    for k in range(200):
        size = 2 + (k * 7) % 23
        g = graph(*(rel(f"c{i + 1}", f"c{i}", redundancy_group="r") for i in range(size - 1)))
        assert len(blast_radius(g, ["c0"]).down) == size - 1
        g = graph(*(rel(f"c{i + 1}", f"c{i}") for i in range(size - 1)))
        assert len(blast_radius(g, ["c0"])) == size - 1


# ---------------------------------------------------------------- random graphs

HARD = ("DEPENDS_ON", "RUNS_ON", "USES_DATA")
QUIET = ("OWNED_BY", "SUPPORTED_BY")
QUORUMS: tuple[MinUp | None, ...] = (None, 1, 2, 3, "34%", "50%", "67%", "100%")
ALL_TYPES = (*HARD, "PART_OF", *QUIET)


@dataclass(frozen=True)
class Case:
    """A random graph and a failure."""

    cis: tuple[CIData, ...]
    rels: tuple[Relationship, ...]
    failed: tuple[str, ...]

    def graph(self) -> ImpactGraph:
        return ImpactGraph.build(self.cis, self.rels)

    def flow(self) -> FlowGraph:
        return FlowGraph.build(self.cis, self.rels)


@dataclass(frozen=True)
class Options:
    max_depth: int | None = None
    rel_types: frozenset[str] | None = None
    maintenance_stops: bool = False


def with_quorums(
    pick: Callable[[list[MinUp | None]], MinUp | None], rels: list[Relationship]
) -> list[Relationship]:
    """``rels`` with one valid quorum per redundancy group (``pick`` chooses among the valid
    ones; every member states it)."""
    members: dict[tuple[str, str], set[str]] = {}
    for r in rels:
        if r.redundancy_group is not None:
            spec = DEFAULT_REGISTRY.rel_types[r.type]
            members.setdefault((spec.consumer(r), r.redundancy_group), set()).add(spec.provider(r))
    quorum: dict[tuple[str, str], MinUp | None] = {}
    for key in sorted(members):
        size = len(members[key])
        quorum[key] = pick([q for q in QUORUMS if not isinstance(q, int) or q <= size])
    out = []
    for r in rels:
        if r.redundancy_group is None:
            out.append(r)
            continue
        spec = DEFAULT_REGISTRY.rel_types[r.type]
        out.append(r.model_copy(update={"min_up": quorum[(spec.consumer(r), r.redundancy_group)]}))
    return out


@st.composite
def cases(
    draw: st.DrawFn,
    *,
    types: Sequence[str] = ALL_TYPES,
    optional: bool = True,
    groups: bool = True,
    maintenance: bool = True,
) -> Case:
    n = draw(st.integers(2, 9))
    ids = [f"c{i}" for i in range(n)]
    statuses = [Status.OPERATIONAL, Status.MAINTENANCE] if maintenance else [Status.OPERATIONAL]
    cis = tuple(ci(i, status=draw(st.sampled_from(statuses))) for i in ids)
    edge = st.tuples(
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.sampled_from(types),
        st.sampled_from([False, False, True]) if optional else st.just(False),
        st.sampled_from([None, None, None, "g1", "g2"]) if groups else st.just(None),
    )
    # a hard chain first, so that down depths vary and shortcuts around it are common
    spine = draw(st.permutations(ids))[: draw(st.integers(0, n))]
    hard = [t for t in types if t in HARD] or list(types)
    chain_edges = [(b, a, hard[0], False, draw(edge)[4]) for a, b in pairwise(spine)]
    if len(spine) > 2 and optional:
        # an optional shortcut along it (CIs down late but degraded early) and an optional
        # consumer of its end
        i = draw(st.integers(0, len(spine) - 3))
        chain_edges.append((draw(st.sampled_from(spine[i + 2 :])), spine[i], hard[0], True, None))
        chain_edges.append(
            (draw(st.sampled_from([c for c in ids if c not in spine] or ids)), spine[-1], hard[0], True, None)
        )
    rels: dict[tuple[str, str, str], Relationship] = {}
    for source, target, rel_type, soft, group in chain_edges + draw(st.lists(edge, max_size=2 * n)):
        if source != target:
            r = rel(source, target, rel_type, optional=soft, redundancy_group=group)
            rels.setdefault(r.key, r)
    failed = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    start_at_spine: bool = draw(st.booleans())
    if spine and start_at_spine:
        failed = [spine[0], *(f for f in failed if f != spine[0])]
    quorums = with_quorums(lambda qs: draw(st.sampled_from(qs)), list(rels.values()))
    return Case(cis, tuple(quorums), tuple(failed))


options = st.builds(
    Options,
    max_depth=st.none() | st.integers(0, 5),
    rel_types=st.none() | st.frozensets(st.sampled_from(ALL_TYPES)),
    maintenance_stops=st.booleans(),
)

PROPERTY = settings(max_examples=100, deadline=None)


def run(case: Case, opts: Options = Options()) -> BlastRadius:
    return blast_radius(
        case.graph(),
        case.failed,
        max_depth=opts.max_depth,
        rel_types=opts.rel_types,
        maintenance_stops=opts.maintenance_stops,
    )


def flow_digraph(edges: Iterable[FlowEdge]) -> nx.DiGraph[str]:
    """The failure-flow graph (provider -> consumer)."""
    d: nx.DiGraph[str] = nx.DiGraph()
    d.add_edges_from((e.provider, e.consumer) for e in edges)
    return d


def severities(result: BlastRadius) -> dict[str, tuple[int, int]]:
    """``id -> (rank of severity, depth)`` (degraded 1, down 2)."""
    return {i.id: (2 if i.severity == "down" else 1, i.depth) for i in result.impacted}


def check_paths(case: Case, opts: Options, reported: dict[str, tuple[str, int, tuple[str, ...]]]) -> None:
    """Every path is a real shortest explanation: from a failed CI to its CI along active flow
    edges, as long as the depth; a down CI's path runs through down CIs at their depths along
    hard or group edges; a degraded CI's path through impacted CIs no deeper than their place."""
    kinds: dict[tuple[str, str], set[str]] = {}
    for e in case.flow().active_edges(case.failed, opts.rel_types, opts.maintenance_stops):
        kinds.setdefault((e.provider, e.consumer), set()).add(e.kind)
    for ci_id, (severity, depth, path) in reported.items():
        assert ci_id not in case.failed
        assert path[0] in case.failed, (ci_id, path)
        assert path[-1] == ci_id, (ci_id, path)
        assert len(path) - 1 == depth, (ci_id, path)
        assert not set(path[1:]) & set(case.failed), path
        for pos, (a, b) in enumerate(pairwise(path), start=1):
            assert (a, b) in kinds, (ci_id, path, a, b)
            assert b in reported, (ci_id, path, b)
            sev_b, depth_b, _ = reported[b]
            if severity == "down":
                assert (sev_b, depth_b) == ("down", pos), (ci_id, path, b)
                assert kinds[(a, b)] & {"hard", "group"}, (ci_id, path, a, b)
            else:
                assert depth_b >= pos if sev_b == "down" else depth_b == pos, (ci_id, path, b)


def reported_of(result: BlastRadius) -> dict[str, tuple[str, int, tuple[str, ...]]]:
    return {i.id: (i.severity, i.depth, i.path) for i in result.impacted}


@PROPERTY
@given(cases(optional=False, groups=False, maintenance=False))
def test_without_groups_or_optional_edges_the_impacted_set_is_the_ancestors(case: Case) -> None:
    consumer_graph: nx.DiGraph[str] = nx.DiGraph()
    consumer_graph.add_nodes_from(c.id for c in case.cis)
    for r in case.rels:
        spec = DEFAULT_REGISTRY.rel_types[r.type]
        if spec.propagates:
            consumer_graph.add_edge(spec.consumer(r), spec.provider(r))
    ancestors = set().union(*(nx.ancestors(consumer_graph, f) for f in case.failed)) - set(case.failed)
    assert run(case).impacted_ids() == ancestors


@PROPERTY
@given(cases(), st.booleans())
def test_the_impacted_set_is_everything_a_failure_can_reach(case: Case, stops: bool) -> None:
    opts = Options(maintenance_stops=stops)
    flow = flow_digraph(case.flow().active_edges(case.failed, None, stops))
    flow.add_nodes_from(case.failed)
    reachable = set().union(*(nx.descendants(flow, f) for f in case.failed)) - set(case.failed)
    assert run(case, opts).impacted_ids() == reachable


@PROPERTY
@given(cases(types=(*HARD, *QUIET), optional=False, groups=False), st.data())
def test_redundancy_never_enlarges_the_down_set(case: Case, data: st.DataObject) -> None:
    grouped = [
        r.model_copy(update={"redundancy_group": data.draw(st.sampled_from([None, "g1", "g2"]))})
        if DEFAULT_REGISTRY.rel_types[r.type].propagates
        else r
        for r in case.rels
    ]
    with_groups = replace(case, rels=tuple(with_quorums(lambda qs: data.draw(st.sampled_from(qs)), grouped)))
    opts = data.draw(options)
    down_without = {i.id for i in run(case, opts).down}
    down_with = {i.id for i in run(with_groups, opts).down}
    assert down_with <= down_without
    assert run(with_groups, opts).impacted_ids() == run(case, opts).impacted_ids()


@PROPERTY
@given(cases(), options, st.data())
def test_adding_an_edge_never_shrinks_the_blast_radius(
    case: Case, opts: Options, data: st.DataObject
) -> None:
    ids = [c.id for c in case.cis]
    source = data.draw(st.sampled_from(ids))
    target = data.draw(st.sampled_from([i for i in ids if i != source]))
    extra = rel(source, target, data.draw(st.sampled_from(ALL_TYPES)), optional=data.draw(st.booleans()))
    assume(all(r.key != extra.key for r in case.rels))
    before = severities(run(case, opts))
    after = severities(run(replace(case, rels=(*case.rels, extra)), opts))
    assert set(before) <= set(after)
    for ci_id, (severity, depth) in before.items():
        assert after[ci_id][0] >= severity, ci_id
        if after[ci_id][0] == severity:
            assert after[ci_id][1] <= depth, ci_id


@PROPERTY
@given(cases(), options)
def test_a_deeper_limit_never_shrinks_the_blast_radius(case: Case, opts: Options) -> None:
    limit = 3 if opts.max_depth is None else opts.max_depth
    shallow = severities(run(case, replace(opts, max_depth=limit)))
    deep = severities(run(case, replace(opts, max_depth=limit + 1)))
    unlimited = severities(run(case, replace(opts, max_depth=None)))
    assert set(shallow) <= set(deep) <= set(unlimited)
    for ci_id, (severity, depth) in unlimited.items():
        if depth <= limit:  # settled within the limit: the cut changes nothing
            assert shallow[ci_id] == (severity, depth)
    for ci_id, (severity, depth) in shallow.items():
        assert depth <= limit
        assert deep[ci_id][0] >= severity
        if unlimited[ci_id][1] > limit:  # goes down beyond the limit: degraded before
            assert (severity, unlimited[ci_id][0]) == (1, 2), ci_id


@PROPERTY
@given(cases(), options)
def test_paths_are_real_minimal_explanations(case: Case, opts: Options) -> None:
    reported = reported_of(run(case, opts))
    check_paths(case, opts, reported)
    active = case.flow().active_edges(case.failed, opts.rel_types, opts.maintenance_stops)
    flow = flow_digraph(active)
    flow.add_nodes_from(c.id for c in case.cis)
    # degraded: min over down CIs (failed ones at 0) of their depth + the flow distance
    down_at = dict.fromkeys(case.failed, 0) | {c: d for c, (s, d, _) in reported.items() if s == "down"}
    for ci_id, (severity, depth, _) in reported.items():
        if severity == "degraded":
            distances = (
                d + nx.shortest_path_length(flow, s, ci_id)
                for s, d in down_at.items()
                if nx.has_path(flow, s, ci_id)
            )
            assert depth == min(distances), ci_id
    # down, without groups: the breadth-first distance over hard edges
    if not any(e.kind == "group" for e in active):
        hard = flow_digraph(e for e in active if e.kind == "hard")
        hard.add_nodes_from(c.id for c in case.cis)
        distance = nx.multi_source_dijkstra_path_length(hard, set(case.failed))
        limit = float("inf") if opts.max_depth is None else opts.max_depth
        expected = {c: d for c, d in distance.items() if 0 < d <= limit}
        assert {c: d for c, (s, d, _) in reported.items() if s == "down"} == expected


@PROPERTY
@given(cases(types=HARD, optional=False, groups=False, maintenance=False))
def test_hard_only_graphs_go_down_at_their_breadth_first_distance(case: Case) -> None:
    flow = flow_digraph(case.flow().edges)
    flow.add_nodes_from(c.id for c in case.cis)
    distance = nx.multi_source_dijkstra_path_length(flow, set(case.failed))
    assert {i.id: (i.severity, i.depth) for i in run(case).impacted} == {
        c: ("down", d) for c, d in distance.items() if d > 0
    }


@PROPERTY
@given(cases(), options)
def test_the_vectorised_propagation_agrees_with_the_reference(case: Case, opts: Options) -> None:
    result = run(case, opts)
    oracle = propagate(
        case.flow(),
        list(case.failed),
        max_depth=opts.max_depth,
        rel_types=opts.rel_types,
        maintenance_stops=opts.maintenance_stops,
    )
    reported = reported_of(result)
    assert {c: (s, d) for c, (s, d, _) in reported.items()} == {
        c: (oracle.severity[c], oracle.depth[c]) for c in oracle.severity
    }
    check_paths(case, opts, reported)
    check_paths(
        case, opts, {c: (oracle.severity[c], oracle.depth[c], oracle.path[c]) for c in oracle.severity}
    )


@given(cases(), options)
@PROPERTY
def test_the_small_python_and_the_numpy_strategies_give_identical_results(case: Case, opts: Options) -> None:
    """``blast_radius`` computes small radii in plain Python and large ones in numpy; both
    must settle the same CIs in the same order with the same severity, depth and parents."""
    g = case.graph()
    roots = [g.index[f] for f in case.failed]
    depth = UNLIMITED if opts.max_depth is None else opts.max_depth
    small = propagate_small(
        g,
        roots,
        max_depth=depth,
        rel_types=opts.rel_types,
        maintenance_stops=opts.maintenance_stops,
        budget=10**6,
    )
    assert small is not None
    settled, via = small
    assert g.flow is not None
    allowed = None
    if opts.rel_types is not None:
        allowed = np.array([t in opts.rel_types for t in g.flow.type_names], dtype=np.bool_)
    flow = propagate_flow(
        g.flow,
        len(g),
        np.array(roots, dtype=np.int32),
        max_depth=depth,
        allowed_types=allowed,
        maintenance_stops=opts.maintenance_stops,
    )
    assert sorted(flow.reached.tolist()) == sorted(settled)
    by_node = {
        n: (s, d, p, v)
        for n, s, d, p, v in zip(
            flow.reached.tolist(),
            flow.severity.tolist(),
            flow.depth.tolist(),
            flow.parent.tolist(),
            flow.via.tolist(),
            strict=True,
        )
    }
    assert {n: (s, d, p, via[n]) for n, (s, d, p) in settled.items()} == by_node


def test_the_small_strategy_gives_up_past_its_budget() -> None:
    g = graph(*(rel(f"c{i + 1}", f"c{i}") for i in range(40)))
    assert (
        propagate_small(g, [0], max_depth=UNLIMITED, rel_types=None, maintenance_stops=False, budget=10)
        is None
    )
    assert len(blast_radius(g, ["c0"])) == 40


def test_an_optional_group_member_never_takes_its_consumer_down() -> None:
    """Optional wins over group membership: the member counts in the group's size, but losing
    it only degrades (so with both members lost the consumer is still only degraded)."""
    g = graph(
        rel("app", "db1", redundancy_group="dbs", min_up=1),
        rel("app", "db2", redundancy_group="dbs", min_up=1, optional=True),
    )
    assert [(i.id, i.severity) for i in blast_radius(g, ["db2"]).impacted] == [("app", "degraded")]
    assert [(i.id, i.severity) for i in blast_radius(g, ["db1", "db2"]).impacted] == [("app", "degraded")]
