"""``cmdbgraph sla``: SLA and OLA clocks of stored tickets and tasks, and escalation ticks.

Every command takes ``--now ISO`` (default: the current time; a time without a zone is UTC).
With ``--json`` each prints one document:

- ``sla status TICKET``: ``{"ticket", "kind", "title", "state", "priority", "group", "policy",
  "policy_source" (ticket | catalog_item | priority), "target_kind", "now", "paused",
  "response": TARGET, "resolution": TARGET, "escalations": [...]}`` where TARGET is ``{"state"
  (ok | at_risk | breached | met), "clock" (running | paused | stopped), "due",
  "target_seconds", "elapsed_seconds", "remaining_seconds", "completed_at"}``.
- ``sla tasks REQUEST``: ``{"request", "now", "tasks": [{"task", "request", "key", "title",
  "task_state", "party", "party_kind", "policy", "target_kind", "note", "ola": TARGET | null}]}``.
- ``sla overview``: ``{"now", "tickets": [status documents], "unreadable": [{"ticket",
  "problems": [{"code", "message", "field"}]}]}``.
- ``sla tick``: ``{"now", "dry_run", "evaluated", "written", "actions": [{"ticket", "rule",
  "action" (notify | reassign | raise_priority), "target", "state", "applied", "to", "from",
  "detail", "reason"}], "unreadable": [...]}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, out_console, state_of
from cmdbgraph.tickets.sla import TargetStatus
from cmdbgraph.tickets.sla_reports import TicketClock, Unreadable
from cmdbgraph.tickets.sla_service import SlaService

sla_app = typer.Typer(help="SLA and OLA clocks, breaches and escalation ticks", no_args_is_help=True)
app.add_typer(sla_app, name="sla")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
NowOpt = Annotated[
    datetime | None,
    typer.Option(
        "--now", help="The instant to evaluate at (ISO date-time; UTC without a zone) [default: now]"
    ),
]
STATE_STYLE = {"ok": "green", "met": "green", "at_risk": "yellow", "breached": "bold red"}


def _aware(now: datetime | None) -> datetime | None:
    return now.replace(tzinfo=UTC) if now is not None and now.tzinfo is None else now


def _target_cells(t: TargetStatus, *, paused: bool = False) -> list[Text]:
    clock = "stopped" if not t.is_open else "paused" if paused else "running"
    return [
        Text(t.state, style=STATE_STYLE.get(t.state, "")),
        Text(clock),
        Text(t.due.isoformat(timespec="minutes")),
        Text(f"{t.elapsed.total_seconds() / 3600:.1f} / {t.target.total_seconds() / 3600:.1f} h"),
    ]


def _print_clock(clock: TicketClock) -> None:
    s = clock.status
    out_console.print(
        Text.assemble(
            (clock.ticket.id, "bold"),
            f" {s.ticket_state} P{clock.ticket.attributes.get('priority')} ",
            str(clock.ticket.attributes.get("title", "")),
        )
    )
    out_console.print(
        Text(
            f"{s.target_kind} policy {s.policy} (from the {clock.source.replace('_', ' ')}),"
            f" now {s.now.isoformat()}"
        )
    )
    table = Table()
    for column in ("target", "state", "clock", "due", "elapsed / target"):
        table.add_column(column)
    table.add_row(Text("response"), *_target_cells(s.response))
    table.add_row(Text("resolution"), *_target_cells(s.resolution, paused=s.paused))
    out_console.print(table)


def _print_unreadable(unreadable: list[Unreadable]) -> None:
    for u in unreadable:
        reasons = "; ".join(f"{p.message} [{p.code}]" for p in u.problems)
        out_console.print(Text(f"{u.ticket_id}: not timed: {reasons}"))


@sla_app.command("status")
def status_command(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(help="Ticket id")],
    now: NowOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A ticket's SLA: its policy, response and resolution due times and states."""
    clock = SlaService(state_of(ctx).open_store()).status(ticket_id, now=_aware(now))
    if json_out:
        emit_json(clock.as_dict())
        return
    _print_clock(clock)


@sla_app.command("tasks")
def tasks_command(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="The request (ticket) the tasks are TASK_OF")],
    now: NowOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The OLA of each fulfilment task of a request: who owes it, due time, state."""
    service = SlaService(state_of(ctx).open_store())
    at = _aware(now) or service.clock()
    clocks = service.tasks_of(request_id, now=at)
    if json_out:
        emit_json({"request": request_id, "now": at.isoformat(), "tasks": [c.as_dict() for c in clocks]})
        return
    if not clocks:
        out_console.print(Text(f"{request_id} has no fulfilment tasks"))
        return
    table = Table(title=f"OLAs of the tasks of {request_id}")
    for column in ("task", "task state", "party", "policy", "OLA", "clock", "due", "elapsed / target"):
        table.add_column(column)
    for c in clocks:
        head = [
            Text(c.task.id),
            Text(str(c.task.attributes.get("state"))),
            Text(c.party or "-"),
            Text(c.policy.name),
        ]
        ola = c.ola
        rest = _target_cells(ola) if ola is not None else [Text(c.note), Text(""), Text(""), Text("")]
        table.add_row(*head, *rest)
    out_console.print(table)


@sla_app.command("overview")
def overview_command(
    ctx: typer.Context,
    now: NowOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open tickets whose response or resolution is at risk or breached, soonest due first."""
    found = SlaService(state_of(ctx).open_store()).overview(now=_aware(now))
    if json_out:
        emit_json(found.as_dict())
        return
    if not found.tickets:
        out_console.print(Text(f"no open ticket is at risk or breached at {found.now.isoformat()}"))
    else:
        table = Table(title=f"at risk or breached at {found.now.isoformat(timespec='minutes')}")
        for column in ("ticket", "P", "group", "policy", "response", "resolution", "resolution due"):
            table.add_column(column)
        for c in found.tickets:
            s = c.status
            table.add_row(
                Text(c.ticket.id),
                Text(str(c.ticket.attributes.get("priority"))),
                Text(c.group or "-"),
                Text(s.policy),
                Text(s.response.state, style=STATE_STYLE.get(s.response.state, "")),
                Text(
                    s.resolution.state + (" (paused)" if s.paused else ""),
                    style=STATE_STYLE.get(s.resolution.state, ""),
                ),
                Text(s.resolution.due.isoformat(timespec="minutes")),
            )
        out_console.print(table)
    _print_unreadable(found.unreadable)


@sla_app.command("tick")
def tick_command(
    ctx: typer.Context,
    now: NowOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be done; write nothing")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Evaluate the escalation rules over every open ticket and carry out the actions due
    (notify, reassign to the parent team, raise priority), each at most once per ticket."""
    state = state_of(ctx)
    report = SlaService(state.open_store()).tick(_aware(now), dry_run, actor=state.settings.audit_actor())
    if json_out:
        emit_json(report.as_dict())
        return
    verb = "would take" if dry_run else "took"
    out_console.print(
        Text(
            f"{report.evaluated} open tickets at {report.now.isoformat()}:"
            f" {verb} {len(report.actions)} escalation actions"
        )
    )
    for a in report.actions:
        done = "" if a.applied else " [not applied]"
        out_console.print(Text(f"  {a.ticket_id} {a.rule}{done}: {a.detail} ({a.reason})"))
    _print_unreadable(report.unreadable)
