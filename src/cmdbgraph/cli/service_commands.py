"""Service-management commands: change-risk, route, kpis, kb recommend, kb top.

``change-risk CHANGE --json`` prints ``{"change", "title", "state", "targets", "window",
"risk": {"score", "level", "factors": [...]}, "collisions": [...], "implementation_order",
"rollback_order", "cycles", "checklist": [...], "approvals": [...]}``.

``route TICKET --json`` prints the routing decision: ``{"ticket_id", "group", "assignee",
"rule", "reason", "path", "hops", "escalation", "candidates", "unknown_cis"}`` (and
``"assigned": true`` when ``--assign`` recorded it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, err_console, out_console, state_of
from cmdbgraph.impact.article_score import rank_articles
from cmdbgraph.impact.knowledge import KnowledgeIndex, recommend_for_ticket
from cmdbgraph.schema import CINotFound
from cmdbgraph.tickets.changes import ChangeAssessment, assess_change
from cmdbgraph.tickets.dispatch import route_ticket
from cmdbgraph.tickets.kpis import departments, kpis
from cmdbgraph.tickets.lifecycle import Event
from cmdbgraph.tickets.service import TicketService

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
LEVEL_STYLE = {"low": "green", "medium": "yellow", "high": "bold red", "critical": "bold white on red"}


def _document(a: ChangeAssessment) -> dict[str, object]:
    return {
        "change": a.change.id,
        "title": a.title,
        "state": a.state,
        "type": a.change.change_type,
        "targets": list(a.change.targets),
        "window": {"start": a.change.window.start.isoformat(), "end": a.change.window.end.isoformat()},
        "risk": {
            "score": round(a.risk.score, 3),
            "level": a.risk.level,
            "factors": [
                {
                    "factor": f.factor,
                    "value": round(f.value, 3),
                    "weight": f.weight,
                    "contribution": round(f.contribution, 3),
                    "detail": f.detail,
                }
                for f in a.risk.factors
            ],
        },
        "collisions": [
            {
                "kind": c.kind,
                "other": c.other,
                "cis": list(c.cis),
                "detail": c.detail,
                "paths": [list(p) for p in c.paths],
            }
            for c in a.collisions
        ],
        "implementation_order": list(a.order.implementation),
        "rollback_order": list(a.order.rollback),
        "cycles": [list(c) for c in a.order.cycles],
        "checklist": [
            {"ci": i.ci, "role": i.role, "severity": i.severity, "path": list(i.path), "check": i.check}
            for i in a.checklist
        ],
        "approvals": [
            {"approver": s.approver, "kind": s.kind, "role": s.role, "cis": list(s.cis), "reason": s.reason}
            for s in a.approvals
        ],
    }


@app.command("change-risk")
def change_risk_command(
    ctx: typer.Context,
    change_id: Annotated[str, typer.Argument(help="The ChangeRequest to assess")],
    json_out: JsonOpt = False,
) -> None:
    """Pre-change assessment: risk and why, collisions, rollback order, checklist, approvers."""
    store = state_of(ctx).open_store()
    with err_console.status("assessing the change"):
        a = assess_change(store, change_id)
    if json_out:
        emit_json(_document(a))
        return
    out_console.print(
        Text.assemble(
            (f"{a.change.id}", "bold"),
            f" {a.title} ({a.change.change_type}, {a.state}) on {', '.join(a.change.targets)}\nrisk ",
            (f"{a.risk.level} {a.risk.score:.1f}", LEVEL_STYLE.get(a.risk.level, "")),
        )
    )
    factors = Table(title="risk factors")
    for column in ("factor", "value", "weight", "contribution", "detail"):
        factors.add_column(column)
    for f in a.risk.factors:
        factors.add_row(f.factor, f"{f.value:.2f}", f"{f.weight:g}", f"{f.contribution:.1f}", Text(f.detail))
    out_console.print(factors)
    if a.collisions:
        table = Table(title=f"{len(a.collisions)} collisions")
        for column in ("kind", "with", "CIs", "detail"):
            table.add_column(column)
        for c in a.collisions:
            table.add_row(c.kind, Text(c.other or ""), Text(", ".join(c.cis)), Text(c.detail))
        out_console.print(table)
    else:
        out_console.print("no collisions")
    out_console.print(Text("rollback order: " + " -> ".join(a.order.rollback)))
    approvals = Table(title="approvals")
    for column in ("approver", "role", "reason"):
        approvals.add_column(column)
    for s in a.approvals:
        approvals.add_row(Text(s.approver), s.role, Text(s.reason))
    out_console.print(approvals)
    checklist = Table(title="acceptance checklist")
    for column in ("CI", "role", "check"):
        checklist.add_column(column)
    for i in a.checklist:
        checklist.add_row(Text(i.ci), i.role, Text(i.check))
    out_console.print(checklist)


@app.command("route")
def route_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="The ticket to route")],
    assign: Annotated[bool, typer.Option("--assign", help="Record the decision (assign the ticket)")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Who should work on a ticket, and the path in the graph that decided it."""
    state = state_of(ctx)
    store = state.open_store()
    decision = route_ticket(store, ticket_id)
    assigned = False
    if assign and decision.group is not None:
        TicketService(store).move(
            ticket_id,
            Event.ASSIGN,
            actor=state.settings.audit_actor(),
            group=decision.group,
            assignee=decision.assignee,
        )
        assigned = True
    if json_out:
        emit_json({**decision.as_dict(), "assigned": assigned})
        return
    if decision.group is None:
        out_console.print(Text(f"{ticket_id}: unrouted — {decision.reason}"))
        return
    out_console.print(
        Text.assemble(
            (ticket_id, "bold"),
            " -> ",
            (decision.group, "bold green"),
            f" / {decision.assignee or 'no assignee'} ({decision.rule})"
            + (" [assigned]" if assigned else ""),
        )
    )
    out_console.print(Text(decision.reason))
    if decision.path:
        out_console.print(Text("path: " + " -> ".join(decision.path)))
    if decision.escalation:
        out_console.print(Text("escalation: " + " -> ".join(decision.escalation)))


