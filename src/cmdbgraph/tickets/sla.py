"""SLA / OLA clocks, due times, breach and at-risk states, escalation (pure; never reads the clock).

A :class:`SlaPolicy` sets a response and a resolution target in business time on a
:class:`~cmdbgraph.tickets.calendar.BusinessCalendar`. The same engine serves customer SLAs and
OLAs (a task owed by an internal team or a vendor): ``target_kind`` says which and ``party`` who
owes or is owed it.

A ticket's clock is read from its :class:`Timeline`: the instant it was opened, the state
changes since (``(instant, state)``), and the first response instant. The rules:

- **Response** completes at the first response, or when the ticket first enters a done state
  (resolved, closed, cancelled) if that is earlier; it is never paused.
- **Resolution** completes when the ticket enters the done state it is in at ``now`` (a
  ticket resolved then closed completed when it was resolved). While it is ``pending``
  (waiting on the requester) the clock is paused if the policy says so; time spent resolved
  before a reopen never counts. Paused business time pushes the due time out by as much.
- A target's state at ``now``: ``met`` if completed at or before its due instant, ``breached``
  if completed after it or still open after it, ``at_risk`` if open and its elapsed business
  time is at least ``at_risk_threshold`` * target, else ``ok``.
- Changes and a first response after ``now`` are ignored, so one full timeline can be read at
  any instant (a fake clock is just a ``now`` argument).

Escalation: :func:`tick` evaluates :class:`EscalationRule` s against the open targets of many
tickets at ``now`` and returns the :class:`EscalationAction` s due, each rule at most once per
ticket given the ``already_fired`` keys the caller keeps.

Every datetime must be time-zone aware (``NAIVE_DATETIME`` otherwise); every datetime computed
here is in UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cmdbgraph.schema.errors import InvalidInput, Problem
from cmdbgraph.tickets.calendar import (
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    Interval,
    add_business_time,
    as_utc,
    business_time_between,
    invalid_input,
)

# The ticket states the clock understands (the lifecycle module's enum has the same values;
# str-valued enums are accepted wherever a state is expected).
NEW: Final = "new"
ASSIGNED: Final = "assigned"
IN_PROGRESS: Final = "in_progress"
PENDING: Final = "pending"
RESOLVED: Final = "resolved"
CLOSED: Final = "closed"
CANCELLED: Final = "cancelled"
STATES: Final = frozenset({NEW, ASSIGNED, IN_PROGRESS, PENDING, RESOLVED, CLOSED, CANCELLED})
PAUSED_STATES: Final = frozenset({PENDING})
"""States that pause the resolution clock when the policy pauses on pending."""
DONE_STATES: Final = frozenset({RESOLVED, CLOSED, CANCELLED})
"""States that stop both clocks (a reopen starts the resolution clock again)."""

TargetState = Literal["ok", "at_risk", "breached", "met"]
TargetName = Literal["response", "resolution"]


class SlaPolicy(BaseModel):
    """Response and resolution targets in business time on ``calendar``.

    ``target_kind`` ``"sla"`` is owed to a customer, ``"ola"`` by an internal team or a vendor
    (``party`` names them; informational). ``at_risk_threshold`` is the fraction of a target
    after which an open target is at risk, in ``(0, 1]``. ``pause_on_pending``: time spent
    ``pending`` (waiting on the requester) does not count toward resolution. Targets must be
    positive. :meth:`from_data` validates plain data (``INVALID_SLA_POLICY`` problems).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    response_target: timedelta
    resolution_target: timedelta
    calendar: BusinessCalendar = TWENTY_FOUR_SEVEN
    at_risk_threshold: float = Field(default=0.75, gt=0.0, le=1.0)
    pause_on_pending: bool = True
    target_kind: Literal["sla", "ola"] = "sla"
    party: str = ""

    @field_validator("response_target", "resolution_target")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(f"a target must be a positive duration, got {value}")
        return value

    def target(self, which: TargetName) -> timedelta:
        """The response or the resolution target."""
        return self.response_target if which == "response" else self.resolution_target

    @classmethod
    def from_data(cls, data: Any, where: str = "") -> SlaPolicy:
        """Validate plain data into a policy; errors raise ``InvalidInput`` (``INVALID_SLA_POLICY``)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise invalid_input(exc, "INVALID_SLA_POLICY", where) from None


@dataclass(frozen=True, slots=True)
class StateChange:
    """The ticket entered ``state`` at ``at``."""

    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the clock needs to know about a ticket (or a task, for an OLA).

    ``opened_at`` starts both clocks in state ``new``; ``changes`` are the states entered
    since, in time order (several at one instant: the last one wins), none before
    ``opened_at``; ``first_response_at`` is the first response to the requester, if any.
    Violations raise ``InvalidInput`` (``NAIVE_DATETIME``, ``UNKNOWN_TICKET_STATE``,
    ``TIMELINE_ORDER``) when the timeline is built.
    """

    opened_at: datetime
    changes: tuple[StateChange, ...] = ()
    first_response_at: datetime | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        opened = as_utc(self.opened_at, "opened_at")
        previous = opened
        for i, change in enumerate(self.changes):
            at = as_utc(change.at, f"changes[{i}].at")
            if change.state not in STATES:
                problems.append(
                    Problem(
                        "UNKNOWN_TICKET_STATE",
                        f"unknown ticket state {change.state!r}; known: {', '.join(sorted(STATES))}",
                        field=f"changes[{i}].state",
                    )
                )
            if at < previous:
                problems.append(
                    Problem(
                        "TIMELINE_ORDER",
                        f"change at {change.at.isoformat()} comes before the previous change or the opening",
                        field=f"changes[{i}].at",
                    )
                )
            previous = max(previous, at)
        if (
            self.first_response_at is not None
            and as_utc(self.first_response_at, "first_response_at") < opened
        ):
            problems.append(
                Problem(
                    "TIMELINE_ORDER",
                    "the first response comes before the ticket was opened",
                    field="first_response_at",
                )
            )
        if problems:
            raise InvalidInput(problems)

    @classmethod
    def of(
        cls, opened_at: datetime, *changes: tuple[datetime, str], first_response_at: datetime | None = None
    ) -> Timeline:
        """A timeline from ``(instant, state)`` pairs."""
        return cls(opened_at, tuple(StateChange(at, state) for at, state in changes), first_response_at)

    def segments(self, now: datetime) -> list[tuple[datetime, datetime, str]]:
        """``(start, end, state)`` runs in UTC from the opening to ``now``; changes after ``now``
        are ignored. Only the last run (the state at ``now``) can be empty."""
        now_utc = as_utc(now, "now")
        runs: list[tuple[datetime, datetime, str]] = []
        start, state = as_utc(self.opened_at, "opened_at"), NEW
        for change in self.changes:
            at = as_utc(change.at, "at")
            if at > now_utc:
                break
            if at > start:
                runs.append((start, at, state))
                start = at
            state = change.state
        runs.append((start, max(start, now_utc), state))
        return runs

    def state_at(self, now: datetime) -> str:
        """The ticket's state at ``now``."""
        return self.segments(now)[-1][2]


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """One target's clock at some instant.

    ``elapsed`` is the business time counted so far (up to completion if completed; pauses not
    counted), ``due`` the instant (UTC) the target is due given the pauses so far,
    ``completed_at`` when the target completed (``None`` while open).
    """

    target: timedelta
    elapsed: timedelta
    due: datetime
    state: TargetState
    completed_at: datetime | None = None

    @property
    def remaining(self) -> timedelta:
        """Business time left before the target (negative once over it)."""
        return self.target - self.elapsed

    @property
    def is_open(self) -> bool:
        """Whether the target has not completed yet."""
        return self.completed_at is None


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """Both clocks of one ticket under one policy at ``now``."""

    policy: str
    target_kind: Literal["sla", "ola"]
    party: str
    now: datetime
    ticket_state: str
    paused: bool
    response: TargetStatus
    resolution: TargetStatus

    def target(self, which: TargetName) -> TargetStatus:
        """The response or the resolution status."""
        return self.response if which == "response" else self.resolution


