"""The demo enterprise's service-management history: tickets, changes, knowledge articles and a
change freeze.

Generated after the enterprise itself from what it contains (departments' teams and their
members, business services, the CIs support teams look after, floors), over the
``HISTORY_DAYS`` days before the fixed instant ``DEMO_EPOCH`` (fixed, so the demo is the same
on every run), so that every KPI has something to measure: portal and phone tickets, quick and
slow resolutions against the per-priority SLAs, reassignments and reopens, satisfaction and
NPS answers, complaints, automated fixes, implemented, failed and upcoming changes.

Records follow the service-management kinds' schemas (``schema/kinds.py``): a ticket's
``timeline`` is a list of ``{at, state, actor}`` in order, its priority follows the ITIL matrix.
Texts avoid quotes and backslashes (FalkorDB's Bolt listener, which CI stores the demo in,
splices string parameters into its query text).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cmdbgraph.schema import CIData, Relationship
from cmdbgraph.schema.priority import Impact, Urgency, priority_of

DEMO_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
HISTORY_DAYS = 90
SHARE_TICKETS = 0.03
SHARE_CHANGES = 0.006
SHARE_ARTICLES = 0.005

_DEPARTMENT_WEIGHTS = (("IT/R&D", 40), ("Facilities", 20), ("HR", 15), ("Finance", 15), ("Legal", 10))
_CATEGORIES: dict[str, tuple[tuple[str, str], ...]] = {
    "IT/R&D": (
        ("performance", "slow responses"),
        ("software", "error after the last release"),
        ("access", "cannot log in"),
        ("network", "connection drops"),
        ("hardware", "laptop does not start"),
    ),
    "Facilities": (
        ("hvac", "too warm on the floor"),
        ("cleaning", "meeting room needs cleaning"),
        ("repairs", "broken door lock"),
        ("access", "badge does not open the door"),
    ),
    "HR": (
        ("onboarding", "new starter setup"),
        ("payroll", "payslip shows the wrong amount"),
        ("benefits", "question about pension contributions"),
        ("complaint", "complaint about the response time"),
    ),
    "Finance": (
        ("invoice", "invoice stuck in approval"),
        ("expense", "expense claim rejected"),
        ("budget", "budget code missing"),
    ),
    "Legal": (
        ("contract", "contract review needed"),
        ("nda", "NDA for a new supplier"),
        ("compliance", "data retention question"),
    ),
}
_CHANNELS = (("portal", 45), ("email", 25), ("phone", 15), ("chat", 10), ("monitoring", 5))
_RESOLVE_HOURS = {1: (0.5, 6.0), 2: (1.0, 12.0), 3: (2.0, 40.0), 4: (4.0, 60.0), 5: (8.0, 120.0)}
_PREFIX = {"Incident": "INC", "ServiceRequest": "REQ", "Problem": "PRB"}
_AFFECTABLE = frozenset({"Service", "API", "Database", "Application", "Queue", "Cache", "Host"})


@dataclass
class HistoryIndex:
    """What the history generator needs to know about the enterprise, collected as it streams."""

    teams_of: dict[str, list[str]] = field(default_factory=dict)  # department -> team ids
    members: dict[str, list[str]] = field(default_factory=dict)  # team -> person ids
    persons: list[str] = field(default_factory=list)
    services_of: dict[str, list[str]] = field(default_factory=dict)  # department -> business services
    support: dict[str, str] = field(default_factory=dict)  # CI -> its first support team
    affectable: list[str] = field(default_factory=list)
    floors: list[str] = field(default_factory=list)
    criticality: dict[str, int] = field(default_factory=dict)
    dependencies: dict[str, list[str]] = field(default_factory=dict)  # consumer -> providers

    def see(self, record: CIData | Relationship) -> None:
        """Take note of one enterprise record."""
        if isinstance(record, CIData):
            department = record.attributes.get("department")
            if record.kind == "Team" and isinstance(department, str):
                self.teams_of.setdefault(department, []).append(record.id)
            elif record.kind == "Person":
                self.persons.append(record.id)
            elif record.kind == "BusinessService" and isinstance(department, str):
                self.services_of.setdefault(department, []).append(record.id)
            elif record.kind in _AFFECTABLE:
                self.affectable.append(record.id)
            elif record.kind == "Location" and record.attributes.get("type") == "floor":
                self.floors.append(record.id)
            self.criticality[record.id] = record.criticality
        elif record.type == "MEMBER_OF":
            self.members.setdefault(record.target, []).append(record.source)
        elif record.type == "SUPPORTED_BY":
            self.support.setdefault(record.source, record.target)
        elif record.type in ("DEPENDS_ON", "RUNS_ON"):
            self.dependencies.setdefault(record.source, []).append(record.target)


def history_size(size: int) -> int:
    """How many of the ``size`` demo CIs are tickets, changes, articles and the freeze."""
    return sum(_counts(size)) + 1


def _counts(size: int) -> tuple[int, int, int]:
    return (
        max(3, round(size * SHARE_TICKETS)),
        max(1, round(size * SHARE_CHANGES)),
        max(1, round(size * SHARE_ARTICLES)),
    )


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def service_history(index: HistoryIndex, size: int, seed: int) -> Iterator[CIData | Relationship]:
    """The history's CIs (tickets, changes, the freeze), then their relationships."""
    rng = random.Random(f"cmdbgraph-demo:{seed}:service-history")
    n_tickets, n_changes, n_articles = _counts(size)
    records: list[tuple[CIData, list[Relationship]]] = []
    numbers: dict[str, int] = {}
    for _ in range(n_tickets):
        records.append(_ticket(index, rng, numbers))
    articles = [_article(index, rng, i) for i in range(n_articles)]
    _link_resolutions(records, articles, rng)
    first_article = len(records)
    records.extend(articles)
    for i in range(n_changes):
        records.append(_change(index, rng, i))
    # views and feedback draw from the generator last, so the rest of the history stays as it was
    openings = _openings(records[:n_tickets])
    for k in range(first_article, first_article + n_articles):
        records[k] = _with_views(records[k], openings, index, rng)
    freeze = CIData(
        id="freeze-year-end",
        kind="FreezeWindow",
        name="Year-end change freeze",
        attributes={
            "start": _iso(datetime(2026, 12, 18, tzinfo=UTC)),
            "end": _iso(datetime(2027, 1, 4, tzinfo=UTC)),
        },
    )
    records.append((freeze, []))
    for ci, _ in records:
        yield ci
    for _, links in records:
        yield from links


