"""Catalog requests on a :class:`GraphStore` (either backend): ordering a catalog item opens a
service request with its approvals and fulfilment tasks, which are then worked one at a time.

In the graph
------------
- The request is a ``ServiceRequest`` ticket (:mod:`cmdbgraph.tickets.model`) whose extra
  attributes are ``catalog_item``, ``form`` (the validated answers), ``department``,
  ``sla_policy`` and ``channel`` (``portal``). It is ``REQUESTED_BY`` the requester,
  ``ASSIGNED_TO`` the item's responsible group and ``ORDERED_FROM`` the ``CatalogItem`` node.
- Every approval level and task of the item is a ``FulfilmentTask`` node with id
  ``<request id>-<key>``, ``TASK_OF`` the request and ``ASSIGNED_TO`` its group, or its
  approver (a person, or a team); skipped ones are assigned to nobody. Attributes: ``title``,
  ``key``, ``task_type`` (``approval`` or ``task``), ``state``, ``after`` (the keys it waits
  for), ``stage`` (not for skipped ones), ``position`` (its place in the item: approvals, then
  tasks), ``opened_at`` (when it became ready), ``finished_at``, ``actor`` and ``note``.

Task states
-----------
::

    waiting  --its prerequisites are finished-->  ready
    ready    --complete-->  done        (tasks)
    ready    --approve-->   approved    (approvals)
    ready    --reject-->    rejected    (approvals; every waiting or ready task is cancelled)
    skipped                             (its conditions do not hold for the answers)

``done``, ``approved`` and ``skipped`` are *finished*: in the batch that finishes a task, every
waiting task whose prerequisites are now all finished becomes ready. The approvals that apply
run in sequence (:func:`~cmdbgraph.tickets.catalog.plan_request`); tasks without prerequisites
wait for the last one. Any other move is refused with ``ILLEGAL_TASK_MOVE`` (``where`` the task
id; field ``state`` for a task that is not ready, ``task_type`` for completing an approval or
approving a task, ``request`` once the request is resolved, closed or cancelled).

The request follows the ticket lifecycle (:func:`~cmdbgraph.tickets.lifecycle.transition`,
every step appended to its timeline): ``assigned`` when submitted, ``in_progress`` once no
approval is outstanding (at once when none applies), ``resolved`` when every task is finished,
``cancelled`` when an approval is rejected (the rejection note also becomes a comment).

Checks
------
Every operation reads what it needs, checks everything, then writes one batch (or nothing).
:meth:`RequestService.submit` refuses an unknown item (``CINotFound``); a requester that is not
a Person (``UNKNOWN_REFERENCE`` / ``WRONG_KIND``, field ``requester``); bad answers (the
:func:`~cmdbgraph.tickets.catalog.validate_form` codes with field ``form.<name>``, among them
``FIELD_REFERENCE`` for a ``person`` / ``location`` / ``ci`` answer that is no CI of the right
kind); an approver it cannot find (``APPROVER_NOT_FOUND``: field ``requester`` when the
requester reports to no one, ``approvals.<key>`` for a team that is gone); a responsible group
or task group that is no Team (``UNKNOWN_REFERENCE`` / ``WRONG_KIND``, field
``responsible_group`` or ``tasks.<key>.group``); and an id already in use (``ID_TAKEN``, field
``id``). Who may approve is not checked here (the actor is recorded): that is issue 6's.

A move reads the request, then writes: two moves on one request at the same moment (from two
processes) may each miss the other's outcome, as the store offers no compare-and-set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.catalog import CatalogItem, plan_request, validate_form
from cmdbgraph.tickets.catalog_plan import RequestPlan
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.lifecycle import Event, TicketState, TicketType, transition
from cmdbgraph.tickets.model import Comment, NewTicket, StateChange, Ticket, ticket_batch
from cmdbgraph.tickets.service import TicketService, random_ticket_id

Clock = Callable[[], datetime]

TASK_KIND = "FulfilmentTask"
TASK_OF = "TASK_OF"
ORDERED_FROM = "ORDERED_FROM"
ASSIGNED_TO = "ASSIGNED_TO"
REPORTS_TO = "REPORTS_TO"
_CLOSED_REQUEST = frozenset({TicketState.RESOLVED, TicketState.CLOSED, TicketState.CANCELLED})


class TaskType(StrEnum):
    """An approval (approved or rejected) or a task (completed)."""

    APPROVAL = "approval"
    TASK = "task"


class TaskState(StrEnum):
    """Where a fulfilment task or approval is (module docstring)."""

    WAITING = "waiting"
    READY = "ready"
    DONE = "done"
    APPROVED = "approved"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


FINISHED: frozenset[TaskState] = frozenset({TaskState.DONE, TaskState.APPROVED, TaskState.SKIPPED})
"""States that let the tasks waiting for a task go ahead."""
OPEN: frozenset[TaskState] = frozenset({TaskState.WAITING, TaskState.READY})
"""States of a task still to be worked."""


class RequestTask(BaseModel):
    """A stored approval or fulfilment task of a catalog request. ``group`` is the Team it is
    assigned to, ``assignee`` the Person (an approver); ``opened_at`` is when it became ready,
    ``finished_at``/``actor``/``note`` say how it ended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    request: str
    key: str
    title: str
    task_type: TaskType
    state: TaskState
    after: tuple[str, ...] = ()
    stage: int | None = None
    position: int
    group: str | None = None
    assignee: str | None = None
    opened_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    actor: str | None = None
    note: str | None = None


