"""CSV column mappings: the model, the shipped ``servicenow`` and ``itop`` mappings, the loader.

A :class:`CsvMapping` tells :func:`cmdbgraph.ingest.importers.tabular.read_csv` which column of
an export holds what, so an export can be loaded without editing it. It is a small YAML (or
JSON) file; every key below is optional unless marked *required*::

    extends: servicenow          # start from a shipped mapping; tables merge key by key
    name: my-cmdb                # shown in notes and messages
    delimiter: ";"               # one character (default ","); quotechar '"'; encoding utf-8-sig
    cis:
      key: sys_id                # required: the row's stable id (unique in the file)
      name: name                 # required: the display name (identity["name"] is its lower case)
      kind: sys_class_name       # the column holding the kind ...
      kinds:                     # ... translated by this table (exact, then case-insensitive);
        cmdb_ci_server: Host     #     without a table the cell must itself be a kind (PascalCase)
      # fixed_kind: Host         # ... or one kind for every row (exactly one of kind/fixed_kind)
      unknown_kinds: error       # a value not in the table: error (UNKNOWN_KIND_VALUE) or skip
      identity:                  # identity attribute -> column, for every row (values lower-cased)
        servicenow_sys_id: sys_id
      identity_by_kind:          # extra identity columns for rows of one kind
        Host: {fqdn: fqdn, hostname: name, domain: dns_domain}
      attributes:                # attribute -> column, or {column, type, required}
        os: os
        cpu_count: {column: cpu_count, type: integer}   # string|integer|number|boolean|date|datetime
    relationships:               # needed only when a relationships file is given
      source: parent             # required: the consumer end (for DEPENDS_ON: who depends)
      target: child              # required
      type: type                 # the column holding the type ...
      types:                     # ... translated by this table: TYPE, or {type: TYPE, reverse: true}
        "Depends on::Used by": DEPENDS_ON
        "Contains::Contained by": {type: PART_OF, reverse: true}
      # fixed_type: DEPENDS_ON   # ... or one type for every row (exactly one of type/fixed_type)
      unknown_types: error       # error (UNKNOWN_TYPE_VALUE) or skip
      match_names: false         # endpoints may hold a CI's name instead of its key
      optional: is_optional      # a column of booleans -> the relationship's ``optional``
      attributes: {}             # as for CIs

Columns named by ``key``, ``name``, ``kind``, ``source``, ``target`` and ``type`` must be in the
header (``MISSING_COLUMN`` otherwise); identity and attribute columns may be absent (the run
notes that they were not read) unless marked ``required: true``. Columns are matched exactly,
then case-insensitively.

The shipped mappings (:data:`SHIPPED_MAPPINGS`) use the column names those tools really write:

- ``servicenow``: a ``cmdb_ci`` export and a ``cmdb_rel_ci`` export. ServiceNow's CSV export
  writes field *names* as headers and display values as cells unless raw values are asked for
  ("Default values for column headers and column values", servicenow.com/docs, Data export
  reference). Export ``cmdb_ci`` with ``sysparm_display_value=false`` or as displayed: the kind
  table holds both the class names (``cmdb_ci_linux_server``) and their labels (``Linux
  Server``) from "CMDB tables descriptions". Export ``cmdb_rel_ci`` as displayed: ``type`` is
  then ``Depends on::Used by`` (parent descriptor::child descriptor, "CI relationships in the
  CMDB"), and ``parent``/``child`` are the CIs' display names, resolved against the CI file's
  ``name`` column when they are not sys_ids (``match_names``). Field names (``fqdn``,
  ``dns_domain``, ``os``, ``os_version``, ``cpu_count``, ``ram``, ``serial_number``,
  ``ip_address``) are those in ServiceNow's connector attribute tables (e.g. the Jamf
  connector's ``cmdb_ci_computer`` table); ``busines_criticality`` is ServiceNow's own spelling.
- ``itop``: an export of ``SELECT FunctionalCI`` and one of ``SELECT
  lnkApplicationSolutionToFunctionalCI``, made with ``no_localize=1`` so that headers are
  attribute codes, not labels (Combodo iTop ``core/tabularbulkexport.class.inc.php``: the
  column label is the attribute code unless output is localised). Codes from iTop's
  ``itop-config-mgmt`` data model: ``id``, ``name``, ``finalclass``, ``organization_name``,
  ``business_criticity``, ``move2production``, ``description``; the link's
  ``applicationsolution_id`` / ``functionalci_id``. An application solution depends on the CIs
  that compose it ("All the application solutions depending on this configuration item").

>>> SHIPPED_MAPPINGS["servicenow"].cis.kinds["cmdb_ci_server"]
'Host'
>>> load_mapping("itop").relationships.fixed_type
'DEPENDS_ON'
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.schema.kinds import ATTRIBUTE_NAME, KIND_NAME
from cmdbgraph.schema.relationships import REL_TYPE_NAME

ValueType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
OnUnknown = Literal["error", "skip"]


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def coerce(text: str, value_type: ValueType) -> JsonValue:
    """``text`` (a non-empty, stripped cell) as a JSON value of ``value_type``.

    Integers are decimal; numbers stay integers when written as one; booleans are
    true/false/yes/no/y/n/t/f/1/0 in any case; dates are ISO (a datetime keeps its date);
    datetimes are ISO, ``T`` or a space between date and time. Raises ``ValueError``.

    >>> coerce("8", "integer"), coerce("2.5", "number"), coerce("Yes", "boolean")
    (8, 2.5, True)
    >>> coerce("2024-03-01 10:00:00", "date"), coerce("2024-03-01 10:00:00", "datetime")
    ('2024-03-01', '2024-03-01T10:00:00')
    >>> coerce("eight", "integer")
    Traceback (most recent call last):
    ...
    ValueError: 'eight' is not an integer
    """
    match value_type:
        case "string":
            return text
        case "integer":
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{text!r} is not an integer") from None
        case "number":
            try:
                return int(text)
            except ValueError:
                pass
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ValueError(f"{text!r} is not a number")
            return number
        case "boolean":
            folded = text.casefold()
            if folded in _TRUE or folded in _FALSE:
                return folded in _TRUE
            raise ValueError(f"{text!r} is not a boolean (true/false, yes/no, 1/0)")
        case "date":
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
            try:
                return datetime.fromisoformat(text).date().isoformat()
            except ValueError:
                raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
        case "datetime":
            try:
                return datetime.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"{text!r} is not an ISO date-time (YYYY-MM-DD HH:MM:SS)") from None


def _column_shorthand(value: object) -> object:
    return {"column": value} if isinstance(value, str) else value


def _type_shorthand(value: object) -> object:
    return {"type": value} if isinstance(value, str) else value


class Column(BaseModel):
    """One mapped column: its name in the header, the type its cells are coerced to, and whether
    a file without it is refused (``MISSING_COLUMN``) or just noted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str = Field(min_length=1)
    type: ValueType = "string"
    required: bool = False


