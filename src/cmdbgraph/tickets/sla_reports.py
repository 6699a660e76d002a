"""What :class:`~cmdbgraph.tickets.sla_service.SlaService` reports: clocks, overviews and ticks.

Plain frozen values, built by the service and never changed after; nothing here reads a store or
a clock. Each ``as_dict`` is the JSON form the ``cmdbgraph sla`` commands print with ``--json``:

- :class:`TicketClock`: a stored ticket's SLA at ``status.now`` (``sla status``), its policy and
  where that came from (ticket, catalog item or priority), and both targets;
- :class:`TaskClock`: a fulfilment task's OLA (an entry of ``sla tasks``), who owes it, under
  which policy, and its clock, or a ``note`` saying why it is not timed;
- :class:`Unreadable`: an open ticket whose policy or timeline could not be read, and the
  problems (``{code, message, field}``) saying why;
- :class:`Overview`: the open tickets with a target at risk or breached (``sla overview``);
- :class:`Escalation`: one action a tick took or recorded as impossible (an entry of ``sla
  tick``), and the ``escalations`` entry written to its ticket (:meth:`Escalation.entry`);
- :class:`TickReport`: what a tick did (``sla tick``).

A target's JSON form is ``{state, clock, due, target_seconds, elapsed_seconds,
remaining_seconds, completed_at}``: ``clock`` is ``running``, ``paused`` (resolution only, while
the ticket waits) or ``stopped`` (completed); instants are ISO 8601, durations are business
seconds rounded to the millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import JsonValue

from cmdbgraph.schema import CI, Problem
from cmdbgraph.tickets.sla import SlaPolicy, SlaStatus, TargetName, TargetState, TargetStatus
from cmdbgraph.tickets.sla_policies import PolicySource


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
