"""The service catalog: request forms, their validation, approval chains and fulfilment plans
(pure; no I/O).

A :class:`CatalogItem` is something a department offers (``hr-onboarding``,
``fin-invoice-payment`` ...): a form (:class:`FormField` s plus cross-field :class:`FormRule` s),
the SLA policy and responsible team of the request it opens, a chain of :class:`ApprovalLevel` s
and a :class:`FulfilmentPlan` of :class:`TaskTemplate` s. Everything is declarative data (no
expressions are evaluated), checked when it is built: an item whose rules or conditions name a
field the form does not have, or compare it with a value it can never take, is refused
(pydantic ``ValidationError``; :meth:`CatalogItem.from_data` turns that into ``InvalidInput`` /
``INVALID_CATALOG_ITEM``).

Validating an answer set
------------------------
:func:`validate_form` returns the normalised answers or raises ``InvalidInput`` with **one
problem per bad field** (``where`` is the item id, ``field`` the field name). Per field, the
first failing check wins, in this order:

``FIELD_REQUIRED``
    a required field is unanswered. *Unanswered* means absent, ``None``, a string that is
    empty after stripping, or an empty list; unanswered optional fields are left out of the
    result.
``FIELD_TYPE``
    the value has the wrong JSON type or form (see the typing policy below).
``FIELD_CHOICE``
    a ``choice`` value, or a ``multi_choice`` selection, that is not one of the choices.
``FIELD_RANGE``
    outside ``min`` / ``max``: the value of an ``integer`` / ``number``, the length of a
    ``string`` / ``text`` / ``email``, the number of ``multi_choice`` selections.
``FIELD_PATTERN``
    a ``string`` / ``text`` value that does not match ``pattern`` as a whole (``re.fullmatch``).
``FIELD_REFERENCE``
    a ``person`` / ``location`` / ``ci`` id that ``known_refs(kind, id)`` says does not exist.
``FIELD_UNKNOWN``
    an answer for a field the form does not have.
``RULE_VIOLATED``
    a cross-field rule fails; ``field`` is the rule's target field. A rule is skipped when its
    target or its condition's field already has a problem, and a field gets at most one.

Typing policy: strict, no guessing. Strings are never parsed into numbers, booleans or lists
(``"3"`` for an ``integer`` is ``FIELD_TYPE``), and booleans are never numbers. The only
coercions are lossless normalisations: strings (except choices) are stripped of surrounding
white space; an integral float is an integer (``3.0`` -> ``3``, as JSON does not tell them
apart); a ``date`` must be ``YYYY-MM-DD`` and a real calendar day; ``multi_choice`` selections
are de-duplicated and put in the order of the choices. ``number`` values (int or float, finite)
are returned unchanged. A ``string`` is one line (``text`` is for several); an ``email`` is
``local@domain.tld`` without spaces.

Fulfilment
----------
A :class:`FulfilmentPlan` is a DAG of task templates (``after`` names the keys a task waits for;
unknown keys and cycles are refused when the plan is built). :func:`plan_tasks` keeps the tasks
whose ``when`` condition holds for the answers; a task whose prerequisite was left out waits for
that prerequisite's own (transitive) prerequisites instead. Each planned task gets a ``stage``:
0 with no prerequisites, else one more than its latest prerequisite, so tasks of one stage can
run in parallel. :func:`ready_tasks` says which planned tasks can start once some are done.

Approvals
---------
An item's approval levels run one after another, in order, before any task: each is decided by
the requester's manager (``REPORTS_TO`` in the graph), by the person a form field names, or by
a team, and applies only when one of its ``when_any`` conditions holds. :func:`plan_request`
plans both: the levels that apply in sequence, then the tasks, those without prerequisites
waiting for the last approval (``tickets.requests`` stores and works the result).

>>> item = DEMO_CATALOG["hr-onboarding"]
>>> answers = validate_form(item, {
...     "new_hire_name": " Ada Lovelace ", "position": "Analyst", "manager": "person-00012",
...     "start_date": "2030-03-01", "location": "loc-0003", "permissions": ["vpn", "email"],
...     "laptop": "none"})
>>> answers["new_hire_name"], answers["permissions"]
('Ada Lovelace', ['email', 'vpn'])
>>> [(t.stage, t.key) for t in plan_tasks(item.tasks, answers)]  # doctest: +NORMALIZE_WHITESPACE
[(0, 'account_creation'), (0, 'permissions'), (0, 'training'), (1, 'first_day_check')]
>>> plan = plan_request(item, answers)  # the vpn hire needs no security approval
>>> [a.key for a in plan.approvals], plan.tasks[0].after, plan.tasks[0].stage
(['manager_approval', 'hr_approval'], ('hr_approval',), 2)
>>> try:
...     validate_form(item, {**answers, "laptop": "gaming", "colour": "red"})
... except InvalidInput as refused:
...     print("\\n".join(str(p) for p in refused.problems))
hr-onboarding, field 'laptop': 'gaming' is not one of: none, standard, developer, executive [FIELD_CHOICE]
hr-onboarding, field 'colour': the form has no field 'colour' [FIELD_UNKNOWN]
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

from cmdbgraph.schema.errors import InvalidInput, Problem

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
Department = Literal["hr", "facilities", "finance", "legal", "it"]
ConditionOp = Literal[
    "equals", "not_equals", "in", "not_in", "contains", "answered", "not_answered", "gt", "ge", "lt", "le"
]
KnownRefs = Callable[[str, str], bool]
"""``known_refs(kind, id)``: does a CI ``id`` of kind ``kind`` exist? ``kind`` is ``"Person"``,
``"Location"``, a ``ci`` field's ``ci_kind``, or ``""`` for a ``ci`` field that takes any kind."""

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ITEM_ID = re.compile(r"^[a-z][a-z0-9-]*$")
TASK_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
KIND_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_FORM = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

