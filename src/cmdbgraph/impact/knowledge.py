"""Knowledge recommendations: index the knowledge graph and recommend articles for a ticket
(issue 5, "Knowledge"). Article quality lives in :mod:`cmdbgraph.impact.article_score`,
self-service deflection in :mod:`cmdbgraph.impact.deflection`.

Pure functions over CIs and relationships; nothing here reads a store or a clock (every function
that needs the time takes ``now``).

**The model.** A knowledge article is a CI of kind ``KnowledgeArticle`` (:data:`ARTICLE_KIND`;
recognised by that kind name alone, whether or not the registry declares it); its attributes are
described in :mod:`cmdbgraph.impact.article_score`. Links: ``article -DOCUMENTS-> CI``,
``ticket -RESOLVED_BY-> article``, ``ticket -AFFECTS-> CI``.

**Recommendation** (:func:`recommend_for_ticket`) combines the ticket's relevance with the
article's quality: ``score = relevance * (QUALITY_FLOOR + (1 - QUALITY_FLOOR) * article_score)``
with :data:`QUALITY_FLOOR` 0.5, so quality can at most halve a relevance, and
``relevance = 0.5 * proximity + 0.35 * text + 0.15 * category`` (:data:`PROXIMITY_WEIGHT`,
:data:`TEXT_WEIGHT`, :data:`CATEGORY_BONUS`):

- ``proximity``: breadth-first from the ticket's affected CIs along :data:`PROXIMITY_TYPES`
  (``DEPENDS_ON``, ``RUNS_ON``, ``USES_DATA``, ``PART_OF``) in both directions, at most
  :data:`MAX_HOPS` (3) hops; an article documenting an affected CI scores 1.0, one hop away
  0.5, then 0.25 and 0.125 (:data:`HOP_DECAY`). The nearest documented CI counts (ties by id),
  with the path that reached it.
- ``text``: Okapi BM25 (``k1`` 1.2, ``b`` 0.75, ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``)
  of the ticket text against each article's title and body, the title's tokens counted twice
  (:data:`TITLE_BOOST`). Tokens: maximal runs of letters and digits after case folding
  (``"VPN-client"`` gives ``vpn``, ``client``), English stop words (:data:`STOP_WORDS`) and
  single characters removed, no stemming; each distinct query token counts once. The BM25
  score is divided by the best score any article reaches for this text, so the best text match
  is 1.0.
- ``category``: 1 when the ticket's category equals one of the article's (a string or a list of
  strings; compared trimmed and case-folded), else 0. A bonus only: an article is a candidate
  when it is within reach of the graph walk or matches at least one token.

Retired articles are never recommended (nor counted in the text statistics). Unknown affected CI
ids are skipped. Results are ordered by score, then article id, so every answer is deterministic.

>>> from datetime import UTC, datetime
>>> from cmdbgraph.impact.article_score import rank_articles
>>> from cmdbgraph.schema import CIData, Relationship
>>> index = KnowledgeIndex.build(
...     [CIData(id="web", kind="Service"), CIData(id="db", kind="Database"),
...      CIData(id="kb-1", kind="KnowledgeArticle",
...             attributes={"title": "Database failover", "uses": 50, "resolutions": 45}),
...      CIData(id="kb-2", kind="KnowledgeArticle", attributes={"title": "Web shop restart"})],
...     [Relationship(source="web", target="db", type="DEPENDS_ON"),
...      Relationship(source="kb-1", target="db", type="DOCUMENTS"),
...      Relationship(source="kb-2", target="web", type="DOCUMENTS")],
... )
>>> now = datetime(2025, 3, 1, tzinfo=UTC)
>>> [(r.article_id, r.proximity.hops if r.proximity else None, r.text.matched_terms)
...  for r in recommend_for_ticket(index, affected_cis=["web"], text="database down", now=now)]
[('kb-1', 1, ('database',)), ('kb-2', 0, ())]
>>> [(r.article.article_id, round(r.score.score, 3)) for r in rank_articles(index.articles.values(), now=now)]
[('kb-1', 0.567), ('kb-2', 0.4)]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import JsonValue

from cmdbgraph.impact.article_score import (
    DEFAULT_HALF_LIFE_DAYS,
    ArticleScore,
    ArticleStats,
    _aware,
    _categories,
    _latest,
    _parse_time,
    article_score,
)
from cmdbgraph.impact.routing import Hop
from cmdbgraph.schema import CIData, Relationship, Status

ARTICLE_KIND = "KnowledgeArticle"
"""The kind of a knowledge article CI."""
DOCUMENTS = "DOCUMENTS"
RESOLVED_BY = "RESOLVED_BY"

PROXIMITY_TYPES = frozenset({"DEPENDS_ON", "RUNS_ON", "USES_DATA", "PART_OF"})
"""Relationship types the proximity walk follows, in both directions."""
MAX_HOPS = 3
HOP_DECAY = 0.5
"""Proximity of a CI ``h`` hops from an affected CI: ``HOP_DECAY ** h`` (1, 0.5, 0.25, 0.125)."""
PROXIMITY_WEIGHT = 0.5
TEXT_WEIGHT = 0.35
CATEGORY_BONUS = 0.15
"""Weights of a recommendation's relevance (they sum to 1)."""
QUALITY_FLOOR = 0.5
"""The share of the relevance an article keeps whatever its score (see the module docstring)."""
BM25_K1 = 1.2
BM25_B = 0.75
TITLE_BOOST = 2
"""How many times each title token counts in an article's text."""

