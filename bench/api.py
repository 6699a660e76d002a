"""API benchmark: CI-by-id throughput through GraphQL against a bare starlette route, and
``impact`` over HTTP against the in-process call.

Run: ``python bench/api.py [--cis 100000] [--requests 2000] [--clients 4] [--impact-samples 20]
[--rounds 10] [--time-limit 600] [--seed 7] [--json]``

Setup (not timed): the demo enterprise (``iter_enterprise``) is loaded with ``load_records``
into an :class:`EmbeddedStore` in a temporary file, an ``analyst`` token is created in a
temporary token file, and the analyses' snapshot is built once (warm). One starlette
application is served by a real ``uvicorn.Server`` on 127.0.0.1 (a port the kernel picks), in a
thread of this process: the real ``create_app(api)`` mounted at ``/``, and next to it a bare
route ``GET /bare/ci/{id}`` that does what the ``ci`` resolver does with the store —
``store.find_ci`` in a worker thread through ``anyio.to_thread.run_sync`` — and returns the
same fields as JSON (no token, no masking, no GraphQL). Nothing else touches the network.

The clients are ``--clients`` separate processes (so their CPU does not take the server's
GIL), each with one keep-alive ``httpx2.Client``. Everything is measured in one run, as ratios
against the baseline measured in the same run (absolute numbers on shared machines are noise):

- CI by id: ``--requests`` CI ids sampled (with replacement) from the CIs an analyst may read;
  each mode sends every one of them once, ``query($id: ID!) { ci(id: $id) { id kind name
  status attributes } }`` to ``POST /graphql`` or ``GET /bare/ci/{id}``. The ids are cut into
  rounds (``--rounds``; fewer when a round would give a client under 25 requests, more when
  over 100, so that a time limit cuts both modes alike); in each round both modes send the
  same ids, all clients at once, the order of the modes alternating from round to round so
  machine noise hits both. Throughput is requests over the summed round wall times of that
  mode; the goal is GraphQL >= 50 % of bare. Every response must be a 200 with the requested
  id (and no GraphQL ``errors``); failures are counted.
- impact: for ``--impact-samples`` failed CIs of infrastructure kinds (sampled as
  ``bench/impact.py`` does: round robin over the kinds, CIs something depends on), one client
  times ``impact(ciIds: [$id]) { total impacted { ci { id } severity depth path } }`` over
  HTTP (request, execution, serialisation, transfer, parsing), and this process times the call
  it wraps — ``snapshots.get()``, ``blast_radius`` (the server's default depth) and
  ``summarize`` — on the same cached snapshot, alternating which goes first. Medians are
  reported with the overhead (milliseconds and ratio); ``total`` must equal the in-process
  count.

Bounded: ``--requests`` per mode, ``--impact-samples``, and ``--time-limit`` seconds for the
whole run, after which no request is started (those in flight finish) and what was measured is
reported; the CI-by-id rounds may take three quarters of the time left after setup, so that
impact is measured too. The exit status is 1 when a request failed or a count differed, 0
otherwise, even when the goal is missed. Server and client CPU (percent of one core over the
timed rounds) show which side was the limit: on a machine with few cores the clients compete
with the server, and a bare route the server does not saturate makes the ratio an upper bound.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import multiprocessing
import random
import socket
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

import anyio.to_thread
import httpx2 as httpx
import psutil
import uvicorn
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from cmdbgraph.access.redaction import is_restricted
from cmdbgraph.access.roles import Role
from cmdbgraph.access.tokens import TokenFile
from cmdbgraph.graphdb import EmbeddedStore
from cmdbgraph.graphql.app import create_app
from cmdbgraph.graphql.context import Api
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.summary import summarize
from cmdbgraph.ingest.demo import DEMO_MAX_SIZE, DEMO_MIN_SIZE, iter_enterprise
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, Relationship

Mode = Literal["graphql", "bare"]
MODES: tuple[Mode, Mode] = ("graphql", "bare")
GOAL = 0.5
"""GraphQL CI-by-id throughput as a share of the bare route's."""
CI_FIELDS = frozenset({"id", "kind", "name", "status", "attributes"})
CI_QUERY = "query Ci($id: ID!) { ci(id: $id) { id kind name status attributes } }"
IMPACT_QUERY = (
    "query Impact($ids: [ID!]!) { impact(ciIds: $ids) { total impacted { ci { id } severity depth path } } }"
)
INFRA_KINDS = ("Datacenter", "CloudRegion", "Location", "Network", "Storage", "Host", "Database")
"""Kinds the failed CIs are sampled from (as in bench/impact.py: their blast radii are not trivial)."""
MIN_PER_CLIENT = 25
"""Requests each client sends per mode and round at least (fewer rounds otherwise)..."""
MAX_PER_CLIENT = 100
"""... and at most (more rounds otherwise)."""
CI_SHARE = 0.75
"""Share of the time left after setup the CI-by-id rounds may take when impact is measured too."""
WARMUP = 10
"""Untimed requests per client and mode before the rounds."""
REQUEST_TIMEOUT_S = 60.0
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
ERROR_EXAMPLES = 3
SATURATED = 0.9
"""Server CPU (share of one core: the GIL) above which the server, not the clients, is the limit."""
THROUGHPUT_COLUMNS = (
    "route",
    "requests",
    "req/s",
    "x bare",
    "p50 ms",
    "p99 ms",
    "srv CPU",
    "cli CPU",
    "errors",
)
IMPACT_COLUMNS = ("", "impacted", "in-proc ms", "HTTP ms", "overhead ms", "x in-proc")

