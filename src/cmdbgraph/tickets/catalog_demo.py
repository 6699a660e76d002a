"""The demo service catalog: one realistic catalog item per department, in
:data:`DEMO_CATALOG` (pure data).

``cmdbgraph demo`` publishes it (``cli.catalog_demo``) and the tests and examples order from it.
Items are built, and so checked, when the module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_form import FormField
from cmdbgraph.tickets.catalog_plan import ApprovalLevel, ApproverKind, FulfilmentPlan, TaskTemplate
from cmdbgraph.tickets.catalog_rules import Condition, ForbiddenIf, RangeIf, RequiredIf

_F = FormField
_C = Condition.of


def _task(key: str, title: str, group: str, *after: str, when: Condition | None = None) -> TaskTemplate:
    return TaskTemplate(key=key, title=title, group=group, after=after, when=when)


def _approval(
    key: str,
    title: str,
    approver: ApproverKind,
    *,
    field: str | None = None,
    team: str | None = None,
    when_any: tuple[Condition, ...] = (),
) -> ApprovalLevel:
    return ApprovalLevel(key=key, title=title, approver=approver, field=field, team=team, when_any=when_any)


SENSITIVE_PERMISSIONS = ("hr-suite", "erp-finance", "code-repository")
"""Onboarding permissions that need the security approval: systems holding personal data,
money or source code. ``email`` and ``vpn`` are what every hire gets; ``crm`` is read-mostly."""


_HR_ONBOARDING = CatalogItem(
    id="hr-onboarding",
    department="hr",
    title="Onboard a new employee",
    description="Everything a new hire needs on day one: accounts, access, equipment and training.",
    form=(
        _F(name="new_hire_name", label="Full name of the new hire", required=True, max=120),
        _F(name="personal_email", label="Personal email", type="email", help="for the welcome pack"),
        _F(name="position", label="Position", required=True, max=120),
        _F(name="manager", label="Hiring manager", type="person", required=True),
        _F(name="start_date", label="Start date", type="date", required=True),
        _F(name="remote", label="Fully remote", type="boolean"),
        _F(name="location", label="Desk location", type="location", help="building floor of the desk"),
        _F(
            name="permissions",
            label="Access needed",
            type="multi_choice",
            choices=("email", "vpn", "hr-suite", "erp-finance", "code-repository", "crm"),
            min=1,
        ),
        _F(
            name="laptop",
            label="Laptop",
            type="choice",
            required=True,
            choices=("none", "standard", "developer", "executive"),
        ),
    ),
    rules=(
        RequiredIf(
            field="location",
            when=_C("remote", "not_equals", True),
            message="a desk location is required unless the new hire is fully remote",
        ),
    ),
    sla_policy="hr-onboarding",
    responsible_group="team-hr",
    approvals=(
        _approval(
            "manager_approval",
            "Hiring manager approves the access and equipment asked for",
            "person_field",
            field="manager",
        ),
        _approval("hr_approval", "HR confirms the position and start date", "team", team="team-hr"),
        _approval(
            "security_approval",
            "Security approves access to sensitive systems",
            "team",
            team="team-it",
            when_any=tuple(_C("permissions", "contains", p) for p in SENSITIVE_PERMISSIONS),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("account_creation", "Create directory and email accounts", "team-it-service-desk"),
            _task("permissions", "Grant the requested access", "team-it-service-desk"),
            _task(
                "laptop",
                "Prepare and ship the laptop",
                "team-it-service-desk",
                when=_C("laptop", "not_equals", "none"),
            ),
            _task("training", "Enrol in induction training", "team-hr"),
            _task(
                "first_day_check",
                "First-day check with the new hire",
                "team-hr",
                "account_creation",
                "permissions",
                "laptop",
                "training",
            ),
        )
    ),
)

_FAC_MAINTENANCE = CatalogItem(
    id="fac-maintenance",
    department="facilities",
    title="Report a building maintenance issue",
    description="Heating, power, plumbing, lighting, furniture or cleaning on a floor.",
    form=(
        _F(name="location", label="Floor or room", type="location", required=True),
        _F(
            name="zone",
            label="Zone of the floor",
            type="choice",
            required=True,
            choices=("north", "south", "east", "west", "core"),
        ),
        _F(
            name="issue_type",
            label="Issue type",
            type="choice",
            required=True,
            choices=("hvac", "electrical", "plumbing", "lighting", "furniture", "cleaning", "other"),
        ),
        _F(
            name="asset_tag",
            label="Asset tag",
            pattern="FAC-[0-9]{6}",
            help="FAC- and six digits, on the sticker of the equipment",
        ),
        _F(name="people_affected", label="People affected", type="integer", min=1, max=5000),
        _F(name="details", label="What is wrong", type="text", max=4000),
    ),
    rules=(
        RequiredIf(field="details", when=_C("issue_type", "equals", "other")),
        RequiredIf(field="asset_tag", when=_C("issue_type", "in", ["hvac", "electrical"])),
    ),
    sla_policy="facilities-maintenance",
    responsible_group="team-fac",
    tasks=FulfilmentPlan(
        tasks=(
            _task("triage", "Triage and schedule", "team-fac"),
            _task(
                "repair",
                "Repair on site",
                "team-fac",
                "triage",
                when=_C("issue_type", "not_equals", "cleaning"),
            ),
            _task(
                "cleaning",
                "Clean the area",
                "team-fac",
                "triage",
                when=_C("issue_type", "equals", "cleaning"),
            ),
            _task(
                "safety_check",
                "Electrical safety check",
                "team-fac",
                "repair",
                when=_C("issue_type", "equals", "electrical"),
            ),
            _task(
                "close_out", "Confirm with the requester", "team-fac", "repair", "cleaning", "safety_check"
            ),
        )
    ),
)

_FIN_INVOICE = CatalogItem(
    id="fin-invoice-payment",
    department="finance",
    title="Pay a supplier invoice",
    description="Submit a supplier invoice for approval and payment against a budget.",
    form=(
        _F(name="supplier", label="Supplier", required=True, max=200),
        _F(
            name="invoice_number",
            label="Invoice number",
            required=True,
            pattern=r"[A-Za-z0-9][A-Za-z0-9/-]{2,29}",
            help="3 to 30 letters, digits, / or -",
        ),
        _F(
            name="budget_code",
            label="Budget code",
            required=True,
            pattern="^[A-Z]{2}-[0-9]{4}$",
            help="two capital letters, a dash and four digits, e.g. FI-2041",
        ),
        _F(name="amount", label="Amount", type="number", required=True, min=0),
        _F(
            name="currency",
            label="Currency",
            type="choice",
            required=True,
            choices=("EUR", "USD", "GBP", "CHF"),
        ),
        _F(name="due_date", label="Due date", type="date", required=True),
        _F(name="purchase_order", label="Purchase order", pattern="PO-[0-9]{6}", help="PO- and six digits"),
    ),
    rules=(
        RequiredIf(
            field="purchase_order",
            when=_C("amount", "gt", 10_000),
            message="invoices above 10000 need a purchase order",
        ),
    ),
    sla_policy="finance-invoice",
    responsible_group="team-fin",
    approvals=(
        _approval(
            "controller_approval",
            "Finance controller approves a payment above 50000",
            "team",
            team="team-fin",
            when_any=(_C("amount", "gt", 50_000),),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("verify_invoice", "Verify the invoice against the order and receipt", "team-fin"),
            _task(
                "budget_approval",
                "Budget owner approves",
                "team-fin",
                "verify_invoice",
                when=_C("amount", "gt", 5_000),
            ),
            _task("schedule_payment", "Schedule the payment run", "team-fin", "budget_approval"),
            _task("post_ledger", "Post to the general ledger", "team-fin", "schedule_payment"),
        )
    ),
)

_LEGAL_CONTRACT = CatalogItem(
    id="legal-contract-review",
    department="legal",
    title="Review a contract",
    description="Legal review and signature of a contract with a counterparty.",
    form=(
        _F(
            name="contract_type",
            label="Contract type",
            type="choice",
            required=True,
            choices=("nda", "msa", "sow", "purchase", "licence", "employment"),
        ),
        _F(name="counterparty", label="Counterparty", required=True, max=200),
        _F(name="amount", label="Contract value", type="number", min=0),
        _F(
            name="confidentiality",
            label="Confidentiality level",
            type="choice",
            required=True,
            choices=("public", "internal", "confidential", "restricted"),
        ),
        _F(name="contract_owner", label="Contract owner", type="person", required=True),
        _F(name="signature_deadline", label="Sign by", type="date"),
    ),
    rules=(
        RequiredIf(field="amount", when=_C("contract_type", "in", ["msa", "sow", "purchase", "licence"])),
        ForbiddenIf(
            field="amount",
            when=_C("contract_type", "equals", "nda"),
            message="an NDA has no contract value",
        ),
        RangeIf(
            field="amount",
            when=_C("confidentiality", "equals", "public"),
            max=100_000,
            message="contracts above 100000 cannot be public: choose internal or higher",
        ),
    ),
    sla_policy="legal-contract-review",
    responsible_group="team-legal",
    approvals=(
        _approval(
            "counsel_approval",
            "General counsel approves taking on a large or restricted contract",
            "team",
            team="team-legal",
            when_any=(_C("amount", "gt", 100_000), _C("confidentiality", "equals", "restricted")),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("intake", "Intake and conflict check", "team-legal"),
            _task("legal_review", "Review the terms", "team-legal", "intake"),
            _task(
                "finance_review",
                "Finance review of the commitment",
                "team-fin",
                "intake",
                when=_C("amount", "gt", 100_000),
            ),
            _task(
                "privacy_review",
                "Privacy and security review",
                "team-legal",
                "intake",
                when=_C("confidentiality", "equals", "restricted"),
            ),
            _task(
                "signature",
                "Collect signatures",
                "team-legal",
                "legal_review",
                "finance_review",
                "privacy_review",
            ),
        )
    ),
)

_IT_SOFTWARE = CatalogItem(
    id="it-software-request",
    department="it",
    title="Request software",
    description="Get an application installed or access to it, with a licence if needed.",
    form=(
        _F(name="application", label="Application", type="ci", ci_kind="Application", required=True),
        _F(
            name="justification", label="Business justification", type="text", required=True, min=20, max=2000
        ),
        _F(
            name="licence",
            label="Licence",
            type="choice",
            required=True,
            choices=("existing", "new"),
            help="new when no spare licence is assigned to your team",
        ),
        _F(name="needed_by", label="Needed by", type="date"),
    ),
    sla_policy="it-software-request",
    responsible_group="team-it",
    approvals=(
        _approval(
            "manager_approval",
            "Your manager approves the cost of a new licence",
            "requester_manager",
            when_any=(_C("licence", "equals", "new"),),
        ),
    ),
    tasks=FulfilmentPlan(
        tasks=(
            _task("approval", "Licence approval", "team-it", when=_C("licence", "equals", "new")),
            _task(
                "procure_licence",
                "Buy the licence",
                "team-fin",
                "approval",
                when=_C("licence", "equals", "new"),
            ),
            _task("install", "Install and grant access", "team-it-service-desk", "procure_licence"),
            _task("confirm", "Confirm it works with the requester", "team-it-service-desk", "install"),
        )
    ),
)

DEMO_CATALOG: Mapping[str, CatalogItem] = MappingProxyType(
    {i.id: i for i in (_HR_ONBOARDING, _FAC_MAINTENANCE, _FIN_INVOICE, _LEGAL_CONTRACT, _IT_SOFTWARE)}
)
"""One realistic item per department, by id. Groups and approving teams are team ids the demo
enterprise has at every size (``team-hr``, ``team-fac``, ``team-fin``, ``team-legal``,
``team-it``, ``team-it-service-desk``): so onboarding's security approval goes to ``team-it``,
the IT department's root team (its security squads exist only in larger demos).
``sla_policy`` names the policy the submitting service looks up.

Approvals: onboarding goes to the hiring manager, then HR, then security when a
:data:`SENSITIVE_PERMISSIONS` access is asked for; a new software licence to the requester's
manager; an invoice above 50000 to the finance controller; a contract above 100000 or
restricted to the general counsel. Facilities repairs need none.

Every text is free of quotes and backslashes (patterns use ``[0-9]``, not ``\\d``): FalkorDB's
Bolt listener cannot store them."""
