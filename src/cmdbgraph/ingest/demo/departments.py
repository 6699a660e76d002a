"""The five departments of the demo enterprise and their catalogs.

IT/R&D comes first: its services get the lowest indices, so every other department may depend
on IT's core services without breaking the "same tier, lower index" DAG rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmdbgraph.ingest.demo.catalogs import words


@dataclass(frozen=True)
class Dept:
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


def _dept(code: str, label: str, weight: float, bs_weight: float, **lines: str) -> Dept:
    return Dept(
        code=code,
        label=label,
        weight=weight,
        bs_weight=bs_weight,
        business_services=words(lines["business_services"]),
        important=frozenset(words(lines["important"])),
        service_words=words(lines["service_words"]),
        applications=words(lines["applications"]),
        teams=words(lines["teams"]),
        skills=words(lines["skills"]),
        classifications=words(lines["classifications"]),
    )


DEPTS: tuple[Dept, ...] = (
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
IT, HR, FAC, FIN, LEGAL = range(len(DEPTS))  # indices into DEPTS
