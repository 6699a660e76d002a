"""Self-service deflection (issue 5, "Knowledge"): did viewing a knowledge article spare a
ticket?

Pure functions over events; nothing here reads a store or a clock.

**Deflection** (:func:`deflection`): a view of an article by a person is *deflected* when the
same person opens no ticket in ``[view, view + window]`` (both ends included; a ticket at the
very instant of the view is not a deflection). Each view is judged on its own.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import JsonValue

from cmdbgraph.impact.article_score import _aware

EventKind = Literal["article_viewed", "ticket_opened"]
EVENT_KINDS: frozenset[str] = frozenset(get_args(EventKind))


@dataclass(frozen=True)
class KnowledgeEvent:
    """Something a person did in self-service: viewed an article (``ref`` is the article id) or
    opened a ticket (``ref`` is the ticket id). ``at`` must be timezone-aware and ``kind`` one of
    :data:`EVENT_KINDS` (``ValueError`` otherwise)."""

    at: datetime
    person: str
    kind: EventKind
    ref: str

    def __post_init__(self) -> None:
        _aware(self.at, "event time")
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind {self.kind!r} is not one of {sorted(EVENT_KINDS)}")


@dataclass(frozen=True)
class ViewOutcome:
    """The verdict on one article view: ``ticket`` is the first ticket the person opened within
    the window (then the view is not deflected), None for a deflected view."""

    at: datetime
    person: str
    article_id: str
    ticket: str | None

    @property
    def deflected(self) -> bool:
        """Whether no ticket followed the view within the window."""
        return self.ticket is None


@dataclass(frozen=True)
class ArticleDeflection:
    """Views of one article and how many of them were deflected."""

    article_id: str
    views: int
    deflected: int

    @property
    def rate(self) -> float:
        """``deflected / views`` (0.0 without views)."""
        return self.deflected / self.views if self.views else 0.0


@dataclass(frozen=True)
class DeflectionReport:
    """Self-service deflection over a set of events.

    ``total_views`` counts the judged views (not the ``pending`` ones), ``deflected`` those
    followed by no ticket, ``rate`` is ``deflected / total_views`` (0.0 without views).
    ``per_article`` is sorted by article id and ``outcomes`` (one per judged view) by time,
    person, article id.
    """

    window: timedelta
    total_views: int
    deflected: int
    rate: float
    tickets_opened: int
    pending: int
    per_article: tuple[ArticleDeflection, ...]
    outcomes: tuple[ViewOutcome, ...]

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready form (the window in seconds; outcomes left out)."""
        return {
            "window_seconds": self.window.total_seconds(),
            "total_views": self.total_views,
            "deflected": self.deflected,
            "rate": self.rate,
            "tickets_opened": self.tickets_opened,
            "pending": self.pending,
            "per_article": [
                {"article_id": a.article_id, "views": a.views, "deflected": a.deflected, "rate": a.rate}
                for a in self.per_article
            ],
        }


def deflection(
    events: Iterable[KnowledgeEvent],
    *,
    window: timedelta = timedelta(hours=24),
    as_of: datetime | None = None,
) -> DeflectionReport:
    """Judge every article view: deflected when the same person opens no ticket in
    ``[view.at, view.at + window]`` (both ends included). Each view is judged on its own, so two
    views followed by one ticket within both windows are both not deflected.

    With ``as_of``, events after it are ignored and a view whose window is still open at
    ``as_of`` without a ticket yet is ``pending``: neither counted as a view nor as deflected.
    Without it every view is judged on the events given. The answer does not depend on the
    order of ``events``. ``ValueError`` for a negative ``window`` or a naive ``as_of``.
    """
    if window < timedelta(0):
        raise ValueError(f"window must not be negative, got {window}")
    if as_of is not None:
        _aware(as_of, "as_of")
    chosen = [e for e in events if as_of is None or e.at <= as_of]
    tickets: dict[str, list[tuple[datetime, str]]] = {}
    for e in chosen:
        if e.kind == "ticket_opened":
            tickets.setdefault(e.person, []).append((e.at, e.ref))
    for opened in tickets.values():
        opened.sort()
    views = sorted(
        ((e.at, e.person, e.ref) for e in chosen if e.kind == "article_viewed"),
        key=lambda v: (v[0], v[1], v[2]),
    )
    outcomes: list[ViewOutcome] = []
    pending = 0
    for at, person, article_id in views:
        opened = tickets.get(person, [])
        i = bisect.bisect_left(opened, at, key=lambda item: item[0])
        ticket = opened[i][1] if i < len(opened) and opened[i][0] <= at + window else None
        if ticket is None and as_of is not None and at + window > as_of:
            pending += 1
            continue
        outcomes.append(ViewOutcome(at, person, article_id, ticket))
    per_article: dict[str, list[int]] = {}
    for o in outcomes:
        counts = per_article.setdefault(o.article_id, [0, 0])
        counts[0] += 1
        counts[1] += o.deflected
    deflected = sum(o.deflected for o in outcomes)
    return DeflectionReport(
        window=window,
        total_views=len(outcomes),
        deflected=deflected,
        rate=deflected / len(outcomes) if outcomes else 0.0,
        tickets_opened=sum(len(v) for v in tickets.values()),
        pending=pending,
        per_article=tuple(ArticleDeflection(a, v, d) for a, (v, d) in sorted(per_article.items())),
        outcomes=tuple(outcomes),
    )
