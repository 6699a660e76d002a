"""``cmdbgraph ticket``: open, show, move through the lifecycle, comment on tickets and link
problems to the incidents they cause.

With ``--json`` each prints the ticket as one JSON document (``Ticket`` fields; timestamps in
ISO 8601). ``ticket show --json`` adds ``"incidents"`` (the incidents ``CAUSED_BY`` it, sorted)
for a problem and ``"caused_by"`` (the problems and changes it is ``CAUSED_BY``, sorted) for an
incident. ``ticket link PROBLEM INCIDENT... --json`` prints ``{"problem", "linked": [the
incidents named], "incidents": [every incident of the problem]}``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, out_console, state_of
from cmdbgraph.schema.priority import Impact, Urgency
from cmdbgraph.tickets.lifecycle import Event, TicketType
from cmdbgraph.tickets.model import NewTicket, Ticket
from cmdbgraph.tickets.service import TicketService

ticket_app = typer.Typer(help="Incidents, service requests and problems on the graph", no_args_is_help=True)
app.add_typer(ticket_app, name="ticket")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]


class Level(StrEnum):
    """Impact or urgency on the command line."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_LEVEL = {Level.HIGH: 1, Level.MEDIUM: 2, Level.LOW: 3}


def _print(ticket: Ticket, json_out: bool, related: dict[str, tuple[str, ...]] | None = None) -> None:
    """The ticket; ``related`` adds lists of linked tickets by name (``incidents``, ``caused_by``)."""
    related = related or {}
    if json_out:
        emit_json({**ticket.model_dump(mode="json"), **{k: list(v) for k, v in related.items()}})
        return
    out_console.print(
        Text.assemble(
            (ticket.id, "bold"),
            f" [{ticket.type.value}] P{int(ticket.priority)} {ticket.state.value}: ",
            ticket.title,
        )
    )
    rows = [
        ("affected", ", ".join(ticket.affected)),
        ("requester", ticket.requester or ""),
        ("group", ticket.group or ""),
        ("assignee", ticket.assignee or ""),
        ("location", ticket.location or ""),
        ("category", ticket.category or ""),
        *((name.replace("_", " "), ", ".join(ids)) for name, ids in related.items()),
    ]
    table = Table(show_header=False, box=None)
    for name, value in rows:
        if value:
            table.add_row(name, Text(value))
    out_console.print(table)
    for change in ticket.timeline:
        out_console.print(Text(f"  {change.at.isoformat()} {change.state.value} by {change.actor}"))
    for note in ticket.comments:
        out_console.print(Text(f"  {note.at.isoformat()} {note.actor}: {note.text}"))


@ticket_app.command("open")
def open_command(
    ctx: typer.Context,
    ticket_type: Annotated[TicketType, typer.Option("--type", help="incident, service_request or problem")],
    title: Annotated[str, typer.Option(help="One-line summary")],
    details: Annotated[str, typer.Option(help="What the requester wrote")] = "",
    impact: Annotated[Level, typer.Option(help="How much is affected")] = Level.LOW,
    urgency: Annotated[Level, typer.Option(help="How soon it hurts")] = Level.LOW,
    affected: Annotated[
        list[str] | None, typer.Option("--affected", help="Affected CI id (repeatable)")
    ] = None,
    requester: Annotated[str | None, typer.Option(help="Person id")] = None,
    group: Annotated[str | None, typer.Option(help="Assignment group (Team id)")] = None,
    assignee: Annotated[str | None, typer.Option(help="Person id")] = None,
    location: Annotated[str | None, typer.Option(help="Location id")] = None,
    category: Annotated[str | None, typer.Option(help="Category")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a ticket (priority from the ITIL impact x urgency matrix)."""
    state = state_of(ctx)
    new = NewTicket(
        type=ticket_type,
        title=title,
        details=details,
        impact=Impact(_LEVEL[impact]),
        urgency=Urgency(_LEVEL[urgency]),
        affected=tuple(affected or ()),
        requester=requester,
        group=group,
        assignee=assignee,
        location=location,
        category=category,
    )
    ticket = TicketService(state.open_store(create=True)).open(new, actor=state.settings.audit_actor())
    _print(ticket, json_out)


@ticket_app.command("show")
def show_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")],
    json_out: JsonOpt = False,
) -> None:
    """A ticket with its links, timeline and comments (a problem with its incidents, an
    incident with the problems and changes it is caused by)."""
    service = TicketService(state_of(ctx).open_store())
    ticket = service.get(ticket_id)
    related: dict[str, tuple[str, ...]] = {}
    if ticket.type is TicketType.PROBLEM:
        related["incidents"] = service.incidents_of(ticket_id)
    elif ticket.type is TicketType.INCIDENT:
        related["caused_by"] = service.causes_of(ticket_id)
    _print(ticket, json_out, related)


@ticket_app.command("link")
def link_command(
    ctx: typer.Context,
    problem_id: Annotated[str, typer.Argument(help="The Problem")],
    incident_ids: Annotated[list[str], typer.Argument(help="Incidents it causes (one or more)")],
    json_out: JsonOpt = False,
) -> None:
    """Link incidents to the problem that causes them (incident CAUSED_BY problem)."""
    state = state_of(ctx)
    service = TicketService(state.open_store())
    incidents = service.link_problem(problem_id, incident_ids, actor=state.settings.audit_actor())
    if json_out:
        emit_json({"problem": problem_id, "linked": sorted(set(incident_ids)), "incidents": list(incidents)})
        return
    out_console.print(Text.assemble((problem_id, "bold"), " causes ", ", ".join(incidents)))


@ticket_app.command("move")
def move_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")],
    event: Annotated[
        Event, typer.Argument(help="assign, start, pend, resume, resolve, close, reopen, cancel")
    ],
    group: Annotated[str | None, typer.Option(help="With assign: the Team")] = None,
    assignee: Annotated[str | None, typer.Option(help="With assign: the Person")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Move a ticket through its lifecycle (illegal moves are refused: ILLEGAL_TRANSITION)."""
    state = state_of(ctx)
    service = TicketService(state.open_store())
    ticket = service.move(
        ticket_id, event, actor=state.settings.audit_actor(), group=group, assignee=assignee
    )
    _print(ticket, json_out)


@ticket_app.command("comment")
def comment_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")],
    text: Annotated[str, typer.Argument(help="The comment")],
    json_out: JsonOpt = False,
) -> None:
    """Add a comment to a ticket."""
    state = state_of(ctx)
    ticket = TicketService(state.open_store()).comment(ticket_id, text, actor=state.settings.audit_actor())
    _print(ticket, json_out)
