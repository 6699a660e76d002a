"""A deterministic, believable demo enterprise: CIs and relationships, generated lazily.

:func:`iter_enterprise` yields about ``size`` CIs (all of them first) and then about three
relationships per CI. The company has five departments (HR, Facilities, Finance, Legal and
IT/R&D), each with its business services, technical services, applications and teams. The
technical services form a layered dependency DAG (front, mid and core tiers) over APIs,
databases (replica sets), caches (soft dependencies), queues and data sets; everything runs on
containers and hosts in data centres and cloud regions, reached through networks, supplied by
vendors under contract, owned and supported by teams of people located on the floors of office
buildings.

The output is pure data: no I/O, no store. The same ``(size, seed)`` gives the same sequence in
every process (only ``random.Random`` seeded from a string, never ``hash()`` or set order).
Models are built with ``model_construct``; every value passed is one that validation accepts
unchanged (the test suite proves it by re-validating a sample).

Examples
--------
>>> items = list(iter_enterprise(100, seed=7))
>>> cis = [i for i in items if isinstance(i, CIData)]
>>> rels = [i for i in items if isinstance(i, Relationship)]
>>> len(cis)
100
>>> items.index(rels[0]) == len(cis)
True
>>> sorted({c.attributes["department"] for c in cis if c.kind == "BusinessService"})
['Facilities', 'Finance', 'HR', 'IT/R&D', 'Legal']
>>> items == list(iter_enterprise(100, seed=7))
True
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, JsonValue

from cmdbgraph.schema import CIData, Relationship, Status

__all__ = ["DEMO_MAX_SIZE", "DEMO_MIN_SIZE", "iter_enterprise"]

DEMO_MIN_SIZE = 100
"""The smallest enterprise :func:`iter_enterprise` generates (every layer still present)."""
DEMO_MAX_SIZE = 1_000_000
"""The largest enterprise :func:`iter_enterprise` generates."""


# ------------------------------------------------------------------------------------ catalogs


def _words(text: str) -> tuple[str, ...]:
    """Split a comma-separated catalog line (keeps the catalogs below compact)."""
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Split ``"a:b, c:d"`` into ``(("a", "b"), ("c", "d"))``."""
    return tuple((k, v) for k, _, v in (w.partition(":") for w in _words(text)))


@dataclass(frozen=True)
class _Dept:
    code: str
    label: str
    weight: float  # share of services, applications and teams
    bs_weight: float  # share of business services
    business_services: tuple[str, ...]
    important: frozenset[str]  # business services of criticality 1-2
    service_words: tuple[str, ...]
    applications: tuple[str, ...]
    teams: tuple[str, ...]
    skills: tuple[str, ...]
    classifications: tuple[str, ...]


def _dept(code: str, label: str, weight: float, bs_weight: float, **lines: str) -> _Dept:
    return _Dept(
        code=code,
        label=label,
        weight=weight,
        bs_weight=bs_weight,
        business_services=_words(lines["business_services"]),
        important=frozenset(_words(lines["important"])),
        service_words=_words(lines["service_words"]),
        applications=_words(lines["applications"]),
        teams=_words(lines["teams"]),
        skills=_words(lines["skills"]),
        classifications=_words(lines["classifications"]),
    )


# IT/R&D comes first: its services get the lowest indices, so every other department may
# depend on IT's core services without breaking the "same tier, lower index" DAG rule.
_DEPTS: tuple[_Dept, ...] = (
    _dept(
        "it",
        "IT/R&D",
        0.50,
        0.36,
        business_services="Customer Checkout, Product Search, Shopping Cart, Customer Accounts,"
        " Order Tracking, Mobile App, Recommendations, Developer Platform,"
        " Email and Collaboration, VPN Access, IT Service Desk, Data Analytics",
        important="Customer Checkout, Product Search, Shopping Cart, Customer Accounts,"
        " Order Tracking, Email and Collaboration",
        service_words="checkout, cart, search, catalog, pricing, inventory, payments, identity,"
        " auth, notifications, shipping, tax, fraud, recommendations, reviews, media, sessions,"
        " api-gateway, orders, customers, loyalty, promotions, feature-flags, audit-log, email,"
        " chat, ci-runner, artifact-store",
        applications="Code Repository, CI Pipeline, Issue Tracker, Team Wiki, Monitoring Suite,"
        " Mail Server, Team Chat, Analytics Warehouse, Log Search, Secrets Vault",
        teams="Service Desk, Infrastructure Operations, Platform Engineering,"
        " Database Administration, Network Operations, Application Support, Site Reliability,"
        " Cloud Operations, Security Operations, Data Engineering",
        skills="linux, kubernetes, python, java, go, postgresql, networking, cloud,"
        " incident-management, security, terraform, observability",
        classifications="public, internal, internal, confidential",
    ),
    _dept(
        "hr",
        "HR",
        0.13,
        0.16,
        business_services="Payroll, Recruiting, Onboarding, Benefits Enrollment,"
        " Time and Attendance, Learning Portal, Performance Reviews, Employee Directory",
        important="Payroll, Time and Attendance, Recruiting",
        service_words="payroll, recruiting, onboarding, benefits, timesheets, learning,"
        " performance, directory, absence, compensation",
        applications="HR Suite, Applicant Tracker, Learning Management System, Benefits Portal",
        teams="HR Operations, Talent Acquisition, Payroll Team, People Systems, Learning and Development",
        skills="payroll, employment-law, recruiting, hris, benefits, coaching",
        classifications="confidential, restricted, internal",
    ),
    _dept(
        "fac",
        "Facilities",
        0.11,
        0.14,
        business_services="Room Booking, Visitor Management, Badge Access, Maintenance Requests,"
        " Parking, Catering, Workplace Moves, Energy Monitoring",
        important="Badge Access, Maintenance Requests",
        service_words="room-booking, visitors, badges, maintenance, parking, catering, floorplans, energy",
        applications="Facilities Management System, Badge Controller, Visitor Kiosk,"
        " Building Management System",
        teams="Workplace Services, Security and Access, Building Maintenance, Catering Services",
        skills="hvac, electrical, access-control, space-planning, health-and-safety",
        classifications="internal, internal, confidential",
    ),
    _dept(
        "fin",
        "Finance",
        0.15,
        0.18,
        business_services="Accounts Payable, Accounts Receivable, Expense Claims, General Ledger,"
        " Procurement, Budget Planning, Treasury, Tax Reporting",
        important="Accounts Payable, General Ledger, Treasury",
        service_words="payables, receivables, expenses, ledger, procurement, budgeting, treasury,"
        " invoicing, tax-reporting, reconciliation",
        applications="ERP Finance, Expense Tool, Treasury Workstation, Invoice Scanner",
        teams="Procurement, Accounting, Financial Planning, Treasury Operations, Finance Systems",
        skills="accounting, ifrs, tax, procurement, forecasting, sap",
        classifications="confidential, restricted, internal",
    ),
    _dept(
        "legal",
        "Legal",
        0.11,
        0.16,
        business_services="Contract Management, eDiscovery, Compliance Reporting, Policy Library,"
        " IP Portfolio, Litigation Hold, Privacy Requests",
        important="Contract Management, Compliance Reporting",
        service_words="contracts, ediscovery, compliance, policies, ip-portfolio, matters,"
        " e-signature, privacy",
        applications="Contract Lifecycle Manager, eDiscovery Platform, Matter Management, E-Signature",
        teams="Contracts Desk, Corporate Legal, Compliance Office, Privacy Office",
        skills="contracts, gdpr, litigation, compliance, intellectual-property",
        classifications="confidential, restricted, restricted",
    ),
)
_IT, _HR, _FAC, _FIN, _LEGAL = range(len(_DEPTS))

