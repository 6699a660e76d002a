"""CI kinds as data: a registry of kinds, each with an attribute schema.

Kinds are PascalCase labels (identical in every backend). A kind's attribute schema declares,
per attribute, its ``type``, whether it is ``required``, an optional ``enum`` of allowed values
and whether it is ``sensitive`` (masked for callers without clearance, see issue 6). Attributes
a schema does not declare are accepted unless the kind is ``strict``.

>>> spec = BUILTIN_KINDS["Host"]
>>> [p.code for p in check_attributes(spec, {"os": "linux", "cpu_count": "eight"})]
['ATTRIBUTE_TYPE']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

from cmdbgraph.schema.errors import Problem

AttributeType = Literal["string", "integer", "number", "boolean", "date", "datetime", "list", "object"]
Category = Literal[
    "business",
    "application",
    "data",
    "infrastructure",
    "location",
    "organisation",
    "commercial",
    "service_management",
    "provenance",
]

KIND_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AttributeSpec(BaseModel):
    """How one attribute of a kind is validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: AttributeType = "string"
    required: bool = False
    enum: tuple[JsonValue, ...] | None = None
    sensitive: bool = False
    description: str = ""

    @model_validator(mode="after")
    def _enum_matches_type(self) -> AttributeSpec:
        if self.enum is not None:
            if not self.enum:
                raise ValueError("enum must list at least one value")
            bad = [v for v in self.enum if not _has_type(v, self.type)]
            if bad:
                raise ValueError(f"enum values {bad!r} are not of type {self.type}")
        return self


