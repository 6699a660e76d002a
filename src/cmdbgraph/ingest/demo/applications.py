"""Applications and business services of the demo enterprise: what sits on top of the
technical services."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator

from pydantic import JsonValue

from cmdbgraph.ingest.demo.catalogs import LANGUAGES
from cmdbgraph.ingest.demo.departments import DEPTS, IT
from cmdbgraph.ingest.demo.models import ci, draw_status, grouped, rel, soft
from cmdbgraph.ingest.demo.naming import variant_name
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship


def business_service_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """The business services of each department (its important ones of criticality 1-2)."""
    rnd = rng.random
    for d, dept in enumerate(DEPTS):
        for k, bs_id, name in plan.bs_ids(d):
            base = dept.business_services[k % len(dept.business_services)]
            crit = 1 + int(rnd() * 2) if base in dept.important else 2 + int(rnd() * 3)
            yield ci(
                bs_id,
                "BusinessService",
                name,
                min(crit, 4),
                draw_status(rng),
                {
                    "department": dept.label,
                    "sla_target": (99.95, 99.9, 99.5, 99.0)[min(crit, 4) - 1],
                },
            )


def application_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    for a in range(plan.n_apps):
        dept = DEPTS[plan.app_dept[a]]
        names = dept.applications
        k = plan.app_base[a]
        name = variant_name(names[k % len(names)], k // len(names))
        attrs: dict[str, JsonValue] = {
            "environment": "production",
            "version": f"{1 + int(rnd() * 12)}.{int(rnd() * 10)}",
        }
        if plan.app_mode[a]:
            attrs["language"] = LANGUAGES[int(rnd() * len(LANGUAGES))]
        yield ci(plan.app_id(a), "Application", name, plan.app_crit[a], draw_status(rng), attrs)


def application_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """SaaS from a vendor, or hosted (critical ones in two zones); each depends on a few
    services of its department or IT's core."""
    rnd = rng.random
    nz = plan.nz
    app_support = plan.role_team(IT, "Application Support")
    software = plan.vendors_by_type["software"]
    saas = plan.vendors_by_type["saas"]
    vendor_ids = plan.vendor_ids
    team_ids = plan.team_ids
    it_core = plan.it_core
    for a in range(plan.n_apps):
        app = plan.app_id(a)
        d = plan.app_dept[a]
        zone = plan.app_zone[a]
        mode = plan.app_mode[a]
        if mode == 0:
            yield rel(app, "SUPPLIED_BY", vendor_ids[saas[int(rnd() * len(saas))]])
        elif mode == 1:
            yield rel(app, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
        else:
            zone2 = (zone + 1 + int(rnd() * (nz - 1))) % nz
            for z in (zone, zone2):
                yield grouped(app, "RUNS_ON", plan.host_id(plan.pick_host(z, rng)), "multi-region", 1)
        if mode and rnd() < 0.5:
            yield rel(app, "SUPPLIED_BY", vendor_ids[software[int(rnd() * len(software))]])
        targets: list[int] = []
        for _ in range(int(rnd() * 3)):
            pool = plan.tiers[d][1 + int(rnd() * 3)] if rnd() < 0.7 else it_core
            if pool:
                j = pool[int(rnd() * len(pool))]
                if j not in targets:
                    targets.append(j)
        for j in targets:
            yield rel(app, "DEPENDS_ON", plan.svc_id(j))
        owner = plan.dept_team_start[d]
        if plan.dept_team_count[d] > 1:
            owner += 1 + int(rnd() * (plan.dept_team_count[d] - 1))
        yield rel(app, "OWNED_BY", team_ids[owner])
        yield rel(app, "SUPPORTED_BY", app_support)


def business_service_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Business services consume front services and applications of their department."""
    rnd = rng.random
    it_desk = plan.role_team(IT, "Service Desk")
    tiers = plan.tiers
    team_ids = plan.team_ids
    for d in range(len(DEPTS)):
        front = tiers[d][1]
        anything = array("q", (*tiers[d][1], *tiers[d][2], *tiers[d][3]))
        apps = plan.dept_apps[d]
        root_team = team_ids[plan.dept_team_start[d]]
        for _k, bs, _name in plan.bs_ids(d):
            picked: list[str] = []
            for n in range(2 + int(rnd() * 3)):
                if apps and rnd() < 0.25:
                    target = plan.app_id(apps[int(rnd() * len(apps))])
                else:
                    pool = front if front else anything
                    target = plan.svc_id(pool[int(rnd() * len(pool))])
                if target not in picked:
                    picked.append(target)
                    yield (soft if n > 0 and rnd() < 0.1 else rel)(bs, "DEPENDS_ON", target)
            yield rel(bs, "OWNED_BY", root_team)
            yield rel(bs, "SUPPORTED_BY", it_desk)
