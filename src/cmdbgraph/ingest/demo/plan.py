"""The size plan of the demo enterprise: how many of each kind, and which goes where.

The plan draws from its own random stream and builds no models; the layer modules turn it into
CIs and relationships.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator, Sequence

from cmdbgraph.ingest.demo.catalogs import CITIES, CLOUDS, REGIONS, VENDOR_PREFIXES, VENDOR_SUFFIXES
from cmdbgraph.ingest.demo.departments import DEPTS, IT
from cmdbgraph.ingest.demo.naming import slugify, variant_name
from cmdbgraph.ingest.demo.partitions import apportion, prefix_sums, random_split

# service tiers by position inside a department: 1 = front, 2 = mid, 3 = core
_TIER_PATTERN = (1, 2, 3, 2, 3, 2, 1, 3)

# sizes as shares of the enterprise (containers fill up the rest)
_SHARE_BUSINESS_SERVICES = 0.006
_SHARE_SERVICES = 0.10
_SHARE_APPLICATIONS = 0.012
_SHARE_DATASETS = 0.025
_SHARE_STORAGE = 0.02
_SHARE_HOSTS = 0.11
_SHARE_NETWORKS = 0.012
_SHARE_VENDORS = 0.005
_SHARE_TEAMS = 0.02
_SHARE_PERSONS = 0.12

# criticality 1-4 by service tier, as cumulative shares
_CRIT_BY_TIER: dict[int, tuple[float, ...]] = {
    1: (0.30, 0.70, 0.95, 1.0),
    2: (0.10, 0.45, 0.88, 1.0),
    3: (0.25, 0.65, 0.95, 1.0),
}
_CRIT_VALUES = (1, 2, 3, 4)


def _weighted(rng: random.Random, cumulative: Sequence[float], values: Sequence[int]) -> int:
    r = rng.random()
    for c, v in zip(cumulative, values, strict=True):
        if r < c:
            return v
    return values[-1]


_APP_SLUGS = tuple(tuple(slugify(name) for name in d.applications) for d in DEPTS)


class Plan:
    """The shape of the enterprise: counts and index assignments, no models.

    Small kinds (locations, zones, vendors, teams) keep their ids in lists; large kinds
    (services, hosts, containers, persons ...) keep compact integer arrays and derive their
    ids from their index, so memory stays small even at a million CIs.
    """

    def __init__(self, size: int, seed: int) -> None:
        rng = random.Random(f"cmdbgraph-demo:{seed}:plan")
        n = size
        root = math.sqrt(n)

        # -- locations: sites > buildings > floors
        n_sites = max(1, min(len(CITIES), round(root / 20)))
        self.loc_ids: list[str] = []
        self.loc_names: list[str] = []
        self.loc_types: list[str] = []
        self.loc_parent: list[int] = []
        self.site_loc: list[int] = []
        self.site_floors: list[list[int]] = []
        for s in range(n_sites):
            code, city = CITIES[s]
            site = self._add_loc(f"loc-{code}", f"{city} Campus", "site", -1)
            self.site_loc.append(site)
            floors: list[int] = []
            buildings = 1 if n < 1000 else 1 + rng.randrange(3)
            for b in range(1, buildings + 1):
                bld = self._add_loc(f"loc-{code}-b{b}", f"{city} Building {b}", "building", site)
                for f in range(1, (2 if n < 1000 else 2 + rng.randrange(4)) + 1):
                    floors.append(
                        self._add_loc(f"loc-{code}-b{b}-f{f}", f"{city} Building {b} Floor {f}", "floor", bld)
                    )
            self.site_floors.append(floors)
        self.n_sites = n_sites

        # -- vendors (cloud vendors first)
        n_clouds = 1 if n < 1000 else (2 if n < 100_000 else 3)
        rest = max(4, round(n * _SHARE_VENDORS) - n_clouds)
        per_type = {
            "hardware": max(1, round(rest * 0.2)),
            "software": max(1, round(rest * 0.25)),
            "services": max(1, round(rest * 0.15)),
        }
        per_type["saas"] = max(1, rest - sum(per_type.values()))
        n_vendors = n_clouds + sum(per_type.values())
        self.vendor_ids: list[str] = []
        self.vendor_names: list[str] = []
        self.vendor_types: list[str] = []
        self.vendors_by_type: dict[str, list[int]] = {
            t: [] for t in ("cloud", "hardware", "software", "saas", "services")
        }
        for slug, name, _code in CLOUDS[:n_clouds]:
            self._add_vendor(f"vendor-{slug}", name, "cloud")
        for vtype in ("hardware", "software", "saas", "services"):
            suffixes = VENDOR_SUFFIXES[vtype]
            combos = len(VENDOR_PREFIXES) * len(suffixes)
            for k in range(per_type[vtype]):
                name = f"{VENDOR_PREFIXES[k % len(VENDOR_PREFIXES)]} "
                name += suffixes[(k // len(VENDOR_PREFIXES)) % len(suffixes)]
                if k >= combos:
                    name += f" {k // combos + 1}"
                self._add_vendor(f"vendor-{slugify(name)}", name, vtype)
        self.n_contracts = max(n_vendors, round(n_vendors * 1.4))

        # -- hosting zones: data centres, then cloud regions
        n_dcs = max(1, min(n_sites, round(root / 60)))
        n_regions = max(2, min(len(REGIONS) * n_clouds, round(root / 40)))
        self.zone_ids: list[str] = []
        self.zone_names: list[str] = []
        self.zone_codes: list[str] = []
        self.zone_cloud: list[int] = []  # cloud vendor index, -1 for a data centre
        self.zone_site: list[int] = []  # site of a data centre, -1 for a region
        for d in range(n_dcs):
            code, city = CITIES[d]
            self.zone_ids.append(f"dc-{code}-1")
            self.zone_names.append(f"{city} DC1")
            self.zone_codes.append(code)
            self.zone_cloud.append(-1)
            self.zone_site.append(d)
        for r in range(n_regions):
            cloud = r % n_clouds
            slug, name, short = CLOUDS[cloud]
            region, rcode = REGIONS[r // n_clouds]
            self.zone_ids.append(f"region-{slug}-{region}")
            self.zone_names.append(f"{name} {region}")
            self.zone_codes.append(f"{short}-{rcode}")
            self.zone_cloud.append(cloud)
            self.zone_site.append(-1)
        nz = self.nz = n_dcs + n_regions

        self.n_networks = max(nz, round(n * _SHARE_NETWORKS))
        self.n_storage = max(nz, round(n * _SHARE_STORAGE))
        self.n_hosts = max(2 * nz, round(n * _SHARE_HOSTS))
        self.hosts_in_zone = [(self.n_hosts - 1 - z) // nz + 1 for z in range(nz)]
        self.storage_in_zone = [(self.n_storage - 1 - z) // nz + 1 for z in range(nz)]
        self.subnets_in_zone = [max(0, (self.n_networks - 1 - z) // nz) for z in range(nz)]

        # -- teams: a root team per department, named teams, then squads under named teams
        n_teams = max(len(DEPTS) + 1, round(n * _SHARE_TEAMS))
        self.team_ids: list[str] = []
        self.team_names: list[str] = []
        self.team_dept = array("b")
        self.team_parent = array("q")
        self.team_site = array("q")
        self.dept_team_start: list[int] = []
        self.dept_team_count = apportion(n_teams, [d.weight for d in DEPTS], 1)
        for d, dept in enumerate(DEPTS):
            start = len(self.team_ids)
            self.dept_team_start.append(start)
            named = dept.teams
            for p in range(self.dept_team_count[d]):
                if p == 0:
                    tid, tname, parent = f"team-{dept.code}", f"{dept.label} Department", -1
                elif p <= len(named):
                    tname = named[p - 1]
                    tid, parent = f"team-{dept.code}-{slugify(tname)}", start
                else:
                    boss = 1 + (p - 1) % len(named)
                    tname = f"{named[boss - 1]} Squad {p}"
                    tid, parent = f"team-{dept.code}-{slugify(named[boss - 1])}-{p:04d}", start + boss
                self.team_ids.append(tid)
                self.team_names.append(tname)
                self.team_dept.append(d)
                self.team_parent.append(parent)
                self.team_site.append(0 if p == 0 else rng.randrange(n_sites))
        self.n_teams = n_teams

        # -- business services and applications (per department)
        self.bs_per_dept = apportion(
            max(len(DEPTS), round(n * _SHARE_BUSINESS_SERVICES)),
            [d.bs_weight for d in DEPTS],
            1,
        )
        n_apps = max(3, round(n * _SHARE_APPLICATIONS))
        apps_per_dept = apportion(n_apps, [d.weight for d in DEPTS], 0)
        self.app_dept = array("b")
        self.app_base = array("q")  # index into the department's application names
        self.app_mode = array("b")  # 0 SaaS, 1 hosted, 2 hosted in two zones
        self.app_zone = array("q")
        self.app_crit = array("b")
        self.dept_apps: list[list[int]] = [[] for _ in DEPTS]
        for d, count in enumerate(apps_per_dept):
            for k in range(count):
                self.dept_apps[d].append(len(self.app_dept))
                self.app_dept.append(d)
                self.app_base.append(k)
                crit = _weighted(rng, _CRIT_BY_TIER[2], _CRIT_VALUES)
                self.app_crit.append(crit)
                saas = rng.random() < 0.4
                self.app_mode.append(0 if saas else (2 if crit <= 2 and nz >= 2 else 1))
                self.app_zone.append(rng.randrange(nz))
        self.n_apps = n_apps

        # -- technical services and what hangs off them
        n_services = max(8, round(n * _SHARE_SERVICES))
        svc_per_dept = apportion(n_services, [d.weight for d in DEPTS], 1)
        self.svc_dept = array("b")
        self.svc_pos = array("q")
        self.svc_tier = array("b")
        self.svc_crit = array("b")
        self.svc_zone = array("q")
        self.svc_zone2 = array("q")  # second zone of a multi-region pool, -1 if none
        self.svc_team = array("q")
        self.tiers: list[list[array[int]]] = [[array("q") for _ in range(4)] for _ in DEPTS]
        api_sizes: list[int] = []
        db_sizes: list[int] = []
        cache_sizes: list[int] = []
        queue_sizes: list[int] = []
        containerised: list[int] = []
        for d, count in enumerate(svc_per_dept):
            for p in range(count):
                i = len(self.svc_dept)
                tier = _TIER_PATTERN[p % len(_TIER_PATTERN)]
                crit = _weighted(rng, _CRIT_BY_TIER[tier], _CRIT_VALUES)
                self.svc_dept.append(d)
                self.svc_pos.append(p)
                self.svc_tier.append(tier)
                self.svc_crit.append(crit)
                self.tiers[d][tier].append(i)
                self.svc_team.append(self._pick_owner(d, rng))
                zone = rng.randrange(nz)
                self.svc_zone.append(zone)
                api_sizes.append(2 if rng.random() < 0.3 else 1)
                has_db = rng.random() < (0.1, 0.4, 0.7)[tier - 1]
                db_sizes.append((3 if crit <= 2 else 1) if has_db else 0)
                cache_sizes.append(1 if tier <= 2 and rng.random() < 0.3 else 0)
                queue_sizes.append(1 if tier >= 2 and rng.random() < 0.2 else 0)
                cont = rng.random() < 0.8
                if cont:
                    containerised.append(i)
                self.svc_zone2.append((zone + 1 + rng.randrange(nz - 1)) % nz if cont and crit == 1 else -1)
        if not any(db_sizes):
            db_sizes[-1] = 1
        self.n_services = n_services
        self.api_start = prefix_sums(api_sizes)
        self.db_start = prefix_sums(db_sizes)
        self.cache_start = prefix_sums(cache_sizes)
        self.queue_start = prefix_sums(queue_sizes)
        self.with_db = array("q", (i for i, s in enumerate(db_sizes) if s))
        self.it_core = self.tiers[IT][3]
        self.n_datasets = max(2, round(n * _SHARE_DATASETS))

        # -- persons, then containers fill the enterprise up to exactly `size`
        n_persons = max(n_teams + 2, round(n * _SHARE_PERSONS))
        fixed = (
            len(self.loc_ids)
            + nz
            + len(self.vendor_ids)
            + self.n_contracts
            + n_teams
            + sum(self.bs_per_dept)
            + n_apps
            + n_services
            + self.api_start[-1]
            + self.db_start[-1]
            + self.cache_start[-1]
            + self.queue_start[-1]
            + self.n_datasets
            + self.n_storage
            + self.n_hosts
            + self.n_networks
        )
        n_containers = n - fixed - n_persons
        if n_containers < 4:  # tiny enterprises: fewer people, more containers
            n_persons = max(n_teams, n_persons - (4 - n_containers))
            n_containers = n - fixed - n_persons
        if n_containers < 1:  # pragma: no cover - the size bounds keep this unreachable
            raise AssertionError(f"demo plan for size {n} does not fit")
        self.n_persons = n_persons
        self.team_pstart = prefix_sums(random_split(n_persons, n_teams, 1, rng))

        ctr_sizes = [0] * n_services
        pools = min(len(containerised), n_containers // 2) or 1
        chosen = sorted(rng.sample(containerised, pools)) if containerised else [0]
        for i, k in zip(
            chosen, random_split(n_containers, pools, 2 if n_containers >= 2 else 1, rng), strict=True
        ):
            ctr_sizes[i] = k
        self.ctr_start = prefix_sums(ctr_sizes)
        self.n_containers = n_containers

    # -- plan helpers

    def _add_loc(self, loc_id: str, name: str, loc_type: str, parent: int) -> int:
        self.loc_ids.append(loc_id)
        self.loc_names.append(name)
        self.loc_types.append(loc_type)
        self.loc_parent.append(parent)
        return len(self.loc_ids) - 1

    def _add_vendor(self, vendor_id: str, name: str, vendor_type: str) -> None:
        self.vendors_by_type[vendor_type].append(len(self.vendor_ids))
        self.vendor_ids.append(vendor_id)
        self.vendor_names.append(name)
        self.vendor_types.append(vendor_type)

    def _pick_owner(self, d: int, rng: random.Random) -> int:
        """A delivery team of department ``d`` (squads when there are any)."""
        start, count = self.dept_team_start[d], self.dept_team_count[d]
        first = len(DEPTS[d].teams) + 1
        if count > first:
            return start + first + rng.randrange(count - first)
        if count > 1:
            return start + 1 + rng.randrange(count - 1)
        return start

    def role_team(self, d: int, name: str) -> str:
        """The id of the named team of department ``d``, or its root team when too small."""
        p = DEPTS[d].teams.index(name) + 1
        start = self.dept_team_start[d]
        return self.team_ids[start + p if p < self.dept_team_count[d] else start]

    # -- ids derived from indices

    def svc_word(self, i: int) -> str:
        words = DEPTS[self.svc_dept[i]].service_words
        return words[self.svc_pos[i] % len(words)]

    def svc_id(self, i: int) -> str:
        return f"svc-{self.svc_word(i)}-{i:04d}"

    def api_id(self, i: int, k: int) -> str:
        return f"api-{self.svc_word(i)}-{i:04d}-{k + 1}"

    def db_id(self, i: int, k: int) -> str:
        return f"db-{self.svc_word(i)}-{i:04d}-{k + 1:02d}"

    def host_id(self, h: int) -> str:
        return f"host-{self.zone_codes[h % self.nz]}-{h:05d}"

    def storage_id(self, s: int) -> str:
        return f"stor-{self.zone_codes[s % self.nz]}-{s:04d}"

    def net_id(self, j: int) -> str:
        return f"net-{self.zone_codes[j % self.nz]}-{j // self.nz:02d}"

    def app_id(self, a: int) -> str:
        slugs = _APP_SLUGS[self.app_dept[a]]
        return f"app-{slugs[self.app_base[a] % len(slugs)]}-{a:04d}"

    def dataset_owner(self, d: int) -> int:
        return self.with_db[d % len(self.with_db)]

    def dataset_id(self, d: int) -> str:
        return f"ds-{self.svc_word(self.dataset_owner(d))}-{d:04d}"

    def contract_id(self, c: int) -> str:
        nv = len(self.vendor_ids)
        return f"contract-{self.vendor_ids[c % nv][len('vendor-') :]}-{c // nv + 1}"

    def bs_ids(self, d: int) -> Iterator[tuple[int, str, str]]:
        """``(k, id, name)`` of the business services of department ``d``."""
        names = DEPTS[d].business_services
        for k in range(self.bs_per_dept[d]):
            base = names[k % len(names)]
            occurrence = k // len(names)
            yield k, f"bs-{slugify(base)}-{occurrence + 1:02d}", variant_name(base, occurrence)

    def pick_host(self, zone: int, rng: random.Random) -> int:
        return zone + self.nz * int(rng.random() * self.hosts_in_zone[zone])
