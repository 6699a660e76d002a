"""Collisions of a planned change (issue 5, "Changes") with other changes, change freezes and CIs
in maintenance.

Pure functions over an ``ImpactGraph`` following the conventions of
:mod:`cmdbgraph.impact.planned_change`: windows are half-open (touching windows do not
collide), a change's impact is the blast radius of its targets failing together, and ids that
are only compared (freeze scopes, CIs in maintenance) may name CIs the graph does not hold.
The caller passes the other changes, the freezes and the CIs in maintenance; nothing here reads
a store or a clock.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.impact.planned_change import ChangeWindow
>>> from cmdbgraph.schema import CIData, Relationship
>>> g = ImpactGraph.build(
...     [CIData(id="web", kind="BusinessService", criticality=1), CIData(id="db", kind="Database")],
...     [Relationship(source="web", target="db", type="DEPENDS_ON")],
... )
>>> at = lambda hour: datetime(2025, 3, 1, hour, tzinfo=UTC)
>>> change = PlannedChange("chg-1", "normal", ("db",), ChangeWindow(at(1), at(3)))
>>> [c.kind for c in collisions(g, change, [PlannedChange("chg-2", "standard", ("web",),
...     ChangeWindow(at(2), at(4)))])]
['dependent']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from cmdbgraph.impact.blast_radius import BlastRadius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import FreezeWindow, PlannedChange, change_impact, freeze_hits, listing

CollisionKind = Literal["same_ci", "dependent", "freeze", "maintenance"]


@dataclass(frozen=True)
class Collision:
    """A conflict of ``change`` with another change, a freeze or maintenance.

    ``other`` is the other change's id (``same_ci``, ``dependent``), the freeze's name
    (``freeze``) or ``None`` (``maintenance``); ``cis`` are the CIs involved, sorted; ``paths``
    (``dependent`` only) explain, per CI, how a target of one change reaches it.
    """

    kind: CollisionKind
    change: str
    other: str | None
    cis: tuple[str, ...]
    detail: str
    paths: tuple[tuple[str, ...], ...] = ()


_KIND_ORDER: dict[str, int] = {k: i for i, k in enumerate(get_args(CollisionKind))}


def _paths_to(radius: BlastRadius, ci_ids: set[str]) -> dict[str, tuple[str, ...]]:
    return {i.id: i.path for i in radius.impacted if i.id in ci_ids}


def collisions(
    graph: ImpactGraph,
    change: PlannedChange,
    others: Iterable[PlannedChange] = (),
    freezes: Iterable[FreezeWindow] = (),
    maintenance: Iterable[str] = (),
) -> list[Collision]:
    """Everything ``change`` collides with:

    - ``same_ci``: another change whose window overlaps and that shares a target (``cis``: the
      shared targets);
    - ``dependent``: another change whose window overlaps, where a target of one is in the
      other's impact (``cis``: those targets; ``paths``: how they are reached);
    - ``freeze``: a freeze whose window overlaps and whose scope covers a target or an impacted CI
      (``cis``: the covered ones);
    - ``maintenance``: targets or impacted CIs among ``maintenance`` (the CIs the caller knows to
      be in maintenance during the window, e.g. ``in_maintenance(graph)``), whatever the window.

    A change sharing ``change``'s id in ``others`` is skipped (callers may pass every change).
    Other changes whose windows do not overlap are never examined. Ordered by kind (as listed),
    then ``other``, then ``cis``. Raises ``CINotFound`` for an unknown target of ``change`` or of
    an overlapping other change.
    """
    radius = change_impact(graph, change)
    impacted = radius.impacted_ids()
    targets = set(radius.failed)
    found: list[Collision] = []
    for other in others:
        if other.id == change.id or not change.window.overlaps(other.window):
            continue
        other_radius = change_impact(graph, other)
        other_targets = set(other_radius.failed)
        shared = sorted(targets & other_targets)
        if shared:
            found.append(
                Collision(
                    "same_ci",
                    change.id,
                    other.id,
                    tuple(shared),
                    f"{other.id} also changes {listing(shared)} in an overlapping window",
                )
            )
        theirs_hit = other_targets & impacted  # their targets that this change can break
        ours_hit = targets & other_radius.impacted_ids()  # our targets that their change can break
        if theirs_hit or ours_hit:
            paths = _paths_to(radius, theirs_hit) | _paths_to(other_radius, ours_hit)
            cis = sorted(theirs_hit | ours_hit)
            reasons = []
            if theirs_hit:
                reasons.append(
                    f"{listing(sorted(theirs_hit))} (changed by {other.id}) impacted by this change"
                )
            if ours_hit:
                reasons.append(f"{listing(sorted(ours_hit))} (changed by this change) impacted by {other.id}")
            found.append(
                Collision(
                    "dependent",
                    change.id,
                    other.id,
                    tuple(cis),
                    "; ".join(reasons) + ", in overlapping windows",
                    tuple(paths[c] for c in cis),
                )
            )
    touched = targets | impacted
    for freeze, covered in freeze_hits(change, touched, freezes):
        found.append(
            Collision(
                "freeze",
                change.id,
                freeze.name,
                covered,
                f"the window overlaps freeze {freeze.name!r} ({freeze.start.isoformat()} .. "
                f"{freeze.end.isoformat()}), which covers {listing(list(covered))}",
            )
        )
    busy = sorted(touched.intersection(maintenance))
    if busy:
        found.append(
            Collision(
                "maintenance",
                change.id,
                None,
                tuple(busy),
                f"{listing(busy)} in maintenance ("
                + ", ".join("target" if c in targets else "impacted" for c in busy[:5])
                + (", ..." if len(busy) > 5 else "")
                + ")",
            )
        )
    found.sort(key=lambda c: (_KIND_ORDER[c.kind], c.other or "", c.cis))
    return found
