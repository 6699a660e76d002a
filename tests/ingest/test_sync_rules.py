"""``import --rules FILE``: precedence and identification rules written by the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmdbgraph.ingest.precedence import IdentificationRules
from cmdbgraph.ingest.sync_rules import load_sync_rules, sync_rules_from_data
from cmdbgraph.schema import InvalidInput
from tests.cli.clirun import ok, run_cli


def test_rules_read_from_data_keep_the_defaults_they_do_not_name() -> None:
    rules, precedence = sync_rules_from_data(
        {
            "precedence": {"default": ["cmdb", "k8s"], "fields": {"attributes.image": ["k8s", "*"]}},
            "identification": {
                "by_kind": {"Service": [["k8s_name"], ["name"]]},
                "kind_groups": [["Service", "Application"]],
            },
        }
    )
    assert precedence.order("Service", "attributes.image") == ("k8s", "*")
    assert precedence.order("Service", "attributes.owner") == ("cmdb", "k8s")
    assert rules.alternatives("Service") == (("k8s_name",), ("name",))
    assert rules.alternatives("Host") == IdentificationRules().alternatives("Host")
    assert rules.group("Application") == rules.group("Service")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"precedence": {"default": "cmdb"}}, "precedence.default"),
        ({"precedence": {"order": ["x"]}}, "precedence.order"),
        ({"identification": {"by_kind": {"Host": "fqdn"}}}, "identification.by_kind.Host"),
        (["not", "a", "mapping"], ""),
    ],
)
def test_bad_rules_name_the_field(data: object, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        sync_rules_from_data(data, where="rules.yaml")
    assert {p.code for p in info.value.problems} == {"BAD_SYNC_RULES"}
    assert any(p.field.startswith(field) for p in info.value.problems)


def test_a_rules_file_that_is_not_yaml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("precedence:\n  default: [a\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_sync_rules(path)
    assert info.value.problems[0].where.startswith(f"{path}:")


def test_precedence_from_the_rules_file_decides_the_cli_import(tmp_path: Path) -> None:
    for name, image in (("a.yaml", "shop:1"), ("b.yaml", "shop:2")):
        (tmp_path / name).write_text(f"services:\n  shop:\n    image: {image}\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("precedence:\n  default: [second, first]\n", encoding="utf-8")
    ok(run_cli(["import", "--source", "first", "--rules", rules, tmp_path / "a.yaml"], cwd=tmp_path))
    ok(run_cli(["import", "--source", "second", "--rules", rules, tmp_path / "b.yaml"], cwd=tmp_path))
    shop = ok(run_cli(["show", "shop", "--json"], cwd=tmp_path)).json()
    assert shop["attributes"]["image_tag"] == "2"
    env = {"CMDBGRAPH_SYNC_RULES": str(rules)}
    ok(run_cli(["import", "--source", "first", tmp_path / "a.yaml"], cwd=tmp_path, env=env))  # rules from env
    assert ok(run_cli(["show", "shop", "--json"], cwd=tmp_path)).json()["attributes"]["image_tag"] == "2"
    ok(run_cli(["import", "--source", "first", tmp_path / "a.yaml"], cwd=tmp_path))  # default rules
    assert ok(run_cli(["show", "shop", "--json"], cwd=tmp_path)).json()["attributes"]["image_tag"] == "1"
