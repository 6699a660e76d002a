"""The CSV importer: ServiceNow- and iTop-style exports become the CIs and edges they describe,
every error is reported at once with its file, line and column, and the mapping file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmdbgraph.ingest.importers import tabular, tabular_mappings
from cmdbgraph.ingest.importers.tabular import CsvMapping, load_mapping, read_csv
from cmdbgraph.ingest.importers.tabular_mappings import SHIPPED_MAPPINGS, coerce, mapping_from_data
from cmdbgraph.ingest.importers.tabular_shipped import SERVICENOW_KINDS
from cmdbgraph.ingest.sources import SourceGraph
from cmdbgraph.schema import BUILTIN_KINDS, BUILTIN_REL_TYPES, InvalidInput

BOM = "\ufeff"
WEB01, DB01, SHOP, FRONT, ORDERS_DB, ORDERS_EU = (f"{n:032x}" for n in range(0xA1, 0xA7))

SN_HEADER = (
    "sys_id,name,sys_class_name,fqdn,dns_domain,os,cpu_count,ram,operational_status,busines_criticality"
)
SN_CIS = f"""{BOM}{SN_HEADER}
{WEB01},web01,cmdb_ci_linux_server,web01.corp.example.com,corp.example.com,Linux Red Hat,8,32768,Operational,
{DB01},DB01,Linux Server,DB01.Corp.Example.com,corp.example.com,Linux Red Hat,16,65536,Operational,
{SHOP},Online Shop,cmdb_ci_service,,,,,,Operational,1 - most critical
{FRONT},shop-frontend,cmdb_ci_appl,,,,,,Operational,
{ORDERS_DB},orders-db,cmdb_ci_db_postgresql_instance,,,,,,Operational,
{ORDERS_EU},"Orders, EU",cmdb_ci_business_app,,,,,,"Repair in Progress",
"""
"""A cmdb_ci export: BOM, class names and one class label, a quoted name with a comma."""

SN_RELS = f"""parent,type,child
Online Shop,Depends on::Used by,shop-frontend
shop-frontend,Depends on::Used by,orders-db
shop-frontend,Runs on::Runs,web01
orders-db,Runs on::Runs,{DB01}
Online Shop,Contains::Contained by,"Orders, EU"

