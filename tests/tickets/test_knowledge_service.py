"""Knowledge articles on both stores: create, view, feedback, score and deflection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cmdbgraph.graphdb import Batch, GraphStore
from cmdbgraph.impact.article_score import rank_articles
from cmdbgraph.impact.deflection import KnowledgeEvent, deflection
from cmdbgraph.impact.knowledge import KnowledgeIndex
from cmdbgraph.schema import CINotFound, InvalidInput
from cmdbgraph.tickets.knowledge_service import RECENT_VIEWS_KEPT, ArticleView, KnowledgeService, NewArticle
from cmdbgraph.tickets.lifecycle import Event, TicketType
from cmdbgraph.tickets.model import NewTicket
from cmdbgraph.tickets.service import TicketService
from tests.clocks import FakeClock
from tests.factories import ci, depends_on

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def numbered(prefix: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"{prefix}-{n}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0, step=timedelta(0))


@pytest.fixture
def kb(store: GraphStore, clock: FakeClock) -> KnowledgeService:
    store.apply(
        Batch(
            upsert_cis=[
                ci("payroll", "BusinessService"),
                ci("db", "Database"),
                ci("alice", "Person"),
                ci("bob", "Person"),
                ci("team-dba", "Team"),
            ],
            upsert_relationships=[depends_on("payroll", "db")],
        ),
        actor="setup",
    )
    counter = numbered("KB")
    return KnowledgeService(store, clock=clock, new_id=lambda: next(counter), keep_views=3)


@pytest.fixture
def tickets(kb: KnowledgeService, clock: FakeClock) -> TicketService:
    counter = numbered("INC")
    return TicketService(kb.store, clock=clock, new_id=lambda _: next(counter))


def article(**fields: object) -> NewArticle:
    values: dict[str, object] = {
        "title": "Database failover",
        "body": "Promote the replica, then repoint the pool.",
        "category": "performance",
        "department": "IT",
        "documents": ("db",),
    }
    values.update(fields)
    return NewArticle.model_validate(values)


def incident(requester: str = "alice") -> NewTicket:
    return NewTicket(
        type=TicketType.INCIDENT, title="Payroll is slow", requester=requester, affected=("payroll",)
    )


def test_a_created_article_reads_back_with_its_links(kb: KnowledgeService) -> None:
    created = kb.create(article(documents=("payroll", "db", "db")), actor="alice")

    assert created.id == "KB-1"
    assert (created.title, created.category, created.department) == ("Database failover", "performance", "IT")
    assert created.published_at == T0
    assert created.documents == ("db", "payroll")
    assert (created.views, created.uses, created.resolutions, created.helpful, created.not_helpful) == (
        0,
    ) * 5
    assert created.recent_views == ()
    assert kb.get("KB-1") == created
    node = kb.store.get_ci("KB-1")
    assert (node.kind, node.name) == ("KnowledgeArticle", "Database failover")
    assert {r.key for r in kb.store.iter_relationships() if r.type == "DOCUMENTS"} == {
        ("KB-1", "DOCUMENTS", "db"),
        ("KB-1", "DOCUMENTS", "payroll"),
    }
    assert {e.actor for e in kb.store.history("KB-1")} == {"alice"}


def test_bad_references_are_refused_with_fields_and_nothing_is_written(kb: KnowledgeService) -> None:
    kb.create(article(), actor="alice")
    before = kb.store.last_seq()
    with pytest.raises(InvalidInput) as caught:
        kb.create(article(documents=("db", "ghost", "KB-1")), actor="alice")
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("WRONG_KIND", "documents[0]"),  # documents are sorted: KB-1, db, ghost
        ("UNKNOWN_REFERENCE", "documents[2]"),
    }
    taken = KnowledgeService(kb.store, clock=kb.clock, new_id=lambda: "db")
    with pytest.raises(InvalidInput) as caught:
        taken.create(article(), actor="alice")
    assert [(p.code, p.field) for p in caught.value.problems] == [("ARTICLE_EXISTS", "id")]
    assert kb.store.last_seq() == before
    assert kb.store.find_ci("KB-2") is None


def test_only_articles_are_articles(kb: KnowledgeService) -> None:
    for missing in ("db", "KB-404"):
        with pytest.raises(CINotFound):
            kb.get(missing)
        with pytest.raises(CINotFound):
            kb.view(missing, "alice", actor="alice")
        with pytest.raises(CINotFound):
            kb.feedback(missing, actor="alice", helpful=True)


def test_views_count_and_keep_only_the_latest(kb: KnowledgeService, clock: FakeClock) -> None:
    kb.create(article(), actor="alice")
    people = ["alice", "bob", "alice", "bob", "alice"]
    for i, person in enumerate(people):
        clock.now = T0 + timedelta(minutes=i + 1)
        last = kb.view("KB-1", person, actor="portal")

    assert last.views == 5
    assert (
        last.recent_views
        == tuple(ArticleView(at=T0 + timedelta(minutes=i + 1), person=p) for i, p in enumerate(people))[-3:]
    )
    assert kb.get("KB-1") == last
    assert RECENT_VIEWS_KEPT == KnowledgeService(kb.store).keep_views == 100
    with pytest.raises(ValueError, match="keep_views"):
        KnowledgeService(kb.store, keep_views=0)


def test_a_view_by_someone_who_is_not_a_person_is_refused(kb: KnowledgeService) -> None:
    kb.create(article(), actor="alice")
    before = kb.store.last_seq()
    for person, code in (("ghost", "UNKNOWN_REFERENCE"), ("team-dba", "WRONG_KIND")):
        with pytest.raises(InvalidInput) as caught:
            kb.view("KB-1", person, actor="portal")
        assert [(p.code, p.field) for p in caught.value.problems] == [(code, "person")]
    assert kb.store.last_seq() == before
    assert kb.get("KB-1").views == 0


def test_feedback_counts_and_a_ticket_is_resolved_once(kb: KnowledgeService, tickets: TicketService) -> None:
    kb.create(article(), actor="alice")
    first = tickets.open(incident(), actor="alice")
    second = tickets.open(incident("bob"), actor="bob")

    kb.feedback("KB-1", actor="bob", helpful=False, csat=2)
    kb.feedback("KB-1", actor="alice", helpful=True, csat=5, ticket=first.id)
    kb.feedback("KB-1", actor="alice", helpful=True, ticket=first.id)  # already linked: no new use
    kb.feedback("KB-1", actor="bob", helpful=False, csat=3, ticket=second.id)
    after = kb.get("KB-1")

    assert (after.helpful, after.not_helpful) == (2, 2)
    assert (after.csat_sum, after.csat_count) == (10.0, 3)
    assert (after.uses, after.resolutions) == (2, 1)
    assert after.resolved == (first.id,)
    links = [r.key for r in kb.store.iter_relationships() if r.type == "RESOLVED_BY"]
    assert links == [(first.id, "RESOLVED_BY", "KB-1")]
    assert kb.store.get_ci("KB-1").attributes["last_resolved_at"] == T0.isoformat(timespec="microseconds")
    assert tickets.get(first.id).requester == "alice"  # the ticket itself is untouched


def test_bad_feedback_is_refused_and_nothing_is_written(kb: KnowledgeService) -> None:
    kb.create(article(), actor="alice")
    before = kb.store.last_seq()
    with pytest.raises(InvalidInput) as caught:
        kb.feedback("KB-1", actor="bob", helpful=True, csat=6, ticket="db")
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("BAD_CSAT", "csat"),
        ("WRONG_KIND", "ticket"),
    }
    for csat, ticket, code in ((0, None, "BAD_CSAT"), (None, "INC-404", "UNKNOWN_REFERENCE")):
        with pytest.raises(InvalidInput) as caught:
            kb.feedback("KB-1", actor="bob", helpful=True, csat=csat, ticket=ticket)
        assert [p.code for p in caught.value.problems] == [code]
    assert kb.store.last_seq() == before


def test_the_score_is_the_one_the_ranking_gives(
    kb: KnowledgeService, tickets: TicketService, clock: FakeClock
) -> None:
    kb.create(article(), actor="alice")
    t = tickets.open(incident(), actor="alice")
    tickets.move(t.id, Event.ASSIGN, actor="alice", group="team-dba")
    tickets.move(t.id, Event.START, actor="alice")
    clock.now = T0 + timedelta(days=10)
    tickets.move(t.id, Event.RESOLVE, actor="alice")
    kb.feedback("KB-1", actor="alice", helpful=True, csat=4, ticket=t.id)
    clock.now = T0 + timedelta(days=40)

    score = kb.score("KB-1")
    contents = kb.store.contents()
    ranked = rank_articles(
        KnowledgeIndex.build(contents.cis, contents.relationships).articles.values(), now=clock.now
    )
    assert [r.score for r in ranked] == [score]
    assert "1 resolution in 1 use" in score.success.detail
    assert "last resolution" in score.recency.detail


def test_deflection_from_the_store_is_the_pure_function_on_its_events(
    kb: KnowledgeService, tickets: TicketService, clock: FakeClock
) -> None:
    kb.create(article(), actor="alice")
    kb.create(article(title="Payroll run", documents=("payroll",)), actor="alice")
    window = timedelta(hours=24)
    plan = [
        (T0 + timedelta(hours=1), "view", "KB-1", "alice"),  # alice opens a ticket 2 hours later
        (T0 + timedelta(hours=2), "view", "KB-2", "bob"),  # bob opens nothing: deflected
        (T0 + timedelta(hours=3), "ticket", None, "alice"),
        (T0 + timedelta(days=3), "view", "KB-1", "bob"),  # nothing yet, window still open: pending
        (T0 + timedelta(days=3, hours=1), "ticket", None, "bob"),  # after as_of: ignored
    ]
    expected: list[KnowledgeEvent] = []
    for at, what, ref, person in plan:
        clock.now = at
        if what == "view":
            assert ref is not None
            kb.view(ref, person, actor="portal")
            expected.append(KnowledgeEvent(at, person, "article_viewed", ref))
        else:
            opened = tickets.open(incident(person), actor=person)
            expected.append(KnowledgeEvent(at, person, "ticket_opened", opened.id))
    as_of = T0 + timedelta(days=3, minutes=30)

    report = kb.deflection(window=window, as_of=as_of)

    assert sorted(kb.events(), key=lambda e: (e.at, e.kind)) == expected
    assert report == deflection(expected, window=window, as_of=as_of)
    assert (report.total_views, report.deflected, report.pending, report.tickets_opened) == (2, 1, 1, 1)
    assert [(a.article_id, a.views, a.deflected) for a in report.per_article] == [
        ("KB-1", 1, 0),
        ("KB-2", 1, 1),
    ]
    assert [o.ticket for o in report.outcomes] == ["INC-1", None]
    clock.now = as_of
    assert kb.deflection(window=window) == report  # as_of defaults to the clock
