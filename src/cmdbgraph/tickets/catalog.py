"""The service catalog item: what a department offers, checked as a whole, and what a request
for it goes through: its answers validated, its approvals and tasks planned (pure; no I/O).

A :class:`CatalogItem` is something a department offers (``hr-onboarding``,
``fin-invoice-payment`` ...): a form (:class:`~cmdbgraph.tickets.catalog_form.FormField` s plus
cross-field :data:`~cmdbgraph.tickets.catalog_rules.FormRule` s), the SLA policy and responsible
team of the request it opens, a chain of :class:`~cmdbgraph.tickets.catalog_plan.ApprovalLevel` s
and a :class:`~cmdbgraph.tickets.catalog_plan.FulfilmentPlan` of task templates. Everything is
declarative data (no expressions are evaluated), checked when it is built: an item whose rules
or conditions name a field the form does not have, or compare it with a value it can never take,
is refused (pydantic ``ValidationError``; :meth:`CatalogItem.from_data` turns that into
``InvalidInput`` / ``INVALID_CATALOG_ITEM``). :meth:`CatalogItem.to_data` is the compact plain
data it reads back. The demo items are in :mod:`cmdbgraph.tickets.catalog_demo`.

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
    the value has the wrong JSON type or form (see the typing policy in
    :mod:`cmdbgraph.tickets.catalog_form`: strict, no guessing).
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

Planning a request
------------------
:func:`plan_request` plans what a request with validated answers goes through: the approval
levels that apply, in sequence, then the fulfilment tasks whose conditions hold, those without
prerequisites waiting for the last approval (the rules are in
:mod:`cmdbgraph.tickets.catalog_plan`; ``tickets.requests`` stores and works the result).

>>> from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
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

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

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
from cmdbgraph.tickets.catalog_form import (
    EXPECTED_ANSWER,
    BadAnswer,
    FormField,
    KnownRefs,
    bound_errors,
    normalise_answer,
    unanswered,
)
from cmdbgraph.tickets.catalog_plan import (
    ApprovalLevel,
    FulfilmentPlan,
    PlannedApproval,
    RequestPlan,
    plan_tasks,
)
from cmdbgraph.tickets.catalog_rules import FormRule, RangeIf, condition_errors, rule_violation

Department = Literal["hr", "facilities", "finance", "legal", "it"]

ITEM_ID = re.compile(r"^[a-z][a-z0-9-]*$")


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
                errors.extend(f"{where}: {e}" for e in bound_errors(target.type, rule.min, rule.max))
            errors.extend(f"{where}: {e}" for e in condition_errors(rule.when, fields))
        for t in self.tasks.tasks:
            if t.when is not None:
                errors.extend(f"task {t.key!r}: {e}" for e in condition_errors(t.when, fields))
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
            errors.extend(f"{where}: {e}" for e in condition_errors(cond, fields))
    return errors


def validate_form(
    item: CatalogItem,
    answers: Mapping[str, JsonValue],
    *,
    known_refs: KnownRefs | None = None,
) -> dict[str, JsonValue]:
    """The answers to ``item``'s form, normalised (the typing policy of
    :mod:`~cmdbgraph.tickets.catalog_form`), in form order and without unanswered optional
    fields; or ``InvalidInput`` listing one problem per bad field (codes in the module
    docstring), in form order, then unknown answers, then rules.

    ``known_refs(kind, id)`` (:data:`~cmdbgraph.tickets.catalog_form.KnownRefs`) is asked
    about every answered ``person``, ``location`` and ``ci`` id; without it references are only
    type-checked.
    """
    problems: list[Problem] = []

    def problem(code: str, message: str, field: str) -> None:
        problems.append(Problem(code, message, where=item.id, field=field))

    result: dict[str, JsonValue] = {}
    bad: set[str] = set()
    for f in item.form:
        raw = answers.get(f.name)
        if unanswered(raw):
            if f.required:
                problem("FIELD_REQUIRED", f"{f.label} is required ({EXPECTED_ANSWER[f.type]})", f.name)
                bad.add(f.name)
            continue
        try:
            value = normalise_answer(f, raw)
            kind = f.reference_kind
            if kind is not None and known_refs is not None and not known_refs(kind, str(value)):
                raise BadAnswer("FIELD_REFERENCE", f"no {kind or 'CI'} with id {value!r}")
        except BadAnswer as exc:
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
        message = rule_violation(rule, fields[rule.field], result.get(rule.field))
        if message is not None:
            problem("RULE_VIOLATED", rule.message or message, rule.field)
            bad.add(rule.field)
    if problems:
        raise InvalidInput(problems)
    return result


def plan_request(item: CatalogItem, answers: Mapping[str, JsonValue]) -> RequestPlan:
    """The approvals and tasks a request for ``item`` with ``answers`` (normalised, as
    :func:`validate_form` returns them) goes through.

    The levels that apply run one after another, in item order. Tasks are planned as by
    :func:`plan_tasks`; those without prerequisites wait for the last approval, and every task
    stage comes after the approval stages.

    >>> from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
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