shop-frontend,Depends on::Used by,orders-db
"""
"""A cmdb_rel_ci export as displayed: names (one sys_id), a blank line, a repeated row."""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def edges(graph: SourceGraph) -> set[tuple[str, str, str]]:
    return {(r.source_key, r.type, r.target_key) for r in graph.relationships}


def problems(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str, str]]:
    return [(p.code, p.where, p.field) for p in exc.value.problems]


# ----------------------------------------------------------------------------- ServiceNow


@pytest.fixture
def servicenow(tmp_path: Path) -> SourceGraph:
    cis = write(tmp_path / "cmdb_ci.csv", SN_CIS)
    rels = write(tmp_path / "cmdb_rel_ci.csv", SN_RELS)
    return read_csv(cis, rels, load_mapping("servicenow"))


def test_servicenow_export_becomes_its_cis(servicenow: SourceGraph) -> None:
    got = {c.key: (c.kind, c.name, c.suggested_id) for c in servicenow.cis}
    assert got == {
        WEB01: ("Host", "web01", "web01"),
        DB01: ("Host", "DB01", "db01"),
        SHOP: ("BusinessService", "Online Shop", "online-shop"),
        FRONT: ("Application", "shop-frontend", "shop-frontend"),
        ORDERS_DB: ("Database", "orders-db", "orders-db"),
        ORDERS_EU: ("Application", "Orders, EU", "orders-eu"),
    }
    by_key = servicenow.by_key()
    assert by_key[DB01].identity == {
        "name": "db01",
        "servicenow_sys_id": DB01,
        "fqdn": "db01.corp.example.com",
        "hostname": "db01",
        "domain": "corp.example.com",
    }
    assert by_key[SHOP].identity == {"name": "online shop", "servicenow_sys_id": SHOP}
    assert by_key[WEB01].attributes == {
        "fqdn": "web01.corp.example.com",
        "os": "Linux Red Hat",
        "cpu_count": 8,
        "ram_mb": 32768,
        "operational_status": "Operational",
    }
    assert by_key[SHOP].attributes == {
        "operational_status": "Operational",
        "business_criticality": "1 - most critical",
    }
    assert by_key[ORDERS_EU].attributes == {"operational_status": "Repair in Progress"}
    evidence = by_key[FRONT].evidence
    assert [(e.file.endswith("cmdb_ci.csv"), e.line, e.field) for e in evidence] == [(True, 5, "sys_id")]


def test_servicenow_relationships_read_parent_to_child(servicenow: SourceGraph) -> None:
    assert edges(servicenow) == {
        (SHOP, "DEPENDS_ON", FRONT),
        (FRONT, "DEPENDS_ON", ORDERS_DB),
        (FRONT, "RUNS_ON", WEB01),
        (ORDERS_DB, "RUNS_ON", DB01),  # the child given as a sys_id
        (ORDERS_EU, "PART_OF", SHOP),  # Contains reads parent -> child: the child is the part
    }
    repeated = next(r for r in servicenow.relationships if r.key == (FRONT, "DEPENDS_ON", ORDERS_DB))
    assert [e.line for e in repeated.evidence] == [3, 8]  # the blank line 7 still counts
    assert repeated.evidence[0].detail == "shop-frontend -> orders-db (Depends on::Used by)"


def test_servicenow_notes_say_which_columns_were_not_read(servicenow: SourceGraph) -> None:
    assert servicenow.notes[0] == "mapping: servicenow"
    (absent,) = servicenow.notes[1:]
    assert "'short_description' (attribute description)" in absent
    assert "'ip_address' (attribute ip_address)" in absent
    assert "'fqdn'" not in absent


def test_shipped_kind_and_type_tables_name_real_kinds_and_types() -> None:
    values = [v for pairs in SERVICENOW_KINDS.values() for pair in pairs for v in pair]
    assert len(values) == len(set(values)), "a ServiceNow class or label maps to two kinds"
    for mapping in SHIPPED_MAPPINGS.values():
        assert set(mapping.cis.kinds.values()) <= set(BUILTIN_KINDS)
        rels = mapping.relationships
        assert rels is not None
        types = {t.type for t in rels.types.values()} | ({rels.fixed_type} if rels.fixed_type else set())
        assert types <= set(BUILTIN_REL_TYPES)


# ----------------------------------------------------------------------------- iTop, ';'

ITOP_CIS = """id;name;finalclass;organization_name;business_criticity;move2production;description
1;Webshop;ApplicationSolution;Demo;high;2023-05-01;"The shop; front and back
(two lines)"
2;srv-web-1;Server;Demo;medium;;
3;MySQL prod;DBServer;Demo;high;2022-11-30 00:00:00;
4;shop_db;DatabaseSchema;Demo;;;
5;Sales;BusinessProcess;Demo;high;;
"""
"""A FunctionalCI export with ';' (iTop's separator option): a quoted ';' and a line break."""

ITOP_LINKS = """applicationsolution_id;functionalci_id
1;2
1;3
1;4
"""


def test_itop_export_with_semicolons_through_a_mapping_file(tmp_path: Path) -> None:
    mapping_file = write(tmp_path / "itop-fr.yaml", "extends: itop\nname: itop-fr\ndelimiter: ';'\n")
    mapping = load_mapping(mapping_file)
    graph = read_csv(
        write(tmp_path / "cis.csv", ITOP_CIS), write(tmp_path / "links.csv", ITOP_LINKS), mapping
    )
    assert [(c.key, c.kind, c.name) for c in graph.cis] == [
        ("1", "Application", "Webshop"),
        ("2", "Host", "srv-web-1"),
        ("3", "Database", "MySQL prod"),
        ("4", "Dataset", "shop_db"),
        ("5", "BusinessService", "Sales"),
    ]
    by_key = graph.by_key()
    assert by_key["1"].attributes == {
        "organization": "Demo",
        "business_criticality": "high",
        "move_to_production": "2023-05-01",
        "description": "The shop; front and back\n(two lines)",
    }
    assert by_key["3"].attributes["move_to_production"] == "2022-11-30"  # a datetime keeps its date
    assert by_key["3"].identity == {"name": "mysql prod", "itop_id": "3"}
    assert by_key["2"].evidence[0].line == 4  # the quoted line break moved it down one line
    assert edges(graph) == {("1", "DEPENDS_ON", "2"), ("1", "DEPENDS_ON", "3"), ("1", "DEPENDS_ON", "4")}
    assert graph.notes == ("mapping: itop-fr",)


def test_byte_order_mark_and_delimiter_are_handled(tmp_path: Path) -> None:
    mapping = mapping_from_data(
        {"delimiter": ";", "cis": {"key": "id", "name": "name", "fixed_kind": "Service"}}
    )
    path = write(tmp_path / "cis.csv", f'{BOM}id;name\ns1;Cart;\ns2;"Checkout; EU"\n')
    graph = read_csv(path, None, mapping)
    assert [(c.key, c.kind, c.name) for c in graph.cis] == [
        ("s1", "Service", "Cart"),
        ("s2", "Service", "Checkout; EU"),
    ]
    with pytest.raises(InvalidInput) as exc:  # the same file read with ',' has no 'id' column
        read_csv(path, None, mapping.model_copy(update={"delimiter": ","}))
    assert problems(exc) == [("MISSING_COLUMN", f"{path}:1", "id"), ("MISSING_COLUMN", f"{path}:1", "name")]


def test_kind_and_type_columns_may_hold_kinds_and_types_themselves(tmp_path: Path) -> None:
    mapping = mapping_from_data(
        {
            "cis": {"key": "id", "name": "name", "kind": "kind"},
            "relationships": {"source": "from", "target": "to", "type": "type", "optional": "soft"},
        }
    )
    cis = write(tmp_path / "cis.csv", "id,name,kind\na,A,Service\nb,B,Cache\n")
    rels = write(tmp_path / "rels.csv", "from,to,type,soft\na,b,DEPENDS_ON,yes\nb,a,OWNED_BY,\n")
    graph = read_csv(cis, rels, mapping)
    assert [(c.key, c.kind) for c in graph.cis] == [("a", "Service"), ("b", "Cache")]
    assert {(r.key, r.optional) for r in graph.relationships} == {
        (("a", "DEPENDS_ON", "b"), True),
        (("b", "OWNED_BY", "a"), False),
    }


# ----------------------------------------------------------------------------- errors

BAD_CIS = f"""sys_id,name,sys_class_name,cpu_count
{WEB01},web01,cmdb_ci_linux_server,8
{DB01},db01,cmdb_ci_ups,4
{SHOP},shop,cmdb_ci_service,eight
{WEB01},web01 again,cmdb_ci_server,2
{FRONT},,cmdb_ci_appl,
{ORDERS_DB},twin,cmdb_ci_appl,
{ORDERS_EU},twin,cmdb_ci_appl,
"""

BAD_RELS = f"""parent,type,child
shop,Depends on::Used by,ghost
shop,Manages::Managed by,web01
twin,Depends on::Used by,web01
web01,Depends on::Used by,{WEB01}
shop,Runs on::Runs
"""


def test_every_problem_of_both_files_is_reported_at_once_with_its_location(tmp_path: Path) -> None:
    cis = write(tmp_path / "cis.csv", BAD_CIS)
    rels = write(tmp_path / "rels.csv", BAD_RELS)
    with pytest.raises(InvalidInput) as exc:
        read_csv(cis, rels, load_mapping("servicenow"))
    assert problems(exc) == [
        ("UNKNOWN_KIND_VALUE", f"{cis}:3", "sys_class_name"),
        ("BAD_VALUE", f"{cis}:4", "cpu_count"),
        ("DUPLICATE_KEY", f"{cis}:5", "sys_id"),
        ("MISSING_VALUE", f"{cis}:6", "name"),
        ("DANGLING_REF", f"{rels}:2", "child"),
        ("UNKNOWN_TYPE_VALUE", f"{rels}:3", "type"),
        ("AMBIGUOUS_REF", f"{rels}:4", "parent"),
        ("SELF_REFERENCE", f"{rels}:5", "parent"),
        ("BAD_ROW", f"{rels}:6", ""),
    ]
    messages = {p.code: p.message for p in exc.value.problems}
    assert "'cmdb_ci_ups'" in messages["UNKNOWN_KIND_VALUE"]
    assert "'eight' is not an integer" in messages["BAD_VALUE"]
    assert "line 2" in messages["DUPLICATE_KEY"]
    assert "'ghost'" in messages["DANGLING_REF"]
    assert "'Manages::Managed by'" in messages["UNKNOWN_TYPE_VALUE"]
    assert f"{ORDERS_DB!r}, {ORDERS_EU!r}" in messages["AMBIGUOUS_REF"]


def test_missing_columns_are_reported_once_from_each_header(tmp_path: Path) -> None:
    rows = "".join(f"{n:032x},host{n},cmdb_ci_server\n" for n in range(50))
    cis = write(tmp_path / "cis.csv", "sys_id,hostname,sys_class_name\n" + rows)
    rels = write(tmp_path / "rels.csv", "parent,child\nhost1,host2\n")
    with pytest.raises(InvalidInput) as exc:
        read_csv(cis, rels, load_mapping("servicenow"))
    assert problems(exc) == [("MISSING_COLUMN", f"{cis}:1", "name"), ("MISSING_COLUMN", f"{rels}:1", "type")]
    assert "'sys_id', 'hostname', 'sys_class_name'" in exc.value.problems[0].message


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.csv", "")
    with pytest.raises(InvalidInput) as exc:
        read_csv(empty, tmp_path / "absent.csv", load_mapping("itop"))
    assert problems(exc) == [
        ("MISSING_COLUMN", f"{empty}:1", "id"),
        ("MISSING_COLUMN", f"{empty}:1", "name"),
        ("MISSING_COLUMN", f"{empty}:1", "finalclass"),
        ("UNREADABLE_FILE", str(tmp_path / "absent.csv"), ""),
    ]


def test_a_file_in_another_encoding_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("id;name;finalclass\n1;Caf\u00e9;Server\n".encode("latin-1"))
    itop = load_mapping("itop").model_copy(update={"delimiter": ";"})
    with pytest.raises(InvalidInput) as exc:
        read_csv(path, None, itop)
    assert [(p.code, p.where) for p in exc.value.problems] == [("BAD_ENCODING", f"{path}:2")]
    graph = read_csv(path, None, itop.model_copy(update={"encoding": "latin-1"}))
    assert graph.cis[0].name == "Caf\u00e9"


def test_a_file_cut_short_by_bad_quoting_stops_there(tmp_path: Path) -> None:
    cis = write(tmp_path / "cis.csv", 'id;name;finalclass\n1;"Web"shop;Server\n2;db;DBServer\n')
    rels = write(tmp_path / "rels.csv", "applicationsolution_id;functionalci_id\n1;2\n")
    with pytest.raises(InvalidInput) as exc:
        read_csv(cis, rels, load_mapping("itop").model_copy(update={"delimiter": ";"}))
    assert [(p.code, p.where) for p in exc.value.problems] == [("BAD_CSV", f"{cis}:2")]


def test_skipping_unknown_kinds_drops_their_rows_and_relationships_and_says_so(tmp_path: Path) -> None:
    mapping = mapping_from_data({"extends": "servicenow", "cis": {"unknown_kinds": "skip"}})
    cis = write(
        tmp_path / "cis.csv",
        f"sys_id,name,sys_class_name\n{WEB01},web01,cmdb_ci_server\n{DB01},ups-1,cmdb_ci_ups\n",
    )
    rels = write(tmp_path / "rels.csv", "parent,type,child\nweb01,Depends on::Used by,ups-1\n")
    graph = read_csv(cis, rels, mapping)
    assert [c.key for c in graph.cis] == [WEB01]
    assert graph.relationships == ()
    assert f"{cis}: skipped 1 CI rows of unmapped kinds: 'cmdb_ci_ups' (1)" in graph.notes
    assert f"{rels}: skipped 1 relationship rows naming skipped CIs" in graph.notes


def test_progress_counts_rows_up_to_the_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []
    cis = write(tmp_path / "cmdb_ci.csv", SN_CIS)
    rels = write(tmp_path / "cmdb_rel_ci.csv", SN_RELS)
    read_csv(cis, rels, load_mapping("servicenow"), progress=lambda done, total: calls.append((done, total)))
    rows = 6 + 6  # the blank line is counted beforehand (an upper bound), not read as a row
    assert calls == [(2, 13), (4, 13), (6, 13), (8, 13), (10, 13), (12, 13), (rows, rows)]


# ----------------------------------------------------------------------------- mapping and values


@pytest.mark.parametrize(
    ("text", "value_type", "expected"),
    [
        ("42", "integer", 42),
        ("-3", "number", -3),
        ("1.5e3", "number", 1500.0),
        ("NO", "boolean", False),
        ("t", "boolean", True),
        ("2024-02-29", "date", "2024-02-29"),
        ("2024-02-29T08:30:00+01:00", "datetime", "2024-02-29T08:30:00+01:00"),
        ("  spaced  ", "string", "  spaced  "),
    ],
)
def test_values_are_coerced_to_their_column_type(text: str, value_type: str, expected: object) -> None:
    got = coerce(text, value_type)  # type: ignore[arg-type]
    assert (got, type(got)) == (expected, type(expected))


@pytest.mark.parametrize(
    ("text", "value_type"),
    [("4.0", "integer"), ("nan", "number"), ("inf", "number"), ("maybe", "boolean"), ("29/02/2024", "date")],
)
def test_values_that_are_not_of_their_type_are_refused(text: str, value_type: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        coerce(text, value_type)  # type: ignore[arg-type]


def test_the_documented_mapping_example_loads(tmp_path: Path) -> None:
    example = tmp_path / "mapping.yaml"
    block = (tabular_mappings.__doc__ or "").split("::\n\n", 1)[1].split("\n\nColumns named", 1)[0]
    write(example, "\n".join(line[4:] for line in block.splitlines()))
    mapping = load_mapping(example)
    assert mapping.name == "my-cmdb"
    assert mapping.delimiter == ";"
    assert mapping.cis.attributes["cpu_count"].type == "integer"
    assert mapping.cis.kinds["cmdb_ci_appl"] == "Application"  # merged from servicenow
    assert mapping.relationships is not None
    assert mapping.relationships.optional == "is_optional"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cis": {"key": "id", "name": "n", "kind": "k", "fixed_kind": "Host"}}, "cis"),
        ({"cis": {"key": "id", "name": "n", "kind": "k", "kinds": {"x": "host"}}}, "cis"),
        ({"cis": {"key": "id", "name": "n", "fixed_kind": "Host", "identity": {"name": "n"}}}, "cis"),
        ({"cis": {"key": "id", "name": "n", "fixed_kind": "Host", "attributes": {"cpu-count": "c"}}}, "cis"),
        ({"cis": {"key": "id", "name": "n", "fixed_kind": "Host"}, "delimiter": ";;"}, "delimiter"),
        ({"extends": "cmdbuild", "cis": {}}, "extends"),
        ({"cis": {"key": "id", "name": "n", "fixed_kind": "Host"}, "colums": {}}, "colums"),
    ],
)
def test_bad_mappings_are_refused_with_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        mapping_from_data(data, "m.yaml")
    assert [(p.code, p.where, p.field) for p in exc.value.problems] == [("BAD_MAPPING", "m.yaml", field)]


def test_a_missing_or_malformed_mapping_file_is_located(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exc:
        load_mapping(tmp_path / "nope.yaml")
    assert exc.value.problems[0].code == "BAD_MAPPING"
    assert "servicenow" in exc.value.problems[0].message
    bad = write(tmp_path / "bad.yaml", "cis:\n  key: id\n  name: [unclosed\n")
    with pytest.raises(InvalidInput) as exc:
        load_mapping(bad)
    assert [(p.code, p.where) for p in exc.value.problems] == [("BAD_MAPPING", f"{bad}:4")]


def test_relationships_file_needs_a_relationships_section(tmp_path: Path) -> None:
    mapping = CsvMapping.model_validate({"cis": {"key": "id", "name": "name", "fixed_kind": "Host"}})
    cis = write(tmp_path / "cis.csv", "id,name\nh1,host1\n")
    rels = write(tmp_path / "rels.csv", "a,b\n")
    with pytest.raises(InvalidInput) as exc:
        read_csv(cis, rels, mapping)
    assert problems(exc) == [("BAD_MAPPING", str(rels), "")]