err_console = Console(stderr=True)
out_console = Console()


# ------------------------------------------------------------------------------------ messages
# Plain dicts cross the pipes (classes of a spawned __main__ do not unpickle by name).


class LoadJob(TypedDict):
    kind: Literal["load"]
    mode: Mode
    ids: list[str]
    deadline: float
    """``time.time()`` after which no request is started."""


class ImpactJob(TypedDict):
    kind: Literal["impact"]
    ci_id: str
    deadline: float


class LoadReply(TypedDict):
    latencies: list[float]
    errors: list[str]
    cpu_s: float


class ImpactReply(TypedDict):
    seconds: float | None
    total: int | None
    rows: int | None
    error: str | None


Job = LoadJob | ImpactJob


# ------------------------------------------------------------------------------------ clients


def _check_ci(mode: Mode, ci_id: str, response: httpx.Response) -> str | None:
    """Why ``response`` is not the CI asked for, or ``None``."""
    if response.status_code != 200:
        return f"{mode} {ci_id}: HTTP {response.status_code} {response.text[:200]}"
    body: Any = response.json()
    if mode == "graphql":
        if body.get("errors"):
            return f"graphql {ci_id}: {json.dumps(body['errors'])[:200]}"
        body = (body.get("data") or {}).get("ci") or {}
    got = body.get("id") if isinstance(body, dict) else None
    return None if got == ci_id else f"{mode} {ci_id}: answered id {got!r}"


def _run_load(client: httpx.Client, job: LoadJob) -> LoadReply:
    cpu = time.process_time()
    latencies: list[float] = []
    errors: list[str] = []
    for ci_id in job["ids"]:
        if time.time() >= job["deadline"]:
            break
        start = time.perf_counter()
        try:
            if job["mode"] == "graphql":
                response = client.post("/graphql", json={"query": CI_QUERY, "variables": {"id": ci_id}})
            else:
                response = client.get(f"/bare/ci/{urllib.parse.quote(ci_id, safe='')}")
            problem = _check_ci(job["mode"], ci_id, response)
        except httpx.HTTPError as exc:
            problem = f"{job['mode']} {ci_id}: {exc!r}"
        latencies.append(time.perf_counter() - start)
        if problem is not None:
            errors.append(problem)
    return LoadReply(latencies=latencies, errors=errors, cpu_s=time.process_time() - cpu)


def _run_impact(client: httpx.Client, job: ImpactJob) -> ImpactReply:
    if time.time() >= job["deadline"]:
        return ImpactReply(seconds=None, total=None, rows=None, error=None)
    start = time.perf_counter()
    try:
        response = client.post("/graphql", json={"query": IMPACT_QUERY, "variables": {"ids": [job["ci_id"]]}})
        body: Any = response.json() if response.status_code == 200 else None
    except httpx.HTTPError as exc:
        return ImpactReply(seconds=None, total=None, rows=None, error=f"impact {job['ci_id']}: {exc!r}")
    seconds = time.perf_counter() - start
    if body is None or body.get("errors") or not body.get("data"):
        detail = response.text[:200] if body is None else json.dumps(body.get("errors"))[:200]
        error = f"impact {job['ci_id']}: HTTP {response.status_code} {detail}"
        return ImpactReply(seconds=seconds, total=None, rows=None, error=error)
    result = body["data"]["impact"]
    return ImpactReply(seconds=seconds, total=int(result["total"]), rows=len(result["impacted"]), error=None)


