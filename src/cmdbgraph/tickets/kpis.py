"""Service-management KPIs from the graph, per department and period.

Definitions (a ticket is in the period when it was *opened* in ``[start, end)``; rates are
``None`` when their denominator is 0):

- ``self_service_rate``: tickets raised through the portal / all tickets.
- ``first_contact_resolution``: resolved tickets whose timeline has at most one assignment and
  no reopen / resolved tickets.
- ``sla_compliance``: resolved tickets whose resolution target was met / resolved tickets. Each
  ticket is timed by its own policy (:func:`~cmdbgraph.tickets.sla_policies.select_policy`: its
  ``sla_policy``, else its catalog item's, else its priority's); a ticket whose policy or
  timeline the clock cannot read counts as not met.
- ``mtta_hours``: mean hours from opening to the first ``in_progress`` (acknowledged).
- ``mttr_hours``: mean hours from opening to the final ``resolved``.
- ``csat``: mean satisfaction (1..5) where given; ``nps``: % promoters (9-10) - % detractors
  (0-6) where given.
- ``complaint_rate``: tickets of category ``complaint`` / all tickets.
- ``tickets_per_agent``: tickets with an assignee / distinct assignees.
- ``automation_hit_rate``: tickets resolved by automation (``automated``) / resolved tickets.
- ``change_success_rate``: ``implemented`` / (``implemented`` + ``failed``) change requests
  whose window starts in the period (changes have a department only through their targets, so
  this one is not cut by department).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import pairwise
from statistics import fmean

from cmdbgraph.graphdb import GraphContents
from cmdbgraph.schema import CI, InvalidInput
from cmdbgraph.tickets.model import TYPE_OF_KIND
from cmdbgraph.tickets.sla import StateChange, Timeline, sla_status
from cmdbgraph.tickets.sla_policies import (
    DEFAULT_BOOK,
    DEFAULT_POLICIES,
    OFFICE,
    PolicyBook,
    catalog_policy_of,
    select_policy,
)

__all__ = ["DEFAULT_POLICIES", "OFFICE", "RESOLVED", "Kpis", "departments", "kpis"]

RESOLVED = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class Kpis:
    """The KPIs of one department (``None``: all) over one period (see the module docstring)."""

    department: str | None
    tickets: int
    resolved: int
    self_service_rate: float | None
    first_contact_resolution: float | None
    sla_compliance: float | None
    mtta_hours: float | None
    mttr_hours: float | None
    csat: float | None
    nps: float | None
    complaint_rate: float | None
    tickets_per_agent: float | None
    automation_hit_rate: float | None
    change_success_rate: float | None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def _at(value: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _timeline(ci: CI) -> tuple[datetime, list[StateChange]] | None:
    opened = _at(ci.attributes.get("opened_at"))
    raw = ci.attributes.get("timeline")
    if opened is None or not isinstance(raw, list):
        return None
    steps = []
    for entry in raw:
        if isinstance(entry, dict) and (at := _at(entry.get("at"))) is not None:
            steps.append(StateChange(at=at, state=str(entry.get("state"))))
    return opened, sorted(steps, key=lambda c: c.at)


def _met(
    policies: PolicyBook,
    ticket: CI,
    catalog_policy: str | None,
    opened: datetime,
    steps: list[StateChange],
    final: datetime,
) -> bool:
    """Whether the ticket, resolved for the last time at ``final``, met its resolution target; a
    policy or timeline the SLA clock cannot read counts as not met."""
    try:
        policy = select_policy(policies, ticket.id, ticket.attributes, catalog_policy=catalog_policy).policy
        status = sla_status(policy, Timeline(opened_at=opened, changes=tuple(steps)), now=final)
    except InvalidInput:
        return False
    return status.resolution.state == "met"


def kpis(
    contents: GraphContents,
    *,
    department: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    policies: PolicyBook = DEFAULT_BOOK,
) -> Kpis:
    """The KPIs of the tickets and changes in ``contents`` (see the module docstring); ``policies``
    time the tickets for ``sla_compliance``."""

    def in_period(at: datetime | None) -> bool:
        return at is not None and (start is None or at >= start) and (end is None or at < end)

    tickets = [
        c
        for c in contents.cis
        if c.kind in TYPE_OF_KIND
        and in_period(_at(c.attributes.get("opened_at")))
        and (department is None or c.attributes.get("department") == department)
    ]
    ids = {c.id for c in tickets}
    assignees = [r.target for r in contents.relationships if r.type == "ASSIGNED_TO" and r.source in ids]
    people = {c.id for c in contents.cis if c.kind == "Person"}
    agents = [a for a in assignees if a in people]
    by_id = {c.id: c for c in contents.cis}
    ordered_from: dict[str, list[str]] = {}
    for r in contents.relationships:
        if r.type == "ORDERED_FROM" and r.source in ids:
            ordered_from.setdefault(r.source, []).append(r.target)

    resolved = fcr = met = automated = 0
    mtta: list[float] = []
    mttr: list[float] = []
    for ticket in tickets:
        parsed = _timeline(ticket)
        if parsed is None:
            continue
        opened, steps = parsed
        started = next((s.at for s in steps if s.state == "in_progress"), None)
        if started is not None:
            mtta.append((started - opened).total_seconds() / 3600)
        if ticket.attributes.get("state") not in RESOLVED:
            continue
        resolved += 1
        final = next((s.at for s in reversed(steps) if s.state == "resolved"), None)
        if final is not None:
            mttr.append((final - opened).total_seconds() / 3600)
            catalog_policy = catalog_policy_of(ticket, ordered_from.get(ticket.id, ()), by_id.get)
            met += _met(policies, ticket, catalog_policy, opened, steps, final)
        assignments = sum(s.state == "assigned" for s in steps)
        reopened = any(a.state == "resolved" and b.state == "in_progress" for a, b in pairwise(steps))
        fcr += assignments <= 1 and not reopened
        automated += ticket.attributes.get("automated") is True

    csat = [float(v) for c in tickets if isinstance(v := c.attributes.get("csat"), int)]
    nps_scores = [v for c in tickets if isinstance(v := c.attributes.get("nps"), int)]
    nps = (
        100 * (sum(v >= 9 for v in nps_scores) - sum(v <= 6 for v in nps_scores)) / len(nps_scores)
        if nps_scores
        else None
    )
    changes = [
        c
        for c in contents.cis
        if c.kind == "ChangeRequest" and in_period(_at(c.attributes.get("window_start")))
    ]
    implemented = sum(c.attributes.get("state") == "implemented" for c in changes)
    failed = sum(c.attributes.get("state") == "failed" for c in changes)
    return Kpis(
        department=department,
        tickets=len(tickets),
        resolved=resolved,
        self_service_rate=_ratio(sum(c.attributes.get("channel") == "portal" for c in tickets), len(tickets)),
        first_contact_resolution=_ratio(fcr, resolved),
        sla_compliance=_ratio(met, resolved),
        mtta_hours=_mean(mtta),
        mttr_hours=_mean(mttr),
        csat=_mean(csat),
        nps=nps,
        complaint_rate=_ratio(
            sum(c.attributes.get("category") == "complaint" for c in tickets), len(tickets)
        ),
        tickets_per_agent=_ratio(len(agents), len(set(agents))),
        automation_hit_rate=_ratio(automated, resolved),
        change_success_rate=_ratio(implemented, implemented + failed),
    )


def departments(contents: GraphContents) -> list[str]:
    """The departments tickets name, sorted."""
    found: Iterable[object] = (c.attributes.get("department") for c in contents.cis if c.kind in TYPE_OF_KIND)
    return sorted({d for d in found if isinstance(d, str)})
