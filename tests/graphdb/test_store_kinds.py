"""Conformance of every built-in kind and relationship type on every store.

The service-management kinds (tickets, changes, freezes, articles, catalog items, fulfilment
tasks) carry nested attributes — timelines, comments, form answers, catalog definitions,
approval decisions — that each backend must keep exactly (JSON ``1`` is not ``1.0`` is not
``true``), read back as of an earlier instant, search and count. One realistic scenario links
them with every built-in relationship type, so a backend that mishandles any kind or type fails
here on both the embedded store and Bolt.
"""

from __future__ import annotations

import time

import pytest
from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.schema import DEFAULT_REGISTRY, CIData, InvalidInput, Relationship
from cmdbgraph.schema.kinds import AttributeSpec, KindSpec
from tests.factories import rel

ACTOR = "kinds-tester"
AT = "2026-03-02T09:00:00.000000+00:00"


def sample_value(name: str, spec: AttributeSpec) -> JsonValue:
    """A valid value of ``spec`` that exercises the type (nested for lists and objects)."""
    if spec.enum is not None:
        return spec.enum[-1]
    match spec.type:
        case "string":
            return f"{name} value"
        case "integer":
            return 3
        case "number":
            return 2.5
        case "boolean":
            return True
        case "date":
            return "2026-03-02"
        case "datetime":
            return AT
        case "list":
            return [{"at": AT, "state": "new", "actor": "someone"}, 1, 1.0, True, None, "text"]
        case "object":
            return {"nested": {"list": [1, 2.0, False]}, "empty": {}, "none": None}
    raise AssertionError(f"no sample for {spec.type}")


def sample_ci(spec: KindSpec) -> CIData:
    """A CI of ``spec`` with every declared attribute set."""
    return CIData(
        id=f"sample-{spec.name.lower()}",
        kind=spec.name,
        name=f"A {spec.name}",
        attributes={name: sample_value(name, a) for name, a in spec.attributes.items()},
    )


SCENARIO_CIS = [
    CIData(id="svc-pay", kind="BusinessService", name="Payroll", criticality=1),
    CIData(id="app-pay", kind="Application", name="Payroll app"),
    CIData(id="db-pay", kind="Database", name="Payroll DB"),
    CIData(id="ds-pay", kind="Dataset", name="Salaries"),
    CIData(id="host-1", kind="Host", name="host 1"),
    CIData(id="net-1", kind="Network", name="core network"),
    CIData(id="vendor-1", kind="Vendor", name="Hosting vendor"),
    CIData(id="dc-1", kind="Datacenter", name="DC 1"),
    CIData(id="floor-3", kind="Location", name="Floor 3", attributes={"type": "floor"}),
    CIData(id="team-hr", kind="Team", name="HR", attributes={"department": "hr"}),
    CIData(id="team-desk", kind="Team", name="Service desk", attributes={"department": "it"}),
    CIData(id="ann", kind="Person", name="Ann"),
    CIData(id="bob", kind="Person", name="Bob"),
    CIData(
        id="item-onboarding",
        kind="CatalogItem",
        name="Onboard a new employee",
        attributes={
            "title": "Onboard a new employee",
            "department": "hr",
            "sla_policy": "hr-onboarding",
            "definition": {"form": [{"name": "position", "type": "string", "required": True}], "min": 1},
        },
    ),
    CIData(
        id="REQ-1",
        kind="ServiceRequest",
        name="Onboard Carla",
        attributes={
            "title": "Onboard Carla",
            "state": "in_progress",
            "impact": 3,
            "urgency": 2,
            "priority": 4,
            "opened_at": AT,
            "catalog_item": "item-onboarding",
            "form": {"position": "Analyst", "permissions": ["email", "vpn"], "remote": False},
            "timeline": [{"at": AT, "state": "new", "actor": "ann"}],
            "channel": "portal",
        },
    ),
    CIData(
        id="REQ-1-manager_approval",
        kind="FulfilmentTask",
        name="Manager approval",
        attributes={
            "title": "Manager approval",
            "key": "manager_approval",
            "task_type": "approval",
            "state": "approved",
            "after": [],
        },
    ),
    CIData(
        id="REQ-1-laptop",
        kind="FulfilmentTask",
        name="Laptop",
        attributes={
            "title": "Laptop",
            "key": "laptop",
            "task_type": "task",
            "state": "ready",
            "after": ["manager_approval"],
        },
    ),
    CIData(
        id="CHG-1",
        kind="ChangeRequest",
        name="Upgrade payroll DB",
        attributes={
            "title": "Upgrade payroll DB",
            "change_type": "normal",
            "state": "failed",
            "window_start": AT,
            "window_end": "2026-03-02T11:00:00.000000+00:00",
            "approvals": [{"step": "owner", "approver": "team-hr", "decision": "approved", "note": None}],
            "actual_changes": [{"op": "update", "id": "db-pay"}],
        },
    ),
    CIData(
        id="INC-1",
        kind="Incident",
        name="Payroll down",
        attributes={
            "title": "Payroll down",
            "state": "new",
            "impact": 1,
            "urgency": 1,
            "priority": 1,
            "opened_at": AT,
        },
    ),
    CIData(
        id="PRB-1",
        kind="Problem",
        name="DB upgrades fail",
        attributes={
            "title": "DB upgrades fail",
            "state": "new",
            "impact": 2,
            "urgency": 2,
            "priority": 3,
            "opened_at": AT,
        },
    ),
    CIData(
        id="KB-1",
        kind="KnowledgeArticle",
        name="Restart payroll",
        attributes={"title": "Restart payroll", "recent_views": [{"at": AT, "person": "bob"}], "helpful": 2},
    ),
    CIData(
        id="claim:k8s:deployment/frontend",
        kind="SourceClaim",
        name="k8s: deployment/frontend",
        attributes={
            "source": "k8s",
            "key": "deployment/frontend",
            "claimed_kind": "Application",
            "attributes": {"image": "frontend:v1", "replicas": 3},
            "evidence": [{"file": "frontend.yaml", "field": "spec.template", "line": 12}],
            "last_seen": AT,
        },
    ),
    CIData(
        id="freeze-1",
        kind="FreezeWindow",
        name="Year end",
        attributes={"start": AT, "end": "2026-03-09T09:00:00.000000+00:00", "scope": ["svc-pay"]},
    ),
]

