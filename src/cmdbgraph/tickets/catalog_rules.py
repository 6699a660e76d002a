"""Conditions on form answers and the cross-field rules of a request form (pure; declarative,
nothing is evaluated).

A :class:`Condition` tests one answer: ``field`` ``op`` ``value``. A :data:`FormRule`
(:class:`RequiredIf`, :class:`ForbiddenIf`, :class:`RangeIf`) makes its ``field`` required,
forbidden or bounded while its condition holds. Conditions also select the fulfilment tasks
(``TaskTemplate.when``) and approval levels (``ApprovalLevel.when_any``) of
:mod:`cmdbgraph.tickets.catalog_plan`.

Their checks:

- :func:`condition_errors` says why a condition can never apply to a form: an unknown field, an
  op that does not fit the field's type, or a value the field can never take or that is not
  written normalised. A ``CatalogItem`` with such a condition is refused when it is built.
- :func:`rule_violation` says why a rule whose condition holds fails for the target's
  normalised answer; ``validate_form`` reports it as ``RULE_VIOLATED``.

>>> c = Condition.of("laptop", "not_equals", "none")
>>> c.describe(), c.holds({"laptop": "standard"}), c.holds({})
("'laptop' is not 'none'", True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from cmdbgraph.tickets.catalog_form import (
    NUMERIC_TYPES,
    BadAnswer,
    FormField,
    is_number,
    normalise_answer,
    out_of_range,
    same_value,
    show_value,
    unanswered,
)

ConditionOp = Literal[
    "equals", "not_equals", "in", "not_in", "contains", "answered", "not_answered", "gt", "ge", "lt", "le"
]


class Condition(BaseModel):
    """A test on one answer: ``field`` ``op`` ``value``. Declarative; nothing is evaluated.

    Ops: ``equals`` / ``not_equals`` a value; ``in`` / ``not_in`` a non-empty list of values;
    ``contains`` (``multi_choice``: the value is among the selections); ``answered`` /
    ``not_answered`` (no value); ``gt`` / ``ge`` / ``lt`` / ``le`` a number (``integer`` and
    ``number`` fields). An unanswered field equals nothing, is in nothing, contains nothing and
    compares with no number (so ``not_equals`` and ``not_in`` hold for it). Booleans never equal
    numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    op: ConditionOp = "equals"
    value: JsonValue = None

    @classmethod
    def of(cls, field: str, op: ConditionOp, value: JsonValue = None) -> Condition:
        """Shorthand: ``Condition.of("laptop", "not_equals", "none")``."""
        return cls(field=field, op=op, value=value)

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        op, value = self.op, self.value
        if op in ("answered", "not_answered"):
            if value is not None:
                raise ValueError(f"condition {op} takes no value")
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"condition {op} needs a non-empty list of values")
        elif op in ("gt", "ge", "lt", "le"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"condition {op} needs a number, got {value!r}")
        elif value is None or isinstance(value, list | dict):
            raise ValueError(f"condition {op} needs a single value, got {value!r}")
        return self

    def holds(self, answers: Mapping[str, JsonValue]) -> bool:
        """Whether the condition is true of ``answers`` (normalised, as
        :func:`~cmdbgraph.tickets.catalog.validate_form` returns them)."""
        raw = answers.get(self.field)
        answered = not unanswered(raw)
        op, value = self.op, self.value
        match op:
            case "answered":
                return answered
            case "not_answered":
                return not answered
            case "equals" | "not_equals":
                equal = answered and same_value(raw, value)
                return equal if op == "equals" else not equal
            case "in" | "not_in":
                options = value if isinstance(value, list) else []
                found = answered and any(same_value(raw, v) for v in options)
                return found if op == "in" else not found
            case "contains":
                return isinstance(raw, list) and any(same_value(v, value) for v in raw)
            case _:  # gt, ge, lt, le
                if not is_number(raw) or not is_number(value):
                    return False
                a, b = float(raw), float(value)
                return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]

    def describe(self) -> str:
        """The condition in words: ``'laptop' is not 'none'``."""
        name = f"'{self.field}'"
        match self.op:
            case "answered":
                return f"{name} is answered"
            case "not_answered":
                return f"{name} is not answered"
            case "equals":
                return f"{name} is {show_value(self.value)}"
            case "not_equals":
                return f"{name} is not {show_value(self.value)}"
            case "in":
                return f"{name} is one of {show_value(self.value)}"
            case "not_in":
                return f"{name} is none of {show_value(self.value)}"
            case "contains":
                return f"{name} includes {show_value(self.value)}"
            case _:
                symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[self.op]
                return f"{name} {symbol} {show_value(self.value)}"


