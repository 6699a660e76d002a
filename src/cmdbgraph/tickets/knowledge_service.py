"""Knowledge articles on a :class:`GraphStore` (either backend): write, read, view, feedback,
and self-service deflection measured from what the store holds.

An article is a CI of kind ``KnowledgeArticle`` (attributes: module docstring of
:mod:`cmdbgraph.impact.article_score`, plus ``helpful``, ``not_helpful`` and ``recent_views``)
that ``DOCUMENTS`` the CIs it is about; tickets it resolved point at it with ``RESOLVED_BY``.

Every write is one ``apply`` batch with the caller as actor and ``knowledge`` as source, after
every check: a refused operation writes nothing. Refusals: ``CINotFound`` for an unknown
article (or an id that is not an article), and ``InvalidInput`` with field-level problems:

- ``UNKNOWN_REFERENCE`` / ``WRONG_KIND`` (``documents[i]``, ``person``, ``ticket``): a
  documented CI must exist and not be an article, a viewer must be a ``Person``, a ticket an
  ``Incident``, ``ServiceRequest`` or ``Problem``;
- ``BAD_CSAT`` (``csat``): a rating outside 1..5;
- ``ARTICLE_EXISTS`` (``id``): the new id is taken.

**Views** (:meth:`KnowledgeService.view`) add one to ``views`` and append ``{at, person}`` to
``recent_views``, which keeps only the latest :data:`RECENT_VIEWS_KEPT` (100; the service's
``keep_views``) entries: the node is rewritten (and its whole document kept in the audit
history) on every view, so the list must stay small. Deflection therefore sees at most the
latest 100 views of each article: enough for a day's window on all but the busiest articles,
and a sample of the most recent ones there.

**Feedback** (:meth:`KnowledgeService.feedback`) counts ``helpful`` or ``not_helpful``, adds a
rating to ``csat_sum``/``csat_count``, and with a ticket counts a use (``uses``); helpful
feedback with a ticket also links ``ticket -RESOLVED_BY-> article``, counts a resolution
(``resolutions``) and sets ``last_resolved_at``. A ticket already ``RESOLVED_BY`` the article
is not counted again (neither as a use nor as a resolution).

Counters are read-modify-write: two writers updating the same article at once may lose one
update, as for tickets.

**Deflection** (:meth:`KnowledgeService.deflection`): the article views are the entries of
every article's ``recent_views``; the ticket openings are every ticket's ``opened_at`` with the
Person it is ``REQUESTED_BY``. Both go to :func:`cmdbgraph.impact.deflection.deflection`
(:func:`knowledge_events` builds the events). Malformed entries are skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from cmdbgraph.graphdb import Batch, Direction, GraphStore
from cmdbgraph.impact.article_score import (
    DEFAULT_HALF_LIFE_DAYS,
    ArticleScore,
    ArticleStats,
    article_score,
)
from cmdbgraph.impact.deflection import DeflectionReport, KnowledgeEvent, deflection
from cmdbgraph.impact.knowledge import ARTICLE_KIND, DOCUMENTS, RESOLVED_BY, KnowledgeIndex
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.model import TYPE_OF_KIND
from cmdbgraph.tickets.service import Clock

RECENT_VIEWS_KEPT = 100
"""How many of the latest views an article keeps in ``recent_views`` (module docstring)."""
DEFAULT_WINDOW = timedelta(hours=24)
"""How long after a view a ticket from the same person means the view did not deflect it."""
SOURCE = "knowledge"
"""The provenance source of the writes of this module."""


def random_article_id() -> str:
    """``KB-`` and 10 random hex digits (no coordination between writers)."""
    return f"KB-{uuid.uuid4().hex[:10].upper()}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def _parse_time(value: object) -> datetime | None:
    """An ISO 8601 string as an aware datetime (naive taken as UTC); None when unparsable."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _count(value: object) -> int:
    """A stored counter: a non-negative integer, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class NewArticle(BaseModel):
    """What a caller supplies to write an article. ``documents`` are the ids of the CIs it is
    about (kept distinct and sorted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    body: str = ""
    category: str | None = None
    department: str | None = None
    documents: tuple[str, ...] = ()

    @field_validator("documents")
    @classmethod
    def _distinct_sorted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))


class ArticleView(BaseModel):
    """One recorded view of an article."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    person: str


class Article(BaseModel):
    """A stored article: its text, counters, latest views, the CIs it documents and the tickets
    ``RESOLVED_BY`` it (both sorted). Counters are read defensively (anything but a
    non-negative number is 0), malformed ``recent_views`` entries are left out."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    body: str = ""
    category: str | None = None
    department: str | None = None
    published_at: AwareDatetime | None = None
    views: int = 0
    uses: int = 0
    resolutions: int = 0
    csat_sum: float = 0.0
    csat_count: int = 0
    helpful: int = 0
    not_helpful: int = 0
    recent_views: tuple[ArticleView, ...] = ()
    documents: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()


def _views(value: object) -> list[ArticleView]:
    found: list[ArticleView] = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        at, person = _parse_time(entry.get("at")), entry.get("person")
        if at is not None and isinstance(person, str) and person:
            found.append(ArticleView(at=at, person=person))
    return found