class KindSpec(BaseModel):
    """One CI kind: its label, category and attribute schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    category: Category = "application"
    description: str = ""
    strict: bool = False
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _pascal_case(cls, v: str) -> str:
        if not KIND_NAME.match(v):
            raise ValueError(f"kind name {v!r} must be PascalCase (letters and digits)")
        return v

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, v: dict[str, AttributeSpec]) -> dict[str, AttributeSpec]:
        for key in v:
            if not ATTRIBUTE_NAME.match(key):
                raise ValueError(f"attribute name {key!r} must be an identifier (snake_case)")
        return v

    @property
    def sensitive_attributes(self) -> frozenset[str]:
        """Names of the attributes declared sensitive."""
        return frozenset(k for k, a in self.attributes.items() if a.sensitive)


def _has_type(value: JsonValue, kind: AttributeType) -> bool:
    match kind:
        case "string":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            return isinstance(value, bool)
        case "list":
            return isinstance(value, list)
        case "object":
            return isinstance(value, dict)
        case "date":
            return isinstance(value, str) and _parses(date.fromisoformat, value)
        case "datetime":
            return isinstance(value, str) and _parses(datetime.fromisoformat, value)


def _parses(parse: object, value: str) -> bool:
    try:
        parse(value)  # type: ignore[operator]
    except ValueError:
        return False
    return True


def check_attributes(spec: KindSpec, attributes: Mapping[str, JsonValue]) -> list[Problem]:
    """Problems of ``attributes`` against ``spec`` (empty when valid).

    Problem codes: ``ATTRIBUTE_REQUIRED``, ``ATTRIBUTE_TYPE``, ``ATTRIBUTE_ENUM``,
    ``ATTRIBUTE_UNKNOWN`` (strict kinds only). ``field`` is ``attributes.<name>``.
    """
    problems: list[Problem] = []
    declared = spec.attributes
    for name, attr in declared.items():
        if name not in attributes or attributes[name] is None:
            if attr.required:
                problems.append(
                    Problem(
                        "ATTRIBUTE_REQUIRED",
                        f"{spec.name} requires attribute '{name}'",
                        field=f"attributes.{name}",
                    )
                )
            continue
        value = attributes[name]
        if not _has_type(value, attr.type):
            problems.append(
                Problem("ATTRIBUTE_TYPE", f"expected {attr.type}, got {value!r}", field=f"attributes.{name}")
            )
        elif attr.enum is not None and value not in attr.enum:
            allowed = ", ".join(repr(v) for v in attr.enum)
            problems.append(
                Problem("ATTRIBUTE_ENUM", f"{value!r} is not one of {allowed}", field=f"attributes.{name}")
            )
    if spec.strict:
        problems.extend(
            Problem(
                "ATTRIBUTE_UNKNOWN",
                f"{spec.name} does not declare attribute '{name}'",
                field=f"attributes.{name}",
            )
            for name in attributes
            if name not in declared
        )
    return problems


def _kind(name: str, category: Category, description: str, **attrs: AttributeSpec) -> KindSpec:
    return KindSpec(name=name, category=category, description=description, attributes=attrs)


_S = AttributeSpec
_ENV = _S(enum=("production", "staging", "test", "development"), description="deployment stage")

_TICKET_STATES = ("new", "assigned", "in_progress", "pending", "resolved", "closed", "cancelled")
_TICKET_ATTRIBUTES: dict[str, AttributeSpec] = {
    "title": _S(required=True, description="one-line summary"),
    "details": _S(description="what the requester wrote"),
    "state": _S(required=True, enum=_TICKET_STATES, description="lifecycle state (tickets.lifecycle)"),
    "impact": _S(type="integer", required=True, enum=(1, 2, 3), description="1 high .. 3 low"),
    "urgency": _S(type="integer", required=True, enum=(1, 2, 3), description="1 high .. 3 low"),
    "priority": _S(type="integer", required=True, enum=(1, 2, 3, 4, 5), description="ITIL matrix, P1..P5"),
    "category": _S(),
    "opened_at": _S(type="datetime", required=True),
    "timeline": _S(type="list", description="state changes: {at, state, actor}"),
    "comments": _S(type="list", description="comments: {at, actor, text}"),
    "department": _S(description="department the ticket is for (KPIs are cut by it)"),
    "channel": _S(enum=("portal", "email", "phone", "chat", "walk_in", "monitoring")),
    "automated": _S(type="boolean", description="resolved by automation, no human touch"),
    "csat": _S(type="integer", enum=(1, 2, 3, 4, 5), description="requester satisfaction"),
    "nps": _S(type="integer", enum=tuple(range(11)), description="0..10 recommendation score"),
    "catalog_item": _S(description="id of the CatalogItem a service request was ordered from"),
    "form": _S(type="object", description="the validated answers of the catalog item's form"),
    "sla_policy": _S(description="name of the SLA policy that times the ticket (default: by priority)"),
    "escalations": _S(type="list", description="escalation actions taken: {at, rule, action, detail}"),
}
"""Attributes shared by incidents, service requests and problems (``tickets.model``)."""

BUILTIN_KINDS: Mapping[str, KindSpec] = {
    k.name: k
    for k in (
        _kind(
            "BusinessService",
            "business",
            "A service the business consumes and pays for",
            department=_S(description="owning department"),
            sla_target=_S(type="number"),
        ),
        _kind(
            "Service",
            "application",
            "A technical service (deployable unit behind an API)",
            environment=_ENV,
            tier=_S(type="integer"),
        ),
        _kind(
            "Application",
            "application",
            "A software application",
            environment=_ENV,
            language=_S(),
            version=_S(),
        ),
        _kind(
            "API",
            "application",
            "An interface offered by a service",
            protocol=_S(enum=("http", "grpc", "graphql", "soap", "async")),
            version=_S(),
        ),
        _kind(
            "Database", "data", "A database instance or cluster", engine=_S(), version=_S(), environment=_ENV
        ),
        _kind("Cache", "data", "An in-memory cache", engine=_S()),
        _kind("Queue", "data", "A message queue or topic", engine=_S()),
        _kind(
            "Dataset",
            "data",
            "A logical data set",
            classification=_S(enum=("public", "internal", "confidential", "restricted")),
        ),
        _kind(
            "Host",
            "infrastructure",
            "A physical or virtual machine",
            hostname=_S(),
            os=_S(),
            ip_address=_S(sensitive=True),
            cpu_count=_S(type="integer"),
            memory_gb=_S(type="number"),
        ),
        _kind("Container", "infrastructure", "A container or pod", image=_S()),
        _kind(
            "Network", "infrastructure", "A network, subnet, load balancer or link", cidr=_S(sensitive=True)
        ),
        _kind(
            "Storage", "infrastructure", "A storage volume, array or bucket", capacity_gb=_S(type="number")
        ),
        _kind("Datacenter", "location", "A data centre", tier=_S(type="integer")),
        _kind("CloudRegion", "location", "A cloud provider region", provider=_S()),
        _kind(
            "Location",
            "location",
            "A site, building, floor or room",
            type=_S(enum=("site", "building", "floor", "room")),
            address=_S(),
        ),
        _kind(
            "Team",
            "organisation",
            "A team or support group",
            department=_S(),
            email=_S(),
            skills=_S(type="list"),
        ),
        _kind(
            "Person",
            "organisation",
            "A person",
            email=_S(),
            phone=_S(sensitive=True),
            title=_S(),
            skills=_S(type="list"),
        ),
        _kind(
            "Vendor",
            "commercial",
            "A supplier of products or services",
            vendor_type=_S(enum=("cloud", "saas", "hardware", "software", "services")),
        ),
        _kind(
            "Contract",
            "commercial",
            "A contract with a vendor",
            value=_S(type="number", sensitive=True),
            end_date=_S(type="date"),
        ),
        _kind(
            "ChangeRequest",
            "service_management",
            "A planned change to CIs (targets are its CHANGES relationships)",
            title=_S(required=True),
            change_type=_S(required=True, enum=("standard", "normal", "emergency")),
            state=_S(
                required=True,
                enum=("draft", "submitted", "approved", "rejected", "implemented", "failed", "cancelled"),
            ),
            window_start=_S(type="datetime", required=True),
            window_end=_S(type="datetime", required=True),
            backout_plan=_S(),
            outcome=_S(description="what actually happened, after implementation"),
            approvals=_S(type="list", description="decisions: {step, approver, decision, at, actor, note}"),
            implemented_at=_S(type="datetime"),
            actual_changes=_S(type="list", description="post-release back-fill: what the change did"),
            risk=_S(type="object", description="the risk assessed at submission: {score, level}"),
            collisions=_S(type="list", description="collisions found at submission: {kind, other, cis}"),
            timeline=_S(type="list", description="state changes: {at, state, actor}"),
        ),
        KindSpec(
            name="KnowledgeArticle",
            category="service_management",
            description="A knowledge article (DOCUMENTS the CIs it is about; tickets are RESOLVED_BY it)",
            attributes={
                "title": _S(required=True),
                "body": _S(),
                "category": _S(),
                "department": _S(),
                "published_at": _S(type="datetime"),
                "views": _S(type="integer"),
                "uses": _S(type="integer", description="times attached to a ticket"),
                "resolutions": _S(type="integer", description="times it resolved a ticket"),
                "csat_sum": _S(type="number"),
                "csat_count": _S(type="integer"),
                "helpful": _S(type="integer", description="feedback: it helped"),
                "not_helpful": _S(type="integer", description="feedback: it did not help"),
                "recent_views": _S(type="list", description="the latest views: {at, person}"),
            },
        ),
        KindSpec(
            name="CatalogItem",
            category="service_management",
            description="Something a department offers in the service catalog (definition: the form, "
            "rules, approvals, SLA and fulfilment plan)",
            attributes={
                "title": _S(required=True),
                "department": _S(required=True),
                "description": _S(),
                "sla_policy": _S(),
                "definition": _S(type="object", required=True, description="tickets.catalog.CatalogItem"),
            },
        ),
        _kind(
            "FulfilmentTask",
            "service_management",
            "A task (or approval) of a catalog request; TASK_OF the request, ASSIGNED_TO a team or person",
            title=_S(required=True),
            key=_S(required=True, description="the task template's key, unique within the request"),
            task_type=_S(required=True, enum=("approval", "task")),
            state=_S(
                required=True,
                enum=("waiting", "ready", "done", "approved", "rejected", "skipped", "cancelled"),
            ),
            after=_S(type="list", description="keys of the tasks that must finish first"),
            opened_at=_S(type="datetime"),
            finished_at=_S(type="datetime"),
            actor=_S(description="who finished it"),
        ),
        _kind(
            "FreezeWindow",
            "service_management",
            "A change freeze (blackout window); scope lists the CI ids it protects, absent = all",
            start=_S(type="datetime", required=True),
            end=_S(type="datetime", required=True),
            scope=_S(type="list"),
        ),
        KindSpec(
            name="SourceClaim",
            category="provenance",
            description="What one import source says about one CI (CLAIMS it): reconciliation merges "
            "the claims of every source into the CI by precedence, and retires what a source stopped saying",
            attributes={
                "source": _S(required=True, description="the import source (--source NAME)"),
                "key": _S(required=True, description="the source's own name for the CI"),
                "claimed_kind": _S(),
                "identity": _S(type="object", description="the identifying attributes it claims"),
                "attributes": _S(type="object", description="every attribute value it claims"),
                "evidence": _S(type="list", description="where it was read: {file, field, line, detail}"),
                "first_seen": _S(type="datetime"),
                "last_seen": _S(type="datetime"),
                "stale_since": _S(type="datetime", description="the first run that no longer reported it"),
                "claimed_name": _S(description="the name the source gave the CI"),
                "ci_origin": _S(
                    enum=("import", "existing"),
                    description="whether an import created the CI (then it is retired with its last claim)",
                ),
            },
        ),
        *(
            KindSpec(
                name=name,
                category="service_management",
                description=description,
                attributes=_TICKET_ATTRIBUTES,
            )
            for name, description in (
                ("Incident", "An unplanned interruption or degradation of a service"),
                ("ServiceRequest", "A request for something from a service catalog"),
                ("Problem", "The unknown cause of one or more incidents"),
            )
        ),
    )
}
