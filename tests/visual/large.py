"""A large synthetic graph whose root's blast radius is exactly ``impacted`` CIs, as a graph file.

Layers (each CI depends on one CI of the layer below, round robin): ``db-root`` (Database) <-
50 APIs <- 2000 Services <- Applications <- 100 BusinessServices (each depends on 20
applications); 20 teams own the services. Everything but the teams is in the root's blast
radius.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = "db-root"
APIS = 50
SERVICES = 2000
BUSINESS = 100
TEAMS = 20


def fan_graph(impacted: int = 20_000) -> dict[str, Any]:
    """The graph file document (``{"cis": [...], "relationships": [...]}``)."""
    apps = impacted - APIS - SERVICES - BUSINESS
    assert apps > BUSINESS * 20, "too small for the layers"
    cis: list[dict[str, Any]] = [{"id": ROOT, "kind": "Database", "name": "Root DB", "criticality": 1}]
    rels: list[dict[str, Any]] = []
    cis += [{"id": f"team-{t:02d}", "kind": "Team", "name": f"Team {t:02d}"} for t in range(TEAMS)]
    for a in range(APIS):
        cis.append({"id": f"api-{a:03d}", "kind": "API", "criticality": 2})
        rels.append({"source": f"api-{a:03d}", "target": ROOT, "type": "DEPENDS_ON"})
    for s in range(SERVICES):
        sid = f"svc-{s:05d}"
        cis.append({"id": sid, "kind": "Service"})
        rels.append({"source": sid, "target": f"api-{s % APIS:03d}", "type": "DEPENDS_ON"})
        rels.append({"source": sid, "target": f"team-{s % TEAMS:02d}", "type": "OWNED_BY"})
    for p in range(apps):
        pid = f"app-{p:05d}"
        cis.append({"id": pid, "kind": "Application", "criticality": 4})
        rels.append(
            {"source": pid, "target": f"svc-{p % SERVICES:05d}", "type": "DEPENDS_ON", "optional": p % 7 == 0}
        )
    for b in range(BUSINESS):
        bid = f"bs-{b:03d}"
        cis.append({"id": bid, "kind": "BusinessService", "criticality": 1})
        for k in range(20):
            rels.append({"source": bid, "target": f"app-{(b * 20 + k) % apps:05d}", "type": "DEPENDS_ON"})
    return {"cis": cis, "relationships": rels}


def write_fan_graph(path: Path, impacted: int = 20_000) -> Path:
    """Write :func:`fan_graph` to ``path`` (JSON) and return it."""
    path.write_text(json.dumps(fan_graph(impacted)))
    return path