def due_times(
    policy: SlaPolicy, opened_at: datetime, pauses: Iterable[Interval] = ()
) -> tuple[datetime, datetime]:
    """``(response_due, resolution_due)`` in UTC for a ticket opened at ``opened_at``.

    ``pauses`` are the intervals spent pending on the requester (closed intervals; clip an open
    one to ``now``). When the policy pauses on pending, the resolution due time is pushed by the
    business time of the pauses that fall before it (a pause after the due time changes
    nothing); otherwise ``pauses`` are ignored. The response due time is never paused.
    """
    opened = as_utc(opened_at, "opened_at")
    stops = list(pauses) if policy.pause_on_pending else []
    return _due(policy, opened, "response", []), _due(policy, opened, "resolution", stops)


def _due(policy: SlaPolicy, opened: datetime, which: TargetName, stops: Sequence[Interval]) -> datetime:
    return add_business_time(policy.calendar, opened, policy.target(which), excluding=stops)


def _state(
    policy: SlaPolicy,
    target: timedelta,
    elapsed: timedelta,
    due: datetime,
    now: datetime,
    done: datetime | None,
) -> TargetState:
    if done is not None:
        return "met" if done <= due else "breached"
    if now > due:
        return "breached"
    if elapsed >= target * policy.at_risk_threshold:
        return "at_risk"
    return "ok"