class CatalogRequest(BaseModel):
    """A catalog request: its ticket and its tasks (by stage, then item order; skipped last)."""

    model_config = ConfigDict(frozen=True)

    ticket: Ticket
    tasks: tuple[RequestTask, ...]

    def task(self, key: str) -> RequestTask:
        """The task or approval with this key (``KeyError`` if the request has none)."""
        for t in self.tasks:
            if t.key == key:
                return t
        raise KeyError(key)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _order(task: RequestTask) -> tuple[int, int, int]:
    return (task.stage is None, task.stage or 0, task.position)


class RequestService:
    """Catalog requests on ``store``. ``clock`` and ``new_id`` (the request id) are injectable
    for tests and the demo."""

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        new_id: Callable[[TicketType], str] = random_ticket_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.catalog = CatalogStore(store)
        self._tickets = TicketService(store, clock=clock)

    # -- reading -----------------------------------------------------------------------------
    def get(self, request_id: str) -> CatalogRequest:
        """The request and its tasks. ``CINotFound`` when the id names no ticket;
        ``NOT_A_CATALOG_REQUEST`` (field ``request``) for a ticket not ordered from the catalog."""
        ticket = self._tickets.get(request_id)
        if ticket.type is not TicketType.SERVICE_REQUEST or "catalog_item" not in ticket.extra:
            raise InvalidInput.one(
                "NOT_A_CATALOG_REQUEST",
                f"{request_id!r} is a {ticket.type.value} not ordered from the service catalog",
                where=request_id,
                field="request",
            )
        return CatalogRequest(ticket=ticket, tasks=tuple(sorted(self._tasks_of(request_id), key=_order)))

    def tasks(self, request_id: str) -> list[RequestTask]:
        """The request's approvals and tasks, by stage then item order (skipped ones last)."""
        return list(self.get(request_id).tasks)

    def _tasks_of(self, request_id: str) -> Iterable[RequestTask]:
        for n in self.store.neighbours(request_id, Direction.IN, [TASK_OF]):
            if n.direction == "in" and n.ci.kind == TASK_KIND:
                assigned = [
                    m.ci
                    for m in self.store.neighbours(n.ci.id, Direction.OUT, [ASSIGNED_TO])
                    if m.direction == "out"
                ]
                yield _task_from(n.ci, request_id, assigned)

    # -- submitting --------------------------------------------------------------------------
    def submit(
        self, item_id: str, answers: Mapping[str, JsonValue], requester: str, *, actor: str
    ) -> CatalogRequest:
        """Order ``item_id`` for ``requester`` with the form ``answers``: validate, resolve the
        approvers, then write the request and all its tasks in one batch (module docstring)."""
        item = self.catalog.get(item_id)
        problems = self._requester_problems(item, requester)
        form: dict[str, JsonValue] = {}
        try:
            form = validate_form(item, answers, known_refs=self._known)
        except InvalidInput as refused:
            problems += [replace(p, field=f"form.{p.field}") for p in refused.problems]
        if problems:
            raise InvalidInput(problems)
        plan = plan_request(item, form)
        assignments = self._assignments(item, plan, requester, form, problems)
        request_id = self.new_id(TicketType.SERVICE_REQUEST)
        keys = [a.key for a in item.approvals] + [t.key for t in item.tasks.tasks]
        taken = [i for i in (request_id, *(f"{request_id}-{k}" for k in keys)) if self.store.find_ci(i)]
        if taken:
            problems.append(
                Problem("ID_TAKEN", f"ids already in use: {', '.join(taken)}", where=item.id, field="id")
            )
        if problems:
            raise InvalidInput(problems)

        now = self.clock()
        new = NewTicket(
            type=TicketType.SERVICE_REQUEST,
            title=item.title,
            details=_details(item, form),
            requester=requester,
            group=item.responsible_group,
            extra={
                "catalog_item": item.id,
                "form": form,
                "department": self._department(item),
                "sla_policy": item.sla_policy,
                "channel": "portal",
            },
        )
        ticket = Ticket.opened(request_id, new, at=now, actor=actor)
        tasks = _initial_tasks(request_id, item, plan, assignments)
        ticket, tasks = _advance(ticket, tasks, at=now, actor=actor)
        node, links = ticket_batch(ticket)
        links.append(Relationship(source=request_id, target=item.id, type=ORDERED_FROM))
        self._write([node, *(_task_node(t) for t in tasks)], links + _task_links(tasks), actor=actor)
        return CatalogRequest(ticket=ticket, tasks=tuple(sorted(tasks, key=_order)))

    def _department(self, item: CatalogItem) -> str:
        """The department the request counts for in KPIs: the one its responsible team names
        (so requests and other tickets of a department share one spelling), else the item's."""
        team = self.store.find_ci(item.responsible_group)
        named = team.attributes.get("department") if team is not None else None
        return named if isinstance(named, str) and named else item.department

    def _known(self, kind: str, ref: str) -> bool:
        ci = self.store.find_ci(ref)
        return ci is not None and (kind in ("", ci.kind))

    def _requester_problems(self, item: CatalogItem, requester: str) -> list[Problem]:
        ci = self.store.find_ci(requester)
        if ci is None:
            return [Problem("UNKNOWN_REFERENCE", f"no CI with id {requester!r}", item.id, "requester")]
        if ci.kind != "Person":
            return [
                Problem("WRONG_KIND", f"{requester!r} is a {ci.kind}, not a Person", item.id, "requester")
            ]
        return []

    def _assignments(
        self,
        item: CatalogItem,
        plan: RequestPlan,
        requester: str,
        form: Mapping[str, JsonValue],
        problems: list[Problem],
    ) -> dict[str, CI]:
        """Who each planned approval and task is assigned to, by key; appends to ``problems``
        what cannot be found."""
        found: dict[str, CI] = {}
        wanted: list[tuple[str, str, str | None]] = [("", "responsible_group", item.responsible_group)]
        for a in plan.approvals:
            level = a.level
            if level.approver == "requester_manager":
                managers = sorted(
                    (n.ci for n in self.store.neighbours(requester, Direction.OUT, [REPORTS_TO])),
                    key=lambda c: c.id,
                )
                manager = next((c for c in managers if c.kind == "Person"), None)
                if manager is None:
                    problems.append(
                        Problem(
                            "APPROVER_NOT_FOUND",
                            f"approval {a.key!r} ({a.title}) goes to the requester's manager, but "
                            f"{requester!r} reports to no one (no REPORTS_TO a Person)",
                            item.id,
                            "requester",
                        )
                    )
                else:
                    found[a.key] = manager
            elif level.approver == "person_field":
                person = self.store.find_ci(str(form[str(level.field)]))
                if person is not None:  # validate_form checked it
                    found[a.key] = person
            else:
                wanted.append((a.key, f"approvals.{a.key}", level.team))
        wanted += [(t.key, f"tasks.{t.key}.group", t.group) for t in plan.tasks]
        for key, field, team in wanted:
            ci = self.store.find_ci(str(team))
            code = "APPROVER_NOT_FOUND" if field.startswith("approvals.") else "UNKNOWN_REFERENCE"
            if ci is None:
                problems.append(Problem(code, f"no Team with id {team!r}", item.id, field))
            elif ci.kind != "Team":
                problems.append(Problem("WRONG_KIND", f"{team!r} is a {ci.kind}, not a Team", item.id, field))
            elif key:
                found[key] = ci
        return found

    # -- working tasks -----------------------------------------------------------------------
    def complete(self, task_id: str, *, actor: str, note: str = "") -> CatalogRequest:
        """Mark a ready task done; the tasks waiting for it may become ready, and the request
        is resolved when nothing is left."""
        return self._finish(task_id, TaskType.TASK, TaskState.DONE, actor=actor, note=note)

    def approve(self, task_id: str, *, actor: str, note: str = "") -> CatalogRequest:
        """Approve a ready approval; the next level (or the first tasks) become ready."""
        return self._finish(task_id, TaskType.APPROVAL, TaskState.APPROVED, actor=actor, note=note)

    def reject(self, task_id: str, *, actor: str, note: str) -> CatalogRequest:
        """Reject a ready approval with a reason (``NOTE_REQUIRED``, field ``note``, without):
        every open task is cancelled, and so is the request."""
        if not note.strip():
            raise InvalidInput.one("NOTE_REQUIRED", "say why the request is rejected", task_id, "note")
        return self._finish(task_id, TaskType.APPROVAL, TaskState.REJECTED, actor=actor, note=note)

    def _finish(
        self, task_id: str, task_type: TaskType, outcome: TaskState, *, actor: str, note: str
    ) -> CatalogRequest:
        node = self.store.find_ci(task_id)
        if node is None or node.kind != TASK_KIND:
            raise CINotFound(task_id)
        owner = next(
            (
                n.ci.id
                for n in self.store.neighbours(task_id, Direction.OUT, [TASK_OF])
                if n.direction == "out"
            ),
            None,
        )
        if owner is None:
            raise InvalidInput.one("ORPHAN_TASK", f"{task_id!r} belongs to no request", task_id, "request")
        request = self.get(owner)
        task = next(t for t in request.tasks if t.id == task_id)
        _check_move(request, task, task_type, outcome)

        now = self.clock()
        done = task.model_copy(
            update={"state": outcome, "finished_at": now, "actor": actor, "note": note.strip() or None}
        )
        tasks = [done if t.id == task_id else t for t in request.tasks]
        ticket = request.ticket
        if outcome is TaskState.REJECTED:
            tasks = [
                t.model_copy(update={"state": TaskState.CANCELLED, "finished_at": now})
                if t.state in OPEN
                else t
                for t in tasks
            ]
            ticket = _moved(ticket, Event.CANCEL, at=now, actor=actor)
            comment = Comment(at=now, actor=actor, text=f"{task.title}: rejected: {note.strip()}")
            ticket = ticket.model_copy(update={"comments": (*ticket.comments, comment)})
        else:
            ticket, tasks = _advance(ticket, tasks, at=now, actor=actor)
        node_data, links = ticket_batch(ticket)
        changed = [t for t, before in zip(tasks, request.tasks, strict=True) if t != before]
        self._write([node_data, *(_task_node(t) for t in changed)], links, actor=actor)
        return CatalogRequest(ticket=ticket, tasks=tuple(sorted(tasks, key=_order)))

    def _write(self, nodes: list[CIData], links: list[Relationship], *, actor: str) -> None:
        self.store.apply(Batch(upsert_cis=nodes, upsert_relationships=links), actor=actor, source="tickets")


