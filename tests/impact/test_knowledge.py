"""Knowledge articles on hand-drawn graphs: the article score (success prior, recency decay, CSAT
smoothing), ranking, recommendations for a ticket (graph proximity, text match, category bonus,
limit and ties, explanations) and self-service deflection."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmdbgraph.impact.article_score import (
    CSAT_WEIGHT,
    RECENCY_WEIGHT,
    SUCCESS_WEIGHT,
    ArticleStats,
    article_score,
    rank_articles,
)
from cmdbgraph.impact.deflection import KnowledgeEvent, deflection
from cmdbgraph.impact.knowledge import (
    ARTICLE_KIND,
    CATEGORY_BONUS,
    PROXIMITY_WEIGHT,
    TEXT_WEIGHT,
    KnowledgeIndex,
    Recommendation,
    recommend_for_ticket,
    tokenize,
)
from cmdbgraph.impact.routing import Hop
from cmdbgraph.schema import CIData, Relationship, Status
from tests.factories import ci, depends_on, rel

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def article(article_id: str, title: str = "", body: str = "", **attributes: Any) -> CIData:
    """A knowledge article CI; ``status`` goes to the CI, everything else to its attributes."""
    status = attributes.pop("status", Status.OPERATIONAL)
    attrs: dict[str, Any] = {"title": title or article_id, **attributes}
    if body:
        attrs["body"] = body
    return ci(article_id, ARTICLE_KIND, status=status, attributes=attrs)


def documents(article_id: str, ci_id: str) -> Relationship:
    return rel(article_id, ci_id, "DOCUMENTS")


def stats(article_id: str = "kb", **fields: Any) -> ArticleStats:
    return ArticleStats(article_id=article_id, **fields)


def ids(recs: list[Recommendation]) -> list[str]:
    return [r.article_id for r in recs]


# ------------------------------------------------------------------------------ article score


def test_prior_makes_45_of_50_beat_1_of_1() -> None:
    lucky = article_score(stats("lucky", uses=1, resolutions=1), now=NOW)
    proven = article_score(stats("proven", uses=50, resolutions=45), now=NOW)
    assert lucky.success.value == pytest.approx(6 / 11)
    assert proven.success.value == pytest.approx(50 / 60)
    assert proven.score > lucky.score
    # and a perfect 10/10 is still below 45/50: ten uses are not enough to outweigh the prior
    assert article_score(stats(uses=10, resolutions=10), now=NOW).success.value == pytest.approx(0.75)
    ranked = rank_articles(
        [stats("lucky", uses=1, resolutions=1), stats("proven", uses=50, resolutions=45)], now=NOW
    )
    assert [r.article.article_id for r in ranked] == ["proven", "lucky"]


def test_success_without_history_is_the_prior_and_uses_cover_resolutions() -> None:
    assert article_score(stats(), now=NOW).success.value == pytest.approx(0.5)
    assert "no uses yet" in article_score(stats(), now=NOW).success.detail
    # counters that disagree: every resolution was a use
    odd = article_score(stats(uses=1, resolutions=3), now=NOW).success
    assert odd.value == pytest.approx((3 + 5) / (3 + 10))
    assert odd.detail.startswith("3 resolutions in 3 uses (raw 1.00)")
    # a used but never successful article sinks below one nobody has tried
    assert article_score(stats(uses=40), now=NOW).success.value == pytest.approx(5 / 50)


def test_recency_decays_exponentially_with_the_half_life() -> None:
    def recency(**fields: Any) -> float:
        half_life = fields.pop("half_life_days", 180.0)
        return article_score(stats(**fields), now=NOW, half_life_days=half_life).recency.value

    assert recency(published_at=NOW) == pytest.approx(1.0)
    assert recency(published_at=NOW - timedelta(days=180)) == pytest.approx(0.5)
    assert recency(published_at=NOW - timedelta(days=360)) == pytest.approx(0.25)
    assert recency(published_at=NOW - timedelta(days=30), half_life_days=30) == pytest.approx(0.5)
    assert recency(published_at=NOW + timedelta(days=3)) == pytest.approx(1.0)  # future: no bonus above 1
    assert recency() == 0.0  # no date at all


def test_recency_counts_from_the_later_of_publication_and_last_resolution() -> None:
    old = NOW - timedelta(days=720)
    recent = NOW - timedelta(days=180)
    fresh = article_score(stats(published_at=old, last_resolved_at=recent), now=NOW).recency
    assert fresh.value == pytest.approx(0.5)
    assert "last resolution" in fresh.detail
    assert "180.0 days old" in fresh.detail
    # a resolution before the publication date (an edited article) does not age it
    republished = article_score(stats(published_at=recent, last_resolved_at=old), now=NOW).recency
    assert republished.value == pytest.approx(0.5)
    assert "publication" in republished.detail
    only_resolved = article_score(stats(last_resolved_at=recent), now=NOW).recency
    assert only_resolved.value == pytest.approx(0.5)


def test_csat_is_smoothed_towards_neutral_and_scaled() -> None:
    def csat(total: float, count: int) -> float:
        return article_score(stats(csat_sum=total, csat_count=count), now=NOW).csat.value

    assert csat(0, 0) == pytest.approx(0.5)  # the neutral prior: 3 of 5
    assert csat(5, 1) == pytest.approx(((5 + 15) / 6 - 1) / 4)  # one 5-star rating: 0.58, not 1.0
    assert csat(1, 1) == pytest.approx(((1 + 15) / 6 - 1) / 4)
    assert csat(4.5 * 40, 40) > csat(5, 1)  # many good ratings beat one perfect rating
    assert csat(5 * 1000, 1000) == pytest.approx(((5000 + 15) / 1005 - 1) / 4)
    assert csat(1 * 1000, 1000) < 0.01
    assert csat(100, 1) == 1.0  # a sum that disagrees with its count is clamped to 1..5
    detail = article_score(stats(csat_sum=9, csat_count=2), now=NOW).csat.detail
    assert detail == "mean 4.50 of 2 ratings, smoothed with 5 prior ratings of 3 to 3.43 of 5, scaled to 0.61"


def test_score_is_the_weighted_sum_of_explained_components() -> None:
    assert math.isclose(SUCCESS_WEIGHT + RECENCY_WEIGHT + CSAT_WEIGHT, 1.0)
    s = stats(
        "kb-1", uses=20, resolutions=12, csat_sum=40, csat_count=10, published_at=NOW - timedelta(days=90)
    )
    score = article_score(s, now=NOW)
    assert [c.name for c in score.components] == ["success", "recency", "csat"]
    assert [c.weight for c in score.components] == [SUCCESS_WEIGHT, RECENCY_WEIGHT, CSAT_WEIGHT]
    assert score.score == pytest.approx(sum(c.value * c.weight for c in score.components))
    assert score.success.contribution == pytest.approx(SUCCESS_WEIGHT * (12 + 5) / (20 + 10))
    assert score.recency.value == pytest.approx(2**-0.5)
    doc = score.as_dict()
    json.dumps(doc)
    assert doc["article_id"] == "kb-1"
    assert isinstance(doc["components"], list)
    assert len(doc["components"]) == 3


@given(
    uses=st.integers(0, 10**6),
    resolutions=st.integers(0, 10**6),
    csat_count=st.integers(0, 10**4),
    csat_mean=st.floats(1, 5),
    age_days=st.floats(-1000, 100_000),
)
def test_score_and_components_stay_within_0_and_1(
    uses: int, resolutions: int, csat_count: int, csat_mean: float, age_days: float
) -> None:
    s = stats(
        uses=uses,
        resolutions=resolutions,
        csat_sum=csat_mean * csat_count,
        csat_count=csat_count,
        published_at=NOW - timedelta(days=age_days),
    )
    score = article_score(s, now=NOW)
    assert 0.0 <= score.score <= 1.0
    assert all(0.0 <= c.value <= 1.0 for c in score.components)


def test_article_score_refuses_a_naive_now_and_a_bad_half_life() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        article_score(stats(), now=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="half_life_days"):
        article_score(stats(), now=NOW, half_life_days=0)


def test_stats_read_article_attributes_defensively() -> None:
    full = ArticleStats.from_ci(
        article(
            "kb-1",
            "Reset a password",
            category="access",
            views=120,
            uses=30,
            resolutions=20,
            csat_sum=41.5,
            csat_count=10,
            published_at="2025-01-02T03:04:05+01:00",
        )
    )
    assert full == ArticleStats(
        article_id="kb-1",
        title="Reset a password",
        category="access",
        views=120,
        uses=30,
        resolutions=20,
        csat_sum=41.5,
        csat_count=10,
        published_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
    )
    junk = ArticleStats.from_ci(
        ci(
            "kb-2",
            ARTICLE_KIND,
            name="Named only",
            attributes={
                "views": "many",
                "uses": True,
                "resolutions": -4,
                "csat_sum": float("nan"),
                "csat_count": None,
                "published_at": "last tuesday",
                "category": 7,
            },
        )
    )
    assert junk == ArticleStats(article_id="kb-2", title="Named only")
    naive = ArticleStats.from_ci(article("kb-3", published_at="2025-01-02T00:00:00", uses=2.9))
    assert naive.published_at == datetime(2025, 1, 2, tzinfo=UTC)
    assert naive.uses == 2
    assert ArticleStats.from_ci(article("kb-4", category=["hr", "payroll"])).category == "hr"


# ------------------------------------------------------------------------------------ ranking


def test_ranking_is_by_score_then_id_and_independent_of_input_order() -> None:
    articles = [
        stats("kb-c"),
        stats("kb-a"),
        stats("kb-best", uses=100, resolutions=90, csat_sum=450, csat_count=100, published_at=NOW),
        stats("kb-b"),
        stats("kb-worst", uses=100, csat_sum=100, csat_count=100),
    ]
    expected = ["kb-best", "kb-a", "kb-b", "kb-c", "kb-worst"]
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        ranked = rank_articles(shuffled, now=NOW)
        assert [r.article.article_id for r in ranked] == expected
        assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
    assert rank_articles([], now=NOW) == []


def test_ranking_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="'kb-a' is listed twice"):
        rank_articles([stats("kb-a"), stats("kb-a", uses=3)], now=NOW)


# -------------------------------------------------------------------------------------- index


def test_index_counts_linked_resolutions_and_their_dates() -> None:
    resolved = {"state": "resolved", "actor": "ann"}
    cis = [
        ci("web"),
        article("kb-1", uses=5, resolutions=1, last_resolved_at="2025-01-01T00:00:00+00:00"),
        article("kb-2", uses=0, resolutions=5),
        ci(
            "INC-1",
            "Incident",
            attributes={
                "timeline": [
                    {"at": "2025-02-01T00:00:00+00:00", **resolved},
                    {"at": "2025-02-02T00:00:00+00:00", "state": "in_progress", "actor": "ann"},
                    {"at": "2025-03-01T00:00:00+00:00", **resolved},
                    "garbage",
                ]
            },
        ),
        ci("INC-2", "Incident", attributes={"resolved_at": "2025-04-01T00:00:00+00:00"}),
        ci("INC-3", "Incident"),
    ]
    rels = [
        rel("INC-1", "kb-1", "RESOLVED_BY"),
        rel("INC-2", "kb-1", "RESOLVED_BY"),
        rel("INC-3", "kb-1", "RESOLVED_BY"),
        rel("INC-1", "kb-2", "RESOLVED_BY"),
        rel("INC-9", "kb-2", "RESOLVED_BY"),  # unknown ticket: ignored
        documents("kb-1", "web"),
        documents("kb-1", "kb-2"),  # an article documenting an article: ignored
        documents("kb-1", "gone"),  # unknown CI: ignored
    ]
    index = KnowledgeIndex.build(cis, rels)
    assert index.articles["kb-1"].resolutions == 3  # three linked tickets beat the counter's 1
    assert index.articles["kb-1"].last_resolved_at == datetime(2025, 4, 1, tzinfo=UTC)
    assert index.articles["kb-2"].resolutions == 5  # the counter beats one linked ticket
    assert index.articles["kb-2"].last_resolved_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert index.documents == {"kb-1": ("web",)}
    assert set(index.articles) == {"kb-1", "kb-2"}


# ----------------------------------------------------------------------- recommendation: graph

#   web -DEPENDS_ON-> api -DEPENDS_ON-> db -RUNS_ON-> host -PART_OF-> cluster
#   report -USES_DATA-> db ;  lonely (no links) ;  web -OWNED_BY-> team (not walked)
# articles (no text in common with the tickets below; identical usage):
#   kb-web: web, kb-api: api, kb-db: db, kb-host: host, kb-report: report,
#   kb-cluster: cluster, kb-team: team, kb-lonely: lonely, kb-multi: cluster and api
GRAPH_CIS = [
    ci("web"),
    ci("api", "API"),
    ci("db", "Database"),
    ci("host", "Host"),
    ci("cluster"),
    ci("report", "Application"),
    ci("lonely"),
    ci("team", "Team"),
    *(article(f"kb-{n}", f"About {n}") for n in ("web", "api", "db", "host", "report", "cluster", "team")),
    article("kb-lonely", "About lonely"),
    article("kb-multi", "About several"),
]
GRAPH_RELS = [
    depends_on("web", "api"),
    depends_on("api", "db"),
    rel("db", "host", "RUNS_ON"),
    rel("host", "cluster", "PART_OF"),
    rel("report", "db", "USES_DATA"),
    rel("web", "team", "OWNED_BY"),
    *(documents(f"kb-{n}", n) for n in ("web", "api", "db", "host", "report", "cluster", "team", "lonely")),
    documents("kb-multi", "cluster"),
    documents("kb-multi", "api"),
]
GRAPH = KnowledgeIndex.build(GRAPH_CIS, GRAPH_RELS)


def test_proximity_orders_articles_by_hops_and_stops_after_three() -> None:
    recs = recommend_for_ticket(GRAPH, affected_cis=["web"], text="", now=NOW, limit=20)
    assert ids(recs) == ["kb-web", "kb-api", "kb-multi", "kb-db", "kb-host", "kb-report"]
    hops = {r.article_id: r.proximity.hops for r in recs if r.proximity is not None}
    assert hops == {"kb-web": 0, "kb-api": 1, "kb-multi": 1, "kb-db": 2, "kb-host": 3, "kb-report": 3}
    assert [r.proximity.value for r in recs if r.proximity is not None] == [1.0, 0.5, 0.5, 0.25, 0.125, 0.125]
    # cluster is 4 hops away; OWNED_BY is not walked; lonely is not linked
    assert not {"kb-cluster", "kb-team", "kb-lonely"} & set(ids(recs))
    assert all(r.text.matched_terms == () for r in recs)


def test_proximity_walks_both_directions_and_records_the_path() -> None:
    recs = {r.article_id: r for r in recommend_for_ticket(GRAPH, affected_cis=["web"], now=NOW, limit=20)}
    report = recs["kb-report"].proximity
    assert report is not None
    assert (report.affected_ci, report.documented_ci) == ("web", "report")
    assert report.path == ("web", "api", "db", "report")
    assert report.steps == (
        Hop("web", "DEPENDS_ON", "api"),
        Hop("api", "DEPENDS_ON", "db"),
        Hop("report", "USES_DATA", "db"),  # as stored: walked backwards
    )
    # from the database, the web shop that depends on it is two hops upstream
    up = {r.article_id: r for r in recommend_for_ticket(GRAPH, affected_cis=["db"], now=NOW, limit=20)}
    web = up["kb-web"].proximity
    assert web is not None
    assert (web.hops, web.path) == (2, ("db", "api", "web"))
    assert up["kb-cluster"].proximity is not None  # db -> host -> cluster (PART_OF, forwards)
    assert up["kb-multi"].proximity is not None
    assert up["kb-multi"].proximity.documented_ci == "api"  # the nearer of its two CIs


def test_nearest_affected_ci_counts() -> None:
    recs = {
        r.article_id: r
        for r in recommend_for_ticket(GRAPH, affected_cis=["web", "host", "nope"], now=NOW, limit=20)
    }
    db = recs["kb-db"].proximity
    assert db is not None
    assert (db.affected_ci, db.hops, db.steps) == ("host", 1, (Hop("db", "RUNS_ON", "host"),))
    cluster = recs["kb-cluster"].proximity
    assert cluster is not None
    assert cluster.hops == 1
    # unknown ids are skipped, not an error
    assert recommend_for_ticket(GRAPH, affected_cis=["nope"], now=NOW) == []
    assert recommend_for_ticket(GRAPH, now=NOW) == []


def test_a_direct_article_beats_a_two_hop_one_whatever_their_quality() -> None:
    cis = [
        ci("web"),
        ci("api"),
        ci("db"),
        # never resolves anything, rated 1 by everybody, undated
        article("kb-bad", uses=1000, csat_sum=1000, csat_count=1000),
        # excellent, fresh
        article(
            "kb-good", uses=100, resolutions=100, csat_sum=500, csat_count=100, published_at=NOW.isoformat()
        ),
    ]
    rels = [
        depends_on("web", "api"),
        depends_on("api", "db"),
        documents("kb-bad", "web"),
        documents("kb-good", "db"),
    ]
    recs = recommend_for_ticket(KnowledgeIndex.build(cis, rels), affected_cis=["web"], now=NOW)
    assert ids(recs) == ["kb-bad", "kb-good"]
    assert recs[0].article.score < 0.05 < 0.95 < recs[1].article.score


def test_quality_breaks_equal_relevance() -> None:
    cis = [ci("web"), article("kb-a"), article("kb-b", uses=50, resolutions=45)]
    rels = [documents("kb-a", "web"), documents("kb-b", "web")]
    recs = recommend_for_ticket(KnowledgeIndex.build(cis, rels), affected_cis=["web"], now=NOW)
    assert ids(recs) == ["kb-b", "kb-a"]
    assert recs[0].relevance == recs[1].relevance == PROXIMITY_WEIGHT
    for r in recs:
        assert r.score == pytest.approx(r.relevance * (0.5 + 0.5 * r.article.score))


def test_retired_articles_are_not_recommended() -> None:
    cis = [
        ci("web"),
        article("kb-old", "VPN setup", status=Status.RETIRED),
        article("kb-new", "VPN setup"),
    ]
    rels = [documents("kb-old", "web"), documents("kb-new", "web")]
    index = KnowledgeIndex.build(cis, rels)
    assert ids(recommend_for_ticket(index, affected_cis=["web"], text="vpn", now=NOW)) == ["kb-new"]
    assert index.document_frequency["vpn"] == 1
    assert "kb-old" in index.articles  # still there for ranking the whole knowledge base


# ------------------------------------------------------------------------ recommendation: text

TEXT_CIS = [
    article(
        "kb-vpn",
        "VPN client cannot connect",
        "Reinstall the VPN client, then reset the certificate store and connect again.",
    ),
    article("kb-printer", "Printer jams", "Open tray 2 and remove the crumpled paper."),
    article(
        "kb-password", "Reset your password", "Use the self-service portal to reset a forgotten password."
    ),
    article("kb-laptop", "New laptop", "Order a laptop through the catalog."),
]
TEXT = KnowledgeIndex.build(TEXT_CIS, [])


def test_tokenizer_folds_case_splits_and_drops_stop_words() -> None:
    assert tokenize("The VPN-Client won't CONNECT: error_809 at 10:30!") == [
        "vpn",
        "client",
        "won",
        "connect",
        "error",
        "809",
        "10",
        "30",
    ]
    assert tokenize("") == []
    assert tokenize("is it down or not?") == []
    assert tokenize("Straße ÉCOLE") == ["strasse", "école"]


def test_text_match_finds_articles_sharing_tokens() -> None:
    recs = recommend_for_ticket(TEXT, text="My VPN won't connect after the password reset", now=NOW)
    assert ids(recs) == ["kb-vpn", "kb-password"]
    vpn, password = recs
    assert vpn.text.matched_terms == ("connect", "reset", "vpn")
    assert password.text.matched_terms == ("password", "reset")
    assert vpn.text.value == 1.0  # the best match
    assert 0 < password.text.value < 1
    assert vpn.text.raw > password.text.raw > 0
    assert vpn.proximity is None
    assert vpn.relevance == pytest.approx(TEXT_WEIGHT)
    # case and stop words do not matter
    printer = recommend_for_ticket(TEXT, text="THE PRINTER is down", now=NOW)
    assert ids(printer) == ["kb-printer"]
    assert printer[0].text.matched_terms == ("printer",)
    assert recommend_for_ticket(TEXT, text="nothing in common", now=NOW) == []


def test_rare_terms_weigh_more_than_common_ones() -> None:
    # "reset" appears in two articles, "certificate" in one: an article matching only the rare
    # term beats one matching only the common one
    cis = [
        article("kb-cert", "Certificate renewal", "Renew it yearly."),
        article("kb-reset", "Reset a token", "Reset it yearly."),
        article("kb-other", "Reset the modem", "Unplug it yearly."),
    ]
    recs = recommend_for_ticket(KnowledgeIndex.build(cis, []), text="reset certificate", now=NOW)
    assert ids(recs)[0] == "kb-cert"


def test_title_tokens_count_twice() -> None:
    cis = [
        article("kb-body", "Guide steps", "vpn here"),
        article("kb-title", "VPN guide", "steps here"),
    ]
    recs = recommend_for_ticket(KnowledgeIndex.build(cis, []), text="vpn", now=NOW)
    assert ids(recs) == ["kb-title", "kb-body"]
    assert recs[0].text.raw > recs[1].text.raw


# -------------------------------------------------------------------- recommendation: category


def test_category_match_is_a_bonus() -> None:
    cis = [
        ci("web"),
        article("kb-a", category="Facilities"),
        article("kb-b", category=["network", "VPN"]),
        article("kb-c", category="network"),
    ]
    rels = [documents(a, "web") for a in ("kb-a", "kb-b")]
    index = KnowledgeIndex.build(cis, rels)
    recs = recommend_for_ticket(index, affected_cis=["web"], category=" Network ", now=NOW)
    assert ids(recs) == ["kb-b", "kb-a"]  # kb-c: the category alone does not make a candidate
    assert [r.category_match for r in recs] == [True, False]
    assert recs[0].relevance - recs[1].relevance == pytest.approx(CATEGORY_BONUS)
    assert "category ' Network ' matches" in recs[0].reason
    # without a category, both are equal and ordered by id
    plain = recommend_for_ticket(index, affected_cis=["web"], now=NOW)
    assert ids(plain) == ["kb-a", "kb-b"]
    assert not any(r.category_match for r in plain)
    assert math.isclose(PROXIMITY_WEIGHT + TEXT_WEIGHT + CATEGORY_BONUS, 1.0)


# ------------------------------------------------------------------ recommendation: limit, ties


def test_limit_and_ties_by_id() -> None:
    cis = [ci("web"), *(article(f"kb-{i}") for i in (3, 1, 4, 2))]
    index = KnowledgeIndex.build(cis, [documents(f"kb-{i}", "web") for i in (4, 2, 1, 3)])
    recs = recommend_for_ticket(index, affected_cis=["web"], now=NOW)
    assert ids(recs) == ["kb-1", "kb-2", "kb-3", "kb-4"]
    assert len({r.score for r in recs}) == 1
    top = recommend_for_ticket(index, affected_cis=["web"], now=NOW, limit=2)
    assert ids(top) == ["kb-1", "kb-2"]
    assert [r.rank for r in top] == [1, 2]
    assert recommend_for_ticket(index, affected_cis=["web"], now=NOW, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        recommend_for_ticket(index, affected_cis=["web"], now=NOW, limit=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        recommend_for_ticket(index, affected_cis=["web"], now=datetime(2025, 1, 1))
    # the same answer whatever the order of the inputs
    reversed_index = KnowledgeIndex.build(
        list(reversed(cis)), [documents(f"kb-{i}", "web") for i in (1, 2, 3, 4)]
    )
    assert recommend_for_ticket(reversed_index, affected_cis=["web"], now=NOW) == recs


def test_default_limit_is_five() -> None:
    recs = recommend_for_ticket(GRAPH, affected_cis=["web"], now=NOW)
    assert len(recs) == 5


# -------------------------------------------------------------------- recommendation: explained


def test_recommendation_explains_every_part() -> None:
    cis = [
        ci("web"),
        ci("api", "API"),
        article(
            "kb-api",
            "API timeout",
            "Restart the API gateway.",
            category="network",
            uses=10,
            resolutions=8,
            csat_sum=18,
            csat_count=4,
            published_at=(NOW - timedelta(days=10)).isoformat(),
        ),
    ]
    index = KnowledgeIndex.build(cis, [depends_on("web", "api"), documents("kb-api", "api")])
    (rec,) = recommend_for_ticket(
        index, affected_cis=["web"], text="Gateway timeout on checkout", category="network", now=NOW
    )
    assert rec.title == "API timeout"
    assert rec.text.matched_terms == ("gateway", "timeout")
    assert rec.relevance == pytest.approx(PROXIMITY_WEIGHT * 0.5 + TEXT_WEIGHT * 1.0 + CATEGORY_BONUS)
    assert rec.reason == (
        "documents api, 1 hop from affected CI web (web -DEPENDS_ON-> api); "
        "text matches 'gateway', 'timeout' (1.00); category 'network' matches; "
        f"article score {rec.article.score:.2f}"
    )
    assert rec.article.success.detail.startswith("8 resolutions in 10 uses (raw 0.80)")
    assert "publication" in rec.article.recency.detail
    assert rec.article.csat.detail.startswith("mean 4.50 of 4 ratings")
    doc = rec.as_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["proximity"] == {
        "value": 0.5,
        "hops": 1,
        "affected_ci": "web",
        "documented_ci": "api",
        "path": ["web", "api"],
        "steps": [{"source": "web", "type": "DEPENDS_ON", "target": "api"}],
    }
    assert doc["text"] == {"value": 1.0, "raw": rec.text.raw, "matched_terms": ["gateway", "timeout"]}
    # text only: the reason says there is no graph link
    (text_only,) = recommend_for_ticket(index, text="gateway", now=NOW)
    assert text_only.reason.startswith("documents no CI near the affected CIs; text matches 'gateway'")
    assert text_only.as_dict()["proximity"] is None
    (direct,) = recommend_for_ticket(index, affected_cis=["api"], now=NOW)
    assert direct.reason.startswith("documents affected CI api; no text match; article score ")


# --------------------------------------------------------------------------------- deflection

T0 = datetime(2025, 6, 2, 9, tzinfo=UTC)


def view(person: str, article_id: str, at: datetime) -> KnowledgeEvent:
    return KnowledgeEvent(at, person, "article_viewed", article_id)


def opened(person: str, ticket_id: str, at: datetime) -> KnowledgeEvent:
    return KnowledgeEvent(at, person, "ticket_opened", ticket_id)


def test_a_view_followed_by_a_ticket_within_the_window_is_not_deflected() -> None:
    report = deflection([view("ann", "kb-1", T0), opened("ann", "INC-1", T0 + timedelta(hours=3))])
    assert (report.total_views, report.deflected, report.rate, report.tickets_opened) == (1, 0, 0.0, 1)
    assert report.outcomes[0].ticket == "INC-1"
    assert not report.outcomes[0].deflected


def test_a_ticket_after_the_window_does_not_undo_a_deflection() -> None:
    report = deflection([view("ann", "kb-1", T0), opened("ann", "INC-1", T0 + timedelta(hours=25))])
    assert (report.total_views, report.deflected, report.rate) == (1, 1, 1.0)
    assert report.outcomes[0].deflected


@pytest.mark.parametrize(
    ("offset", "deflected"),
    [
        (timedelta(0), 0),  # the same instant: the view did not help
        (timedelta(hours=24), 0),  # the window's end is included
        (timedelta(hours=24, seconds=1), 1),
        (-timedelta(seconds=1), 1),  # a ticket before the view does not count against it
    ],
)
def test_window_boundaries(offset: timedelta, deflected: int) -> None:
    report = deflection([view("ann", "kb-1", T0), opened("ann", "INC-1", T0 + offset)])
    assert report.deflected == deflected


def test_a_ticket_by_someone_else_does_not_count() -> None:
    report = deflection([view("ann", "kb-1", T0), opened("bob", "INC-1", T0 + timedelta(minutes=5))])
    assert (report.total_views, report.deflected) == (1, 1)


def test_a_custom_window() -> None:
    events = [view("ann", "kb-1", T0), opened("ann", "INC-1", T0 + timedelta(hours=2))]
    assert deflection(events, window=timedelta(hours=1)).deflected == 1
    assert deflection(events, window=timedelta(hours=2)).deflected == 0
    with pytest.raises(ValueError, match="window"):
        deflection(events, window=-timedelta(hours=1))


def test_multiple_views_are_judged_one_by_one() -> None:
    h = timedelta(hours=1)
    events = [
        # ann reads two articles and still opens a ticket: neither view deflected it
        view("ann", "kb-1", T0),
        view("ann", "kb-2", T0 + h),
        opened("ann", "INC-1", T0 + 2 * h),
        # two days later she reads kb-1 again and is helped
        view("ann", "kb-1", T0 + 48 * h),
        # bob reads kb-1 twice and never opens a ticket
        view("bob", "kb-1", T0),
        view("bob", "kb-1", T0 + 30 * h),
        # cid opens a ticket, then reads kb-2 and is helped (the earlier ticket does not count)
        opened("cid", "INC-2", T0),
        view("cid", "kb-2", T0 + h),
    ]
    report = deflection(events)
    assert (report.total_views, report.deflected, report.tickets_opened, report.pending) == (6, 4, 2, 0)
    assert report.rate == pytest.approx(4 / 6)
    assert [(a.article_id, a.views, a.deflected) for a in report.per_article] == [
        ("kb-1", 4, 3),
        ("kb-2", 2, 1),
    ]
    assert report.per_article[0].rate == pytest.approx(0.75)
    assert [(o.person, o.article_id, o.ticket) for o in report.outcomes] == [
        ("ann", "kb-1", "INC-1"),
        ("bob", "kb-1", None),
        ("ann", "kb-2", "INC-1"),
        ("cid", "kb-2", None),
        ("bob", "kb-1", None),
        ("ann", "kb-1", None),
    ]
    # deterministic: the order of the events does not matter
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert deflection(shuffled) == report
    doc = report.as_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["window_seconds"] == 86400.0
    assert doc["per_article"] == [
        {"article_id": "kb-1", "views": 4, "deflected": 3, "rate": 0.75},
        {"article_id": "kb-2", "views": 2, "deflected": 1, "rate": 0.5},
    ]


def test_as_of_leaves_open_windows_pending() -> None:
    h = timedelta(hours=1)
    events = [
        view("ann", "kb-1", T0),  # window closed by as_of, no ticket: deflected
        view("bob", "kb-1", T0 + 20 * h),  # window still open, no ticket yet: pending
        view("cid", "kb-1", T0 + 20 * h),  # window still open but a ticket already came: judged
        opened("cid", "INC-1", T0 + 21 * h),
        opened("bob", "INC-2", T0 + 31 * h),  # after as_of: ignored
    ]
    report = deflection(events, as_of=T0 + 30 * h)
    assert (report.total_views, report.deflected, report.pending, report.tickets_opened) == (2, 1, 1, 1)
    assert [(o.person, o.ticket) for o in report.outcomes] == [("ann", None), ("cid", "INC-1")]
    with pytest.raises(ValueError, match="timezone-aware"):
        deflection(events, as_of=datetime(2025, 6, 3))


def test_no_events_no_rate() -> None:
    report = deflection([])
    assert (report.total_views, report.deflected, report.rate, report.per_article) == (0, 0, 0.0, ())


def test_events_are_validated() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        view("ann", "kb-1", datetime(2025, 6, 2))
    with pytest.raises(ValueError, match="event kind"):
        KnowledgeEvent(T0, "ann", "article_liked", "kb-1")  # type: ignore[arg-type]


def test_events_in_other_time_zones_compare_as_instants() -> None:
    paris = timezone(timedelta(hours=2))
    # 12:00 in Paris is 10:00 UTC, one hour after the view: not deflected
    report = deflection(
        [view("ann", "kb-1", T0), opened("ann", "INC-1", datetime(2025, 6, 2, 12, tzinfo=paris))]
    )
    assert report.deflected == 0
    assert not math.isnan(report.rate)
