"""What a workload's definition says about what it talks to and what it is (pure).

Shared by the Kubernetes and docker compose importers, so both read the same env var the same
way:

- :func:`addresses_in` -- the hosts an environment variable ``NAME=value`` names. A value is
  read as addresses when its *name* says so (it ends in ``_ADDR``, ``_ADDRESS``, ``_HOST``,
  ``_HOSTNAME``, ``_URL``, ``_URI``, ``_ENDPOINT``, ``_SERVER``, or their plurals: then a bare
  host name such as ``FLAGD_HOST=flagd`` counts), or when its *value* looks like one whatever
  the name: a URL or connection URI (``redis://cache:6379``, ``postgres://u:p@db/x``,
  ``jdbc:postgresql://db:5432/x``, ``PLAINTEXT://kafka:9092``), ``host:port`` (also comma- or
  space-separated lists: ``kafka-0:9092,kafka-1:9092``) or a key-value connection string
  (``host=db port=5432``, ``Host=db;Username=...``, ``Server=tcp:db,1433;...``).
  Loopback and wildcard hosts (``localhost``, ``127.*``, ``0.0.0.0``, ``::``, ``*``) are never
  returned: they name the container itself. Resolving a host to a CI is the importer's job.
- :func:`evidence_detail` -- the ``NAME=value`` text evidence shows, with credentials masked.
- :func:`split_image` -- an image reference as repository, tag and digest.
- :func:`data_engine` -- the data-store kind an image or name suggests (``redis`` -> ``Cache``).
- :func:`workload_role` -- whether a workload is a load generator or a telemetry collector:
  both importers mark every relationship *from* such a workload ``optional``, because a load
  generator's targets and a collector's scrape targets are not dependencies of the product
  (the failure of its target only degrades the generator or collector itself, and the
  product never waits for them).

>>> addresses_in("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550")
(Address(host='productcatalogservice', port=3550),)
>>> addresses_in("DB", "postgres://app:secret@astronomy-db/astronomy_db?sslmode=disable")
(Address(host='astronomy-db', port=None),)
>>> addresses_in("FLAGD_HOST", "flagd"), addresses_in("OTEL_SERVICE_NAME", "frontend")
((Address(host='flagd', port=None),), ())
>>> evidence_detail("DB", "postgres://app:secret@db/x")
'DB=postgres://app:***@db/x'
>>> data_engine("redis-cart", "redis:alpine")
('Cache', 'redis')
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

Role = Literal["load-generator", "telemetry-collector"]

_ADDRESS_SUFFIXES = (
    "ADDR",
    "ADDRS",
    "ADDRESS",
    "ADDRESSES",
    "HOST",
    "HOSTS",
    "HOSTNAME",
    "URL",
    "URLS",
    "URI",
    "URIS",
    "ENDPOINT",
    "ENDPOINTS",
    "SERVER",
    "SERVERS",
)
_HOST = r"[a-z0-9_](?:[a-z0-9._-]*[a-z0-9_])?"
_URL = re.compile(
    r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://(?:[^@/?#\s,;]*@)?(?P<host>\[[^\]]*\]|[^:/?#\s,;@]*)(?::(?P<port>\d+))?",
    re.IGNORECASE,
)
_HOST_PORT = re.compile(rf"^(?P<host>{_HOST}):(?P<port>\d{{1,5}})(?:/\S*)?$", re.IGNORECASE)
_BARE_HOST = re.compile(rf"^{_HOST}$", re.IGNORECASE)
_CONNECTION_KEY = re.compile(
    r"(?:^|[;\s])(?:host|hostname|server|data source|address|addr)\s*=\s*(?P<value>[^;\s]+)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_HOSTS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")
_PAIR_PASSWORD = re.compile(r"((?:^|[;\s])(?:password|pwd)\s*=\s*)[^;\s]*", re.IGNORECASE)


class Address(NamedTuple):
    """A host (lower case, no trailing dot) and the port when one was written."""

    host: str
    port: int | None


def names_address(name: str) -> bool:
    """Whether an env var's name says it holds an address (``*_ADDR``, ``*_HOST``, ``*_URL``...).

    >>> names_address("CART_SERVICE_ADDR"), names_address("PORT")
    (True, False)
    """
    upper = name.upper()
    return any(upper == s or upper.endswith(f"_{s}") for s in _ADDRESS_SUFFIXES)


def is_local(host: str) -> bool:
    """Loopback or wildcard: the container itself, never another CI."""
    return host in ("localhost", "0.0.0.0", "::", "::1", "*", "") or host.startswith("127.")


def _address(host: str, port: str | None) -> Address | None:
    host = host.strip().strip("[]").rstrip(".").lower()
    if host.startswith("tcp:"):
        host = host[4:]
    if is_local(host) or host in _NOT_HOSTS or host.isdigit() or not _BARE_HOST.match(host):
        return None
    return Address(host, int(port) if port else None)


def addresses_in(name: str, value: str) -> tuple[Address, ...]:
    """The distinct non-local hosts ``NAME=value`` names, in the order written (see module doc)."""
    text = value.strip()
    if not text:
        return ()
    found: list[Address | None] = []
    for match in _CONNECTION_KEY.finditer(text):
        host, _, port = match["value"].removeprefix("tcp:").partition(",")
        host, _, colon_port = host.partition(":")
        port = port or colon_port
        found.append(_address(host, port if port.isdigit() else None))
    for piece in _SEPARATORS.split(text):
        url = _URL.search(piece)
        if url:
            found.append(_address(url["host"], url["port"]))
        elif host_port := _HOST_PORT.match(piece):
            found.append(_address(host_port["host"], host_port["port"]))
    if not any(found) and names_address(name) and _BARE_HOST.match(text):
        found.append(_address(text, None))
    out: list[Address] = []
    for address in found:
        if address is not None and address not in out:
            out.append(address)
    return tuple(out)


def evidence_detail(name: str, value: str) -> str:
    """``NAME=value`` for evidence, with passwords and secret-named values masked as ``***``.

    >>> evidence_detail("DB_CONNECTION_STRING", "Host=db;Username=u;Password=p;Database=x")
    'DB_CONNECTION_STRING=Host=db;Username=u;Password=***;Database=x'
    >>> evidence_detail("API_KEY", "abc")
    'API_KEY=***'
    """
    if _SECRET_NAME.search(name):
        return f"{name}=***"
    masked = _URL_PASSWORD.sub(r"\1***@", value)
    masked = _PAIR_PASSWORD.sub(r"\1***", masked)
    return f"{name}={masked}"


class ImageRef(NamedTuple):
    """An image reference split into repository, tag and digest."""

    repository: str
    tag: str | None
    digest: str | None


def split_image(reference: str) -> ImageRef:
    """Repository, tag and digest of an image reference (a registry port is not a tag).

    >>> split_image("busybox:1.38.0@sha256:fd8d")
    ImageRef(repository='busybox', tag='1.38.0', digest='sha256:fd8d')
    >>> split_image("localhost:5000/shop/cart")
    ImageRef(repository='localhost:5000/shop/cart', tag=None, digest=None)
    """
    name, _, digest = reference.strip().partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return ImageRef(name[:colon], name[colon + 1 :] or None, digest or None)
    return ImageRef(name, None, digest or None)


def image_attributes(reference: str) -> dict[str, str]:
    """The ``image`` (repository), ``image_tag`` and ``image_digest`` attributes of a CI.

    >>> image_attributes("redis:alpine")
    {'image': 'redis', 'image_tag': 'alpine'}
    """
    ref = split_image(reference)
    out = {"image": ref.repository}
    if ref.tag:
        out["image_tag"] = ref.tag
    if ref.digest:
        out["image_digest"] = ref.digest
    return out


_ENGINES: dict[str, tuple[str, str]] = {
    **{
        word: ("Database", engine)
        for engine, words in {
            "postgres": ("postgres", "postgresql", "postgis", "pgvector", "timescaledb"),
            "mysql": ("mysql",),
            "mariadb": ("mariadb",),
            "mongodb": ("mongo", "mongodb"),
            "cassandra": ("cassandra", "scylla", "scylladb"),
            "cockroachdb": ("cockroach", "cockroachdb"),
            "sqlserver": ("mssql", "sqlserver"),
            "clickhouse": ("clickhouse",),
            "couchdb": ("couchdb", "couchbase"),
            "neo4j": ("neo4j",),
            "influxdb": ("influxdb",),
            "elasticsearch": ("elasticsearch",),
            "opensearch": ("opensearch",),
        }.items()
        for word in words
    },
    **{
        word: ("Cache", engine)
        for engine, words in {
            "redis": ("redis",),
            "valkey": ("valkey",),
            "memcached": ("memcached",),
            "keydb": ("keydb",),
            "dragonfly": ("dragonfly", "dragonflydb"),
        }.items()
        for word in words
    },
    **{
        word: ("Queue", engine)
        for engine, words in {
            "kafka": ("kafka",),
            "rabbitmq": ("rabbitmq",),
            "nats": ("nats",),
            "activemq": ("activemq", "artemis"),
            "pulsar": ("pulsar",),
            "redpanda": ("redpanda",),
            "mosquitto": ("mosquitto",),
        }.items()
        for word in words
    },
}
# tools built around a data store, not the store itself (redis-exporter, kafka-ui, pgadmin...)
_TOOL_WORDS = frozenset(
    {"exporter", "ui", "admin", "express", "commander", "insight", "operator", "cli", "client", "backup"}
    | {"migrate", "migration", "migrations", "connect", "proxy", "sentinel-ui", "web"}
)
_LOAD_GENERATORS = ("loadgenerator", "loadgen", "loadtest", "locust", "jmeter", "gatling", "vegeta")
_COLLECTORS = (
    "otelcollector",
    "opentelemetrycollector",
    "otelcol",
    "prometheus",
    "telegraf",
    "fluentbit",
    "fluentd",
    "datadogagent",
    "grafanaagent",
)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _image_name(image: str | None) -> str:
    if not image:
        return ""
    return split_image(image).repository.rsplit("/", 1)[-1]


def data_engine(name: str, image: str | None) -> tuple[str, str] | None:
    """``(kind, engine)`` when the image's name, else the workload's name, names a data store.

    The image is asked first (``astronomy-db`` running ``postgres:18`` is a Database); a name
    or image that also names a tool word (``redis-exporter``, ``kafka-ui``) is not a store.

    >>> data_engine("kafka", "ghcr.io/open-telemetry/demo:latest-kafka")
    ('Queue', 'kafka')
    >>> data_engine("redis-exporter", "oliver006/redis_exporter") is None
    True
    """
    for text in (_image_name(image), name):
        words = _words(text)
        if _TOOL_WORDS.intersection(words) or any(w.endswith("exporter") for w in words):
            return None
        for word in words:
            found = _ENGINES.get(word) or _ENGINES.get(word.rstrip("0123456789"))
            if found:
                return found
    return None


def workload_role(name: str, image: str | None) -> Role | None:
    """``load-generator`` or ``telemetry-collector`` when the name or image says so, else None.

    >>> workload_role("loadgenerator", None), workload_role("otel-collector", None)
    ('load-generator', 'telemetry-collector')
    >>> workload_role("load-generator", "x/k6:1"), workload_role("frontend", "x/frontend:1")
    ('load-generator', None)
    """
    for text in (name, _image_name(image)):
        words = _words(text)
        joined = "".join(words)
        if "k6" in words or any(w in joined for w in _LOAD_GENERATORS):
            return "load-generator"
        if "load" in words and ("generator" in words or "test" in words):
            return "load-generator"
        if any(w in joined for w in _COLLECTORS):
            return "telemetry-collector"
    return None


def workload_kind(name: str, image: str | None) -> tuple[str, dict[str, str]]:
    """The CI kind of a workload and the attributes that explain it (``role``, ``engine``).

    A load generator is an ``Application``; a data store (:func:`data_engine`) is a
    ``Database``, ``Cache`` or ``Queue``; anything else (telemetry collectors included) is a
    ``Service``.

    >>> workload_kind("redis-cart", "redis:alpine"), workload_kind("loadgenerator", None)
    (('Cache', {'engine': 'redis'}), ('Application', {'role': 'load-generator'}))
    """
    role = workload_role(name, image)
    if role == "load-generator":
        return "Application", {"role": role}
    if role is not None:
        return "Service", {"role": role}
    engine = data_engine(name, image)
    if engine is not None:
        return engine[0], {"engine": engine[1]}
    return "Service", {}