def knowledge_events(cis: Iterable[CIData], relationships: Iterable[Relationship]) -> list[KnowledgeEvent]:
    """The self-service events the graph records: one ``article_viewed`` per well-formed entry
    of an article's ``recent_views``, one ``ticket_opened`` per ticket with a parsable
    ``opened_at`` and each person it is ``REQUESTED_BY``. Sorted by time, person, kind, ref."""
    tickets: dict[str, datetime] = {}
    events: list[KnowledgeEvent] = []
    for ci in cis:
        if ci.kind == ARTICLE_KIND:
            for v in _views(ci.attributes.get("recent_views")):
                events.append(KnowledgeEvent(v.at, v.person, "article_viewed", ci.id))
        elif ci.kind in TYPE_OF_KIND:
            opened = _parse_time(ci.attributes.get("opened_at"))
            if opened is not None:
                tickets[ci.id] = opened
    for r in relationships:
        if r.type == "REQUESTED_BY" and r.source in tickets:
            events.append(KnowledgeEvent(tickets[r.source], r.target, "ticket_opened", r.source))
    events.sort(key=lambda e: (e.at, e.person, e.kind, e.ref))
    return events


class KnowledgeService:
    """Knowledge articles on ``store``. ``clock`` and ``new_id`` are injectable for tests;
    ``keep_views`` is how many of the latest views an article keeps (at least 1)."""

    def __init__(
        self,
        store: GraphStore,
        *,
        clock: Clock = _utc_now,
        new_id: Callable[[], str] = random_article_id,
        keep_views: int = RECENT_VIEWS_KEPT,
    ) -> None:
        if keep_views < 1:
            raise ValueError(f"keep_views must be at least 1, got {keep_views}")
        self.store = store
        self.keep_views = keep_views
        self.clock = clock
        self.new_id = new_id

    # -- reading -----------------------------------------------------------------------------
    def get(self, article_id: str) -> Article:
        """The article, or ``CINotFound`` (also when the id names a CI that is not an article)."""
        node = self._node(article_id)
        documents = self.store.neighbours(article_id, Direction.OUT, [DOCUMENTS])
        resolved = self.store.neighbours(article_id, Direction.IN, [RESOLVED_BY])
        return self._article(
            node,
            sorted(n.ci.id for n in documents if n.direction == "out"),
            sorted(n.ci.id for n in resolved if n.direction == "in"),
        )

    def score(self, article_id: str, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> ArticleScore:
        """The article's quality score at ``clock()``, computed as ``kb top`` ranks it (the
        tickets ``RESOLVED_BY`` it count as resolutions and date its last resolution)."""
        node = self._node(article_id)
        resolved = [
            n for n in self.store.neighbours(article_id, Direction.IN, [RESOLVED_BY]) if n.direction == "in"
        ]
        index = KnowledgeIndex.build([node, *(n.ci for n in resolved)], [n.relationship for n in resolved])
        return article_score(index.articles[article_id], now=self.clock(), half_life_days=half_life_days)

    def events(self) -> list[KnowledgeEvent]:
        """Every self-service event the store records (:func:`knowledge_events`), read at once."""
        contents = self.store.contents()
        return knowledge_events(contents.cis, contents.relationships)

    def deflection(
        self, *, window: timedelta = DEFAULT_WINDOW, as_of: datetime | None = None
    ) -> DeflectionReport:
        """Self-service deflection over :meth:`events`, judged at ``as_of`` (default
        ``clock()``): views whose window is still open without a ticket are ``pending``.
        ``ValueError`` for a negative ``window`` or a naive ``as_of``."""
        return deflection(self.events(), window=window, as_of=self.clock() if as_of is None else as_of)

    # -- writing -----------------------------------------------------------------------------
    def create(self, new: NewArticle, *, actor: str) -> Article:
        """Write a new article published at ``clock()``, with ``DOCUMENTS`` links to
        ``new.documents``; every counter starts at 0."""
        article_id = self.new_id()
        problems = self._check_documents(new.documents)
        if self.store.find_ci(article_id) is not None:
            problems.append(Problem("ARTICLE_EXISTS", f"a CI with id {article_id!r} exists", field="id"))
        if problems:
            raise InvalidInput(problems)
        attributes: dict[str, Any] = {
            "title": new.title,
            "body": new.body,
            "category": new.category,
            "department": new.department,
            "published_at": _iso(self.clock()),
            "views": 0,
            "uses": 0,
            "resolutions": 0,
            "csat_sum": 0.0,
            "csat_count": 0,
            "helpful": 0,
            "not_helpful": 0,
            "recent_views": [],
        }
        node = CIData(
            id=article_id,
            kind=ARTICLE_KIND,
            name=new.title,
            criticality=4,
            attributes={k: v for k, v in attributes.items() if v is not None},
        )
        links = [Relationship(source=article_id, target=ci, type=DOCUMENTS) for ci in new.documents]
        self.store.apply(Batch(upsert_cis=[node], upsert_relationships=links), actor=actor, source=SOURCE)
        return self.get(article_id)

    def view(self, article_id: str, person: str, *, actor: str) -> Article:
        """Record that ``person`` (a Person id) viewed the article at ``clock()``."""
        node = self._node(article_id)
        problem = self._check_kind(person, ("Person",), "person")
        if problem is not None:
            raise InvalidInput([problem])
        a = node.attributes
        recorded = a.get("recent_views")
        kept = list(recorded) if isinstance(recorded, list) else []
        kept.append({"at": _iso(self.clock()), "person": person})
        self._write(
            node,
            {"views": _count(a.get("views")) + 1, "recent_views": kept[-self.keep_views :]},
            actor=actor,
        )
        return self.get(article_id)

    def feedback(
        self,
        article_id: str,
        *,
        actor: str,
        helpful: bool,
        csat: int | None = None,
        ticket: str | None = None,
    ) -> Article:
        """Record feedback on the article (module docstring, *Feedback*): ``csat`` a rating
        1..5, ``ticket`` the ticket it was used on."""
        node = self._node(article_id)
        problems: list[Problem] = []
        if csat is not None and (isinstance(csat, bool) or not 1 <= csat <= 5):
            problems.append(Problem("BAD_CSAT", f"a rating is 1 to 5, not {csat!r}", field="csat"))
        if ticket is not None:
            problem = self._check_kind(ticket, tuple(TYPE_OF_KIND), "ticket")
            if problem is not None:
                problems.append(problem)
        if problems:
            raise InvalidInput(problems)
        a = node.attributes
        stats = ArticleStats.from_ci(node)
        counter = "helpful" if helpful else "not_helpful"
        changes: dict[str, Any] = {counter: _count(a.get(counter)) + 1}
        if csat is not None:
            changes["csat_sum"] = stats.csat_sum + csat
            changes["csat_count"] = stats.csat_count + 1
        links: list[Relationship] = []
        if ticket is not None and not self._resolved(ticket, article_id):
            changes["uses"] = stats.uses + 1
            if helpful:
                changes["resolutions"] = stats.resolutions + 1
                changes["last_resolved_at"] = _iso(self.clock())
                links.append(Relationship(source=ticket, target=article_id, type=RESOLVED_BY))
        self._write(node, changes, actor=actor, links=links)
        return self.get(article_id)

    # -- internals ---------------------------------------------------------------------------
    def _node(self, article_id: str) -> CI:
        node = self.store.find_ci(article_id)
        if node is None or node.kind != ARTICLE_KIND:
            raise CINotFound(article_id)
        return node

    def _article(self, node: CIData, documents: list[str], resolved: list[str]) -> Article:
        a = node.attributes
        stats = ArticleStats.from_ci(node)
        body, department = a.get("body"), a.get("department")
        return Article(
            id=node.id,
            title=stats.title,
            body=body if isinstance(body, str) else "",
            category=stats.category,
            department=department if isinstance(department, str) else None,
            published_at=stats.published_at,
            views=stats.views,
            uses=stats.uses,
            resolutions=stats.resolutions,
            csat_sum=stats.csat_sum,
            csat_count=stats.csat_count,
            helpful=_count(a.get("helpful")),
            not_helpful=_count(a.get("not_helpful")),
            recent_views=tuple(_views(a.get("recent_views"))),
            documents=tuple(documents),
            resolved=tuple(resolved),
        )

    def _resolved(self, ticket: str, article_id: str) -> bool:
        return any(
            n.ci.id == article_id and n.direction == "out"
            for n in self.store.neighbours(ticket, Direction.OUT, [RESOLVED_BY])
        )

    def _write(
        self, node: CI, changes: dict[str, Any], *, actor: str, links: list[Relationship] | None = None
    ) -> None:
        content = node.content()
        updated = content.model_copy(update={"attributes": {**content.attributes, **changes}})
        self.store.apply(
            Batch(upsert_cis=[updated], upsert_relationships=links or []), actor=actor, source=SOURCE
        )

    def _check_kind(self, ref: str, kinds: tuple[str, ...], field: str) -> Problem | None:
        ci = self.store.find_ci(ref)
        if ci is None:
            return Problem("UNKNOWN_REFERENCE", f"no CI with id {ref!r}", field=field)
        if ci.kind not in kinds:
            return Problem("WRONG_KIND", f"{ref!r} is a {ci.kind}, not a {' or '.join(kinds)}", field=field)
        return None

    def _check_documents(self, documents: tuple[str, ...]) -> list[Problem]:
        problems: list[Problem] = []
        for i, ref in enumerate(documents):
            ci = self.store.find_ci(ref)
            if ci is None:
                problems.append(
                    Problem("UNKNOWN_REFERENCE", f"no CI with id {ref!r}", field=f"documents[{i}]")
                )
            elif ci.kind == ARTICLE_KIND:
                problems.append(
                    Problem(
                        "WRONG_KIND",
                        f"{ref!r} is a {ARTICLE_KIND}: articles document CIs, not other articles",
                        field=f"documents[{i}]",
                    )
                )
        return problems