def _ticket(
    index: HistoryIndex, rng: random.Random, numbers: dict[str, int]
) -> tuple[CIData, list[Relationship]]:
    """One ticket; ``numbers`` counts the tickets of each kind so far (ids INC-00001 ...)."""
    department = _pick(rng, _DEPARTMENT_WEIGHTS)
    category, summary = rng.choice(_CATEGORIES[department])
    ticket_type = "incident" if rng.random() < 0.6 else "service_request" if rng.random() < 0.9 else "problem"
    kind = {"incident": "Incident", "service_request": "ServiceRequest", "problem": "Problem"}[ticket_type]
    numbers[kind] = numbers.get(kind, 0) + 1
    ticket_id = f"{_PREFIX[kind]}-{numbers[kind]:05d}"

    affected: list[str] = []
    location: str | None = None
    if department == "IT/R&D" and index.affectable:
        affected.append(rng.choice(index.affectable))
    elif department == "Facilities" and index.floors:
        location = rng.choice(index.floors)
    elif index.services_of.get(department):
        affected.append(rng.choice(index.services_of[department]))
    group = next((index.support[c] for c in affected if c in index.support), None)
    if group is None and index.teams_of.get(department):
        group = rng.choice(index.teams_of[department])
    members = index.members.get(group or "", [])
    assignee = rng.choice(members) if members else None
    requester = rng.choice(index.persons) if index.persons else None

    crit = min((index.criticality.get(c, 4) for c in affected), default=4)
    impact = Impact(1 if crit == 1 else 2 if crit == 2 else 3)
    urgency = Urgency(rng.choice((1, 2, 2, 3, 3, 3)))
    priority = int(priority_of(impact, urgency))

    opened = DEMO_EPOCH - timedelta(minutes=rng.randrange(HISTORY_DAYS * 24 * 60))
    actor = "demo"
    steps: list[tuple[datetime, str]] = [(opened, "new")]
    at = opened + timedelta(minutes=rng.randint(2, 40))
    steps.append((at, "assigned"))
    if rng.random() < 0.15:  # reassigned once
        at += timedelta(minutes=rng.randint(10, 90))
        steps.append((at, "assigned"))
    at += timedelta(minutes=rng.randint(5, 120))
    steps.append((at, "in_progress"))
    if ticket_type != "problem" and rng.random() < 0.15:
        at += timedelta(minutes=rng.randint(30, 600))
        steps.append((at, "pending"))
        at += timedelta(minutes=rng.randint(60, 2000))
        steps.append((at, "in_progress"))
    low, high = _RESOLVE_HOURS[priority]
    at += timedelta(hours=rng.uniform(low, high * (1.6 if rng.random() < 0.2 else 1.0)))
    steps.append((at, "resolved"))
    if rng.random() < 0.08:  # reopened
        at += timedelta(hours=rng.uniform(1, 24))
        steps.append((at, "in_progress"))
        at += timedelta(hours=rng.uniform(1, 12))
        steps.append((at, "resolved"))
    if at + timedelta(days=3) < DEMO_EPOCH:
        steps.append((at + timedelta(days=3), "closed"))
    steps = [(when, state) for when, state in steps if when <= DEMO_EPOCH]  # still open at the epoch
    state = steps[-1][1]

    channel = "monitoring" if ticket_type == "incident" and rng.random() < 0.08 else _pick(rng, _CHANNELS)
    attributes: dict[str, Any] = {
        "title": f"{summary.capitalize()}",
        "details": f"{summary.capitalize()} ({department}), reported by {channel}",
        "state": state,
        "impact": int(impact),
        "urgency": int(urgency),
        "priority": priority,
        "category": category,
        "opened_at": _iso(opened),
        "timeline": [{"at": _iso(when), "state": s, "actor": actor} for when, s in steps],
        "comments": [],
        "department": department,
        "channel": channel,
    }
    if state in ("resolved", "closed"):
        attributes["automated"] = channel == "monitoring" and rng.random() < 0.5
        if rng.random() < 0.6:
            attributes["csat"] = rng.choices((1, 2, 3, 4, 5), weights=(4, 6, 15, 35, 40))[0]
        if rng.random() < 0.3:
            attributes["nps"] = rng.choices(range(11), weights=(1, 1, 1, 2, 2, 3, 4, 8, 12, 16, 14))[0]
    node = CIData(
        id=ticket_id, kind=kind, name=attributes["title"], criticality=min(priority, 4), attributes=attributes
    )
    links = [Relationship(source=ticket_id, target=c, type="AFFECTS") for c in affected]
    for rel_type, target in (
        ("REQUESTED_BY", requester),
        ("ASSIGNED_TO", group if state != "new" else None),
        ("ASSIGNED_TO", assignee if state != "new" else None),
        ("REPORTED_AT", location),
    ):
        if target is not None:
            links.append(Relationship(source=ticket_id, target=target, type=rel_type))
    return node, links


