"""Headless Debian chromium through Python playwright, watched for anything a map must not do.

:func:`ensure_chromium` runs ``.ci/browser`` (which installs Debian's ``chromium`` package with
apt-get) when ``/usr/bin/chromium`` is missing, so the browser tests work on a fresh machine;
playwright never downloads a browser here. :func:`open_map` opens a page in a fresh context
that blocks and records every request not going to 127.0.0.1 (or to the file being opened) and
records dialogs, page errors and console errors or warnings (a Content-Security-Policy
violation is a console error); :meth:`Watch.assert_clean` fails on any of them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route, ViewportSize

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
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
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
READY = "body[data-ready=true]"

COUNT_LIT_PIXELS = """() => {
  const canvas = document.querySelector('#map-canvas canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { lit++; } }
  return lit;
}"""


def ensure_chromium() -> Path:
    """``/usr/bin/chromium``, installed by ``.ci/browser`` first if it is missing (the test
    fails with the script's message when it cannot be installed)."""
    if not CHROMIUM.exists():
        done = subprocess.run(
            [str(REPO / ".ci" / "browser")], capture_output=True, text=True, timeout=1200, check=False
        )
        if done.returncode != 0 or not CHROMIUM.exists():
            pytest.fail(f".ci/browser could not provide {CHROMIUM}:\n{done.stderr[-3000:]}")
    return CHROMIUM


@dataclass
class Watch:
    """What a page tried that it must not: off-host requests, dialogs, errors."""

    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.blocked == [], f"requests off 127.0.0.1: {self.blocked}"
        assert self.dialogs == [], f"dialogs: {self.dialogs}"
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.console == [], f"console errors: {self.console}"


@dataclass
class MapPage:
    """An open map page and its watch."""

    page: Page
    watch: Watch
    load_s: float

    def evaluate(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def node_count(self) -> int:
        count: int = self.page.evaluate("window.cmdbgraphMap.nodeCount()")
        return count

    def lit_pixels(self) -> int:
        lit: int = self.page.evaluate(COUNT_LIT_PIXELS)
        return lit

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        # a selector wait: a predicate wait would evaluate a string in the page, which the
        # page's Content-Security-Policy (rightly) refuses
        self.page.wait_for_selector(READY, state="attached", timeout=timeout_s * 1000)


def _allowed(url: str, file_url: str | None) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ws", "wss"):
        return parts.hostname == "127.0.0.1"
    return url == file_url or parts.scheme in ("data", "about", "blob")


@contextmanager
def open_map(
    browser: Browser, url: str, *, token: str | None = None, timeout_s: float = 60.0
) -> Iterator[MapPage]:
    """Open ``url`` (``http://127.0.0.1...`` with ``token`` as a bearer header on every
    request, or a ``file://`` URL), wait until the map is drawn and yield it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    context = browser.new_context(viewport=VIEWPORT, extra_http_headers=headers)
    watch = Watch()
    file_url = url if url.startswith("file://") else None

    def route(r: Route) -> None:
        if _allowed(r.request.url, file_url):
            r.continue_()
        else:
            watch.blocked.append(r.request.url)
            r.abort()

    def dialog(d: Dialog) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", dialog)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on(
        "console",
        lambda m: watch.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    try:
        started = time.perf_counter()
        page.goto(url)
        opened = MapPage(page=page, watch=watch, load_s=0.0)
        opened.wait_ready(timeout_s)
        opened.load_s = time.perf_counter() - started
        yield opened
    finally:
        context.close()


@contextmanager
def launch(playwright: Any) -> Iterator[Browser]:
    """Debian's chromium, headless, with the flags that keep it off the network."""
    browser = playwright.chromium.launch(
        executable_path=str(ensure_chromium()), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()