@app.command("kpis")
def kpis_command(
    ctx: typer.Context,
    department: Annotated[
        str | None, typer.Option(help="Only this department (default: all, and each)")
    ] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", help="Tickets opened from (ISO date-time, UTC)")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", help="... up to, not including (ISO date-time, UTC)")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Service KPIs: self-service, first-contact resolution, SLA compliance, MTTA/MTTR, CSAT,
    NPS, complaints, tickets per agent, automation, change success — overall and per department."""
    start = start.replace(tzinfo=UTC) if start is not None and start.tzinfo is None else start
    end = end.replace(tzinfo=UTC) if end is not None and end.tzinfo is None else end
    contents = state_of(ctx).open_store().contents()
    names = [department] if department is not None else [None, *departments(contents)]
    rows = [kpis(contents, department=name, start=start, end=end) for name in names]
    if json_out:
        emit_json(
            {
                "from": start and start.isoformat(),
                "to": end and end.isoformat(),
                "kpis": [r.as_dict() for r in rows],
            }
        )
        return
    table = Table(title="service KPIs")
    fields = [k for k in rows[0].as_dict() if k != "department"]
    table.add_column("KPI")
    for r in rows:
        table.add_column(r.department or "all", justify="right")
    for name in fields:
        cells = []
        for r in rows:
            value = r.as_dict()[name]
            cells.append("-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value))
        table.add_row(name, *cells)
    out_console.print(table)


kb_app = typer.Typer(help="Knowledge articles: recommendations and ranking", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("recommend")
def kb_recommend_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="The ticket to find articles for")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    json_out: JsonOpt = False,
) -> None:
    """Articles for a ticket: graph proximity to its CIs, text match, category, article quality."""
    contents = state_of(ctx).open_store().contents()
    ticket = next((c for c in contents.cis if c.id == ticket_id), None)
    if ticket is None or ticket.kind not in ("Incident", "ServiceRequest", "Problem"):
        raise CINotFound(ticket_id)
    affected = [r.target for r in contents.relationships if r.source == ticket_id and r.type == "AFFECTS"]
    text = f"{ticket.attributes.get('title', '')} {ticket.attributes.get('details', '')}"
    category = ticket.attributes.get("category")
    found = recommend_for_ticket(
        KnowledgeIndex.build(contents.cis, contents.relationships),
        affected_cis=affected,
        text=text,
        category=category if isinstance(category, str) else None,
        now=datetime.now(UTC),
        limit=limit,
    )
    if json_out:
        emit_json({"ticket": ticket_id, "recommendations": [r.as_dict() for r in found]})
        return
    if not found:
        out_console.print(Text(f"no article matches {ticket_id}"))
        return
    table = Table(title=f"articles for {ticket_id}")
    for column in ("article", "score", "why"):
        table.add_column(column)
    for r in found:
        table.add_row(Text(r.article_id), f"{r.score:.2f}", Text(r.reason))
    out_console.print(table)


@kb_app.command("top")
def kb_top_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    json_out: JsonOpt = False,
) -> None:
    """The best articles by success rate, recency and satisfaction."""
    contents = state_of(ctx).open_store().contents()
    index = KnowledgeIndex.build(contents.cis, contents.relationships)
    ranked = rank_articles(index.articles.values(), now=datetime.now(UTC))[:limit]
    if json_out:
        emit_json({"articles": [r.score.as_dict() for r in ranked]})
        return
    table = Table(title="knowledge articles")
    for column in ("rank", "article", "score"):
        table.add_column(column)
    for r in ranked:
        table.add_row(str(r.rank), Text(r.score.article_id), f"{r.score.score:.2f}")
    out_console.print(table)
