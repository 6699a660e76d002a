"""The page: offline (no external URL is loaded, inline scripts allowed by hash only), data
escaped for HTML (payloads cannot close the data block or reach markup), pyvis's template
not used."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from cmdbgraph.graphdb import Batch, Direction, EmbeddedStore
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import CI, DEFAULT_REGISTRY, CIData
from cmdbgraph.visual import (
    FullDisclosure,
    Scene,
    impact_scene,
    neighbourhood_scene,
    read_neighbourhood,
    render_map,
)
from cmdbgraph.visual.page import content_security_policy, json_for_html, vis_network_js
from tests.factories import rel
from tests.visual.pagedata import INERT_URLS, all_nodes, loading_references, map_data, urls_in

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "<!--<script>alert(3)//-->",
    "javascript:alert(4)",
    '<a href="javascript:alert(5)">click</a>',
    '" onmouseover="alert(6)',
    "line\u2028separator\u2029end & &amp; <>",
    "{{data}} {{title}}",
]
_SCRIPTS = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def xss_scene(store: EmbeddedStore) -> Scene:
    cis = [
        CIData(
            id=p if p.startswith("javascript:") else f"x{i}-{p}",
            kind="Service",
            name=p,
            attributes={"title": p, "notes": p, "href": p},
        )
        for i, p in enumerate(PAYLOADS)
    ]
    hub = CIData(id="hub", kind="Service", name=PAYLOADS[1])
    store.apply(
        Batch(upsert_cis=[hub, *cis], upsert_relationships=[rel(c.id, "hub") for c in cis]), actor="t"
    )
    hood = read_neighbourhood(store, "hub", Direction.BOTH, 1)
    return neighbourhood_scene(
        hood, registry=DEFAULT_REGISTRY, disclosure=FullDisclosure(), link=lambda i: "/map/ci/x"
    )


def test_json_for_html_round_trips_and_leaves_nothing_html_can_parse() -> None:
    text = json_for_html({"values": PAYLOADS})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"values": PAYLOADS}


def test_payloads_stay_data_and_never_reach_markup(store: EmbeddedStore) -> None:
    scene = xss_scene(store)
    scene.title = PAYLOADS[1] + PAYLOADS[0] + PAYLOADS[-1]
    scene.facts = [PAYLOADS[0], PAYLOADS[2]]
    page = render_map(scene, served=True).html
    assert "alert(1)&gt;{{data}} {{title}}</h1>" in page  # slots are filled in one pass
    for payload in PAYLOADS[:3]:
        assert payload not in page
    assert '<h1 id="map-title">&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;&lt;img' in page
    assert "<li>&lt;img src=x onerror=alert(1)&gt;</li>" in page
    # three elements (data, vis-network, map script); vis-network also holds the text "<script>"
    assert len(re.findall(r"^<script[ >]", page, re.MULTILINE)) == 3
    assert page.count("</script>") == 3
    data = map_data(page)
    names = {n["title"] for n in all_nodes(data)}
    assert set(PAYLOADS) <= names
    cards = [dict(n["card"]) for n in data["nodes"] if n["ci"] != "hub"]
    assert {c["title"] for c in cards} == set(PAYLOADS)
    assert {c["href"] for c in cards} == set(PAYLOADS)
    assert data["map"]["title"] == scene.title


def test_the_page_loads_nothing_from_outside(store: EmbeddedStore) -> None:
    page = render_map(xss_scene(store), served=False).html
    assert loading_references(page) == []
    assert urls_in(page) <= INERT_URLS, urls_in(page) - INERT_URLS
    assert "sourceMappingURL" not in page
    for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg", "bootstrap"):
        assert cdn not in page.lower()


def test_the_policy_allows_exactly_the_two_inline_scripts(store: EmbeddedStore) -> None:
    page = render_map(xss_scene(store), served=True).html
    scripts = _SCRIPTS.findall(page)
    assert len(scripts) == 2
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts
    }
    policy = content_security_policy()
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{policy.replace(chr(39), "&#x27;")}">' in page
    )
    allowed = set(re.search(r"script-src ([^;]+)", policy).group(1).split())  # type: ignore[union-attr]
    assert allowed == hashes
    for directive in ("default-src 'none'", "img-src data:", "base-uri 'none'", "form-action 'none'"):
        assert directive in policy
    assert "unsafe-eval" not in policy
    assert "connect-src" not in policy
    assert "frame-ancestors 'none'" in content_security_policy(header=True)


def test_vis_network_comes_from_pyvis_and_is_safe_to_inline() -> None:
    bundle = vis_network_js()
    assert bundle.startswith("/**\n * vis-network")
    assert "@version 9.1.2" in bundle[:400]
    assert "</script" not in bundle.lower()
    assert "<!--" not in bundle


def test_stats_count_what_is_drawn(graph: ImpactGraph, by_id: dict[str, CI]) -> None:
    scene = impact_scene(
        blast_radius(graph, ["db"]), registry=DEFAULT_REGISTRY, disclosure=FullDisclosure(), lookup=by_id.get
    )
    rendered = render_map(scene, served=False)
    data = map_data(rendered.html)
    assert rendered.stats == data["stats"]
    assert rendered.stats["drawn"] == len(data["nodes"]) == 4
    assert rendered.stats["edges"] == len(data["edges"])
    assert data["map"] == {
        "kind": "impact",
        "title": "Blast radius of Orders DB",
        "center": None,
        "served": False,
    }


@pytest.mark.parametrize("max_nodes", [20, 300])
def test_clusters_carry_their_expandable_members_and_edges(max_nodes: int) -> None:
    cis = [CIData(id="root", kind="Database")] + [CIData(id=f"s{i:03d}", kind="Service") for i in range(120)]
    rels = [rel(f"s{i:03d}", "root") for i in range(120)]
    g = ImpactGraph.build(cis, rels)
    lookup = {c.id: CI(**c.model_dump()) for c in cis}
    scene = impact_scene(
        blast_radius(g, ["root"]), registry=DEFAULT_REGISTRY, disclosure=FullDisclosure(), lookup=lookup.get
    )
    data = map_data(render_map(scene, served=False, max_nodes=max_nodes, expand_max=10).html)
    clusters = [n for n in data["nodes"] if n.get("cluster")]
    if max_nodes == 300:
        assert clusters == []
        assert len(data["nodes"]) == 121
        return
    (cluster,) = clusters
    assert len(data["nodes"]) == 20
    assert cluster["cluster"]["total"] == 120 - 18
    members = cluster["cluster"]["members"]
    assert len(members) == 10
    ids = {n["n"] for n in data["nodes"]} | {m["n"] for m in members}
    assert len(ids) == 30  # node numbers are unique across drawn nodes and members
    root = next(n["n"] for n in data["nodes"] if n["ci"] == "root")
    assert {(e["to"], e["toRep"]) for e in cluster["cluster"]["edges"]} == {(root, root)}
    assert "Aggregation" in data["notes"][0] or "aggregated" in data["notes"][0]