ColumnSpec = Annotated[Column, BeforeValidator(_column_shorthand)]


class TypeTarget(BaseModel):
    """What a relationship-type cell becomes: a type, read source -> target or reversed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    reverse: bool = False

    @model_validator(mode="after")
    def _upper_snake(self) -> TypeTarget:
        if not REL_TYPE_NAME.match(self.type):
            raise ValueError(f"relationship type {self.type!r} must be UPPER_SNAKE")
        return self


TypeSpec = Annotated[TypeTarget, BeforeValidator(_type_shorthand)]


def _check_kind(kind: str) -> None:
    if not KIND_NAME.match(kind):
        raise ValueError(f"kind {kind!r} must be PascalCase")


def _check_names(names: Mapping[str, object], what: str) -> None:
    for name in names:
        if not ATTRIBUTE_NAME.match(name):
            raise ValueError(f"{what} name {name!r} must be an identifier (letters, digits, _)")


class CiColumns(BaseModel):
    """How the CI file's columns become :class:`~cmdbgraph.ingest.sources.SourceCI` fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: str | None = None
    fixed_kind: str | None = None
    kinds: dict[str, str] = Field(default_factory=dict)
    unknown_kinds: OnUnknown = "error"
    identity: dict[str, str] = Field(default_factory=dict)
    identity_by_kind: dict[str, dict[str, str]] = Field(default_factory=dict)
    attributes: dict[str, ColumnSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CiColumns:
        if (self.kind is None) == (self.fixed_kind is None):
            raise ValueError("give exactly one of cis.kind (a column) and cis.fixed_kind")
        for kind in [*self.kinds.values(), *self.identity_by_kind, self.fixed_kind or "Host"]:
            _check_kind(kind)
        for identity in [self.identity, *self.identity_by_kind.values()]:
            _check_names(identity, "identity")
            if "name" in identity:
                raise ValueError('identity "name" is always the lower-cased name column')
        _check_names(self.attributes, "attribute")
        return self


class RelationshipColumns(BaseModel):
    """How the relationships file's columns become relationships between CI keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    type: str | None = None
    fixed_type: str | None = None
    types: dict[str, TypeSpec] = Field(default_factory=dict)
    unknown_types: OnUnknown = "error"
    match_names: bool = False
    optional: str | None = None
    attributes: dict[str, ColumnSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> RelationshipColumns:
        if (self.type is None) == (self.fixed_type is None):
            raise ValueError("give exactly one of relationships.type (a column) and relationships.fixed_type")
        if self.fixed_type is not None:
            TypeTarget(type=self.fixed_type)
        _check_names(self.attributes, "attribute")
        return self


class CsvMapping(BaseModel):
    """A whole mapping: file format settings, the CI columns and the relationship columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    cis: CiColumns
    relationships: RelationshipColumns | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


_SN_HOST = (
    ("cmdb_ci_server", "Server"),
    ("cmdb_ci_linux_server", "Linux Server"),
    ("cmdb_ci_win_server", "Windows Server"),
    ("cmdb_ci_unix_server", "UNIX Server"),
    ("cmdb_ci_aix_server", "AIX Server"),
    ("cmdb_ci_solaris_server", "Solaris Server"),
    ("cmdb_ci_hpux_server", "HPUX Server"),
    ("cmdb_ci_esx_server", "ESX Server"),
    ("cmdb_ci_computer", "Computer"),
    ("cmdb_ci_mainframe", "IBM Mainframe"),
    ("cmdb_ci_vm_instance", "Virtual Machine Instance"),
    ("cmdb_ci_vmware_instance", "VMware Virtual Machine Instance"),
    ("cmdb_ci_ec2_instance", "EC2 Virtual Machine Instance"),
    ("cmdb_ci_hyper_v_instance", "Hyper-V Virtual Machine Instance"),
    ("cmdb_ci_kvm_vm_instance", "KVM Virtual Machine Instance"),
)
_SN_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Host": _SN_HOST,
    "Application": (
        ("cmdb_ci_appl", "Application"),
        ("cmdb_ci_business_app", "Business Application"),
        ("cmdb_ci_app_server", "Application Server"),
        ("cmdb_ci_app_server_tomcat", "Tomcat"),
        ("cmdb_ci_web_application", "Web Application"),
    ),
    "Service": (
        ("cmdb_ci_service_auto", "Service Instance"),
        ("cmdb_ci_service_discovered", "Mapped Application Service"),
        ("cmdb_ci_service_technical", "Technology Management Service (formerly Technical Service)"),
        ("cmdb_ci_infra_service", "Infrastructure Service"),
        ("cmdb_ci_web_server", "Web Server"),
        ("cmdb_ci_web_service", "Web Service"),
    ),
    "BusinessService": (
        ("cmdb_ci_service", "Service"),
        ("cmdb_ci_service_business", "Business Service"),
    ),
    "Database": (
        ("cmdb_ci_database", "Database"),
        ("cmdb_ci_db_instance", "Database Instance"),
        ("cmdb_ci_db_mysql_instance", "MySQL Instance"),
        ("cmdb_ci_db_postgresql_instance", "PostgreSQL Instance"),
        ("cmdb_ci_db_ora_instance", "Oracle Instance"),
        ("cmdb_ci_db_mssql_instance", "MSFT SQL Instance"),
        ("cmdb_ci_db_mongodb_instance", "MongoDB Instance"),
        ("cmdb_ci_cloud_database", "Cloud Database"),
    ),
    "Queue": (("cmdb_ci_appl_rabbitmq", "RabbitMQ"),),
    "Dataset": (("cmdb_ci_information_object", "Information Object"),),
    "Container": (
        ("cmdb_ci_docker", "Docker Container"),
        ("cmdb_ci_oslv_container", "Operating-system-level Virtualization Container"),
    ),
    "Network": (
        ("cmdb_ci_netgear", "Network Gear"),
        ("cmdb_ci_ip_router", "IP Router"),
        ("cmdb_ci_ip_switch", "IP Switch"),
        ("cmdb_ci_ip_firewall", "IP Firewall"),
        ("cmdb_ci_lb", "Load Balancer"),
        ("cmdb_ci_ip_network", "IP Network"),
    ),
    "Storage": (
        ("cmdb_ci_storage_device", "Storage Device"),
        ("cmdb_ci_storage_volume", "Storage Volume"),
        ("cmdb_ci_file_system", "File System"),
        ("cmdb_ci_san", "Storage Area Network"),
    ),
    "Datacenter": (("cmdb_ci_datacenter", "Data Center"),),
    "CloudRegion": (
        ("cmdb_ci_aws_datacenter", "AWS datacenter"),
        ("cmdb_ci_azure_datacenter", "Azure datacener"),
    ),
}
"""ServiceNow class (table name, label) -> kind. Labels are copied as ServiceNow writes them."""

