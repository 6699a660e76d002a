"""Syncing sources into a real store (every backend): merge, precedence, provenance, stale cleanup.

Two hand-built sources overlap: ``cmdb-csv`` (an asset register) and ``k8s`` (manifests). The
expected graph is stated in full in each test. Claims stay small and free of quotes and
backslashes (FalkorDB's Bolt listener splices strings into the query text).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cmdbgraph.graphdb import GraphStore
from cmdbgraph.ingest.precedence import Precedence
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.ingest.sync import provenance, relationship_provenance, sync_source
from cmdbgraph.schema import InvalidInput, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
PRECEDENCE = Precedence(default=("cmdb-csv", "k8s"))


def sci(
    key: str, name: str, kind: str = "Service", file: str = "cis.csv", line: int = 2, **attrs: Any
) -> SourceCI:
    return SourceCI(
        key=key,
        kind=kind,
        name=name,
        suggested_id=slug(name),
        identity={"name": name},
        attributes=attrs,
        evidence=(Evidence(file=file, line=line),),
    )


def dep(source: str, target: str, file: str, line: int) -> SourceRelationship:
    return SourceRelationship(
        source_key=source, target_key=target, type="DEPENDS_ON", evidence=(Evidence(file=file, line=line),)
    )


CSV = SourceGraph(
    format="csv",
    cis=(
        sci("1", "frontend", line=2, environment="production", tier=1),
        sci("2", "cartservice", line=3, environment="production"),
    ),
    relationships=(dep("1", "2", "rels.csv", 2),),
)


def k8s(*, frontend: bool = True) -> SourceGraph:
    cis = [
        sci("deployment/cartservice", "cartservice", file="cartservice.yaml", line=20, image="cart:1"),
        sci("deployment/redis-cart", "redis-cart", "Cache", file="redis.yaml", line=18, engine="redis"),
    ]
    rels = [dep("deployment/cartservice", "deployment/redis-cart", "cartservice.yaml", 40)]
    if frontend:
        cis.append(
            sci(
                "deployment/frontend",
                "frontend",
                file="frontend.yaml",
                line=20,
                environment="staging",
                image="fe:2",
            )
        )
        rels.append(dep("deployment/frontend", "deployment/cartservice", "frontend.yaml", 61))
    return SourceGraph(format="kubernetes", cis=tuple(cis), relationships=tuple(rels))


def run(store: GraphStore, graph: SourceGraph, source: str, at: datetime, **kw: Any) -> Any:
    return sync_source(store, graph, source=source, actor="tester", now=at, precedence=PRECEDENCE, **kw)


def configuration(store: GraphStore) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Every CI but the claims: id -> (kind, status, attributes)."""
    return {c.id: (c.kind, c.status.value, c.attributes) for c in store.iter_cis() if c.kind != "SourceClaim"}


def edges(store: GraphStore) -> set[tuple[str, str, str]]:
    return {r.key for r in store.iter_relationships() if r.type != "CLAIMS"}


def test_two_sources_merge_by_identity_and_precedence_decides_each_attribute(store: GraphStore) -> None:
    run(store, CSV, "cmdb-csv", T0)
    report = run(store, k8s(), "k8s", T0 + DAY)

    assert configuration(store) == {
        "frontend": ("Service", "operational", {"environment": "production", "tier": 1, "image": "fe:2"}),
        "cartservice": ("Service", "operational", {"environment": "production", "image": "cart:1"}),
        "redis-cart": ("Cache", "operational", {"engine": "redis"}),
    }
    assert edges(store) == {
        ("frontend", "DEPENDS_ON", "cartservice"),
        ("cartservice", "DEPENDS_ON", "redis-cart"),
    }
    assert [(m.key, m.ci_id, m.rule) for m in report.matched] == [
        ("deployment/cartservice", "cartservice", "identity:name"),
        ("deployment/redis-cart", "redis-cart", "new"),
        ("deployment/frontend", "frontend", "identity:name"),
    ]
    assert [(c.subject, c.field, c.values, c.winner) for c in report.conflicts] == [
        ("frontend", "attributes.environment", {"cmdb-csv": "production", "k8s": "staging"}, "cmdb-csv")
    ]
    assert [r.action for r in report.relationships] == ["added", "claimed"]

    rows = [(r.attribute, r.source, r.value, r.winner, r.evidence) for r in provenance(store, "frontend")]
    assert rows == [
        ("attributes.environment", "cmdb-csv", "production", True, ({"file": "cis.csv", "line": 2},)),
        ("attributes.environment", "k8s", "staging", False, ({"file": "frontend.yaml", "line": 20},)),
        ("attributes.image", "k8s", "fe:2", True, ({"file": "frontend.yaml", "line": 20},)),
        ("attributes.tier", "cmdb-csv", 1, True, ({"file": "cis.csv", "line": 2},)),
        ("name", "cmdb-csv", "frontend", True, ({"file": "cis.csv", "line": 2},)),
        ("name", "k8s", "frontend", True, ({"file": "frontend.yaml", "line": 20},)),
    ]
    assert {r.last_seen for r in provenance(store, "frontend") if r.source == "k8s"} == {
        (T0 + DAY).isoformat()
    }
    claims = [
        (c.source_id, c.target_id, c.source, c.evidence) for c in relationship_provenance(store, "frontend")
    ]
    assert claims == [
        ("frontend", "cartservice", "cmdb-csv", ({"file": "rels.csv", "line": 2},)),
        ("frontend", "cartservice", "k8s", ({"file": "frontend.yaml", "line": 61},)),
    ]


