"""Scene contents of each map kind on the hand-drawn graph of ``conftest.py``: which CIs, in which
role and style, which edges (optional dashed, paths thick), cards, links and facts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cmdbgraph.graphdb import Direction, EmbeddedStore
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.change_collisions import Collision
from cmdbgraph.impact.change_risk import ChangeRisk
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import ChangeWindow, PlannedChange, change_impact
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.schema import CI, DEFAULT_REGISTRY, CIData
from cmdbgraph.visual import (
    FullDisclosure,
    Scene,
    change_scene,
    impact_scene,
    neighbourhood_scene,
    owners_in,
    read_neighbourhood,
    render_map,
    root_cause_scene,
    style,
)
from cmdbgraph.visual.change_map import FREEZE_PREFIX
from tests.visual.conftest import Hiding
from tests.visual.pagedata import by_ci, card, map_data

REG = DEFAULT_REGISTRY


def link(ci_id: str) -> str:
    return f"/map/ci/{ci_id}"


def edges_of(scene: Scene) -> dict[tuple[str, str, str], tuple[bool, bool, bool]]:
    """(source, type, target) -> (optional, grouped, emphasised)."""
    return {(e.source, e.type, e.target): (e.optional, e.grouped, e.emphasised) for e in scene.edges}


def test_the_neighbourhood_holds_every_ci_within_depth_with_the_centre_marked(store: EmbeddedStore) -> None:
    hood = read_neighbourhood(store, "web", Direction.BOTH, 1)
    scene = neighbourhood_scene(hood, registry=REG, disclosure=FullDisclosure(), link=link)
    assert set(scene.nodes) == {"web", "bs", "api", "cache", "team"}
    centre = scene.nodes["web"]
    assert centre.pinned
    assert centre.border == "#000000"
    assert centre.border_width == 5.0
    assert scene.center == "web"
    assert dict(centre.card)["owner"] == "Shop team"
    assert dict(scene.nodes["api"].card)["hops from the centre"] == "1"
    assert scene.nodes["api"].link == "/map/ci/api"
    edges = edges_of(scene)
    assert edges[("web", "DEPENDS_ON", "cache")] == (True, False, False)
    assert ("web", "OWNED_BY", "team") in edges
    assert scene.title == "Neighbourhood of Web front"
    assert "5 CIs within 1 hops of web, following relationships both ways" in scene.facts[0]


def test_neighbourhood_direction_follows_the_store_contract(store: EmbeddedStore) -> None:
    out = neighbourhood_scene(
        read_neighbourhood(store, "api", Direction.OUT, 1), registry=REG, disclosure=FullDisclosure()
    )
    into = neighbourhood_scene(
        read_neighbourhood(store, "api", Direction.IN, 1), registry=REG, disclosure=FullDisclosure()
    )
    assert set(out.nodes) == {"api", "db", "vault", "h1", "h2", "team"}
    assert set(into.nodes) == {"api", "web"}
    assert edges_of(out)[("api", "RUNS_ON", "h1")] == (False, True, False)


def test_hidden_cis_are_anonymous_without_link_or_content(store: EmbeddedStore) -> None:
    hood = read_neighbourhood(store, "api", Direction.OUT, 1)
    scene = neighbourhood_scene(hood, registry=REG, disclosure=Hiding(), link=link)
    stand_in = scene.nodes["vault"]
    assert stand_in.shown.id == "redacted-1"
    assert stand_in.shown.redacted
    assert stand_in.label == "redacted-1"
    assert stand_in.link is None
    assert stand_in.owner is None
    assert dict(stand_in.card)["kind"] == "Redacted"
    assert "restricted" not in dict(stand_in.card)
    assert dict(scene.nodes["h1"].card)["ip_address"] == "(masked)"
    page = render_map(scene, served=True).html
    assert "vault" not in page.lower()
    assert "10.0.0.1" not in page
    assert any(e.label.startswith("restricted CI") for e in scene.legend)


def test_the_blast_radius_colours_by_severity_and_thickens_explanation_paths(
    graph: ImpactGraph, by_id: dict[str, CI]
) -> None:
    radius = blast_radius(graph, ["h1", "h2"])
    scene = impact_scene(
        radius, registry=REG, disclosure=FullDisclosure(), lookup=by_id.get, owner_of=owners_in(graph)
    )
    roles = {k: n.role for k, n in scene.nodes.items()}
    assert roles == {"h1": "failed", "h2": "failed", "api": "down", "web": "down", "bs": "down"}
    assert scene.nodes["h1"].pinned
    assert scene.nodes["h1"].fill == style.ROLE_COLOURS["failed"]
    assert scene.nodes["api"].fill == style.ROLE_COLOURS["down"]
    assert scene.nodes["api"].border == style.KIND_COLOURS["API"]
    edges = edges_of(scene)
    tipped = radius.impacted[0].path[0]  # the member whose loss took the group down
    assert edges[("api", "RUNS_ON", tipped)] == (False, True, True)
    other = "h1" if tipped == "h2" else "h2"
    assert edges[("api", "RUNS_ON", other)] == (False, True, False)
    assert edges[("web", "DEPENDS_ON", "api")][2]
    assert edges[("bs", "DEPENDS_ON", "web")][2]
    assert dict(scene.nodes["bs"].card)["explanation"] == f"{tipped} → api → web → bs"
    assert dict(scene.nodes["api"].card)["owner"] == "Shop team"
    assert scene.facts[1] == "3 CIs impacted: 3 down, 0 degraded."
    assert scene.facts[2] == "1 business services affected: Web shop."
    assert scene.nodes["bs"].rank < scene.nodes["api"].rank  # business services first


def test_a_degraded_radius_marks_optional_edges(graph: ImpactGraph, by_id: dict[str, CI]) -> None:
    scene = impact_scene(
        blast_radius(graph, ["cache"]), registry=REG, disclosure=FullDisclosure(), lookup=by_id.get
    )
    assert {k: n.role for k, n in scene.nodes.items()} == {
        "cache": "failed",
        "web": "degraded",
        "bs": "degraded",
    }
    assert edges_of(scene)[("web", "DEPENDS_ON", "cache")] == (True, False, True)
    assert "optional (dashed)" in [e.label for e in scene.legend]


def test_the_root_cause_map_ranks_candidates_and_draws_their_paths(
    graph: ImpactGraph, by_id: dict[str, CI]
) -> None:
    candidates = root_cause(graph, ["bs", "web"], ["db"], limit=3)
    scene = root_cause_scene(
        candidates, ["bs", "web"], graph, healthy=["db"], registry=REG, disclosure=Hiding(), lookup=by_id.get
    )
    ranked = [c.id for c in candidates]
    for rank, ci_id in enumerate(ranked, 1):
        node = scene.nodes[ci_id]
        assert node.label.startswith(f"#{rank} ")
        assert dict(node.card)["rank"] == f"#{rank} of 3"
    assert dict(scene.nodes["db"].card)["known"] == "healthy"
    assert {"bs", "web"} <= set(scene.nodes)
    for c in candidates:
        for path in c.paths.values():
            assert set(path) <= set(scene.nodes)
    assert any(flags[2] for flags in edges_of(scene).values())
    assert scene.facts[0] == "2 symptoms: bs, web."
    page = render_map(scene, served=True).html
    assert "vault" not in page.lower()


def _change(targets: tuple[str, ...], n: int = 1) -> PlannedChange:
    at = datetime(2026, 12, 1, 22, tzinfo=UTC)
    return PlannedChange(f"chg-{n}", "normal", targets, ChangeWindow(at, at.replace(hour=23)))


def test_the_change_map_shows_targets_impact_and_every_kind_of_collision(graph: ImpactGraph) -> None:
    change = _change(("api",))
    extra = [
        CIData(id="chg-1", kind="ChangeRequest", name="Upgrade the API"),
        CIData(id="chg-2", kind="ChangeRequest", name="Patch web"),
    ]
    cis = {c.id: CI(**c.model_dump()) for c in extra}
    cis.update({c.id: CI(**c.model_dump()) for c in graph_cis(graph)})
    collisions = [
        Collision("dependent", "chg-1", "chg-2", ("web",), "web depends on api", (("api", "web"),)),
        Collision("freeze", "chg-1", "Year end", ("api", "web"), "frozen"),
        Collision("maintenance", "chg-1", None, ("h1",), "h1 in maintenance"),
    ]
    scene = change_scene(
        change,
        title="Upgrade the API",
        state="submitted",
        risk=ChangeRisk("chg-1", 42.0, "medium", ()),
        collisions=collisions,
        radius=change_impact(graph, change),
        registry=REG,
        disclosure=FullDisclosure(),
        lookup=cis.get,
    )
    roles = {k: n.role for k, n in scene.nodes.items()}
    assert roles["chg-1"] == "change"
    assert roles["api"] == "target"
    assert roles["chg-2"] == "collision"
    assert roles["web"] == "down"
    assert roles["bs"] == "down"
    freeze = scene.nodes[FREEZE_PREFIX + "Year end"]
    assert freeze.synthetic
    assert freeze.label == "freeze Year end"
    edges = edges_of(scene)
    assert ("chg-1", "CHANGES", "api") in edges
    assert ("chg-2", "COLLIDES_WITH", "web") in edges
    assert ("web", "FROZEN_BY", FREEZE_PREFIX + "Year end") in edges
    assert ("h1" not in scene.nodes) or scene.nodes["h1"].dashes
    assert dict(scene.nodes["chg-1"].card)["risk"] == "medium (42.0)"
    assert scene.title == "Change chg-1: Upgrade the API"
    assert scene.facts[-1].startswith("3 collisions: dependent (chg-2), freeze (Year end)")


def test_maintenance_marks_an_impacted_ci(graph: ImpactGraph) -> None:
    change = _change(("db",))
    cis = {c.id: CI(**c.model_dump()) for c in graph_cis(graph)}
    cis["chg-1"] = CI(id="chg-1", kind="ChangeRequest")
    scene = change_scene(
        change,
        title="t",
        state="submitted",
        risk=ChangeRisk("chg-1", 1.0, "low", ()),
        collisions=[Collision("maintenance", "chg-1", None, ("api",), "")],
        radius=change_impact(graph, change),
        registry=REG,
        disclosure=FullDisclosure(),
        lookup=cis.get,
    )
    api = scene.nodes["api"]
    assert api.dashes
    assert api.border == style.ROLE_COLOURS["collision"]
    assert dict(api.card)["collision"] == "in maintenance"


def graph_cis(graph: ImpactGraph) -> list[CIData]:
    from tests.visual.conftest import CIS

    return [c for c in CIS if c.id in graph.index]


@pytest.mark.parametrize("served", [True, False])
def test_links_exist_only_on_served_maps(store: EmbeddedStore, served: bool) -> None:
    hood = read_neighbourhood(store, "web", Direction.BOTH, 1)
    scene = neighbourhood_scene(
        hood, registry=REG, disclosure=FullDisclosure(), link=link if served else None
    )
    data = map_data(render_map(scene, served=served).html)
    links = {n["ci"]: n["link"] for n in data["nodes"]}
    assert links["api"] == ("/map/ci/api" if served else None)
    assert card(by_ci(data)["web"])["map"] == "centre"
