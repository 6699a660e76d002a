"""The escalation rules of SLA ticks, and how each escalation action changes a ticket.

A tick (:meth:`~cmdbgraph.tickets.sla_service.SlaService.tick`) finds the actions due with the
pure :func:`~cmdbgraph.tickets.sla.tick`; this module carries them out on an
:class:`EscalationDraft` of each ticket, and says what to write. Nothing here reads a store or
a clock: the caller passes the ticket's group and assignee, a ``parent_team`` function and a
``find`` function (over its one read of the store), and ``at``.

Parties of actions may be placeholders resolved per ticket at the tick: :data:`GROUP` (its
assignment group, the Team it is ``ASSIGNED_TO``), :data:`ASSIGNEE` (the Person) and
:data:`PARENT_TEAM` (the team its group reports to: the group's ``REPORTS_TO`` Team, else its
``PART_OF`` Team, the first by id). :data:`DEFAULT_RULES`:

- ``notify-group-resolution-at-risk``: notify :data:`GROUP` once the resolution target is at
  risk (75 % of it elapsed under the default policies);
- ``reassign-parent-team-resolution-breached``: reassign to :data:`PARENT_TEAM` once the
  resolution target is breached;
- ``raise-priority-response-breached``: raise the priority by one level when a ``P1`` or ``P2``
  ticket (timed by those policies) breaches its response target.

Rules are checked before use: names unique (``DUPLICATE_RULE``) and placeholders known for the
action (``UNKNOWN_PLACEHOLDER``) by :func:`check_rules`; literal parties must exist, and a
reassignment's be a Team (``UNKNOWN_REFERENCE`` / ``WRONG_KIND``) by :func:`check_parties`.

Effects, per action in ticket-id then rule order: an entry ``{at, rule, action, target, state,
applied, to, from, detail}`` is appended to the ticket's ``escalations`` and a comment by the
tick's actor (``SLA escalation: <detail> (<target> <state>, due <instant>)``) to its
``comments``. Notify: the entry and the comment are the notification (the outbox a mailer
reads). Reassign: the ticket is ``ASSIGNED_TO`` the new team and its link to the old group is
deleted; its assignee and lifecycle state are kept. Raise priority: ``priority``
goes up ``levels`` (never above P1) and ``criticality`` follows as ``tickets.model`` maps it. An
action that cannot be carried out (no group to notify, a group with no team above it, a ticket
already P1) is recorded with ``applied: false`` and says why. A rule fires at most once per
ticket: the ``(ticket, rule)`` pairs in ``escalations`` (:func:`fired_rules`) are the fired set.

What is written is kept short and free of quotes and backslashes: FalkorDB's Bolt listener
splices parameters into its query text and crashes past a few kB, and a ticket's attributes
travel as one parameter (an update carries them before and after).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from pydantic import JsonValue

from cmdbgraph.graphdb import RelKey
from cmdbgraph.schema import CI, CIData, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.sla import EscalationAction, EscalationRule, Notify, RaisePriority, Reassign
from cmdbgraph.tickets.sla_reports import ActionKind, Escalation

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

_PLACEHOLDERS: Final = {
    "notify": frozenset({GROUP, ASSIGNEE, PARENT_TEAM}),
    "reassign": frozenset({PARENT_TEAM}),
}


def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:.1f} h"


def fired_rules(ticket: CI) -> set[tuple[str, str]]:
    """``(ticket, rule)`` for every rule recorded in the ticket's ``escalations``."""
    entries = ticket.attributes.get("escalations")
    fired: set[tuple[str, str]] = set()
    for entry in entries if isinstance(entries, list) else []:
        rule = entry.get("rule") if isinstance(entry, dict) else None
        if isinstance(rule, str):
            fired.add((ticket.id, rule))
    return fired


@dataclass
class EscalationDraft:
    """A ticket being escalated within one tick: the node's attributes and its group link."""

    ticket: CI
    attributes: dict[str, JsonValue]
    original_group: str | None
    group: str | None
    assignee: str | None

    @classmethod
    def of(cls, ticket: CI, group: str | None, assignee: str | None) -> EscalationDraft:
        """A draft of ``ticket`` as stored: its assignment group (Team) and assignee (Person)."""
        return cls(
            ticket=ticket,
            attributes=dict(ticket.attributes),
            original_group=group,
            group=group,
            assignee=assignee,
        )

    def carry_out(
        self, due: EscalationAction, parent_team: Callable[[str], str | None], at: datetime, actor: str
    ) -> Escalation:
        """Do one action on the draft; record it in ``escalations`` and as a comment.

        ``parent_team`` gives the team above a team (``None`` when there is none).
        """
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
            to = self._party(action.party, parent_team)
            outcome = (
                f"notified {to}" if to is not None else f"nobody to notify: {self._missing(action.party)}"
            )
        elif isinstance(action, Reassign):
            kind = "reassign"
            target = self._party(action.group, parent_team)
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

    def _party(self, party: str, parent_team: Callable[[str], str | None]) -> str | None:
        if party == GROUP:
            return self.group
        if party == ASSIGNEE:
            return self.assignee
        if party == PARENT_TEAM:
            return None if self.group is None else parent_team(self.group)
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


def check_rules(rules: Sequence[EscalationRule]) -> None:
    """``InvalidInput`` unless rule names are unique and placeholders known for their action."""
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


def check_parties(rules: Sequence[EscalationRule], find: Callable[[str], CI | None]) -> None:
    """The rules' literal parties must exist: any CI to notify, a Team to reassign to."""
    problems: list[Problem] = []
    for i, rule in enumerate(rules):
        action = rule.action
        if isinstance(action, RaisePriority):
            continue
        party = action.party if isinstance(action, Notify) else action.group
        if party.startswith("@"):
            continue
        found = find(party)
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