_STOP_WORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can cannot could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours out over own please
    same she should so some such than that the their theirs them then there these they this those
    through to too under until up very was we were what when where which while who whom why will
    with would you your yours"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_TEXT.split())
"""English stop words dropped by :func:`tokenize` (``down`` and ``not`` included: they describe
nearly every ticket)."""

_TOKEN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """The tokens of ``text`` in order: maximal runs of letters and digits after case folding,
    stop words and single characters removed.

    >>> tokenize("Can't log in to the VPN-client (error 809)!")
    ['log', 'vpn', 'client', 'error', '809']
    """
    return [t for t in _TOKEN.findall(text.casefold()) if t not in STOP_WORDS and len(t) > 1]


# -------------------------------------------------------------------------------------- index


@dataclass(frozen=True)
class KnowledgeIndex:
    """The part of the graph recommendation reads. Build it with :meth:`build`.

    Adjacency tuples are sorted, so walks are deterministic. Only relationships between known
    CIs are indexed; relationship types are matched by name.
    """

    cis: Mapping[str, CIData] = field(default_factory=dict)
    articles: Mapping[str, ArticleStats] = field(default_factory=dict)
    """Every article (retired ones included) -> its stats."""
    live: frozenset[str] = frozenset()
    """The articles that are not retired: the ones recommendation considers."""
    documents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Article -> the CIs it documents (``DOCUMENTS``; never another article)."""
    neighbours: Mapping[str, tuple[tuple[str, Hop], ...]] = field(default_factory=dict)
    """CI -> ``(neighbour, relationship as stored)`` along :data:`PROXIMITY_TYPES`, both
    directions, articles excluded."""
    categories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Article -> its categories, trimmed and case-folded."""
    term_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Live article -> token -> count in its title (x :data:`TITLE_BOOST`) and body."""
    lengths: Mapping[str, int] = field(default_factory=dict)
    """Live article -> its number of tokens (as counted in ``term_counts``)."""
    document_frequency: Mapping[str, int] = field(default_factory=dict)
    """Token -> how many live articles contain it."""

    @classmethod
    def build(cls, cis: Iterable[CIData], relationships: Iterable[Relationship]) -> KnowledgeIndex:
        """Index ``cis`` and ``relationships``: one pass over each, linear in their size.

        An article's ``resolutions`` is at least the number of distinct tickets linked to it by
        ``RESOLVED_BY``, and its last resolution is the latest of its ``last_resolved_at``
        attribute and, for each of those tickets, its ``resolved_at`` attribute or else the
        latest ``resolved`` entry of its ``timeline`` (``[{"at", "state", ...}]``).
        """
        by_id: dict[str, CIData] = {c.id: c for c in cis}
        article_ids = {i for i, c in by_id.items() if c.kind == ARTICLE_KIND}
        documents: dict[str, set[str]] = {}
        neighbours: dict[str, set[tuple[str, Hop]]] = {}
        resolved_tickets: dict[str, set[str]] = {}
        for r in relationships:
            s, t, typ = r.source, r.target, r.type
            if s not in by_id or t not in by_id:
                continue
            if typ == DOCUMENTS and s in article_ids and t not in article_ids:
                documents.setdefault(s, set()).add(t)
            elif typ == RESOLVED_BY and t in article_ids:
                resolved_tickets.setdefault(t, set()).add(s)
            elif typ in PROXIMITY_TYPES and s not in article_ids and t not in article_ids:
                hop = Hop(s, typ, t)
                neighbours.setdefault(s, set()).add((t, hop))
                neighbours.setdefault(t, set()).add((s, hop))
        articles: dict[str, ArticleStats] = {}
        for article_id in sorted(article_ids):
            tickets = resolved_tickets.get(article_id, set())
            articles[article_id] = ArticleStats.from_ci(
                by_id[article_id],
                linked_resolutions=len(tickets),
                last_resolved_at=_latest(*(_resolved_at(by_id[t]) for t in tickets)),
            )
        live = frozenset(a for a in article_ids if by_id[a].status is not Status.RETIRED)
        term_counts: dict[str, Counter[str]] = {}
        for article_id in sorted(live):
            attrs = by_id[article_id].attributes
            body = attrs.get("body")
            counts = Counter(tokenize(articles[article_id].title) * TITLE_BOOST)
            counts.update(tokenize(body) if isinstance(body, str) else ())
            term_counts[article_id] = counts
        df: Counter[str] = Counter()
        for counts in term_counts.values():
            df.update(counts.keys())
        return cls(
            cis=by_id,
            articles=articles,
            live=live,
            documents={a: tuple(sorted(ts)) for a, ts in documents.items()},
            neighbours={n: tuple(sorted(hs, key=_neighbour_key)) for n, hs in neighbours.items()},
            categories={a: _categories(by_id[a].attributes.get("category")) for a in sorted(article_ids)},
            term_counts=term_counts,
            lengths={a: sum(c.values()) for a, c in term_counts.items()},
            document_frequency=dict(df),
        )

    def bm25(self, query: Iterable[str]) -> dict[str, tuple[float, tuple[str, ...]]]:
        """Live article -> ``(BM25 score, matched query tokens sorted)`` for the articles that
        match at least one of the distinct ``query`` tokens (already tokenized)."""
        terms = sorted({t for t in query if t in self.document_frequency})
        n = len(self.term_counts)
        if not terms or not n:
            return {}
        avg_len = sum(self.lengths.values()) / n or 1.0
        idf = {
            t: math.log(1.0 + (n - self.document_frequency[t] + 0.5) / (self.document_frequency[t] + 0.5))
            for t in terms
        }
        found: dict[str, tuple[float, tuple[str, ...]]] = {}
        for article_id, counts in self.term_counts.items():
            matched = tuple(t for t in terms if t in counts)
            if not matched:
                continue
            norm = BM25_K1 * (1.0 - BM25_B + BM25_B * self.lengths[article_id] / avg_len)
            score = sum(idf[t] * counts[t] * (BM25_K1 + 1.0) / (counts[t] + norm) for t in matched)
            found[article_id] = (score, matched)
        return found


def _neighbour_key(item: tuple[str, Hop]) -> tuple[str, str, str, str]:
    node, hop = item
    return (node, hop.type, hop.source, hop.target)


def _resolved_at(ticket: CIData) -> datetime | None:
    """When a ticket was (last) resolved, from its attributes; None when unknown."""
    explicit = _parse_time(ticket.attributes.get("resolved_at"))
    if explicit is not None:
        return explicit
    timeline = ticket.attributes.get("timeline")
    if not isinstance(timeline, list):
        return None
    return _latest(
        *(
            _parse_time(entry.get("at"))
            for entry in timeline
            if isinstance(entry, dict) and entry.get("state") == "resolved"
        )
    )


# ----------------------------------------------------------------------------- recommendation


@dataclass(frozen=True)
class Proximity:
    """How close an article is to a ticket in the graph.

    ``documented_ci`` is the nearest CI the article documents, ``hops`` relationships away from
    the affected CI ``affected_ci``; ``path`` lists the CI ids walked (affected CI first,
    documented CI last) and ``steps`` the relationships between them as stored (so a step may
    point backwards). ``value`` is ``HOP_DECAY ** hops``.
    """

    value: float
    hops: int
    affected_ci: str
    documented_ci: str
    path: tuple[str, ...]
    steps: tuple[Hop, ...]


@dataclass(frozen=True)
class TextMatch:
    """How well the ticket text matches an article: BM25 ``raw`` score, ``value`` = ``raw``
    divided by the best raw score for this text (0 when nothing matched), the query tokens found
    in the article."""

    value: float = 0.0
    raw: float = 0.0
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """An article recommended for a ticket, with every part of its score.

    ``score = relevance * (QUALITY_FLOOR + (1 - QUALITY_FLOOR) * article.score)`` and
    ``relevance = PROXIMITY_WEIGHT * proximity.value + TEXT_WEIGHT * text.value +
    CATEGORY_BONUS * category_match``. ``proximity`` is None when no documented CI is within
    :data:`MAX_HOPS` of an affected CI.
    """

    rank: int
    article_id: str
    title: str
    score: float
    relevance: float
    proximity: Proximity | None
    text: TextMatch
    category_match: bool
    article: ArticleScore
    reason: str

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready form (steps as ``{source, type, target}`` objects)."""
        p = self.proximity
        return {
            "rank": self.rank,
            "article_id": self.article_id,
            "title": self.title,
            "score": self.score,
            "relevance": self.relevance,
            "proximity": None
            if p is None
            else {
                "value": p.value,
                "hops": p.hops,
                "affected_ci": p.affected_ci,
                "documented_ci": p.documented_ci,
                "path": list(p.path),
                "steps": [{"source": h.source, "type": h.type, "target": h.target} for h in p.steps],
            },
            "text": {
                "value": self.text.value,
                "raw": self.text.raw,
                "matched_terms": list(self.text.matched_terms),
            },
            "category_match": self.category_match,
            "article": self.article.as_dict(),
            "reason": self.reason,
        }


