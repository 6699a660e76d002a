"""GraphQL types of the service-management analyses: ``route`` (who should work on a ticket),
``changeRisk`` (the pre-change assessment) and ``kpis``.

The analyses return dataclasses (:class:`~cmdbgraph.impact.routing.RoutingDecision`,
:class:`~cmdbgraph.tickets.changes.ChangeAssessment`, :class:`~cmdbgraph.tickets.kpis.Kpis`), so
these are plain strawberry types holding the same fields under the same names (camelCase in
GraphQL) as the CLI's ``route --json``, ``change-risk --json`` and ``kpis --json`` documents;
numbers are not rounded. Every CI id passes through the request's redactor, which the resolver
has told about the snapshot's restricted CIs first.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import strawberry

from cmdbgraph.access.redaction import Redactor
from cmdbgraph.impact.routing import RoutingDecision
from cmdbgraph.tickets.changes import ChangeAssessment
from cmdbgraph.tickets.kpis import Kpis


def _ids(r: Redactor, ids: tuple[str, ...] | list[str]) -> list[strawberry.ID]:
    return [strawberry.ID(i) for i in r.path(ids)]


def _id(r: Redactor, ci_id: str | None) -> strawberry.ID | None:
    return None if ci_id is None else strawberry.ID(r.ci_id(ci_id))


# -- route --------------------------------------------------------------------------------------
@strawberry.type(name="RouteHop")
class RouteHopType:
    """One relationship on a routing path, as stored: ``source -[type]-> target``."""

    source: strawberry.ID
    type: str
    target: strawberry.ID


@strawberry.type(name="RouteDecision")
class RouteDecisionType:
    """Where a ticket should go (advice; ``transitionTicket(event: ASSIGN)`` records it): the
    group and assignee, the rule that decided (affected_ci_support, dependency_support,
    location, category or unrouted) and why, the path in the graph that led there, the
    escalation chain, the eligible members (best first) and the requested CIs routing skipped."""

    ticket_id: strawberry.ID
    group: strawberry.ID | None
    assignee: strawberry.ID | None
    rule: str
    reason: str
    path: list[strawberry.ID]
    hops: list[RouteHopType]
    escalation: list[strawberry.ID]
    candidates: list[strawberry.ID]
    unknown_cis: list[strawberry.ID]


def route_out(r: Redactor, d: RoutingDecision) -> RouteDecisionType:
    """``d`` with every CI id as the caller may see it."""
    return RouteDecisionType(
        ticket_id=strawberry.ID(r.ci_id(d.ticket_id)),
        group=_id(r, d.group),
        assignee=_id(r, d.assignee),
        rule=d.rule,
        reason=d.reason,
        path=_ids(r, d.path),
        hops=[
            RouteHopType(
                source=strawberry.ID(r.ci_id(h.source)), type=h.type, target=strawberry.ID(r.ci_id(h.target))
            )
            for h in d.hops
        ],
        escalation=_ids(r, d.escalation),
        candidates=_ids(r, d.candidates),
        unknown_cis=_ids(r, d.unknown_cis),
    )


# -- change risk --------------------------------------------------------------------------------
@strawberry.type(name="ChangeWindow")
class ChangeWindowType:
    start: datetime
    end: datetime


@strawberry.type(name="RiskFactor")
class RiskFactorType:
    """One weighted factor of a change's risk score: ``contribution = value * weight``."""

    factor: str
    value: float
    weight: float
    contribution: float
    detail: str


@strawberry.type(name="RiskScore")
class RiskType:
    """A change's risk score, its level (low, medium, high, critical) and the factors of the score."""

    score: float
    level: str
    factors: list[RiskFactorType]


@strawberry.type(name="Collision")
class CollisionType:
    """A collision with another open change (same_ci, dependent), a freeze or maintenance."""

    kind: str
    other: str | None
    cis: list[strawberry.ID]
    detail: str
    paths: list[list[strawberry.ID]]


@strawberry.type(name="ChecklistItem")
class ChecklistItemType:
    """What to verify after the change: a target or an impacted business service."""

    ci: strawberry.ID
    role: str
    severity: str
    path: list[strawberry.ID]
    check: str


@strawberry.type(name="ApprovalStep")
class ApprovalStepType:
    """Who must approve the change (a team or person id, or ``CAB``), and why."""

    approver: strawberry.ID
    kind: str
    role: str
    cis: list[strawberry.ID]
    reason: str


@strawberry.type(name="ChangeRisk")
class ChangeRiskType:
    """The pre-change assessment of a change against the current graph (as ``change-risk``):
    risk with its factors, collisions, implementation and rollback order (and the dependency
    cycles broken to order them), the acceptance checklist and the approval chain."""

    change: strawberry.ID
    title: str
    state: str
    type: str
    targets: list[strawberry.ID]
    window: ChangeWindowType
    risk: RiskType
    collisions: list[CollisionType]
    implementation_order: list[strawberry.ID]
    rollback_order: list[strawberry.ID]
    cycles: list[list[strawberry.ID]]
    checklist: list[ChecklistItemType]
    approvals: list[ApprovalStepType]


def change_risk_out(r: Redactor, a: ChangeAssessment) -> ChangeRiskType:
    """``a`` with every CI id as the caller may see it."""
    return ChangeRiskType(
        change=strawberry.ID(r.ci_id(a.change.id)),
        title=r.text(a.title),
        state=a.state,
        type=a.change.change_type,
        targets=_ids(r, a.change.targets),
        window=ChangeWindowType(start=a.change.window.start, end=a.change.window.end),
        risk=RiskType(
            score=a.risk.score,
            level=a.risk.level,
            factors=[
                RiskFactorType(
                    factor=f.factor,
                    value=f.value,
                    weight=f.weight,
                    contribution=f.contribution,
                    detail=r.text(f.detail),
                )
                for f in a.risk.factors
            ],
        ),
        collisions=[
            CollisionType(
                kind=c.kind,
                other=None if c.other is None else r.ci_id(c.other),
                cis=_ids(r, c.cis),
                detail=r.text(c.detail),
                paths=[_ids(r, p) for p in c.paths],
            )
            for c in a.collisions
        ],
        implementation_order=_ids(r, a.order.implementation),
        rollback_order=_ids(r, a.order.rollback),
        cycles=[_ids(r, c) for c in a.order.cycles],
        checklist=[
            ChecklistItemType(
                ci=strawberry.ID(r.ci_id(i.ci)),
                role=i.role,
                severity=i.severity,
                path=_ids(r, i.path),
                check=r.text(i.check),
            )
            for i in a.checklist
        ],
        approvals=[
            ApprovalStepType(
                approver=strawberry.ID(r.ci_id(s.approver)),
                kind=s.kind,
                role=r.text(s.role),
                cis=_ids(r, s.cis),
                reason=r.text(s.reason),
            )
            for s in a.approvals
        ],
    )


# -- KPIs ---------------------------------------------------------------------------------------
@strawberry.type(name="Kpis")
class KpisType:
    """The service KPIs of one department (null: all) over tickets opened in ``[from, to)``
    (definitions: :mod:`cmdbgraph.tickets.kpis`); a rate is null when its denominator is 0."""

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


def kpis_out(k: Kpis) -> KpisType:
    """``k`` field for field."""
    return KpisType(**{f.name: getattr(k, f.name) for f in fields(k)})
