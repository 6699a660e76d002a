"""The organisation of the demo enterprise: department teams and squads, and their people."""

from __future__ import annotations

import random
from collections.abc import Iterator

from pydantic import JsonValue

from cmdbgraph.ingest.demo.catalogs import FIRST_NAMES, LAST_NAMES, TITLES
from cmdbgraph.ingest.demo.departments import DEPTS
from cmdbgraph.ingest.demo.models import ci, rel
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship, Status


def team_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """Every team, then every person (the first person of a team leads it)."""
    rnd = rng.random
    operational = Status.OPERATIONAL
    for t, team_id in enumerate(plan.team_ids):
        dept = DEPTS[plan.team_dept[t]]
        skills: list[JsonValue] = [
            dept.skills[int(rnd() * len(dept.skills))],
            dept.skills[int(rnd() * len(dept.skills))],
        ]
        yield ci(
            team_id,
            "Team",
            plan.team_names[t],
            3,
            operational,
            {
                "department": dept.label,
                "email": f"{team_id[5:]}@example.com",
                "skills": sorted(set(skills), key=str),
            },
        )
    for t in range(plan.n_teams):
        dept = DEPTS[plan.team_dept[t]]
        lead_title = "Head of " + dept.label if plan.team_parent[t] < 0 else "Team Lead"
        for p in range(plan.team_pstart[t], plan.team_pstart[t + 1]):
            first = FIRST_NAMES[int(rnd() * len(FIRST_NAMES))]
            last = LAST_NAMES[int(rnd() * len(LAST_NAMES))]
            title = lead_title if p == plan.team_pstart[t] else TITLES[int(rnd() * len(TITLES))]
            yield ci(
                f"person-{p:05d}",
                "Person",
                f"{first} {last}",
                4,
                operational,
                {
                    "email": f"{first.lower()}.{last.lower()}.{p}@example.com",
                    "phone": f"+1-202-555-01{p % 100:02d}",
                    "title": title,
                    "skills": [dept.skills[int(rnd() * len(dept.skills))]],
                },
            )


def team_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Teams report to their parent team and sit on a site; people are members of a team,
    report to its lead (a lead to the parent team's lead) and sit on a floor of its site."""
    rnd = rng.random
    team_ids = plan.team_ids
    pstart = plan.team_pstart
    for t, team_id in enumerate(team_ids):
        parent = plan.team_parent[t]
        if parent >= 0:
            yield rel(team_id, "REPORTS_TO", team_ids[parent])
        yield rel(team_id, "LOCATED_IN", plan.loc_ids[plan.site_loc[plan.team_site[t]]])
    for t, team_id in enumerate(team_ids):
        lead = f"person-{pstart[t]:05d}"
        parent = plan.team_parent[t]
        floors = plan.site_floors[plan.team_site[t]]
        for p in range(pstart[t], pstart[t + 1]):
            person = f"person-{p:05d}"
            yield rel(person, "MEMBER_OF", team_id)
            if p != pstart[t]:
                yield rel(person, "REPORTS_TO", lead)
            elif parent >= 0:
                yield rel(person, "REPORTS_TO", f"person-{pstart[parent]:05d}")
            yield rel(person, "LOCATED_IN", plan.loc_ids[floors[int(rnd() * len(floors))]])
