"""Reading a rendered map page back: its JSON data block and every URL-like string in it."""

from __future__ import annotations

import json
import re
from typing import Any

_DATA = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.DOTALL)
_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s\"'<>()\\,;]*", re.IGNORECASE)
_LOADING = re.compile(
    r"""(?:\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)|(?:@import)""",
    re.IGNORECASE,
)

INERT_URLS = frozenset(
    {
        # vis-network's licence banner and error messages, and the SVG namespace it names
        "https://visjs.github.io/vis-network/",
        "http://almende.com",
        "https://github.com/visjs",
        "http://www.apache.org/licenses/LICENSE-2.0",
        "http://opensource.org/licenses/MIT",
        "http://www.w3.org/2000/svg",
        "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
        "https://github.com/zloirock/core-js",
        "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
    }
)
"""URL-like strings of the inlined vis-network bundle that name, but never load, anything."""


def map_data(page: str) -> dict[str, Any]:
    """The JSON document of a map page (exactly one data block)."""
    blocks = _DATA.findall(page)
    assert len(blocks) == 1, f"{len(blocks)} data blocks"
    assert "<" not in blocks[0]
    assert ">" not in blocks[0]
    assert "&" not in blocks[0]
    data: dict[str, Any] = json.loads(blocks[0])
    return data


def urls_in(page: str) -> set[str]:
    """Every absolute or scheme-relative URL-like string in the page."""
    return {m.group(0).rstrip(".") for m in _URL.finditer(page)}


def loading_references(page: str) -> list[str]:
    """Attribute values, CSS ``url()`` and ``@import`` that would load an absolute URL."""
    return [m.group(0) for m in _LOADING.finditer(page)]


def all_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The drawn node records and the expandable members of every cluster."""
    nodes: list[dict[str, Any]] = list(data["nodes"])
    for n in data["nodes"]:
        if n.get("cluster"):
            nodes.extend(n["cluster"]["members"])
    return nodes


def by_ci(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Drawn CI records by their shown id (clusters left out)."""
    return {n["ci"]: n for n in data["nodes"] if n["ci"] is not None}


def card(node: dict[str, Any]) -> dict[str, str]:
    """A node's card rows as a mapping (later rows win)."""
    return dict(node["card"])
