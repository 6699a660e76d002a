"""The catalog part of ``cmdbgraph demo``: :func:`seed_demo_catalog` publishes the demo
service catalog (:data:`~cmdbgraph.tickets.catalog_demo.DEMO_CATALOG`) and orders a few requests
from it, the same on every run (fixed request ids ``REQ-CAT-00001`` ..., a fixed clock,
references picked in id order from the graph), some of them worked to an approval, a
resolution or a rejection. Requests already in the store are left as they are, so running the
demo again writes nothing. :class:`DemoCatalog` is what it did (``demo --json`` prints it as
``"catalog"``).

It registers no command: ``cli.graph_commands`` calls it from ``demo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import JsonValue

from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.ingest.demo.service_history import DEMO_EPOCH
from cmdbgraph.schema import CI
from cmdbgraph.tickets.catalog_demo import DEMO_CATALOG
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.lifecycle import TicketType
from cmdbgraph.tickets.requests import RequestService

DEMO_REQUEST_PREFIX = "REQ-CAT-"
"""Ids of the demo's catalog requests: ``REQ-CAT-00001`` ... (the service history's are
``REQ-00001`` ...)."""


@dataclass
class DemoCatalog:
    """What :func:`seed_demo_catalog` did: the items published (ids), the requests it ordered
    (id -> state afterwards) and those it found already there."""

    items: list[str]
    requests: dict[str, str] = field(default_factory=dict)
    existing: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The JSON form (``demo --json`` prints it as ``"catalog"``)."""
        return {
            "items": self.items,
            "requests": [{"id": k, "state": v} for k, v in self.requests.items()],
            "existing_requests": self.existing,
        }


class _StepClock:
    """A fixed clock: ``start``, then ``step`` later at every reading."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@dataclass(frozen=True)
class _DemoRefs:
    requester: str
    manager: str | None
    first_person: str
    floor: str | None
    application: str | None


def _demo_refs(store: GraphStore) -> _DemoRefs | None:
    persons = store.search(kind="Person", first=50).items
    if not persons:
        return None
    requester, manager = persons[0].id, None
    for p in persons:
        boss = _manager(store, p)
        if boss is not None:
            requester, manager = p.id, boss
            break
    floors = store.search(kind="Location", attributes={"type": "floor"}, first=1).items
    apps = store.search(kind="Application", first=1).items
    return _DemoRefs(
        requester=requester,
        manager=manager,
        first_person=persons[0].id,
        floor=floors[0].id if floors else None,
        application=apps[0].id if apps else None,
    )


def _manager(store: GraphStore, person: CI) -> str | None:
    bosses = sorted(
        n.ci.id
        for n in store.neighbours(person.id, Direction.OUT, ["REPORTS_TO"])
        if n.direction == "out" and n.ci.kind == "Person"
    )
    return bosses[0] if bosses else None


def _fixed_id(request_id: str) -> Callable[[TicketType], str]:
    def new_id(_: TicketType) -> str:
        return request_id

    return new_id


Step = tuple[str, str, str]
"""A move on a demo request: (``approve`` | ``complete`` | ``reject``, task key, note)."""


def _demo_orders(refs: _DemoRefs) -> list[tuple[str, str, dict[str, JsonValue], list[Step]]]:
    """``(item, requester, answers, moves)`` of every demo request the graph allows."""
    hiring_manager = refs.manager or refs.first_person
    desk: dict[str, JsonValue] = {"location": refs.floor} if refs.floor else {"remote": True}
    orders: list[tuple[str, str, dict[str, JsonValue], list[Step]]] = [
        (
            "hr-onboarding",
            refs.requester,
            {
                "new_hire_name": "Grace Hopper",
                "position": "Platform Engineer",
                "manager": hiring_manager,
                "start_date": "2026-11-16",
                "permissions": ["email", "vpn", "code-repository"],
                "laptop": "developer",
                **desk,
            },
            [("approve", "manager_approval", "Welcome aboard"), ("approve", "hr_approval", "")],
        )
    ]
    if refs.floor:
        orders.append(
            (
                "fac-maintenance",
                refs.first_person,
                {
                    "location": refs.floor,
                    "zone": "north",
                    "issue_type": "hvac",
                    "asset_tag": "FAC-004211",
                    "people_affected": 25,
                    "details": "Too warm on the floor since Monday",
                },
                [
                    ("complete", "triage", ""),
                    ("complete", "repair", "Valve replaced"),
                    ("complete", "close_out", ""),
                ],
            )
        )
    orders += [
        (
            "fin-invoice-payment",
            refs.requester,
            {
                "supplier": "Acme Office Supplies",
                "invoice_number": "INV-2026/0042",
                "budget_code": "FI-2041",
                "amount": 8_000,
                "currency": "EUR",
                "due_date": "2026-11-30",
            },
            [("complete", "verify_invoice", "Matches the order and the receipt")],
        ),
        (
            "legal-contract-review",
            refs.requester,
            {
                "contract_type": "msa",
                "counterparty": "Globex Ltd",
                "amount": 250_000,
                "confidentiality": "confidential",
                "contract_owner": refs.first_person,
                "signature_deadline": "2026-12-15",
            },
            [("reject", "counsel_approval", "No liability cap in the terms: renegotiate first")],
        ),
    ]
    if refs.manager and refs.application:
        orders.append(
            (
                "it-software-request",
                refs.requester,
                {
                    "application": refs.application,
                    "justification": "Needed to review the platform code of the team.",
                    "licence": "new",
                    "needed_by": "2026-11-20",
                },
                [],
            )
        )
    return orders


def seed_demo_catalog(store: GraphStore, *, actor: str, progress: Callable[[int, int], None]) -> DemoCatalog:
    """Publish :data:`DEMO_CATALOG` and order a few requests from it, the same on every run:
    fixed ids (``REQ-CAT-00001`` ...), a fixed clock (from two days before the demo's
    ``DEMO_EPOCH``) and references picked in id order from the graph (the first person with a
    manager requests, the manager hires; the first floor and application). Some requests are
    then worked: approvals granted, tasks completed, one resolved and one rejected. Requests
    already in the store are left as they are, so running the demo again writes nothing."""
    outcome = DemoCatalog(items=list(DEMO_CATALOG))
    CatalogStore(store).publish(DEMO_CATALOG.values(), actor=actor)
    refs = _demo_refs(store)
    orders = _demo_orders(refs) if refs is not None else []
    total = 1 + len(orders)
    progress(1, total)
    clock = _StepClock(DEMO_EPOCH - timedelta(days=2), timedelta(minutes=17))
    for n, (item_id, requester, answers, moves) in enumerate(orders, 1):
        request_id = f"{DEMO_REQUEST_PREFIX}{n:05d}"
        if store.find_ci(request_id) is not None:
            outcome.existing.append(request_id)
            progress(1 + n, total)
            continue
        service = RequestService(store, clock=clock, new_id=_fixed_id(request_id))
        request = service.submit(item_id, answers, requester, actor=actor)
        for move, key, note in moves:
            task_id = f"{request_id}-{key}"
            if move == "approve":
                request = service.approve(task_id, actor=actor, note=note)
            elif move == "complete":
                request = service.complete(task_id, actor=actor, note=note)
            else:
                request = service.reject(task_id, actor=actor, note=note)
        outcome.requests[request_id] = request.ticket.state.value
        progress(1 + n, total)
    return outcome