_VARIANTS = _words(
    "EMEA, Americas, APAC, UK, DACH, Nordics, Iberia, ANZ, Japan, India, Benelux, France, Italy,"
    " Canada, Brazil, Mexico"
)
_CITIES = _pairs(
    "fra:Frankfurt, lon:London, dub:Dublin, ams:Amsterdam, par:Paris, mad:Madrid, mil:Milan,"
    " sto:Stockholm, war:Warsaw, zrh:Zurich, nyc:New York, chi:Chicago, aus:Austin,"
    " tor:Toronto, sao:Sao Paulo, sin:Singapore, tyo:Tokyo, syd:Sydney, bom:Mumbai,"
    " jnb:Johannesburg, ber:Berlin, muc:Munich, vie:Vienna, prg:Prague, cph:Copenhagen,"
    " osl:Oslo, hel:Helsinki, lis:Lisbon, bcn:Barcelona, bru:Brussels, sfo:San Francisco,"
    " sea:Seattle, atl:Atlanta, dal:Dallas, mex:Mexico City, hkg:Hong Kong, sel:Seoul,"
    " blr:Bangalore, dxb:Dubai, mel:Melbourne"
)
_STREETS = _words(
    "Harbour Road, Station Street, Market Square, Park Avenue, River Lane, Innovation Drive,"
    " Kings Way, Mill Street, Bridge Road, Lake View"
)
# (id slug, display name, short code for ids)
_CLOUDS: tuple[tuple[str, str, str], ...] = (
    ("nimbus-cloud", "Nimbus Cloud", "nim"),
    ("stratos-compute", "Stratos Compute", "str"),
    ("cirrus-cloud-platform", "Cirrus Cloud Platform", "cir"),
)
# (region name, short code for ids)
_REGIONS = _pairs(
    "eu-west-1:euw1, us-east-1:use1, eu-central-1:euc1, us-west-2:usw2, ap-southeast-1:apse1,"
    " ap-northeast-1:apne1, sa-east-1:sae1, ca-central-1:cac1"
)
_VENDOR_PREFIXES = _words(
    "Acme, Bluepeak, Granite, Northwind, Ironclad, Silverline, Quantum, Redwood, Everest,"
    " Brightpath, Helix, Lumen, Orbit, Pinnacle, Sapphire, Tidewater, Vertex, Zephyr, Cobalt,"
    " Meridian, Aurora, Beacon, Cascade, Driftwood, Evergreen, Falcon, Harbor, Juniper,"
    " Keystone, Larkspur"
)
# suffixes differ per vendor type, so generated vendor names (and ids) never collide
_VENDOR_SUFFIXES = {
    "hardware": _words("Systems, Hardware, Servers, Devices, Storage Arrays"),
    "software": _words("Software, Labs, Technologies, Data, Code Works"),
    "saas": _words("HQ, Hub, Online, App, IO, Suite"),
    "services": _words("Services, Facilities, Consulting, Partners, Solutions"),
}
_FIRST_NAMES = _words(
    "Amelia, Noah, Olivia, Liam, Sofia, Lucas, Emma, Mateo, Hannah, Ethan, Chloe, Arjun, Mia,"
    " Kenji, Zara, Omar, Lena, Jonas, Priya, Diego, Ingrid, Tomasz, Aisha, Felix, Yuki, Marco,"
    " Elena, Samuel, Freya, Ravi, Clara, Hugo, Nadia, Oscar, Ines, Leo, Maya, Ivan, Grace, Kofi"
)
_LAST_NAMES = _words(
    "Novak, Smith, Garcia, Muller, Rossi, Dubois, Kowalski, Jensen, Tanaka, Patel, Silva,"
    " Okafor, Nguyen, Johansson, Schmidt, Costa, Murphy, Ivanova, Kim, Haddad, Lopez, Brown,"
    " Fischer, Moreau, Sato, Khan, Andersen, Romano, Walsh, Mendes, Weber, Nakamura, Clarke,"
    " Berg, Popescu, Adeyemi, Horvat, Santos, Larsen, Chen"
)
_TITLES = _words(
    "Engineer, Senior Engineer, Analyst, Specialist, Coordinator, Consultant, Administrator, Advisor"
)
_OS = _words("Ubuntu 22.04, Ubuntu 24.04, RHEL 9, RHEL 8, Debian 12, Windows Server 2022")
_CPUS = (2, 4, 4, 8, 8, 16, 16, 32, 64)
_DB_ENGINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PostgreSQL", ("14", "15", "16")),
    ("MySQL", ("8.0",)),
    ("Oracle", ("19c", "21c")),
    ("SQL Server", ("2019", "2022")),
    ("MongoDB", ("6.0", "7.0")),
)
_CACHE_ENGINES = _words("Redis, Redis, Memcached, Valkey")
_QUEUE_ENGINES = _words("Kafka, RabbitMQ, ActiveMQ, NATS")
_LANGUAGES = _words("Java, Python, Go, TypeScript, C#, Kotlin")
# (API protocol attribute, label in the API's name)
_PROTOCOLS = _pairs("http:REST, http:REST, grpc:gRPC, graphql:GraphQL, async:Events, soap:SOAP")
_ENVIRONMENTS = ("production",) * 9 + ("staging",)
_DATASET_SUFFIXES = _words("Records, Events, Reports, Master Data, Analytics Extract, Audit Trail")
_ANALYTICS_SUFFIX = _DATASET_SUFFIXES.index("Analytics Extract")  # its readers depend softly
_ACRONYMS = {"api": "API", "ci": "CI", "ip": "IP", "e": "E"}

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