SCENARIO_RELATIONSHIPS = [
    rel("svc-pay", "app-pay", "DEPENDS_ON"),
    rel("app-pay", "host-1", "RUNS_ON"),
    rel("app-pay", "ds-pay", "USES_DATA"),
    rel("ds-pay", "db-pay", "PART_OF"),
    rel("host-1", "net-1", "CONNECTS_THROUGH"),
    rel("host-1", "vendor-1", "SUPPLIED_BY"),
    rel("host-1", "dc-1", "LOCATED_IN"),
    rel("svc-pay", "team-hr", "OWNED_BY"),
    rel("app-pay", "team-desk", "SUPPORTED_BY"),
    rel("ann", "team-hr", "MEMBER_OF"),
    rel("bob", "ann", "REPORTS_TO"),
    rel("INC-1", "app-pay", "AFFECTS"),
    rel("CHG-1", "db-pay", "CHANGES"),
    rel("KB-1", "app-pay", "DOCUMENTS"),
    rel("INC-1", "CHG-1", "CAUSED_BY", attributes={"confidence": "possible", "hops": 2}),
    rel("INC-1", "PRB-1", "CAUSED_BY"),
    rel("INC-1", "KB-1", "RESOLVED_BY"),
    rel("REQ-1", "bob", "REQUESTED_BY"),
    rel("REQ-1", "team-hr", "ASSIGNED_TO"),
    rel("INC-1", "floor-3", "REPORTED_AT"),
    rel("REQ-1", "item-onboarding", "ORDERED_FROM"),
    rel("REQ-1-manager_approval", "REQ-1", "TASK_OF"),
    rel("REQ-1-laptop", "REQ-1", "TASK_OF"),
    rel("REQ-1-laptop", "team-desk", "ASSIGNED_TO"),
    rel("claim:k8s:deployment/frontend", "app-pay", "CLAIMS"),
]


def test_the_scenario_uses_every_builtin_kind_and_relationship_type() -> None:
    assert {c.kind for c in SCENARIO_CIS} | {"Service", "API", "Cache", "Queue", "Storage", "Container"} | {
        "CloudRegion",
        "Contract",
    } == set(DEFAULT_REGISTRY.kinds)
    assert {r.type for r in SCENARIO_RELATIONSHIPS} == set(DEFAULT_REGISTRY.rel_types)