def client_worker(conn: Connection, base_url: str, secret: str) -> None:
    """A client process: one keep-alive connection; answers jobs until it receives ``None``."""
    headers = {"Authorization": f"Bearer {secret}"}
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # as browsers and most clients do
    transport = httpx.HTTPTransport(socket_options=nodelay)
    client = httpx.Client(
        base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S, trust_env=False, transport=transport
    )
    with client:
        client.get("/healthz").raise_for_status()
        conn.send("ready")
        while (job := cast(Job | None, conn.recv())) is not None:
            try:
                reply: LoadReply | ImpactReply = (
                    _run_load(client, job) if job["kind"] == "load" else _run_impact(client, job)
                )
            except Exception as exc:  # reported by the parent, never a hang
                problem = f"client failed: {exc!r}"
                reply = (
                    LoadReply(latencies=[], errors=[problem], cpu_s=0.0)
                    if job["kind"] == "load"
                    else ImpactReply(seconds=None, total=None, rows=None, error=problem)
                )
            conn.send(reply)


class ClientPool:
    """``n`` client processes (spawned: this process runs threads) with a pipe each."""

    def __init__(self, n: int, base_url: str, secret: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[multiprocessing.process.BaseProcess] = []
        for _ in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_worker, args=(child, base_url, secret), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        for conn in self.conns:
            if not conn.poll(START_TIMEOUT_S) or conn.recv() != "ready":
                self.close()
                raise RuntimeError("a client process did not start")

    def load(self, jobs: Sequence[LoadJob]) -> list[LoadReply]:
        """Send one job to each client at once; their replies, once all are done."""
        for conn, job in zip(self.conns, jobs, strict=False):
            conn.send(job)
        return [cast(LoadReply, conn.recv()) for conn in self.conns[: len(jobs)]]

    def impact(self, job: ImpactJob) -> ImpactReply:
        self.conns[0].send(job)
        return cast(ImpactReply, self.conns[0].recv())

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(STOP_TIMEOUT_S)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self.conns:
            conn.close()


# ------------------------------------------------------------------------------------ server


def bench_app(api: Api) -> Starlette:
    """``create_app(api)`` at ``/`` and the bare route next to it, in one application."""
    store = api.store

    async def bare_ci(request: Request) -> JSONResponse:
        ci_id: str = request.path_params["ci_id"]
        found = await anyio.to_thread.run_sync(functools.partial(store.find_ci, ci_id))
        if found is None:
            return JSONResponse({"error": f"no CI {ci_id!r}"}, status_code=404)
        return JSONResponse(found.model_dump(mode="json", include=set(CI_FIELDS)))

    return Starlette(
        routes=[
            Route("/bare/ci/{ci_id:path}", bare_ci, methods=["GET"]),
            Mount("/", app=create_app(api)),
        ]
    )


@contextlib.contextmanager
def running_server(app: Starlette) -> Iterator[str]:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread, ready (``/healthz`` answered); yields
    its base URL and stops it on the way out."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted sockets inherit it; with proto 0, Nagle's algorithm meets delayed ACKs and every
    # response takes ~40 ms
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=int(STOP_TIMEOUT_S),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        with httpx.Client(base_url=url, timeout=10.0, trust_env=False) as client:
            client.get("/healthz").raise_for_status()
        yield url
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT_S)
        sock.close()


# ------------------------------------------------------------------------------------ setup


@contextlib.contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields ``update(done, total)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def generate(size: int) -> tuple[list[CIData], list[Relationship]]:
    cis: list[CIData] = []
    rels: list[Relationship] = []
    with progress_bar(f"generating the demo enterprise ({size:,} CIs)") as update:
        for n, record in enumerate(iter_enterprise(size), 1):
            if isinstance(record, CIData):
                cis.append(record)
            else:
                rels.append(record)
            if n % 10_000 == 0:
                update(n, n)
        update(len(cis) + len(rels), len(cis) + len(rels))
    return cis, rels


