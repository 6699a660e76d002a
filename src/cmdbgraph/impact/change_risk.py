"""The risk score of a planned change (issue 5, "Changes"): a weighted sum of explained factors
and the level it reaches.

Pure functions over an ``ImpactGraph`` following the conventions of
:mod:`cmdbgraph.impact.planned_change` (half-open aware windows, impact = blast radius of the
targets failing together). The caller passes the history (failed changes and incidents per CI),
the freezes and the business-hours calendar; nothing here reads a store or a clock. Unknown
target ids raise ``CINotFound``; negative counts raise ``ValueError``.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.impact.planned_change import ChangeWindow
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id="web", kind="BusinessService", criticality=1), CIData(id="db", kind="Database")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> at = lambda hour: datetime(2025, 3, 1, hour, tzinfo=UTC)
>>> change = PlannedChange("chg-1", "normal", ("db",), ChangeWindow(at(1), at(3)))
>>> risk = risk_score(g, change, failed_changes={"db": 1}, incidents={})
>>> [(f.factor, f.contribution) for f in risk.factors if f.contribution]
[('blast_radius', 10.0), ('business_services', 31.69925001442312), ('failed_changes', 8.0)]
>>> risk.level
'medium'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cmdbgraph.impact.flow import DOWN
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import (
    BUSINESS_KIND,
    ChangeWindow,
    FreezeWindow,
    PlannedChange,
    change_impact,
    freeze_hits,
    listing,
)

RiskLevel = Literal["low", "medium", "high", "critical"]

SAMPLE_STEP = timedelta(minutes=15)
MAX_SAMPLES = 4 * 24 * 31
"""The business-hours share of a window is sampled every ``SAMPLE_STEP`` (evenly spread over at
most ``MAX_SAMPLES`` instants for windows longer than a month)."""


@dataclass(frozen=True)
class RiskFactor:
    """One row of a risk explanation: ``contribution == value * weight``; ``detail`` says where
    the value comes from."""

    factor: str
    value: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True)
class RiskModel:
    """Weights of the risk factors and the score thresholds of the levels (``score >= medium_at``
    is medium, and so on)."""

    blast_radius: float = 10.0
    business_services: float = 10.0
    failed_changes: float = 8.0
    incidents: float = 5.0
    business_hours: float = 15.0
    freeze: float = 40.0
    emergency: float = 20.0
    medium_at: float = 30.0
    high_at: float = 60.0
    critical_at: float = 100.0

    def level(self, score: float) -> RiskLevel:
        """The level of ``score``."""
        if score >= self.critical_at:
            return "critical"
        if score >= self.high_at:
            return "high"
        if score >= self.medium_at:
            return "medium"
        return "low"


DEFAULT_RISK_MODEL = RiskModel()


@dataclass(frozen=True)
class ChangeRisk:
    """The risk of a change: ``score`` is the sum of the factors' contributions."""

    change_id: str
    score: float
    level: RiskLevel
    factors: tuple[RiskFactor, ...]


def _factor(factor: str, value: float, weight: float, detail: str) -> RiskFactor:
    return RiskFactor(factor, value, weight, value * weight, detail)


def service_weight(criticality: int, severity: str) -> float:
    """How much one impacted business service weighs: ``2 ** (4 - criticality)`` (8 for the most
    critical, 1 for the least), halved when it is only degraded.

    >>> service_weight(1, "down"), service_weight(4, "down"), service_weight(2, "degraded")
    (8.0, 1.0, 2.0)
    """
    weight = float(2 ** (4 - criticality))
    return weight if severity == "down" else weight / 2


def business_hours_share(window: ChangeWindow, business_hours: Callable[[datetime], bool]) -> float:
    """The share (0..1) of ``window`` in business hours, sampled every ``SAMPLE_STEP`` from its
    start (at most ``MAX_SAMPLES`` evenly spread instants)."""
    duration = window.end - window.start
    n = min(MAX_SAMPLES, max(1, math.ceil(duration / SAMPLE_STEP)))
    step = duration / n
    return sum(1 for k in range(n) if business_hours(window.start + k * step)) / n


