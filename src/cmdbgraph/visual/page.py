"""A map as one self-contained, offline HTML page (pure).

The page is this module's own template, not pyvis's: pyvis's templates pull Bootstrap from a
CDN in every mode and put a ``heading`` and any title containing ``href`` into the page
unescaped. Only vis-network itself is taken from pyvis (its bundled
``templates/lib/vis-9.1.2/vis-network.min.js``), inlined, without its source-map comment.

Safety rules, each enforced here:

- **No network.** Every script and style is inline; the page names no external URL in any
  ``src`` or ``href`` and fetches nothing. A Content-Security-Policy ``<meta>`` (also sent as a
  header by the server) allows only the two inline scripts by hash, inline styles and ``data:``
  images, and no connections, so even a bug could not load anything.
- **Data is data.** The map travels as JSON in ``<script type="application/json">``, escaped
  for HTML: ``<``, ``>`` and ``&`` as ``\\u003c``/``\\u003e``/``\\u0026`` and everything beyond
  ASCII (U+2028/U+2029 included) as ``\\uXXXX``, so no value can close the block. The browser
  script builds all text with ``textContent``.
- **Escaped markup.** The title and facts written into the HTML go through ``html.escape``.

>>> json_for_html({"name": "</script><img src=x onerror=alert(1)>", "sep": "\\u2028"})
'{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e","sep":"\\\\u2028"}'
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import importlib.util
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import cmdbgraph
from cmdbgraph.visual import style
from cmdbgraph.visual.aggregate import (
    DEFAULT_EXPAND_MAX,
    DEFAULT_MAX_NODES,
    Aggregation,
    Cluster,
    DrawnEdge,
    GroupBy,
    aggregate,
)
from cmdbgraph.visual.page_script import SCRIPT, STYLE
from cmdbgraph.visual.scene import Scene, SceneEdge, SceneNode

VIS_NETWORK: Final = ("templates", "lib", "vis-9.1.2", "vis-network.min.js")
"""Where pyvis keeps the vis-network bundle (inside the ``pyvis`` package)."""
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S*\s*$")
_UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)
_SLOT = re.compile(r"\{\{(\w+)\}\}")
TIMES: Final = "\u00d7"
"""The multiplication sign of edge counts (``x3`` with a real times sign)."""
_GROUP_NOUN = {"kind": "kind", "team": "owning team", "service": "business service"}

TEMPLATE: Final = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cmdbgraph {{version}}">
<title>{{title}}</title>
<style>{{style}}</style>
</head>
<body>
<header>
<h1 id="map-title">{{title}}</h1>
<ul id="map-facts">{{facts}}</ul>
<form id="map-search" role="search" autocomplete="off">
<input id="map-search-text" type="search" placeholder="Find a CI by id or name"
 aria-label="Find a CI by id or name">
<button type="submit">Find</button>
<span id="map-search-status" role="status"></span>
</form>
<noscript><p>This map needs JavaScript (it runs entirely in this page and loads nothing).</p></noscript>
</header>
<main>
<div id="map-stage"><div id="map-canvas"></div><div id="map-card" hidden></div></div>
<aside>
<section id="map-legend"><h2>Legend</h2><ul id="map-legend-list"></ul></section>
<section id="map-notes"><h2>Aggregation</h2><ul id="map-notes-list"></ul></section>
</aside>
</main>
<script type="application/json" id="map-data">{{data}}</script>
<script>{{vis}}</script>
<script>{{app}}</script>
</body>
</html>
"""


@dataclass(frozen=True)
class RenderedMap:
    """A rendered page and what it draws (``stats``: ``cis``, ``drawn`` nodes including
    clusters, ``clusters``, ``aggregated`` CIs, ``edges``, ``group_by``, ``max_nodes``)."""

    html: str
    stats: dict[str, Any]


