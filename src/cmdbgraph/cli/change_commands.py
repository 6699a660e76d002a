"""``cmdbgraph change``: create, show, submit, approve, reject, implement and cancel changes.

With ``--json`` every command but ``implement`` prints the change as one JSON document
(:class:`~cmdbgraph.tickets.change_model.Change` fields: ``id``, ``title``, ``change_type``,
``state``, ``targets``, ``window_start``, ``window_end``, ``implementer``, ``backout_plan``,
``approvals`` [{step, approver, kind, name, role, cis, reason, decision, at, actor, note}],
``risk_score``, ``risk_level``, ``collisions`` [{kind, other, cis}], ``timeline`` [{at, state,
actor}], ``implemented_at``, ``outcome``, ``actual_changes`` [{op, id}] or null,
``caused_incidents``; timestamps in ISO 8601). ``implement --json`` prints ``{"change": {...},
"linked_incidents": [{"incident", "via", "severity", "path", "reason"}]}``.

``implement --actual FILE`` takes a graph file (JSON or YAML, ``{"cis": [...],
"relationships": [...]}``, read by :func:`~cmdbgraph.ingest.graphfile.read_graph_files` as
``import`` reads it): its records are upserted in the implementation's batch. Problems in it
name the file and record.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, out_console, state_of
from cmdbgraph.graphdb import Batch
from cmdbgraph.ingest.graphfile import read_graph_files
from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.tickets.change_model import Change, Implementation, NewChange, Outcome
from cmdbgraph.tickets.change_service import ChangeService

change_app = typer.Typer(help="Change requests: create, submit, approve, implement", no_args_is_help=True)
app.add_typer(change_app, name="change")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
ChangeArg = Annotated[str, typer.Argument(help="Change id")]
StepOpt = Annotated[str, typer.Option("--step", help="Approval step: its number or its approver's id")]


class TypeChoice(StrEnum):
    """The change types on the command line."""

    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


def _step(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _print(change: Change, json_out: bool) -> None:
    if json_out:
        emit_json(change.model_dump(mode="json"))
        return
    out_console.print(
        Text.assemble((change.id, "bold"), f" [{change.change_type}] {change.state.value}: ", change.title)
    )
    rows = [
        ("targets", ", ".join(change.targets)),
        ("window", f"{change.window_start.isoformat()} .. {change.window_end.isoformat()}"),
        ("implementer", change.implementer or ""),
        ("backout plan", change.backout_plan),
        ("risk", f"{change.risk_level} {change.risk_score:.1f}" if change.risk_level is not None else ""),
        ("implemented", change.implemented_at.isoformat() if change.implemented_at else ""),
        ("outcome", change.outcome or ""),
        ("caused incidents", ", ".join(change.caused_incidents)),
    ]
    table = Table(show_header=False, box=None)
    for name, value in rows:
        if value:
            table.add_row(name, Text(value))
    out_console.print(table)
    if change.approvals:
        approvals = Table(title="approvals")
        for column in ("step", "approver", "role", "decision", "by", "note"):
            approvals.add_column(column)
        for s in change.approvals:
            approvals.add_row(
                str(s.step),
                Text(s.approver),
                s.role,
                s.decision.value,
                Text(s.actor or ""),
                Text(s.note or ""),
            )
        out_console.print(approvals)
    for c in change.collisions:
        out_console.print(Text(f"  collision {c.kind} with {c.other or '-'}: {', '.join(c.cis)}"))
    for a in change.actual_changes or ():
        out_console.print(Text(f"  back-fill {a.op}: {a.id}"))
    for t in change.timeline:
        out_console.print(Text(f"  {t.at.isoformat()} {t.state.value} by {t.actor}"))


def _service(ctx: typer.Context) -> tuple[ChangeService, str]:
    state = state_of(ctx)
    return ChangeService(state.open_store()), state.settings.audit_actor()


@change_app.command("create")
def create_command(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="One-line summary")],
    change_type: Annotated[TypeChoice, typer.Option("--type", help="standard, normal or emergency")],
    targets: Annotated[list[str], typer.Option("--target", help="Target CI id (repeatable)")],
    start: Annotated[str, typer.Option(help="Window start, ISO 8601 with a time zone")],
    end: Annotated[str, typer.Option(help="Window end, ISO 8601 with a time zone")],
    implementer: Annotated[str | None, typer.Option(help="Person or Team id")] = None,
    backout: Annotated[str, typer.Option(help="Backout plan")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Create a draft change request on target CIs."""
    state = state_of(ctx)
    new = NewChange.checked(
        title=title,
        change_type=change_type.value,
        targets=tuple(targets),
        window_start=start,
        window_end=end,
        implementer=implementer,
        backout_plan=backout,
    )
    service = ChangeService(state.open_store(create=True))
    _print(service.create(new, actor=state.settings.audit_actor()), json_out)


