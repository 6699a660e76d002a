"""SLA and OLA clocks of stored tickets and tasks, and escalation ticks that act on the store.

:class:`SlaService` reads tickets and fulfilment tasks from a :class:`GraphStore` (either
backend), times them with the pure engine (:mod:`cmdbgraph.tickets.sla`) under the policies of a
:class:`~cmdbgraph.tickets.sla_policies.PolicyBook`, and writes only in :meth:`SlaService.tick`.
Time is injected: every method takes ``now`` (default: the service's ``clock``). What it returns
is in :mod:`cmdbgraph.tickets.sla_reports`.

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
pick-up, so their OLA is the resolution target only
(:attr:`~cmdbgraph.tickets.sla_reports.TaskClock.ola`). A task with no ``opened_at`` has not
started; ``skipped`` and ``cancelled`` tasks are not timed; a finished task without
``finished_at`` cannot be timed: each says so in
:attr:`~cmdbgraph.tickets.sla_reports.TaskClock.note`.

Escalation ticks (:meth:`~SlaService.tick`) evaluate :class:`~cmdbgraph.tickets.sla.EscalationRule`
s over every open ticket (not resolved, closed or cancelled, opened by ``now``) with the pure
:func:`~cmdbgraph.tickets.sla.tick`, and carry out the actions due as
:mod:`cmdbgraph.tickets.sla_escalation` says (the placeholders, the default rules and each
action's effects are described there). A rule fires at most once per ticket, so ticking twice at
the same ``now`` writes nothing the second time. Everything is checked first (the rules' literal
parties must exist: ``UNKNOWN_REFERENCE`` / ``WRONG_KIND``); then the whole tick is ONE
``apply`` batch (``source="sla"``); ``dry_run`` has the store validate that batch and write
nothing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Final, Protocol

from cmdbgraph.graphdb import Batch, Direction, GraphContents, GraphStore, RelKey
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Relationship
from cmdbgraph.tickets.calendar import as_utc
from cmdbgraph.tickets.model import TYPE_OF_KIND
from cmdbgraph.tickets.sla import (
    DONE_STATES,
    IN_PROGRESS,
    RESOLVED,
    EscalationRule,
    SlaStatus,
    StateChange,
    TicketSla,
    Timeline,
    sla_status,
)
from cmdbgraph.tickets.sla import tick as due_escalations
from cmdbgraph.tickets.sla_escalation import (
    DEFAULT_RULES,
    EscalationDraft,
    check_parties,
    check_rules,
    fired_rules,
)
from cmdbgraph.tickets.sla_policies import (
    DEFAULT_BOOK,
    PolicyBook,
    PolicyChoice,
    catalog_policy_of,
    select_ola,
    select_policy,
)
from cmdbgraph.tickets.sla_reports import Escalation, Overview, TaskClock, TicketClock, TickReport, Unreadable

Clock = Callable[[], datetime]

TASK_FINISHED: Final = frozenset({"done", "approved", "rejected"})
"""Task states that stop a task's OLA clock at its ``finished_at``."""
TASK_NOT_TIMED: Final = frozenset({"skipped", "cancelled"})
"""Task states that have no OLA."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


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


def _draft_of(lookup: _Lookup, ticket: CI) -> EscalationDraft:
    """The ticket as an escalation starts from it: its group (Team) and assignee (Person)."""
    assigned = lookup.targets(ticket.id, "ASSIGNED_TO")
    group = _first(assigned, "Team")
    assignee = _first(assigned, "Person")
    return EscalationDraft.of(
        ticket, None if group is None else group.id, None if assignee is None else assignee.id
    )


def _is_open_ticket(ci: CI) -> bool:
    return ci.kind in TYPE_OF_KIND and ci.attributes.get("state") not in DONE_STATES


def _opened_by(ci: CI, now: datetime) -> bool:
    """Whether the ticket was opened at or before ``now`` (unreadable opening: yes, so that it is
    reported rather than silently left out)."""
    try:
        return _instant(ci.attributes.get("opened_at"), ci.id, "opened_at") <= now
    except InvalidInput:
        return True


# ----------------------------------------------------------------------------------- the service


class SlaService:
    """SLA/OLA clocks and escalation on ``store`` (see the module docstring).

    ``clock`` gives ``now`` when a method is not told; ``policies`` time tickets and tasks;
    ``rules`` are the escalation rules (default
    :data:`~cmdbgraph.tickets.sla_escalation.DEFAULT_RULES`; names unique, placeholders known:
    ``DUPLICATE_RULE``, ``UNKNOWN_PLACEHOLDER`` otherwise).
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        policies: PolicyBook = DEFAULT_BOOK,
        rules: Sequence[EscalationRule] = DEFAULT_RULES,
    ) -> None:
        check_rules(rules)
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
        nothing is due). See :mod:`cmdbgraph.tickets.sla_escalation` for the effects."""
        at = self._now(now)
        lookup = _ContentsLookup(self.store.contents())
        check_parties(self.rules, lookup.find)
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
            fired |= fired_rules(ticket)
        drafts: dict[str, EscalationDraft] = {}
        done: list[Escalation] = []
        for due in due_escalations(at, watched, self.rules, fired):
            draft = drafts.get(due.ticket_id)
            if draft is None:
                ticket = lookup.cis[due.ticket_id]
                draft = drafts[due.ticket_id] = _draft_of(lookup, ticket)
            done.append(draft.carry_out(due, functools.partial(_parent_team, lookup), at, actor))
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