def sample_failures(
    cis: Sequence[CIData], rels: Sequence[Relationship], n: int, rng: random.Random
) -> list[str]:
    """``n`` CIs of infrastructure kinds that something depends on, round robin over the kinds."""
    flows_from: set[str] = set()
    for rel in rels:
        spec = DEFAULT_REGISTRY.rel_types.get(rel.type)
        if spec is not None and spec.propagates:
            flows_from.add(rel.target if spec.flows == "to_source" else rel.source)
    by_kind: dict[str, list[str]] = {}
    for ci in cis:
        if ci.kind in INFRA_KINDS and ci.id in flows_from:
            by_kind.setdefault(ci.kind, []).append(ci.id)
    pools = [rng.sample(ids, len(ids)) for _, ids in sorted(by_kind.items())]
    failed: list[str] = []
    while len(failed) < n and any(pools):
        for pool in pools:
            if pool and len(failed) < n:
                failed.append(pool.pop())
    return failed


# ------------------------------------------------------------------------------------ measuring


@dataclass
class Throughput:
    """One mode's CI-by-id measurements."""

    mode: Mode
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    round_rates: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    def cpu_pct(self, cpu_s: float) -> float | None:
        return round(100 * cpu_s / self.seconds, 1) if self.seconds else None

    def add(self, replies: Sequence[LoadReply], seconds: float, server_cpu_s: float) -> None:
        done = sum(len(r["latencies"]) for r in replies)
        self.seconds += seconds
        self.server_cpu_s += server_cpu_s
        for reply in replies:
            self.latencies.extend(reply["latencies"])
            self.client_cpu_s += reply["cpu_s"]
        self.add_errors(replies)
        if done and seconds > 0:
            self.round_rates.append(done / seconds)

    def add_errors(self, replies: Sequence[LoadReply]) -> None:
        for reply in replies:
            self.error_count += len(reply["errors"])
            self.errors.extend(reply["errors"][: max(0, ERROR_EXAMPLES - len(self.errors))])

    def document(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 4),
            "requests_per_s": round(self.rate, 1),
            "p50_ms": self.percentile_ms(0.5),
            "p99_ms": self.percentile_ms(0.99),
            "server_cpu_pct": self.cpu_pct(self.server_cpu_s),
            "client_cpu_pct": self.cpu_pct(self.client_cpu_s),
            "errors": self.error_count,
            "error_examples": self.errors,
            "round_requests_per_s": [round(r, 1) for r in self.round_rates],
        }


@dataclass
class ImpactSample:
    ci_id: str
    in_process_s: float
    count: int
    http: ImpactReply


def cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def measure_throughput(
    pool: ClientPool, ids: Sequence[str], rounds: int, deadline: float, advance: Callable[[], None]
) -> dict[Mode, Throughput]:
    n = len(pool.conns)
    results: dict[Mode, Throughput] = {mode: Throughput(mode) for mode in MODES}
    warm = list(ids[: WARMUP * n])
    for mode in MODES:  # untimed, but checked like the rest
        jobs = [LoadJob(kind="load", mode=mode, ids=warm[k::n], deadline=deadline) for k in range(n)]
        results[mode].add_errors(pool.load(jobs))
    size = math.ceil(len(ids) / rounds)
    for r in range(rounds):
        chunk = ids[r * size : (r + 1) * size]
        for mode in MODES if r % 2 == 0 else MODES[::-1]:
            if time.time() >= deadline:
                return results
            jobs = [
                LoadJob(kind="load", mode=mode, ids=list(chunk[k::n]), deadline=deadline) for k in range(n)
            ]
            cpu = cpu_seconds()
            start = time.perf_counter()
            replies = pool.load(jobs)
            results[mode].add(replies, time.perf_counter() - start, cpu_seconds() - cpu)
            advance()
    return results


