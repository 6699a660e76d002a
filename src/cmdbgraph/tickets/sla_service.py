"""SLA and OLA clocks of stored tickets and tasks, and escalation ticks that act on the store.

:class:`SlaService` reads tickets and fulfilment tasks from a :class:`GraphStore` (either
backend), times them with the pure engine (:mod:`cmdbgraph.tickets.sla`) under the policies of a
:class:`~cmdbgraph.tickets.sla_policies.PolicyBook`, and writes only in :meth:`SlaService.tick`.
Time is injected: every method takes ``now`` (default: the service's ``clock``).

Reading a ticket's clock: it opened at its ``opened_at``; its ``timeline`` entries ``{at,
state}`` are the state changes (ordered by instant, stored order kept for equal instants); its
first response is its first entry into ``in_progress`` (the acknowledgement the KPIs' MTTA
measures; a ticket resolved or cancelled first responded then). Its policy is chosen by
:func:`~cmdbgraph.tickets.sla_policies.select_policy` (its ``sla_policy``, else its catalog
item's, else its priority's). A ticket whose policy or timeline cannot be read raises
``InvalidInput`` from :meth:`~SlaService.status` (``UNKNOWN_SLA_POLICY``, ``NO_SLA_POLICY``,
``UNREADABLE_TIMELINE``, the engine's timeline codes, all with ``where`` the ticket); the
overview and ticks report such tickets as ``unreadable`` and skip them, never guess.

A fulfilment task's OLA (:meth:`~SlaService.task_status`): its party is the Team it is
``ASSIGNED_TO``, else the Vendor, else the Person (timed as their team, ``MEMBER_OF``); the policy
is :func:`~cmdbgraph.tickets.sla_policies.select_ola` over the team and the teams above it
(``REPORTS_TO``, else ``PART_OF``, nearest first). The clock runs from ``opened_at`` and stops
at ``finished_at`` once the task is ``done``, ``approved`` or ``rejected``. Tasks record no
pick-up, so their OLA is the resolution target only (:attr:`TaskClock.ola`). A task with no
``opened_at`` has not started; ``skipped`` and ``cancelled`` tasks are not timed; a finished
task without ``finished_at`` cannot be timed: each says so in :attr:`TaskClock.note`.

Escalation ticks (:meth:`~SlaService.tick`) evaluate :class:`~cmdbgraph.tickets.sla.EscalationRule`
s over every open ticket (not resolved, closed or cancelled, opened by ``now``) with the pure
:func:`~cmdbgraph.tickets.sla.tick`. Parties of actions may be placeholders resolved per ticket
at the tick: :data:`GROUP` (its assignment group, the Team it is ``ASSIGNED_TO``),
:data:`ASSIGNEE` (the Person) and :data:`PARENT_TEAM` (the team its group reports to: the
group's ``REPORTS_TO`` Team, else its ``PART_OF`` Team, the first by id). :data:`DEFAULT_RULES`:

- ``notify-group-resolution-at-risk``: notify :data:`GROUP` once the resolution target is at
  risk (75 % of it elapsed under the default policies);
- ``reassign-parent-team-resolution-breached``: reassign to :data:`PARENT_TEAM` once the
  resolution target is breached;
- ``raise-priority-response-breached``: raise the priority by one level when a ``P1`` or ``P2``
  ticket (timed by those policies) breaches its response target.

Effects, per action in ticket-id then rule order: an entry ``{at, rule, action, target, state,
applied, to, from, detail}`` is appended to the ticket's ``escalations`` and a comment by the
tick's actor (``SLA escalation: <detail> (<target> <state>, due <instant>)``) to its
``comments``. Notify: the entry and the comment are the notification (the outbox a mailer
reads). Reassign: the ticket is ``ASSIGNED_TO`` the new team and its link to the old group is
deleted; its assignee and lifecycle state are kept. Raise priority: ``priority``
goes up ``levels`` (never above P1) and ``criticality`` follows as ``tickets.model`` maps it. An
action that cannot be carried out (no group to notify, a group with no team above it, a ticket
already P1) is recorded with ``applied: false`` and says why. A rule fires at most once per
ticket: the ``(ticket, rule)`` pairs in ``escalations`` are the fired set, so ticking twice at the
same ``now`` writes nothing the second time. Everything is checked first (the rules' literal
parties must exist: ``UNKNOWN_REFERENCE`` / ``WRONG_KIND``); then the whole tick is ONE
``apply`` batch (``source="sla"``); ``dry_run`` has the store validate that batch and write
nothing.

What is written is kept short and free of quotes and backslashes: FalkorDB's Bolt listener
splices parameters into its query text and crashes past a few kB, and a ticket's attributes
travel as one parameter (an update carries them before and after).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, Protocol

from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, Direction, GraphContents, GraphStore, RelKey
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.calendar import as_utc
from cmdbgraph.tickets.model import TYPE_OF_KIND
from cmdbgraph.tickets.sla import (
    DONE_STATES,
    IN_PROGRESS,
    RESOLVED,
    EscalationAction,
    EscalationRule,
    Notify,
    RaisePriority,
    Reassign,
    SlaPolicy,
    SlaStatus,
    StateChange,
    TargetName,
    TargetState,
    TargetStatus,
    TicketSla,
    Timeline,
    sla_status,
)
from cmdbgraph.tickets.sla import tick as due_escalations
from cmdbgraph.tickets.sla_policies import (
    DEFAULT_BOOK,
    PolicyBook,
    PolicyChoice,
    PolicySource,
    catalog_policy_of,
    select_ola,
    select_policy,
)

Clock = Callable[[], datetime]

GROUP: Final = "@group"
"""Placeholder party: the ticket's assignment group (the Team it is ``ASSIGNED_TO``)."""
ASSIGNEE: Final = "@assignee"
"""Placeholder party: the ticket's assignee (the Person it is ``ASSIGNED_TO``)."""
PARENT_TEAM: Final = "@parent-team"
"""Placeholder party: the team above the ticket's group (``REPORTS_TO``, else ``PART_OF``)."""

