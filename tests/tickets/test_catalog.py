"""The service catalog: form validation (every error code, rules, typing policy), fulfilment
plans (DAG checks, stages, skipped prerequisites, readiness) and the demo catalog."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pytest
from pydantic import JsonValue, ValidationError

from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.tickets.catalog import CatalogItem, plan_request, validate_form
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from cmdbgraph.tickets.catalog_form import FormField, KnownRefs
from cmdbgraph.tickets.catalog_plan import (
    ApprovalLevel,
    FulfilmentPlan,
    PlannedTask,
    TaskTemplate,
    plan_tasks,
    ready_tasks,
)
from cmdbgraph.tickets.catalog_rules import Condition, ForbiddenIf, FormRule, RangeIf, RequiredIf

# ----------------------------------------------------------------------------------- helpers
F = FormField
C = Condition.of


def item(
    *form: FormField, rules: tuple[FormRule, ...] = (), tasks: FulfilmentPlan | None = None
) -> CatalogItem:
    return CatalogItem(
        id="test-item",
        department="it",
        title="Test item",
        form=form,
        rules=rules,
        sla_policy="test",
        responsible_group="team-it",
        tasks=tasks or FulfilmentPlan(),
    )


def problems(
    it: CatalogItem, answers: Mapping[str, JsonValue], known_refs: KnownRefs | None = None
) -> list[tuple[str, str]]:
    """``(field, code)`` of every problem ``validate_form`` reports (fails if it accepts)."""
    with pytest.raises(InvalidInput) as refused:
        validate_form(it, answers, known_refs=known_refs)
    assert all(p.where == it.id for p in refused.value.problems)
    return [(p.field, p.code) for p in refused.value.problems]


def only_problem(it: CatalogItem, answers: Mapping[str, JsonValue]) -> tuple[str, str, str]:
    """``(field, code, message)`` of the single problem reported."""
    with pytest.raises(InvalidInput) as refused:
        validate_form(it, answers)
    assert len(refused.value.problems) == 1, refused.value.problems
    p = refused.value.problems[0]
    return p.field, p.code, p.message


def task(key: str, *after: str, when: Condition | None = None) -> TaskTemplate:
    return TaskTemplate(key=key, title=key.replace("_", " "), group="team-it", after=after, when=when)


def stages(planned: list[PlannedTask]) -> list[tuple[int, str]]:
    return [(p.stage, p.key) for p in planned]


# ----------------------------------------------------------------------------------- error codes
ALL_TYPES = item(
    F(name="name", label="Name", required=True, max=10),
    F(name="notes", label="Notes", type="text", min=5),
    F(name="count", label="Count", type="integer", min=1, max=9),
    F(name="amount", label="Amount", type="number", min=0),
    F(name="urgent", label="Urgent", type="boolean"),
    F(name="day", label="Day", type="date"),
    F(name="size", label="Size", type="choice", choices=("s", "m", "l")),
    F(name="extras", label="Extras", type="multi_choice", choices=("a", "b", "c"), max=2),
    F(name="mail", label="Mail", type="email"),
    F(name="who", label="Who", type="person"),
    F(name="where", label="Where", type="location"),
    F(name="app", label="App", type="ci", ci_kind="Application"),
    F(name="box", label="Box", type="ci"),
    F(name="code", label="Code", pattern=r"[A-Z]{2}-\d{4}", help="e.g. FI-2041"),
)
BASE: dict[str, JsonValue] = {"name": "Ada"}


def test_minimal_answers_accepted() -> None:
    assert validate_form(ALL_TYPES, BASE) == {"name": "Ada"}


def test_field_required_names_the_field() -> None:
    field, code, message = only_problem(ALL_TYPES, {})
    assert (field, code) == ("name", "FIELD_REQUIRED")
    assert "Name is required" in message


@pytest.mark.parametrize("blank", [None, "", "   ", []])
def test_blank_answers_count_as_unanswered(blank: JsonValue) -> None:
    assert only_problem(ALL_TYPES, {"name": blank})[:2] == ("name", "FIELD_REQUIRED")
    assert validate_form(ALL_TYPES, {**BASE, "notes": blank, "extras": blank}) == BASE


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", 42, "expected a single line of text, got 42 (integer)"),
        ("name", "two\nlines", "expected a single line of text, got several lines"),
        ("notes", ["x"], "expected text"),
        ("count", "3", "expected an integer, got '3' (string)"),
        ("count", 3.5, "expected an integer, got 3.5 (number)"),
        ("count", True, "expected an integer, got true (boolean)"),
        ("amount", "12.50", "expected a number"),
        ("amount", False, "expected a number"),
        ("amount", math.nan, "expected a number"),
        ("amount", math.inf, "expected a number"),
        ("urgent", "yes", "expected true or false"),
        ("urgent", 1, "expected true or false"),
        ("day", "01/03/2030", "expected a date as YYYY-MM-DD"),
        ("day", "2030-03-01T09:00:00", "expected a date as YYYY-MM-DD"),
        ("day", "2030-02-30", "is not a calendar date"),
        ("day", 20300301, "expected a date as YYYY-MM-DD"),
        ("size", 1, "expected one of the choices"),
        ("extras", "a", "expected a list of choices"),
        ("extras", ["a", 2], "expected a list of choices"),
        ("mail", "not-an-email", "expected an email address"),
        ("mail", "a b@example.com", "expected an email address"),
        ("mail", "ada@localhost", "expected an email address"),
        ("who", 12, "expected a person id"),
        ("where", {"id": "loc-1"}, "expected a location id, got {...} (object)"),
        ("app", ["app-1"], "expected a CI id"),
    ],
)
def test_field_type(field: str, value: JsonValue, expected: str) -> None:
    got_field, code, message = only_problem(ALL_TYPES, {**BASE, field: value})
    assert (got_field, code) == (field, "FIELD_TYPE")
    assert expected in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("size", "xl", "'xl' is not one of: s, m, l"),
        ("size", "S", "'S' is not one of: s, m, l"),
        ("extras", ["a", "z", "y"], "'z', 'y' not among the choices: a, b, c"),
    ],
)
def test_field_choice(field: str, value: JsonValue, expected: str) -> None:
    assert only_problem(ALL_TYPES, {**BASE, field: value}) == (field, "FIELD_CHOICE", expected)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "A" * 11, "expected at most 10 characters, got 11"),
        ("notes", "tiny", "expected at least 5 characters, got 4"),
        ("count", 0, "expected at least 1, got 0"),
        ("count", 10, "expected at most 9, got 10"),
        ("amount", -0.01, "expected at least 0, got -0.01"),
        ("extras", ["a", "b", "c"], "expected at most 2 selections, got 3"),
    ],
)
def test_field_range(field: str, value: JsonValue, expected: str) -> None:
    assert only_problem(ALL_TYPES, {**BASE, field: value}) == (field, "FIELD_RANGE", expected)


def test_bounds_are_inclusive() -> None:
    answers: dict[str, JsonValue] = {
        **BASE,
        "name": "A" * 10,
        "notes": "12345",
        "count": 9,
        "amount": 0,
        "extras": ["a", "b"],
    }
    assert validate_form(ALL_TYPES, answers) == answers


@pytest.mark.parametrize("value", ["fi-2041", "FI-204", "FI-20411", "xFI-2041", "FI 2041"])
def test_field_pattern_matches_the_whole_value(value: str) -> None:
    field, code, message = only_problem(ALL_TYPES, {**BASE, "code": value})
    assert (field, code) == ("code", "FIELD_PATTERN")
    assert message == f"{value!r} does not match the pattern [A-Z]{{2}}-\\d{{4}} (e.g. FI-2041)"


def test_field_unknown_names_each_unknown_answer() -> None:
    assert problems(ALL_TYPES, {**BASE, "zeta": 1, "colour": "red"}) == [
        ("colour", "FIELD_UNKNOWN"),
        ("zeta", "FIELD_UNKNOWN"),
    ]


def test_field_reference_asks_known_refs_with_the_kind() -> None:
    asked: list[tuple[str, str]] = []

    def known(kind: str, ref: str) -> bool:
        asked.append((kind, ref))
        return ref.startswith("ok-")

    answers: dict[str, JsonValue] = {**BASE, "who": "ok-p", "where": "ok-l", "app": "ok-a", "box": "ok-b"}
    assert validate_form(ALL_TYPES, answers, known_refs=known) == answers
    assert asked == [("Person", "ok-p"), ("Location", "ok-l"), ("Application", "ok-a"), ("", "ok-b")]

    bad = {**BASE, "who": "gone-p", "where": "ok-l", "app": "gone-a", "box": "gone-b"}
    with pytest.raises(InvalidInput) as refused:
        validate_form(ALL_TYPES, bad, known_refs=known)
    assert [(p.field, p.code, p.message) for p in refused.value.problems] == [
        ("who", "FIELD_REFERENCE", "no Person with id 'gone-p'"),
        ("app", "FIELD_REFERENCE", "no Application with id 'gone-a'"),
        ("box", "FIELD_REFERENCE", "no CI with id 'gone-b'"),
    ]


def test_references_unchecked_without_known_refs() -> None:
    assert validate_form(ALL_TYPES, {**BASE, "who": "anyone"}) == {**BASE, "who": "anyone"}


def test_known_refs_not_asked_about_mistyped_values() -> None:
    def never(kind: str, ref: str) -> bool:
        raise AssertionError("must not be asked")

    assert problems(ALL_TYPES, {**BASE, "who": 5}, known_refs=never) == [("who", "FIELD_TYPE")]


def test_one_problem_per_bad_field_all_fields_reported_in_form_order() -> None:
    answers: dict[str, JsonValue] = {
        "name": 7,  # wrong type and would be too long: one problem
        "count": 99,
        "size": "xl",
        "code": "nope",
        "mystery": 1,
    }
    assert problems(ALL_TYPES, answers) == [
        ("name", "FIELD_TYPE"),
        ("count", "FIELD_RANGE"),
        ("size", "FIELD_CHOICE"),
        ("code", "FIELD_PATTERN"),
        ("mystery", "FIELD_UNKNOWN"),
    ]


def test_choice_checked_before_range_and_range_before_pattern() -> None:
    it = item(F(name="code", label="Code", max=4, pattern=r"\d+"))
    assert problems(it, {"code": "abcdef"}) == [("code", "FIELD_RANGE")]
    assert problems(it, {"code": "abc"}) == [("code", "FIELD_PATTERN")]


# ----------------------------------------------------------------------------------- typing policy
def test_normalisation() -> None:
    answers: dict[str, JsonValue] = {
        "name": "  Ada  ",
        "notes": "\n line one\nline two \n",
        "count": 3.0,
        "amount": 12,
        "urgent": False,
        "day": "2030-03-01",
        "extras": ["c", "a", "c"],
        "mail": " ada@example.com ",
        "who": " person-00001 ",
        "code": " FI-2041 ",
    }
    out = validate_form(ALL_TYPES, answers)
    assert out == {
        "name": "Ada",
        "notes": "line one\nline two",
        "count": 3,
        "amount": 12,
        "urgent": False,
        "day": "2030-03-01",
        "extras": ["a", "c"],
        "mail": "ada@example.com",
        "who": "person-00001",
        "code": "FI-2041",
    }
    assert type(out["count"]) is int
    assert type(out["amount"]) is int  # numbers are returned unchanged
    assert list(out) == [f.name for f in ALL_TYPES.form if f.name in out]  # form order


def test_floats_stay_floats_for_number_fields() -> None:
    assert validate_form(ALL_TYPES, {**BASE, "amount": 12.5})["amount"] == 12.5


def test_choices_are_not_stripped() -> None:
    assert problems(ALL_TYPES, {**BASE, "size": " s"}) == [("size", "FIELD_CHOICE")]


def test_answers_are_not_mutated() -> None:
    answers: dict[str, JsonValue] = {**BASE, "extras": ["b", "a"]}
    validate_form(ALL_TYPES, answers)
    assert answers == {"name": "Ada", "extras": ["b", "a"]}


# ----------------------------------------------------------------------------------- rules
RULED = item(
    F(name="kind", label="Kind", type="choice", required=True, choices=("nda", "msa", "other")),
    F(name="amount", label="Amount", type="number", min=0),
    F(name="confidentiality", label="Confidentiality", type="choice", choices=("public", "restricted")),
    F(name="remote", label="Remote", type="boolean"),
    F(name="desk", label="Desk", type="location"),
    F(name="access", label="Access", type="multi_choice", choices=("vpn", "crm")),
    F(name="token", label="Token serial"),
    F(name="reason", label="Reason", type="text"),
    rules=(
        RequiredIf(field="amount", when=C("kind", "equals", "msa")),
        ForbiddenIf(field="amount", when=C("kind", "equals", "nda"), message="an NDA has no value"),
        RangeIf(field="amount", when=C("confidentiality", "not_equals", "restricted"), max=10_000),
        RequiredIf(field="desk", when=C("remote", "not_equals", True)),
        RequiredIf(field="token", when=C("access", "contains", "vpn")),
        RequiredIf(field="reason", when=C("amount", "gt", 5_000)),
    ),
)
RULED_OK: dict[str, JsonValue] = {"kind": "other", "desk": "loc-1"}


def test_rules_pass() -> None:
    assert validate_form(RULED, RULED_OK) == RULED_OK


def test_required_if() -> None:
    field, code, message = only_problem(RULED, {**RULED_OK, "kind": "msa"})
    assert (field, code) == ("amount", "RULE_VIOLATED")
    assert message == "Amount is required when 'kind' is 'msa'"
    assert validate_form(RULED, {**RULED_OK, "kind": "msa", "amount": 10})["amount"] == 10


def test_required_if_on_unanswered_condition_field() -> None:
    # 'remote' unanswered: it is not true, so the desk is required
    assert only_problem(RULED, {"kind": "other"})[:2] == ("desk", "RULE_VIOLATED")
    assert only_problem(RULED, {"kind": "other", "remote": False})[:2] == ("desk", "RULE_VIOLATED")
    assert validate_form(RULED, {"kind": "other", "remote": True}) == {"kind": "other", "remote": True}


def test_required_if_contains() -> None:
    field, code, message = only_problem(RULED, {**RULED_OK, "access": ["crm", "vpn"]})
    assert (field, code, message) == (
        "token",
        "RULE_VIOLATED",
        "Token serial is required when 'access' includes 'vpn'",
    )
    assert validate_form(RULED, {**RULED_OK, "access": ["crm"]})["access"] == ["crm"]


def test_required_if_numeric_condition() -> None:
    assert validate_form(RULED, {**RULED_OK, "amount": 5_000})["amount"] == 5_000
    field, code, message = only_problem(RULED, {**RULED_OK, "amount": 5_000.5})
    assert (field, code, message) == ("reason", "RULE_VIOLATED", "Reason is required when 'amount' > 5000")


def test_forbidden_if_with_custom_message() -> None:
    assert only_problem(RULED, {**RULED_OK, "kind": "nda", "amount": 5}) == (
        "amount",
        "RULE_VIOLATED",
        "an NDA has no value",
    )
    assert validate_form(RULED, {**RULED_OK, "kind": "nda"}) == {**RULED_OK, "kind": "nda"}


def test_range_if() -> None:
    ok = {**RULED_OK, "amount": 10_000, "reason": "big"}
    assert validate_form(RULED, ok)["amount"] == 10_000
    field, code, message = only_problem(RULED, {**ok, "amount": 10_001})
    assert (field, code) == ("amount", "RULE_VIOLATED")
    assert message == "expected at most 10000, got 10001 when 'confidentiality' is not 'restricted'"
    restricted = {**ok, "amount": 250_000, "confidentiality": "restricted"}
    assert validate_form(RULED, restricted)["amount"] == 250_000


def test_one_rule_problem_per_field() -> None:
    # amount breaks forbidden_if (nda) and range_if (not restricted): one problem, the first rule's
    assert problems(RULED, {**RULED_OK, "kind": "nda", "amount": 20_000, "reason": "x"}) == [
        ("amount", "RULE_VIOLATED")
    ]


def test_rules_skip_fields_with_their_own_problem() -> None:
    # amount is badly typed: no rule about it, nor conditioned on it, is evaluated
    assert problems(RULED, {**RULED_OK, "kind": "msa", "amount": "lots"}) == [("amount", "FIELD_TYPE")]
    # kind is bad: the rules conditioned on it are skipped; the amount range rule still runs
    assert problems(RULED, {"kind": "xyz", "desk": "d", "amount": 10_001, "reason": "r"}) == [
        ("kind", "FIELD_CHOICE"),
        ("amount", "RULE_VIOLATED"),
    ]


def test_field_problems_come_before_rule_problems() -> None:
    assert problems(RULED, {"kind": "msa", "mystery": 1}) == [
        ("mystery", "FIELD_UNKNOWN"),
        ("amount", "RULE_VIOLATED"),
        ("desk", "RULE_VIOLATED"),
    ]


# ----------------------------------------------------------------------------------- conditions
@pytest.mark.parametrize(
    ("cond", "answers", "expected"),
    [
        (C("k", "equals", "a"), {"k": "a"}, True),
        (C("k", "equals", "a"), {}, False),
        (C("k", "not_equals", "a"), {}, True),
        (C("k", "equals", 1), {"k": True}, False),
        (C("k", "equals", True), {"k": 1}, False),
        (C("k", "equals", 3), {"k": 3.0}, True),
        (C("k", "in", ["a", "b"]), {"k": "b"}, True),
        (C("k", "in", ["a", "b"]), {}, False),
        (C("k", "not_in", ["a", "b"]), {"k": "c"}, True),
        (C("k", "not_in", ["a", "b"]), {}, True),
        (C("k", "contains", "x"), {"k": ["w", "x"]}, True),
        (C("k", "contains", "x"), {"k": []}, False),
        (C("k", "answered"), {"k": "v"}, True),
        (C("k", "answered"), {"k": "  "}, False),
        (C("k", "not_answered"), {}, True),
        (C("k", "gt", 10), {"k": 11}, True),
        (C("k", "gt", 10), {"k": 10}, False),
        (C("k", "ge", 10), {"k": 10}, True),
        (C("k", "lt", 10), {"k": 9.5}, True),
        (C("k", "le", 10), {"k": 10.5}, False),
        (C("k", "lt", 10), {}, False),
        (C("k", "lt", 10), {"k": True}, False),
    ],
)
def test_condition_holds(cond: Condition, answers: dict[str, JsonValue], expected: bool) -> None:
    assert cond.holds(answers) is expected


@pytest.mark.parametrize(
    ("op", "value", "message"),
    [
        ("answered", "x", "takes no value"),
        ("in", "x", "needs a non-empty list"),
        ("in", [], "needs a non-empty list"),
        ("gt", "5", "needs a number"),
        ("gt", True, "needs a number"),
        ("equals", None, "needs a single value"),
        ("contains", ["a"], "needs a single value"),
    ],
)
def test_condition_shape_refused(op: str, value: JsonValue, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate({"field": "k", "op": op, "value": value})


# ----------------------------------------------------------------------------------- form model checks
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "Bad Name", "label": "x"}, "must be snake_case"),
        ({"name": "a", "label": ""}, "at least 1 character"),
        ({"name": "a", "label": "A", "type": "choice"}, "a choice field needs choices"),
        ({"name": "a", "label": "A", "type": "choice", "choices": ["x", "x"]}, "choices must be distinct"),
        ({"name": "a", "label": "A", "choices": ["x"]}, "choices belong to choice and multi_choice"),
        ({"name": "a", "label": "A", "type": "boolean", "max": 1}, "min/max do not apply to boolean"),
        ({"name": "a", "label": "A", "min": -1}, "non-negative integer"),
        ({"name": "a", "label": "A", "max": 2.5}, "non-negative integer"),
        ({"name": "a", "label": "A", "type": "integer", "min": 5, "max": 1}, "min 5 is greater than max 1"),
        ({"name": "a", "label": "A", "pattern": "[a-"}, "not a valid regular expression"),
        (
            {"name": "a", "label": "A", "type": "integer", "pattern": "\\d"},
            "pattern belongs to string and text",
        ),
        ({"name": "a", "label": "A", "ci_kind": "Host"}, "ci_kind belongs to ci fields"),
        ({"name": "a", "label": "A", "type": "ci", "ci_kind": "host"}, "PascalCase"),
        ({"name": "a", "label": "A", "type": "colour"}, "Input should be"),
    ],
)
def test_form_field_refused(spec: dict[str, JsonValue], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FormField.model_validate(spec)


def test_negative_bounds_allowed_for_numbers() -> None:
    assert FormField(name="t", label="T", type="number", min=-40, max=60).min == -40


CHOICE = F(name="kind", label="Kind", type="choice", choices=("a", "b"))
MULTI = F(name="tags", label="Tags", type="multi_choice", choices=("x", "y"))
TEXT = F(name="note", label="Note")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ((RequiredIf(field="nope", when=C("kind", "equals", "a")),), "the form has no field 'nope'"),
        ((RequiredIf(field="note", when=C("nope", "answered")),), "condition on unknown field 'nope'"),
        ((RequiredIf(field="note", when=C("note", "answered")),), "cannot be conditioned on its own field"),
        ((RequiredIf(field="note", when=C("kind", "equals", "c")),), "'c' can never be an answer of 'kind'"),
        ((RequiredIf(field="note", when=C("kind", "in", ["a", "zz"])),), "'zz' can never be an answer"),
        ((RequiredIf(field="kind", when=C("note", "equals", " padded ")),), "write it as 'padded'"),
        ((RequiredIf(field="note", when=C("kind", "contains", "a")),), "'contains' applies to multi_choice"),
        ((RequiredIf(field="note", when=C("tags", "contains", "z")),), "'z' is not a choice of 'tags'"),
        ((RequiredIf(field="note", when=C("tags", "equals", "x")),), "use 'contains'"),
        ((RequiredIf(field="note", when=C("kind", "gt", 3)),), "'gt' applies to integer and number fields"),
        ((RangeIf(field="kind", when=C("note", "answered"), max=3),), "min/max do not apply to choice"),
        ((RangeIf(field="note", when=C("kind", "equals", "a"), min=-1),), "non-negative integer"),
    ],
)
def test_catalog_item_refuses_inconsistent_rules(rules: tuple[FormRule, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        item(CHOICE, MULTI, TEXT, rules=rules)


def test_range_if_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="range_if needs min or max"):
        RangeIf(field="note", when=C("kind", "equals", "a"))


def test_catalog_item_refuses_duplicate_fields_and_bad_task_conditions() -> None:
    with pytest.raises(ValidationError, match="distinct: kind used more than once"):
        item(CHOICE, CHOICE)
    plan = FulfilmentPlan(tasks=(task("a", when=C("kind", "equals", "q")),))
    with pytest.raises(ValidationError, match="task 'a': 'q' can never be an answer of 'kind'"):
        item(CHOICE, tasks=plan)
    with pytest.raises(ValidationError, match="task 'a': condition on unknown field 'ghost'"):
        item(CHOICE, tasks=FulfilmentPlan(tasks=(task("a", when=C("ghost", "answered")),)))


def test_catalog_item_id_and_department() -> None:
    with pytest.raises(ValidationError, match="kebab-case"):
        CatalogItem(id="Bad_Id", department="it", title="t", sla_policy="s", responsible_group="g")
    with pytest.raises(ValidationError, match="department"):
        CatalogItem.model_validate(
            {"id": "x", "department": "sales", "title": "t", "sla_policy": "s", "responsible_group": "g"}
        )


def test_from_data_reports_invalid_catalog_item() -> None:
    data = {
        "id": "x",
        "department": "it",
        "title": "t",
        "sla_policy": "s",
        "responsible_group": "team-it",
        "form": [{"name": "n", "label": "N", "type": "choice"}],
        "tasks": {"tasks": [{"key": "a", "title": "A", "group": "team-it", "after": ["b"]}]},
    }
    with pytest.raises(InvalidInput) as refused:
        CatalogItem.from_data(data, where="catalog.yaml: items[0]")
    got = [(p.code, p.field, p.where) for p in refused.value.problems]
    assert got == [
        ("INVALID_CATALOG_ITEM", "form.0", "catalog.yaml: items[0]"),
        ("INVALID_CATALOG_ITEM", "tasks", "catalog.yaml: items[0]"),
    ]
    assert "unknown task 'b'" in refused.value.problems[1].message
    rules_data = {
        **data,
        "form": [{"name": "n", "label": "N"}],
        "tasks": {},
        "rules": [{"kind": "forbidden_if", "field": "n", "when": {"field": "n", "op": "answered"}}],
    }
    with pytest.raises(InvalidInput, match="own field"):
        CatalogItem.from_data(rules_data)
    assert (
        CatalogItem.from_data(DEMO_CATALOG["legal-contract-review"].model_dump())
        == (DEMO_CATALOG["legal-contract-review"])
    )


# ----------------------------------------------------------------------------------- fulfilment plan
def test_plan_refuses_unknown_prerequisite() -> None:
    with pytest.raises(ValidationError, match="task 'b' waits for unknown task 'ghost'"):
        FulfilmentPlan(tasks=(task("a"), task("b", "a", "ghost")))


def test_plan_refuses_self_and_duplicate_prerequisites_and_keys() -> None:
    with pytest.raises(ValidationError, match="task 'a' waits for itself"):
        FulfilmentPlan(tasks=(task("a", "a"),))
    with pytest.raises(ValidationError, match="task 'b' lists a prerequisite twice"):
        FulfilmentPlan(tasks=(task("a"), task("b", "a", "a")))
    with pytest.raises(ValidationError, match="task keys must be distinct: a used more than once"):
        FulfilmentPlan(tasks=(task("a"), task("a")))
    with pytest.raises(ValidationError, match="snake_case"):
        task("Bad-Key")


def test_plan_refuses_cycles_naming_the_cycle() -> None:
    with pytest.raises(
        ValidationError, match=r"tasks form a cycle \(each waits for the one before it\): b -> c -> d -> b"
    ):
        FulfilmentPlan(tasks=(task("a"), task("b", "a", "d"), task("c", "b"), task("d", "c")))
    with pytest.raises(ValidationError, match=r"cycle .*: x -> y -> x"):
        FulfilmentPlan(tasks=(task("x", "y"), task("y", "x")))


def test_plan_accepts_a_diamond() -> None:
    plan = FulfilmentPlan(tasks=(task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c")))
    assert stages(plan_tasks(plan, {})) == [(0, "a"), (1, "b"), (1, "c"), (2, "d")]


def test_plan_order_need_not_be_topological_and_redundant_waits_are_dropped() -> None:
    plan = FulfilmentPlan(tasks=(task("last", "first", "middle"), task("middle", "first"), task("first")))
    planned = plan_tasks(plan, {})
    assert stages(planned) == [(0, "first"), (1, "middle"), (2, "last")]
    assert planned[-1].after == ("middle",)


def test_long_chain() -> None:
    n = 3000
    plan = FulfilmentPlan(tasks=tuple(task(f"t{i}", *([f"t{i - 1}"] if i else [])) for i in range(n)))
    planned = plan_tasks(plan, {})
    assert [p.stage for p in planned] == list(range(n))


ONBOARDING = DEMO_CATALOG["hr-onboarding"]
HIRE: dict[str, JsonValue] = {
    "new_hire_name": "Ada Lovelace",
    "position": "Analyst",
    "manager": "person-00012",
    "start_date": "2030-03-01",
    "location": "loc-0003",
    "permissions": ["email", "vpn"],
    "laptop": "standard",
}


def test_onboarding_stages_with_laptop() -> None:
    planned = plan_tasks(ONBOARDING.tasks, validate_form(ONBOARDING, HIRE))
    assert stages(planned) == [
        (0, "account_creation"),
        (0, "permissions"),
        (0, "laptop"),
        (0, "training"),
        (1, "first_day_check"),
    ]
    by_key = {p.key: p for p in planned}
    assert by_key["first_day_check"].after == ("account_creation", "permissions", "laptop", "training")
    assert by_key["laptop"].group == "team-it-service-desk"


def test_onboarding_stages_without_laptop() -> None:
    planned = plan_tasks(ONBOARDING.tasks, validate_form(ONBOARDING, {**HIRE, "laptop": "none"}))
    assert stages(planned) == [
        (0, "account_creation"),
        (0, "permissions"),
        (0, "training"),
        (1, "first_day_check"),
    ]
    assert planned[-1].after == ("account_creation", "permissions", "training")


def test_skipped_prerequisite_is_replaced_by_its_own_prerequisites() -> None:
    plan = FulfilmentPlan(
        tasks=(
            task("a"),
            task("b"),
            task("skip", "a", "b", when=C("x", "equals", "yes")),
            task("skip_too", "skip", when=C("x", "equals", "yes")),
            task("c", "skip_too"),
            task("d", "c", "skip"),
        )
    )
    skipped = plan_tasks(plan, {"x": "no"})
    assert stages(skipped) == [(0, "a"), (0, "b"), (1, "c"), (2, "d")]
    assert {p.key: p.after for p in skipped} == {"a": (), "b": (), "c": ("a", "b"), "d": ("c",)}
    kept = plan_tasks(plan, {"x": "yes"})
    assert stages(kept) == [(0, "a"), (0, "b"), (1, "skip"), (2, "skip_too"), (3, "c"), (4, "d")]


def test_skipped_root_leaves_its_dependents_at_stage_zero() -> None:
    it_item = DEMO_CATALOG["it-software-request"]
    answers = {"application": "app-crm", "justification": "x" * 20}
    existing = plan_tasks(it_item.tasks, {**answers, "licence": "existing"})
    assert stages(existing) == [(0, "install"), (1, "confirm")]
    assert existing[0].after == ()
    new = plan_tasks(it_item.tasks, {**answers, "licence": "new"})
    assert stages(new) == [(0, "approval"), (1, "procure_licence"), (2, "install"), (3, "confirm")]
    assert new[1].group == "team-fin"


def test_facilities_paths() -> None:
    fac = DEMO_CATALOG["fac-maintenance"]
    electrical = plan_tasks(fac.tasks, {"issue_type": "electrical"})
    assert stages(electrical) == [(0, "triage"), (1, "repair"), (2, "safety_check"), (3, "close_out")]
    cleaning = plan_tasks(fac.tasks, {"issue_type": "cleaning"})
    assert stages(cleaning) == [(0, "triage"), (1, "cleaning"), (2, "close_out")]
    assert cleaning[-1].after == ("cleaning",)  # triage is implied through cleaning


def test_legal_parallel_reviews() -> None:
    legal = DEMO_CATALOG["legal-contract-review"]
    big = plan_tasks(legal.tasks, {"amount": 250_000, "confidentiality": "restricted"})
    assert stages(big) == [
        (0, "intake"),
        (1, "legal_review"),
        (1, "finance_review"),
        (1, "privacy_review"),
        (2, "signature"),
    ]
    small = plan_tasks(legal.tasks, {"amount": 5_000, "confidentiality": "internal"})
    assert stages(small) == [(0, "intake"), (1, "legal_review"), (2, "signature")]


def test_finance_approval_only_above_threshold() -> None:
    fin = DEMO_CATALOG["fin-invoice-payment"]
    assert stages(plan_tasks(fin.tasks, {"amount": 800})) == [
        (0, "verify_invoice"),
        (1, "schedule_payment"),
        (2, "post_ledger"),
    ]
    assert [p.key for p in plan_tasks(fin.tasks, {"amount": 8_000})] == [
        "verify_invoice",
        "budget_approval",
        "schedule_payment",
        "post_ledger",
    ]


def test_empty_plan() -> None:
    assert plan_tasks(FulfilmentPlan(), {}) == []
    assert ready_tasks([], set()) == []


def test_ready_tasks_progression() -> None:
    planned = plan_tasks(ONBOARDING.tasks, validate_form(ONBOARDING, HIRE))
    done: set[str] = set()
    assert ready_tasks(planned, done) == ["account_creation", "permissions", "laptop", "training"]
    done |= {"account_creation", "laptop", "training"}
    assert ready_tasks(planned, done) == ["permissions"]
    done.add("permissions")
    assert ready_tasks(planned, done) == ["first_day_check"]
    done.add("first_day_check")
    assert ready_tasks(planned, done) == []


def test_ready_tasks_refuses_unplanned_keys() -> None:
    planned = plan_tasks(ONBOARDING.tasks, validate_form(ONBOARDING, {**HIRE, "laptop": "none"}))
    with pytest.raises(InvalidInput) as refused:
        ready_tasks(planned, {"account_creation", "laptop"})
    (p,) = refused.value.problems
    assert (p.code, p.field) == ("UNKNOWN_TASK", "done")
    assert "laptop" in p.message


# ----------------------------------------------------------------------------------- demo catalog
VALID: dict[str, dict[str, JsonValue]] = {
    "hr-onboarding": HIRE,
    "fac-maintenance": {
        "location": "loc-0007",
        "zone": "north",
        "issue_type": "hvac",
        "asset_tag": "FAC-004211",
        "people_affected": 25,
        "details": "Too hot since Monday",
    },
    "fin-invoice-payment": {
        "supplier": "Acme Office Supplies",
        "invoice_number": "INV-2030/0042",
        "budget_code": "FI-2041",
        "amount": 12_480.5,
        "currency": "EUR",
        "due_date": "2030-04-30",
        "purchase_order": "PO-004512",
    },
    "legal-contract-review": {
        "contract_type": "msa",
        "counterparty": "Globex Ltd",
        "amount": 250_000,
        "confidentiality": "confidential",
        "contract_owner": "person-00031",
        "signature_deadline": "2030-06-30",
    },
    "it-software-request": {
        "application": "app-analytics-warehouse",
        "justification": "Needed for the quarterly revenue dashboards.",
        "licence": "new",
        "needed_by": "2030-05-15",
    },
}

# (item, answers changed from the valid set, (field, code) expected)
INVALID: list[tuple[str, dict[str, JsonValue], list[tuple[str, str]]]] = [
    (
        "hr-onboarding",
        {"manager": None, "start_date": "next monday"},
        [("manager", "FIELD_REQUIRED"), ("start_date", "FIELD_TYPE")],
    ),
    ("hr-onboarding", {"location": None}, [("location", "RULE_VIOLATED")]),
    ("hr-onboarding", {"personal_email": "ada(at)example.com"}, [("personal_email", "FIELD_TYPE")]),
    ("fac-maintenance", {"asset_tag": "4211"}, [("asset_tag", "FIELD_PATTERN")]),
    ("fac-maintenance", {"issue_type": "other", "details": ""}, [("details", "RULE_VIOLATED")]),
    (
        "fac-maintenance",
        {"zone": "upstairs", "people_affected": 0},
        [("zone", "FIELD_CHOICE"), ("people_affected", "FIELD_RANGE")],
    ),
    ("fin-invoice-payment", {"budget_code": "fi-2041"}, [("budget_code", "FIELD_PATTERN")]),
    ("fin-invoice-payment", {"amount": -10}, [("amount", "FIELD_RANGE")]),
    ("fin-invoice-payment", {"purchase_order": None}, [("purchase_order", "RULE_VIOLATED")]),
    (
        "fin-invoice-payment",
        {"currency": "BTC", "amount": "12480"},
        [("amount", "FIELD_TYPE"), ("currency", "FIELD_CHOICE")],
    ),
    ("legal-contract-review", {"confidentiality": "public"}, [("amount", "RULE_VIOLATED")]),
    ("legal-contract-review", {"contract_type": "nda"}, [("amount", "RULE_VIOLATED")]),
    ("legal-contract-review", {"amount": None}, [("amount", "RULE_VIOLATED")]),
    ("it-software-request", {"justification": "need it"}, [("justification", "FIELD_RANGE")]),
    (
        "it-software-request",
        {"licence": None, "colour": "blue"},
        [("licence", "FIELD_REQUIRED"), ("colour", "FIELD_UNKNOWN")],
    ),
]


def test_one_demo_item_per_department() -> None:
    assert sorted(i.department for i in DEMO_CATALOG.values()) == [
        "facilities",
        "finance",
        "hr",
        "it",
        "legal",
    ]
    assert set(DEMO_CATALOG) == set(VALID)
    assert {i.id: i.responsible_group for i in DEMO_CATALOG.values()} == {
        "hr-onboarding": "team-hr",
        "fac-maintenance": "team-fac",
        "fin-invoice-payment": "team-fin",
        "legal-contract-review": "team-legal",
        "it-software-request": "team-it",
    }
    assert all(i.sla_policy and i.form and i.tasks.tasks for i in DEMO_CATALOG.values())


@pytest.mark.parametrize("size", [100, 2000])
def test_demo_groups_are_teams_of_the_demo_enterprise(size: int) -> None:
    teams = set(Plan(size, 0).team_ids)
    for catalog_item in DEMO_CATALOG.values():
        assert catalog_item.responsible_group in teams
        assert {t.group for t in catalog_item.tasks.tasks} <= teams


@pytest.mark.parametrize("item_id", sorted(VALID))
def test_demo_item_accepts_a_valid_answer_set(item_id: str) -> None:
    catalog_item = DEMO_CATALOG[item_id]
    kinds = {"Person", "Location", "Application"}
    out = validate_form(catalog_item, VALID[item_id], known_refs=lambda kind, ref: kind in kinds)
    assert out == VALID[item_id]
    assert plan_tasks(catalog_item.tasks, out)[0].stage == 0


@pytest.mark.parametrize(
    ("item_id", "change", "expected"),
    INVALID,
    ids=[f"{i}-{'-'.join(f for f, _ in e)}" for i, _, e in INVALID],
)
def test_demo_item_rejects_a_typical_bad_answer_set(
    item_id: str, change: dict[str, JsonValue], expected: list[tuple[str, str]]
) -> None:
    assert problems(DEMO_CATALOG[item_id], {**VALID[item_id], **change}) == expected


def test_demo_unknown_reference() -> None:
    assert problems(
        DEMO_CATALOG["it-software-request"],
        VALID["it-software-request"],
        known_refs=lambda kind, ref: kind != "Application",
    ) == [("application", "FIELD_REFERENCE")]


def test_remote_hire_needs_no_desk() -> None:
    answers = {**HIRE, "remote": True, "location": None}
    assert "location" not in validate_form(ONBOARDING, answers)


# ----------------------------------------------------------------------------------- approvals
def approval(key: str, **fields: object) -> ApprovalLevel:
    values: dict[str, object] = {
        "key": key,
        "title": key.replace("_", " "),
        "approver": "team",
        "team": "team-it",
    }
    values.update(fields)
    return ApprovalLevel.model_validate(values)


def with_approvals(*approvals: ApprovalLevel, tasks: FulfilmentPlan | None = None) -> CatalogItem:
    return CatalogItem(
        id="test-item",
        department="it",
        title="Test item",
        form=(
            F(name="boss", label="Boss", type="person", required=True),
            F(name="deputy", label="Deputy", type="person"),
            F(name="amount", label="Amount", type="number"),
            F(name="note", label="Note"),
        ),
        sla_policy="test",
        responsible_group="team-it",
        approvals=approvals,
        tasks=tasks or FulfilmentPlan(tasks=(task("work"),)),
    )


def test_approval_levels_name_their_approver_consistently() -> None:
    assert approval("by_manager", approver="requester_manager", team=None).describe_approver() == (
        "the requester's manager"
    )
    assert approval("by_boss", approver="person_field", field="boss", team=None).describe_approver() == (
        "the person in 'boss'"
    )
    assert approval("by_team").describe_approver() == "team team-it"
    with pytest.raises(ValidationError, match="a person_field approver needs 'field'"):
        approval("a", approver="person_field", team=None)
    with pytest.raises(ValidationError, match="a team approver needs 'team'"):
        approval("a", team=None)
    with pytest.raises(ValidationError, match="'team' belongs to team approvers, not requester_manager"):
        approval("a", approver="requester_manager")
    with pytest.raises(ValidationError, match="'field' belongs to person_field approvers, not team"):
        approval("a", field="boss")
    with pytest.raises(ValidationError, match="snake_case"):
        approval("Bad-Key")


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (approval("work"), "approval 'work': a task has the same key"),
        (approval("x", approver="person_field", field="ghost", team=None), "the form has no field 'ghost'"),
        (
            approval("x", approver="person_field", field="note", team=None),
            "'note' is a string field, not a person",
        ),
        (approval("x", approver="person_field", field="deputy", team=None), "'deputy' must be required"),
        (
            approval("x", when_any=(C("ghost", "answered"),)),
            "approval 'x': condition on unknown field 'ghost'",
        ),
        (
            approval("x", when_any=(C("amount", "equals", "many"),)),
            "'many' can never be an answer of 'amount'",
        ),
    ],
)
def test_item_refuses_approvals_that_do_not_fit_it(level: ApprovalLevel, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        with_approvals(level)


def test_item_refuses_duplicate_approval_keys() -> None:
    with pytest.raises(ValidationError, match="approval keys must be distinct: x used more than once"):
        with_approvals(approval("x"), approval("x"))


def test_from_data_reports_approval_errors_with_their_path() -> None:
    data = with_approvals().model_dump(mode="json")
    data["approvals"] = [{"key": "x", "title": "X", "approver": "team"}]
    with pytest.raises(InvalidInput) as refused:
        CatalogItem.from_data(data, where="catalog.yaml: items[3]")
    assert [(p.code, p.field) for p in refused.value.problems] == [("INVALID_CATALOG_ITEM", "approvals.0")]
    assert "a team approver needs 'team'" in refused.value.problems[0].message


def test_plan_request_runs_applying_levels_in_sequence_before_the_tasks() -> None:
    it = with_approvals(
        approval("first", approver="person_field", field="boss", team=None),
        approval("big_only", when_any=(C("amount", "gt", 1000), C("note", "equals", "urgent"))),
        approval("last", team="team-fin"),
        tasks=FulfilmentPlan(tasks=(task("a"), task("b"), task("c", "a", "b"))),
    )
    small_plan = plan_request(it, {"boss": "p1", "amount": 10})
    assert [(a.stage, a.key, a.after) for a in small_plan.approvals] == [
        (0, "first", ()),
        (1, "last", ("first",)),
    ]
    assert [(t.stage, t.key, t.after) for t in small_plan.tasks] == [
        (2, "a", ("last",)),
        (2, "b", ("last",)),
        (3, "c", ("a", "b")),
    ]
    assert small_plan.skipped == ("big_only",)
    assert small_plan.approvals[1].level.team == "team-fin"
    big = plan_request(it, {"boss": "p1", "amount": 5000})
    assert [a.key for a in big.approvals] == ["first", "big_only", "last"]
    assert [a.key for a in plan_request(it, {"boss": "p1", "note": "urgent"}).approvals] == [
        "first",
        "big_only",
        "last",
    ]
    assert big.skipped == ()


def test_plan_request_without_approvals_is_the_task_plan() -> None:
    fac = DEMO_CATALOG["fac-maintenance"]
    answers: dict[str, JsonValue] = {"issue_type": "cleaning"}
    plan = plan_request(fac, answers)
    assert plan.approvals == ()
    assert list(plan.tasks) == plan_tasks(fac.tasks, answers)
    assert plan.skipped == ("repair", "safety_check")


@pytest.mark.parametrize(
    ("permissions", "security"),
    [
        (["email", "vpn"], False),
        (["crm"], False),
        (["email", "hr-suite"], True),
        (["erp-finance"], True),
        (["code-repository", "crm"], True),
    ],
)
def test_onboarding_needs_security_only_for_sensitive_access(
    permissions: list[JsonValue], security: bool
) -> None:
    answers = validate_form(ONBOARDING, {**HIRE, "permissions": permissions})
    plan = plan_request(ONBOARDING, answers)
    expected = ["manager_approval", "hr_approval"] + (["security_approval"] if security else [])
    assert [a.key for a in plan.approvals] == expected
    assert plan.approvals[0].level.field == "manager"
    assert {t.key: t.after for t in plan.tasks}["training"] == (expected[-1],)


def test_demo_approvals_where_they_make_sense() -> None:
    approvals = {i.id: [(a.key, a.approver) for a in i.approvals] for i in DEMO_CATALOG.values()}
    assert approvals == {
        "hr-onboarding": [
            ("manager_approval", "person_field"),
            ("hr_approval", "team"),
            ("security_approval", "team"),
        ],
        "fac-maintenance": [],
        "fin-invoice-payment": [("controller_approval", "team")],
        "legal-contract-review": [("counsel_approval", "team")],
        "it-software-request": [("manager_approval", "requester_manager")],
    }
    legal = DEMO_CATALOG["legal-contract-review"]
    assert [a.key for a in plan_request(legal, VALID["legal-contract-review"]).approvals] == [
        "counsel_approval"
    ]
    small_contract = {**VALID["legal-contract-review"], "amount": 5_000}
    assert plan_request(legal, small_contract).approvals == ()
    fin = DEMO_CATALOG["fin-invoice-payment"]
    assert plan_request(fin, VALID["fin-invoice-payment"]).approvals == ()  # 12480.5 is below 50000
    assert [
        a.key for a in plan_request(fin, {**VALID["fin-invoice-payment"], "amount": 60_000}).approvals
    ] == ["controller_approval"]


@pytest.mark.parametrize("size", [100, 2000])
def test_demo_approving_teams_are_teams_of_the_demo_enterprise(size: int) -> None:
    teams = set(Plan(size, 0).team_ids)
    for catalog_item in DEMO_CATALOG.values():
        assert {team for _, team in catalog_item.team_references()} <= teams


def test_team_references_name_their_paths() -> None:
    it = with_approvals(approval("x", team="team-sec"), tasks=FulfilmentPlan(tasks=(task("a"), task("b"))))
    assert it.team_references() == [
        ("responsible_group", "team-it"),
        ("approvals.0.team", "team-sec"),
        ("tasks.tasks.0.group", "team-it"),
        ("tasks.tasks.1.group", "team-it"),
    ]


@pytest.mark.parametrize("item_id", sorted(DEMO_CATALOG))
def test_to_data_is_compact_and_round_trips(item_id: str) -> None:
    catalog_item = DEMO_CATALOG[item_id]
    data = catalog_item.to_data()
    assert CatalogItem.from_data(data) == catalog_item
    form = data["form"]
    assert isinstance(form, list)
    assert all(isinstance(f, dict) and f.get("required", True) is True for f in form)  # no defaults
    rules = data.get("rules", [])
    assert isinstance(rules, list)
    assert all(isinstance(r, dict) and "kind" in r for r in rules)  # the discriminator stays
    text = json.dumps(data)
    assert "'" not in text  # FalkorDB's Bolt listener cannot store quotes
    assert "\\" not in text  # ... nor backslashes