def _target_counts(targets: Iterable[str], counts: Mapping[str, int], name: str) -> tuple[int, str]:
    total, parts = 0, []
    for t in targets:
        n = counts.get(t, 0)
        if n < 0:
            raise ValueError(f"{name} count for {t} must be >= 0, got {n}")
        if n:
            total += n
            parts.append(f"{t}: {n}")
    return total, (", ".join(parts) if parts else "none on the targets")


def risk_score(
    graph: ImpactGraph,
    change: PlannedChange,
    *,
    failed_changes: Mapping[str, int],
    incidents: Mapping[str, int],
    freezes: Iterable[FreezeWindow] = (),
    business_hours: Callable[[datetime], bool] | None = None,
    model: RiskModel = DEFAULT_RISK_MODEL,
) -> ChangeRisk:
    """The risk of ``change``: a weighted sum of factors, each explained by one ``RiskFactor``
    row (always all seven, in this order, zero ones included):

    - ``blast_radius``: ``log2(1 + impacted CIs)``;
    - ``business_services``: ``log2(1 + sum of service_weight)`` over the business services that
      are targets (counted down) or impacted — so criticality dominates, but many services add up;
    - ``failed_changes`` / ``incidents``: ``log2(1 + total count)`` over the (distinct) targets;
    - ``business_hours``: the share of the window in business hours (0 without a calendar);
    - ``freeze``: 1 when the window overlaps a freeze covering a target or impacted CI;
    - ``change_type``: 1 for an emergency change, else 0.

    The level comes from ``model``'s thresholds. Raises ``CINotFound`` for an unknown target,
    ``ValueError`` for a negative count.
    """
    g = graph
    radius = change_impact(g, change)
    flow = radius.flow
    reached = flow.reached.tolist()
    severities = flow.severity.tolist()
    n_down = sum(1 for s in severities if s == DOWN)
    factors = [
        _factor(
            "blast_radius",
            math.log2(1 + len(reached)),
            model.blast_radius,
            f"{len(reached)} CIs impacted ({n_down} down, {len(reached) - n_down} degraded)",
        )
    ]
    services = [(g.index[t], "down") for t in radius.failed if g.kinds[g.index[t]] == BUSINESS_KIND]
    services += [
        (node, "down" if sev == DOWN else "degraded")
        for node, sev in zip(reached, severities, strict=True)
        if g.kinds[node] == BUSINESS_KIND
    ]
    services.sort(key=lambda s: (g.criticality[s[0]], s[1] != "down", g.ids[s[0]]))
    weight_sum = sum(service_weight(g.criticality[n], sev) for n, sev in services)
    service_detail = f"{len(services)} business services (weight {weight_sum:g})"
    if services:
        service_detail += ": " + listing([f"{g.ids[n]} crit {g.criticality[n]} {sev}" for n, sev in services])
    factors.append(
        _factor("business_services", math.log2(1 + weight_sum), model.business_services, service_detail)
    )
    targets = radius.failed
    n_failed, failed_detail = _target_counts(targets, failed_changes, "failed changes")
    factors.append(_factor("failed_changes", math.log2(1 + n_failed), model.failed_changes, failed_detail))
    n_incidents, incident_detail = _target_counts(targets, incidents, "incidents")
    factors.append(_factor("incidents", math.log2(1 + n_incidents), model.incidents, incident_detail))
    if business_hours is None:
        share, hours_detail = 0.0, "no business-hours calendar given"
    else:
        share = business_hours_share(change.window, business_hours)
        hours_detail = f"{share:.0%} of the window is in business hours"
    factors.append(_factor("business_hours", share, model.business_hours, hours_detail))
    hits = freeze_hits(change, set(targets) | radius.impacted_ids(), freezes)
    factors.append(
        _factor(
            "freeze",
            1.0 if hits else 0.0,
            model.freeze,
            "; ".join(f"freeze {f.name!r} covers {listing(list(cis))}" for f, cis in hits)
            or "no freeze covers the change",
        )
    )
    emergency = change.change_type == "emergency"
    factors.append(
        _factor("change_type", 1.0 if emergency else 0.0, model.emergency, f"{change.change_type} change")
    )
    score = sum(f.contribution for f in factors)
    return ChangeRisk(change.id, score, model.level(score), tuple(factors))
