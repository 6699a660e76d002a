"""The graph model: CI and relationship validation, registries, quorums, redundancy groups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cmdbgraph.schema import (
    BUILTIN_KINDS,
    BUILTIN_REL_TYPES,
    DEFAULT_REGISTRY,
    CIData,
    InvalidInput,
    Registry,
    Relationship,
    Status,
    parse_min_up,
    required_up,
)
from cmdbgraph.schema.redundancy import check_groups, collect_groups

REQUIRED_KINDS = [
    "BusinessService",
    "Service",
    "Application",
    "API",
    "Database",
    "Cache",
    "Queue",
    "Dataset",
    "Host",
    "Container",
    "Network",
    "Storage",
    "Datacenter",
    "CloudRegion",
    "Location",
    "Team",
    "Person",
    "Vendor",
    "Contract",
]


def test_builtin_kinds_cover_the_model() -> None:
    assert set(REQUIRED_KINDS) <= set(BUILTIN_KINDS)


@pytest.mark.parametrize(
    ("name", "propagates", "flows", "effect"),
    [
        ("DEPENDS_ON", True, "to_source", "down"),
        ("RUNS_ON", True, "to_source", "down"),
        ("USES_DATA", True, "to_source", "down"),
        ("CONNECTS_THROUGH", True, "to_source", "down"),
        ("SUPPLIED_BY", True, "to_source", "down"),
        ("LOCATED_IN", True, "to_source", "down"),
        ("PART_OF", True, "to_target", "degraded"),
        ("OWNED_BY", False, "to_source", "down"),
        ("SUPPORTED_BY", False, "to_source", "down"),
        ("MEMBER_OF", False, "to_source", "down"),
        ("REPORTS_TO", False, "to_source", "down"),
    ],
)
def test_relationship_type_semantics(name: str, propagates: bool, flows: str, effect: str) -> None:
    spec = BUILTIN_REL_TYPES[name]
    assert (spec.propagates, spec.flows, spec.effect) == (propagates, flows, effect)


def test_part_of_flows_from_part_to_whole() -> None:
    r = Relationship(source="disk", target="array", type="PART_OF")
    assert DEFAULT_REGISTRY.consumer(r) == "array"


def test_ci_defaults_and_bounds() -> None:
    c = CIData(id="web", kind="Service")
    assert (c.name, c.criticality, c.status, c.attributes) == ("web", 3, Status.OPERATIONAL, {})
    for bad in ({"criticality": 0}, {"criticality": 5}, {"status": "broken"}, {"id": ""}):
        with pytest.raises(ValidationError):
            CIData.model_validate({"id": "x", "kind": "Service", **bad})


@pytest.mark.parametrize("bad_id", [" web", "web ", "a\nb", "a\x00b"])
def test_ci_id_rejects_whitespace_edges_and_control_characters(bad_id: str) -> None:
    with pytest.raises(ValidationError):
        CIData(id=bad_id, kind="Service")


def test_attribute_names_must_be_identifiers() -> None:
    with pytest.raises(ValidationError, match="identifier"):
        CIData(id="x", kind="Service", attributes={"bad key": 1})


@pytest.mark.parametrize(
    ("value", "expected"), [(2, 2), ("3", 3), ("50%", "50%"), (" 100% ", "100%"), ("1%", "1%")]
)
def test_parse_min_up_accepts(value: object, expected: int | str) -> None:
    assert parse_min_up(value) == expected


@pytest.mark.parametrize("value", [0, -1, True, "0%", "101%", "half", 1.5, None])
def test_parse_min_up_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="min_up"):
        parse_min_up(value)


@pytest.mark.parametrize(
    ("min_up", "size", "needed"), [(2, 3, 2), ("50%", 3, 2), ("50%", 4, 2), ("100%", 3, 3), ("1%", 5, 1)]
)
def test_required_up_rounds_percentages_up(min_up: int | str, size: int, needed: int) -> None:
    assert required_up(min_up, size) == needed


def test_relationship_rules() -> None:
    with pytest.raises(ValidationError, match="itself"):
        Relationship(source="a", target="a", type="DEPENDS_ON")
    with pytest.raises(ValidationError, match="redundancy_group"):
        Relationship(source="a", target="b", type="DEPENDS_ON", min_up=1)
    with pytest.raises(ValidationError, match="UPPER_SNAKE"):
        Relationship(source="a", target="b", type="dependsOn")


def _group(consumer: str, providers: list[str], min_ups: list[int | str | None]) -> list[Relationship]:
    return [
        Relationship(source=consumer, target=p, type="DEPENDS_ON", redundancy_group="g", min_up=m)
        for p, m in zip(providers, min_ups, strict=True)
    ]


def test_groups_are_scoped_per_consumer() -> None:
    rels = _group("a", ["x", "y"], [1, 1]) + _group("b", ["x", "y", "z"], [2, None, None])
    groups = collect_groups(rels)
    assert sorted(groups) == [("a", "g"), ("b", "g")]
    assert groups[("b", "g")].required == 2
    assert check_groups(groups) == []


def test_group_problems() -> None:
    too_big = collect_groups(_group("a", ["x", "y"], [3, None]))
    assert [p.code for p in check_groups(too_big)] == ["MIN_UP_EXCEEDS_GROUP"]
    conflict = collect_groups(_group("a", ["x", "y"], [1, "50%"]))
    assert [p.code for p in check_groups(conflict)] == ["MIN_UP_CONFLICT"]
    default = collect_groups(_group("a", ["x", "y"], [None, None]))
    assert default[("a", "g")].required == 1


def test_user_kinds_extend_the_registry() -> None:
    reg = Registry.from_config(
        {
            "kinds": [
                {
                    "name": "Printer",
                    "category": "infrastructure",
                    "strict": True,
                    "attributes": {
                        "serial": {"type": "string", "required": True},
                        "toner": {"enum": ["ok", "low", "empty"]},
                        "pin": {"sensitive": True},
                    },
                },
                {"name": "Host", "attributes": {"rack": {"type": "integer"}}},
            ],
            "relationship_types": [{"name": "PRINTS_FOR", "propagates": False}],
        }
    )
    assert reg.kinds["Printer"].sensitive_attributes == {"pin"}
    assert "os" in reg.kinds["Host"].attributes
    assert "rack" in reg.kinds["Host"].attributes
    codes = [
        p.code for p in reg.check_ci(CIData(id="p", kind="Printer", attributes={"toner": "full", "x": 1}))
    ]
    assert sorted(codes) == ["ATTRIBUTE_ENUM", "ATTRIBUTE_REQUIRED", "ATTRIBUTE_UNKNOWN"]
    assert reg.check_ci(CIData(id="p", kind="Printer", attributes={"serial": "S1", "toner": "low"})) == []
    assert [p.code for p in reg.check_ci(CIData(id="h", kind="Host", attributes={"rack": "A"}))] == [
        "ATTRIBUTE_TYPE"
    ]
    assert reg.check_relationship(Relationship(source="a", target="b", type="PRINTS_FOR")) == []
    assert "PRINTS_FOR" not in reg.propagating


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"kinds": [{"name": "printer"}]}, "kinds.0.name"),
        (
            {"kinds": [{"name": "Printer", "attributes": {"a": {"type": "colour"}}}]},
            "kinds.0.attributes.a.type",
        ),
        (
            {"kinds": [{"name": "Printer", "attributes": {"a": {"type": "integer", "enum": ["x"]}}}]},
            "kinds.0.attributes.a",
        ),
        ({"relationship_types": [{"name": "DEPENDS_ON", "propagates": False}]}, "relationship_types.0"),
        ({"colours": []}, "colours"),
    ],
)
def test_bad_schema_config_is_refused_with_its_location(config: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        Registry.from_config(config)
    assert info.value.problems[0].code == "INVALID_SCHEMA_CONFIG"
    assert info.value.problems[0].field.startswith(field)


@pytest.mark.parametrize(
    ("attr_type", "good", "bad"),
    [
        ("integer", 3, 3.5),
        ("number", 3.5, "3.5"),
        ("boolean", True, 1),
        ("date", "2026-11-29", "29/11/2026"),
        ("datetime", "2026-11-29T10:00:00+00:00", "yesterday"),
        ("list", ["a"], "a"),
        ("object", {"a": 1}, [1]),
    ],
)
def test_attribute_types(attr_type: str, good: object, bad: object) -> None:
    reg = Registry.from_config({"kinds": [{"name": "Thing", "attributes": {"v": {"type": attr_type}}}]})
    assert reg.check_ci(CIData.model_validate({"id": "t", "kind": "Thing", "attributes": {"v": good}})) == []
    problems = reg.check_ci(CIData.model_validate({"id": "t", "kind": "Thing", "attributes": {"v": bad}}))
    assert [(p.code, p.field) for p in problems] == [("ATTRIBUTE_TYPE", "attributes.v")]