@change_app.command("show")
def show_command(ctx: typer.Context, change_id: ChangeArg, json_out: JsonOpt = False) -> None:
    """A change with its approvals, collisions, back-fill and timeline."""
    _print(ChangeService(state_of(ctx).open_store()).get(change_id), json_out)


@change_app.command("submit")
def submit_command(ctx: typer.Context, change_id: ChangeArg, json_out: JsonOpt = False) -> None:
    """Assess and submit a draft: approval chain from the graph; standard changes are
    pre-approved; a freeze refuses all but emergency changes (FREEZE_COLLISION)."""
    service, actor = _service(ctx)
    _print(service.submit(change_id, actor=actor), json_out)


@change_app.command("approve")
def approve_command(
    ctx: typer.Context,
    change_id: ChangeArg,
    step: StepOpt,
    note: Annotated[str | None, typer.Option(help="Why, or conditions")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve a pending step; the last approval approves the change."""
    service, actor = _service(ctx)
    _print(service.approve(change_id, _step(step), actor=actor, note=note), json_out)


@change_app.command("reject")
def reject_command(
    ctx: typer.Context,
    change_id: ChangeArg,
    step: StepOpt,
    note: Annotated[str, typer.Option(help="Why it is rejected")],
    json_out: JsonOpt = False,
) -> None:
    """Reject a pending step, which rejects the change."""
    service, actor = _service(ctx)
    _print(service.reject(change_id, _step(step), actor=actor, note=note), json_out)


@change_app.command("implement")
def implement_command(
    ctx: typer.Context,
    change_id: ChangeArg,
    outcome: Annotated[Outcome, typer.Option(help="success or failed")],
    actual: Annotated[
        Path | None, typer.Option("--actual", help="Graph file of what really changed (back-fill)")
    ] = None,
    hours: Annotated[
        float, typer.Option("--incident-window-hours", min=0, help="Link incidents up to N hours after")
    ] = 24.0,
    json_out: JsonOpt = False,
) -> None:
    """Record an approved change's implementation, back-fill what it changed in the graph and
    link the incidents it may have caused (one transaction)."""
    service, actor = _service(ctx)
    batch: Batch | None = None
    content = None
    if actual is not None:
        content = read_graph_files([actual])
        batch = Batch(upsert_cis=content.cis, upsert_relationships=content.relationships)
    try:
        done = service.implement(
            change_id, outcome, actor=actor, actual=batch, incident_window=timedelta(hours=hours)
        )
    except InvalidInput as exc:
        if content is None:
            raise
        raise InvalidInput(
            [Problem(p.code, p.message, content.origin(p.where), p.field) for p in exc.problems]
        ) from None
    _print_implementation(done, json_out)


def _print_implementation(done: Implementation, json_out: bool) -> None:
    linked = [
        {
            "incident": i.incident,
            "via": i.via,
            "severity": i.severity,
            "path": list(i.path),
            "reason": i.reason,
        }
        for i in done.linked
    ]
    if json_out:
        emit_json({"change": done.change.model_dump(mode="json"), "linked_incidents": linked})
        return
    _print(done.change, False)
    if not linked:
        out_console.print("no incident linked")
    for i in done.linked:
        out_console.print(Text(f"  {i.incident} possibly caused by it: {i.reason}"))


@change_app.command("cancel")
def cancel_command(ctx: typer.Context, change_id: ChangeArg, json_out: JsonOpt = False) -> None:
    """Cancel a change that is not finished yet."""
    service, actor = _service(ctx)
    _print(service.cancel(change_id, actor=actor), json_out)
