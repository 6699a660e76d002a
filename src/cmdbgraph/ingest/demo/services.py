"""Technical services of the demo enterprise with their APIs, databases, caches, queues and
containers, and the data sets they keep.

The services form a layered dependency DAG: a service depends on services of a higher tier, or
of the same tier and a lower index (IT's core services serve every department).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Iterator

from cmdbgraph.ingest.demo.catalogs import (
    ANALYTICS_SUFFIX,
    CACHE_ENGINES,
    DATASET_SUFFIXES,
    DB_ENGINES,
    ENVIRONMENTS,
    PROTOCOLS,
    QUEUE_ENGINES,
)
from cmdbgraph.ingest.demo.departments import DEPTS, IT
from cmdbgraph.ingest.demo.models import ci, draw_status, grouped, rel, soft
from cmdbgraph.ingest.demo.naming import title_case
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship, Status


def service_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """Each service followed by its APIs, databases, cache, queue and containers."""
    rnd = rng.random
    operational = Status.OPERATIONAL
    for i in range(plan.n_services):
        word = plan.svc_word(i)
        title = title_case(word)
        crit = plan.svc_crit[i]
        yield ci(
            f"svc-{word}-{i:04d}",
            "Service",
            f"{title} Service {i}",
            crit,
            draw_status(rng),
            {
                "environment": ENVIRONMENTS[int(rnd() * len(ENVIRONMENTS))],
                "tier": plan.svc_tier[i],
            },
        )
        for k in range(plan.api_start[i + 1] - plan.api_start[i]):
            protocol, label = PROTOCOLS[int(rnd() * len(PROTOCOLS))]
            yield ci(
                f"api-{word}-{i:04d}-{k + 1}",
                "API",
                f"{title} {i} {label} API v{k + 1}",
                crit,
                operational,
                {"protocol": protocol, "version": f"v{k + 1}"},
            )
        replicas = plan.db_start[i + 1] - plan.db_start[i]
        if replicas:
            engine, versions = DB_ENGINES[int(rnd() * len(DB_ENGINES))]
            version = versions[int(rnd() * len(versions))]
            for k in range(replicas):
                role = "primary" if k == 0 else f"replica {k}"
                yield ci(
                    f"db-{word}-{i:04d}-{k + 1:02d}",
                    "Database",
                    f"{title} {i} DB {role}",
                    crit,
                    draw_status(rng),
                    {"engine": engine, "version": version, "environment": "production"},
                )
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield ci(
                f"cache-{word}-{i:04d}",
                "Cache",
                f"{title} {i} cache",
                min(crit + 1, 4),
                draw_status(rng),
                {"engine": CACHE_ENGINES[int(rnd() * len(CACHE_ENGINES))]},
            )
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            yield ci(
                f"queue-{word}-{i:04d}",
                "Queue",
                f"{title} {i} events queue",
                crit,
                draw_status(rng),
                {"engine": QUEUE_ENGINES[int(rnd() * len(QUEUE_ENGINES))]},
            )
        pods = plan.ctr_start[i + 1] - plan.ctr_start[i]
        if pods:
            release = f"{1 + int(rnd() * 9)}.{int(rnd() * 30)}.{int(rnd() * 10)}"
            image = f"registry.example.com/{word}:{release}"
            ctr_crit = min(crit + 1, 4)
            for k in range(pods):
                status = operational if rnd() >= 0.02 else Status.DEGRADED
                yield ci(
                    f"ctr-{word}-{i:04d}-{k + 1:02d}",
                    "Container",
                    f"{title} {i} pod {k + 1}",
                    ctr_crit,
                    status,
                    {"image": image},
                )


def dataset_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    for d in range(plan.n_datasets):
        owner = plan.dataset_owner(d)
        dept = DEPTS[plan.svc_dept[owner]]
        suffix = DATASET_SUFFIXES[d % len(DATASET_SUFFIXES)]
        yield ci(
            plan.dataset_id(d),
            "Dataset",
            f"{title_case(plan.svc_word(owner))} {suffix} {d}",
            2 + int(rnd() * 2),
            Status.OPERATIONAL,
            {"classification": dept.classifications[int(rnd() * len(dept.classifications))]},
        )


def service_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Where each service runs, what it depends on, who owns and supports it, then the links of
    its APIs, databases, cache, queue and containers."""
    rnd = rng.random
    nz = plan.nz
    platform = plan.role_team(IT, "Platform Engineering")
    dba = plan.role_team(IT, "Database Administration")
    app_support = plan.role_team(IT, "Application Support")
    sre = plan.role_team(IT, "Site Reliability")
    team_ids = plan.team_ids
    tiers = plan.tiers
    it_core = plan.it_core
    api_start = plan.api_start
    db_start = plan.db_start
    ctr_start = plan.ctr_start
    n_services = plan.n_services
    for i in range(n_services):
        svc = plan.svc_id(i)
        word = plan.svc_word(i)
        d = plan.svc_dept[i]
        tier = plan.svc_tier[i]
        zone = plan.svc_zone[i]

        # where it runs: a load-balanced pool of containers, or hosts
        pods = ctr_start[i + 1] - ctr_start[i]
        if pods >= 2:
            for k in range(pods):
                yield grouped(svc, "RUNS_ON", f"ctr-{word}-{i:04d}-{k + 1:02d}", "pool", "50%")
        elif pods == 1:
            yield rel(svc, "RUNS_ON", f"ctr-{word}-{i:04d}-01")
        elif plan.hosts_in_zone[zone] >= 2 and rnd() < 0.6:
            a = int(rnd() * plan.hosts_in_zone[zone])
            b = (a + 1 + int(rnd() * (plan.hosts_in_zone[zone] - 1))) % plan.hosts_in_zone[zone]
            for x in (a, b):
                yield grouped(svc, "RUNS_ON", plan.host_id(zone + nz * x), "hosts", 1)
        else:
            yield rel(svc, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))

        # other services (a layered DAG: higher tier, or same tier and lower index)
        wanted = int(rnd() * 3) + (2, 1, 0)[tier - 1]
        chosen: list[int] = []
        for _ in range(wanted):
            if rnd() < 0.8:
                if tier == 3:
                    pool = tiers[d][3]
                    limit = bisect_left(pool, i)
                else:
                    pool = tiers[d][tier + 1 if tier == 2 or rnd() < 0.7 else 3]
                    limit = len(pool)
            else:
                pool = it_core
                limit = bisect_left(pool, i) if tier == 3 else len(pool)
            if limit == 0:
                continue
            j = pool[int(rnd() * limit)]
            if j != i and j not in chosen:
                chosen.append(j)
        for j in chosen:
            optional = rnd() < 0.08
            if rnd() < 0.6:
                k = int(rnd() * (api_start[j + 1] - api_start[j]))
                yield (soft if optional else rel)(svc, "DEPENDS_ON", plan.api_id(j, k))
            else:
                yield (soft if optional else rel)(svc, "DEPENDS_ON", plan.svc_id(j))

        # data stores: a replica set needs 2 of 3 up; caches are soft dependencies
        replicas = db_start[i + 1] - db_start[i]
        if replicas == 1:
            yield rel(svc, "DEPENDS_ON", f"db-{word}-{i:04d}-01")
        elif replicas:
            for k in range(replicas):
                yield grouped(svc, "DEPENDS_ON", f"db-{word}-{i:04d}-{k + 1:02d}", "db-replicas", 2)
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield soft(svc, "DEPENDS_ON", f"cache-{word}-{i:04d}")
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            queue = f"queue-{word}-{i:04d}"
            yield rel(svc, "DEPENDS_ON", queue)
            consumer = (i + 1 + int(rnd() * (n_services - 1))) % n_services
            yield rel(plan.svc_id(consumer), "DEPENDS_ON", queue)

        yield rel(svc, "CONNECTS_THROUGH", plan.net_id(zone))
        team = team_ids[plan.svc_team[i]]
        yield rel(svc, "OWNED_BY", team)
        if d != IT:
            yield rel(svc, "SUPPORTED_BY", app_support)
        else:
            yield rel(svc, "SUPPORTED_BY", sre if plan.svc_crit[i] <= 2 else team)

        # the parts and the stores of this service
        for k in range(api_start[i + 1] - api_start[i]):
            api = f"api-{word}-{i:04d}-{k + 1}"
            yield rel(api, "PART_OF", svc)
            yield rel(api, "OWNED_BY", team)
        for k in range(replicas):
            db = f"db-{word}-{i:04d}-{k + 1:02d}"
            yield rel(db, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
            storage = zone + nz * int(rnd() * plan.storage_in_zone[zone])
            yield rel(db, "DEPENDS_ON", plan.storage_id(storage))
            yield rel(db, "SUPPORTED_BY", dba)
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield rel(f"cache-{word}-{i:04d}", "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            queue = f"queue-{word}-{i:04d}"
            yield rel(queue, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
            yield rel(queue, "SUPPORTED_BY", platform)
        zone2 = plan.svc_zone2[i]
        for k in range(pods):
            z = zone2 if zone2 >= 0 and k % 2 else zone
            yield rel(
                f"ctr-{word}-{i:04d}-{k + 1:02d}",
                "RUNS_ON",
                plan.host_id(z + nz * int(rnd() * plan.hosts_in_zone[z])),
            )


def dataset_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Data sets are stored in their owner's primary database and read by services and
    applications (softly, for analytics extracts)."""
    rnd = rng.random
    team_ids = plan.team_ids
    n_apps = plan.n_apps
    n_services = plan.n_services
    for ds in range(plan.n_datasets):
        dataset = plan.dataset_id(ds)
        owner = plan.dataset_owner(ds)
        yield rel(dataset, "DEPENDS_ON", plan.db_id(owner, 0))
        yield rel(dataset, "OWNED_BY", team_ids[plan.svc_team[owner]])
        analytics = ds % len(DATASET_SUFFIXES) == ANALYTICS_SUFFIX
        readers: list[str] = []
        for _ in range(1 + (rnd() < 0.6)):
            app_reader = rnd() < 0.5
            reader = plan.app_id(int(rnd() * n_apps)) if app_reader else plan.svc_id(int(rnd() * n_services))
            if reader not in readers:
                readers.append(reader)
        for reader in readers:
            yield (soft if analytics else rel)(reader, "USES_DATA", dataset)