def _walk(index: KnowledgeIndex, affected: Iterable[str]) -> dict[str, tuple[str, Hop] | None]:
    """Breadth-first from every affected CI at once, at most :data:`MAX_HOPS` hops: CI -> the
    ``(previous CI, relationship)`` it was first reached by (None for an affected CI). Levels are
    walked in id order, so the recorded paths are deterministic."""
    parent: dict[str, tuple[str, Hop] | None] = dict.fromkeys(sorted(set(affected)))
    level = list(parent)
    for _ in range(MAX_HOPS):
        nxt: list[str] = []
        for node in level:
            for neighbour, hop in index.neighbours.get(node, ()):
                if neighbour not in parent:
                    parent[neighbour] = (node, hop)
                    nxt.append(neighbour)
        level = sorted(nxt)
    return parent


def _proximity(
    index: KnowledgeIndex,
    article_id: str,
    parent: Mapping[str, tuple[str, Hop] | None],
    depth: Mapping[str, int],
) -> Proximity | None:
    reached = [c for c in index.documents.get(article_id, ()) if c in parent]
    if not reached:
        return None
    documented = min(reached, key=lambda c: (depth[c], c))
    path = [documented]
    steps: list[Hop] = []
    step = parent[documented]
    while step is not None:
        previous, hop = step
        steps.append(hop)
        path.append(previous)
        step = parent[previous]
    path.reverse()
    steps.reverse()
    hops = len(steps)
    return Proximity(HOP_DECAY**hops, hops, path[0], documented, tuple(path), tuple(steps))


