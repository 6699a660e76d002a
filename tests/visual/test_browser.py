"""The maps in a real browser: headless Debian chromium (through Python playwright) against a
real ``cmdbgraph serve`` (uvicorn) on 127.0.0.1, and an exported file opened from disk.

Every page is watched (``tests/visual/browser.py``): a request to anywhere but 127.0.0.1, a
dialog, a page error or a console error (a Content-Security-Policy violation is one) fails the
test. One browser for the module; three servers: the demo enterprise (``demo --size 300`` plus a
change colliding with a demo change), a graph whose names, ids and attributes carry XSS
payloads, and a 20,000-CI blast radius.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, sync_playwright

from cmdbgraph.graphdb import Direction, EmbeddedStore
from tests.cli.clirun import ok, run_cli
from tests.graphql.live import Live, create_token, live_server
from tests.visual.browser import MapPage, launch, open_map
from tests.visual.conftest import report_render_time
from tests.visual.large import ROOT, write_fan_graph

LARGE = 20_000
MAX_NODES = 300
DEPTH = 12  # the server's traversal limit: the depth served impact and change maps use


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright, launch(playwright) as b:
        yield b


# -- the demo enterprise -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    cwd = tmp_path_factory.mktemp("browser-demo")
    ok(run_cli(["demo", "--size", "300"], cwd=cwd))
    base = ok(run_cli(["change-risk", "CHG-00002", "--json"], cwd=cwd)).json()
    created = ok(
        run_cli(
            [
                "change",
                "create",
                "--title",
                "Firmware update",
                "--type",
                "normal",
                "--target",
                base["targets"][0],
                "--start",
                base["window"]["start"],
                "--end",
                base["window"]["end"],
                "--json",
            ],
            cwd=cwd,
        )
    ).json()
    ok(run_cli(["change", "submit", created["id"]], cwd=cwd))
    tokens = {"admin": create_token(cwd, "browser-admin", "admin")}
    with live_server(cwd, tokens=tokens) as live:
        yield live


def cli_json(live: Live, *args: str) -> Any:
    return ok(run_cli(list(args), cwd=live.cwd)).json()


def expected_nodes(live: Live, kind: str) -> tuple[str, int]:
    """The URL of a map of ``kind`` on the demo and the number of CIs it must draw, from the
    analysis commands' ``--json`` (and the store, for the neighbourhood)."""
    store = EmbeddedStore(live.cwd / "cmdbgraph.db")
    try:
        db = next(c.id for c in store.iter_cis() if c.kind == "Database")
        around = len(store.subgraph([db], Direction.BOTH, 2).nodes)
    finally:
        store.close()
    if kind == "ci":
        return f"/map/ci/{quote(db, safe='')}", around
    impact = cli_json(live, "impact", db, "--depth", str(DEPTH), "--json")
    if kind == "impact":
        return f"/map/impact?ci={quote(db)}", 1 + len(impact["impacted"])
    if kind == "root-cause":
        symptoms = [i["id"] for i in impact["impacted"][:3]]
        rc = cli_json(live, "root-cause", *symptoms, "--limit", "5", "--json")
        cis = set(symptoms) | {c["id"] for c in rc["candidates"]}
        cis |= {ci for c in rc["candidates"] for path in c["paths"].values() for ci in path}
        return "/map/root-cause?" + "&".join(f"symptom={quote(s)}" for s in symptoms), len(cis)
    change = cli_json(live, "change-risk", "CHG-00002", "--json")
    hit = cli_json(live, "impact", *change["targets"], "--depth", str(DEPTH), "--json")
    cis = {"CHG-00002", *change["targets"], *(i["id"] for i in hit["impacted"])}
    for c in change["collisions"]:
        if c["kind"] in ("same_ci", "dependent"):
            cis.add(c["other"])
            cis |= {ci for path in c["paths"] for ci in path}
        elif c["kind"] == "freeze":
            cis.add("freeze " + c["other"])
    assert any(c["kind"] == "same_ci" for c in change["collisions"])
    return "/map/change/CHG-00002", len(cis)


@pytest.mark.parametrize("kind", ["ci", "impact", "root-cause", "change"])
def test_each_map_kind_draws_its_nodes_on_a_canvas(browser: Browser, demo: Live, kind: str) -> None:
    path, expected = expected_nodes(demo, kind)
    assert expected <= MAX_NODES, "the demo map should not need aggregation"
    with open_map(browser, demo.url + path, token=demo.tokens["admin"]) as m:
        assert m.node_count() == expected
        assert m.lit_pixels() > 2000, "the canvas is blank"
        assert m.evaluate("window.cmdbgraphMap.stats.clusters") == 0
        legend = m.page.locator("#map-legend-list li").count()
        assert legend >= 3
        m.watch.assert_clean()


