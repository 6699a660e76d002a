"""Which cmdbgraph kind a Backstage entity becomes, and which of its fields become attributes.

Kinds (Backstage -> cmdbgraph), and why:

============  =================  ==========================================================
Backstage     cmdbgraph          notes
============  =================  ==========================================================
Component     Service            ``spec.type: service`` (a backend service, typically
                                 behind an API)
Component     Application        ``website``, ``library`` and any other type. Libraries are
                                 kept: they have owners and belong to systems, which is
                                 what a CMDB is asked about; nothing in Backstage makes a
                                 library a runtime dependency, so they sit outside every
                                 DEPENDS_ON chain unless a catalog says ``dependsOn``.
                                 A type other than these three gets a note.
API           API                ``protocol`` from ``spec.type``: openapi -> http,
                                 asyncapi -> async, graphql, grpc
Resource      by ``spec.type``   see :data:`RESOURCE_KINDS`; an unlisted type becomes
                                 Storage (the generic "infrastructure it needs" kind) with
                                 a note, so that dependencies on it are kept
System        Application        a collection of components and resources (what ITIL calls
                                 a business application); components ``PART_OF`` it
Domain        BusinessService    a business area grouping systems; ``PART_OF`` targets, so
                                 impact analysis reports the domains a failure degrades
Group         Team               every group type (organization, department, team ...);
                                 the hierarchy is ``REPORTS_TO``
User          Person
============  =================  ==========================================================

Location, Template and AiResource entities are not CIs (see ``backstage_refs.NON_CI_KINDS``).

Attributes (only those present): ``backstage_ref``, ``backstage_kind``, ``backstage_type``
(``spec.type``), ``description``, ``display_name`` (``metadata.title`` or
``spec.profile.displayName``), ``lifecycle``, ``tags``, ``labels``, ``annotations``, ``links``
(``[{url, title}]``), ``email`` (``spec.profile.email`` of groups and users), ``protocol`` (APIs)
and ``definition_location`` (an API definition given as ``$text``/``$json``/``$yaml`` placeholder:
the definition itself is not copied). Identity: ``name`` (``metadata.name`` in lower case),
``backstage_ref``, and a user's ``email`` in lower case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pydantic import JsonValue

from cmdbgraph.ingest.importers.yaml_lines import YamlList, YamlMap, YamlValue, to_json

COMPONENT_KINDS: Final[Mapping[str, str]] = {
    "service": "Service",
    "website": "Application",
    "library": "Application",
}

RESOURCE_KINDS: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        (
            "database",
            "db",
            "rds",
            "postgres",
            "postgresql",
            "mysql",
            "mariadb",
            "mongodb",
            "cassandra",
            "dynamodb",
            "dynamodb-table",
            "bigtable",
            "spanner",
        ),
        "Database",
    ),
    **dict.fromkeys(("cache", "redis", "memcached", "elasticache"), "Cache"),
    **dict.fromkeys(
        (
            "queue",
            "topic",
            "kafka-topic",
            "kafka",
            "message-queue",
            "message-broker",
            "sqs-queue",
            "sns-topic",
            "pubsub",
            "pubsub-topic",
            "rabbitmq",
        ),
        "Queue",
    ),
    **dict.fromkeys(
        (
            "storage",
            "s3-bucket",
            "bucket",
            "gcs-bucket",
            "blob-storage",
            "object-storage",
            "volume",
            "filesystem",
            "file-system",
        ),
        "Storage",
    ),
    **dict.fromkeys(("dataset", "data-set", "table"), "Dataset"),
    **dict.fromkeys(("cdn", "load-balancer", "network", "vpc", "dns", "dns-zone"), "Network"),
    **dict.fromkeys(
        ("kubernetes-cluster", "cluster", "vm", "virtual-machine", "server", "host", "compute"), "Host"
    ),
}
"""Resource ``spec.type`` (lower case) -> kind. Backstage leaves the taxonomy open and names
``database``, ``s3-bucket`` and ``kubernetes-cluster`` as common values; a cluster is modelled as
the compute it is (Host)."""

RESOURCE_FALLBACK: Final = "Storage"

API_PROTOCOLS: Final[Mapping[str, str]] = {
    "openapi": "http",
    "asyncapi": "async",
    "graphql": "graphql",
    "grpc": "grpc",
}

_FIXED: Final[Mapping[str, str]] = {
    "api": "API",
    "system": "Application",
    "domain": "BusinessService",
    "group": "Team",
    "user": "Person",
}


def ci_kind(kind: str, spec_type: str | None) -> tuple[str, str | None]:
    """The cmdbgraph kind of an entity of (lower-case) Backstage ``kind``, and why it is a
    fallback (``None`` when the mapping is a listed one).

    >>> ci_kind("resource", "Database"), ci_kind("component", "service")
    (('Database', None), ('Service', None))
    >>> ci_kind("resource", "ledger")
    ('Storage', "resource type 'ledger' is not a listed one; recorded as Storage")
    """
    if kind in _FIXED:
        return _FIXED[kind], None
    key = (spec_type or "").lower()
    if kind == "component":
        found = COMPONENT_KINDS.get(key)
        if found is None:
            return "Application", f"component type {spec_type!r} is not a listed one; recorded as Application"
        return found, None
    found = RESOURCE_KINDS.get(key)
    if found is None:
        return RESOURCE_FALLBACK, f"resource type {spec_type!r} is not a listed one; recorded as Storage"
    return found, None


def _links(raw: YamlValue) -> list[JsonValue]:
    links: list[JsonValue] = []
    for _, item in raw.maps() if isinstance(raw, YamlList) else []:
        url, title = item.text("url"), item.text("title")
        if url is not None:
            links.append({"url": url} if title is None else {"url": url, "title": title})
    return links


def attributes(
    kind: str, display_kind: str, ref_key: str, metadata: YamlMap, spec: YamlMap
) -> dict[str, JsonValue]:
    """The attributes of an entity of (lower-case) Backstage ``kind`` (see the module docstring)."""
    attrs: dict[str, JsonValue] = {"backstage_ref": ref_key, "backstage_kind": display_kind}
    profile = spec.map("profile") or YamlMap(spec.loc)
    simple: dict[str, YamlValue] = {
        "backstage_type": spec.get("type"),
        "description": metadata.get("description"),
        "display_name": metadata.get("title") or profile.get("displayName"),
        "lifecycle": spec.get("lifecycle"),
        "email": profile.get("email") if kind in ("group", "user") else None,
    }
    for name, value in simple.items():
        if isinstance(value, str) and value:
            attrs[name] = value
    for name in ("tags", "labels", "annotations"):
        value = metadata.get(name)
        if value:
            attrs[name] = to_json(value)
    links = _links(metadata.get("links"))
    if links:
        attrs["links"] = links
    if kind == "api":
        protocol = API_PROTOCOLS.get(str(spec.get("type", "")).lower())
        if protocol is not None:
            attrs["protocol"] = protocol
        definition = spec.map("definition")
        for placeholder in ("$text", "$json", "$yaml"):
            location = definition.text(placeholder) if definition is not None else None
            if location is not None:
                attrs["definition_location"] = location
    return attrs


def identity(kind: str, name: str, ref_key: str, attrs: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """What identifies the CI across sources: its lower-case name, its ref, a user's email."""
    ident: dict[str, JsonValue] = {"name": name.lower(), "backstage_ref": ref_key}
    email = attrs.get("email")
    if kind == "user" and isinstance(email, str):
        ident["email"] = email.lower()
    return ident