def measure_impact(
    api: Api, pool: ClientPool, failed: Sequence[str], deadline: float, advance: Callable[[], None]
) -> list[ImpactSample]:
    depth = api.limits.check_depth(None)

    def in_process(ci_id: str) -> tuple[float, int]:
        start = time.perf_counter()
        snap = api.snapshots.get()
        radius = blast_radius(snap.graph, [ci_id], max_depth=depth)
        summarize(radius)
        seconds = time.perf_counter() - start
        return seconds, len(radius.impacted)

    samples: list[ImpactSample] = []
    if not failed:
        return samples
    _, count = in_process(failed[0])  # warm-up, both ways; only a failure is kept
    warm = pool.impact(ImpactJob(kind="impact", ci_id=failed[0], deadline=deadline))
    if warm["error"] is not None:
        samples.append(ImpactSample(failed[0], 0.0, count, warm))
    for k, ci_id in enumerate(failed):
        if time.time() >= deadline:
            break
        job = ImpactJob(kind="impact", ci_id=ci_id, deadline=deadline)
        if k % 2 == 0:
            seconds, count = in_process(ci_id)
            http = pool.impact(job)
        else:
            http = pool.impact(job)
            seconds, count = in_process(ci_id)
        if http["seconds"] is None and http["error"] is None:
            break  # the deadline passed before the request
        samples.append(ImpactSample(ci_id, seconds, count, http))
        advance()
    return samples


# ------------------------------------------------------------------------------------ report


@dataclass
class Run:
    """Everything one run measured."""

    args: argparse.Namespace
    setup: dict[str, Any] = field(default_factory=dict)
    throughput: dict[Mode, Throughput] = field(default_factory=dict)
    impact: list[ImpactSample] = field(default_factory=list)
    stopped: str | None = None

    @property
    def ratio(self) -> float | None:
        if (
            len(self.throughput) < 2
            or not self.throughput["bare"].rate
            or not self.throughput["graphql"].rate
        ):
            return None
        return self.throughput["graphql"].rate / self.throughput["bare"].rate

    @property
    def round_ratios(self) -> list[float]:
        if not self.throughput:
            return []
        pairs = zip(self.throughput["graphql"].round_rates, self.throughput["bare"].round_rates, strict=False)
        return [g / b for g, b in pairs]

    @property
    def impact_mismatches(self) -> list[str]:
        return [
            f"{s.ci_id}: HTTP total {s.http['total']}, impacted rows {s.http['rows']}, in process {s.count}"
            for s in self.impact
            if s.http["error"] is None and (s.http["total"] != s.count or s.http["rows"] != s.count)
        ]

    @property
    def impact_errors(self) -> list[str]:
        return [s.http["error"] for s in self.impact if s.http["error"] is not None]

    def impact_numbers(self) -> dict[str, Any] | None:
        timed = [s for s in self.impact if s.http["seconds"] is not None and s.http["error"] is None]
        if not timed:
            return None

        def http_ms(sample: ImpactSample) -> float:
            return cast(float, sample.http["seconds"]) * 1000

        local = statistics.median(s.in_process_s for s in timed) * 1000
        http = statistics.median(http_ms(s) for s in timed)
        per_ci = [(http_ms(s) - s.in_process_s * 1000) * 1000 / s.count for s in timed if s.count]
        largest = max(timed, key=lambda s: s.count)
        return {
            "samples": len(timed),
            "impacted_median": statistics.median(s.count for s in timed),
            "in_process_median_ms": round(local, 3),
            "http_median_ms": round(http, 3),
            "overhead_ms": round(http - local, 3),
            "overhead_ratio": round(http / local, 2) if local > 0 else None,
            "overhead_us_per_impacted_ci_median": round(statistics.median(per_ci), 1) if per_ci else None,
            "largest": {
                "ci": largest.ci_id,
                "impacted": largest.count,
                "in_process_ms": round(largest.in_process_s * 1000, 3),
                "http_ms": round(http_ms(largest), 3),
            },
        }

    @property
    def failed(self) -> bool:
        errors = sum(t.error_count for t in self.throughput.values())
        return bool(errors or self.impact_errors or self.impact_mismatches)

    def document(self) -> dict[str, Any]:
        ratio = self.ratio
        rounds = self.round_ratios
        return {
            "setup": self.setup,
            "ci_by_id": {
                **{mode: t.document() for mode, t in self.throughput.items()},
                "graphql_over_bare": round(ratio, 4) if ratio is not None else None,
                "round_ratio_min": round(min(rounds), 4) if rounds else None,
                "round_ratio_max": round(max(rounds), 4) if rounds else None,
                "goal": GOAL,
                "goal_met": None if ratio is None else ratio >= GOAL,
            },
            "impact": {
                **(self.impact_numbers() or {}),
                "errors": self.impact_errors,
                "mismatches": self.impact_mismatches,
            },
            "stopped": self.stopped,
            "ok": not self.failed,
        }


