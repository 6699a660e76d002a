"""Fulfilment plans and approval chains of catalog items, and how they are planned for one
request (pure; no I/O).

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
An item's approval levels (:class:`ApprovalLevel`) run one after another, in order, before any
task: each is decided by the requester's manager (``REPORTS_TO`` in the graph), by the person a
form field names, or by a team, and applies only when one of its ``when_any`` conditions holds.
:func:`~cmdbgraph.tickets.catalog.plan_request` plans both into a :class:`RequestPlan`: the
levels that apply in sequence (:class:`PlannedApproval`), then the tasks (:class:`PlannedTask`),
those without prerequisites waiting for the last approval (``tickets.requests`` stores and works
the result).

>>> plan = FulfilmentPlan(tasks=(
...     TaskTemplate(key="order", title="Order", group="team-fac"),
...     TaskTemplate(key="deliver", title="Deliver", group="team-fac", after=("order",)),
... ))
>>> [(t.stage, t.key, t.after) for t in plan_tasks(plan, {})]
[(0, 'order', ()), (1, 'deliver', ('order',))]
>>> ready_tasks(plan_tasks(plan, {}), done={"order"})
['deliver']
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.tickets.catalog_rules import Condition

TASK_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


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
    :func:`~cmdbgraph.tickets.catalog.validate_form` returns them), ordered by stage and then plan order.

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
