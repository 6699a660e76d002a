"""Locations of the demo enterprise: sites (campuses) with buildings and their floors."""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import JsonValue

from cmdbgraph.ingest.demo.catalogs import CITIES, STREETS
from cmdbgraph.ingest.demo.models import ci, draw_status, rel
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship


def location_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    for i, loc_id in enumerate(plan.loc_ids):
        loc_type = plan.loc_types[i]
        attrs: dict[str, JsonValue] = {"type": loc_type}
        if loc_type == "site":
            city = CITIES[plan.site_loc.index(i)][1]
            attrs["address"] = f"{1 + int(rnd() * 200)} {STREETS[int(rnd() * len(STREETS))]}, {city}"
        crit = {"site": 2, "building": 3, "floor": 4}[loc_type]
        yield ci(loc_id, "Location", plan.loc_names[i], crit, draw_status(rng), attrs)


def location_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Floor -> building -> site (draws nothing from ``rng``)."""
    for i, loc_id in enumerate(plan.loc_ids):
        if plan.loc_parent[i] >= 0:
            yield rel(loc_id, "LOCATED_IN", plan.loc_ids[plan.loc_parent[i]])