def test_a_click_pins_the_card_and_a_double_click_recentres_the_map(browser: Browser, demo: Live) -> None:
    path, _ = expected_nodes(demo, "impact")
    with open_map(browser, demo.url + path, token=demo.tokens["admin"]) as m:
        assert m.node_count() > 1
        target = m.evaluate(
            "(() => { const d = JSON.parse(document.getElementById('map-data').textContent);"
            " return d.nodes.find(n => n.role === 'down' || n.role === 'degraded').ci; })()"
        )
        at = m.evaluate(f"window.cmdbgraphMap.locate({target!r})")
        m.page.mouse.click(at["x"], at["y"])
        assert "pinned" in (m.page.get_attribute("#map-card", "class") or "")
        # the CI clicked (a neighbour's label may cover the centre of the one aimed at)
        target = m.page.text_content("#map-card dd") or ""
        link = m.page.locator("#map-card a.map-link")
        assert link.get_attribute("href") == f"/map/ci/{quote(target, safe='')}"
        m.page.mouse.dblclick(at["x"], at["y"])
        m.page.wait_for_url(f"**/map/ci/{quote(target, safe='')}")
        m.wait_ready()
        assert m.evaluate("window.cmdbgraphMap.center") == target
        m.watch.assert_clean()


def test_the_search_box_finds_and_centres_a_ci(browser: Browser, demo: Live) -> None:
    path, _ = expected_nodes(demo, "ci")
    with open_map(browser, demo.url + path, token=demo.tokens["admin"]) as m:
        name = m.evaluate(
            "(() => { const d = JSON.parse(document.getElementById('map-data').textContent);"
            " return d.nodes[d.nodes.length - 1].title; })()"
        )
        m.page.fill("#map-search-text", name)
        m.page.click("#map-search button")
        assert (m.page.text_content("#map-search-status") or "").startswith("Match 1 of")
        assert m.page.is_visible("#map-card")
        assert m.page.text_content("#map-card h2") == name
        m.page.fill("#map-search-text", "no CI is called this")
        m.page.click("#map-search button")
        assert (m.page.text_content("#map-search-status") or "").startswith("No CI on this map matches")
        m.watch.assert_clean()


def test_an_exported_file_draws_from_disk_without_a_server(browser: Browser, demo: Live) -> None:
    path, expected = expected_nodes(demo, "impact")
    db = path.split("=", 1)[1]
    out = demo.cwd / "exported.html"
    ok(run_cli(["map", "impact", db, "--depth", str(DEPTH), "--out", str(out)], cwd=demo.cwd))
    with open_map(browser, out.as_uri()) as m:
        assert m.node_count() == expected
        assert m.lit_pixels() > 2000
        assert m.evaluate("window.cmdbgraphMap.stats.cis") == expected
        m.watch.assert_clean()


