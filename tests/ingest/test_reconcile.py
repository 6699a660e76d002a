"""Reconciliation rules, pure: identification, precedence, conflicts, manual values, stale claims.

Every test runs :func:`reconcile` against a :class:`World`, a dict-backed stand-in for a store
that applies each planned batch the way the store contract says (upserts, relationship deletes,
retirements, deletes cascading to relationships), so runs can follow each other without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, GraphContents, RelKey
from cmdbgraph.ingest.claims import claim_id
from cmdbgraph.ingest.precedence import IdentificationRules, Precedence
from cmdbgraph.ingest.reconcile import reconcile
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.ingest.sync_report import SyncPlan, SyncReport
from cmdbgraph.schema import CI, DEFAULT_REGISTRY, CIData, InvalidInput, Registry, Relationship, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def sci(
    key: str,
    name: str,
    kind: str = "Service",
    *,
    identity: dict[str, JsonValue] | None = None,
    sid: str | None = None,
    **attributes: Any,
) -> SourceCI:
    """A claim named ``name`` (identity name: its lower case) with evidence ``KEY.yaml:3``."""
    return SourceCI(
        key=key,
        kind=kind,
        name=name,
        suggested_id=sid or slug(name),
        identity={"name": name.lower(), **(identity or {})},
        attributes=attributes,
        evidence=(Evidence(file=f"{key.replace('/', '_')}.yaml", field="spec", line=3),),
    )


def srel(source: str, target: str, rel_type: str = "DEPENDS_ON", **kw: Any) -> SourceRelationship:
    return SourceRelationship(
        source_key=source,
        target_key=target,
        type=rel_type,
        evidence=(Evidence(file="rels.yaml", line=7),),
        **kw,
    )


def graph(
    cis: list[SourceCI], rels: list[SourceRelationship] | None = None, fmt: str = "test"
) -> SourceGraph:
    return SourceGraph(format=fmt, cis=tuple(cis), relationships=tuple(rels or ()))


@dataclass
class World:
    """What a store would hold after each applied plan (pure, in memory)."""

    registry: Registry = DEFAULT_REGISTRY
    cis: dict[str, CI] = field(default_factory=dict)
    rels: dict[RelKey, Relationship] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)

    def contents(self) -> GraphContents:
        return GraphContents(
            cis=[self.cis[k] for k in sorted(self.cis)],
            relationships=[self.rels[k] for k in sorted(self.rels)],
        )

    def apply(self, batch: Batch) -> None:
        self.batches.append(batch)
        for data in batch.upsert_cis:
            assert not self.registry.check_ci(data), (data, self.registry.check_ci(data))
            self.cis[data.id] = CI(**data.model_dump())
        for rel in batch.upsert_relationships:
            assert {rel.source, rel.target} <= self.cis.keys(), rel
            self.rels[rel.key] = rel
        for key in batch.delete_relationships:
            del self.rels[key]
        for ci_id in batch.retire_cis:
            self.cis[ci_id] = self.cis[ci_id].model_copy(update={"status": Status.RETIRED})
        for ci_id in batch.delete_cis:
            del self.cis[ci_id]
            self.rels = {k: r for k, r in self.rels.items() if ci_id not in (r.source, r.target)}

    def plan(self, g: SourceGraph, source: str, at: datetime, **kw: Any) -> SyncPlan:
        kw.setdefault("grace", WEEK)
        return reconcile(self.contents(), g, source=source, registry=self.registry, now=at, **kw)

    def sync(self, g: SourceGraph, source: str, at: datetime, **kw: Any) -> SyncReport:
        plan = self.plan(g, source, at, **kw)
        self.apply(plan.batch)
        return plan.report

    # -- reading ------------------------------------------------------------------------------
    def configuration_items(self) -> dict[str, CI]:
        return {k: c for k, c in self.cis.items() if c.kind != "SourceClaim"}

    def claimants(self, ci_id: str) -> set[str]:
        """Ids of the claims that CLAIMS the CI."""
        return {r.source for r in self.rels.values() if r.type == "CLAIMS" and r.target == ci_id}

    def status(self, ci_id: str) -> Status:
        return self.cis[ci_id].status

    def edges(self) -> set[RelKey]:
        return {k for k in self.rels if k[1] != "CLAIMS"}


def manual(world: World, *cis: CIData, rels: tuple[Relationship, ...] = ()) -> None:
    """Write CIs and relationships the way a person (a graph-file import) does."""
    world.apply(Batch(upsert_cis=cis, upsert_relationships=rels))


# ------------------------------------------------------------------------------ identification
def test_the_same_ci_from_two_sources_becomes_one_ci_with_two_claims() -> None:
    world = World()
    world.sync(graph([sci("1", "frontend"), sci("2", "cartservice")], [srel("1", "2")]), "cmdb-csv", T0)
    report = world.sync(
        graph(
            [
                sci("deployment/default/frontend", "Frontend"),
                sci("deployment/default/redis-cart", "redis-cart", "Cache"),
            ]
        ),
        "k8s",
        T0 + DAY,
    )

    assert sorted(world.configuration_items()) == ["cartservice", "frontend", "redis-cart"]
    assert world.claimants("frontend") == {"claim:cmdb-csv:1", "claim:k8s:deployment/default/frontend"}
    assert world.claimants("cartservice") == {"claim:cmdb-csv:2"}
    assert [(m.key, m.ci_id, m.rule) for m in report.matched] == [
        ("deployment/default/frontend", "frontend", "identity:name"),
        ("deployment/default/redis-cart", "redis-cart", "new"),
    ]
    assert [a.ci_id for a in report.added] == ["redis-cart"]
    assert world.edges() == {("frontend", "DEPENDS_ON", "cartservice")}


def test_identity_needs_the_same_kind_unless_the_kinds_are_grouped() -> None:
    world = World()
    world.sync(graph([sci("1", "payments")]), "a", T0)  # a Service
    world.sync(graph([sci("x", "payments", "Application")]), "b", T0)
    assert sorted(world.configuration_items()) == ["payments", "payments-2"]
    assert world.cis["payments-2"].kind == "Application"

    grouped = World()
    rules = IdentificationRules(kind_groups=(frozenset({"Service", "Application"}),))
    grouped.sync(graph([sci("1", "payments")]), "a", T0, rules=rules)
    report = grouped.sync(graph([sci("x", "payments", "Application")]), "b", T0, rules=rules)
    assert sorted(grouped.configuration_items()) == ["payments"]
    assert grouped.cis["payments"].kind == "Service"
    assert report.notes == ["x: claims kind Application; payments stays a Service"]


def test_hosts_are_identified_by_fqdn_else_hostname_and_domain_never_by_name_alone() -> None:
    world = World()
    manual(
        world,
        CIData(id="srv-1", kind="Host", name="web01", attributes={"fqdn": "web01.prod.example.com"}),
        CIData(
            id="srv-2",
            kind="Host",
            name="db01",
            attributes={"hostname": "db01", "domain": "prod.example.com"},
        ),
        CIData(id="srv-3", kind="Host", name="cache01"),
    )
    report = world.sync(
        graph(
            [
                sci("h1", "WEB01", "Host", identity={"fqdn": "Web01.Prod.Example.com"}),
                sci("h2", "db01", "Host", identity={"hostname": "db01", "domain": "prod.example.com"}),
                sci("h3", "cache01", "Host", identity={"hostname": "cache01", "domain": "test.example.com"}),
            ]
        ),
        "discovery",
        T0,
    )
    assert [(m.key, m.ci_id, m.rule) for m in report.matched] == [
        ("h1", "srv-1", "identity:fqdn"),
        ("h2", "srv-2", "identity:hostname+domain"),
        ("h3", "cache01", "new"),  # the name alone does not identify a Host
    ]


def test_a_sources_own_claim_identifies_its_ci_even_after_a_rename() -> None:
    world = World()
    world.sync(graph([sci("svc/7", "checkout")]), "k8s", T0)
    report = world.sync(graph([sci("svc/7", "checkout-v2")]), "k8s", T0 + DAY)
    assert [(m.ci_id, m.rule) for m in report.matched] == [("checkout", "own_claim")]
    assert world.cis["checkout"].name == "checkout-v2"
    assert [(c.field, c.old, c.new, c.winner) for c in report.changed] == [
        ("name", "checkout", "checkout-v2", "k8s")
    ]


def test_distinct_keys_of_one_source_stay_distinct_cis() -> None:
    world = World()
    report = world.sync(
        graph(
            [
                sci("user:default/guest", "guest", "Person"),
                sci("user:dev/guest", "guest", "Person", sid="user-dev-guest"),
            ]
        ),
        "bs",
        T0,
    )
    assert sorted(world.configuration_items()) == ["guest", "user-dev-guest"]
    assert [m.rule for m in report.matched] == ["new", "new"]


def test_people_are_identified_by_email_first() -> None:
    world = World()
    world.sync(graph([sci("u1", "jdoe", "Person", identity={"email": "j.doe@example.com"})]), "hr", T0)
    report = world.sync(
        graph([sci("u9", "Jane Doe", "Person", identity={"email": "J.Doe@example.com"})]), "bs", T0
    )
    assert [(m.ci_id, m.rule) for m in report.matched] == [("jdoe", "identity:email")]


# ---------------------------------------------------------------------------------- precedence
def test_precedence_decides_each_attribute_and_conflicts_are_reported() -> None:
    world = World()
    precedence = Precedence(default=("cmdb-csv", "k8s"), fields={"attributes.version": ("k8s",)})
    world.sync(
        graph([sci("1", "frontend", environment="production", version="1.0", tier=1)]),
        "cmdb-csv",
        T0,
        precedence=precedence,
    )
    report = world.sync(
        graph([sci("d/frontend", "frontend", environment="staging", version="1.4.2", image="fe:1.4.2")]),
        "k8s",
        T0 + DAY,
        precedence=precedence,
    )

    assert world.cis["frontend"].attributes == {
        "environment": "production",  # cmdb-csv ranks first by default
        "version": "1.4.2",  # k8s ranks first for this attribute
        "tier": 1,  # only cmdb-csv claims it
        "image": "fe:1.4.2",  # only k8s claims it
    }
    assert {(c.field, str(c.values), c.winner) for c in report.conflicts} == {
        ("attributes.environment", str({"cmdb-csv": "production", "k8s": "staging"}), "cmdb-csv"),
        ("attributes.version", str({"k8s": "1.4.2", "cmdb-csv": "1.0"}), "k8s"),
    }
    assert {(c.field, c.old, c.new, c.winner) for c in report.changed} == {
        ("attributes.version", "1.0", "1.4.2", "k8s"),
        ("attributes.image", None, "fe:1.4.2", "k8s"),
    }


def test_precedence_per_kind_overrides_the_field_list() -> None:
    precedence = Precedence(default=("a", "b"), kinds={"Cache": {"attributes.engine": ("b", "a")}})
    world = World()
    world.sync(
        graph([sci("1", "redis", "Cache", engine="redis 6"), sci("2", "pg", "Database", engine="pg 15")]),
        "a",
        T0,
        precedence=precedence,
    )
    world.sync(
        graph([sci("1", "redis", "Cache", engine="redis 7"), sci("2", "pg", "Database", engine="pg 16")]),
        "b",
        T0,
        precedence=precedence,
    )
    assert world.cis["redis"].attributes["engine"] == "redis 7"
    assert world.cis["pg"].attributes["engine"] == "pg 15"


def test_unlisted_sources_rank_by_arrival_and_star_places_them() -> None:
    world = World()
    world.sync(graph([sci("1", "api", tier=1)]), "first", T0)
    world.sync(graph([sci("1", "api", tier=2)]), "second", T0 + DAY)
    assert world.cis["api"].attributes["tier"] == 1  # no list: the earliest claim wins
    world.sync(
        graph([sci("1", "api", tier=2)]), "second", T0 + 2 * DAY, precedence=Precedence(default=("second",))
    )
    assert world.cis["api"].attributes["tier"] == 2
    world.sync(
        graph([sci("1", "api", tier=2)]),
        "second",
        T0 + 3 * DAY,
        precedence=Precedence(default=("*", "second")),
    )
    assert world.cis["api"].attributes["tier"] == 1


def test_manual_values_are_kept_and_unclaimed_attributes_untouched() -> None:
    world = World()
    manual(
        world,
        CIData(
            id="svc-front",
            kind="Service",
            name="Frontend",
            attributes={"environment": "production", "owner_note": "ask ann"},
        ),
    )
    report = world.sync(
        graph([sci("d/frontend", "frontend", environment="staging", image="fe:1")]), "k8s", T0
    )

    front = world.cis["svc-front"]
    assert front.name == "Frontend"  # the hand-written name is kept (the identity matched it)
    assert front.attributes == {"environment": "production", "owner_note": "ask ann", "image": "fe:1"}
    assert [(c.field, c.values, c.winner) for c in report.conflicts] == [
        ("attributes.environment", {"k8s": "staging", "manual": "production"}, "manual"),
        ("name", {"k8s": "frontend", "manual": "Frontend"}, "manual"),
    ]
    # placing "manual" in the list lets the source win
    world.sync(
        graph([sci("d/frontend", "frontend", environment="staging", image="fe:1")]),
        "k8s",
        T0 + DAY,
        precedence=Precedence(default=("k8s", "manual")),
    )
    assert world.cis["svc-front"].attributes["environment"] == "staging"
    assert world.cis["svc-front"].attributes["owner_note"] == "ask ann"


def test_a_hand_edit_of_an_imported_value_is_manual_from_then_on() -> None:
    world = World()
    world.sync(graph([sci("1", "api", tier=2)]), "csv", T0)
    edited = world.cis["api"].model_copy(update={"attributes": {"tier": 1}})
    manual(world, edited.content())
    report = world.sync(graph([sci("1", "api", tier=2)]), "csv", T0 + DAY)
    assert world.cis["api"].attributes == {"tier": 1}
    assert [(c.field, c.values, c.winner) for c in report.conflicts] == [
        ("attributes.tier", {"csv": 2, "manual": 1}, "manual")
    ]


def test_an_attribute_a_source_stops_claiming_is_removed_unless_written_by_hand() -> None:
    world = World()
    manual(world, CIData(id="api", kind="Service", attributes={"team_note": "x"}))
    world.sync(graph([sci("1", "api", tier=2, language="go")]), "csv", T0)
    report = world.sync(graph([sci("1", "api", tier=2)]), "csv", T0 + DAY)
    assert world.cis["api"].attributes == {"team_note": "x", "tier": 2}
    assert [(c.field, c.old, c.removed) for c in report.changed] == [("attributes.language", "go", True)]


# ------------------------------------------------------------------------------ stale cleanup
def test_a_dropped_claim_goes_stale_then_is_deleted_after_grace_while_the_ci_stays() -> None:
    world = World()
    world.sync(graph([sci("1", "frontend", tier=1)]), "cmdb-csv", T0)
    world.sync(graph([sci("d/frontend", "frontend", image="fe:1"), sci("d/cart", "cartservice")]), "k8s", T0)

    stale = world.sync(graph([sci("d/cart", "cartservice")]), "k8s", T0 + DAY)
    assert [(r.action, r.subject, r.ci_id, r.expires) for r in stale.retirements] == [
        ("claim_stale", "claim:k8s:d/frontend", "frontend", (T0 + DAY + WEEK).isoformat())
    ]
    claim = world.cis[claim_id("k8s", "d/frontend")]
    assert claim.attributes["stale_since"] == (T0 + DAY).isoformat()
    assert claim.attributes["last_seen"] == T0.isoformat()
    assert world.cis["frontend"].attributes == {"tier": 1, "image": "fe:1"}  # grace: nothing changes yet
    assert stale.changed == []

    inside = world.sync(graph([sci("d/cart", "cartservice")]), "k8s", T0 + WEEK)
    assert inside.retirements == []
    assert claim_id("k8s", "d/frontend") in world.cis

    after = world.sync(graph([sci("d/cart", "cartservice")]), "k8s", T0 + DAY + WEEK)
    assert [(r.action, r.subject) for r in after.retirements] == [("claim_deleted", "claim:k8s:d/frontend")]
    assert claim_id("k8s", "d/frontend") not in world.cis
    assert world.status("frontend") == Status.OPERATIONAL  # cmdb-csv still claims it
    assert world.cis["frontend"].attributes == {"tier": 1}
    assert world.claimants("frontend") == {"claim:cmdb-csv:1"}


def test_a_ci_only_one_source_claimed_is_retired_when_its_claim_goes() -> None:
    world = World()
    world.sync(
        graph(
            [sci("d/cart", "cartservice"), sci("d/redis", "redis-cart", "Cache")], [srel("d/cart", "d/redis")]
        ),
        "k8s",
        T0,
    )
    world.sync(graph([sci("d/cart", "cartservice")]), "k8s", T0 + DAY)
    assert world.status("redis-cart") == Status.OPERATIONAL
    report = world.sync(graph([sci("d/cart", "cartservice")]), "k8s", T0 + DAY + WEEK)
    assert world.status("redis-cart") == Status.RETIRED
    assert {(r.action, r.subject) for r in report.retirements} == {
        ("claim_deleted", "claim:k8s:d/redis"),
        ("ci_retired", "redis-cart"),
        ("relationship_claim_deleted", "cartservice -[DEPENDS_ON]-> redis-cart"),
        ("relationship_deleted", "cartservice -[DEPENDS_ON]-> redis-cart"),
    }
    assert world.edges() == set()
    # reported again: the same CI comes back
    back = world.sync(
        graph([sci("d/cart", "cartservice"), sci("d/redis", "redis-cart", "Cache")]), "k8s", T0 + 30 * DAY
    )
    assert world.status("redis-cart") == Status.OPERATIONAL
    assert [(m.ci_id, m.rule) for m in back.matched][1] == ("redis-cart", "identity:name")


def test_zero_grace_retires_at_once() -> None:
    world = World()
    world.sync(graph([sci("1", "a"), sci("2", "b")]), "csv", T0)
    report = world.sync(graph([sci("1", "a")]), "csv", T0 + timedelta(minutes=1), grace=timedelta(0))
    assert world.status("b") == Status.RETIRED
    assert [r.action for r in report.retirements] == ["claim_deleted", "ci_retired"]


def test_a_ci_that_existed_before_the_imports_is_released_not_retired() -> None:
    world = World()
    manual(world, CIData(id="ledger", kind="Service", attributes={"tier": 1}))
    world.sync(graph([sci("1", "ledger", language="cobol")]), "csv", T0)
    report = world.sync(graph([]), "csv", T0 + DAY, grace=timedelta(0))
    assert world.status("ledger") == Status.OPERATIONAL
    assert world.cis["ledger"].attributes == {"tier": 1}
    assert [r.action for r in report.retirements] == ["claim_deleted", "ci_released"]


def test_a_run_never_touches_other_sources_claims() -> None:
    world = World()
    world.sync(graph([sci("1", "frontend"), sci("2", "cart")], [srel("1", "2")]), "cmdb-csv", T0)
    world.sync(graph([sci("f", "frontend"), sci("c", "cart")], [srel("f", "c")]), "k8s", T0)
    before = {k: v for k, v in world.cis.items() if k.startswith("claim:cmdb-csv:")}
    plan = world.plan(graph([]), "k8s", T0 + DAY, grace=timedelta(0))
    written = {c.id for c in plan.batch.upsert_cis} | set(plan.batch.delete_cis) | set(plan.batch.retire_cis)
    assert written == {"claim:k8s:f", "claim:k8s:c"}
    world.apply(plan.batch)
    assert {k: v for k, v in world.cis.items() if k.startswith("claim:cmdb-csv:")} == before
    assert world.configuration_items()["frontend"].status == Status.OPERATIONAL
    edge = world.rels[("frontend", "DEPENDS_ON", "cart")]
    assert set(edge.attributes["claims"]) == {"cmdb-csv"}  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ relationships
def test_relationship_claims_live_on_the_relationship() -> None:
    world = World()
    world.sync(graph([sci("1", "frontend"), sci("2", "cart")], [srel("1", "2")]), "cmdb-csv", T0)
    report = world.sync(
        graph([sci("f", "frontend"), sci("c", "cart")], [srel("f", "c", optional=True)]), "k8s", T0 + DAY
    )
    edge = world.rels[("frontend", "DEPENDS_ON", "cart")]
    assert edge.attributes == {
        "claims": {
            "cmdb-csv": {
                "evidence": [{"file": "rels.yaml", "line": 7}],
                "first_seen": T0.isoformat(),
                "last_seen": T0.isoformat(),
            },
            "k8s": {
                "evidence": [{"file": "rels.yaml", "line": 7}],
                "first_seen": (T0 + DAY).isoformat(),
                "last_seen": (T0 + DAY).isoformat(),
                "optional": True,
            },
        },
        "created_by_import": True,
    }
    assert edge.optional is False  # cmdb-csv arrived first and says it is a hard dependency
    assert [(c.field, c.values, c.winner) for c in report.conflicts] == [
        ("optional", {"cmdb-csv": False, "k8s": True}, "cmdb-csv")
    ]
    assert [r.action for r in report.relationships] == ["claimed"]

    dropped = world.sync(
        graph([sci("f", "frontend"), sci("c", "cart")]), "k8s", T0 + 2 * DAY, grace=timedelta(0)
    )
    assert [(r.action, r.subject) for r in dropped.retirements] == [
        ("relationship_claim_deleted", "frontend -[DEPENDS_ON]-> cart")
    ]
    assert set(world.rels[("frontend", "DEPENDS_ON", "cart")].attributes["claims"]) == {"cmdb-csv"}  # type: ignore[arg-type]


def test_a_hand_made_relationship_loses_only_its_claims() -> None:
    world = World()
    manual(
        world,
        CIData(id="web", kind="Service"),
        CIData(id="db", kind="Database"),
        rels=(Relationship(source="web", target="db", type="DEPENDS_ON", attributes={"port": 5432}),),
    )
    world.sync(graph([sci("w", "web"), sci("d", "db", "Database")], [srel("w", "d")]), "k8s", T0)
    assert set(world.rels[("web", "DEPENDS_ON", "db")].attributes) == {"port", "claims"}
    report = world.sync(
        graph([sci("w", "web"), sci("d", "db", "Database")]), "k8s", T0 + DAY, grace=timedelta(0)
    )
    assert world.rels[("web", "DEPENDS_ON", "db")].attributes == {"port": 5432}
    assert [r.action for r in report.retirements] == ["relationship_claim_deleted", "relationship_released"]


def test_look_alike_keys_of_one_run_stay_apart_even_in_one_identity_space() -> None:
    world = World()
    rules = IdentificationRules(kind_groups=(frozenset({"Service", "Application"}),))
    manual(world, CIData(id="shop", kind="Service"))
    report = world.sync(
        graph([sci("svc", "shop"), sci("app", "SHOP", "Application", sid="shop-app")], [srel("svc", "app")]),
        "k8s",
        T0,
        rules=rules,
    )
    # distinct keys of one source stay distinct CIs: the second gets a CI of its own
    assert sorted(world.configuration_items()) == ["shop", "shop-app"]
    assert world.edges() == {("shop", "DEPENDS_ON", "shop-app")}
    assert report.notes == []


# -------------------------------------------------------------------------------- refusals
def test_bad_input_is_refused_whole_with_located_problems() -> None:
    world = World()
    bad = graph(
        [
            sci("1", "ok"),
            sci("2", "weird", "Spaceship"),
            sci("3", "claim", "SourceClaim"),
            sci("4", "h", "Host", cpu_count="eight"),
        ],
        [srel("1", "2", "LIKES")],
    )
    with pytest.raises(InvalidInput) as info:
        world.plan(bad, "csv", T0)
    assert [(p.code, p.where, p.field) for p in info.value.problems] == [
        ("UNKNOWN_KIND", "2.yaml:3", "kind"),
        ("UNKNOWN_KIND", "3.yaml:3", "kind"),
        ("ATTRIBUTE_TYPE", "4.yaml:3", "attributes.cpu_count"),
        ("UNKNOWN_REL_TYPE", "rels.yaml:7", "type"),
    ]
    with pytest.raises(InvalidInput) as named:
        world.plan(graph([sci("1", "ok")]), "my source", T0)
    assert [p.code for p in named.value.problems] == ["INVALID_SOURCE_NAME"]
    with pytest.raises(InvalidInput):
        world.plan(graph([sci("1", "ok")]), "manual", T0)


def test_a_merged_ci_missing_a_required_attribute_is_refused_at_the_claim() -> None:
    registry = Registry.from_config(
        {"kinds": [{"name": "Printer", "attributes": {"serial": {"required": True}}}]}
    )
    world = World(registry=registry)
    with pytest.raises(InvalidInput) as info:
        world.plan(graph([sci("p1", "printer-1", "Printer")]), "csv", T0)
    assert [(p.code, p.where, p.field) for p in info.value.problems] == [
        ("ATTRIBUTE_REQUIRED", "p1.yaml:3", "attributes.serial")
    ]
    # another source supplying it makes the merged CI valid
    world.sync(graph([sci("a", "printer-1", "Printer", serial="X1")]), "assets", T0)
    world.sync(graph([sci("p1", "printer-1", "Printer")]), "csv", T0)
    assert world.cis["printer-1"].attributes == {"serial": "X1"}


def test_a_plan_is_idempotent_apart_from_last_seen() -> None:
    world = World()
    g = graph([sci("1", "a", tier=1), sci("2", "b")], [srel("1", "2")])
    world.sync(g, "csv", T0)
    again = world.plan(g, "csv", T0)
    assert len(again.batch) == 0
    later = world.plan(g, "csv", T0 + DAY)
    assert {c.id for c in later.batch.upsert_cis} == {"claim:csv:1", "claim:csv:2"}
    assert [r.key for r in later.batch.upsert_relationships] == [("a", "DEPENDS_ON", "b")]
    assert later.report.changed == []
    assert later.report.added == []