def test_every_builtin_kind_keeps_every_attribute_exactly(store: GraphStore) -> None:
    samples = [sample_ci(spec) for spec in DEFAULT_REGISTRY.kinds.values()]
    store.apply(Batch(upsert_cis=samples), actor=ACTOR)

    for sample in samples:
        stored = store.find_ci(sample.id)
        assert stored is not None, sample.kind
        assert stored.same_content(sample), (sample.kind, stored.attributes, sample.attributes)
        assert [c.id for c in store.search(kind=sample.kind).items] == [sample.id]
    assert store.counts().by_kind == dict.fromkeys(DEFAULT_REGISTRY.kinds, 1)


def test_the_service_management_scenario_round_trips_with_history_and_as_of(store: GraphStore) -> None:
    first = store.apply(
        Batch(upsert_cis=SCENARIO_CIS, upsert_relationships=SCENARIO_RELATIONSHIPS),
        actor=ACTOR,
        source="kinds",
    )
    assert sorted(first.created_cis) == sorted(c.id for c in SCENARIO_CIS)
    written = {c.id: c for c in SCENARIO_CIS}
    contents = store.contents()
    assert {c.id for c in contents.cis} == set(written)
    for stored in contents.cis:
        assert stored.same_content(written[stored.id]), stored.id
    by_key = {r.key: r for r in SCENARIO_RELATIONSHIPS}
    assert {r.key for r in contents.relationships} == set(by_key)
    for stored_rel in contents.relationships:
        assert stored_rel.same_content(by_key[stored_rel.key]), stored_rel.key
    assert store.counts().by_rel_type == {
        t: sum(r.type == t for r in SCENARIO_RELATIONSHIPS) for t in by_type()
    }

    tasks = sorted(n.ci.id for n in store.neighbours("REQ-1", Direction.IN, ["TASK_OF"]))
    assert tasks == ["REQ-1-laptop", "REQ-1-manager_approval"]
    causes = sorted(n.ci.kind for n in store.neighbours("INC-1", Direction.OUT, ["CAUSED_BY"]))
    assert causes == ["ChangeRequest", "Problem"]

    before_update = store.find_ci("REQ-1")
    assert before_update is not None
    time.sleep(0.005)  # a later store timestamp for the update (ordering only)
    request = written["REQ-1"]
    done = request.model_copy(
        update={"attributes": {**request.attributes, "state": "resolved", "form": {"position": "Lead"}}}
    )
    store.apply(Batch(upsert_cis=[done]), actor="ann")

    now = store.find_ci("REQ-1")
    assert now is not None
    assert now.attributes["form"] == {"position": "Lead"}
    then = store.find_ci("REQ-1", as_of=before_update.updated_at)
    assert then is not None
    assert then.same_content(request)
    entries = store.history("REQ-1")
    assert [e.op for e in entries][:2] in (["update", "create"], ["create", "update"])
    assert {e.actor for e in entries} == {ACTOR, "ann"}


def by_type() -> set[str]:
    return {r.type for r in SCENARIO_RELATIONSHIPS}


_DRAFT_CHANGE: dict[str, JsonValue] = {"title": "t", "change_type": "normal", "state": "draft"}
_NEW_TICKET: dict[str, JsonValue] = {"title": "t", "state": "new", "impact": 3, "urgency": 3, "opened_at": AT}


@pytest.mark.parametrize(
    ("kind", "attributes", "field"),
    [
        ("FulfilmentTask", {"title": "t", "key": "k", "task_type": "approval", "state": "maybe"}, "state"),
        ("FulfilmentTask", {"title": "t", "task_type": "task", "state": "ready"}, "key"),
        (
            "CatalogItem",
            {"title": "t", "department": "hr", "definition": ["not", "an", "object"]},
            "definition",
        ),
        ("ChangeRequest", {**_DRAFT_CHANGE, "window_start": "soon", "window_end": AT}, "window_start"),
        ("ServiceRequest", {**_NEW_TICKET, "priority": 9}, "priority"),
    ],
)
def test_service_management_attributes_are_validated_and_nothing_is_written(
    store: GraphStore, kind: str, attributes: dict[str, JsonValue], field: str
) -> None:
    store.apply(Batch(upsert_cis=[CIData(id="keep", kind="Team")]), actor=ACTOR)
    before = (store.counts(), store.last_seq())
    bad = CIData(id="bad", kind=kind, attributes=attributes)
    with pytest.raises(InvalidInput) as info:
        store.apply(
            Batch(
                upsert_cis=[bad],
                upsert_relationships=[Relationship(source="bad", target="keep", type="ASSIGNED_TO")],
            ),
            actor=ACTOR,
        )
    assert [p.field for p in info.value.problems] == [f"attributes.{field}"]
    assert (store.counts(), store.last_seq()) == before
