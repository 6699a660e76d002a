"""The infrastructure of the demo enterprise: hosting zones (data centres and cloud regions),
their networks, storage and hosts."""

from __future__ import annotations

import random
from collections.abc import Iterator

from cmdbgraph.ingest.demo.catalogs import CLOUDS, CPUS, OS
from cmdbgraph.ingest.demo.departments import IT
from cmdbgraph.ingest.demo.models import ci, draw_status, grouped, rel
from cmdbgraph.ingest.demo.plan import Plan
from cmdbgraph.schema import CIData, Relationship, Status


def zone_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """Data centres, then cloud regions."""
    rnd = rng.random
    operational = Status.OPERATIONAL
    for z in range(plan.nz):
        if plan.zone_cloud[z] < 0:
            yield ci(
                plan.zone_ids[z],
                "Datacenter",
                plan.zone_names[z],
                1,
                operational,
                {"tier": 3 + int(rnd() * 2)},
            )
        else:
            yield ci(
                plan.zone_ids[z],
                "CloudRegion",
                plan.zone_names[z],
                1,
                operational,
                {"provider": CLOUDS[plan.zone_cloud[z]][1]},
            )


def network_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    """The first network of each zone is its core network, the others are subnets."""
    nz = plan.nz
    for j in range(plan.n_networks):
        z, m = j % nz, j // nz
        if m == 0:
            name, cidr, crit = f"{plan.zone_names[z]} core network", f"10.{z}.0.0/16", 1
        else:
            name, cidr, crit = f"{plan.zone_names[z]} subnet {m}", f"10.{z}.{m % 256}.0/24", 2
        yield ci(plan.net_id(j), "Network", name, crit, draw_status(rng), {"cidr": cidr})


def storage_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    nz = plan.nz
    for s in range(plan.n_storage):
        z = s % nz
        kind = "array" if plan.zone_cloud[z] < 0 else "volume pool"
        yield ci(
            plan.storage_id(s),
            "Storage",
            f"{plan.zone_names[z]} storage {kind} {s}",
            2 + (rnd() < 0.3),
            draw_status(rng),
            {"capacity_gb": float(1024 * (1 + int(rnd() * 64)))},
        )


def host_cis(plan: Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    nz = plan.nz
    for h in range(plan.n_hosts):
        z = h % nz
        code = plan.zone_codes[z]
        cpus = CPUS[int(rnd() * len(CPUS))]
        yield ci(
            f"host-{code}-{h:05d}",
            "Host",
            f"{code.upper()} host {h}",
            2 + (rnd() < 0.5),
            draw_status(rng),
            {
                "hostname": f"{code}-{h:05d}.corp.example.com",
                "os": OS[int(rnd() * len(OS))],
                "cpu_count": cpus,
                "memory_gb": float(cpus * (4 << int(rnd() * 3))),
                "ip_address": f"10.{z % 256}.{(h >> 8) % 256}.{h % 256}",
            },
        )


def zone_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Data centres sit on a site and are run by a colocation provider (draws nothing)."""
    infra = plan.role_team(IT, "Infrastructure Operations")
    cloud_ops = plan.role_team(IT, "Cloud Operations")
    services_vendors = plan.vendors_by_type["services"]
    vendor_ids = plan.vendor_ids
    for z in range(plan.nz):
        zone_id = plan.zone_ids[z]
        if plan.zone_cloud[z] < 0:
            yield rel(zone_id, "LOCATED_IN", plan.loc_ids[plan.site_loc[plan.zone_site[z]]])
            yield rel(zone_id, "SUPPLIED_BY", vendor_ids[services_vendors[z % len(services_vendors)]])
        else:
            yield rel(zone_id, "SUPPLIED_BY", vendor_ids[plan.zone_cloud[z]])
        yield rel(zone_id, "SUPPORTED_BY", infra if plan.zone_cloud[z] < 0 else cloud_ops)


def network_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Subnets connect through their zone's core network (draws nothing)."""
    nz = plan.nz
    netops = plan.role_team(IT, "Network Operations")
    for j in range(plan.n_networks):
        z = j % nz
        net = plan.net_id(j)
        yield rel(net, "LOCATED_IN", plan.zone_ids[z])
        if j >= nz:
            yield rel(net, "CONNECTS_THROUGH", plan.net_id(z))
        yield rel(net, "SUPPORTED_BY", netops)


def storage_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Storage connects through its zone's core network (draws nothing)."""
    nz = plan.nz
    infra = plan.role_team(IT, "Infrastructure Operations")
    hardware = plan.vendors_by_type["hardware"]
    vendor_ids = plan.vendor_ids
    for s in range(plan.n_storage):
        z = s % nz
        sid = plan.storage_id(s)
        yield rel(sid, "LOCATED_IN", plan.zone_ids[z])
        if plan.zone_cloud[z] < 0:
            yield rel(sid, "SUPPLIED_BY", vendor_ids[hardware[s % len(hardware)]])
        yield rel(sid, "CONNECTS_THROUGH", plan.net_id(z))
        yield rel(sid, "SUPPORTED_BY", infra)


def host_relationships(plan: Plan, rng: random.Random) -> Iterator[Relationship]:
    """Hosts connect through a subnet of their zone (half of them dual-homed, when it has two)."""
    rnd = rng.random
    nz = plan.nz
    infra = plan.role_team(IT, "Infrastructure Operations")
    cloud_ops = plan.role_team(IT, "Cloud Operations")
    hardware = plan.vendors_by_type["hardware"]
    vendor_ids = plan.vendor_ids
    zone_ids = plan.zone_ids
    zone_codes = plan.zone_codes
    zone_cloud = plan.zone_cloud
    subnets = plan.subnets_in_zone
    for h in range(plan.n_hosts):
        z = h % nz
        host = f"host-{zone_codes[z]}-{h:05d}"
        yield rel(host, "LOCATED_IN", zone_ids[z])
        if subnets[z] >= 2 and rnd() < 0.5:  # dual-homed: either uplink will do
            m = 1 + (h // nz) % subnets[z]
            m2 = 1 + (m + int(rnd() * (subnets[z] - 1))) % subnets[z]
            for x in (m, m2):
                yield grouped(host, "CONNECTS_THROUGH", f"net-{zone_codes[z]}-{x:02d}", "uplinks", 1)
        else:
            m = 1 + (h // nz) % subnets[z] if subnets[z] else 0
            yield rel(host, "CONNECTS_THROUGH", f"net-{zone_codes[z]}-{m:02d}")
        if zone_cloud[z] < 0:
            yield rel(host, "SUPPLIED_BY", vendor_ids[hardware[h % len(hardware)]])
            yield rel(host, "SUPPORTED_BY", infra)
        else:
            yield rel(host, "SUPPORTED_BY", cloud_ops)
