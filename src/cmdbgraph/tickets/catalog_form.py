"""Request forms of the service catalog: :class:`FormField` s and the normalisation of one
answer (pure; no I/O).

A :class:`FormField` is declarative data, checked when it is built (a field whose choices,
bounds, pattern or ``ci_kind`` do not fit its type is refused). :func:`normalise_answer` turns one
answered value into the normalised answer, or raises :class:`BadAnswer` with the problem code
of the first failing check, in this order: ``FIELD_TYPE``, ``FIELD_CHOICE``, ``FIELD_RANGE``,
``FIELD_PATTERN`` (the codes are listed in :mod:`cmdbgraph.tickets.catalog`, whose
:func:`~cmdbgraph.tickets.catalog.validate_form` runs it over a whole form and adds the checks
that need the form: required fields, references, unknown answers and rules).

Typing policy: strict, no guessing. Strings are never parsed into numbers, booleans or lists
(``"3"`` for an ``integer`` is ``FIELD_TYPE``), and booleans are never numbers. The only
coercions are lossless normalisations: strings (except choices) are stripped of surrounding
white space; an integral float is an integer (``3.0`` -> ``3``, as JSON does not tell them
apart); a ``date`` must be ``YYYY-MM-DD`` and a real calendar day; ``multi_choice`` selections
are de-duplicated and put in the order of the choices. ``number`` values (int or float, finite)
are returned unchanged. A ``string`` is one line (``text`` is for several); an ``email`` is
``local@domain.tld`` without spaces.

The answer-value helpers (:func:`unanswered`, :func:`is_number`, :func:`same_value`,
:func:`show_value`) are shared with the conditions of :mod:`cmdbgraph.tickets.catalog_rules`, so
a form and its rules agree on what is unanswered, equal and how a value is printed.

>>> normalise_answer(FormField(name="count", label="Count", type="integer"), 3.0)
3
>>> access = FormField(name="access", label="Access", type="multi_choice", choices=("email", "vpn"))
>>> normalise_answer(access, ["vpn", "email", "vpn"])
['email', 'vpn']
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

FieldType = Literal[
    "string",
    "text",
    "integer",
    "number",
    "boolean",
    "date",
    "choice",
    "multi_choice",
    "email",
    "person",
    "location",
    "ci",
]
KnownRefs = Callable[[str, str], bool]
"""``known_refs(kind, id)``: does a CI ``id`` of kind ``kind`` exist? ``kind`` is ``"Person"``,
``"Location"``, a ``ci`` field's ``ci_kind``, or ``""`` for a ``ci`` field that takes any kind."""

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
KIND_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_FORM = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

_STRIPPED: frozenset[str] = frozenset({"string", "text", "email", "person", "location", "ci"})
NUMERIC_TYPES: frozenset[str] = frozenset({"integer", "number"})
_LENGTH: frozenset[str] = frozenset({"string", "text", "email"})
_BOUNDED: frozenset[str] = NUMERIC_TYPES | _LENGTH | {"multi_choice"}
_CHOICES: frozenset[str] = frozenset({"choice", "multi_choice"})
_REFERENCE_KIND: Mapping[str, str] = MappingProxyType({"person": "Person", "location": "Location"})
EXPECTED_ANSWER: Mapping[str, str] = MappingProxyType(
    {
        "string": "a single line of text",
        "text": "text",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "date": "a date as YYYY-MM-DD",
        "choice": "one of the choices (a string)",
        "multi_choice": "a list of choices",
        "email": "an email address (name@example.com)",
        "person": "a person id",
        "location": "a location id",
        "ci": "a CI id",
    }
)