def _depths(parent: Mapping[str, tuple[str, Hop] | None]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for node, step in parent.items():  # insertion order is walk order: parents come first
        depth[node] = 0 if step is None else depth[step[0]] + 1
    return depth


def _reason(
    proximity: Proximity | None, text: TextMatch, category: str | None, match: bool, score: float
) -> str:
    parts: list[str] = []
    if proximity is None:
        parts.append("documents no CI near the affected CIs")
    elif proximity.hops == 0:
        parts.append(f"documents affected CI {proximity.affected_ci}")
    else:
        s = "s" if proximity.hops != 1 else ""
        parts.append(
            f"documents {proximity.documented_ci}, {proximity.hops} hop{s} from affected CI"
            f" {proximity.affected_ci} ({'; '.join(str(h) for h in proximity.steps)})"
        )
    if text.matched_terms:
        parts.append(f"text matches {', '.join(repr(t) for t in text.matched_terms)} ({text.value:.2f})")
    else:
        parts.append("no text match")
    if match:
        parts.append(f"category {category!r} matches")
    parts.append(f"article score {score:.2f}")
    return "; ".join(parts)


def recommend_for_ticket(
    index: KnowledgeIndex,
    *,
    affected_cis: Iterable[str] = (),
    text: str = "",
    category: str | None = None,
    now: datetime,
    limit: int = 5,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> list[Recommendation]:
    """The best ``limit`` live articles for a ticket, best first (ties by article id).

    ``affected_cis`` are the ticket's ``AFFECTS`` targets (unknown ids are skipped), ``text`` its
    title and description, ``category`` its category. Scoring: module docstring. An article is
    a candidate when the graph walk reaches a CI it documents or its text shares a token with
    ``text``; the category alone does not make a candidate. ``ValueError`` for a negative
    ``limit`` (and as :func:`article_score`).
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    _aware(now, "now")
    parent = _walk(index, (c for c in affected_cis if c in index.cis))
    depth = _depths(parent)
    matches = index.bm25(tokenize(text))
    best_raw = max((raw for raw, _ in matches.values()), default=0.0)
    wanted = category.strip().casefold() if category is not None else ""
    found: list[Recommendation] = []
    for article_id in sorted(index.live):
        proximity = _proximity(index, article_id, parent, depth)
        raw, matched = matches.get(article_id, (0.0, ()))
        if proximity is None and not matched:
            continue
        text_match = TextMatch(raw / best_raw if best_raw > 0 else 0.0, raw, matched)
        category_match = bool(wanted) and wanted in index.categories.get(article_id, frozenset())
        relevance = (
            PROXIMITY_WEIGHT * (proximity.value if proximity is not None else 0.0)
            + TEXT_WEIGHT * text_match.value
            + CATEGORY_BONUS * category_match
        )
        quality = article_score(index.articles[article_id], now=now, half_life_days=half_life_days)
        score = relevance * (QUALITY_FLOOR + (1.0 - QUALITY_FLOOR) * quality.score)
        found.append(
            Recommendation(
                rank=0,
                article_id=article_id,
                title=index.articles[article_id].title,
                score=score,
                relevance=relevance,
                proximity=proximity,
                text=text_match,
                category_match=category_match,
                article=quality,
                reason=_reason(proximity, text_match, category, category_match, quality.score),
            )
        )
    found.sort(key=lambda r: (-r.score, r.article_id))
    return [replace(r, rank=i) for i, r in enumerate(found[:limit], start=1)]