def _shown(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{unit}"


def report(run: Run) -> None:
    s = run.setup
    out_console.print(
        f"demo enterprise: {s.get('cis', 0):,} CIs, {s.get('relationships', 0):,} relationships "
        f"(generated {s.get('generate_s', 0):.1f} s, loaded {s.get('load_s', 0):.1f} s, "
        f"snapshot {s.get('snapshot_s', 0):.1f} s); server {s.get('url', '-')}, "
        f"{s.get('clients', 0)} client processes, {s.get('rounds', 0)} rounds, {psutil.cpu_count()} CPUs",
        markup=False,
        highlight=False,
    )
    if run.throughput:
        table = Table(
            title="CI by id, same ids, same server, interleaved rounds",
            caption="bare: GET /bare/ci/{id}; GraphQL: POST /graphql ci(id) {5 fields}",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        for col in THROUGHPUT_COLUMNS:
            table.add_column(col, justify="left" if col == "route" else "right")
        bare = run.throughput["bare"].rate
        for mode, label in (("bare", "bare"), ("graphql", "GraphQL")):
            t = run.throughput[cast(Mode, mode)]
            table.add_row(
                label,
                f"{t.requests:,}",
                f"{t.rate:,.0f}",
                _shown(t.rate / bare if bare else None, ".2f"),
                _shown(t.percentile_ms(0.5), ".2f"),
                _shown(t.percentile_ms(0.99), ".2f"),
                _shown(t.cpu_pct(t.server_cpu_s), ".0f", "%"),
                _shown(t.cpu_pct(t.client_cpu_s), ".0f", "%"),
                str(t.error_count),
            )
        out_console.print(table)
    numbers = run.impact_numbers()
    if numbers is not None:
        table = Table(
            title="impact over HTTP vs in process (one failed CI per query)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        for col in IMPACT_COLUMNS:
            table.add_column(col, justify="left" if not col else "right")
        big = numbers["largest"]
        rows = (
            (f"median of {numbers['samples']}", numbers["impacted_median"], numbers["in_process_median_ms"],
             numbers["http_median_ms"]),
            ("largest radius", big["impacted"], big["in_process_ms"], big["http_ms"]),
        )  # fmt: skip
        for label, impacted, local, http in rows:
            times = f"{http / local:.1f}" if local > 0 else "-"
            table.add_row(
                label, f"{impacted:,.0f}", f"{local:.2f}", f"{http:.2f}", f"{http - local:.2f}", times
            )
        out_console.print(table)
        if numbers["overhead_us_per_impacted_ci_median"] is not None:
            per_ci = numbers["overhead_us_per_impacted_ci_median"]
            out_console.print(f"impact HTTP overhead per impacted CI: {per_ci} µs (median)")
    elif run.args.impact_samples:
        out_console.print("impact: nothing measured")

    out_console.print("goals:")
    ratio = run.ratio
    if ratio is None:
        out_console.print(f"  GraphQL >= {GOAL:.0%} of bare: n/a (nothing measured)")
    else:
        rounds = run.round_ratios
        spread = f" (rounds {min(rounds):.0%} to {max(rounds):.0%})" if rounds else ""
        verdict = "PASS" if ratio >= GOAL else "MISS"
        out_console.print(f"  GraphQL >= {GOAL:.0%} of bare: {ratio:.0%}{spread}  {verdict}")
        base = run.throughput["bare"]
        if base.seconds and base.server_cpu_s / base.seconds < SATURATED:
            out_console.print(
                f"  (the server used {base.server_cpu_s / base.seconds:.0%} of a core on the bare route: the "
                "clients, not the server, limited it; the ratio is an upper bound)"
            )
    for t in run.throughput.values():
        for problem in t.errors:
            out_console.print(f"ERROR {problem}", markup=False)
    for problem in run.impact_errors[:ERROR_EXAMPLES]:
        out_console.print(f"ERROR {problem}", markup=False)
    for problem in run.impact_mismatches[:ERROR_EXAMPLES]:
        out_console.print(f"MISMATCH {problem}", markup=False)
    if run.stopped:
        out_console.print(f"stopped early: {run.stopped}", markup=False)


# ------------------------------------------------------------------------------------ main


def execute(args: argparse.Namespace, work: Path, run: Run, started: float) -> None:
    deadline = started + args.time_limit
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    cis, rels = generate(args.cis)
    run.setup.update(cis=len(cis), relationships=len(rels), generate_s=round(time.perf_counter() - t0, 2))
    readable = [c.id for c in cis if not is_restricted(c.attributes)]
    ids = rng.choices(readable, k=args.requests)
    failed = sample_failures(cis, rels, args.impact_samples, rng)

    store = EmbeddedStore(work / "store.db")
    tokens = TokenFile(work / "tokens.db")
    try:
        t0 = time.perf_counter()
        with progress_bar("loading into the embedded store") as update:
            load_records(store, cis, rels, actor="bench", source="demo", progress=update)
        run.setup["load_s"] = round(time.perf_counter() - t0, 2)
        del cis, rels
        _, secret = tokens.create("bench", Role.ANALYST, now=datetime.now(UTC))
        api = Api(store=store, tokens=tokens)
        t0 = time.perf_counter()
        with err_console.status("building the analyses' snapshot"):
            api.snapshots.get()
        run.setup["snapshot_s"] = round(time.perf_counter() - t0, 2)
        if time.time() >= deadline:
            run.stopped = f"time limit ({args.time_limit} s) reached during setup"
            return

        n = args.clients
        rounds = max(
            math.ceil(args.requests / (n * MAX_PER_CLIENT)),
            min(args.rounds, args.requests // (n * MIN_PER_CLIENT)),
            1,
        )
        run.setup.update(clients=n, rounds=rounds)
        with running_server(bench_app(api)) as url:
            run.setup["url"] = url
            pool = ClientPool(n, url, secret)
            try:
                columns = (
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )
                with Progress(*columns, console=err_console, transient=True) as progress:
                    task = progress.add_task("CI by id rounds", total=2 * rounds)
                    share = CI_SHARE if failed else 1.0
                    ci_deadline = time.time() + share * max(0.0, deadline - time.time())
                    run.throughput = measure_throughput(
                        pool, ids, rounds, ci_deadline, lambda: progress.advance(task)
                    )
                    task = progress.add_task("impact samples", total=len(failed))
                    run.impact = measure_impact(api, pool, failed, deadline, lambda: progress.advance(task))
            finally:
                pool.close()
        done = sum(t.requests for t in run.throughput.values())
        if done < 2 * args.requests or len(run.impact) < len(failed):
            run.stopped = f"time limit ({args.time_limit} s) reached"
    finally:
        tokens.close()
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cis", type=int, default=100_000, help="demo enterprise size (default 100000)")
    parser.add_argument(
        "--requests", type=int, default=2000, help="CI-by-id requests per route (default 2000)"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes (default 4)")
    parser.add_argument("--impact-samples", type=int, default=20, help="failed CIs timed (default 20)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument(
        "--time-limit", type=float, default=600.0, help="seconds for the whole run (default 600)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args()
    if not DEMO_MIN_SIZE <= args.cis <= DEMO_MAX_SIZE:
        parser.error(f"--cis must be between {DEMO_MIN_SIZE} and {DEMO_MAX_SIZE}")
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.clients <= 64:
        parser.error("--requests must be 1..1000000 and --clients 1..64")
    if not 0 <= args.impact_samples <= 1000 or args.rounds < 1 or args.time_limit <= 0:
        parser.error("--impact-samples must be 0..1000, --rounds >= 1 and --time-limit > 0")

    started = time.time()
    run = Run(args)
    with tempfile.TemporaryDirectory(prefix="cmdbgraph-bench-api-") as tmp:
        execute(args, Path(tmp), run, started)
    run.setup["total_s"] = round(time.time() - started, 1)
    if args.json:
        print(json.dumps(run.document(), indent=2))
    else:
        report(run)
        out_console.print(f"\ntotal {run.setup['total_s']:.1f} s")
    return 1 if run.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
