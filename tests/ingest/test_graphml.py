"""GraphML export: networkx reads back the same nodes, edges and properties; XML-special text
survives; the writer streams; ``cmdbgraph export out.graphml`` writes the whole store."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from cmdbgraph.ingest.graphml import GRAPHML_NS, write_graphml, write_graphml_file
from cmdbgraph.schema import CIData, Relationship, Status
from tests.cli.clirun import ok, run_cli

TRICKY = "A&B <script>alert('x')</script> \"quoted\" \u00e9\u4e2d\U0001f600\r\nline\ttab"

CIS = [
    CIData(id="web", kind="Service", name="Web <frontend>", criticality=1, attributes={"tier": 1}),
    CIData(id="db & co", kind="Database", name=TRICKY, status=Status.DEGRADED, attributes={"note": TRICKY}),
    CIData(
        id="host-1",
        kind="Host",
        name="host-1",
        criticality=4,
        attributes={"cpu_count": 8, "tags": ["a", "b"], "nested": {"x": None, "y": 1.5, "ok": True}},
    ),
    CIData(id="host-2", kind="Host"),
]
RELS = [
    Relationship(source="web", target="db & co", type="DEPENDS_ON", attributes={"port": 5432}),
    Relationship(source="web", target="db & co", type="USES_DATA", optional=True),
    Relationship(source="web", target="host-1", type="RUNS_ON", redundancy_group="hosts", min_up=1),
    Relationship(source="web", target="host-2", type="RUNS_ON", redundancy_group="hosts", min_up=1),
    Relationship(source="db & co", target="host-1", type="RUNS_ON", redundancy_group="db", min_up="50%"),
]


def graphml_text(cis: list[CIData], rels: list[Relationship]) -> str:
    out = io.StringIO()
    write_graphml(cis, rels, out)
    return out.getvalue()


def read_back(text: str, tmp_path: Path) -> Any:
    path = tmp_path / "graph.graphml"
    path.write_text(text, encoding="utf-8", newline="")
    return nx.read_graphml(path)


def test_networkx_reads_back_the_same_nodes_and_properties(tmp_path: Path) -> None:
    graph = read_back(graphml_text(CIS, RELS), tmp_path)
    assert graph.is_directed()
    nodes = {node: dict(data) for node, data in graph.nodes(data=True)}
    expected = {
        ci.id: {
            "kind": ci.kind,
            "name": ci.name,
            "criticality": ci.criticality,
            "status": ci.status.value,
            "attributes": ci.attributes,
        }
        for ci in CIS
    }
    for data in nodes.values():
        data["attributes"] = json.loads(data["attributes"])
    assert nodes == expected
    assert nodes["db & co"]["name"] == TRICKY  # \r, tab, emoji and markup all survive


def test_networkx_reads_back_every_edge_including_parallel_ones_of_other_types(tmp_path: Path) -> None:
    graph = read_back(graphml_text(CIS, RELS), tmp_path)
    assert isinstance(graph, nx.MultiDiGraph)  # web -> db & co twice: DEPENDS_ON and USES_DATA
    got = set()
    for source, target, key, data in graph.edges(keys=True, data=True):
        got.add(
            (
                source,
                target,
                data["type"],
                data["optional"],
                data.get("redundancy_group"),
                data.get("min_up"),
                json.loads(data.get("attributes", "{}"))["port"] if "attributes" in data else None,
            )
        )
        assert key.startswith("e")
    assert got == {
        ("web", "db & co", "DEPENDS_ON", False, None, None, 5432),
        ("web", "db & co", "USES_DATA", True, None, None, None),
        ("web", "host-1", "RUNS_ON", False, "hosts", "1", None),
        ("web", "host-2", "RUNS_ON", False, "hosts", "1", None),
        ("db & co", "host-1", "RUNS_ON", False, "db", "50%", None),
    }
    assert len({key for _, _, key in graph.edges(keys=True)}) == len(RELS)


def test_without_parallel_edges_networkx_gives_a_digraph_with_the_edge_ids(tmp_path: Path) -> None:
    graph = read_back(graphml_text(CIS, [RELS[0], RELS[2]]), tmp_path)
    assert type(graph) is nx.DiGraph
    assert {(s, t, d["type"], d["id"]) for s, t, d in graph.edges(data=True)} == {
        ("web", "db & co", "DEPENDS_ON", "e0"),
        ("web", "host-1", "RUNS_ON", "e1"),
    }


def test_xml_special_characters_are_escaped_and_declared_once_per_property() -> None:
    text = graphml_text(CIS, RELS)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert 'id="db &amp; co"' in text
    assert "&#13;" in text  # a bare \r would be read back as \n
    root = ET.fromstring(text.encode())
    keys = root.findall(f"{{{GRAPHML_NS}}}key")
    names = [(k.get("for"), k.get("attr.name")) for k in keys]
    assert len(names) == len(set(names)) == 10
    graph = root.find(f"{{{GRAPHML_NS}}}graph")
    assert graph is not None
    assert graph.get("edgedefault") == "directed"


def test_characters_xml_cannot_hold_become_replacement_characters(tmp_path: Path) -> None:
    ci = CIData(id="odd", kind="Service", name="bell\x07 nul\x00 end", attributes={"raw": "\x01"})
    graph = read_back(graphml_text([ci], []), tmp_path)
    assert graph.nodes["odd"]["name"] == "bell\ufffd nul\ufffd end"
    assert json.loads(graph.nodes["odd"]["attributes"]) == {"raw": "\x01"}  # JSON escapes it itself


def test_the_writer_streams_each_record_as_it_is_yielded() -> None:
    out = io.StringIO()

    def cis() -> Iterator[CIData]:
        for n, ci in enumerate(CIS):
            assert out.getvalue().count("<node ") == n  # the previous ones are already written
            yield ci

    def rels() -> Iterator[Relationship]:
        for n, rel in enumerate(RELS):
            assert out.getvalue().count("<edge ") == n
            yield rel

    write_graphml(cis(), rels(), out)
    assert out.getvalue().count("<edge ") == len(RELS)


def test_the_file_writer_writes_utf8_to_a_path_and_to_a_byte_stream(tmp_path: Path) -> None:
    path = tmp_path / "out.graphml"
    write_graphml_file(path, CIS, RELS)
    stream = io.BytesIO()
    write_graphml_file(stream, CIS, RELS)
    assert path.read_bytes() == stream.getvalue() == graphml_text(CIS, RELS).encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.graphml"]  # no temporary file left


# ----------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    work = tmp_path_factory.mktemp("graphml")
    store = work / "demo.db"
    ok(run_cli(["--store", store, "demo", "--size", "100"], cwd=work))
    stats = ok(run_cli(["--store", store, "stats", "--json"], cwd=work)).json()
    return store, stats


def test_cli_exports_the_whole_store_as_graphml(demo_store: tuple[Path, dict[str, Any]]) -> None:
    store, stats = demo_store
    work = store.parent
    result = ok(run_cli(["--store", store, "export", "out.graphml"], cwd=work))
    assert result.stdout == ""
    assert f"wrote {stats['cis']} CIs and {stats['relationships']} relationships" in result.flat_stderr
    graph = nx.read_graphml(work / "out.graphml")
    assert graph.number_of_nodes() == stats["cis"]
    assert graph.number_of_edges() == stats["relationships"]
    kinds: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    assert kinds == stats["by_kind"]
    types: dict[str, int] = {}
    for _, _, data in graph.edges(data=True):
        types[data["type"]] = types.get(data["type"], 0) + 1
    assert types == stats["by_rel_type"]
    to_stdout = ok(run_cli(["--store", store, "export", "--format", "graphml"], cwd=work))
    assert to_stdout.stdout_bytes == (work / "out.graphml").read_bytes()


def test_cli_export_keeps_json_by_default_and_refuses_unknown_formats(
    demo_store: tuple[Path, dict[str, Any]],
) -> None:
    store, stats = demo_store
    work = store.parent
    exported = ok(run_cli(["--store", store, "export"], cwd=work)).json()
    assert len(exported["cis"]) == stats["cis"]
    refused = run_cli(["--store", store, "export", "out.gexf", "--format", "gexf"], cwd=work)
    assert refused.returncode != 0
    assert "json, yaml or graphml" in refused.flat_stderr
    assert not (work / "out.gexf").exists()