# ----------------------------------------------------------------------------------- pure steps
def _initial_tasks(
    request_id: str, item: CatalogItem, plan: RequestPlan, assigned: Mapping[str, CI]
) -> list[RequestTask]:
    """Every approval level and task of ``item`` as a task of the new request, all waiting
    (or skipped): :func:`_advance` then readies the first ones."""
    approvals = {a.key: a for a in plan.approvals}
    planned = {t.key: t for t in plan.tasks}
    tasks: list[RequestTask] = []
    steps: list[tuple[str, str, TaskType, tuple[str, ...]]]
    steps = [(a.key, a.title, TaskType.APPROVAL, ()) for a in item.approvals]
    steps += [(t.key, t.title, TaskType.TASK, t.after) for t in item.tasks.tasks]
    for position, (key, title, task_type, template_after) in enumerate(steps):
        chosen = approvals.get(key) or planned.get(key)
        who = assigned.get(key)
        tasks.append(
            RequestTask(
                id=f"{request_id}-{key}",
                request=request_id,
                key=key,
                title=title,
                task_type=task_type,
                state=TaskState.WAITING if chosen else TaskState.SKIPPED,
                after=chosen.after if chosen else template_after,
                stage=chosen.stage if chosen else None,
                position=position,
                group=who.id if who is not None and who.kind == "Team" else None,
                assignee=who.id if who is not None and who.kind == "Person" else None,
            )
        )
    return tasks


