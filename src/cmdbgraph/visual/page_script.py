"""The browser side of a map page: its script and style sheet (static text, no data).

The script reads the map from the page's ``<script type="application/json" id="map-data">``
block and draws it with vis-network. It builds every piece of text with ``textContent`` (never
``innerHTML``): hover cards, the legend, notes, search results. Links are followed only when
they are same-origin paths (``/...``, never ``//...``). Nothing is fetched. It exposes
``window.cmdbgraphMap`` for tests and tooling: ``ready``, ``renderMs``, ``nodeCount()``,
``edgeCount()``, ``find(text)``, ``expand(group)``, ``locate(ci)``, ``center``, ``stats``.

Interaction: hovering a node or edge shows its card; clicking a CI pins its card (which links to
the map centred on it, on served maps); double-clicking a CI follows that link; clicking a
cluster draws its first members in place; the search box selects and centres the next CI whose
id or name contains the text (expanding a cluster that holds one, if needed).
"""

from __future__ import annotations

from typing import Final

SCRIPT: Final = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var container = document.getElementById("map-canvas");
  var card = document.getElementById("map-card");
  var status = document.getElementById("map-search-status");
  var api = {ready: false, renderMs: null, center: data.map.center, stats: data.stats};
  window.cmdbgraphMap = api;

  var records = new Map();
  var clusterOf = new Map();
  data.nodes.forEach(function (r) {
    records.set(r.n, r);
    if (r.cluster) {
      r.cluster.members.forEach(function (m) { records.set(m.n, m); clusterOf.set(m.n, r.n); });
    }
  });

  function text(tag, value, cls) {
    var e = document.createElement(tag);
    e.textContent = value;
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }
  function safeLink(link) {
    if (typeof link !== "string" || link.charAt(0) !== "/") { return null; }
    var second = link.charAt(1);
    return second === "/" || second === "\\" ? null : link;
  }
  function searchText(r) { return ((r.ci || "") + " " + r.label + " " + (r.kind || "")).toLowerCase(); }

  function visNode(r) {
    return {
      id: r.n, label: r.label, shape: r.shape, size: r.size, borderWidth: r.borderWidth,
      borderWidthSelected: r.borderWidth + 2,
      color: {background: r.fill, border: r.border,
              highlight: {background: r.fill, border: "#000000"},
              hover: {background: r.fill, border: "#000000"}},
      shapeProperties: {borderDashes: r.dashes ? [5, 4] : false},
      font: r.cluster ? {size: 28, color: "#212121"}
          : (r.shape === "box" ? {size: 13, color: "#212121"}
                               : {size: 12, color: "#212121", strokeWidth: 3, strokeColor: "#ffffff"}),
      margin: r.shape === "box" ? (r.cluster ? 16 : 10) : undefined,
      mass: r.cluster ? 4 : 1
    };
  }
  var edgeKeys = new Set();
  var edgeCards = new Map();
  var nextEdge = 0;
  function visEdge(e, from, to) {
    var id = nextEdge++;
    edgeCards.set(id, e);
    return {
      id: id, from: from, to: to, color: {color: e.color, highlight: "#000000", hover: "#000000"},
      width: e.width, dashes: e.dotted ? [2, 4] : (e.dashes ? [7, 5] : false),
      label: e.label || undefined, arrows: {to: {enabled: true, scaleFactor: 0.5}}
    };
  }

  var initialEdges = data.edges.map(function (e) {
    edgeKeys.add(e.from + ">" + e.to + ">" + e.type);
    return visEdge(e, e.from, e.to);
  });
  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var edges = new vis.DataSet(initialEdges);
  var many = data.nodes.length > 150;
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, {
    autoResize: true,
    layout: {randomSeed: 7, improvedLayout: !many},
    physics: {
      solver: "forceAtlas2Based",
      forceAtlas2Based: {gravitationalConstant: -70, springLength: 90, springConstant: 0.06,
                         avoidOverlap: 0.3},
      stabilization: {enabled: true, iterations: many ? 260 : 180, updateInterval: 40, fit: true},
      minVelocity: 1.5
    },
    interaction: {hover: true, hoverConnectedEdges: true, tooltipDelay: 100, hideEdgesOnDrag: many,
                  navigationButtons: false, keyboard: false, multiselect: false},
    edges: {smooth: many ? false : {type: "continuous", roundness: 0.3},
            font: {size: 10, color: "#424242", strokeWidth: 3, strokeColor: "#ffffff", align: "middle"}},
    nodes: {shapeProperties: {interpolation: false}}
  });

  var pinned = false;
  function place(pointer) {
    // beside the pointer, never under it (on the other side when there is no room)
    var p = pointer || {x: 0, y: 0};
    var w = card.offsetWidth, h = card.offsetHeight;
    var x = p.x + 18, y = p.y + 12;
    if (x + w > container.clientWidth - 8) { x = p.x - 18 - w; }
    if (y + h > container.clientHeight - 8) { y = p.y - 12 - h; }
    card.style.left = Math.max(8, x) + "px";
    card.style.top = Math.max(8, y) + "px";
  }
  function showRows(title, rows, pointer) {
    clear(card);
    card.appendChild(text("h2", title));
    var list = document.createElement("dl");
    rows.forEach(function (row) {
      list.appendChild(text("dt", row[0]));
      list.appendChild(text("dd", row[1]));
    });
    card.appendChild(list);
    card.hidden = false;
    return function () { place(pointer); };
  }
  function showNode(n, pointer, pin) {
    var r = records.get(n);
    if (!r) { return; }
    var finish = showRows(r.title, r.card, pointer);
    var link = safeLink(r.link);
    if (link) {
      var a = text("a", "Centre the map on this CI", "map-link");
      a.href = link;
      card.appendChild(a);
    }
    if (r.cluster && !r.cluster.expanded) {
      card.appendChild(text("p", "Click to draw " + r.cluster.members.length + " of its " +
                                 r.cluster.total.toLocaleString("en") + " CIs.", "map-hint"));
    }
    pinned = !!pin;
    card.classList.toggle("pinned", pinned);
    finish();
  }
  function showEdge(id, pointer) {
    var e = edgeCards.get(id);
    if (!e) { return; }
    showRows(e.type, e.card, pointer)();
  }
  function hideCard() { card.hidden = true; pinned = false; card.classList.remove("pinned"); }

  function present(n) { return n !== null && n !== undefined && nodes.get(n) !== null; }
  function addMemberEdge(e) {
    var from = present(e.from) ? e.from : e.fromRep;
    var to = present(e.to) ? e.to : e.toRep;
    if (!present(from) || !present(to) || from === to) { return; }
    var key = from + ">" + to + ">" + e.type;
    if (edgeKeys.has(key)) { return; }
    edgeKeys.add(key);
    edges.add(visEdge(e, from, to));
  }
  var expanded = [];
  function expand(n) {
    var r = records.get(n);
    if (!r || !r.cluster || r.cluster.expanded) { return 0; }
    var members = r.cluster.members;
    var at = network.getPositions([n])[n] || {x: 0, y: 0};
    var radius = 80 + 7 * members.length;
    nodes.add(members.map(function (m, i) {
      var v = visNode(m);
      var angle = 2 * Math.PI * i / Math.max(1, members.length);
      v.x = at.x + radius * Math.cos(angle);
      v.y = at.y + radius * Math.sin(angle);
      return v;
    }));
    r.cluster.expanded = true;
    expanded.push(r);
    expanded.forEach(function (c) { c.cluster.edges.forEach(addMemberEdge); });
    var left = r.cluster.total - members.length;
    if (left > 0) {
      nodes.update({id: n, label: r.cluster.group + "\n" + left.toLocaleString("en") + " more CIs"});
    } else {
      nodes.remove(n);
    }
    return members.length;
  }

  network.on("hoverNode", function (p) { if (!pinned) { showNode(p.node, p.pointer.DOM, false); } });
  network.on("blurNode", function () { if (!pinned) { hideCard(); } });
  network.on("hoverEdge", function (p) { if (!pinned) { showEdge(p.edge, p.pointer.DOM); } });
  network.on("blurEdge", function () { if (!pinned) { hideCard(); } });
  network.on("click", function (p) {
    if (p.nodes.length) {
      var r = records.get(p.nodes[0]);
      if (r && r.cluster && !r.cluster.expanded) { expand(p.nodes[0]); hideCard(); return; }
      showNode(p.nodes[0], p.pointer.DOM, true);
    } else {
      hideCard();
    }
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) { return; }
    var r = records.get(p.nodes[0]);
    var link = r ? safeLink(r.link) : null;
    if (link) { window.location.assign(link); }
  });

  var lastQuery = null;
  var lastIndex = -1;
  function find(value) {
    var q = String(value || "").trim().toLowerCase();
    if (!q) { status.textContent = ""; return 0; }
    var match = function (v) { var r = records.get(v.id); return !!r && searchText(r).indexOf(q) >= 0; };
    var hits = nodes.get({filter: match});
    if (!hits.length) {
      data.nodes.forEach(function (r) {
        if (r.cluster && !r.cluster.expanded && r.cluster.members.some(function (m) {
          return searchText(m).indexOf(q) >= 0; })) { expand(r.n); }
      });
      hits = nodes.get({filter: match});
    }
    if (!hits.length) {
      var hidden = data.stats.aggregated ? " (" + data.stats.aggregated.toLocaleString("en") +
        " CIs are aggregated in clusters)" : "";
      status.textContent = "No CI on this map matches \u201c" + value + "\u201d" + hidden + ".";
      lastQuery = null;
      return 0;
    }
    lastIndex = q === lastQuery ? (lastIndex + 1) % hits.length : 0;
    lastQuery = q;
    var hit = hits[lastIndex].id;
    network.selectNodes([hit]);
    network.focus(hit, {scale: 1.1, animation: false});
    var at = network.canvasToDOM(network.getPositions([hit])[hit]);
    showNode(hit, at, true);
    status.textContent = "Match " + (lastIndex + 1) + " of " + hits.length + ".";
    return hits.length;
  }
  document.getElementById("map-search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    find(document.getElementById("map-search-text").value);
  });

  function swatch(entry) {
    var c = document.createElement("canvas");
    c.width = 26; c.height = 18;
    var g = c.getContext("2d");
    g.fillStyle = entry.fill; g.strokeStyle = entry.border;
    g.lineWidth = entry.what === "edge" ? entry.width : 1.5;
    if (entry.dashes) { g.setLineDash([5, 3]); }
    if (entry.dotted) { g.setLineDash([2, 3]); }
    g.beginPath();
    var s = entry.shape;
    if (entry.what === "edge") { g.moveTo(2, 9); g.lineTo(24, 9); g.stroke(); return c; }
    if (s === "square" || s === "box") { g.rect(6, 2, 14, 14); }
    else if (s === "diamond") {
      g.moveTo(13, 1); g.lineTo(21, 9); g.lineTo(13, 17); g.lineTo(5, 9); g.closePath();
    }
    else if (s === "triangle") { g.moveTo(13, 2); g.lineTo(21, 16); g.lineTo(5, 16); g.closePath(); }
    else if (s === "triangleDown") { g.moveTo(5, 2); g.lineTo(21, 2); g.lineTo(13, 16); g.closePath(); }
    else if (s === "hexagon") {
      for (var i = 0; i < 6; i++) {
        var a = Math.PI / 3 * i;
        if (i === 0) { g.moveTo(13 + 8 * Math.cos(a), 9 + 8 * Math.sin(a)); }
        else { g.lineTo(13 + 8 * Math.cos(a), 9 + 8 * Math.sin(a)); }
      }
      g.closePath();
    } else if (s === "star") {
      for (var k = 0; k < 10; k++) {
        var rad = k % 2 ? 3.5 : 8.5, b = Math.PI / 5 * k - Math.PI / 2;
        if (k === 0) { g.moveTo(13 + rad * Math.cos(b), 9 + rad * Math.sin(b)); }
        else { g.lineTo(13 + rad * Math.cos(b), 9 + rad * Math.sin(b)); }
      }
      g.closePath();
    } else { g.arc(13, 9, 7, 0, 2 * Math.PI); }
    g.fill(); g.stroke();
    return c;
  }
  var legend = document.getElementById("map-legend-list");
  data.legend.forEach(function (entry) {
    var li = document.createElement("li");
    li.appendChild(swatch(entry));
    li.appendChild(text("span", entry.label));
    legend.appendChild(li);
  });
  var notes = document.getElementById("map-notes-list");
  data.notes.forEach(function (note) { notes.appendChild(text("li", note)); });
  document.getElementById("map-notes").hidden = data.notes.length === 0;

  api.nodeCount = function () { return nodes.length; };
  api.edgeCount = function () { return edges.length; };
  api.find = find;
  api.expand = function (group) {
    var found = data.nodes.filter(function (r) { return r.cluster && r.cluster.group === group; });
    return found.length ? expand(found[0].n) : 0;
  };
  api.locate = function (ci) {
    var hit = nodes.get({filter: function (v) { var r = records.get(v.id); return !!r && r.ci === ci; }});
    if (!hit.length) { return null; }
    var at = network.canvasToDOM(network.getPositions([hit[0].id])[hit[0].id]);
    var box = container.getBoundingClientRect();
    return {x: box.left + at.x, y: box.top + at.y};
  };
  api.network = network;

  var done = false;
  function finish() {
    if (done) { return; }
    done = true;
    network.setOptions({physics: false});
    network.fit({animation: false});
    network.once("afterDrawing", function () {
      api.renderMs = Math.round(performance.now());
      api.ready = true;
      document.body.setAttribute("data-ready", "true");
    });
    network.redraw();
  }
  network.once("stabilizationIterationsDone", finish);
  window.setTimeout(finish, 20000);
})();
"""

STYLE: Final = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #212121; background: #fafafa; }
body { display: flex; flex-direction: column; }
header { padding: 10px 16px 6px; border-bottom: 1px solid #e0e0e0; background: #ffffff; }
header h1 { margin: 0 0 4px; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
#map-facts { margin: 0; padding: 0; list-style: none; color: #424242; font-size: 13px; }
#map-facts li { display: inline; margin-right: 12px; overflow-wrap: anywhere; }
#map-search { margin-top: 6px; display: flex; gap: 6px; align-items: center; }
#map-search input { width: 320px; padding: 4px 8px; border: 1px solid #9e9e9e; border-radius: 4px; }
#map-search button { padding: 4px 12px; border: 1px solid #616161; border-radius: 4px; background: #f5f5f5; }
#map-search-status { color: #424242; font-size: 13px; overflow-wrap: anywhere; }
main { flex: 1; display: flex; min-height: 0; }
#map-stage { position: relative; flex: 1; min-width: 0; }
#map-canvas { position: absolute; inset: 0; background: #ffffff; }
#map-card { position: absolute; z-index: 5; max-width: 360px; min-width: 200px; padding: 8px 10px;
  background: #ffffff; border: 1px solid #757575; border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.2);
  font-size: 12px; pointer-events: none; }
#map-card.pinned { border-color: #000000; border-width: 2px; pointer-events: auto; }
#map-card h2 { margin: 0 0 6px; font-size: 14px; overflow-wrap: anywhere; }
#map-card dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; }
#map-card dt { color: #616161; overflow-wrap: anywhere; }
#map-card dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
#map-card .map-link { display: inline-block; margin-top: 6px; }
#map-card .map-hint { margin: 6px 0 0; color: #424242; }
aside { width: 300px; overflow-y: auto; border-left: 1px solid #e0e0e0; background: #ffffff;
  padding: 8px 12px; }
aside h2 { font-size: 14px; margin: 8px 0 4px; }
aside ul { list-style: none; margin: 0; padding: 0; }
#map-legend-list li { display: flex; align-items: center; gap: 6px; margin: 2px 0; font-size: 12px; }
#map-notes-list li { margin: 4px 0; font-size: 12px; overflow-wrap: anywhere; }
"""
