"""Screenshots of every map kind for the README: ``python scripts/screenshots.py [--out docs/img]``.

Builds the demo enterprise (``cmdbgraph demo --size 1000``) in a temporary directory, adds two
changes so that the change map has something to show (a draft change inside the year-end
freeze, and an emergency change that depends on it in the same window), writes each map with
the real CLI (``cmdbgraph map ...``), opens each file in headless Debian chromium (installed by
``.ci/browser`` if missing; playwright never downloads a browser) with every request off the
file blocked, and saves:

- ``map-neighbourhood.png``  a business service and what it depends on (``map ci --direction out``)
- ``map-impact.png``         the blast radius of a database, a business service's card pinned
- ``map-root-cause.png``     three symptoms, the ranked candidates and their paths
- ``map-change.png``         a change, its impact, the freeze and the colliding change
- ``map-aggregated.png``     a data centre's blast radius drawn with ``--max-nodes 60``

The demo is deterministic and the layout seeded, so the pictures change little between runs
(the two added changes get fresh ids). Exits non-zero when a page fails to draw, logs an error,
opens a dialog or tries to load anything.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Error, Page, Route, ViewportSize, sync_playwright

from cmdbgraph.graphdb import Direction, EmbeddedStore
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph

REPO = Path(__file__).resolve().parents[1]
DEMO_SIZE = 1000
VIEWPORT: ViewportSize = {"width": 1280, "height": 760}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FREEZE_WINDOW = ("2026-12-20T22:00:00+00:00", "2026-12-21T01:00:00+00:00")


def log(message: str) -> None:
    sys.stderr.write(message + "\n")


def cli(cwd: Path, *args: str) -> Any:
    """Run ``cmdbgraph ARGS --json`` in ``cwd`` and return its JSON document."""
    done = subprocess.run(
        [sys.executable, "-m", "cmdbgraph.cli", *args, "--json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"cmdbgraph {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def choose(cwd: Path) -> dict[str, Any]:
    """The CIs each picture is about, read from the demo store."""
    store = EmbeddedStore(cwd / "cmdbgraph.db")
    try:
        contents = store.contents()
        graph = ImpactGraph.build(contents.cis, contents.relationships, store.registry)
        kinds = {c.id: c.kind for c in contents.cis}
        service = next(
            c.id
            for c in contents.cis
            if c.kind == "BusinessService" and 25 <= len(store.subgraph([c.id], Direction.OUT, 2).nodes) <= 70
        )
        radii = {c.id: blast_radius(graph, [c.id]) for c in contents.cis if c.kind == "Database"}
        database = min(radii, key=lambda i: (abs(len(radii[i]) - 25), i))
        impacted = radii[database].impacted
        deepest = sorted(impacted, key=lambda i: (-i.depth, i.id))
        symptoms = [i.id for i in deepest[:6]]
        dependent = next(i.id for i in impacted if kinds[i.id] in ("Service", "Application") and i.depth == 1)
        business = [i.id for i in impacted if kinds[i.id] == "BusinessService"] or symptoms[:1]
        datacenter = next(c.id for c in contents.cis if c.kind == "Datacenter")
    finally:
        store.close()
    return {
        "service": service,
        "database": database,
        "symptoms": symptoms,
        "dependent": dependent,
        "business": business,
        "datacenter": datacenter,
    }


def add_changes(cwd: Path, database: str, dependent: str) -> str:
    """A draft change on ``database`` inside the freeze, and a submitted emergency change on a CI
    that depends on it in the same window; returns the draft's id."""
    start, end = FREEZE_WINDOW
    draft = cli(
        cwd, "change", "create", "--title", "Storage firmware upgrade", "--type", "normal",
        "--target", database, "--start", start, "--end", end,
    )  # fmt: skip
    other = cli(
        cwd, "change", "create", "--title", "Hotfix release", "--type", "emergency",
        "--target", dependent, "--start", start, "--end", end,
    )  # fmt: skip
    cli(cwd, "change", "submit", other["id"])
    change_id: str = draft["id"]
    return change_id


def render(cwd: Path, picks: dict[str, Any], change_id: str) -> dict[str, tuple[Path, list[str]]]:
    """Write the maps with the CLI: picture name -> (file, CIs one of which gets its card pinned:
    the leftmost, so that the card covers little of the map)."""
    maps = {
        "neighbourhood": (["map", "ci", picks["service"], "--depth", "2", "--direction", "out"], []),
        "impact": (["map", "impact", picks["database"]], picks["business"]),
        "root-cause": (["map", "root-cause", *picks["symptoms"], "--limit", "3"], []),
        "change": (["map", "change", change_id], []),
        "aggregated": (["map", "impact", picks["datacenter"], "--max-nodes", "60"], []),
    }
    files = {}
    for name, (args, pin) in maps.items():
        out = cwd / f"map-{name}.html"
        written = cli(cwd, *args, "--out", str(out))
        log(f"{name}: {written['cis']} CIs, {written['drawn']} nodes drawn, {written['clusters']} clusters")
        files[name] = (out, pin)
    return files


def chromium() -> str:
    done = subprocess.run([str(REPO / ".ci" / "browser")], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f".ci/browser failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def _only(url: str, name: str, problems: list[str]) -> Callable[[Route], None]:
    """A route handler letting through ``url`` (and ``data:``) only, recording the rest."""

    def route(r: Route) -> None:
        if r.request.url == url or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"{name}: tried to load {r.request.url}")
            r.abort()

    return route


def _watch(page: Page, name: str, problems: list[str]) -> None:
    """Record dialogs, page errors and console errors of ``page``."""

    def dialog(d: Dialog) -> None:
        problems.append(f"{name}: dialog {d.message!r}")
        d.dismiss()

    def console(m: ConsoleMessage) -> None:
        if m.type == "error":
            problems.append(f"{name}: {m.text}")

    def error(e: Error) -> None:
        problems.append(f"{name}: {e}")

    page.on("dialog", dialog)
    page.on("console", console)
    page.on("pageerror", error)


def shoot(files: dict[str, tuple[Path, list[str]]], out_dir: Path) -> None:
    """Open each file, wait until it is drawn, pin a card where asked, save a PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            for name, (file, pin) in files.items():
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
                url = file.as_uri()
                context.route("**/*", _only(url, name, problems))
                page = context.new_page()
                _watch(page, name, problems)
                page.goto(url)
                page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
                spots = [page.evaluate(f"window.cmdbgraphMap.locate({ci!r})") for ci in pin]
                spots = [at for at in spots if at is not None]
                if spots:
                    at = min(spots, key=lambda p: p["x"])
                    page.mouse.click(at["x"], at["y"])
                target = out_dir / f"map-{name}.png"
                page.screenshot(path=str(target))
                shown = target.relative_to(REPO) if target.is_relative_to(REPO) else target
                log(f"saved {shown} ({target.stat().st_size // 1024} kB)")
                context.close()
        finally:
            browser.close()
    if problems:
        raise SystemExit("\n".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img", help="where to save the PNGs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cmdbgraph-screenshots-") as tmp:
        cwd = Path(tmp)
        log(f"building the demo enterprise (--size {DEMO_SIZE}) in {cwd}")
        cli(cwd, "demo", "--size", str(DEMO_SIZE))
        picks = choose(cwd)
        change_id = add_changes(cwd, picks["database"], picks["dependent"])
        shoot(render(cwd, picks, change_id), args.out.resolve())


if __name__ == "__main__":
    main()