_STRIPPED: frozenset[str] = frozenset({"string", "text", "email", "person", "location", "ci"})
_NUMERIC: frozenset[str] = frozenset({"integer", "number"})
_LENGTH: frozenset[str] = frozenset({"string", "text", "email"})
_BOUNDED: frozenset[str] = _NUMERIC | _LENGTH | {"multi_choice"}
_CHOICES: frozenset[str] = frozenset({"choice", "multi_choice"})
_REFERENCE_KIND: Mapping[str, str] = MappingProxyType({"person": "Person", "location": "Location"})
_EXPECTED: Mapping[str, str] = MappingProxyType(
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


# ----------------------------------------------------------------------------------- form model
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
        errors.extend(_bound_errors(self.type, self.min, self.max))
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


def _bound_errors(field_type: str, lo: float | None, hi: float | None) -> list[str]:
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
        elif field_type not in _NUMERIC and (bound < 0 or bound != int(bound)):
            errors.append(f"a length or count bound must be a non-negative integer, got {bound!r}")
    if lo is not None and hi is not None and lo > hi:
        errors.append(f"min {_show(lo)} is greater than max {_show(hi)}")
    return errors


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
        """Whether the condition is true of ``answers`` (normalised, as :func:`validate_form`
        returns them)."""
        raw = answers.get(self.field)
        answered = not _unanswered(raw)
        op, value = self.op, self.value
        match op:
            case "answered":
                return answered
            case "not_answered":
                return not answered
            case "equals" | "not_equals":
                equal = answered and _same(raw, value)
                return equal if op == "equals" else not equal
            case "in" | "not_in":
                options = value if isinstance(value, list) else []
                found = answered and any(_same(raw, v) for v in options)
                return found if op == "in" else not found
            case "contains":
                return isinstance(raw, list) and any(_same(v, value) for v in raw)
            case _:  # gt, ge, lt, le
                if not _is_number(raw) or not _is_number(value):
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
                return f"{name} is {_show(self.value)}"
            case "not_equals":
                return f"{name} is not {_show(self.value)}"
            case "in":
                return f"{name} is one of {_show(self.value)}"
            case "not_in":
                return f"{name} is none of {_show(self.value)}"
            case "contains":
                return f"{name} includes {_show(self.value)}"
            case _:
                symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[self.op]
                return f"{name} {symbol} {_show(self.value)}"


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
    measured as for :class:`FormField` (value, length or number of selections)."""

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


# ----------------------------------------------------------------------------------- fulfilment
class TaskTemplate(BaseModel):
    """A fulfilment task: done by ``group`` (a Team id) after the tasks keyed in ``after``, and
    only when ``when`` holds for the answers (always without it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str = Field(min_length=1)
    group: str = Field(min_length=1)
    after: tuple[str, ...] = ()
    when: Condition | None = None

    @field_validator("key")
    @classmethod
    def _key_form(cls, v: str) -> str:
        if not TASK_KEY.match(v):
            raise ValueError(f"task key {v!r} must be snake_case (a-z, 0-9, _; starting with a letter)")
        return v


class FulfilmentPlan(BaseModel):
    """Task templates forming a DAG: keys distinct, every ``after`` key a task of the plan (not
    the task itself, not twice), and no cycles. Violations are refused when the plan is built,
    naming the task, or the cycle as ``a -> b -> a`` (``b`` waits for ``a`` ...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tasks: tuple[TaskTemplate, ...] = ()

    @model_validator(mode="after")
    def _dag(self) -> FulfilmentPlan:
        keys = [t.key for t in self.tasks]
        dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
        if dupes:
            raise ValueError(f"task keys must be distinct: {', '.join(dupes)} used more than once")
        known = set(keys)
        errors: list[str] = []
        for t in self.tasks:
            if t.key in t.after:
                errors.append(f"task {t.key!r} waits for itself")
            if len(set(t.after)) != len(t.after):
                errors.append(f"task {t.key!r} lists a prerequisite twice")
            errors.extend(
                f"task {t.key!r} waits for unknown task {k!r}"
                for k in t.after
                if k not in known and k != t.key
            )
        if errors:
            raise ValueError("; ".join(errors))
        cycle = _find_cycle({t.key: t.after for t in self.tasks})
        if cycle:
            path = " -> ".join(reversed(cycle))
            raise ValueError(f"tasks form a cycle (each waits for the one before it): {path}")
        return self


def _find_cycle(after: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle in the ``after`` graph as a closed path, or ``[]`` (iterative DFS, plan order)."""
    state: dict[str, int] = {}  # 1 on the path, 2 finished
    for root in after:
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(after[root])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(after[nxt]))
    return []


class PlannedTask(BaseModel):
    """A task selected for one request: ``after`` are the planned tasks it waits for (skipped
    prerequisites replaced by their own), ``stage`` its parallel step (0 first)."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    group: str
    after: tuple[str, ...]
    stage: int


def plan_tasks(plan: FulfilmentPlan, answers: Mapping[str, JsonValue]) -> list[PlannedTask]:
    """The tasks of ``plan`` whose condition holds for ``answers`` (normalised, as
    :func:`validate_form` returns them), ordered by stage and then plan order.

    A task waits for each selected prerequisite, and in place of a skipped one for that task's
    own prerequisites (transitively). ``after`` lists them in plan order, without those it
    already waits for through another (the transitive reduction). Its stage is 0 without
    prerequisites, else one more than the highest stage among them.
    """
    order = {t.key: i for i, t in enumerate(plan.tasks)}
    by_key = {t.key: t for t in plan.tasks}
    selected = {t.key for t in plan.tasks if t.when is None or t.when.holds(answers)}
    direct: dict[str, frozenset[str]] = {}  # selected tasks waited for, skipped ones substituted
    reach: dict[str, frozenset[str]] = {}  # selected tasks waited for, transitively
    stage: dict[str, int] = {}
    for key in _topological(plan):
        found: set[str] = set()
        for pre in by_key[key].after:
            found |= {pre} if pre in selected else direct[pre]
        direct[key] = frozenset(found)
        reach[key] = direct[key].union(*(reach[p] for p in found))
        if key in selected:
            stage[key] = 1 + max((stage[p] for p in found), default=-1)
    planned = [
        PlannedTask(
            key=t.key,
            title=t.title,
            group=t.group,
            after=tuple(
                sorted(
                    (p for p in direct[t.key] if not any(p in reach[q] for q in direct[t.key])),
                    key=order.__getitem__,
                )
            ),
            stage=stage[t.key],
        )
        for t in plan.tasks
        if t.key in selected
    ]
    return sorted(planned, key=lambda p: (p.stage, order[p.key]))


def _topological(plan: FulfilmentPlan) -> list[str]:
    """Task keys, prerequisites first, ties in plan order (the plan is a DAG)."""
    order = {t.key: i for i, t in enumerate(plan.tasks)}
    waiting = {t.key: len(t.after) for t in plan.tasks}
    dependents: dict[str, list[str]] = {t.key: [] for t in plan.tasks}
    for t in plan.tasks:
        for pre in t.after:
            dependents[pre].append(t.key)
    heap = [(order[k], k) for k, n in waiting.items() if n == 0]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        _, key = heapq.heappop(heap)
        out.append(key)
        for d in dependents[key]:
            waiting[d] -= 1
            if waiting[d] == 0:
                heapq.heappush(heap, (order[d], d))
    return out


def ready_tasks(planned: Sequence[PlannedTask], done: Collection[str]) -> list[str]:
    """Keys of the planned tasks not yet done whose prerequisites are all done, in the order of
    ``planned``. A key in ``done`` that is not a planned task raises ``InvalidInput``
    (``UNKNOWN_TASK``, field ``done``)."""
    keys = {p.key for p in planned}
    unknown = sorted(set(done) - keys)
    if unknown:
        raise InvalidInput.one(
            "UNKNOWN_TASK",
            f"not planned for this request: {', '.join(unknown)}; planned: {', '.join(sorted(keys))}",
            field="done",
        )
    return [p.key for p in planned if p.key not in done and all(a in done for a in p.after)]


# ----------------------------------------------------------------------------------- approvals
ApproverKind = Literal["requester_manager", "person_field", "team"]
"""Who decides an approval level (see :class:`ApprovalLevel`)."""


class ApprovalLevel(BaseModel):
    """One level of a request's approval chain, decided by one approver.

    ``approver`` says who decides:

    ``requester_manager``
        the person the requester ``REPORTS_TO`` in the graph, looked up when the request is
        submitted (a requester without a manager cannot submit the item);
    ``person_field``
        the person answered in the form field ``field``, which must be a required ``person``
        field (e.g. the hiring manager);
    ``team``
        the Team ``team`` (anyone of it).

    ``field`` belongs to ``person_field`` and ``team`` to ``team`` only. The level applies when
    any of the ``when_any`` conditions holds for the answers, always when there are none; a
    level that does not apply is skipped. ``key`` shares one namespace with the item's task
    keys (a request's tasks and approvals are stored side by side, keyed by it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str = Field(min_length=1)
    approver: ApproverKind
    field: str | None = None
    team: str | None = Field(default=None, min_length=1)
    when_any: tuple[Condition, ...] = ()

    @field_validator("key")
    @classmethod
    def _key_form(cls, v: str) -> str:
        if not TASK_KEY.match(v):
            raise ValueError(f"approval key {v!r} must be snake_case (a-z, 0-9, _; starting with a letter)")
        return v

    @model_validator(mode="after")
    def _approver_fits(self) -> ApprovalLevel:
        errors: list[str] = []
        if (self.approver == "person_field") != (self.field is not None):
            errors.append(
                "a person_field approver needs 'field'"
                if self.field is None
                else f"'field' belongs to person_field approvers, not {self.approver}"
            )
        if (self.approver == "team") != (self.team is not None):
            errors.append(
                "a team approver needs 'team'"
                if self.team is None
                else f"'team' belongs to team approvers, not {self.approver}"
            )
        if errors:
            raise ValueError(f"approval {self.key!r}: " + "; ".join(errors))
        return self

    def applies(self, answers: Mapping[str, JsonValue]) -> bool:
        """Whether the level applies to ``answers`` (normalised): any ``when_any`` condition
        holds, or there is none."""
        return not self.when_any or any(c.holds(answers) for c in self.when_any)

    def describe_approver(self) -> str:
        """Who decides, in words: ``the requester's manager``, ``the person in 'manager'``,
        ``team team-hr``."""
        match self.approver:
            case "requester_manager":
                return "the requester's manager"
            case "person_field":
                return f"the person in '{self.field}'"
            case _:
                return f"team {self.team}"


class PlannedApproval(BaseModel):
    """An approval level selected for one request: ``after`` is the previous selected level
    (empty for the first), ``stage`` its position in the chain (0 first)."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    level: ApprovalLevel
    after: tuple[str, ...]
    stage: int


class RequestPlan(BaseModel):
    """What one request goes through: its approvals in sequence, then its fulfilment tasks
    (stages numbered after the approvals'), and the keys of the levels and tasks skipped
    because their conditions do not hold (approvals first, each in item order)."""

    model_config = ConfigDict(frozen=True)

    approvals: tuple[PlannedApproval, ...]
    tasks: tuple[PlannedTask, ...]
    skipped: tuple[str, ...]


# ----------------------------------------------------------------------------------- catalog item
class CatalogItem(BaseModel):
    """Something a department offers: the form a requester fills in, the SLA policy (a
    ``tickets.sla`` policy name) and responsible group (a Team id) of the request it opens,
    its approval chain (:class:`ApprovalLevel` s, run in order before any task) and its
    fulfilment plan.

    Built only if consistent: field names distinct; every rule and task or approval condition
    names a form field (a rule not its own target); condition values are valid answers for their
    field (``contains`` only on ``multi_choice``, ``gt``/``ge``/``lt``/``le`` only on ``integer``
    and ``number``; ``equals``/``in`` never on ``multi_choice``); ``range_if`` targets a field
    that takes bounds; approval keys distinct and no task's key; a ``person_field`` approver
    names a required ``person`` field of the form.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    department: Department
    title: str = Field(min_length=1)
    description: str = ""
    form: tuple[FormField, ...] = ()
    rules: tuple[FormRule, ...] = ()
    sla_policy: str = Field(min_length=1)
    responsible_group: str = Field(min_length=1)
    approvals: tuple[ApprovalLevel, ...] = ()
    tasks: FulfilmentPlan = FulfilmentPlan()

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not ITEM_ID.match(v):
            raise ValueError(
                f"catalog item id {v!r} must be kebab-case (a-z, 0-9, -; starting with a letter)"
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> CatalogItem:
        dupes = sorted(k for k, n in Counter(f.name for f in self.form).items() if n > 1)
        if dupes:
            raise ValueError(f"form field names must be distinct: {', '.join(dupes)} used more than once")
        fields = self.fields
        errors: list[str] = []
        for i, rule in enumerate(self.rules):
            where = f"rules[{i}] ({rule.kind} {rule.field!r})"
            target = fields.get(rule.field)
            if target is None:
                errors.append(f"{where}: the form has no field {rule.field!r}")
            elif rule.field == rule.when.field:
                errors.append(f"{where}: a rule cannot be conditioned on its own field")
            elif isinstance(rule, RangeIf):
                errors.extend(f"{where}: {e}" for e in _bound_errors(target.type, rule.min, rule.max))
            errors.extend(f"{where}: {e}" for e in _condition_errors(rule.when, fields))
        for t in self.tasks.tasks:
            if t.when is not None:
                errors.extend(f"task {t.key!r}: {e}" for e in _condition_errors(t.when, fields))
        errors.extend(_approval_errors(self.approvals, fields, {t.key for t in self.tasks.tasks}))
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def team_references(self) -> list[tuple[str, str]]:
        """Every Team id the item names, as ``(field path, team id)``: the responsible group,
        team approvers (``approvals.<i>.team``) and task groups (``tasks.tasks.<i>.group``);
        paths as :meth:`from_data` reports them."""
        refs = [("responsible_group", self.responsible_group)]
        refs += [(f"approvals.{i}.team", a.team) for i, a in enumerate(self.approvals) if a.team is not None]
        refs += [(f"tasks.tasks.{i}.group", t.group) for i, t in enumerate(self.tasks.tasks)]
        return refs

    def to_data(self) -> dict[str, JsonValue]:
        """The item as plain JSON data without default values (compact, for storing), such
        that ``CatalogItem.from_data(item.to_data()) == item``. Rules keep their ``kind``."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_defaults=True)
        for rule, dumped in zip(self.rules, data.get("rules", ()), strict=True):
            dumped["kind"] = rule.kind
        return data

    @property
    def fields(self) -> Mapping[str, FormField]:
        """The form's fields by name."""
        return {f.name: f for f in self.form}

    @classmethod
    def from_data(cls, data: Any, where: str = "") -> CatalogItem:
        """Validate plain data (e.g. from a YAML file) into an item; errors raise
        ``InvalidInput`` with one ``INVALID_CATALOG_ITEM`` problem per error, ``field`` its path."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(
                [
                    Problem(
                        "INVALID_CATALOG_ITEM",
                        e["msg"].removeprefix("Value error, "),
                        where=where,
                        field=".".join(str(p) for p in e["loc"]),
                    )
                    for e in exc.errors()
                ]
            ) from None


def _approval_errors(
    approvals: Sequence[ApprovalLevel], fields: Mapping[str, FormField], task_keys: Collection[str]
) -> list[str]:
    """Why the approval chain does not fit the item (empty when it does)."""
    errors: list[str] = []
    dupes = sorted(k for k, n in Counter(a.key for a in approvals).items() if n > 1)
    if dupes:
        errors.append(f"approval keys must be distinct: {', '.join(dupes)} used more than once")
    for a in approvals:
        where = f"approval {a.key!r}"
        if a.key in task_keys:
            errors.append(f"{where}: a task has the same key (approvals and tasks share their keys)")
        if a.field is not None:
            subject = fields.get(a.field)
            if subject is None:
                errors.append(f"{where}: the form has no field {a.field!r}")
            elif subject.type != "person":
                errors.append(f"{where}: field {a.field!r} is a {subject.type} field, not a person field")
            elif not subject.required:
                errors.append(f"{where}: field {a.field!r} must be required (the approver must be named)")
        for cond in a.when_any:
            errors.extend(f"{where}: {e}" for e in _condition_errors(cond, fields))
    return errors


def _condition_errors(cond: Condition, fields: Mapping[str, FormField]) -> list[str]:
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
        return [] if value in subject.choices else [f"{_show(value)} is not a choice of {cond.field!r}"]
    if ftype == "multi_choice":
        return [f"use 'contains' (or answered / not_answered) on multi_choice field {cond.field!r}"]
    if op in ("gt", "ge", "lt", "le"):
        return [] if ftype in _NUMERIC else [f"{op!r} applies to integer and number fields, not {ftype}"]
    values = value if isinstance(value, list) else [value]
    errors: list[str] = []
    for v in values:
        try:
            normal = _normalise(subject, v)
        except _Bad as bad:
            errors.append(f"{_show(v)} can never be an answer of {cond.field!r}: {bad.message}")
            continue
        if not _same(normal, v):  # answers are compared normalised: " a " would never match
            errors.append(f"{_show(v)} is compared with normalised answers: write it as {_show(normal)}")
    return errors


def plan_request(item: CatalogItem, answers: Mapping[str, JsonValue]) -> RequestPlan:
    """The approvals and tasks a request for ``item`` with ``answers`` (normalised, as
    :func:`validate_form` returns them) goes through.

    The levels that apply run one after another, in item order. Tasks are planned as by
    :func:`plan_tasks`; those without prerequisites wait for the last approval, and every task
    stage comes after the approval stages.

    >>> plan = plan_request(DEMO_CATALOG["hr-onboarding"], {"permissions": ["email"], "laptop": "none"})
    >>> [(a.stage, a.key, a.after) for a in plan.approvals]
    [(0, 'manager_approval', ()), (1, 'hr_approval', ('manager_approval',))]
    >>> [(t.stage, t.key, t.after) for t in plan.tasks][:2]
    [(2, 'account_creation', ('hr_approval',)), (2, 'permissions', ('hr_approval',))]
    >>> plan.skipped
    ('security_approval', 'laptop')
    """
    approvals: list[PlannedApproval] = []
    for level in item.approvals:
        if level.applies(answers):
            after = (approvals[-1].key,) if approvals else ()
            approvals.append(
                PlannedApproval(
                    key=level.key, title=level.title, level=level, after=after, stage=len(approvals)
                )
            )
    last = (approvals[-1].key,) if approvals else ()
    tasks = tuple(
        t.model_copy(update={"after": t.after or last, "stage": t.stage + len(approvals)})
        for t in plan_tasks(item.tasks, answers)
    )
    kept = {a.key for a in approvals} | {t.key for t in tasks}
    skipped = [a.key for a in item.approvals if a.key not in kept]
    skipped += [t.key for t in item.tasks.tasks if t.key not in kept]
    return RequestPlan(approvals=tuple(approvals), tasks=tasks, skipped=tuple(skipped))


# ----------------------------------------------------------------------------------- validation
class _Bad(Exception):
    """One field's problem, raised inside :func:`_normalise`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def validate_form(
    item: CatalogItem,
    answers: Mapping[str, JsonValue],
    *,
    known_refs: KnownRefs | None = None,
) -> dict[str, JsonValue]:
    """The answers to ``item``'s form, normalised (module docstring: typing policy), in form
    order and without unanswered optional fields; or ``InvalidInput`` listing one problem per
    bad field (codes in the module docstring), in form order, then unknown answers, then rules.

    ``known_refs(kind, id)`` (:data:`KnownRefs`) is asked about every answered ``person``,
    ``location`` and ``ci`` id; without it references are only type-checked.
    """
    problems: list[Problem] = []

    def problem(code: str, message: str, field: str) -> None:
        problems.append(Problem(code, message, where=item.id, field=field))

    result: dict[str, JsonValue] = {}
    bad: set[str] = set()
    for f in item.form:
        raw = answers.get(f.name)
        if _unanswered(raw):
            if f.required:
                problem("FIELD_REQUIRED", f"{f.label} is required ({_EXPECTED[f.type]})", f.name)
                bad.add(f.name)
            continue
        try:
            value = _normalise(f, raw)
            kind = f.reference_kind
            if kind is not None and known_refs is not None and not known_refs(kind, str(value)):
                raise _Bad("FIELD_REFERENCE", f"no {kind or 'CI'} with id {value!r}")
        except _Bad as exc:
            problem(exc.code, exc.message, f.name)
            bad.add(f.name)
            continue
        if value is not None:
            result[f.name] = value
    fields = item.fields
    for name in sorted(k for k in answers if k not in fields):
        problem("FIELD_UNKNOWN", f"the form has no field {name!r}", name)
    for rule in item.rules:
        if rule.field in bad or rule.when.field in bad or not rule.when.holds(result):
            continue
        message = _rule_violation(rule, fields[rule.field], result.get(rule.field))
        if message is not None:
            problem("RULE_VIOLATED", rule.message or message, rule.field)
            bad.add(rule.field)
    if problems:
        raise InvalidInput(problems)
    return result


def _rule_violation(
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
    out = _out_of_range(target.type, value, rule.min, rule.max)
    return f"{out} when {cond}" if out else None


def _normalise(f: FormField, raw: JsonValue) -> JsonValue:
    """The normalised answer to ``f`` (answered ``raw``), or :class:`_Bad`."""
    t = f.type
    value: JsonValue = raw.strip() if isinstance(raw, str) and t in _STRIPPED else raw
    expected = _EXPECTED[t]
    wrong = _Bad("FIELD_TYPE", f"expected {expected}, got {_show_typed(raw)}")
    match t:
        case "string" | "text" | "email" | "person" | "location" | "ci":
            if not isinstance(value, str):
                raise wrong
            if t != "text" and ("\n" in value or "\r" in value):
                raise _Bad("FIELD_TYPE", f"expected {expected}, got several lines")
            if t == "email" and not EMAIL_FORM.match(value):
                raise _Bad("FIELD_TYPE", f"expected {expected}, got {value!r}")
        case "integer":
            if isinstance(value, float) and math.isfinite(value) and value == int(value):
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise wrong
        case "number":
            if not _is_number(value) or not math.isfinite(value):
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
                raise _Bad("FIELD_TYPE", f"{value!r} is not a calendar date (YYYY-MM-DD)") from None
        case "choice":
            if not isinstance(value, str):
                raise wrong
            if value not in f.choices:
                raise _Bad("FIELD_CHOICE", f"{value!r} is not one of: {', '.join(f.choices)}")
        case "multi_choice":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise wrong
            unknown = [v for v in value if v not in f.choices]
            if unknown:
                raise _Bad(
                    "FIELD_CHOICE",
                    f"{', '.join(repr(v) for v in unknown)} not among the choices: {', '.join(f.choices)}",
                )
            value = [c for c in f.choices if c in value]
    out = _out_of_range(t, value, f.min, f.max)
    if out:
        raise _Bad("FIELD_RANGE", out)
    if f.pattern is not None and isinstance(value, str) and not re.fullmatch(f.pattern, value):
        hint = f" ({f.help})" if f.help else ""
        raise _Bad("FIELD_PATTERN", f"{value!r} does not match the pattern {f.pattern}{hint}")
    return value


def _out_of_range(field_type: str, value: JsonValue, lo: float | None, hi: float | None) -> str | None:
    """What is wrong with ``value``'s size against ``[lo, hi]``, or ``None``."""
    if field_type in _NUMERIC and _is_number(value):
        size, unit, shown = float(value), "", _show(value)
    elif field_type in _LENGTH and isinstance(value, str):
        size, unit, shown = len(value), " characters", str(len(value))
    elif field_type == "multi_choice" and isinstance(value, list):
        size, unit, shown = len(value), " selections", str(len(value))
    else:
        return None
    if lo is not None and size < lo:
        return f"expected at least {_show(lo)}{unit}, got {shown}"
    if hi is not None and size > hi:
        return f"expected at most {_show(hi)}{unit}, got {shown}"
    return None


def _unanswered(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: object, b: object) -> bool:
    """Equality that never confuses booleans with numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _show(value: object) -> str:
    """A value as the messages print it: numbers without a spurious ``.0``, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _show_typed(value: object) -> str:
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}
    return f"{_show(value) if not isinstance(value, dict) else '{...}'} ({kind.get(type(value), 'value')})"


# ----------------------------------------------------------------------------------- demo catalog
_F = FormField
_C = Condition.of


def _task(key: str, title: str, group: str, *after: str, when: Condition | None = None) -> TaskTemplate:
    return TaskTemplate(key=key, title=title, group=group, after=after, when=when)


def _approval(
    key: str,
    title: str,
    approver: ApproverKind,
    *,
    field: str | None = None,
    team: str | None = None,
    when_any: tuple[Condition, ...] = (),
) -> ApprovalLevel:
    return ApprovalLevel(key=key, title=title, approver=approver, field=field, team=team, when_any=when_any)


SENSITIVE_PERMISSIONS = ("hr-suite", "erp-finance", "code-repository")
"""Onboarding permissions that need the security approval: systems holding personal data,
money or source code. ``email`` and ``vpn`` are what every hire gets; ``crm`` is read-mostly."""


_HR_ONBOARDING = CatalogItem(
    id="hr-onboarding",
    department="hr",
    title="Onboard a new employee",
    description="Everything a new hire needs on day one: accounts, access, equipment and training.",
    form=(
        _F(name="new_hire_name", label="Full name of the new hire", required=True, max=120),
        _F(name="personal_email", label="Personal email", type="email", help="for the welcome pack"),
        _F(name="position", label="Position", required=True, max=120),
        _F(name="manager", label="Hiring manager", type="person", required=True),
        _F(name="start_date", label="Start date", type="date", required=True),
        _F(name="remote", label="Fully remote", type="boolean"),
        _F(name="location", label="Desk location", type="location", help="building floor of the desk"),
        _F(
            name="permissions",
            label="Access needed",
            type="multi_choice",
            choices=("email", "vpn", "hr-suite", "erp-finance", "code-repository", "crm"),
            min=1,
        ),
        _F(
            name="laptop",
            label="Laptop",
            type="choice",
            required=True,
            choices=("none", "standard", "developer", "executive"),
        ),
    ),
    rules=(
        RequiredIf(
            field="location",
            when=_C("remote", "not_equals", True),
            message="a desk location is required unless the new hire is fully remote",
        ),
    ),
    sla_policy="hr-onboarding",
    responsible_group="team-hr",
    approvals=(
        _approval(
            "manager_approval",
            "Hiring manager approves the access and equipment asked for",
            "person_field",
            field="manager",
        ),
        _approval("hr_approval", "HR confirms the position and start date", "team", team="team-hr"),
        _approval(
            "security_approval",
            "Security approves access to sensitive systems",
            "team",
            team="team-it",
            when_any=tuple(_C("permissions", "contains", p) for p in SENSITIVE_PERMISSIONS),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("account_creation", "Create directory and email accounts", "team-it-service-desk"),
            _task("permissions", "Grant the requested access", "team-it-service-desk"),
            _task(
                "laptop",
                "Prepare and ship the laptop",
                "team-it-service-desk",
                when=_C("laptop", "not_equals", "none"),
            ),
            _task("training", "Enrol in induction training", "team-hr"),
            _task(
                "first_day_check",
                "First-day check with the new hire",
                "team-hr",
                "account_creation",
                "permissions",
                "laptop",
                "training",
            ),
        )
    ),
)

_FAC_MAINTENANCE = CatalogItem(
    id="fac-maintenance",
    department="facilities",
    title="Report a building maintenance issue",
    description="Heating, power, plumbing, lighting, furniture or cleaning on a floor.",
    form=(
        _F(name="location", label="Floor or room", type="location", required=True),
        _F(
            name="zone",
            label="Zone of the floor",
            type="choice",
            required=True,
            choices=("north", "south", "east", "west", "core"),
        ),
        _F(
            name="issue_type",
            label="Issue type",
            type="choice",
            required=True,
            choices=("hvac", "electrical", "plumbing", "lighting", "furniture", "cleaning", "other"),
        ),
        _F(
            name="asset_tag",
            label="Asset tag",
            pattern="FAC-[0-9]{6}",
            help="FAC- and six digits, on the sticker of the equipment",
        ),
        _F(name="people_affected", label="People affected", type="integer", min=1, max=5000),
        _F(name="details", label="What is wrong", type="text", max=4000),
    ),
    rules=(
        RequiredIf(field="details", when=_C("issue_type", "equals", "other")),
        RequiredIf(field="asset_tag", when=_C("issue_type", "in", ["hvac", "electrical"])),
    ),
    sla_policy="facilities-maintenance",
    responsible_group="team-fac",
    tasks=FulfilmentPlan(
        tasks=(
            _task("triage", "Triage and schedule", "team-fac"),
            _task(
                "repair",
                "Repair on site",
                "team-fac",
                "triage",
                when=_C("issue_type", "not_equals", "cleaning"),
            ),
            _task(
                "cleaning",
                "Clean the area",
                "team-fac",
                "triage",
                when=_C("issue_type", "equals", "cleaning"),
            ),
            _task(
                "safety_check",
                "Electrical safety check",
                "team-fac",
                "repair",
                when=_C("issue_type", "equals", "electrical"),
            ),
            _task(
                "close_out", "Confirm with the requester", "team-fac", "repair", "cleaning", "safety_check"
            ),
        )
    ),
)

_FIN_INVOICE = CatalogItem(
    id="fin-invoice-payment",
    department="finance",
    title="Pay a supplier invoice",
    description="Submit a supplier invoice for approval and payment against a budget.",
    form=(
        _F(name="supplier", label="Supplier", required=True, max=200),
        _F(
            name="invoice_number",
            label="Invoice number",
            required=True,
            pattern=r"[A-Za-z0-9][A-Za-z0-9/-]{2,29}",
            help="3 to 30 letters, digits, / or -",
        ),
        _F(
            name="budget_code",
            label="Budget code",
            required=True,
            pattern="^[A-Z]{2}-[0-9]{4}$",
            help="two capital letters, a dash and four digits, e.g. FI-2041",
        ),
        _F(name="amount", label="Amount", type="number", required=True, min=0),
        _F(
            name="currency",
            label="Currency",
            type="choice",
            required=True,
            choices=("EUR", "USD", "GBP", "CHF"),
        ),
        _F(name="due_date", label="Due date", type="date", required=True),
        _F(name="purchase_order", label="Purchase order", pattern="PO-[0-9]{6}", help="PO- and six digits"),
    ),
    rules=(
        RequiredIf(
            field="purchase_order",
            when=_C("amount", "gt", 10_000),
            message="invoices above 10000 need a purchase order",
        ),
    ),
    sla_policy="finance-invoice",
    responsible_group="team-fin",
    approvals=(
        _approval(
            "controller_approval",
            "Finance controller approves a payment above 50000",
            "team",
            team="team-fin",
            when_any=(_C("amount", "gt", 50_000),),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("verify_invoice", "Verify the invoice against the order and receipt", "team-fin"),
            _task(
                "budget_approval",
                "Budget owner approves",
                "team-fin",
                "verify_invoice",
                when=_C("amount", "gt", 5_000),
            ),
            _task("schedule_payment", "Schedule the payment run", "team-fin", "budget_approval"),
            _task("post_ledger", "Post to the general ledger", "team-fin", "schedule_payment"),
        )
    ),
)

_LEGAL_CONTRACT = CatalogItem(
    id="legal-contract-review",
    department="legal",
    title="Review a contract",
    description="Legal review and signature of a contract with a counterparty.",
    form=(
        _F(
            name="contract_type",
            label="Contract type",
            type="choice",
            required=True,
            choices=("nda", "msa", "sow", "purchase", "licence", "employment"),
        ),
        _F(name="counterparty", label="Counterparty", required=True, max=200),
        _F(name="amount", label="Contract value", type="number", min=0),
        _F(
            name="confidentiality",
            label="Confidentiality level",
            type="choice",
            required=True,
            choices=("public", "internal", "confidential", "restricted"),
        ),
        _F(name="contract_owner", label="Contract owner", type="person", required=True),
        _F(name="signature_deadline", label="Sign by", type="date"),
    ),
    rules=(
        RequiredIf(field="amount", when=_C("contract_type", "in", ["msa", "sow", "purchase", "licence"])),
        ForbiddenIf(
            field="amount",
            when=_C("contract_type", "equals", "nda"),
            message="an NDA has no contract value",
        ),
        RangeIf(
            field="amount",
            when=_C("confidentiality", "equals", "public"),
            max=100_000,
            message="contracts above 100000 cannot be public: choose internal or higher",
        ),
    ),
    sla_policy="legal-contract-review",
    responsible_group="team-legal",
    approvals=(
        _approval(
            "counsel_approval",
            "General counsel approves taking on a large or restricted contract",
            "team",
            team="team-legal",
            when_any=(_C("amount", "gt", 100_000), _C("confidentiality", "equals", "restricted")),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("intake", "Intake and conflict check", "team-legal"),
            _task("legal_review", "Review the terms", "team-legal", "intake"),
            _task(
                "finance_review",
                "Finance review of the commitment",
                "team-fin",
                "intake",
                when=_C("amount", "gt", 100_000),
            ),
            _task(
                "privacy_review",
                "Privacy and security review",
                "team-legal",
                "intake",
                when=_C("confidentiality", "equals", "restricted"),
            ),
            _task(
                "signature",
                "Collect signatures",
                "team-legal",
                "legal_review",
                "finance_review",
                "privacy_review",
            ),
        )
    ),
)

_IT_SOFTWARE = CatalogItem(
    id="it-software-request",
    department="it",
    title="Request software",
    description="Get an application installed or access to it, with a licence if needed.",
    form=(
        _F(name="application", label="Application", type="ci", ci_kind="Application", required=True),
        _F(
            name="justification", label="Business justification", type="text", required=True, min=20, max=2000
        ),
        _F(
            name="licence",
            label="Licence",
            type="choice",
            required=True,
            choices=("existing", "new"),
            help="new when no spare licence is assigned to your team",
        ),
        _F(name="needed_by", label="Needed by", type="date"),
    ),
    sla_policy="it-software-request",
    responsible_group="team-it",
    approvals=(
        _approval(
            "manager_approval",
            "Your manager approves the cost of a new licence",
            "requester_manager",
            when_any=(_C("licence", "equals", "new"),),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("approval", "Licence approval", "team-it", when=_C("licence", "equals", "new")),
            _task(
                "procure_licence",
                "Buy the licence",
                "team-fin",
                "approval",
                when=_C("licence", "equals", "new"),
            ),
            _task("install", "Install and grant access", "team-it-service-desk", "procure_licence"),
            _task("confirm", "Confirm it works with the requester", "team-it-service-desk", "install"),
        )
    ),
)

DEMO_CATALOG: Mapping[str, CatalogItem] = MappingProxyType(
    {i.id: i for i in (_HR_ONBOARDING, _FAC_MAINTENANCE, _FIN_INVOICE, _LEGAL_CONTRACT, _IT_SOFTWARE)}
)
"""One realistic item per department, by id. Groups and approving teams are team ids the demo
enterprise has at every size (``team-hr``, ``team-fac``, ``team-fin``, ``team-legal``,
``team-it``, ``team-it-service-desk``): so onboarding's security approval goes to ``team-it``,
the IT department's root team (its security squads exist only in larger demos).
``sla_policy`` names the policy the submitting service looks up.

Approvals: onboarding goes to the hiring manager, then HR, then security when a
:data:`SENSITIVE_PERMISSIONS` access is asked for; a new software licence to the requester's
manager; an invoice above 50000 to the finance controller; a contract above 100000 or
restricted to the general counsel. Facilities repairs need none.

Every text is free of quotes and backslashes (patterns use ``[0-9]``, not ``\\d``): FalkorDB's
Bolt listener cannot store them."""
