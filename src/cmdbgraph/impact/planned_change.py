"""The change model of issue 5 ("Changes"): a planned change, its window, change freezes, the
change history of CIs, and the impact of a change.

Pure functions over an ``ImpactGraph``. The caller (the tickets layer) gathers the facts — the
other planned changes, freeze windows, CIs in maintenance, failed changes and incidents per CI —
and passes them in; nothing in the change modules (this one, ``change_risk``,
``change_collisions``, ``change_plan``) reads a store or a clock.

Conventions shared by every change module:

- **Windows** are half-open intervals ``[start, end)`` of timezone-aware datetimes. Two windows
  overlap when each starts before the other ends: one that ends exactly when the other starts
  does not overlap it.
- The **impact** of a change is the blast radius of its targets failing together (``blast_radius``
  rules): the worst case of a change gone wrong. The targets themselves are not listed as
  impacted; "touched" CIs are the targets plus the impacted CIs.
- A **business service** is a CI of kind ``BusinessService`` (``BUSINESS_KIND``); criticality 1
  is the most critical.
- Unknown target ids raise ``CINotFound``; ids that are only *compared* (freeze scopes, CIs in
  maintenance, failed-change and incident counts) may name CIs the graph does not hold and then
  simply match nothing.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id="web", kind="BusinessService", criticality=1), CIData(id="db", kind="Database")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> at = lambda hour: datetime(2025, 3, 1, hour, tzinfo=UTC)
>>> change = PlannedChange("chg-1", "normal", ("db",), ChangeWindow(at(1), at(3)))
>>> [i.id for i in change_impact(g, change).impacted]
['web']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal, get_args

from cmdbgraph.impact.blast_radius import BlastRadius, blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.schema import Status

ChangeType = Literal["standard", "normal", "emergency"]

CHANGE_TYPES: frozenset[str] = frozenset(get_args(ChangeType))
BUSINESS_KIND = "BusinessService"


def _check_interval(start: datetime, end: datetime, what: str) -> None:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{what} {name} must be a timezone-aware datetime, got {value.isoformat()}")
    if end <= start:
        raise ValueError(f"{what} must end after it starts ({start.isoformat()} .. {end.isoformat()})")


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class ChangeWindow:
    """The planned window ``[start, end)`` of a change (aware datetimes, ``end > start``;
    ``ValueError`` otherwise)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _check_interval(self.start, self.end, "change window")

    def overlaps(self, other: ChangeWindow | FreezeWindow) -> bool:
        """Whether the two half-open windows share an instant (touching ends do not)."""
        return _overlap(self.start, self.end, other.start, other.end)


@dataclass(frozen=True)
class PlannedChange:
    """A change request as analysis sees it: its type, target CIs (at least one; order kept,
    duplicates ignored by the analyses), window and implementer."""

    id: str
    change_type: ChangeType
    targets: tuple[str, ...]
    window: ChangeWindow
    implementer: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a change needs an id")
        if self.change_type not in CHANGE_TYPES:
            raise ValueError(f"change type {self.change_type!r} is not one of {sorted(CHANGE_TYPES)}")
        object.__setattr__(self, "targets", tuple(self.targets))
        if not self.targets:
            raise ValueError(f"change {self.id} has no target CI")


@dataclass(frozen=True)
class FreezeWindow:
    """A change freeze (blackout) ``[start, end)``; ``scope`` is the CIs it protects, ``None`` for
    everything."""

    name: str
    start: datetime
    end: datetime
    scope: frozenset[str] | None = None

    def __post_init__(self) -> None:
        _check_interval(self.start, self.end, f"freeze {self.name!r}")
        if self.scope is not None:
            object.__setattr__(self, "scope", frozenset(self.scope))

    def covered(self, ci_ids: Iterable[str]) -> tuple[str, ...]:
        """The CIs of ``ci_ids`` this freeze protects, sorted."""
        ids = set(ci_ids)
        return tuple(sorted(ids if self.scope is None else ids & self.scope))


def _counts(name: str, counts: Mapping[str, int]) -> Mapping[str, int]:
    for ci_id, n in counts.items():
        if n < 0:
            raise ValueError(f"{name} count for {ci_id} must be >= 0, got {n}")
    return MappingProxyType(dict(counts))


@dataclass(frozen=True)
class ChangeHistory:
    """Facts per CI over a lookback period: how many changes on it failed and how many incidents
    it had. Counts must be non-negative; missing CIs count 0. Pass them to ``risk_score`` as
    ``failed_changes=h.failed_changes, incidents=h.incidents``."""

    failed_changes: Mapping[str, int] = field(default_factory=dict)
    incidents: Mapping[str, int] = field(default_factory=dict)
    lookback: timedelta = timedelta(days=90)

    def __post_init__(self) -> None:
        if self.lookback <= timedelta(0):
            raise ValueError("lookback must be positive")
        object.__setattr__(self, "failed_changes", _counts("failed changes", self.failed_changes))
        object.__setattr__(self, "incidents", _counts("incidents", self.incidents))


def change_impact(graph: ImpactGraph, change: PlannedChange, max_depth: int | None = None) -> BlastRadius:
    """The blast radius of ``change``'s targets failing together (``max_depth`` bounds the hops).

    Raises ``CINotFound`` for an unknown target.
    """
    return blast_radius(graph, change.targets, max_depth=max_depth)


def in_maintenance(graph: ImpactGraph) -> frozenset[str]:
    """The CIs whose recorded status is ``maintenance`` (one possible ``maintenance`` argument of
    ``collisions``)."""
    return frozenset(i for i, s in zip(graph.ids, graph.status, strict=True) if s is Status.MAINTENANCE)


def freeze_hits(
    change: PlannedChange, touched: set[str], freezes: Iterable[FreezeWindow]
) -> list[tuple[FreezeWindow, tuple[str, ...]]]:
    """The freezes whose window overlaps ``change``'s and that cover some of the ``touched`` CIs,
    each with the covered CIs (sorted), in the order of ``freezes``."""
    hits = []
    for freeze in freezes:
        if change.window.overlaps(freeze) and (covered := freeze.covered(touched)):
            hits.append((freeze, covered))
    return hits


def listing(items: list[str], limit: int = 5) -> str:
    """``items`` joined by commas for a message, at most ``limit`` of them and a count of the rest.

    >>> listing(["a", "b"]), listing(["a", "b", "c"], limit=2)
    ('a, b', 'a, b and 1 more')
    """
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
