"""Vendors of the demo enterprise (cloud, hardware, software, SaaS, services) and their contracts."""

from __future__ import annotations

import random
from collections.abc import Iterator

from cmdbgraph.ingest.demo.departments import FIN, LEGAL
from cmdbgraph.ingest.demo.models import ci, rel
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship, Status


def vendor_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """Every vendor, then every contract (one master agreement per vendor, then order forms)."""
    rnd = rng.random
    operational = Status.OPERATIONAL
    for v, vendor_id in enumerate(plan.vendor_ids):
        yield ci(
            vendor_id,
            "Vendor",
            plan.vendor_names[v],
            2 if v < 3 else 3,
            operational,
            {"vendor_type": plan.vendor_types[v]},
        )
    nv = len(plan.vendor_ids)
    for c in range(plan.n_contracts):
        v = c % nv
        year = 2025 + int(rnd() * 5)
        month = 1 + int(rnd() * 12)
        label = "master services agreement" if c < nv else f"order form {c // nv}"
        yield ci(
            plan.contract_id(c),
            "Contract",
            f"{plan.vendor_names[v]} {label}",
            3 + (rnd() < 0.5),
            operational,
            {"value": float(1000 * (5 + int(rnd() * 2000))), "end_date": f"{year}-{month:02d}-28"},
        )


def vendor_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Procurement owns the vendors; contracts are with a vendor, owned by legal or procurement."""
    rnd = rng.random
    procurement = plan.role_team(FIN, "Procurement")
    contracts_desk = plan.role_team(LEGAL, "Contracts Desk")
    vendor_ids = plan.vendor_ids
    nv = len(vendor_ids)
    for vendor_id in vendor_ids:
        yield rel(vendor_id, "OWNED_BY", procurement)
    for c in range(plan.n_contracts):
        contract = plan.contract_id(c)
        yield rel(contract, "SUPPLIED_BY", vendor_ids[c % nv])
        yield rel(contract, "OWNED_BY", contracts_desk if rnd() < 0.7 else procurement)