def _change(index: HistoryIndex, rng: random.Random, i: int) -> tuple[CIData, list[Relationship]]:
    change_id = f"CHG-{i + 1:05d}"
    pool = index.affectable or index.persons
    target = rng.choice(pool)
    targets = [target]
    providers = index.dependencies.get(target, [])
    if providers and rng.random() < 0.3:
        targets.append(rng.choice(providers))
    start = (
        DEMO_EPOCH - timedelta(days=HISTORY_DAYS) + timedelta(hours=rng.randrange((HISTORY_DAYS + 30) * 24))
    )
    start = start.replace(hour=rng.choice((6, 20, 21, 22)), minute=0)
    end = start + timedelta(hours=rng.choice((1, 2, 4)))
    change_type = rng.choices(("standard", "normal", "emergency"), weights=(50, 40, 10))[0]
    if start >= DEMO_EPOCH:
        state = rng.choice(("submitted", "approved", "draft"))
    else:
        state = rng.choices(("implemented", "failed", "cancelled"), weights=(85, 10, 5))[0]
        if i % 5 == 0:  # a few changes always fail, so the change success rate means something
            state = "failed"
    attributes: dict[str, Any] = {
        "title": f"{change_type.capitalize()} change on {target}",
        "change_type": change_type,
        "state": state,
        "window_start": _iso(start),
        "window_end": _iso(end),
        "backout_plan": "restore the previous version and configuration",
    }
    if state in ("implemented", "failed"):
        attributes["outcome"] = "as planned" if state == "implemented" else "rolled back after errors"
    node = CIData(
        id=change_id, kind="ChangeRequest", name=attributes["title"], criticality=3, attributes=attributes
    )
    links = [Relationship(source=change_id, target=t, type="CHANGES") for t in dict.fromkeys(targets)]
    implementer = next(iter(index.members.get(index.support.get(target, ""), [])), None)
    if implementer is not None:
        links.append(Relationship(source=change_id, target=implementer, type="ASSIGNED_TO"))
    return node, links


_ARTICLE_TOPICS = tuple(
    (department, category, summary) for department, rows in _CATEGORIES.items() for category, summary in rows
)