def sla_status(policy: SlaPolicy, timeline: Timeline, now: datetime) -> SlaStatus:
    """Both clocks of the ticket ``timeline`` under ``policy`` as of ``now``.

    ``now`` before the opening raises ``InvalidInput`` (``NOW_BEFORE_OPENING``). See the module
    docstring for the rules.
    """
    now_utc = as_utc(now, "now")
    opened = as_utc(timeline.opened_at, "opened_at")
    if now_utc < opened:
        raise InvalidInput.one(
            "NOW_BEFORE_OPENING",
            f"now ({now.isoformat()}) is before the ticket was opened ({timeline.opened_at.isoformat()})",
            field="now",
        )
    segments = timeline.segments(now_utc)
    ticket_state = segments[-1][2]
    calendar = policy.calendar

    first_done = next((s for s, _, state in segments if state in DONE_STATES), None)
    responded = timeline.first_response_at
    responded_at = None if responded is None else as_utc(responded, "first_response_at")
    if responded_at is not None and responded_at > now_utc:
        responded_at = None
    if first_done is not None and (responded_at is None or first_done < responded_at):
        responded_at = first_done
    response_due = _due(policy, opened, "response", [])
    response_elapsed = business_time_between(calendar, opened, responded_at or now_utc)
    response = TargetStatus(
        policy.response_target,
        response_elapsed,
        response_due,
        _state(policy, policy.response_target, response_elapsed, response_due, now_utc, responded_at),
        responded_at,
    )

    # The current run, and for a done ticket the whole done streak it ends with, is not a stop:
    # it is the open clock, or the completion.
    current = len(segments) - 1
    while ticket_state in DONE_STATES and current > 0 and segments[current - 1][2] in DONE_STATES:
        current -= 1
    resolved_at = segments[current][0] if ticket_state in DONE_STATES else None
    stops = [
        (s, e)
        for s, e, state in segments[:current]
        if state in DONE_STATES or (policy.pause_on_pending and state in PAUSED_STATES)
    ]
    paused = policy.pause_on_pending and ticket_state in PAUSED_STATES
    if paused:
        stops.append((segments[-1][0], now_utc))
    resolution_due = _due(policy, opened, "resolution", stops)
    resolution_elapsed = business_time_between(calendar, opened, resolved_at or now_utc, excluding=stops)
    resolution = TargetStatus(
        policy.resolution_target,
        resolution_elapsed,
        resolution_due,
        _state(policy, policy.resolution_target, resolution_elapsed, resolution_due, now_utc, resolved_at),
        resolved_at,
    )
    return SlaStatus(
        policy=policy.name,
        target_kind=policy.target_kind,
        party=policy.party,
        now=now_utc,
        ticket_state=ticket_state,
        paused=paused,
        response=response,
        resolution=resolution,
    )


# ---------------------------------------------------------------- escalation


class Notify(BaseModel):
    """Tell ``party`` (a person, team or vendor id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["notify"] = "notify"
    party: str = Field(min_length=1)


class Reassign(BaseModel):
    """Move the ticket to assignment ``group``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["reassign"] = "reassign"
    group: str = Field(min_length=1)


