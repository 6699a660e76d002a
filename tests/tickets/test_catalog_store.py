"""Catalog items in the graph, on both stores: publish, read back, list by department, and the
references a publish refuses (writing nothing).

Items re-published with changes here are small ones: FalkorDB's Bolt listener crashes on a
history entry holding the before and after documents of a large item (see catalog_store)."""

from __future__ import annotations

import pytest

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.schema import CINotFound, InvalidInput
from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from cmdbgraph.tickets.catalog_form import FormField
from cmdbgraph.tickets.catalog_plan import ApprovalLevel, FulfilmentPlan, TaskTemplate
from cmdbgraph.tickets.catalog_store import CatalogStore
from tests.factories import ci

TEAMS = ("team-hr", "team-it", "team-it-service-desk", "team-fin", "team-legal", "team-fac")


@pytest.fixture
def catalog(store: GraphStore) -> CatalogStore:
    store.apply(
        Batch(upsert_cis=[ci(t, "Team") for t in TEAMS] + [ci("alice", "Person")]),
        actor="setup",
    )
    return CatalogStore(store)


def small(group: str = "team-it", **changes: object) -> CatalogItem:
    item = CatalogItem(
        id="it-badge",
        department="it",
        title="Replace a badge",
        form=(FormField(name="reason", label="Reason", required=True),),
        sla_policy="it-badge",
        responsible_group=group,
        tasks=FulfilmentPlan(tasks=(TaskTemplate(key="print", title="Print it", group=group),)),
    )
    return item.model_copy(update=changes)


def owners(store: GraphStore, item_id: str) -> list[str]:
    return [n.ci.id for n in store.neighbours(item_id, Direction.OUT, ["OWNED_BY"]) if n.direction == "out"]


def test_published_items_read_back_whole(catalog: CatalogStore, store: GraphStore) -> None:
    result = catalog.publish(DEMO_CATALOG.values(), actor="catalog-admin")

    assert result.created_cis == list(DEMO_CATALOG)
    for item in DEMO_CATALOG.values():
        assert catalog.get(item.id) == item
        assert owners(store, item.id) == [item.responsible_group]
    node = store.get_ci("hr-onboarding")
    assert node.kind == "CatalogItem"
    assert node.name == "Onboard a new employee"
    assert {k: node.attributes[k] for k in ("title", "department", "sla_policy")} == {
        "title": "Onboard a new employee",
        "department": "hr",
        "sla_policy": "hr-onboarding",
    }
    assert CatalogItem.from_data(node.attributes["definition"]) == DEMO_CATALOG["hr-onboarding"]
    assert store.history("hr-onboarding")[0].actor == "catalog-admin"


def test_list_all_and_by_department(catalog: CatalogStore) -> None:
    assert catalog.list() == []
    catalog.publish(DEMO_CATALOG.values(), actor="admin")
    assert [i.id for i in catalog.list()] == sorted(DEMO_CATALOG)
    assert catalog.list("legal") == [DEMO_CATALOG["legal-contract-review"]]
    assert [i.id for i in catalog.list("facilities")] == ["fac-maintenance"]
    with pytest.raises(InvalidInput) as refused:
        catalog.list("marketing")
    (p,) = refused.value.problems
    assert (p.code, p.field) == ("UNKNOWN_DEPARTMENT", "department")
    assert "hr, facilities, finance, legal, it" in p.message


def test_publishing_the_same_items_again_writes_nothing(catalog: CatalogStore, store: GraphStore) -> None:
    catalog.publish(DEMO_CATALOG.values(), actor="admin")
    seq = store.last_seq()
    again = catalog.publish(DEMO_CATALOG.values(), actor="admin")
    assert again.changes == 0
    assert store.last_seq() == seq


def test_republishing_replaces_the_definition_and_the_owner(catalog: CatalogStore, store: GraphStore) -> None:
    catalog.publish([small()], actor="admin")
    changed = small("team-fac", title="Replace a lost badge")

    result = catalog.publish([changed], actor="admin")

    assert result.changed_cis == ["it-badge"]
    assert catalog.get("it-badge") == changed
    assert store.get_ci("it-badge").name == "Replace a lost badge"
    assert owners(store, "it-badge") == ["team-fac"]


def test_unknown_teams_are_refused_by_field_and_nothing_is_written(
    catalog: CatalogStore, store: GraphStore
) -> None:
    bad = small(
        "team-ghost",
        approvals=(ApprovalLevel(key="ok", title="Alice approves", approver="team", team="alice"),),
    )
    seq = store.last_seq()
    with pytest.raises(InvalidInput) as refused:
        catalog.publish([DEMO_CATALOG["fac-maintenance"], bad], actor="admin")
    assert [(p.where, p.field, p.code) for p in refused.value.problems] == [
        ("it-badge", "responsible_group", "UNKNOWN_REFERENCE"),
        ("it-badge", "approvals.0.team", "WRONG_KIND"),
        ("it-badge", "tasks.tasks.0.group", "UNKNOWN_REFERENCE"),
    ]
    assert "no Team with id 'team-ghost'" in refused.value.problems[0].message
    assert "'alice' is a Person, not a Team" in refused.value.problems[1].message
    assert store.last_seq() == seq
    assert store.find_ci("fac-maintenance") is None


def test_duplicate_ids_and_ids_of_other_cis_are_refused(catalog: CatalogStore, store: GraphStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.publish([small(), small(), small(id="alice")], actor="admin")
    assert [(p.where, p.field, p.code) for p in refused.value.problems] == [
        ("it-badge", "id", "DUPLICATE_ITEM"),
        ("alice", "id", "WRONG_KIND"),
    ]
    assert store.find_ci("it-badge") is None


def test_get_and_find(catalog: CatalogStore) -> None:
    catalog.publish([small()], actor="admin")
    assert catalog.find("it-badge") == small()
    assert catalog.find("nope") is None
    assert catalog.find("team-hr") is None  # a CI, but no catalog item
    with pytest.raises(CINotFound):
        catalog.get("nope")
    with pytest.raises(CINotFound):
        catalog.get("team-hr")


def test_a_corrupt_definition_is_reported_with_the_item(catalog: CatalogStore, store: GraphStore) -> None:
    store.apply(
        Batch(
            upsert_cis=[
                ci(
                    "broken",
                    "CatalogItem",
                    attributes={"title": "Broken", "department": "it", "definition": {"id": "broken"}},
                )
            ]
        ),
        actor="setup",
    )
    with pytest.raises(InvalidInput) as refused:
        catalog.get("broken")
    assert {(p.code, p.where) for p in refused.value.problems} == {("INVALID_CATALOG_ITEM", "broken")}