def _article(index: HistoryIndex, rng: random.Random, i: int) -> tuple[CIData, list[Relationship]]:
    """A knowledge article about one topic, documenting a CI when the topic is technical."""
    department, category, summary = _ARTICLE_TOPICS[i % len(_ARTICLE_TOPICS)]  # every topic, in turn
    article_id = f"KB-{i + 1:05d}"
    documented = rng.choice(index.affectable) if department == "IT/R&D" and index.affectable else None
    uses = rng.randint(0, 60)
    ratings = rng.randint(0, uses)
    attributes: dict[str, Any] = {
        "title": f"How to fix: {summary}",
        "body": f"When {summary} ({category}, {department}): check the recent changes, restart the "
        "affected component, and escalate to the support team if it persists.",
        "category": category,
        "department": department,
        "published_at": _iso(DEMO_EPOCH - timedelta(days=rng.randint(5, 700))),
        "views": uses * rng.randint(2, 8),
        "uses": uses,
        "resolutions": rng.randint(0, uses),
        "csat_sum": float(sum(rng.choices((1, 2, 3, 4, 5), weights=(5, 8, 20, 35, 32), k=ratings))),
        "csat_count": ratings,
    }
    node = CIData(
        id=article_id, kind="KnowledgeArticle", name=attributes["title"], criticality=4, attributes=attributes
    )
    links = (
        [] if documented is None else [Relationship(source=article_id, target=documented, type="DOCUMENTS")]
    )
    return node, links


@dataclass(frozen=True)
class _Opening:
    """A ticket some person opened: what a view before it did not deflect."""

    ticket: str
    person: str
    at: datetime
    department: str


def _openings(tickets: list[tuple[CIData, list[Relationship]]]) -> list[_Opening]:
    found: list[_Opening] = []
    for node, links in tickets:
        requester = next((r.target for r in links if r.type == "REQUESTED_BY"), None)
        if requester is not None:
            opened = datetime.fromisoformat(str(node.attributes["opened_at"]))
            found.append(_Opening(node.id, requester, opened, str(node.attributes.get("department"))))
    return found


def _with_views(
    article: tuple[CIData, list[Relationship]],
    openings: list[_Opening],
    index: HistoryIndex,
    rng: random.Random,
) -> tuple[CIData, list[Relationship]]:
    """The article with its latest views (``recent_views``) and its feedback counters.

    4 to 12 views (far below the 100 the knowledge service keeps): the first, and about one in
    five of the others, by a person who then opened a ticket (on the article's department when
    there is one) within the next 20 hours, so it did not deflect that ticket; the others by
    anyone at any time of the history, most of them followed by no ticket.
    """
    node, links = article
    a = node.attributes
    same_department = [o for o in openings if o.department == a["department"]] or openings
    views: list[tuple[datetime, str]] = []
    for j in range(rng.randint(4, 12)):
        if same_department and (j == 0 or rng.random() < 0.2):
            opening = rng.choice(same_department)
            views.append((opening.at - timedelta(minutes=rng.randint(5, 20 * 60)), opening.person))
        elif index.persons:
            at = DEMO_EPOCH - timedelta(minutes=rng.randrange(HISTORY_DAYS * 24 * 60))
            views.append((at, rng.choice(index.persons)))
    views.sort()
    uses, resolutions, seen = (
        v if isinstance(v, int) else 0 for v in (a["uses"], a["resolutions"], a["views"])
    )
    attributes = {
        **a,
        "views": max(seen, len(views)),
        "recent_views": [{"at": _iso(at), "person": person} for at, person in views],
        "helpful": resolutions + rng.randint(0, 10),
        "not_helpful": (uses - resolutions) // 2 + rng.randint(0, 5),
    }
    return CIData.model_validate({**node.model_dump(), "attributes": attributes}), links


def _link_resolutions(
    tickets: list[tuple[CIData, list[Relationship]]],
    articles: list[tuple[CIData, list[Relationship]]],
    rng: random.Random,
) -> None:
    """Let about a quarter of the resolved tickets be RESOLVED_BY an article on their topic."""
    by_topic: dict[tuple[str, str], list[str]] = {}
    for node, _ in articles:
        topic = (str(node.attributes["department"]), str(node.attributes["category"]))
        by_topic.setdefault(topic, []).append(node.id)
    for node, links in tickets:
        if node.attributes.get("state") in ("resolved", "closed") and rng.random() < 0.25:
            topic = (str(node.attributes.get("department")), str(node.attributes.get("category")))
            candidates = by_topic.get(topic, [])
            if candidates:
                links.append(Relationship(source=node.id, target=rng.choice(candidates), type="RESOLVED_BY"))