DEFAULT_RULES: Final[tuple[EscalationRule, ...]] = (
    EscalationRule(
        name="notify-group-resolution-at-risk",
        target="resolution",
        when="at_risk",
        action=Notify(party=GROUP),
    ),
    EscalationRule(
        name="reassign-parent-team-resolution-breached",
        target="resolution",
        when="breached",
        action=Reassign(group=PARENT_TEAM),
    ),
    EscalationRule(
        name="raise-priority-response-breached",
        target="response",
        when="breached",
        action=RaisePriority(levels=1),
        policies=frozenset({"P1", "P2"}),
    ),
)
"""The escalation rules of a service built without ``rules`` (see the module docstring)."""

TASK_FINISHED: Final = frozenset({"done", "approved", "rejected"})
"""Task states that stop a task's OLA clock at its ``finished_at``."""
TASK_NOT_TIMED: Final = frozenset({"skipped", "cancelled"})
"""Task states that have no OLA."""

_PLACEHOLDERS: Final = {
    "notify": frozenset({GROUP, ASSIGNEE, PARENT_TEAM}),
    "reassign": frozenset({PARENT_TEAM}),
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:.1f} h"


# ----------------------------------------------------------------------------------- reading


class _Lookup(Protocol):
    """CIs by id and the targets of their outgoing links (one read of the store, or the store)."""

    def find(self, ci_id: str) -> CI | None: ...

    def targets(self, source: str, rel_type: str) -> list[CI]: ...


class _ContentsLookup:
    def __init__(self, contents: GraphContents) -> None:
        self.cis = {c.id: c for c in contents.cis}
        self.out: dict[tuple[str, str], list[str]] = {}
        for r in contents.relationships:
            self.out.setdefault((r.source, r.type), []).append(r.target)

    def find(self, ci_id: str) -> CI | None:
        return self.cis.get(ci_id)

    def targets(self, source: str, rel_type: str) -> list[CI]:
        found = (self.cis.get(t) for t in sorted(self.out.get((source, rel_type), ())))
        return [c for c in found if c is not None]