class FormField(BaseModel):
    """One field of a request form.

    ``name`` is snake_case and keys the answer; ``label`` and ``help`` are for people.
    ``choices`` (non-empty, distinct) belong to ``choice`` and ``multi_choice`` fields only.
    ``min`` / ``max`` bound the value of ``integer`` / ``number`` fields, the length of
    ``string`` / ``text`` / ``email`` fields and the number of ``multi_choice`` selections (the
    last two as non-negative integers); they apply to answered values only (``required`` asks
    for an answer). ``pattern`` (``string`` / ``text``) is a regular expression the whole value
    must match. ``ci_kind`` (``ci`` fields) is the CI kind the id must have, passed to
    ``known_refs``. Anything else is refused when the field is built.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    label: str = Field(min_length=1)
    type: FieldType = "string"
    required: bool = False
    choices: tuple[str, ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    help: str = ""
    ci_kind: str | None = None

    @field_validator("name")
    @classmethod
    def _snake_case(cls, v: str) -> str:
        if not FIELD_NAME.match(v):
            raise ValueError(f"field name {v!r} must be snake_case (a-z, 0-9, _; starting with a letter)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        errors: list[str] = []
        if self.type in _CHOICES:
            if not self.choices:
                errors.append(f"a {self.type} field needs choices")
            if len(set(self.choices)) != len(self.choices):
                errors.append("choices must be distinct")
            if any(not c for c in self.choices):
                errors.append("choices must be non-empty strings")
        elif self.choices:
            errors.append(f"choices belong to choice and multi_choice fields, not {self.type}")
        errors.extend(bound_errors(self.type, self.min, self.max))
        if self.pattern is not None:
            if self.type not in ("string", "text"):
                errors.append(f"pattern belongs to string and text fields, not {self.type}")
            else:
                try:
                    re.compile(self.pattern)
                except re.error as exc:
                    errors.append(f"pattern {self.pattern!r} is not a valid regular expression: {exc}")
        if self.ci_kind is not None:
            if self.type != "ci":
                errors.append(f"ci_kind belongs to ci fields, not {self.type}")
            elif not KIND_NAME.match(self.ci_kind):
                errors.append(f"ci_kind {self.ci_kind!r} must be a PascalCase kind name")
        if errors:
            raise ValueError(f"field {self.name!r}: " + "; ".join(errors))
        return self

    @property
    def reference_kind(self) -> str | None:
        """The kind passed to ``known_refs`` for this field, ``None`` if it is no reference."""
        if self.type == "ci":
            return self.ci_kind or ""
        return _REFERENCE_KIND.get(self.type)


def bound_errors(field_type: str, lo: float | None, hi: float | None) -> list[str]:
    if lo is None and hi is None:
        return []
    if field_type not in _BOUNDED:
        return [f"min/max do not apply to {field_type} fields"]
    errors: list[str] = []
    for bound in (lo, hi):
        if bound is None:
            continue
        if isinstance(bound, bool) or not math.isfinite(bound):
            errors.append(f"bound {bound!r} must be a finite number")
        elif field_type not in NUMERIC_TYPES and (bound < 0 or bound != int(bound)):
            errors.append(f"a length or count bound must be a non-negative integer, got {bound!r}")
    if lo is not None and hi is not None and lo > hi:
        errors.append(f"min {show_value(lo)} is greater than max {show_value(hi)}")
    return errors


class BadAnswer(Exception):
    """One field's problem, raised inside :func:`normalise_answer`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalise_answer(f: FormField, raw: JsonValue) -> JsonValue:
    """The normalised answer to ``f`` (answered ``raw``), or :class:`BadAnswer`."""
    t = f.type
    value: JsonValue = raw.strip() if isinstance(raw, str) and t in _STRIPPED else raw
    expected = EXPECTED_ANSWER[t]
    wrong = BadAnswer("FIELD_TYPE", f"expected {expected}, got {_show_typed(raw)}")
    match t:
        case "string" | "text" | "email" | "person" | "location" | "ci":
            if not isinstance(value, str):
                raise wrong
            if t != "text" and ("\n" in value or "\r" in value):
                raise BadAnswer("FIELD_TYPE", f"expected {expected}, got several lines")
            if t == "email" and not EMAIL_FORM.match(value):
                raise BadAnswer("FIELD_TYPE", f"expected {expected}, got {value!r}")
        case "integer":
            if isinstance(value, float) and math.isfinite(value) and value == int(value):
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise wrong
        case "number":
            if not is_number(value) or not math.isfinite(value):
                raise wrong
        case "boolean":
            if not isinstance(value, bool):
                raise wrong
        case "date":
            if not isinstance(value, str) or not DATE_FORM.match(value):
                raise wrong
            try:
                date.fromisoformat(value)
            except ValueError:
                raise BadAnswer("FIELD_TYPE", f"{value!r} is not a calendar date (YYYY-MM-DD)") from None
        case "choice":
            if not isinstance(value, str):
                raise wrong
            if value not in f.choices:
                raise BadAnswer("FIELD_CHOICE", f"{value!r} is not one of: {', '.join(f.choices)}")
        case "multi_choice":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise wrong
            unknown = [v for v in value if v not in f.choices]
            if unknown:
                raise BadAnswer(
                    "FIELD_CHOICE",
                    f"{', '.join(repr(v) for v in unknown)} not among the choices: {', '.join(f.choices)}",
                )
            value = [c for c in f.choices if c in value]
    out = out_of_range(t, value, f.min, f.max)
    if out:
        raise BadAnswer("FIELD_RANGE", out)
    if f.pattern is not None and isinstance(value, str) and not re.fullmatch(f.pattern, value):
        hint = f" ({f.help})" if f.help else ""
        raise BadAnswer("FIELD_PATTERN", f"{value!r} does not match the pattern {f.pattern}{hint}")
    return value


def out_of_range(field_type: str, value: JsonValue, lo: float | None, hi: float | None) -> str | None:
    """What is wrong with ``value``'s size against ``[lo, hi]``, or ``None``."""
    if field_type in NUMERIC_TYPES and is_number(value):
        size, unit, shown = float(value), "", show_value(value)
    elif field_type in _LENGTH and isinstance(value, str):
        size, unit, shown = len(value), " characters", str(len(value))
    elif field_type == "multi_choice" and isinstance(value, list):
        size, unit, shown = len(value), " selections", str(len(value))
    else:
        return None
    if lo is not None and size < lo:
        return f"expected at least {show_value(lo)}{unit}, got {shown}"
    if hi is not None and size > hi:
        return f"expected at most {show_value(hi)}{unit}, got {shown}"
    return None


def unanswered(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_value(a: object, b: object) -> bool:
    """Equality that never confuses booleans with numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def show_value(value: object) -> str:
    """A value as the messages print it: numbers without a spurious ``.0``, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _show_typed(value: object) -> str:
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}
    shown = show_value(value) if not isinstance(value, dict) else "{...}"
    return f"{shown} ({kind.get(type(value), 'value')})"
