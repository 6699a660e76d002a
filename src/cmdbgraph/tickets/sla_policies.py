"""The SLA and OLA policies in force, and which one times a stored ticket or task (pure; no I/O).

Policies (all :class:`~cmdbgraph.tickets.sla.SlaPolicy`, gathered in a :class:`PolicyBook`):

- **Per priority** (:data:`DEFAULT_POLICIES`): ``P1``/``P2`` around the clock, ``P3``-``P5`` in
  office hours (Mon-Fri 09:00-17:00 UTC). Every ticket without a more specific policy.
- **Named** (:data:`NAMED_POLICIES`): one per service-catalog item
  (``tickets.catalog_demo.DEMO_CATALOG`` names them), on the hours of the department that delivers it.
  The departments sit in Frankfurt: calendars are ``Europe/Berlin`` wall times with the public
  holidays of Hesse for 2026 and 2027 (:data:`HESSE_HOLIDAYS`).

  - ``hr-onboarding``: Mon-Fri 09:00-12:30 and 13:30-17:00; response 4 h, resolution 21 h
    (3 working days);
  - ``facilities-maintenance``: Mon-Fri 07:00-19:00, Sat 08:00-12:00; 2 h, 12 h (1 day);
  - ``finance-invoice``: Mon-Fri 08:30-17:00; 8.5 h (1 day), 42.5 h (5 days);
  - ``legal-contract-review``: Mon-Fri 09:00-18:00; 9 h (1 day), 90 h (10 days);
  - ``it-software-request``: Mon-Fri 07:00-19:00; 4 h, 24 h (2 days).

  Legal is at risk from 80 % (reviews are long; 75 % would warn days ahead), the others from 75 %.
- **OLAs** (``target_kind="ola"``): per team (:data:`TEAM_OLAS`, keyed by Team id: the
  department root teams and the IT service desk) and per vendor (:data:`VENDOR_OLAS`, by Vendor
  id), with a default for each (:data:`DEFAULT_TEAM_OLA`, :data:`DEFAULT_VENDOR_OLA`). A team's
  OLA is tighter than the customer SLA its tasks serve; OLAs never pause (a task does not wait
  on the requester).

Choosing a ticket's policy (:func:`select_policy`), first that applies:

1. the ticket's own ``sla_policy`` attribute (a catalog request carries its item's);
2. the ``sla_policy`` of the catalog item it was ordered from (``catalog_policy``, which the caller
   reads from the graph: the ``ORDERED_FROM`` target or the ``catalog_item`` attribute);
3. its ``priority`` (1..5).

A name the book does not know raises ``InvalidInput`` (``UNKNOWN_SLA_POLICY``, naming the ticket,
the field and the known names); no name and no usable priority raises ``NO_SLA_POLICY``. A task's
OLA (:func:`select_ola`) is that of its team, else of the nearest team above it, else the default;
a vendor's own OLA, else the vendor default.

>>> choice = select_policy(DEFAULT_BOOK, "REQ-1", {"priority": 4, "sla_policy": "hr-onboarding"})
>>> (choice.policy.name, choice.source)
('hr-onboarding', 'ticket')
>>> select_policy(DEFAULT_BOOK, "INC-1", {"priority": 2}).policy.name
'P2'
>>> select_ola(DEFAULT_BOOK, "Team", ["team-it-service-desk-0042", "team-it-service-desk"]).name
'ola-team-it-service-desk'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Final, Literal

from pydantic import JsonValue

from cmdbgraph.schema import CI, InvalidInput, Problem
from cmdbgraph.tickets.calendar import TWENTY_FOUR_SEVEN, BusinessCalendar
from cmdbgraph.tickets.sla import SlaPolicy

H: Final = timedelta(hours=1)

HESSE_HOLIDAYS: Final = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Whit Monday
        date(2026, 6, 4),  # Corpus Christi
        date(2026, 10, 3),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 5, 6),
        date(2027, 5, 17),
        date(2027, 5, 27),
        date(2027, 10, 3),
        date(2027, 12, 25),
        date(2027, 12, 26),
    }
)
"""Public holidays in Frankfurt (Hesse), 2026 and 2027: nothing is worked on them."""

_ZONE: Final = "Europe/Berlin"

OFFICE: Final = BusinessCalendar.weekdays("UTC", "09:00-17:00", name="office-utc")
"""Mon-Fri 09:00-17:00 UTC, no holidays: the priority policies P3-P5 and the default OLAs."""
HR_HOURS: Final = BusinessCalendar.weekdays(
    _ZONE, "09:00-12:30", "13:30-17:00", holidays=HESSE_HOLIDAYS, name="hr"
)
FACILITIES_HOURS: Final = BusinessCalendar.model_validate(
    {
        "time_zone": _ZONE,
        "week": {
            **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ("07:00-19:00",)),
            "sat": ("08:00-12:00",),
        },
        "holidays": sorted(HESSE_HOLIDAYS),
        "name": "facilities",
    }
)
FINANCE_HOURS: Final = BusinessCalendar.weekdays(
    _ZONE, "08:30-17:00", holidays=HESSE_HOLIDAYS, name="finance"
)
LEGAL_HOURS: Final = BusinessCalendar.weekdays(_ZONE, "09:00-18:00", holidays=HESSE_HOLIDAYS, name="legal")
IT_HOURS: Final = BusinessCalendar.weekdays(_ZONE, "07:00-19:00", holidays=HESSE_HOLIDAYS, name="it")


def _by_name(policies: Iterable[SlaPolicy]) -> Mapping[str, SlaPolicy]:
    return MappingProxyType({p.name: p for p in policies})


DEFAULT_POLICIES: Mapping[int, SlaPolicy] = MappingProxyType(
    {
        1: SlaPolicy(name="P1", response_target=timedelta(minutes=15), resolution_target=4 * H),
        2: SlaPolicy(name="P2", response_target=1 * H, resolution_target=8 * H),
        3: SlaPolicy(name="P3", response_target=4 * H, resolution_target=24 * H, calendar=OFFICE),
        4: SlaPolicy(name="P4", response_target=8 * H, resolution_target=40 * H, calendar=OFFICE),
        5: SlaPolicy(name="P5", response_target=16 * H, resolution_target=80 * H, calendar=OFFICE),
    }
)
"""SLA policy per priority: P1/P2 around the clock, P3-P5 in office hours (Mon-Fri 9-17 UTC)."""

NAMED_POLICIES: Mapping[str, SlaPolicy] = _by_name(
    (
        SlaPolicy(
            name="hr-onboarding",
            response_target=4 * H,
            resolution_target=21 * H,
            calendar=HR_HOURS,
            party="team-hr",
        ),
        SlaPolicy(
            name="facilities-maintenance",
            response_target=2 * H,
            resolution_target=12 * H,
            calendar=FACILITIES_HOURS,
            party="team-fac",
        ),
        SlaPolicy(
            name="finance-invoice",
            response_target=8.5 * H,
            resolution_target=42.5 * H,
            calendar=FINANCE_HOURS,
            party="team-fin",
        ),
        SlaPolicy(
            name="legal-contract-review",
            response_target=9 * H,
            resolution_target=90 * H,
            calendar=LEGAL_HOURS,
            at_risk_threshold=0.8,
            party="team-legal",
        ),
        SlaPolicy(
            name="it-software-request",
            response_target=4 * H,
            resolution_target=24 * H,
            calendar=IT_HOURS,
            party="team-it",
        ),
    )
)
"""The catalog items' policies, by name (see the module docstring's table)."""


def _ola(party: str, response: timedelta, resolution: timedelta, calendar: BusinessCalendar) -> SlaPolicy:
    return SlaPolicy(
        name=f"ola-{party}",
        response_target=response,
        resolution_target=resolution,
        calendar=calendar,
        target_kind="ola",
        party=party,
        pause_on_pending=False,
    )


TEAM_OLAS: Mapping[str, SlaPolicy] = MappingProxyType(
    {
        p.party: p
        for p in (
            _ola("team-it-service-desk", 1 * H, 8 * H, IT_HOURS),
            _ola("team-it", 4 * H, 24 * H, IT_HOURS),
            _ola("team-hr", 4 * H, 14 * H, HR_HOURS),
            _ola("team-fac", 2 * H, 12 * H, FACILITIES_HOURS),
            _ola("team-fin", 8.5 * H, 17 * H, FINANCE_HOURS),
            _ola("team-legal", 9 * H, 45 * H, LEGAL_HOURS),
        )
    }
)
"""OLAs of internal teams by Team id (a team's sub-teams inherit them, see :func:`select_ola`)."""

VENDOR_OLAS: Mapping[str, SlaPolicy] = MappingProxyType(
    {
        p.party: p
        for p in (
            _ola("vendor-nimbus-cloud", timedelta(minutes=30), 4 * H, TWENTY_FOUR_SEVEN),
            _ola("vendor-acme-services", 4 * H, 16 * H, OFFICE),
        )
    }
)
"""OLAs (underpinning contracts) of vendors by Vendor id: the cloud provider around the clock."""

DEFAULT_TEAM_OLA: Final = _ola("internal-team", 8 * H, 24 * H, OFFICE)
DEFAULT_VENDOR_OLA: Final = _ola("vendor", 8 * H, 40 * H, OFFICE)

PolicySource = Literal["ticket", "catalog_item", "priority"]
"""Where a ticket's policy came from (see :func:`select_policy`)."""


@dataclass(frozen=True)
class PolicyBook:
    """Every policy in force. ``named`` are looked up by name (the priority policies are too);
    ``by_priority`` by the ticket's priority; OLAs by team and vendor id, with defaults.

    Built only if consistent: each ``named`` key is its policy's name, names are not shared by
    two different policies, and OLAs are ``target_kind="ola"`` (else ``InvalidInput``,
    ``INVALID_POLICY_BOOK``).
    """

    named: Mapping[str, SlaPolicy] = field(default_factory=lambda: NAMED_POLICIES)
    by_priority: Mapping[int, SlaPolicy] = field(default_factory=lambda: DEFAULT_POLICIES)
    team_olas: Mapping[str, SlaPolicy] = field(default_factory=lambda: TEAM_OLAS)
    vendor_olas: Mapping[str, SlaPolicy] = field(default_factory=lambda: VENDOR_OLAS)
    default_team_ola: SlaPolicy = DEFAULT_TEAM_OLA
    default_vendor_ola: SlaPolicy = DEFAULT_VENDOR_OLA

    def __post_init__(self) -> None:
        problems = [
            Problem("INVALID_POLICY_BOOK", f"key {key} names policy {p.name}", field=f"named.{key}")
            for key, p in self.named.items()
            if key != p.name
        ]
        seen: dict[str, SlaPolicy] = {}
        for p in (*self.named.values(), *self.by_priority.values()):
            if seen.setdefault(p.name, p) != p:
                problems.append(
                    Problem(
                        "INVALID_POLICY_BOOK", f"two different policies are named {p.name}", field="named"
                    )
                )
        olas = [*self.team_olas.values(), *self.vendor_olas.values(), self.default_team_ola]
        problems.extend(
            Problem("INVALID_POLICY_BOOK", f"OLA {p.name} has target_kind {p.target_kind}", field="olas")
            for p in (*olas, self.default_vendor_ola)
            if p.target_kind != "ola"
        )
        if problems:
            raise InvalidInput(problems)

    def find(self, name: str) -> SlaPolicy | None:
        """The policy called ``name`` (named or per priority), or ``None``."""
        found = self.named.get(name)
        if found is not None:
            return found
        return next((p for p in self.by_priority.values() if p.name == name), None)

    @property
    def names(self) -> list[str]:
        """Every name :meth:`find` knows, sorted."""
        return sorted({*self.named, *(p.name for p in self.by_priority.values())})


DEFAULT_BOOK: Final = PolicyBook()
"""The policies above."""


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """The policy that times a ticket, and where the choice came from."""

    policy: SlaPolicy
    source: PolicySource


def select_policy(
    book: PolicyBook,
    ticket_id: str,
    attributes: Mapping[str, JsonValue],
    *,
    catalog_policy: str | None = None,
) -> PolicyChoice:
    """The policy of a stored ticket with these node ``attributes`` (see the module docstring).

    ``catalog_policy`` is the ``sla_policy`` of the catalog item the ticket was ordered from,
    if any. Raises ``InvalidInput``: ``UNKNOWN_SLA_POLICY`` (``where`` the ticket, ``field``
    ``attributes.sla_policy`` or ``catalog_item``) or ``NO_SLA_POLICY`` (``attributes.priority``).
    """
    own = attributes.get("sla_policy")
    for source, name, where_field in (
        ("ticket", own, "attributes.sla_policy"),
        ("catalog_item", catalog_policy, "attributes.catalog_item"),
    ):
        if name is None or name == "":
            continue
        policy = book.find(str(name))
        if policy is None:
            raise InvalidInput.one(
                "UNKNOWN_SLA_POLICY",
                f"SLA policy {name} ({'the ticket' if source == 'ticket' else 'its catalog item'}) is"
                f" not defined; known policies: {', '.join(book.names)}",
                where=ticket_id,
                field=where_field,
            )
        return PolicyChoice(policy, "ticket" if source == "ticket" else "catalog_item")
    priority = attributes.get("priority")
    policy = book.by_priority.get(priority) if isinstance(priority, int) else None
    if policy is None:
        raise InvalidInput.one(
            "NO_SLA_POLICY",
            f"the ticket names no SLA policy and its priority {priority} has none"
            f" (priorities with a policy: {', '.join(str(p) for p in sorted(book.by_priority))})",
            where=ticket_id,
            field="attributes.priority",
        )
    return PolicyChoice(policy, "priority")


def catalog_policy_of(
    ticket: CI, ordered_from: Iterable[str], find: Callable[[str], CI | None]
) -> str | None:
    """The ``sla_policy`` of the ``CatalogItem`` the ticket was ordered from: an ``ORDERED_FROM``
    target (``ordered_from``, the first by id), else the item its ``catalog_item`` attribute
    names; ``None`` when there is none or it names no policy. ``find`` looks CIs up by id."""
    named = ticket.attributes.get("catalog_item")
    candidates = [*sorted(ordered_from), *([named] if isinstance(named, str) else [])]
    for item_id in candidates:
        item = find(item_id)
        if item is not None and item.kind == "CatalogItem":
            policy = item.attributes.get("sla_policy")
            return policy if isinstance(policy, str) and policy else None
    return None


def select_ola(book: PolicyBook, party_kind: str | None, chain: Sequence[str]) -> SlaPolicy:
    """The OLA of a task owed by the party ``chain[0]`` of kind ``party_kind``.

    For a ``"Team"``, ``chain`` is the team followed by the teams above it, nearest first: the
    first with an OLA of its own gives it, else :attr:`PolicyBook.default_team_ola`. For a
    ``"Vendor"``: its own OLA, else :attr:`PolicyBook.default_vendor_ola`. Anything else (no
    party, a person in no team) gets the default team OLA.
    """
    if party_kind == "Vendor" and chain:
        return book.vendor_olas.get(chain[0], book.default_vendor_ola)
    if party_kind == "Team":
        for team in chain:
            ola = book.team_olas.get(team)
            if ola is not None:
                return ola
    return book.default_team_ola