class RaisePriority(BaseModel):
    """Raise the ticket's priority by ``levels`` (the caller caps it at the top priority)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["raise_priority"] = "raise_priority"
    levels: int = Field(default=1, ge=1)


Action = Annotated[Notify | Reassign | RaisePriority, Field(discriminator="kind")]


class EscalationRule(BaseModel):
    """When a ticket's ``target`` reaches ``when``, do ``action`` (once per ticket).

    ``when="at_risk"`` fires on an open target that is at risk *or already breached* (so a
    ticket that went from ok to breached between two ticks still gets it); ``"breached"`` fires
    on an open target past its due time. Completed targets never fire. ``policies`` limits the
    rule to tickets under those policy names (empty: every policy). ``name`` keys the rule in
    the fired set, so it must be unique and stable.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    target: TargetName
    when: Literal["at_risk", "breached"]
    action: Action
    policies: frozenset[str] = frozenset()

    def matches(self, status: SlaStatus) -> bool:
        """Whether this rule's condition holds for ``status`` (ignoring whether it fired)."""
        if self.policies and status.policy not in self.policies:
            return False
        target = status.target(self.target)
        if not target.is_open:
            return False
        if self.when == "breached":
            return target.state == "breached"
        return target.state in ("at_risk", "breached")

    @classmethod
    def from_data(cls, data: Any, where: str = "") -> EscalationRule:
        """Validate plain data into a rule; errors raise ``InvalidInput`` (``INVALID_ESCALATION_RULE``)."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise invalid_input(exc, "INVALID_ESCALATION_RULE", where) from None


@dataclass(frozen=True, slots=True)
class TicketSla:
    """One clock to watch: a ticket (or task) id, its policy and its timeline.

    A ticket with several clocks (its SLA and the OLAs of its tasks) is several ``TicketSla``
    with distinct ids (e.g. the task ids).
    """

    ticket_id: str
    policy: SlaPolicy
    timeline: Timeline


@dataclass(frozen=True, slots=True)
class EscalationAction:
    """A rule that fired for a ticket at ``now``, with the status that made it fire."""

    ticket_id: str
    rule: str
    action: Notify | Reassign | RaisePriority
    target: TargetName
    status: SlaStatus = field(repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """``(ticket_id, rule name)``: add it to the fired set once the action is carried out."""
        return (self.ticket_id, self.rule)

    @property
    def reason(self) -> str:
        """One line for people: which target, its state, elapsed of target, due."""
        t = self.status.target(self.target)
        return (
            f"{self.ticket_id}: {self.status.target_kind} {self.status.policy!r} {self.target} {t.state}"
            f" ({t.elapsed} of {t.target} elapsed, due {t.due.isoformat()})"
        )


def tick(
    now: datetime,
    tickets: Iterable[TicketSla],
    rules: Sequence[EscalationRule],
    already_fired: Collection[tuple[str, str]] = frozenset(),
) -> list[EscalationAction]:
    """The escalation actions due at ``now``: deterministic, nothing mutated, clock never read.

    A rule fires for a ticket when it :meth:`~EscalationRule.matches` the ticket's status at
    ``now`` and ``(ticket_id, rule.name)`` is not in ``already_fired`` (the caller adds each
    returned :attr:`EscalationAction.key` once it has acted). Actions are ordered by ticket id
    (string order), then by the rules' order. Duplicate rule names or ticket ids raise
    ``InvalidInput`` (``DUPLICATE_RULE`` / ``DUPLICATE_TICKET``). Tickets opened after ``now``
    are skipped.
    """
    now_utc = as_utc(now, "now")
    problems = [
        Problem("DUPLICATE_RULE", f"escalation rule name {rule.name!r} is used more than once", field="rules")
        for i, rule in enumerate(rules)
        if any(other.name == rule.name for other in rules[:i])
    ]
    by_id: dict[str, TicketSla] = {}
    for ticket in tickets:
        if ticket.ticket_id in by_id:
            problems.append(
                Problem(
                    "DUPLICATE_TICKET",
                    f"ticket id {ticket.ticket_id!r} appears more than once",
                    field="tickets",
                )
            )
        by_id[ticket.ticket_id] = ticket
    if problems:
        raise InvalidInput(problems)
    actions: list[EscalationAction] = []
    for ticket_id in sorted(by_id):
        ticket = by_id[ticket_id]
        pending = [rule for rule in rules if (ticket_id, rule.name) not in already_fired]
        if not pending or as_utc(ticket.timeline.opened_at, "opened_at") > now_utc:
            continue
        status = sla_status(ticket.policy, ticket.timeline, now_utc)
        actions.extend(
            EscalationAction(ticket_id, rule.name, rule.action, rule.target, status)
            for rule in pending
            if rule.matches(status)
        )
    return actions
