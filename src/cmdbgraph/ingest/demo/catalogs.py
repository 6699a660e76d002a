"""The catalogs the demo enterprise picks its names and attribute values from.

Each catalog is a fixed tuple, so a pick by index is the same in every process. The
departments, with their own catalogs, live in :mod:`cmdbgraph.ingest.demo.departments`.
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """Split a comma-separated catalog line (keeps the catalogs below compact)."""
    return tuple(w.strip() for w in text.split(",") if w.strip())


def pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Split ``"a:b, c:d"`` into ``(("a", "b"), ("c", "d"))``."""
    return tuple((k, v) for k, _, v in (w.partition(":") for w in words(text)))


# suffixes of the second, third ... business service or application of the same name
VARIANTS = words(
    "EMEA, Americas, APAC, UK, DACH, Nordics, Iberia, ANZ, Japan, India, Benelux, France, Italy,"
    " Canada, Brazil, Mexico"
)
# words of an id slug that are written in capitals in a display name
ACRONYMS = {"api": "API", "ci": "CI", "ip": "IP", "e": "E"}

CITIES = pairs(
    "fra:Frankfurt, lon:London, dub:Dublin, ams:Amsterdam, par:Paris, mad:Madrid, mil:Milan,"
    " sto:Stockholm, war:Warsaw, zrh:Zurich, nyc:New York, chi:Chicago, aus:Austin,"
    " tor:Toronto, sao:Sao Paulo, sin:Singapore, tyo:Tokyo, syd:Sydney, bom:Mumbai,"
    " jnb:Johannesburg, ber:Berlin, muc:Munich, vie:Vienna, prg:Prague, cph:Copenhagen,"
    " osl:Oslo, hel:Helsinki, lis:Lisbon, bcn:Barcelona, bru:Brussels, sfo:San Francisco,"
    " sea:Seattle, atl:Atlanta, dal:Dallas, mex:Mexico City, hkg:Hong Kong, sel:Seoul,"
    " blr:Bangalore, dxb:Dubai, mel:Melbourne"
)
STREETS = words(
    "Harbour Road, Station Street, Market Square, Park Avenue, River Lane, Innovation Drive,"
    " Kings Way, Mill Street, Bridge Road, Lake View"
)
# (id slug, display name, short code for ids)
CLOUDS: tuple[tuple[str, str, str], ...] = (
    ("nimbus-cloud", "Nimbus Cloud", "nim"),
    ("stratos-compute", "Stratos Compute", "str"),
    ("cirrus-cloud-platform", "Cirrus Cloud Platform", "cir"),
)
# (region name, short code for ids)
REGIONS = pairs(
    "eu-west-1:euw1, us-east-1:use1, eu-central-1:euc1, us-west-2:usw2, ap-southeast-1:apse1,"
    " ap-northeast-1:apne1, sa-east-1:sae1, ca-central-1:cac1"
)
VENDOR_PREFIXES = words(
    "Acme, Bluepeak, Granite, Northwind, Ironclad, Silverline, Quantum, Redwood, Everest,"
    " Brightpath, Helix, Lumen, Orbit, Pinnacle, Sapphire, Tidewater, Vertex, Zephyr, Cobalt,"
    " Meridian, Aurora, Beacon, Cascade, Driftwood, Evergreen, Falcon, Harbor, Juniper,"
    " Keystone, Larkspur"
)
# suffixes differ per vendor type, so generated vendor names (and ids) never collide
VENDOR_SUFFIXES = {
    "hardware": words("Systems, Hardware, Servers, Devices, Storage Arrays"),
    "software": words("Software, Labs, Technologies, Data, Code Works"),
    "saas": words("HQ, Hub, Online, App, IO, Suite"),
    "services": words("Services, Facilities, Consulting, Partners, Solutions"),
}
FIRST_NAMES = words(
    "Amelia, Noah, Olivia, Liam, Sofia, Lucas, Emma, Mateo, Hannah, Ethan, Chloe, Arjun, Mia,"
    " Kenji, Zara, Omar, Lena, Jonas, Priya, Diego, Ingrid, Tomasz, Aisha, Felix, Yuki, Marco,"
    " Elena, Samuel, Freya, Ravi, Clara, Hugo, Nadia, Oscar, Ines, Leo, Maya, Ivan, Grace, Kofi"
)
LAST_NAMES = words(
    "Novak, Smith, Garcia, Muller, Rossi, Dubois, Kowalski, Jensen, Tanaka, Patel, Silva,"
    " Okafor, Nguyen, Johansson, Schmidt, Costa, Murphy, Ivanova, Kim, Haddad, Lopez, Brown,"
    " Fischer, Moreau, Sato, Khan, Andersen, Romano, Walsh, Mendes, Weber, Nakamura, Clarke,"
    " Berg, Popescu, Adeyemi, Horvat, Santos, Larsen, Chen"
)
TITLES = words(
    "Engineer, Senior Engineer, Analyst, Specialist, Coordinator, Consultant, Administrator, Advisor"
)
OS = words("Ubuntu 22.04, Ubuntu 24.04, RHEL 9, RHEL 8, Debian 12, Windows Server 2022")
CPUS = (2, 4, 4, 8, 8, 16, 16, 32, 64)
DB_ENGINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PostgreSQL", ("14", "15", "16")),
    ("MySQL", ("8.0",)),
    ("Oracle", ("19c", "21c")),
    ("SQL Server", ("2019", "2022")),
    ("MongoDB", ("6.0", "7.0")),
)
CACHE_ENGINES = words("Redis, Redis, Memcached, Valkey")
QUEUE_ENGINES = words("Kafka, RabbitMQ, ActiveMQ, NATS")
LANGUAGES = words("Java, Python, Go, TypeScript, C#, Kotlin")
# (API protocol attribute, label in the API's name)
PROTOCOLS = pairs("http:REST, http:REST, grpc:gRPC, graphql:GraphQL, async:Events, soap:SOAP")
ENVIRONMENTS = ("production",) * 9 + ("staging",)
DATASET_SUFFIXES = words("Records, Events, Reports, Master Data, Analytics Extract, Audit Trail")
ANALYTICS_SUFFIX = DATASET_SUFFIXES.index("Analytics Extract")  # its readers depend softly