# -- XSS payloads --------------------------------------------------------------------------------
PAYLOAD_NAMES = {
    "xss-img": "<img src=x onerror=alert('img')>",
    "xss-script": "</script><script>alert('script')</script>",
    "xss-href": "<a href=\"javascript:alert('href')\">href</a>",
    "javascript:alert('id')": "javascript:alert('name')",
    "</script><img src=x onerror=alert('id2')>": "an id that closes a script",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    cwd = tmp_path_factory.mktemp("browser-xss")
    cis: list[dict[str, Any]] = [{"id": "hub", "kind": "Database", "name": "hub <b>bold</b> & co"}]
    rels = []
    for ci_id, name in PAYLOAD_NAMES.items():
        cis.append(
            {
                "id": ci_id,
                "kind": "Service",
                "name": name,
                "attributes": {
                    "title": "<a href='javascript:alert(\"title\")'>a title with href</a>",
                    "href": "javascript:alert('attr')",
                    "notes": "</script><script>alert('notes')</script><!--",
                },
            }
        )
        rels.append({"source": ci_id, "target": "hub", "type": "DEPENDS_ON"})
    (cwd / "xss.json").write_text(json.dumps({"cis": cis, "relationships": rels}))
    ok(run_cli(["import", "xss.json"], cwd=cwd))
    with live_server(cwd, tokens={"admin": create_token(cwd, "xss-admin", "admin")}) as live:
        yield live


def hover(m: MapPage, ci_id: str, title: str) -> None:
    """Hover ``ci_id`` until its card (titled ``title``) shows. A neighbour's label may cover
    the node's centre, so a few points around it are tried."""
    at = m.evaluate(f"window.cmdbgraphMap.locate({ci_id!r})")
    assert at is not None, f"{ci_id!r} is not drawn"
    for dx, dy in ((0, 0), (0, -6), (-6, 0), (6, 0), (0, 6), (0, -10)):
        m.page.mouse.move(2, 2)
        m.page.mouse.move(at["x"] + dx, at["y"] + dy)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            if m.page.is_visible("#map-card") and m.page.text_content("#map-card h2") == title:
                return
            time.sleep(0.05)
    raise AssertionError(f"hovering {ci_id!r} never showed its card")


@pytest.mark.parametrize("path", ["/map/ci/hub", "/map/impact?ci=hub"])
def test_payloads_in_names_ids_and_attributes_stay_text(browser: Browser, hostile: Live, path: str) -> None:
    with open_map(browser, hostile.url + path, token=hostile.tokens["admin"]) as m:
        assert m.node_count() == 1 + len(PAYLOAD_NAMES)
        assert m.lit_pixels() > 500
        assert m.page.text_content("h1") in (
            "Neighbourhood of hub <b>bold</b> & co",
            "Blast radius of hub <b>bold</b> & co",
        )
        assert m.page.locator("h1 b").count() == 0
        for ci_id, name in PAYLOAD_NAMES.items():
            hover(m, ci_id, name)
            card_text = m.page.text_content("#map-card") or ""
            assert "</script><script>alert('notes')</script><!--" in card_text
            assert "javascript:alert('attr')" in card_text
            assert m.page.locator("#map-card img, #map-card script, #map-card b, #map-card dd a").count() == 0
        assert m.page.locator("img").count() == 0
        assert m.page.locator("script").count() == 3
        m.watch.assert_clean()


def test_a_javascript_id_is_a_plain_link_to_its_map(browser: Browser, hostile: Live) -> None:
    ci_id = "javascript:alert('id')"
    with open_map(browser, hostile.url + "/map/ci/hub", token=hostile.tokens["admin"]) as m:
        at = m.evaluate(f"window.cmdbgraphMap.locate({ci_id!r})")
        m.page.mouse.click(at["x"], at["y"])
        link = m.page.locator("#map-card a.map-link")
        assert link.get_attribute("href") == "/map/ci/" + quote(ci_id, safe="")
        link.click()
        m.page.wait_for_url("**/map/ci/javascript*")
        m.wait_ready()
        assert m.evaluate("window.cmdbgraphMap.center") == ci_id
        m.watch.assert_clean()


# -- a 20,000-CI blast radius ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    cwd = tmp_path_factory.mktemp("browser-large")
    ok(run_cli(["import", write_fan_graph(cwd / "fan.json", LARGE)], cwd=cwd))
    with live_server(cwd, tokens={"admin": create_token(cwd, "large-admin", "admin")}) as live:
        yield live


def test_a_20000_ci_blast_radius_renders_through_aggregation(
    browser: Browser, large: Live, request: pytest.FixtureRequest, record_property: Any
) -> None:
    with open_map(
        browser, f"{large.url}/map/impact?ci={ROOT}", token=large.tokens["admin"], timeout_s=180
    ) as m:
        stats = m.evaluate("window.cmdbgraphMap.stats")
        assert stats["cis"] == LARGE + 1
        assert stats["clusters"] > 0
        assert stats["aggregated"] > LARGE - MAX_NODES
        drawn = m.node_count()
        assert drawn == stats["drawn"] <= MAX_NODES
        assert m.lit_pixels() > 2000
        drawn_at = m.evaluate("window.cmdbgraphMap.renderMs")
        answered_at = m.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
        page_kb = m.evaluate("performance.getEntriesByType('navigation')[0].transferSize") / 1024
        notes = m.page.locator("#map-notes-list li").all_text_contents()
        assert notes[0].startswith(f"This map holds {LARGE + 1:,} CIs")
        # a cluster expands in place, by a bounded number of nodes
        added = m.evaluate("window.cmdbgraphMap.expand('Application')")
        assert 0 < added <= 50
        assert m.node_count() == drawn + added
        m.watch.assert_clean()
    render_ms = drawn_at - answered_at
    line = (
        f"20,000-CI blast radius: {drawn} nodes drawn ({stats['clusters']} clusters, "
        f"{stats['aggregated']:,} CIs aggregated); the server answered in {answered_at:.0f} ms "
        f"({page_kb:.0f} kB), the browser drew it {render_ms:.0f} ms later; {m.load_s:.2f} s in all"
    )
    record_property("server_ms", round(answered_at))
    record_property("render_ms", round(render_ms))
    report_render_time(request.config, line)
