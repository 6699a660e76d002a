"""Tests of the demo enterprise generator (:mod:`cmdbgraph.ingest.demo`)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

import networkx as nx
import pytest

from cmdbgraph.ingest.demo import DEMO_MAX_SIZE, DEMO_MIN_SIZE, iter_enterprise
from cmdbgraph.schema import (
    BUILTIN_KINDS,
    BUILTIN_REL_TYPES,
    DEFAULT_REGISTRY,
    CIData,
    Relationship,
    Status,
    parse_min_up,
    required_up,
)

Enterprise = tuple[tuple[CIData, ...], tuple[Relationship, ...]]

COMPANY_KINDS = frozenset(
    {
        "BusinessService", "Service", "Application", "API", "Database", "Cache", "Queue",
        "Dataset", "Host", "Container", "Network", "Storage", "Datacenter", "CloudRegion",
        "Location", "Team", "Person", "Vendor", "Contract",
    }
)  # fmt: skip
SERVICE_LAYER = frozenset(
    {"BusinessService", "Service", "Application", "API", "Database", "Cache", "Queue", "Dataset"}
)
DEPARTMENTS = frozenset({"HR", "Facilities", "Finance", "Legal", "IT/R&D"})


def _split(items: Iterable[CIData | Relationship]) -> Enterprise:
    cis: list[CIData] = []
    rels: list[Relationship] = []
    for item in items:
        if isinstance(item, CIData):
            assert not rels, f"CI {item.id} yielded after a relationship"
            cis.append(item)
        else:
            rels.append(item)
    return tuple(cis), tuple(rels)


@lru_cache(maxsize=8)
def enterprise(size: int, seed: int = 42) -> Enterprise:
    return _split(iter_enterprise(size, seed))


def _digest(size: int, seed: int) -> str:
    h = hashlib.sha256()
    for item in iter_enterprise(size, seed):
        h.update(item.model_dump_json().encode())
        h.update(b"\n")
    return h.hexdigest()


# ------------------------------------------------------------------------------ determinism


def test_same_seed_gives_the_same_sequence() -> None:
    assert list(iter_enterprise(1000, seed=7)) == list(iter_enterprise(1000, seed=7))


def test_different_seeds_differ() -> None:
    assert list(iter_enterprise(1000, seed=1)) != list(iter_enterprise(1000, seed=2))


def test_same_sequence_in_other_processes() -> None:
    """No dependence on str hashing or set order: other hash seeds give the same digest."""
    code = (
        "import hashlib\n"
        "from cmdbgraph.ingest.demo import iter_enterprise\n"
        "h = hashlib.sha256()\n"
        "for item in iter_enterprise(2000, 5):\n"
        "    h.update(item.model_dump_json().encode())\n"
        "    h.update(b'\\n')\n"
        "print(h.hexdigest())\n"
    )
    expected = _digest(2000, 5)
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == expected


# ------------------------------------------------------------------------------------ sizes


@pytest.mark.parametrize("size", [DEMO_MIN_SIZE - 1, DEMO_MAX_SIZE + 1, 0, -5])
def test_size_out_of_bounds_is_rejected_at_call_time(size: int) -> None:
    with pytest.raises(ValueError, match="demo size must be between"):
        iter_enterprise(size)


def test_largest_size_is_accepted_and_lazy() -> None:
    items = iter_enterprise(DEMO_MAX_SIZE)
    first = next(items)
    assert isinstance(first, CIData)
    assert first.kind == "Location"


@pytest.mark.parametrize("size", [100, 1000, 20000])
def test_ci_count_is_near_size(size: int) -> None:
    cis, _ = enterprise(size)
    assert abs(len(cis) - size) <= 0.05 * size


@pytest.mark.parametrize("size", [100, 1000])
def test_every_layer_of_the_company_is_present(size: int) -> None:
    cis, _ = enterprise(size)
    kinds = {ci.kind for ci in cis}
    assert kinds >= COMPANY_KINDS
    assert kinds <= set(BUILTIN_KINDS)


@pytest.mark.parametrize("size", [1000, 20000])
def test_about_three_relationships_per_ci(size: int) -> None:
    cis, rels = enterprise(size)
    assert 2.5 <= len(rels) / len(cis) <= 3.5


# --------------------------------------------------------------------------------- validity


def test_a_sample_of_2000_is_valid() -> None:
    cis, rels = enterprise(2000)
    assert len(cis) == 2000
    for ci in cis:
        assert ci.name
        assert ci.name != ci.id
        dumped = ci.model_dump()
        again = CIData.model_validate(dumped)
        assert again == ci
        assert again.model_dump() == dumped
        assert CIData.model_validate_json(ci.model_dump_json()) == ci
        assert DEFAULT_REGISTRY.check_ci(ci) == [], ci
    for rel in rels:
        assert rel.type in BUILTIN_REL_TYPES
        dumped = rel.model_dump()
        again_rel = Relationship.model_validate(dumped)
        assert again_rel == rel
        assert again_rel.model_dump() == dumped
        assert Relationship.model_validate_json(rel.model_dump_json()) == rel
        assert DEFAULT_REGISTRY.check_relationship(rel) == [], rel


@pytest.mark.parametrize("size", [100, 20000])
def test_ids_and_relationship_keys_are_unique(size: int) -> None:
    cis, rels = enterprise(size)
    assert len({ci.id for ci in cis}) == len(cis)
    assert len({rel.key for rel in rels}) == len(rels)


@pytest.mark.parametrize("size", [100, 20000])
def test_endpoints_exist_and_differ(size: int) -> None:
    cis, rels = enterprise(size)
    ids = {ci.id for ci in cis}
    for rel in rels:
        assert rel.source != rel.target
        assert rel.source in ids, rel
        assert rel.target in ids, rel


def test_every_ci_precedes_the_relationships_that_reference_it() -> None:
    seen: set[str] = set()
    for item in iter_enterprise(1000, seed=3):
        if isinstance(item, CIData):
            seen.add(item.id)
        else:
            assert item.source in seen
            assert item.target in seen


# ------------------------------------------------------------------------------- semantics


def test_redundancy_groups_are_consistent_per_consumer() -> None:
    _, rels = enterprise(20000)
    groups: defaultdict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for rel in rels:
        if rel.redundancy_group is None:
            assert rel.min_up is None
            continue
        groups[(DEFAULT_REGISTRY.consumer(rel), rel.redundancy_group)].append(rel)
    assert {name for _, name in groups} >= {"db-replicas", "pool", "multi-region"}
    for (consumer, name), members in groups.items():
        quorums = {m.min_up for m in members}
        assert len(quorums) == 1, (consumer, name, quorums)
        (quorum,) = quorums
        assert quorum is not None
        assert parse_min_up(quorum) == quorum
        assert len(members) >= 2, (consumer, name)
        assert required_up(quorum, len(members)) <= len(members), (consumer, name)
        assert len({m.type for m in members}) == 1


def test_replica_sets_pools_and_regions_look_right() -> None:
    cis, rels = enterprise(20000)
    kind = {ci.id: ci.kind for ci in cis}
    by_group: defaultdict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for rel in rels:
        if rel.redundancy_group:
            by_group[(rel.source, rel.redundancy_group)].append(rel)
    for (source, name), members in by_group.items():
        targets = [kind[m.target] for m in members]
        if name == "db-replicas":
            assert kind[source] == "Service"
            assert targets == ["Database"] * 3
            assert members[0].min_up == 2
        elif name == "pool":
            assert set(targets) == {"Container"}
            assert members[0].min_up == "50%"
        elif name == "multi-region":
            assert targets == ["Host", "Host"]
            assert members[0].min_up == 1


def test_service_layer_dependencies_form_a_dag() -> None:
    cis, rels = enterprise(20000)
    kind = {ci.id: ci.kind for ci in cis}
    graph: nx.DiGraph[str] = nx.DiGraph()
    for rel in rels:
        spec = BUILTIN_REL_TYPES[rel.type]
        if spec.propagates and kind[rel.source] in SERVICE_LAYER and kind[rel.target] in SERVICE_LAYER:
            graph.add_edge(spec.provider(rel), spec.consumer(rel))  # failure flow
    assert graph.number_of_edges() > 5000
    assert nx.is_directed_acyclic_graph(graph)


def test_all_five_departments_appear() -> None:
    cis, _ = enterprise(1000)
    for k in ("BusinessService", "Team"):
        assert {ci.attributes["department"] for ci in cis if ci.kind == k} == DEPARTMENTS


def test_organisation_and_locations_are_hierarchies() -> None:
    cis, rels = enterprise(20000)
    kind = {ci.id: ci.kind for ci in cis}
    loc_type = {ci.id: ci.attributes["type"] for ci in cis if ci.kind == "Location"}
    assert set(loc_type.values()) == {"site", "building", "floor"}
    members = Counter(r.source for r in rels if r.type == "MEMBER_OF")
    assert set(members) == {ci.id for ci in cis if ci.kind == "Person"}
    assert set(members.values()) == {1}
    reports: nx.DiGraph[str] = nx.DiGraph()
    for rel in rels:
        if rel.type == "REPORTS_TO":
            assert kind[rel.source] == kind[rel.target]
            reports.add_edge(rel.source, rel.target)
        if rel.type == "LOCATED_IN" and rel.source in loc_type:
            parent = {"floor": "building", "building": "site"}[str(loc_type[rel.source])]
            assert loc_type[rel.target] == parent
        if rel.type == "PART_OF":
            assert (kind[rel.source], kind[rel.target]) == ("API", "Service")
    assert nx.is_directed_acyclic_graph(reports)
    assert max(d for _, d in reports.out_degree()) == 1  # one manager, one parent team


def test_vendors_supply_the_right_things() -> None:
    cis, rels = enterprise(20000)
    by_id = {ci.id: ci for ci in cis}
    vendor_types = {ci.attributes["vendor_type"] for ci in cis if ci.kind == "Vendor"}
    assert vendor_types == {"cloud", "saas", "hardware", "software", "services"}
    supplied: defaultdict[str, set[object]] = defaultdict(set)
    for rel in rels:
        if rel.type == "SUPPLIED_BY":
            target = by_id[rel.target]
            assert target.kind == "Vendor"
            supplied[by_id[rel.source].kind].add(target.attributes["vendor_type"])
    assert supplied["CloudRegion"] == {"cloud"}
    assert supplied["Host"] == {"hardware"}
    assert supplied["Contract"] == vendor_types
    assert "saas" in supplied["Application"]


def test_attributes_criticality_and_status_are_believable() -> None:
    cis, rels = enterprise(20000)
    statuses = Counter(ci.status for ci in cis)
    assert statuses[Status.OPERATIONAL] > 0.95 * len(cis)
    assert statuses[Status.MAINTENANCE] > 0
    assert statuses[Status.DEGRADED] > 0
    assert {ci.criticality for ci in cis} == {1, 2, 3, 4}
    payroll = [ci for ci in cis if ci.kind == "BusinessService" and ci.name == "Payroll"]
    assert payroll
    assert all(ci.criticality <= 2 for ci in payroll)
    hosts = [ci for ci in cis if ci.kind == "Host"]
    assert all(isinstance(h.attributes["cpu_count"], int) for h in hosts)
    assert all(isinstance(h.attributes["memory_gb"], float) for h in hosts)
    assert any(rel.optional for rel in rels)
    kind = {ci.id: ci.kind for ci in cis}
    assert all(r.optional for r in rels if r.type == "DEPENDS_ON" and kind[r.target] == "Cache")


def test_articles_have_recent_views_and_feedback() -> None:
    from datetime import datetime, timedelta

    from cmdbgraph.ingest.demo.service_history import DEMO_EPOCH, HISTORY_DAYS

    cis, rels = enterprise(1000)
    persons = {ci.id for ci in cis if ci.kind == "Person"}
    articles = [ci for ci in cis if ci.kind == "KnowledgeArticle"]
    assert articles
    opened_at = {ci.id: str(ci.attributes["opened_at"]) for ci in cis if "opened_at" in ci.attributes}
    opened = {
        (r.target, datetime.fromisoformat(opened_at[r.source]))
        for r in rels
        if r.type == "REQUESTED_BY" and r.source in opened_at
    }
    followed = deflected = 0
    for article in articles:
        a = article.attributes
        views = a["recent_views"]
        assert isinstance(views, list)
        assert 1 <= len(views) <= 100
        seen = a["views"]
        assert isinstance(seen, int)
        assert seen >= len(views)
        times = []
        for view in views:
            assert isinstance(view, dict)
            assert view["person"] in persons
            at = datetime.fromisoformat(str(view["at"]))
            assert at <= DEMO_EPOCH
            assert at >= DEMO_EPOCH - timedelta(days=HISTORY_DAYS + 1)
            times.append(at)
            if any(p == view["person"] and at <= t <= at + timedelta(days=1) for p, t in opened):
                followed += 1
            else:
                deflected += 1
        assert times == sorted(times)
        for counter in ("helpful", "not_helpful"):
            value = a[counter]
            assert isinstance(value, int)
            assert value >= 0
    assert followed > 0
    assert deflected > followed