class _StoreLookup:
    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def find(self, ci_id: str) -> CI | None:
        return self.store.find_ci(ci_id)

    def targets(self, source: str, rel_type: str) -> list[CI]:
        found = self.store.neighbours(source, Direction.OUT, [rel_type])
        return sorted((n.ci for n in found if n.direction == "out"), key=lambda c: c.id)


def _first(cis: Iterable[CI], kind: str) -> CI | None:
    return next((c for c in cis if c.kind == kind), None)


def _parent_team(lookup: _Lookup, team_id: str) -> str | None:
    for rel_type in ("REPORTS_TO", "PART_OF"):
        parent = _first(lookup.targets(team_id, rel_type), "Team")
        if parent is not None:
            return parent.id
    return None


def _team_chain(lookup: _Lookup, team_id: str) -> list[str]:
    """The team and the teams above it, nearest first (stops at a cycle)."""
    chain = [team_id]
    parent = _parent_team(lookup, team_id)
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = _parent_team(lookup, parent)
    return chain


def _instant(value: object, where: str, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput.one(
            "UNREADABLE_TIMELINE",
            f"{field} must be an ISO 8601 date-time with a time zone, got {value}",
            where=where,
            field=field,
        )
    return at


def ticket_timeline(ticket: CI) -> Timeline:
    """The clock's view of a stored ticket (see the module docstring); ``InvalidInput``
    (``UNREADABLE_TIMELINE`` or the engine's timeline codes, ``where`` the ticket) if unreadable."""
    opened = _instant(ticket.attributes.get("opened_at"), ticket.id, "attributes.opened_at")
    raw = ticket.attributes.get("timeline")
    changes: list[StateChange] = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        field = f"attributes.timeline[{i}]"
        if not isinstance(entry, dict):
            raise InvalidInput.one("UNREADABLE_TIMELINE", f"{field} is not an object", ticket.id, field)
        changes.append(
            StateChange(_instant(entry.get("at"), ticket.id, f"{field}.at"), str(entry.get("state")))
        )
    changes.sort(key=lambda c: c.at)
    responded = next((c.at for c in changes if c.state == IN_PROGRESS), None)
    try:
        return Timeline(opened, tuple(changes), responded)
    except InvalidInput as exc:
        raise InvalidInput([dataclasses.replace(p, where=ticket.id) for p in exc.problems]) from None


def _is_open_ticket(ci: CI) -> bool:
    return ci.kind in TYPE_OF_KIND and ci.attributes.get("state") not in DONE_STATES


def _opened_by(ci: CI, now: datetime) -> bool:
    """Whether the ticket was opened at or before ``now`` (unreadable opening: yes, so that it is
    reported rather than silently left out)."""
    try:
        return _instant(ci.attributes.get("opened_at"), ci.id, "opened_at") <= now
    except InvalidInput:
        return True


def _fired(ticket: CI) -> set[tuple[str, str]]:
    """``(ticket, rule)`` for every rule recorded in the ticket's ``escalations``."""
    entries = ticket.attributes.get("escalations")
    fired: set[tuple[str, str]] = set()
    for entry in entries if isinstance(entries, list) else []:
        rule = entry.get("rule") if isinstance(entry, dict) else None
        if isinstance(rule, str):
            fired.add((ticket.id, rule))
    return fired


# ----------------------------------------------------------------------------------- reports


def _target_dict(t: TargetStatus, *, paused: bool = False) -> dict[str, JsonValue]:
    return {
        "state": t.state,
        "clock": "stopped" if not t.is_open else "paused" if paused else "running",
        "due": t.due.isoformat(),
        "target_seconds": round(t.target.total_seconds(), 3),
        "elapsed_seconds": round(t.elapsed.total_seconds(), 3),
        "remaining_seconds": round(t.remaining.total_seconds(), 3),
        "completed_at": None if t.completed_at is None else t.completed_at.isoformat(),
    }


def _problems(problems: Sequence[Problem]) -> list[JsonValue]:
    return [{"code": p.code, "message": p.message, "field": p.field} for p in problems]


@dataclass(frozen=True, slots=True)
class TicketClock:
    """A stored ticket's SLA at ``status.now``: its policy, where that came from, both targets."""

    ticket: CI
    group: str | None
    source: PolicySource
    status: SlaStatus

    @property
    def flagged(self) -> bool:
        """Whether a target is at risk or breached."""
        return any(t.state in ("at_risk", "breached") for t in (self.status.response, self.status.resolution))

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON form (``sla status --json``)."""
        s, a = self.status, self.ticket.attributes
        return {
            "ticket": self.ticket.id,
            "kind": self.ticket.kind,
            "title": a.get("title"),
            "state": s.ticket_state,
            "priority": a.get("priority"),
            "group": self.group,
            "policy": s.policy,
            "policy_source": self.source,
            "target_kind": s.target_kind,
            "now": s.now.isoformat(),
            "paused": s.paused,
            "response": _target_dict(s.response),
            "resolution": _target_dict(s.resolution, paused=s.paused),
            "escalations": a.get("escalations") or [],
        }


@dataclass(frozen=True, slots=True)
class TaskClock:
    """A fulfilment task's OLA: who owes it (``party`` of ``party_kind``), under which policy,
    and its clock (``status`` ``None`` when it is not timed; ``note`` says why)."""

    task: CI
    request_id: str | None
    party: str | None
    party_kind: str | None
    policy: SlaPolicy
    status: SlaStatus | None
    note: str = ""

    @property
    def ola(self) -> TargetStatus | None:
        """The OLA target: the resolution clock (tasks record no pick-up)."""
        return None if self.status is None else self.status.resolution

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON form (an entry of ``sla tasks --json``)."""
        a = self.task.attributes
        return {
            "task": self.task.id,
            "request": self.request_id,
            "key": a.get("key"),
            "title": a.get("title"),
            "task_state": a.get("state"),
            "party": self.party,
            "party_kind": self.party_kind,
            "policy": self.policy.name,
            "target_kind": self.policy.target_kind,
            "note": self.note,
            "ola": None if self.ola is None else _target_dict(self.ola),
        }


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An open ticket the clock could not read, and why."""

    ticket_id: str
    problems: tuple[Problem, ...]

    def as_dict(self) -> dict[str, JsonValue]:
        return {"ticket": self.ticket_id, "problems": _problems(self.problems)}


@dataclass(frozen=True, slots=True)
class Overview:
    """The open tickets with a target at risk or breached at ``now``, soonest resolution due first."""

    now: datetime
    tickets: list[TicketClock]
    unreadable: list[Unreadable]

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON form (``sla overview --json``)."""
        return {
            "now": self.now.isoformat(),
            "tickets": [t.as_dict() for t in self.tickets],
            "unreadable": [u.as_dict() for u in self.unreadable],
        }


ActionKind = Literal["notify", "reassign", "raise_priority"]


@dataclass(frozen=True, slots=True)
class Escalation:
    """One escalation action a tick took (``applied``) or recorded as impossible (not applied).

    ``detail`` says what was done or why nothing could be; ``reason`` why the rule fired (the
    target's elapsed business time and due instant; reported, not stored). ``to`` is the party
    notified, the new group or the new priority; ``previous`` the old group or priority.
    """

    ticket_id: str
    rule: str
    action: ActionKind
    target: TargetName
    state: TargetState
    applied: bool
    detail: str
    reason: str
    to: str | int | None = None
    previous: str | int | None = None

    def _fields(self) -> dict[str, JsonValue]:
        return {
            "rule": self.rule,
            "action": self.action,
            "target": self.target,
            "state": self.state,
            "applied": self.applied,
            "to": self.to,
            "from": self.previous,
            "detail": self.detail,
        }

    def entry(self, at: datetime) -> dict[str, JsonValue]:
        """The ``escalations`` entry written to the ticket (``to``/``from`` only when known)."""
        return {"at": at.isoformat(), **{k: v for k, v in self._fields().items() if v is not None}}

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON form (an entry of ``sla tick --json``)."""
        return {"ticket": self.ticket_id, **self._fields(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class TickReport:
    """What a tick at ``now`` did: ``evaluated`` open tickets, the ``actions`` taken (or, with
    ``dry_run``, that would be), the ``unreadable`` tickets skipped, and whether it wrote."""

    now: datetime
    dry_run: bool
    evaluated: int
    actions: list[Escalation]
    unreadable: list[Unreadable]
    written: bool

    def as_dict(self) -> dict[str, JsonValue]:
        """The JSON form (``sla tick --json``)."""
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "evaluated": self.evaluated,
            "written": self.written,
            "actions": [a.as_dict() for a in self.actions],
            "unreadable": [u.as_dict() for u in self.unreadable],
        }


# ----------------------------------------------------------------------------------- escalating


@dataclass
class _Draft:
    """A ticket being escalated within one tick: the node's attributes and its group link."""

    ticket: CI
    attributes: dict[str, JsonValue]
    original_group: str | None
    group: str | None
    assignee: str | None

    @classmethod
    def of(cls, ticket: CI, lookup: _Lookup) -> _Draft:
        assigned = lookup.targets(ticket.id, "ASSIGNED_TO")
        group = _first(assigned, "Team")
        assignee = _first(assigned, "Person")
        return cls(
            ticket=ticket,
            attributes=dict(ticket.attributes),
            original_group=None if group is None else group.id,
            group=None if group is None else group.id,
            assignee=None if assignee is None else assignee.id,
        )

    def carry_out(self, due: EscalationAction, lookup: _Lookup, at: datetime, actor: str) -> Escalation:
        """Do one action on the draft; record it in ``escalations`` and as a comment."""
        clock = due.status.target(due.target)
        due_at = clock.due.isoformat(timespec="minutes")
        why = (
            f"{due.target} {clock.state}: {_hours(clock.elapsed)} of {_hours(clock.target)} elapsed,"
            f" due {due_at}"
        )
        kind: ActionKind
        to: str | int | None = None
        previous: str | int | None = None
        action = due.action
        if isinstance(action, Notify):
            kind = "notify"
            to = self._party(action.party, lookup)
            outcome = (
                f"notified {to}" if to is not None else f"nobody to notify: {self._missing(action.party)}"
            )
        elif isinstance(action, Reassign):
            kind = "reassign"
            target = self._party(action.group, lookup)
            if target is None:
                outcome = f"not reassigned: {self._missing(action.group)}"
            elif target == self.group:
                outcome = f"not reassigned: already assigned to {target}"
            else:
                to, previous, self.group = target, self.group, target
                outcome = f"reassigned from {previous or 'no group'} to {target}"
        else:
            kind = "raise_priority"
            current = self.attributes.get("priority")
            if not isinstance(current, int) or isinstance(current, bool):
                outcome = "priority not raised: the ticket has no priority"
            elif current <= 1:
                outcome = f"priority not raised: already P{current}"
            else:
                to, previous = max(1, current - action.levels), current
                self.attributes["priority"] = to
                outcome = f"priority raised from P{previous} to P{to}"
        done = Escalation(
            due.ticket_id,
            due.rule,
            kind,
            due.target,
            clock.state,
            to is not None,
            outcome,
            why,
            to,
            previous,
        )
        self._append("escalations", done.entry(at))
        text = f"SLA escalation: {outcome} ({due.target} {clock.state}, due {due_at})"
        self._append("comments", {"at": at.isoformat(), "actor": actor, "text": text})
        return done

    def _party(self, party: str, lookup: _Lookup) -> str | None:
        if party == GROUP:
            return self.group
        if party == ASSIGNEE:
            return self.assignee
        if party == PARENT_TEAM:
            return None if self.group is None else _parent_team(lookup, self.group)
        return party

    def _missing(self, party: str) -> str:
        if party == ASSIGNEE:
            return "the ticket has no assignee"
        if self.group is None:
            return "the ticket has no assignment group"
        return f"no team above {self.group}"

    def _append(self, name: str, entry: dict[str, JsonValue]) -> None:
        current = self.attributes.get(name)
        self.attributes[name] = [*(current if isinstance(current, list) else []), entry]

    def writes(self) -> tuple[CIData, list[Relationship], list[RelKey]]:
        """The node to upsert, the links to upsert and the links to delete."""
        t = self.ticket
        priority = self.attributes.get("priority")
        criticality = min(priority, 4) if isinstance(priority, int) and priority >= 1 else t.criticality
        node = CIData(
            id=t.id,
            kind=t.kind,
            name=t.name,
            criticality=criticality,
            status=t.status,
            attributes=self.attributes,
        )
        if self.group == self.original_group or self.group is None:
            return node, [], []
        stale = [] if self.original_group is None else [(t.id, "ASSIGNED_TO", self.original_group)]
        return node, [Relationship(source=t.id, target=self.group, type="ASSIGNED_TO")], stale


def _check_rules(rules: Sequence[EscalationRule]) -> None:
    problems: list[Problem] = []
    for i, rule in enumerate(rules):
        if any(other.name == rule.name for other in rules[:i]):
            problems.append(
                Problem(
                    "DUPLICATE_RULE",
                    f"escalation rule name {rule.name} is used more than once",
                    field=f"rules[{i}]",
                )
            )
        action = rule.action
        if isinstance(action, Notify | Reassign):
            party = action.party if isinstance(action, Notify) else action.group
            allowed = _PLACEHOLDERS[action.kind]
            if party.startswith("@") and party not in allowed:
                problems.append(
                    Problem(
                        "UNKNOWN_PLACEHOLDER",
                        f"{party} is not a {action.kind} placeholder;"
                        f" use one of {', '.join(sorted(allowed))}",
                        where=rule.name,
                        field=f"rules[{i}].action",
                    )
                )
    if problems:
        raise InvalidInput(problems)


def _check_parties(rules: Sequence[EscalationRule], lookup: _Lookup) -> None:
    """The rules' literal parties must exist: any CI to notify, a Team to reassign to."""
    problems: list[Problem] = []
    for i, rule in enumerate(rules):
        action = rule.action
        if isinstance(action, RaisePriority):
            continue
        party = action.party if isinstance(action, Notify) else action.group
        if party.startswith("@"):
            continue
        found = lookup.find(party)
        field = f"rules[{i}].action"
        if found is None:
            problems.append(
                Problem("UNKNOWN_REFERENCE", f"no CI with id {party}", where=rule.name, field=field)
            )
        elif isinstance(action, Reassign) and found.kind != "Team":
            problems.append(
                Problem("WRONG_KIND", f"{party} is a {found.kind}, not a Team", where=rule.name, field=field)
            )
    if problems:
        raise InvalidInput(problems)


# ----------------------------------------------------------------------------------- the service


class SlaService:
    """SLA/OLA clocks and escalation on ``store`` (see the module docstring).

    ``clock`` gives ``now`` when a method is not told; ``policies`` time tickets and tasks;
    ``rules`` are the escalation rules (names unique, placeholders known: ``DUPLICATE_RULE``,
    ``UNKNOWN_PLACEHOLDER`` otherwise).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        policies: PolicyBook = DEFAULT_BOOK,
        rules: Sequence[EscalationRule] = DEFAULT_RULES,
    ) -> None:
        _check_rules(rules)
        self.store = store
        self.clock = clock
        self.policies = policies
        self.rules = tuple(rules)

    def _now(self, now: datetime | None) -> datetime:
        return as_utc(now if now is not None else self.clock(), "now")

    def _policy_of(self, lookup: _Lookup, ticket: CI) -> PolicyChoice:
        ordered_from = [c.id for c in lookup.targets(ticket.id, "ORDERED_FROM")]
        catalog_policy = catalog_policy_of(ticket, ordered_from, lookup.find)
        return select_policy(self.policies, ticket.id, ticket.attributes, catalog_policy=catalog_policy)

    def _ticket_clock(self, lookup: _Lookup, ticket: CI, now: datetime) -> TicketClock:
        choice = self._policy_of(lookup, ticket)
        status = sla_status(choice.policy, ticket_timeline(ticket), now)
        group = _first(lookup.targets(ticket.id, "ASSIGNED_TO"), "Team")
        return TicketClock(ticket, None if group is None else group.id, choice.source, status)

    # -- reading -----------------------------------------------------------------------------
    def status(self, ticket_id: str, *, now: datetime | None = None) -> TicketClock:
        """The SLA of the stored ticket at ``now``. ``CINotFound`` when ``ticket_id`` is not a
        ticket; ``InvalidInput`` when its policy or timeline cannot be read, or ``now`` is before
        it was opened (``NOW_BEFORE_OPENING``)."""
        at = self._now(now)
        ticket = self.store.find_ci(ticket_id)
        if ticket is None or ticket.kind not in TYPE_OF_KIND:
            raise CINotFound(ticket_id)
        return self._ticket_clock(_StoreLookup(self.store), ticket, at)

    def task_status(self, task_id: str, *, now: datetime | None = None) -> TaskClock:
        """The OLA of the stored fulfilment task at ``now`` (``CINotFound`` when ``task_id`` is
        not a ``FulfilmentTask``). Never raises for task data it cannot time: see ``note``."""
        at = self._now(now)
        task = self.store.find_ci(task_id)
        if task is None or task.kind != "FulfilmentTask":
            raise CINotFound(task_id)
        return self._task_clock(_StoreLookup(self.store), task, at)

    def tasks_of(self, request_id: str, *, now: datetime | None = None) -> list[TaskClock]:
        """The OLA of every fulfilment task ``TASK_OF`` the ticket ``request_id``, by task id
        (``CINotFound`` when it is not a ticket)."""
        at = self._now(now)
        request = self.store.find_ci(request_id)
        if request is None or request.kind not in TYPE_OF_KIND:
            raise CINotFound(request_id)
        lookup = _StoreLookup(self.store)
        found = self.store.neighbours(request_id, Direction.IN, ["TASK_OF"])
        tasks = sorted(
            (n.ci for n in found if n.direction == "in" and n.ci.kind == "FulfilmentTask"), key=lambda c: c.id
        )
        return [self._task_clock(lookup, task, at) for task in tasks]

    def _task_clock(self, lookup: _Lookup, task: CI, now: datetime) -> TaskClock:
        assigned = lookup.targets(task.id, "ASSIGNED_TO")
        team, vendor, person = (_first(assigned, k) for k in ("Team", "Vendor", "Person"))
        party: CI | None = team or vendor or person
        chain: list[str] = []
        timed_as: str | None = None
        if team is not None:
            chain, timed_as = _team_chain(lookup, team.id), "Team"
        elif vendor is not None:
            chain, timed_as = [vendor.id], "Vendor"
        elif person is not None:
            home = _first(lookup.targets(person.id, "MEMBER_OF"), "Team")
            if home is not None:
                chain, timed_as = _team_chain(lookup, home.id), "Team"
        policy = select_ola(self.policies, timed_as, chain)
        request = next(iter(lookup.targets(task.id, "TASK_OF")), None)

        def clock(status: SlaStatus | None, note: str = "") -> TaskClock:
            return TaskClock(
                task,
                None if request is None else request.id,
                None if party is None else party.id,
                None if party is None else party.kind,
                policy,
                status,
                note,
            )

        a = task.attributes
        state = str(a.get("state"))
        if state in TASK_NOT_TIMED:
            return clock(None, f"{state}: not timed")
        if a.get("opened_at") is None:
            return clock(None, "not started")
        try:
            opened = _instant(a.get("opened_at"), task.id, "attributes.opened_at")
            if opened > now:
                return clock(None, "opens after now")
            changes: tuple[StateChange, ...] = ()
            if state in TASK_FINISHED:
                if a.get("finished_at") is None:
                    return clock(None, f"{state} without a finished_at time: cannot be timed")
                finished = _instant(a.get("finished_at"), task.id, "attributes.finished_at")
                changes = (StateChange(finished, RESOLVED),)
            return clock(sla_status(policy, Timeline(opened, changes), now))
        except InvalidInput as exc:
            return clock(None, "; ".join(p.message for p in exc.problems))

    def overview(self, *, now: datetime | None = None) -> Overview:
        """Every open ticket with its response or resolution at risk or breached at ``now``
        (a late first response counts), soonest resolution due first; unreadable tickets are
        listed apart."""
        at = self._now(now)
        lookup = _ContentsLookup(self.store.contents())
        flagged: list[TicketClock] = []
        unreadable: list[Unreadable] = []
        for ticket in sorted(lookup.cis.values(), key=lambda c: c.id):
            if not _is_open_ticket(ticket) or not _opened_by(ticket, at):
                continue
            try:
                found = self._ticket_clock(lookup, ticket, at)
            except InvalidInput as exc:
                unreadable.append(Unreadable(ticket.id, exc.problems))
                continue
            if found.flagged:
                flagged.append(found)
        flagged.sort(key=lambda c: (c.status.resolution.due, c.ticket.id))
        return Overview(at, flagged, unreadable)

    # -- escalating --------------------------------------------------------------------------
    def tick(self, now: datetime | None = None, dry_run: bool = False, *, actor: str = "sla") -> TickReport:
        """Evaluate the escalation rules over every open ticket at ``now`` and carry out the
        actions due, in ONE batch written by ``actor`` (none with ``dry_run``, and none when
        nothing is due). See the module docstring for the effects."""
        at = self._now(now)
        lookup = _ContentsLookup(self.store.contents())
        _check_parties(self.rules, lookup)
        watched: list[TicketSla] = []
        unreadable: list[Unreadable] = []
        fired: set[tuple[str, str]] = set()
        for ticket in sorted(lookup.cis.values(), key=lambda c: c.id):
            if not _is_open_ticket(ticket) or not _opened_by(ticket, at):
                continue
            try:
                policy = self._policy_of(lookup, ticket).policy
                watched.append(TicketSla(ticket.id, policy, ticket_timeline(ticket)))
            except InvalidInput as exc:
                unreadable.append(Unreadable(ticket.id, exc.problems))
                continue
            fired |= _fired(ticket)
        drafts: dict[str, _Draft] = {}
        done: list[Escalation] = []
        for due in due_escalations(at, watched, self.rules, fired):
            draft = drafts.get(due.ticket_id)
            if draft is None:
                ticket = lookup.cis[due.ticket_id]
                draft = drafts[due.ticket_id] = _Draft.of(ticket, lookup)
            done.append(draft.carry_out(due, lookup, at, actor))
        nodes: list[CIData] = []
        links: list[Relationship] = []
        stale: list[RelKey] = []
        for draft in drafts.values():
            node, upserts, deletes = draft.writes()
            nodes.append(node)
            links.extend(upserts)
            stale.extend(deletes)
        batch = Batch(upsert_cis=nodes, upsert_relationships=links, delete_relationships=stale)
        if len(batch):
            self.store.apply(batch, actor=actor, source="sla", dry_run=dry_run)
        return TickReport(
            at, dry_run, len(watched), done, unreadable, written=bool(len(batch)) and not dry_run
        )