@functools.cache
def vis_network_js() -> str:
    """The vis-network bundle shipped with pyvis, ready to inline (``RuntimeError`` if it holds
    a sequence that would end an inline script)."""
    # find the package without importing it: pyvis imports IPython (~0.4 s) on import
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyvis is not installed: it provides the vis-network bundle")
    bundle = Path(next(iter(spec.submodule_search_locations))).joinpath(*VIS_NETWORK)
    text = _SOURCE_MAP.sub("\n", bundle.read_text(encoding="utf-8"))
    if _UNSAFE_IN_SCRIPT.search(text):
        raise RuntimeError("the vis-network bundle cannot be inlined: it contains </script or <!--")
    return text


def script_hash(source: str) -> str:
    """The CSP source expression allowing one inline script.

    >>> script_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(*, header: bool = False) -> str:
    """The page's policy: its two inline scripts by hash, inline styles, ``data:`` images and
    nothing else (``header`` adds ``frame-ancestors``, which only works as a header)."""
    parts = [
        "default-src 'none'",
        f"script-src {script_hash(vis_network_js())} {script_hash(SCRIPT)}",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if header:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


def json_for_html(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element (see the module
    docstring)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(value: str) -> str:
    """``value`` escaped for HTML text and attributes (lone surrogates replaced)."""
    return html.escape(value.encode("utf-8", "replace").decode("utf-8"), quote=True)


def _node(node: SceneNode, n: int) -> dict[str, Any]:
    return {
        "n": n,
        "ci": node.shown.id,
        "title": node.shown.id if node.shown.redacted else node.shown.name,
        "label": node.label,
        "kind": node.shown.kind,
        "shape": node.shape,
        "fill": node.fill,
        "border": node.border,
        "borderWidth": node.border_width,
        "dashes": node.dashes,
        "size": node.size,
        "role": node.role,
        "card": [list(row) for row in node.card],
        "link": node.link,
    }


def _edge_style(
    rel_type: str, flows: bool | None, optional: bool, grouped: bool, emphasised: bool
) -> dict[str, Any]:
    look = style.edge_style(
        rel_type, propagates=flows is not None, optional=optional, grouped=grouped, emphasised=emphasised
    )
    card = [["relationship", rel_type]]
    if optional:
        card.append(["optional", "yes"])
    if grouped:
        card.append(["redundancy group", "member"])
    if emphasised:
        card.append(["explanation path", "yes"])
    return {
        "type": rel_type,
        "color": look.colour,
        "width": look.width,
        "dashes": look.dashes,
        "dotted": look.dotted,
        "card": card,
    }


def _drawn_edge(e: DrawnEdge, ids: dict[str, int], label: str | None) -> dict[str, Any]:
    record = _edge_style(e.type, e.flows_to_source, e.optional, e.grouped, e.emphasised)
    if e.count > 1:
        record["card"].append(["edges", f"{e.count:,}"])
    record.update(
        {"from": ids[e.source], "to": ids[e.target], "label": f"{TIMES}{e.count:,}" if e.count > 1 else label}
    )
    return record


def _member_edge(e: SceneEdge, ids: dict[str, int], rep: dict[str, str]) -> dict[str, Any]:
    record = _edge_style(e.type, e.flows_to_source, e.optional, e.grouped, e.emphasised)
    record.update(
        {
            "from": ids.get(e.source, ids[rep[e.source]]),
            "to": ids.get(e.target, ids[rep[e.target]]),
            "fromRep": ids[rep[e.source]],
            "toRep": ids[rep[e.target]],
            "label": e.label,
        }
    )
    return record


def _cluster(c: Cluster, n: int, layout: Aggregation, scene: Scene, ids: dict[str, int]) -> dict[str, Any]:
    count = len(c.members)
    border = (
        style.KIND_COLOURS.get(c.group, style.CLUSTER_BORDER)
        if layout.group_by == "kind"
        else style.CLUSTER_BORDER
    )
    card = [
        ["cluster of", f"{count:,} CIs"],
        ["grouped by", _GROUP_NOUN[layout.group_by]],
        ["group", c.group],
        *[[role, f"{number:,}"] for role, number in c.roles.items()],
    ]
    label_edges = {m: layout.member_edges.get(m, []) for m in c.expandable}
    seen: set[tuple[str, str, str]] = set()
    edges = []
    for member in c.expandable:
        for e in label_edges[member]:
            key = (e.source, e.type, e.target)
            if key not in seen:
                seen.add(key)
                edges.append(_member_edge(e, ids, layout.rep))
    return {
        "n": n,
        "ci": None,
        "title": f"{count:,} CIs: {c.group}",
        "label": f"{c.group}\n{count:,} CIs",
        "kind": "cluster",
        "shape": "box",
        "fill": "#eceff1",
        "border": border,
        "borderWidth": 3,
        "dashes": False,
        "size": 20,
        "role": "cluster",
        "card": card,
        "link": None,
        "cluster": {
            "group": c.group,
            "total": count,
            "members": [_node(scene.nodes[m], ids[m]) for m in c.expandable],
            "edges": edges,
        },
    }


def map_document(scene: Scene, layout: Aggregation, *, served: bool) -> dict[str, Any]:
    """The JSON the page script draws: nodes (drawn CIs and clusters, with their expandable
    members), edges, legend, facts, aggregation notes and stats. Node ids are small integers;
    CI ids appear only as the shown ``ci`` of each record."""
    ids: dict[str, int] = {}
    for key in [
        *layout.drawn,
        *(c.key for c in layout.clusters),
        *(m for c in layout.clusters for m in c.expandable),
    ]:
        ids[key] = len(ids)
    labels = {(e.source, e.type, e.target): e.label for e in scene.edges}
    nodes = [_node(scene.nodes[k], ids[k]) for k in layout.drawn]
    nodes += [_cluster(c, ids[c.key], layout, scene, ids) for c in layout.clusters]
    edges = [
        _drawn_edge(e, ids, labels.get((e.source, e.type, e.target)) if e.count == 1 else None)
        for e in layout.edges
    ]
    legend = [*scene.legend, *style.special_entries(redacted=False, clusters=bool(layout.clusters))]
    return {
        "map": {"kind": scene.kind, "title": scene.title, "center": scene.center, "served": served},
        "nodes": nodes,
        "edges": edges,
        "legend": [asdict(entry) for entry in legend],
        "facts": scene.facts,
        "notes": layout.notes,
        "stats": stats_of(layout, edges=len(edges)),
    }


def stats_of(layout: Aggregation, *, edges: int) -> dict[str, Any]:
    """What a page draws, in numbers."""
    return {
        "cis": layout.total,
        "drawn": len(layout.drawn) + len(layout.clusters),
        "clusters": len(layout.clusters),
        "aggregated": layout.aggregated,
        "edges": edges,
        "group_by": layout.group_by,
        "max_nodes": layout.max_nodes,
    }


def render_page(scene: Scene, layout: Aggregation, *, served: bool) -> RenderedMap:
    """The self-contained HTML page of ``scene`` drawn as ``layout`` decided."""
    document = map_document(scene, layout, served=served)
    slots = {
        "csp": _text(content_security_policy()),
        "version": _text(cmdbgraph.__version__),
        "title": _text(scene.title),
        "style": STYLE,
        "facts": "".join(f"<li>{_text(fact)}</li>" for fact in scene.facts),
        "data": json_for_html(document),
        "vis": vis_network_js(),
        "app": SCRIPT,
    }
    # one pass: text put into a slot is never scanned for slots again
    page = _SLOT.sub(lambda m: slots[m.group(1)], TEMPLATE)
    return RenderedMap(html=page, stats=document["stats"])


def render_map(
    scene: Scene,
    *,
    served: bool,
    max_nodes: int = DEFAULT_MAX_NODES,
    group_by: GroupBy = "kind",
    expand_max: int = DEFAULT_EXPAND_MAX,
) -> RenderedMap:
    """Aggregate ``scene`` (see :func:`~cmdbgraph.visual.aggregate.aggregate`) and render it."""
    layout = aggregate(scene, max_nodes=max_nodes, group_by=group_by, expand_max=expand_max)
    return render_page(scene, layout, served=served)