SERVICENOW: dict[str, Any] = {
    "name": "servicenow",
    "cis": {
        "key": "sys_id",
        "name": "name",
        "kind": "sys_class_name",
        "kinds": {value: kind for kind, pairs in _SN_KINDS.items() for pair in pairs for value in pair},
        "identity": {"servicenow_sys_id": "sys_id"},
        "identity_by_kind": {"Host": {"fqdn": "fqdn", "hostname": "name", "domain": "dns_domain"}},
        "attributes": {
            "description": "short_description",
            "fqdn": "fqdn",
            "ip_address": "ip_address",
            "os": "os",
            "os_version": "os_version",
            "cpu_count": {"column": "cpu_count", "type": "integer"},
            "ram_mb": {"column": "ram", "type": "integer"},
            "serial_number": "serial_number",
            "version": "version",
            "used_for": "used_for",
            "operational_status": "operational_status",
            "business_criticality": "busines_criticality",
        },
    },
    "relationships": {
        "source": "parent",
        "target": "child",
        "type": "type",
        "match_names": True,
        "types": {
            "Depends on::Used by": "DEPENDS_ON",
            "Runs on::Runs": "RUNS_ON",
            "Hosted on::Hosts": "RUNS_ON",
            "Connects to::Connected by": "CONNECTS_THROUGH",
            "Contains::Contained by": {"type": "PART_OF", "reverse": True},
            "Members::Member of": {"type": "PART_OF", "reverse": True},
            "Owns::Owned by": {"type": "PART_OF", "reverse": True},
        },
    },
}
"""The ``servicenow`` mapping as data (see the module docstring for where each name comes from).
``Contains``, ``Members`` and ``Owns`` read parent -> child, so the child is PART_OF the parent;
``Manages::Managed by`` and the service-model-internal types have no counterpart (error unless a
mapping that extends this one says ``unknown_types: skip`` or maps them)."""