def test_rerunning_a_source_without_a_ci_retires_only_its_own_claim(store: GraphStore) -> None:
    run(store, CSV, "cmdb-csv", T0)
    run(store, k8s(), "k8s", T0)
    csv_claim = store.get_ci("claim:cmdb-csv:1").content()

    stale = run(store, k8s(frontend=False), "k8s", T0 + DAY)
    assert [(r.action, r.subject) for r in stale.retirements] == [
        ("claim_stale", "claim:k8s:deployment/frontend"),
        ("relationship_claim_stale", "frontend -[DEPENDS_ON]-> cartservice"),
    ]
    assert store.get_ci("claim:k8s:deployment/frontend").attributes["stale_since"] == (T0 + DAY).isoformat()
    assert store.get_ci("claim:cmdb-csv:1").content() == csv_claim
    assert configuration(store)["frontend"][2] == {"environment": "production", "tier": 1, "image": "fe:2"}

    expired = run(store, k8s(frontend=False), "k8s", T0 + DAY + WEEK)
    assert [(r.action, r.subject) for r in expired.retirements] == [
        ("claim_deleted", "claim:k8s:deployment/frontend"),
        ("relationship_claim_deleted", "frontend -[DEPENDS_ON]-> cartservice"),
    ]
    assert store.find_ci("claim:k8s:deployment/frontend") is None
    assert store.get_ci("claim:cmdb-csv:1").content() == csv_claim
    assert configuration(store)["frontend"] == (
        "Service",
        "operational",
        {"environment": "production", "tier": 1},
    )
    assert {r.source for r in provenance(store, "frontend")} == {"cmdb-csv"}
    assert edges(store) == {
        ("frontend", "DEPENDS_ON", "cartservice"),
        ("cartservice", "DEPENDS_ON", "redis-cart"),
    }
    assert [c.source for c in relationship_provenance(store, "frontend")] == ["cmdb-csv"]


def test_a_ci_only_one_source_claimed_is_retired_after_the_grace_period(store: GraphStore) -> None:
    run(store, CSV, "cmdb-csv", T0)
    run(store, k8s(), "k8s", T0)
    only_cart = SourceGraph(format="kubernetes", cis=(k8s().cis[0],))
    run(store, only_cart, "k8s", T0 + DAY)
    assert store.get_ci("redis-cart").status == Status.OPERATIONAL
    report = run(store, only_cart, "k8s", T0 + 2 * WEEK)
    assert store.get_ci("redis-cart").status == Status.RETIRED
    assert ("ci_retired", "redis-cart") in [(r.action, r.subject) for r in report.retirements]
    assert ("cartservice", "DEPENDS_ON", "redis-cart") not in edges(store)
    assert store.get_ci("frontend").status == Status.OPERATIONAL  # cmdb-csv still claims it
    assert report.write is not None
    assert report.write.cis_retired == 1


def test_a_refused_run_writes_nothing(store: GraphStore) -> None:
    run(store, CSV, "cmdb-csv", T0)
    seq, counts = store.last_seq(), store.counts()
    bad = SourceGraph(
        format="kubernetes", cis=(*k8s().cis, sci("deployment/odd", "odd", "Spaceship", file="odd.yaml"))
    )
    with pytest.raises(InvalidInput) as info:
        run(store, bad, "k8s", T0 + DAY)
    assert [(p.code, p.where) for p in info.value.problems] == [("UNKNOWN_KIND", "odd.yaml:2")]
    assert store.last_seq() == seq
    assert store.counts() == counts


def test_a_dry_run_writes_nothing_and_reports_the_plan_a_real_run_carries_out(store: GraphStore) -> None:
    run(store, CSV, "cmdb-csv", T0)
    run(store, k8s(), "k8s", T0)
    seq = store.last_seq()
    dry = run(store, k8s(frontend=False), "k8s", T0 + DAY, dry_run=True, grace=timedelta(0))
    assert store.last_seq() == seq
    assert store.find_ci("claim:k8s:deployment/frontend") is not None
    real = run(store, k8s(frontend=False), "k8s", T0 + DAY, grace=timedelta(0))
    assert store.find_ci("claim:k8s:deployment/frontend") is None

    assert dry.dry_run
    assert not real.dry_run
    assert dry.model_dump(exclude={"dry_run", "write"}) == real.model_dump(exclude={"dry_run", "write"})
    assert dry.write is not None
    assert real.write is not None
    assert dry.write.model_dump(exclude={"seq"}) == real.write.model_dump(exclude={"seq"})
    assert [(c.subject, c.field, c.old, c.removed) for c in real.changed] == [
        ("frontend", "attributes.image", "fe:2", True)
    ]
    assert real.write.cis_deleted == 1  # the k8s claim on frontend
