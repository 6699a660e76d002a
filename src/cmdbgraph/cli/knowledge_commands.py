"""``cmdbgraph kb``: write, show, view and rate knowledge articles, and measure self-service
deflection (``kb recommend`` and ``kb top`` live in :mod:`cmdbgraph.cli.service_commands`).

JSON shapes (``--json``, one document on stdout):

- ``kb create``, ``kb view``, ``kb feedback``: the article, ``{"id", "title", "body",
  "category", "department", "published_at", "views", "uses", "resolutions", "csat_sum",
  "csat_count", "helpful", "not_helpful", "recent_views": [{"at", "person"}], "documents":
  [CI ids], "resolved": [ticket ids]}`` (timestamps in ISO 8601).
- ``kb show``: the article and ``"score"``, its quality score now (``{"article_id", "score",
  "components": [{"name", "value", "weight", "contribution", "detail"}]}``).
- ``kb deflection``: ``{"as_of", "window_seconds", "total_views", "deflected", "rate",
  "tickets_opened", "pending", "per_article": [{"article_id", "views", "deflected", "rate"}]}``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import emit_json, out_console, state_of
from cmdbgraph.cli.service_commands import kb_app
from cmdbgraph.impact.article_score import ArticleScore
from cmdbgraph.tickets.knowledge_service import Article, KnowledgeService, NewArticle

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]


def _print(article: Article, json_out: bool, score: ArticleScore | None = None) -> None:
    if json_out:
        document = article.model_dump(mode="json")
        if score is not None:
            document["score"] = score.as_dict()
        emit_json(document)
        return
    out_console.print(Text.assemble((article.id, "bold"), " ", article.title))
    rows = [
        ("category", article.category or ""),
        ("department", article.department or ""),
        ("published", article.published_at.isoformat() if article.published_at else ""),
        ("documents", ", ".join(article.documents)),
        ("resolved", ", ".join(article.resolved)),
        (
            "usage",
            f"{article.views} views, {article.uses} uses, {article.resolutions} resolutions,"
            f" {article.helpful} helpful, {article.not_helpful} not helpful",
        ),
        (
            "csat",
            f"{article.csat_sum / article.csat_count:.2f} of {article.csat_count}"
            if article.csat_count
            else "",
        ),
        ("score", f"{score.score:.2f}" if score is not None else ""),
    ]
    table = Table(show_header=False, box=None)
    for name, value in rows:
        if value:
            table.add_row(name, Text(value))
    out_console.print(table)
    if article.body:
        out_console.print(Text(article.body))
    if score is not None:
        for c in score.components:
            out_console.print(Text(f"  {c.name}: {c.detail}"))


@kb_app.command("create")
def kb_create_command(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="The article title")],
    body: Annotated[str, typer.Option(help="The article text")] = "",
    category: Annotated[str | None, typer.Option(help="Category (as tickets use it)")] = None,
    department: Annotated[str | None, typer.Option(help="Department")] = None,
    documents: Annotated[
        list[str] | None, typer.Option("--documents", help="A CI the article is about (repeatable)")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a knowledge article documenting CIs."""
    state = state_of(ctx)
    new = NewArticle(
        title=title, body=body, category=category, department=department, documents=tuple(documents or ())
    )
    article = KnowledgeService(state.open_store(create=True)).create(new, actor=state.settings.audit_actor())
    _print(article, json_out)


@kb_app.command("show")
def kb_show_command(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id")],
    json_out: JsonOpt = False,
) -> None:
    """An article with its counters, links and quality score."""
    service = KnowledgeService(state_of(ctx).open_store())
    _print(service.get(article_id), json_out, service.score(article_id))


@kb_app.command("view")
def kb_view_command(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id")],
    person: Annotated[str, typer.Option(help="Who viewed it (Person id)")],
    json_out: JsonOpt = False,
) -> None:
    """Record that a person viewed an article (for deflection)."""
    state = state_of(ctx)
    article = KnowledgeService(state.open_store()).view(
        article_id, person, actor=state.settings.audit_actor()
    )
    _print(article, json_out)


@kb_app.command("feedback")
def kb_feedback_command(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id")],
    helpful: Annotated[bool, typer.Option("--helpful/--not-helpful", help="Whether the article helped")],
    csat: Annotated[int | None, typer.Option(help="Satisfaction rating, 1 to 5")] = None,
    ticket: Annotated[
        str | None, typer.Option(help="The ticket it was used on (helpful: the ticket is resolved by it)")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record whether an article helped, optionally with a rating and the ticket."""
    state = state_of(ctx)
    article = KnowledgeService(state.open_store()).feedback(
        article_id, actor=state.settings.audit_actor(), helpful=helpful, csat=csat, ticket=ticket
    )
    _print(article, json_out)


@kb_app.command("deflection")
def kb_deflection_command(
    ctx: typer.Context,
    window_hours: Annotated[
        float, typer.Option(min=0, help="A ticket by the viewer within this many hours: not deflected")
    ] = 24.0,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", help="Judge at this instant (ISO date-time, UTC; default now)"),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Self-service deflection: article views not followed by a ticket from the same person."""
    at = datetime.now(UTC) if as_of is None else as_of
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    report = KnowledgeService(state_of(ctx).open_store()).deflection(
        window=timedelta(hours=window_hours), as_of=at
    )
    if json_out:
        emit_json({"as_of": at.isoformat(), **report.as_dict()})
        return
    out_console.print(
        Text(
            f"{report.deflected} of {report.total_views} article views deflected ({report.rate:.0%}),"
            f" {report.pending} pending, {report.tickets_opened} tickets opened;"
            f" window {window_hours:g} hours"
        )
    )
    if report.per_article:
        table = Table(title="deflection per article")
        for column in ("article", "views", "deflected", "rate"):
            table.add_column(column)
        for a in report.per_article:
            table.add_row(Text(a.article_id), str(a.views), str(a.deflected), f"{a.rate:.0%}")
        out_console.print(table)
