"""The business summary of a blast radius: which business services, whom to tell, which vendors.

- **Business services**: impacted (or failed) CIs of kind ``BusinessService``, most critical
  first (criticality 1 before 4), down before degraded, then by id.
- **Notify**: the targets of ``OWNED_BY`` and ``SUPPORTED_BY`` relationships of every failed or
  impacted CI (teams and people), with how many of those CIs each one owns or supports; ordered
  by the most critical CI they look after, then by how many, then by id.
- **Vendors**: vendors that are themselves failed or impacted, or that supply (``SUPPLIED_BY``)
  a failed or impacted CI.
- **Counts** of impacted CIs per kind and per severity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from cmdbgraph.impact.blast_radius import BlastRadius
from cmdbgraph.impact.graph import NOTIFY_TYPES

BUSINESS_KIND = "BusinessService"
VENDOR_KIND = "Vendor"


@dataclass(frozen=True)
class AffectedService:
    """A business service in a blast radius."""

    id: str
    name: str
    criticality: int
    severity: str
    depth: int


@dataclass(frozen=True)
class Contact:
    """A team or person to notify, and the CIs (of the blast radius) they own or support."""

    id: str
    kind: str
    name: str
    roles: tuple[str, ...]
    cis: tuple[str, ...]
    most_critical: int


@dataclass(frozen=True)
class ImpactSummary:
    """What a blast radius means for the business."""

    business_services: list[AffectedService]
    notify: list[Contact]
    vendors: list[str]
    by_kind: dict[str, int]
    by_severity: dict[str, int]


def summarize(radius: BlastRadius) -> ImpactSummary:
    """The business summary of ``radius`` (see the module docstring for orderings)."""
    g = radius.graph
    rows = [(i.id, i.severity, i.depth) for i in radius.impacted]
    rows += [(ci_id, "down", 0) for ci_id in radius.failed]
    services = sorted(
        (
            AffectedService(ci_id, g.names[n], g.criticality[n], sev, depth)
            for ci_id, sev, depth in rows
            if g.kinds[n := g.index[ci_id]] == BUSINESS_KIND
        ),
        key=lambda s: (s.criticality, s.severity != "down", s.id),
    )
    # roles and CIs as sets: a team that both owns and supports a CI counts that CI once
    contacts: dict[int, tuple[set[str], set[str], int]] = {}
    vendors: set[str] = set()
    supplied_by = "SUPPLIED_BY"
    for ci_id, _, _ in rows:
        n = g.index[ci_id]
        if g.kinds[n] == VENDOR_KIND:
            vendors.add(ci_id)
        for rel_type, target in g.links.get(n, ()):
            if rel_type in NOTIFY_TYPES:
                roles, cis, best = contacts.setdefault(target, (set(), set(), 5))
                roles.add(rel_type)
                cis.add(ci_id)
                contacts[target] = (roles, cis, min(best, g.criticality[n]))
        for provider, rel_type in zip(g.providers[n], g.provider_types[n], strict=True):
            if rel_type == supplied_by and g.kinds[provider] == VENDOR_KIND:
                vendors.add(g.ids[provider])
    notify = sorted(
        (
            Contact(g.ids[t], g.kinds[t], g.names[t], tuple(sorted(roles)), tuple(sorted(cis)), best)
            for t, (roles, cis, best) in contacts.items()
        ),
        key=lambda c: (c.most_critical, -len(c.cis), c.id),
    )
    impacted = radius.impacted
    return ImpactSummary(
        business_services=services,
        notify=notify,
        vendors=sorted(vendors),
        by_kind=dict(sorted(Counter(i.kind for i in impacted).items())),
        by_severity=dict(sorted(Counter(i.severity for i in impacted).items())),
    )
