"""Article quality: score and rank knowledge articles (issue 5, "Knowledge"), independent of
any ticket, tokenizer or graph walk.

Pure functions; nothing here reads a store or a clock (every function that needs the time takes
``now``). Also home of the small defensive parsing helpers (``_parse_time``, ``_number``,
``_count``, ``_latest``, ``_categories``, ``_aware``) shared with :mod:`cmdbgraph.impact.knowledge`
and :mod:`cmdbgraph.impact.deflection`.

**The model.** A knowledge article is a CI of kind ``KnowledgeArticle``
(:data:`cmdbgraph.impact.knowledge.ARTICLE_KIND`). Its attributes:
``title``, ``body``, ``category``, ``published_at`` (ISO 8601) and the usage counters ``views``,
``uses`` (times it was attached to a ticket), ``resolutions`` (tickets it resolved),
``csat_sum`` and ``csat_count`` (1-5 ratings), optionally ``last_resolved_at`` (ISO 8601). Every
attribute is read defensively: a missing, mistyped, negative or non-finite counter is 0, an
unparsable date is absent, a naive date is taken as UTC.

**Article score** (:func:`article_score`), in ``[0, 1]``, the weighted sum of three components,
each in ``[0, 1]``:

- ``success`` (weight :data:`SUCCESS_WEIGHT` 0.5): the share of uses that resolved a ticket,
  smoothed by a Beta prior worth :data:`SUCCESS_PRIOR_USES` (10) uses at a rate of
  :data:`SUCCESS_PRIOR_RATE` (0.5): ``(resolutions + 5) / (uses + 10)``. An article with no
  history scores 0.5, and a lucky 1/1 (0.55) ranks below a proven 45/50 (0.83) or even 10/10
  (0.75). ``uses`` is raised to ``resolutions`` when the counters disagree (every resolution
  was a use).
- ``recency`` (weight :data:`RECENCY_WEIGHT` 0.2): ``0.5 ** (age_days / half_life_days)``, the
  age taken from the later of ``published_at`` and the last resolution; 1.0 for a date in the
  future, 0.0 when the article has neither date.
- ``csat`` (weight :data:`CSAT_WEIGHT` 0.3): the mean rating smoothed by a prior worth
  :data:`CSAT_PRIOR_RATINGS` (5) ratings of :data:`CSAT_PRIOR_MEAN` (3.0, neutral), then mapped
  from 1..5 onto 0..1: ``((csat_sum + 15) / (csat_count + 5) - 1) / 4``. No ratings: 0.5.

Views do not enter the score (popularity is not success); they feed deflection.

>>> from datetime import UTC, datetime
>>> now = datetime(2025, 3, 1, tzinfo=UTC)
>>> [(r.article.article_id, round(r.score.score, 3))
...  for r in rank_articles([ArticleStats("kb-2"), ArticleStats("kb-1", uses=50, resolutions=45)], now=now)]
[('kb-1', 0.567), ('kb-2', 0.4)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import JsonValue

from cmdbgraph.schema import CIData

SUCCESS_WEIGHT = 0.5
RECENCY_WEIGHT = 0.2
CSAT_WEIGHT = 0.3
"""Weights of the article score's components (they sum to 1)."""
SUCCESS_PRIOR_RATE = 0.5
SUCCESS_PRIOR_USES = 10.0
"""The success prior: as if every article had been used 10 times and resolved 5 of them."""
CSAT_PRIOR_MEAN = 3.0
CSAT_PRIOR_RATINGS = 5.0
"""The CSAT prior: as if every article had 5 extra ratings of 3 (the neutral middle of 1-5)."""
DEFAULT_HALF_LIFE_DAYS = 180.0


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value.isoformat()}")


def _parse_time(value: object) -> datetime | None:
    """An ISO 8601 string as an aware datetime (naive taken as UTC); None when unparsable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _number(value: object) -> float:
    """A finite, non-negative JSON number, else 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and number > 0 else 0.0


def _count(value: object) -> int:
    return int(_number(value))


def _latest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return max(present) if present else None


def _categories(value: object) -> frozenset[str]:
    values = value if isinstance(value, list) else [value]
    return frozenset(v.strip().casefold() for v in values if isinstance(v, str) and v.strip())


# ------------------------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class ArticleStats:
    """What scoring knows about one article: its usage counters and dates.

    Counters are non-negative; :meth:`from_ci` reads them defensively. ``resolutions`` larger
    than ``uses`` is tolerated (scoring raises ``uses`` to it).
    """

    article_id: str
    title: str = ""
    category: str | None = None
    views: int = 0
    uses: int = 0
    resolutions: int = 0
    csat_sum: float = 0.0
    csat_count: int = 0
    published_at: datetime | None = None
    last_resolved_at: datetime | None = None

    @classmethod
    def from_ci(
        cls, article: CIData, *, linked_resolutions: int = 0, last_resolved_at: datetime | None = None
    ) -> ArticleStats:
        """The stats of an article CI (module docstring, *The model*).

        ``linked_resolutions`` (tickets ``RESOLVED_BY`` it in the graph) is a lower bound of
        ``resolutions``: the larger of it and the counter is kept. ``last_resolved_at`` is
        combined with the attribute of that name: the later one is kept. Does not check the kind.
        """
        a = article.attributes
        title = a.get("title")
        category = a.get("category")
        if isinstance(category, list):
            category = next((c for c in category if isinstance(c, str)), None)
        return cls(
            article_id=article.id,
            title=title if isinstance(title, str) else article.name,
            category=category if isinstance(category, str) else None,
            views=_count(a.get("views")),
            uses=_count(a.get("uses")),
            resolutions=max(_count(a.get("resolutions")), max(linked_resolutions, 0)),
            csat_sum=_number(a.get("csat_sum")),
            csat_count=_count(a.get("csat_count")),
            published_at=_parse_time(a.get("published_at")),
            last_resolved_at=_latest(_parse_time(a.get("last_resolved_at")), last_resolved_at),
        )