def _advance(
    ticket: Ticket, tasks: list[RequestTask], *, at: datetime, actor: str
) -> tuple[Ticket, list[RequestTask]]:
    """Ready every waiting task whose prerequisites are finished; start the request once no
    approval is open, resolve it once every task is finished."""
    finished = {t.key for t in tasks if t.state in FINISHED}
    tasks = [
        t.model_copy(update={"state": TaskState.READY, "opened_at": at})
        if t.state is TaskState.WAITING and all(k in finished for k in t.after)
        else t
        for t in tasks
    ]
    approvals_open = any(t.task_type is TaskType.APPROVAL and t.state in OPEN for t in tasks)
    if ticket.state is TicketState.ASSIGNED and not approvals_open:
        ticket = _moved(ticket, Event.START, at=at, actor=actor)
    if all(t.state in FINISHED for t in tasks):
        ticket = _moved(ticket, Event.RESOLVE, at=at, actor=actor)
    return ticket, tasks


def _moved(ticket: Ticket, event: Event, *, at: datetime, actor: str) -> Ticket:
    state = transition(ticket.type, ticket.state, event, where=ticket.id)
    timeline = (*ticket.timeline, StateChange(at=at, state=state, actor=actor))
    return ticket.model_copy(update={"state": state, "timeline": timeline})