class RequiredIf(BaseModel):
    """``field`` must be answered when ``when`` holds. ``message`` replaces the default one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["required_if"] = "required_if"
    field: str
    when: Condition
    message: str = ""


class ForbiddenIf(BaseModel):
    """``field`` must be left unanswered when ``when`` holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["forbidden_if"] = "forbidden_if"
    field: str
    when: Condition
    message: str = ""


class RangeIf(BaseModel):
    """When ``when`` holds, an answered ``field`` must lie in ``[min, max]`` (at least one bound),
    measured as for :class:`~cmdbgraph.tickets.catalog_form.FormField` (value, length or number
    of selections)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["range_if"] = "range_if"
    field: str
    when: Condition
    min: int | float | None = None
    max: int | float | None = None
    message: str = ""

    @model_validator(mode="after")
    def _has_bound(self) -> RangeIf:
        if self.min is None and self.max is None:
            raise ValueError("range_if needs min or max")
        return self


FormRule = Annotated[RequiredIf | ForbiddenIf | RangeIf, Field(discriminator="kind")]
"""A cross-field rule; ``kind`` is ``required_if``, ``forbidden_if`` or ``range_if``."""


def condition_errors(cond: Condition, fields: Mapping[str, FormField]) -> list[str]:
    """Why ``cond`` cannot apply to the form (empty when it can)."""
    subject = fields.get(cond.field)
    if subject is None:
        return [f"condition on unknown field {cond.field!r}"]
    op, value, ftype = cond.op, cond.value, subject.type
    if op in ("answered", "not_answered"):
        return []
    if op == "contains":
        if ftype != "multi_choice":
            return [f"'contains' applies to multi_choice fields, {cond.field!r} is {ftype}"]
        return [] if value in subject.choices else [f"{show_value(value)} is not a choice of {cond.field!r}"]
    if ftype == "multi_choice":
        return [f"use 'contains' (or answered / not_answered) on multi_choice field {cond.field!r}"]
    if op in ("gt", "ge", "lt", "le"):
        return [] if ftype in NUMERIC_TYPES else [f"{op!r} applies to integer and number fields, not {ftype}"]
    values = value if isinstance(value, list) else [value]
    errors: list[str] = []
    for v in values:
        try:
            normal = normalise_answer(subject, v)
        except BadAnswer as bad:
            errors.append(f"{show_value(v)} can never be an answer of {cond.field!r}: {bad.message}")
            continue
        if not same_value(normal, v):  # answers are compared normalised: " a " would never match
            errors.append(
                f"{show_value(v)} is compared with normalised answers: write it as {show_value(normal)}"
            )
    return errors


def rule_violation(
    rule: RequiredIf | ForbiddenIf | RangeIf, target: FormField, value: JsonValue
) -> str | None:
    """Why ``rule`` (whose condition holds) fails for the target's normalised ``value``."""
    answered = value is not None
    cond = rule.when.describe()
    if isinstance(rule, RequiredIf):
        return None if answered else f"{target.label} is required when {cond}"
    if isinstance(rule, ForbiddenIf):
        return f"{target.label} must be left empty when {cond}" if answered else None
    if not answered:
        return None
    out = out_of_range(target.type, value, rule.min, rule.max)
    return f"{out} when {cond}" if out else None