# ----------------------------------------------------------------------------------- helpers


def _title(slug: str) -> str:
    return " ".join(_ACRONYMS.get(w, w.capitalize()) for w in slug.split("-"))


def _slug(text: str) -> str:
    out: list[str] = []
    dash = False
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def _variant(base: str, occurrence: int) -> str:
    if occurrence == 0:
        return base
    if occurrence <= len(_VARIANTS):
        return f"{base} {_VARIANTS[occurrence - 1]}"
    return f"{base} {occurrence + 1}"


def _apportion(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``, each ``>= minimum``."""
    rest = total - minimum * len(weights)
    wsum = sum(weights)
    raw = [rest * w / wsum for w in weights]
    out = [minimum + int(r) for r in raw]
    left = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (int(raw[i]) - raw[i], i))
    for i in order[:left]:
        out[i] += 1
    return out


def _split(total: int, parts: int, lo: int, rng: random.Random) -> list[int]:
    """Random sizes, each ``>= lo``, summing to ``total`` (stars and bars)."""
    if parts == 1:
        return [total]
    extra = total - lo * parts
    cuts = sorted(rng.sample(range(extra + parts - 1), parts - 1))
    sizes: list[int] = []
    prev = -1
    for c in cuts:
        sizes.append(lo + c - prev - 1)
        prev = c
    sizes.append(lo + extra + parts - 2 - prev)
    return sizes


def _prefix(sizes: Sequence[int]) -> array[int]:
    out = array("q", [0])
    total = 0
    for s in sizes:
        total += s
        out.append(total)
    return out


def _weighted(rng: random.Random, cumulative: Sequence[float], values: Sequence[int]) -> int:
    r = rng.random()
    for c, v in zip(cumulative, values, strict=True):
        if r < c:
            return v
    return values[-1]


_CRIT_BY_TIER: dict[int, tuple[float, ...]] = {
    1: (0.30, 0.70, 0.95, 1.0),
    2: (0.10, 0.45, 0.88, 1.0),
    3: (0.25, 0.65, 0.95, 1.0),
}
_CRIT_VALUES = (1, 2, 3, 4)


# Models are built without validation; every value passed is one validation accepts unchanged
# (the test suite re-validates a sample). They are rebuilt the way ``pickle`` rebuilds a
# pydantic model (``__new__`` + ``__setstate__``), which leaves exactly the state
# ``model_construct`` leaves at about half its cost; should a pydantic release ever make the
# two differ, the probe below notices at import time and ``model_construct`` is used instead.

_M = TypeVar("_M", bound=BaseModel)


def _from_state(model: type[_M], values: dict[str, Any], fields: set[str]) -> _M:
    obj = model.__new__(model)
    obj.__setstate__(
        {
            "__dict__": values,
            "__pydantic_fields_set__": fields,
            "__pydantic_extra__": None,
            "__pydantic_private__": None,
        }
    )
    return obj


def _setstate_matches_construct() -> bool:
    values: dict[str, Any] = {
        "source": "a",
        "target": "b",
        "type": "RUNS_ON",
        "optional": False,
        "redundancy_group": "pool",
        "min_up": 2,
        "attributes": {},
    }
    fields = {"source", "target", "type", "redundancy_group", "min_up"}
    fast = _from_state(Relationship, dict(values), set(fields))
    slow = Relationship.model_construct(set(fields), **values)
    return (
        fast.__getstate__() == slow.__getstate__()
        and fast == slow == Relationship.model_validate(values)
        and fast.model_fields_set == slow.model_fields_set
        and not Relationship.__pydantic_post_init__
        and not CIData.__pydantic_post_init__
    )


_SETSTATE = _setstate_matches_construct()


def _build(model: type[_M], values: dict[str, Any], fields: set[str]) -> _M:
    if _SETSTATE:
        return _from_state(model, values, fields)
    return model.model_construct(fields, **values)


def _ci(
    ci_id: str,
    kind: str,
    name: str,
    criticality: int,
    status: Status,
    attributes: dict[str, JsonValue],
) -> CIData:
    return _build(
        CIData,
        {
            "id": ci_id,
            "kind": kind,
            "name": name,
            "criticality": criticality,
            "status": status,
            "attributes": attributes,
        },
        {"id", "kind", "name", "criticality", "status", "attributes"},
    )


def _rel(source: str, rel_type: str, target: str) -> Relationship:
    return _build(
        Relationship,
        {
            "source": source,
            "target": target,
            "type": rel_type,
            "optional": False,
            "redundancy_group": None,
            "min_up": None,
            "attributes": {},
        },
        {"source", "target", "type"},
    )


def _soft(source: str, rel_type: str, target: str) -> Relationship:
    """An optional relationship: a failure of the target degrades the source, never more."""
    return _build(
        Relationship,
        {
            "source": source,
            "target": target,
            "type": rel_type,
            "optional": True,
            "redundancy_group": None,
            "min_up": None,
            "attributes": {},
        },
        {"source", "target", "type", "optional"},
    )


def _grouped(source: str, rel_type: str, target: str, group: str, min_up: int | str) -> Relationship:
    """One member of the redundancy group ``group`` of ``source`` (quorum ``min_up``)."""
    return _build(
        Relationship,
        {
            "source": source,
            "target": target,
            "type": rel_type,
            "optional": False,
            "redundancy_group": group,
            "min_up": min_up,
            "attributes": {},
        },
        {"source", "target", "type", "redundancy_group", "min_up"},
    )


_APP_SLUGS = tuple(tuple(_slug(name) for name in d.applications) for d in _DEPTS)


# -------------------------------------------------------------------------------------- plan


class _Plan:
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
        n_sites = max(1, min(len(_CITIES), round(root / 20)))
        self.loc_ids: list[str] = []
        self.loc_names: list[str] = []
        self.loc_types: list[str] = []
        self.loc_parent: list[int] = []
        self.site_loc: list[int] = []
        self.site_floors: list[list[int]] = []
        for s in range(n_sites):
            code, city = _CITIES[s]
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
        for slug, name, _code in _CLOUDS[:n_clouds]:
            self._add_vendor(f"vendor-{slug}", name, "cloud")
        for vtype in ("hardware", "software", "saas", "services"):
            suffixes = _VENDOR_SUFFIXES[vtype]
            combos = len(_VENDOR_PREFIXES) * len(suffixes)
            for k in range(per_type[vtype]):
                name = f"{_VENDOR_PREFIXES[k % len(_VENDOR_PREFIXES)]} "
                name += suffixes[(k // len(_VENDOR_PREFIXES)) % len(suffixes)]
                if k >= combos:
                    name += f" {k // combos + 1}"
                self._add_vendor(f"vendor-{_slug(name)}", name, vtype)
        self.n_contracts = max(n_vendors, round(n_vendors * 1.4))

        # -- hosting zones: data centres, then cloud regions
        n_dcs = max(1, min(n_sites, round(root / 60)))
        n_regions = max(2, min(len(_REGIONS) * n_clouds, round(root / 40)))
        self.zone_ids: list[str] = []
        self.zone_names: list[str] = []
        self.zone_codes: list[str] = []
        self.zone_cloud: list[int] = []  # cloud vendor index, -1 for a data centre
        self.zone_site: list[int] = []  # site of a data centre, -1 for a region
        for d in range(n_dcs):
            code, city = _CITIES[d]
            self.zone_ids.append(f"dc-{code}-1")
            self.zone_names.append(f"{city} DC1")
            self.zone_codes.append(code)
            self.zone_cloud.append(-1)
            self.zone_site.append(d)
        for r in range(n_regions):
            cloud = r % n_clouds
            slug, name, short = _CLOUDS[cloud]
            region, rcode = _REGIONS[r // n_clouds]
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
        n_teams = max(len(_DEPTS) + 1, round(n * _SHARE_TEAMS))
        self.team_ids: list[str] = []
        self.team_names: list[str] = []
        self.team_dept = array("b")
        self.team_parent = array("q")
        self.team_site = array("q")
        self.dept_team_start: list[int] = []
        self.dept_team_count = _apportion(n_teams, [d.weight for d in _DEPTS], 1)
        for d, dept in enumerate(_DEPTS):
            start = len(self.team_ids)
            self.dept_team_start.append(start)
            named = dept.teams
            for p in range(self.dept_team_count[d]):
                if p == 0:
                    tid, tname, parent = f"team-{dept.code}", f"{dept.label} Department", -1
                elif p <= len(named):
                    tname = named[p - 1]
                    tid, parent = f"team-{dept.code}-{_slug(tname)}", start
                else:
                    boss = 1 + (p - 1) % len(named)
                    tname = f"{named[boss - 1]} Squad {p}"
                    tid, parent = f"team-{dept.code}-{_slug(named[boss - 1])}-{p:04d}", start + boss
                self.team_ids.append(tid)
                self.team_names.append(tname)
                self.team_dept.append(d)
                self.team_parent.append(parent)
                self.team_site.append(0 if p == 0 else rng.randrange(n_sites))
        self.n_teams = n_teams

        # -- business services and applications (per department)
        self.bs_per_dept = _apportion(
            max(len(_DEPTS), round(n * _SHARE_BUSINESS_SERVICES)),
            [d.bs_weight for d in _DEPTS],
            1,
        )
        n_apps = max(3, round(n * _SHARE_APPLICATIONS))
        apps_per_dept = _apportion(n_apps, [d.weight for d in _DEPTS], 0)
        self.app_dept = array("b")
        self.app_base = array("q")  # index into the department's application names
        self.app_mode = array("b")  # 0 SaaS, 1 hosted, 2 hosted in two zones
        self.app_zone = array("q")
        self.app_crit = array("b")
        self.dept_apps: list[list[int]] = [[] for _ in _DEPTS]
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
        svc_per_dept = _apportion(n_services, [d.weight for d in _DEPTS], 1)
        self.svc_dept = array("b")
        self.svc_pos = array("q")
        self.svc_tier = array("b")
        self.svc_crit = array("b")
        self.svc_zone = array("q")
        self.svc_zone2 = array("q")  # second zone of a multi-region pool, -1 if none
        self.svc_team = array("q")
        self.tiers: list[list[array[int]]] = [[array("q") for _ in range(4)] for _ in _DEPTS]
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
        self.api_start = _prefix(api_sizes)
        self.db_start = _prefix(db_sizes)
        self.cache_start = _prefix(cache_sizes)
        self.queue_start = _prefix(queue_sizes)
        self.with_db = array("q", (i for i, s in enumerate(db_sizes) if s))
        self.it_core = self.tiers[_IT][3]
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
        self.team_pstart = _prefix(_split(n_persons, n_teams, 1, rng))

        ctr_sizes = [0] * n_services
        pools = min(len(containerised), n_containers // 2) or 1
        chosen = sorted(rng.sample(containerised, pools)) if containerised else [0]
        for i, k in zip(chosen, _split(n_containers, pools, 2 if n_containers >= 2 else 1, rng), strict=True):
            ctr_sizes[i] = k
        self.ctr_start = _prefix(ctr_sizes)
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
        first = len(_DEPTS[d].teams) + 1
        if count > first:
            return start + first + rng.randrange(count - first)
        if count > 1:
            return start + 1 + rng.randrange(count - 1)
        return start

    def role_team(self, d: int, name: str) -> str:
        """The id of the named team of department ``d``, or its root team when too small."""
        p = _DEPTS[d].teams.index(name) + 1
        start = self.dept_team_start[d]
        return self.team_ids[start + p if p < self.dept_team_count[d] else start]

    # -- ids derived from indices

    def svc_word(self, i: int) -> str:
        words = _DEPTS[self.svc_dept[i]].service_words
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
        names = _DEPTS[d].business_services
        for k in range(self.bs_per_dept[d]):
            base = names[k % len(names)]
            occurrence = k // len(names)
            yield k, f"bs-{_slug(base)}-{occurrence + 1:02d}", _variant(base, occurrence)

    def pick_host(self, zone: int, rng: random.Random) -> int:
        return zone + self.nz * int(rng.random() * self.hosts_in_zone[zone])


# ------------------------------------------------------------------------------ CI generation


def _status(rng: random.Random) -> Status:
    r = rng.random()
    if r < 0.012:
        return Status.MAINTENANCE
    if r < 0.02:
        return Status.DEGRADED
    return Status.OPERATIONAL


def _cis(plan: _Plan, rng: random.Random) -> Iterator[CIData]:
    rnd = rng.random
    operational = Status.OPERATIONAL
    nz = plan.nz

    # locations
    for i, loc_id in enumerate(plan.loc_ids):
        loc_type = plan.loc_types[i]
        attrs: dict[str, JsonValue] = {"type": loc_type}
        if loc_type == "site":
            city = _CITIES[plan.site_loc.index(i)][1]
            attrs["address"] = f"{1 + int(rnd() * 200)} {_STREETS[int(rnd() * len(_STREETS))]}, {city}"
        crit = {"site": 2, "building": 3, "floor": 4}[loc_type]
        yield _ci(loc_id, "Location", plan.loc_names[i], crit, _status(rng), attrs)

    # data centres and cloud regions
    for z in range(nz):
        if plan.zone_cloud[z] < 0:
            yield _ci(
                plan.zone_ids[z],
                "Datacenter",
                plan.zone_names[z],
                1,
                operational,
                {"tier": 3 + int(rnd() * 2)},
            )
        else:
            yield _ci(
                plan.zone_ids[z],
                "CloudRegion",
                plan.zone_names[z],
                1,
                operational,
                {"provider": _CLOUDS[plan.zone_cloud[z]][1]},
            )

    # networks: the first of each zone is its core network, the others are subnets
    for j in range(plan.n_networks):
        z, m = j % nz, j // nz
        if m == 0:
            name, cidr, crit = f"{plan.zone_names[z]} core network", f"10.{z}.0.0/16", 1
        else:
            name, cidr, crit = f"{plan.zone_names[z]} subnet {m}", f"10.{z}.{m % 256}.0/24", 2
        yield _ci(plan.net_id(j), "Network", name, crit, _status(rng), {"cidr": cidr})

    # storage
    for s in range(plan.n_storage):
        z = s % nz
        kind = "array" if plan.zone_cloud[z] < 0 else "volume pool"
        yield _ci(
            plan.storage_id(s),
            "Storage",
            f"{plan.zone_names[z]} storage {kind} {s}",
            2 + (rnd() < 0.3),
            _status(rng),
            {"capacity_gb": float(1024 * (1 + int(rnd() * 64)))},
        )

    # hosts
    for h in range(plan.n_hosts):
        z = h % nz
        code = plan.zone_codes[z]
        cpus = _CPUS[int(rnd() * len(_CPUS))]
        yield _ci(
            f"host-{code}-{h:05d}",
            "Host",
            f"{code.upper()} host {h}",
            2 + (rnd() < 0.5),
            _status(rng),
            {
                "hostname": f"{code}-{h:05d}.corp.example.com",
                "os": _OS[int(rnd() * len(_OS))],
                "cpu_count": cpus,
                "memory_gb": float(cpus * (4 << int(rnd() * 3))),
                "ip_address": f"10.{z % 256}.{(h >> 8) % 256}.{h % 256}",
            },
        )

    # vendors and contracts
    for v, vendor_id in enumerate(plan.vendor_ids):
        yield _ci(
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
        yield _ci(
            plan.contract_id(c),
            "Contract",
            f"{plan.vendor_names[v]} {label}",
            3 + (rnd() < 0.5),
            operational,
            {"value": float(1000 * (5 + int(rnd() * 2000))), "end_date": f"{year}-{month:02d}-28"},
        )

    # teams and persons
    for t, team_id in enumerate(plan.team_ids):
        dept = _DEPTS[plan.team_dept[t]]
        skills: list[JsonValue] = [
            dept.skills[int(rnd() * len(dept.skills))],
            dept.skills[int(rnd() * len(dept.skills))],
        ]
        yield _ci(
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
        dept = _DEPTS[plan.team_dept[t]]
        lead_title = "Head of " + dept.label if plan.team_parent[t] < 0 else "Team Lead"
        for p in range(plan.team_pstart[t], plan.team_pstart[t + 1]):
            first = _FIRST_NAMES[int(rnd() * len(_FIRST_NAMES))]
            last = _LAST_NAMES[int(rnd() * len(_LAST_NAMES))]
            title = lead_title if p == plan.team_pstart[t] else _TITLES[int(rnd() * len(_TITLES))]
            yield _ci(
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

    # business services
    for d, dept in enumerate(_DEPTS):
        for _k, bs_id, name in plan.bs_ids(d):
            base = dept.business_services[_k % len(dept.business_services)]
            crit = 1 + int(rnd() * 2) if base in dept.important else 2 + int(rnd() * 3)
            yield _ci(
                bs_id,
                "BusinessService",
                name,
                min(crit, 4),
                _status(rng),
                {
                    "department": dept.label,
                    "sla_target": (99.95, 99.9, 99.5, 99.0)[min(crit, 4) - 1],
                },
            )

    # applications
    for a in range(plan.n_apps):
        dept = _DEPTS[plan.app_dept[a]]
        names = dept.applications
        k = plan.app_base[a]
        name = _variant(names[k % len(names)], k // len(names))
        attrs = {"environment": "production", "version": f"{1 + int(rnd() * 12)}.{int(rnd() * 10)}"}
        if plan.app_mode[a]:
            attrs["language"] = _LANGUAGES[int(rnd() * len(_LANGUAGES))]
        yield _ci(plan.app_id(a), "Application", name, plan.app_crit[a], _status(rng), attrs)

    # technical services, their APIs, databases, caches, queues and containers
    for i in range(plan.n_services):
        word = plan.svc_word(i)
        title = _title(word)
        crit = plan.svc_crit[i]
        yield _ci(
            f"svc-{word}-{i:04d}",
            "Service",
            f"{title} Service {i}",
            crit,
            _status(rng),
            {
                "environment": _ENVIRONMENTS[int(rnd() * len(_ENVIRONMENTS))],
                "tier": plan.svc_tier[i],
            },
        )
        for k in range(plan.api_start[i + 1] - plan.api_start[i]):
            protocol, label = _PROTOCOLS[int(rnd() * len(_PROTOCOLS))]
            yield _ci(
                f"api-{word}-{i:04d}-{k + 1}",
                "API",
                f"{title} {i} {label} API v{k + 1}",
                crit,
                operational,
                {"protocol": protocol, "version": f"v{k + 1}"},
            )
        replicas = plan.db_start[i + 1] - plan.db_start[i]
        if replicas:
            engine, versions = _DB_ENGINES[int(rnd() * len(_DB_ENGINES))]
            version = versions[int(rnd() * len(versions))]
            for k in range(replicas):
                role = "primary" if k == 0 else f"replica {k}"
                yield _ci(
                    f"db-{word}-{i:04d}-{k + 1:02d}",
                    "Database",
                    f"{title} {i} DB {role}",
                    crit,
                    _status(rng),
                    {"engine": engine, "version": version, "environment": "production"},
                )
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield _ci(
                f"cache-{word}-{i:04d}",
                "Cache",
                f"{title} {i} cache",
                min(crit + 1, 4),
                _status(rng),
                {"engine": _CACHE_ENGINES[int(rnd() * len(_CACHE_ENGINES))]},
            )
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            yield _ci(
                f"queue-{word}-{i:04d}",
                "Queue",
                f"{title} {i} events queue",
                crit,
                _status(rng),
                {"engine": _QUEUE_ENGINES[int(rnd() * len(_QUEUE_ENGINES))]},
            )
        pods = plan.ctr_start[i + 1] - plan.ctr_start[i]
        if pods:
            release = f"{1 + int(rnd() * 9)}.{int(rnd() * 30)}.{int(rnd() * 10)}"
            image = f"registry.example.com/{word}:{release}"
            ctr_crit = min(crit + 1, 4)
            for k in range(pods):
                status = operational if rnd() >= 0.02 else Status.DEGRADED
                yield _ci(
                    f"ctr-{word}-{i:04d}-{k + 1:02d}",
                    "Container",
                    f"{title} {i} pod {k + 1}",
                    ctr_crit,
                    status,
                    {"image": image},
                )

    # data sets
    for d in range(plan.n_datasets):
        owner = plan.dataset_owner(d)
        dept = _DEPTS[plan.svc_dept[owner]]
        suffix = _DATASET_SUFFIXES[d % len(_DATASET_SUFFIXES)]
        yield _ci(
            plan.dataset_id(d),
            "Dataset",
            f"{_title(plan.svc_word(owner))} {suffix} {d}",
            2 + int(rnd() * 2),
            operational,
            {"classification": dept.classifications[int(rnd() * len(dept.classifications))]},
        )


# -------------------------------------------------------------------- relationship generation


def _relationships(plan: _Plan, rng: random.Random) -> Iterator[Relationship]:
    rnd = rng.random
    nz = plan.nz
    it_desk = plan.role_team(_IT, "Service Desk")
    infra = plan.role_team(_IT, "Infrastructure Operations")
    cloud_ops = plan.role_team(_IT, "Cloud Operations")
    platform = plan.role_team(_IT, "Platform Engineering")
    dba = plan.role_team(_IT, "Database Administration")
    netops = plan.role_team(_IT, "Network Operations")
    app_support = plan.role_team(_IT, "Application Support")
    sre = plan.role_team(_IT, "Site Reliability")
    procurement = plan.role_team(_FIN, "Procurement")
    contracts_desk = plan.role_team(_LEGAL, "Contracts Desk")
    hardware = plan.vendors_by_type["hardware"]
    software = plan.vendors_by_type["software"]
    saas = plan.vendors_by_type["saas"]
    services_vendors = plan.vendors_by_type["services"]
    vendor_ids = plan.vendor_ids

    # locations: floor -> building -> site
    for i, loc_id in enumerate(plan.loc_ids):
        if plan.loc_parent[i] >= 0:
            yield _rel(loc_id, "LOCATED_IN", plan.loc_ids[plan.loc_parent[i]])

    # zones: data centres sit on a site and are run by a colocation provider
    for z in range(nz):
        zone_id = plan.zone_ids[z]
        if plan.zone_cloud[z] < 0:
            yield _rel(zone_id, "LOCATED_IN", plan.loc_ids[plan.site_loc[plan.zone_site[z]]])
            yield _rel(zone_id, "SUPPLIED_BY", vendor_ids[services_vendors[z % len(services_vendors)]])
        else:
            yield _rel(zone_id, "SUPPLIED_BY", vendor_ids[plan.zone_cloud[z]])
        yield _rel(zone_id, "SUPPORTED_BY", infra if plan.zone_cloud[z] < 0 else cloud_ops)

    # networks
    for j in range(plan.n_networks):
        z = j % nz
        net = plan.net_id(j)
        yield _rel(net, "LOCATED_IN", plan.zone_ids[z])
        if j >= nz:
            yield _rel(net, "CONNECTS_THROUGH", plan.net_id(z))
        yield _rel(net, "SUPPORTED_BY", netops)

    # storage
    for s in range(plan.n_storage):
        z = s % nz
        sid = plan.storage_id(s)
        yield _rel(sid, "LOCATED_IN", plan.zone_ids[z])
        if plan.zone_cloud[z] < 0:
            yield _rel(sid, "SUPPLIED_BY", vendor_ids[hardware[s % len(hardware)]])
        yield _rel(sid, "CONNECTS_THROUGH", plan.net_id(z))
        yield _rel(sid, "SUPPORTED_BY", infra)

    # hosts
    zone_ids = plan.zone_ids
    zone_codes = plan.zone_codes
    zone_cloud = plan.zone_cloud
    subnets = plan.subnets_in_zone
    for h in range(plan.n_hosts):
        z = h % nz
        host = f"host-{zone_codes[z]}-{h:05d}"
        yield _rel(host, "LOCATED_IN", zone_ids[z])
        if subnets[z] >= 2 and rnd() < 0.5:  # dual-homed: either uplink will do
            m = 1 + (h // nz) % subnets[z]
            m2 = 1 + (m + int(rnd() * (subnets[z] - 1))) % subnets[z]
            for x in (m, m2):
                yield _grouped(host, "CONNECTS_THROUGH", f"net-{zone_codes[z]}-{x:02d}", "uplinks", 1)
        else:
            m = 1 + (h // nz) % subnets[z] if subnets[z] else 0
            yield _rel(host, "CONNECTS_THROUGH", f"net-{zone_codes[z]}-{m:02d}")
        if zone_cloud[z] < 0:
            yield _rel(host, "SUPPLIED_BY", vendor_ids[hardware[h % len(hardware)]])
            yield _rel(host, "SUPPORTED_BY", infra)
        else:
            yield _rel(host, "SUPPORTED_BY", cloud_ops)

    # vendors and contracts
    nv = len(vendor_ids)
    for vendor_id in vendor_ids:
        yield _rel(vendor_id, "OWNED_BY", procurement)
    for c in range(plan.n_contracts):
        contract = plan.contract_id(c)
        yield _rel(contract, "SUPPLIED_BY", vendor_ids[c % nv])
        yield _rel(contract, "OWNED_BY", contracts_desk if rnd() < 0.7 else procurement)

    # teams and persons
    team_ids = plan.team_ids
    pstart = plan.team_pstart
    for t, team_id in enumerate(team_ids):
        parent = plan.team_parent[t]
        if parent >= 0:
            yield _rel(team_id, "REPORTS_TO", team_ids[parent])
        yield _rel(team_id, "LOCATED_IN", plan.loc_ids[plan.site_loc[plan.team_site[t]]])
    for t, team_id in enumerate(team_ids):
        lead = f"person-{pstart[t]:05d}"
        parent = plan.team_parent[t]
        floors = plan.site_floors[plan.team_site[t]]
        for p in range(pstart[t], pstart[t + 1]):
            person = f"person-{p:05d}"
            yield _rel(person, "MEMBER_OF", team_id)
            if p != pstart[t]:
                yield _rel(person, "REPORTS_TO", lead)
            elif parent >= 0:
                yield _rel(person, "REPORTS_TO", f"person-{pstart[parent]:05d}")
            yield _rel(person, "LOCATED_IN", plan.loc_ids[floors[int(rnd() * len(floors))]])

    # technical services
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
                yield _grouped(svc, "RUNS_ON", f"ctr-{word}-{i:04d}-{k + 1:02d}", "pool", "50%")
        elif pods == 1:
            yield _rel(svc, "RUNS_ON", f"ctr-{word}-{i:04d}-01")
        elif plan.hosts_in_zone[zone] >= 2 and rnd() < 0.6:
            a = int(rnd() * plan.hosts_in_zone[zone])
            b = (a + 1 + int(rnd() * (plan.hosts_in_zone[zone] - 1))) % plan.hosts_in_zone[zone]
            for x in (a, b):
                yield _grouped(svc, "RUNS_ON", plan.host_id(zone + nz * x), "hosts", 1)
        else:
            yield _rel(svc, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))

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
                yield (_soft if optional else _rel)(svc, "DEPENDS_ON", plan.api_id(j, k))
            else:
                yield (_soft if optional else _rel)(svc, "DEPENDS_ON", plan.svc_id(j))

        # data stores: a replica set needs 2 of 3 up; caches are soft dependencies
        replicas = db_start[i + 1] - db_start[i]
        if replicas == 1:
            yield _rel(svc, "DEPENDS_ON", f"db-{word}-{i:04d}-01")
        elif replicas:
            for k in range(replicas):
                yield _grouped(svc, "DEPENDS_ON", f"db-{word}-{i:04d}-{k + 1:02d}", "db-replicas", 2)
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield _soft(svc, "DEPENDS_ON", f"cache-{word}-{i:04d}")
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            queue = f"queue-{word}-{i:04d}"
            yield _rel(svc, "DEPENDS_ON", queue)
            consumer = (i + 1 + int(rnd() * (n_services - 1))) % n_services
            yield _rel(plan.svc_id(consumer), "DEPENDS_ON", queue)

        yield _rel(svc, "CONNECTS_THROUGH", plan.net_id(zone))
        team = team_ids[plan.svc_team[i]]
        yield _rel(svc, "OWNED_BY", team)
        if d != _IT:
            yield _rel(svc, "SUPPORTED_BY", app_support)
        else:
            yield _rel(svc, "SUPPORTED_BY", sre if plan.svc_crit[i] <= 2 else team)

        # the parts and the stores of this service
        for k in range(api_start[i + 1] - api_start[i]):
            api = f"api-{word}-{i:04d}-{k + 1}"
            yield _rel(api, "PART_OF", svc)
            yield _rel(api, "OWNED_BY", team)
        for k in range(replicas):
            db = f"db-{word}-{i:04d}-{k + 1:02d}"
            yield _rel(db, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
            storage = zone + nz * int(rnd() * plan.storage_in_zone[zone])
            yield _rel(db, "DEPENDS_ON", plan.storage_id(storage))
            yield _rel(db, "SUPPORTED_BY", dba)
        if plan.cache_start[i + 1] > plan.cache_start[i]:
            yield _rel(f"cache-{word}-{i:04d}", "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
        if plan.queue_start[i + 1] > plan.queue_start[i]:
            queue = f"queue-{word}-{i:04d}"
            yield _rel(queue, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
            yield _rel(queue, "SUPPORTED_BY", platform)
        zone2 = plan.svc_zone2[i]
        for k in range(pods):
            z = zone2 if zone2 >= 0 and k % 2 else zone
            yield _rel(
                f"ctr-{word}-{i:04d}-{k + 1:02d}",
                "RUNS_ON",
                plan.host_id(z + nz * int(rnd() * plan.hosts_in_zone[z])),
            )

    # applications: SaaS from a vendor, or hosted (critical ones in two zones)
    for a in range(plan.n_apps):
        app = plan.app_id(a)
        d = plan.app_dept[a]
        zone = plan.app_zone[a]
        mode = plan.app_mode[a]
        if mode == 0:
            yield _rel(app, "SUPPLIED_BY", vendor_ids[saas[int(rnd() * len(saas))]])
        elif mode == 1:
            yield _rel(app, "RUNS_ON", plan.host_id(plan.pick_host(zone, rng)))
        else:
            zone2 = (zone + 1 + int(rnd() * (nz - 1))) % nz
            for z in (zone, zone2):
                yield _grouped(app, "RUNS_ON", plan.host_id(plan.pick_host(z, rng)), "multi-region", 1)
        if mode and rnd() < 0.5:
            yield _rel(app, "SUPPLIED_BY", vendor_ids[software[int(rnd() * len(software))]])
        targets: list[int] = []
        for _ in range(int(rnd() * 3)):
            pool = plan.tiers[d][1 + int(rnd() * 3)] if rnd() < 0.7 else it_core
            if pool:
                j = pool[int(rnd() * len(pool))]
                if j not in targets:
                    targets.append(j)
        for j in targets:
            yield _rel(app, "DEPENDS_ON", plan.svc_id(j))
        owner = plan.dept_team_start[d]
        if plan.dept_team_count[d] > 1:
            owner += 1 + int(rnd() * (plan.dept_team_count[d] - 1))
        yield _rel(app, "OWNED_BY", team_ids[owner])
        yield _rel(app, "SUPPORTED_BY", app_support)

    # data sets: stored in their owner's primary database, read by services and applications
    n_apps = plan.n_apps
    for ds in range(plan.n_datasets):
        dataset = plan.dataset_id(ds)
        owner = plan.dataset_owner(ds)
        yield _rel(dataset, "DEPENDS_ON", plan.db_id(owner, 0))
        yield _rel(dataset, "OWNED_BY", team_ids[plan.svc_team[owner]])
        soft = ds % len(_DATASET_SUFFIXES) == _ANALYTICS_SUFFIX
        readers: list[str] = []
        for _ in range(1 + (rnd() < 0.6)):
            app_reader = rnd() < 0.5
            reader = plan.app_id(int(rnd() * n_apps)) if app_reader else plan.svc_id(int(rnd() * n_services))
            if reader not in readers:
                readers.append(reader)
        for reader in readers:
            yield (_soft if soft else _rel)(reader, "USES_DATA", dataset)

    # business services: consume front services and applications of their department
    for d in range(len(_DEPTS)):
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
                    yield (_soft if n > 0 and rnd() < 0.1 else _rel)(bs, "DEPENDS_ON", target)
            yield _rel(bs, "OWNED_BY", root_team)
            yield _rel(bs, "SUPPORTED_BY", it_desk)


# -------------------------------------------------------------------------------- public API


def iter_enterprise(size: int, seed: int = 42) -> Iterator[CIData | Relationship]:
    """Yield a believable demo enterprise: about ``size`` CIs, then ~3 relationships per CI.

    Parameters
    ----------
    size : int
        Number of CIs, from :data:`DEMO_MIN_SIZE` to :data:`DEMO_MAX_SIZE`.
    seed : int, optional
        Seed of the pseudo-random choices; the same ``(size, seed)`` always yields the same
        sequence, in any process.

    Yields
    ------
    CIData or Relationship
        Every CI first (ids unique), then every relationship (keys unique, endpoints among the
        CIs, only built-in kinds and relationship types).

    Raises
    ------
    ValueError
        If ``size`` is outside ``[DEMO_MIN_SIZE, DEMO_MAX_SIZE]``.

    Examples
    --------
    >>> first = next(iter_enterprise(1000))
    >>> (first.id, first.kind, first.attributes["type"])
    ('loc-fra', 'Location', 'site')
    """
    if not DEMO_MIN_SIZE <= size <= DEMO_MAX_SIZE:
        raise ValueError(f"demo size must be between {DEMO_MIN_SIZE} and {DEMO_MAX_SIZE}, got {size}")
    return _generate(size, seed)


def _generate(size: int, seed: int) -> Iterator[CIData | Relationship]:
    plan = _Plan(size, seed)
    yield from _cis(plan, random.Random(f"cmdbgraph-demo:{seed}:cis"))
    yield from _relationships(plan, random.Random(f"cmdbgraph-demo:{seed}:relationships"))