_ITOP_KINDS: dict[str, tuple[str, ...]] = {
    "Host": ("Server", "VirtualMachine", "Hypervisor", "Farm", "PC"),
    "Application": ("ApplicationSolution", "WebApplication", "PCSoftware", "OtherSoftware"),
    "BusinessService": ("BusinessProcess",),
    "Service": ("WebServer", "Middleware", "MiddlewareInstance"),
    "Database": ("DBServer",),
    "Dataset": ("DatabaseSchema",),
    "Network": ("NetworkDevice", "SANSwitch"),
    "Storage": ("StorageSystem", "NAS", "TapeLibrary"),
}
"""iTop ``finalclass`` -> kind (iTop's ``itop-config-mgmt`` FunctionalCI subclasses)."""

ITOP: dict[str, Any] = {
    "name": "itop",
    "cis": {
        "key": "id",
        "name": "name",
        "kind": "finalclass",
        "kinds": {cls: kind for kind, classes in _ITOP_KINDS.items() for cls in classes},
        "identity": {"itop_id": "id"},
        "attributes": {
            "description": "description",
            "organization": "organization_name",
            "business_criticality": "business_criticity",
            "move_to_production": {"column": "move2production", "type": "date"},
        },
    },
    "relationships": {
        "source": "applicationsolution_id",
        "target": "functionalci_id",
        "fixed_type": "DEPENDS_ON",
    },
}
"""The ``itop`` mapping as data: a FunctionalCI export and a lnkApplicationSolutionToFunctionalCI
export (the application solution depends on each CI that composes it)."""

