"""A hand-drawn graph for the map tests, its analysis snapshot and a store holding it.

::

    bs (BusinessService, crit 1) -DEPENDS_ON-> web (Service, crit 2) -DEPENDS_ON-> api (API)
    web -DEPENDS_ON (optional)-> cache (Cache)
    api -DEPENDS_ON-> db (Database)       api -DEPENDS_ON-> vault (Database, restricted)
    api -RUNS_ON {group hosts, min_up 1}-> h1, h2 (Host, ip_address sensitive)
    web -OWNED_BY-> team (Team)           api -OWNED_BY-> team
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cmdbgraph.graphdb import Batch, EmbeddedStore
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import CI, DEFAULT_REGISTRY, CIData
from cmdbgraph.visual.scene import REDACTED_KIND, Shown
from tests.factories import rel

RENDER_TIMES = pytest.StashKey[list[str]]()
"""Render times the browser tests measured (reported in the terminal summary, not asserted)."""


def report_render_time(config: pytest.Config, line: str) -> None:
    """Add ``line`` to the "map render times" section of the terminal summary."""
    config.stash.setdefault(RENDER_TIMES, []).append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(RENDER_TIMES, [])
    if lines:
        terminalreporter.section("map render times")
        for line in lines:
            terminalreporter.write_line(line)


CIS = [
    CIData(id="bs", kind="BusinessService", name="Web shop", criticality=1),
    CIData(id="web", kind="Service", name="Web front", criticality=2),
    CIData(id="api", kind="API", name="Shop API"),
    CIData(id="cache", kind="Cache", name="Cache"),
    CIData(id="db", kind="Database", name="Orders DB", attributes={"engine": "postgres"}),
    CIData(id="vault", kind="Database", name="Vault", attributes={"restricted": True}),
    CIData(id="h1", kind="Host", name="host one", attributes={"ip_address": "10.0.0.1"}),
    CIData(id="h2", kind="Host", name="host two", attributes={"ip_address": "10.0.0.2"}),
    CIData(id="team", kind="Team", name="Shop team"),
]
RELS = [
    rel("bs", "web"),
    rel("web", "api"),
    rel("web", "cache", optional=True),
    rel("api", "db"),
    rel("api", "vault"),
    rel("api", "h1", "RUNS_ON", redundancy_group="hosts", min_up=1),
    rel("api", "h2", "RUNS_ON", redundancy_group="hosts", min_up=1),
    rel("web", "team", "OWNED_BY"),
    rel("api", "team", "OWNED_BY"),
]
BATCH = Batch(upsert_cis=CIS, upsert_relationships=RELS)


class Hiding:
    """A disclosure like the API's for a caller without clearance: ``vault`` as ``redacted-N``,
    ``ip_address`` masked."""

    def __init__(self) -> None:
        self.stand_ins: dict[str, str] = {}

    def hides(self, ci_id: str) -> bool:
        return ci_id == "vault"

    def show_id(self, ci_id: str) -> str:
        if not self.hides(ci_id):
            return ci_id
        return self.stand_ins.setdefault(ci_id, f"redacted-{len(self.stand_ins) + 1}")

    def show(self, ci: CI) -> Shown:
        if self.hides(ci.id):
            stand_in = self.show_id(ci.id)
            return Shown(stand_in, REDACTED_KIND, stand_in, 3, "operational", {}, redacted=True)
        masked = tuple(k for k in ci.attributes if k == "ip_address")
        attributes = {k: (None if k in masked else v) for k, v in ci.attributes.items()}
        return Shown(ci.id, ci.kind, ci.name, ci.criticality, ci.status.value, attributes, masked)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "maps.db")
    s.apply(BATCH, actor="fixture")
    yield s
    s.close()


@pytest.fixture
def graph() -> ImpactGraph:
    return ImpactGraph.build(CIS, RELS, DEFAULT_REGISTRY)


@pytest.fixture
def by_id(store: EmbeddedStore) -> dict[str, CI]:
    return {c.id: c for c in store.contents().cis}