def _check_move(request: CatalogRequest, task: RequestTask, task_type: TaskType, outcome: TaskState) -> None:
    verb = {TaskState.DONE: "complete", TaskState.APPROVED: "approve", TaskState.REJECTED: "reject"}[outcome]
    where = task.id
    if request.ticket.state in _CLOSED_REQUEST:
        raise InvalidInput.one(
            "ILLEGAL_TASK_MOVE",
            f"cannot {verb} {task.id!r}: request {request.ticket.id!r} is {request.ticket.state.value}",
            where,
            "request",
        )
    if task.task_type is not task_type:
        hint = "approve or reject it" if task.task_type is TaskType.APPROVAL else "complete it"
        what = "an approval" if task.task_type is TaskType.APPROVAL else "a task"
        raise InvalidInput.one(
            "ILLEGAL_TASK_MOVE", f"cannot {verb} {task.id!r}: it is {what} ({hint})", where, "task_type"
        )
    if task.state is not TaskState.READY:
        finished = {t.key for t in request.tasks if t.state in FINISHED}
        pending = [k for k in task.after if k not in finished]
        waiting = f" for {', '.join(pending)}" if task.state is TaskState.WAITING and pending else ""
        raise InvalidInput.one(
            "ILLEGAL_TASK_MOVE",
            f"cannot {verb} {task.id!r}: it is {task.state.value}{waiting}; only a ready task can be",
            where,
            "state",
        )


def _details(item: CatalogItem, form: Mapping[str, JsonValue]) -> str:
    """The answers as ``label: value; ...`` in form order (one line: FalkorDB's listener cannot
    store line breaks)."""
    lines = []
    for f in item.form:
        value = form.get(f.name)
        if value is None:
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        else:
            shown = str(value)
        lines.append(f"{f.label}: {shown}")
    return "; ".join(lines)


def _task_node(task: RequestTask) -> CIData:
    attributes: dict[str, JsonValue] = {
        "title": task.title,
        "key": task.key,
        "task_type": task.task_type.value,
        "state": task.state.value,
        "after": list(task.after),
        "position": task.position,
        "stage": task.stage,
        "opened_at": _iso(task.opened_at) if task.opened_at else None,
        "finished_at": _iso(task.finished_at) if task.finished_at else None,
        "actor": task.actor,
        "note": task.note,
    }
    return CIData(
        id=task.id,
        kind=TASK_KIND,
        name=task.title,
        attributes={k: v for k, v in attributes.items() if v is not None},
    )


def _task_links(tasks: Iterable[RequestTask]) -> list[Relationship]:
    links: list[Relationship] = []
    for t in tasks:
        links.append(Relationship(source=t.id, target=t.request, type=TASK_OF))
        for target in (t.group, t.assignee):
            if target is not None:
                links.append(Relationship(source=t.id, target=target, type=ASSIGNED_TO))
    return links


def _task_from(ci: CI, request_id: str, assigned: Iterable[CI]) -> RequestTask:
    a = ci.attributes
    chosen = sorted(assigned, key=lambda c: c.id)
    after = a.get("after")
    return RequestTask.model_validate(
        {
            "id": ci.id,
            "request": request_id,
            "key": a["key"],
            "title": a["title"],
            "task_type": a["task_type"],
            "state": a["state"],
            "after": tuple(str(k) for k in after) if isinstance(after, list) else (),
            "stage": a.get("stage"),
            "position": a.get("position", 0),
            "group": next((c.id for c in chosen if c.kind == "Team"), None),
            "assignee": next((c.id for c in chosen if c.kind == "Person"), None),
            "opened_at": a.get("opened_at"),
            "finished_at": a.get("finished_at"),
            "actor": a.get("actor"),
            "note": a.get("note"),
        }
    )