ComponentName = Literal["success", "recency", "csat"]


@dataclass(frozen=True)
class ScoreComponent:
    """One part of an article score: its value in ``[0, 1]``, its weight and how it came about."""

    name: ComponentName
    value: float
    weight: float
    detail: str

    @property
    def contribution(self) -> float:
        """``value * weight``: what it adds to the score."""
        return self.value * self.weight


@dataclass(frozen=True)
class ArticleScore:
    """An article's quality score in ``[0, 1]`` and its components (success, recency, csat)."""

    article_id: str
    score: float
    components: tuple[ScoreComponent, ...]

    def component(self, name: ComponentName) -> ScoreComponent:
        """The component called ``name``."""
        return next(c for c in self.components if c.name == name)

    @property
    def success(self) -> ScoreComponent:
        """The ``success`` component."""
        return self.component("success")

    @property
    def recency(self) -> ScoreComponent:
        """The ``recency`` component."""
        return self.component("recency")

    @property
    def csat(self) -> ScoreComponent:
        """The ``csat`` component."""
        return self.component("csat")

    def as_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready form."""
        return {
            "article_id": self.article_id,
            "score": self.score,
            "components": [
                {
                    "name": c.name,
                    "value": c.value,
                    "weight": c.weight,
                    "contribution": c.contribution,
                    "detail": c.detail,
                }
                for c in self.components
            ],
        }


def _success(stats: ArticleStats) -> ScoreComponent:
    uses = max(stats.uses, stats.resolutions)
    prior_hits = SUCCESS_PRIOR_RATE * SUCCESS_PRIOR_USES
    value = (stats.resolutions + prior_hits) / (uses + SUCCESS_PRIOR_USES)
    raw = f"raw {stats.resolutions / uses:.2f}" if uses else "no uses yet"
    detail = (
        f"{stats.resolutions} resolution{'s' if stats.resolutions != 1 else ''} in {uses}"
        f" use{'s' if uses != 1 else ''} ({raw}), smoothed with a prior of"
        f" {prior_hits:g}/{SUCCESS_PRIOR_USES:g} to {value:.2f}"
    )
    return ScoreComponent("success", value, SUCCESS_WEIGHT, detail)


def _recency(stats: ArticleStats, now: datetime, half_life_days: float) -> ScoreComponent:
    published, resolved = stats.published_at, stats.last_resolved_at
    if published is None and resolved is None:
        return ScoreComponent("recency", 0.0, RECENCY_WEIGHT, "no publication or resolution date")
    if resolved is not None and (published is None or resolved > published):
        since, what = resolved, "last resolution"
    else:
        assert published is not None
        since, what = published, "publication"
    age_days = max((now - since).total_seconds() / 86400.0, 0.0)
    value = 0.5 ** (age_days / half_life_days)
    detail = (
        f"{what} {since.isoformat()} is {age_days:.1f} days old; half-life {half_life_days:g} days"
        f" gives {value:.2f}"
    )
    return ScoreComponent("recency", value, RECENCY_WEIGHT, detail)


def _csat(stats: ArticleStats) -> ScoreComponent:
    n = stats.csat_count
    mean = (stats.csat_sum + CSAT_PRIOR_MEAN * CSAT_PRIOR_RATINGS) / (n + CSAT_PRIOR_RATINGS)
    mean = min(max(mean, 1.0), 5.0)  # a sum that disagrees with its count cannot leave 1..5
    value = (mean - 1.0) / 4.0
    raw = f"mean {stats.csat_sum / n:.2f} of {n} rating{'s' if n != 1 else ''}" if n else "no ratings"
    detail = (
        f"{raw}, smoothed with {CSAT_PRIOR_RATINGS:g} prior ratings of {CSAT_PRIOR_MEAN:g} to"
        f" {mean:.2f} of 5, scaled to {value:.2f}"
    )
    return ScoreComponent("csat", value, CSAT_WEIGHT, detail)


def article_score(
    stats: ArticleStats, *, now: datetime, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> ArticleScore:
    """The quality score of an article at ``now`` (formula: module docstring).

    ``now`` must be timezone-aware and ``half_life_days`` positive (``ValueError`` otherwise).
    """
    _aware(now, "now")
    if not half_life_days > 0:
        raise ValueError(f"half_life_days must be positive, got {half_life_days}")
    components = (_success(stats), _recency(stats, now, half_life_days), _csat(stats))
    return ArticleScore(stats.article_id, sum(c.contribution for c in components), components)


@dataclass(frozen=True)
class RankedArticle:
    """An article's place (1 = best) in a ranking, its stats and score."""

    rank: int
    article: ArticleStats
    score: ArticleScore


def rank_articles(
    articles: Iterable[ArticleStats], *, now: datetime, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> list[RankedArticle]:
    """Every article by descending :func:`article_score`, ties by article id.

    ``ValueError`` when two articles share an id (and as :func:`article_score`).
    """
    scored: list[tuple[ArticleStats, ArticleScore]] = []
    seen: set[str] = set()
    for stats in articles:
        if stats.article_id in seen:
            raise ValueError(f"article {stats.article_id!r} is listed twice")
        seen.add(stats.article_id)
        scored.append((stats, article_score(stats, now=now, half_life_days=half_life_days)))
    scored.sort(key=lambda pair: (-pair[1].score, pair[0].article_id))
    return [RankedArticle(i, stats, score) for i, (stats, score) in enumerate(scored, start=1)]