SHIPPED_MAPPINGS: Mapping[str, CsvMapping] = {
    "servicenow": CsvMapping.model_validate(SERVICENOW),
    "itop": CsvMapping.model_validate(ITOP),
}
_SHIPPED_DATA: Mapping[str, dict[str, Any]] = {"servicenow": SERVICENOW, "itop": ITOP}


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: nested tables merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def mapping_from_data(data: object, where: str = "mapping") -> CsvMapping:
    """Validate a mapping given as data (what the YAML holds); ``extends`` names a shipped one.

    Raises ``InvalidInput`` with one ``BAD_MAPPING`` problem per reason (``field`` the path).
    """
    if not isinstance(data, dict):
        raise InvalidInput.one(
            "BAD_MAPPING", "a mapping must be a table (cis: ..., relationships: ...)", where
        )
    data = dict(data)
    base = data.pop("extends", None)
    if base is not None:
        if base not in _SHIPPED_DATA:
            known = ", ".join(sorted(_SHIPPED_DATA))
            raise InvalidInput.one(
                "BAD_MAPPING", f"extends {base!r}: no such mapping ({known})", where, "extends"
            )
        data = _merged(_SHIPPED_DATA[base], data)
    try:
        return CsvMapping.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [
                Problem("BAD_MAPPING", err["msg"], where, ".".join(str(p) for p in err["loc"]))
                for err in exc.errors(include_url=False)
            ]
        ) from None


def load_mapping(spec: str | Path) -> CsvMapping:
    """A shipped mapping by name (``servicenow``, ``itop``) or a mapping file (YAML or JSON).

    The only I/O is reading that file. Raises ``InvalidInput`` (``BAD_MAPPING``) for a missing
    or unreadable file, bad YAML/JSON (with its line) and invalid content.
    """
    if isinstance(spec, str) and spec in SHIPPED_MAPPINGS:
        return SHIPPED_MAPPINGS[spec]
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        known = ", ".join(sorted(SHIPPED_MAPPINGS))
        message = f"cannot read the mapping file ({exc.strerror}); shipped mappings: {known}"
        raise InvalidInput.one("BAD_MAPPING", message, str(path)) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("BAD_MAPPING", f"bad JSON: {exc.msg}", f"{path}:{exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InvalidInput.one("BAD_MAPPING", f"bad YAML: {exc}", where) from None
    return mapping_from_data(data, str(path))
