"""The shipped CSV mappings, ``servicenow`` and ``itop``, as data: where each column name comes from.

This module holds data only: each mapping is the table a mapping file would hold (see
:mod:`~cmdbgraph.ingest.importers.tabular_mappings` for its keys), and :data:`SHIPPED_DATA`
names them. :mod:`~cmdbgraph.ingest.importers.tabular_mappings` validates them into
``SHIPPED_MAPPINGS`` and merges a mapping file's ``extends`` onto them; nothing here is
validated or read from disk.

The mappings use the column names those tools really write:

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

>>> SERVICENOW["cis"]["kinds"]["Linux Server"], sorted(SHIPPED_DATA)
('Host', ['itop', 'servicenow'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
SERVICENOW_KINDS: dict[str, tuple[tuple[str, str], ...]] = {
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
        "kinds": {
            value: kind for kind, pairs in SERVICENOW_KINDS.items() for pair in pairs for value in pair
        },
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

SHIPPED_DATA: Mapping[str, dict[str, Any]] = {"servicenow": SERVICENOW, "itop": ITOP}
"""Shipped mapping name -> its data (what ``extends: NAME`` starts from)."""
