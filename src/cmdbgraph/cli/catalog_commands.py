"""``cmdbgraph catalog``: the service catalog, the requests ordered from it and their approvals
and tasks (the catalog part of ``cmdbgraph demo`` is :mod:`cmdbgraph.cli.catalog_demo`).

With ``--json`` each command prints one document:

- ``catalog list``: ``{"items": [{"id", "department", "title", "description", "sla_policy",
  "responsible_group", "fields": [name ...], "approvals": [key ...], "tasks": [key ...]}]}``
  (by id);
- ``catalog show ITEM``: the item's definition (``CatalogItem`` fields: ``id``,
  ``department``, ``title``, ``description``, ``form``, ``rules``, ``sla_policy``,
  ``responsible_group``, ``approvals``, ``tasks``);
- ``catalog request``, ``tasks``, ``complete``, ``approve``, ``reject``: the request as it is
  afterwards, ``{"request": <the ticket, as ticket show --json>, "tasks": [{"id", "request",
  "key", "title", "task_type", "state", "after", "stage", "position", "group", "assignee",
  "opened_at", "finished_at", "actor", "note"}]}`` (by stage, then item order; skipped last).

Answers: ``--answer NAME=VALUE`` (repeatable) is read as the field's type: ``integer`` and
``number`` fields take numbers, ``boolean`` fields ``true``/``false``/``yes``/``no``,
``multi_choice`` fields a comma-separated list (or the option repeated); every other type is
text. Text that does not read as the type is passed on unchanged, so the form's validation
names the field (``FIELD_TYPE``). ``--answers FILE.json`` gives a JSON object of answers, which
``--answer`` options override. Problems exit with code 2 and name the field: ``form.<name>``
for an answer, ``--answer`` / ``--answers`` for an option that cannot be read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import JsonValue
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, out_console, state_of
from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.tickets.catalog import CatalogItem
from cmdbgraph.tickets.catalog_form import FormField
from cmdbgraph.tickets.catalog_store import CatalogStore
from cmdbgraph.tickets.requests import CatalogRequest, RequestService

catalog_app = typer.Typer(
    help="The service catalog: items, requests, their approvals and tasks", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


# ----------------------------------------------------------------------------------- answers
def parse_answers(
    item: CatalogItem, texts: Sequence[str], base: Mapping[str, JsonValue] | None = None
) -> dict[str, JsonValue]:
    """``base`` (answers from a file) overridden by ``NAME=VALUE`` texts read as the fields'
    types (module docstring). ``BAD_ANSWER`` (field ``--answer``) for a text without ``=``,
    ``DUPLICATE_ANSWER`` (field ``form.<name>``) for a single-valued field given twice."""
    fields = item.fields
    given: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for text in texts:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(
                Problem("BAD_ANSWER", f"expected NAME=VALUE, got {text!r}", where=item.id, field="--answer")
            )
            continue
        given.setdefault(name, []).append(value)
    answers: dict[str, JsonValue] = dict(base or {})
    for name, values in given.items():
        f = fields.get(name)
        if f is not None and f.type == "multi_choice":
            answers[name] = [part.strip() for v in values for part in v.split(",") if part.strip()]
        elif len(values) > 1:
            problems.append(
                Problem(
                    "DUPLICATE_ANSWER",
                    f"{name} is answered {len(values)} times; it takes one value",
                    where=item.id,
                    field=f"form.{name}",
                )
            )
        else:
            answers[name] = values[0] if f is None else _typed(f, values[0])
    if problems:
        raise InvalidInput(problems)
    return answers


def _typed(f: FormField, text: str) -> JsonValue:
    """``text`` as a value of ``f``'s type, or unchanged when it does not read as one."""
    stripped = text.strip()
    match f.type:
        case "integer":
            try:
                return int(stripped)
            except ValueError:
                pass
            try:
                number = float(stripped)
            except ValueError:
                return text
            return int(number) if number.is_integer() else text
        case "number":
            try:
                return int(stripped)
            except ValueError:
                pass
            try:
                number = float(stripped)
            except ValueError:
                return text
            return number if math.isfinite(number) else text
        case "boolean":
            lowered = stripped.lower()
            return True if lowered in _TRUE else False if lowered in _FALSE else text
        case _:
            return text


def _answers_file(path: Path | None, item_id: str) -> dict[str, JsonValue]:
    if path is None:
        return {}
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise InvalidInput.one(
            "BAD_ANSWERS_FILE", f"cannot read {path}: {exc.strerror}", where=item_id, field="--answers"
        ) from None
    except orjson.JSONDecodeError as exc:
        raise InvalidInput.one(
            "BAD_ANSWERS_FILE", f"{path} is not JSON: {exc}", where=item_id, field="--answers"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput.one(
            "BAD_ANSWERS_FILE", f"{path} must hold a JSON object of answers", where=item_id, field="--answers"
        )
    return data


# ----------------------------------------------------------------------------------- rendering
def _summary(item: CatalogItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "department": item.department,
        "title": item.title,
        "description": item.description,
        "sla_policy": item.sla_policy,
        "responsible_group": item.responsible_group,
        "fields": [f.name for f in item.form],
        "approvals": [a.key for a in item.approvals],
        "tasks": [t.key for t in item.tasks.tasks],
    }


def _request_document(request: CatalogRequest) -> dict[str, Any]:
    return {
        "request": request.ticket.model_dump(mode="json"),
        "tasks": [t.model_dump(mode="json") for t in request.tasks],
    }


def _print_request(request: CatalogRequest, json_out: bool) -> None:
    if json_out:
        emit_json(_request_document(request))
        return
    ticket = request.ticket
    out_console.print(
        Text.assemble(
            (ticket.id, "bold"),
            f" [{ticket.extra.get('catalog_item', '')}] {ticket.state.value}: ",
            ticket.title,
        )
    )
    out_console.print(Text(f"requested by {ticket.requester or '?'}, for {ticket.group or '?'}"))
    table = Table(title=f"approvals and tasks (ids: {ticket.id}-<key>)")
    for column in ("stage", "key", "type", "state", "assigned to", "after"):
        table.add_column(column, no_wrap=column == "key")
    for t in request.tasks:
        table.add_row(
            "" if t.stage is None else str(t.stage),
            Text(t.key),
            t.task_type.value,
            t.state.value,
            Text(t.assignee or t.group or ""),
            Text(", ".join(t.after)),
        )
    out_console.print(table)
    for note in ticket.comments:
        out_console.print(Text(f"  {note.at.isoformat()} {note.actor}: {note.text}"))


def _field_details(f: FormField) -> str:
    parts = []
    if f.choices:
        parts.append(
            "one of " + ", ".join(f.choices) if f.type == "choice" else "any of " + ", ".join(f.choices)
        )
    if f.min is not None:
        parts.append(f"min {f.min}")
    if f.max is not None:
        parts.append(f"max {f.max}")
    if f.pattern is not None:
        parts.append(f"pattern {f.pattern}")
    if f.ci_kind is not None:
        parts.append(f"a {f.ci_kind}")
    if f.help:
        parts.append(f.help)
    return "; ".join(parts)


def _print_item(item: CatalogItem) -> None:
    out_console.print(Text.assemble((item.id, "bold"), f" [{item.department}] ", item.title))
    if item.description:
        out_console.print(Text(item.description))
    out_console.print(Text(f"SLA policy {item.sla_policy}, handled by {item.responsible_group}"))
    form = Table(title="form")
    for column in ("field", "label", "type", "required", "details"):
        form.add_column(column)
    for f in item.form:
        form.add_row(
            Text(f.name), Text(f.label), f.type, "yes" if f.required else "", Text(_field_details(f))
        )
    out_console.print(form)
    for rule in item.rules:
        out_console.print(Text(f"  rule: {rule.kind} {rule.field} when {rule.when.describe()}"))
    if item.approvals:
        approvals = Table(title="approvals, in order")
        for column in ("key", "title", "approver", "applies when"):
            approvals.add_column(column)
        for a in item.approvals:
            when = " or ".join(c.describe() for c in a.when_any) or "always"
            approvals.add_row(Text(a.key), Text(a.title), Text(a.describe_approver()), Text(when))
        out_console.print(approvals)
    tasks = Table(title="fulfilment tasks")
    for column in ("key", "title", "group", "after", "when"):
        tasks.add_column(column)
    for t in item.tasks.tasks:
        when = t.when.describe() if t.when is not None else "always"
        tasks.add_row(Text(t.key), Text(t.title), Text(t.group), Text(", ".join(t.after)), Text(when))
    out_console.print(tasks)


# ----------------------------------------------------------------------------------- commands
@catalog_app.command("list")
def list_command(
    ctx: typer.Context,
    department: Annotated[
        str | None, typer.Option(help="Only this department: hr, facilities, finance, legal, it")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """The published catalog items."""
    items = CatalogStore(state_of(ctx).open_store()).list(department)
    if json_out:
        emit_json({"items": [_summary(i) for i in items]})
        return
    table = Table(title=f"{len(items)} catalog items")
    for column in ("id", "department", "title", "group", "approvals", "tasks"):
        table.add_column(column, no_wrap=column == "id")
    for i in items:
        table.add_row(
            Text(i.id),
            i.department,
            Text(i.title),
            Text(i.responsible_group),
            str(len(i.approvals)),
            str(len(i.tasks.tasks)),
        )
    out_console.print(table)


@catalog_app.command("show")
def show_command(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="Catalog item id")],
    json_out: JsonOpt = False,
) -> None:
    """A catalog item: its form, rules, approvals and fulfilment tasks."""
    item = CatalogStore(state_of(ctx).open_store()).get(item_id)
    if json_out:
        emit_json(item.model_dump(mode="json"))
    else:
        _print_item(item)


@catalog_app.command("request")
def request_command(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="Catalog item id")],
    requester: Annotated[str, typer.Option(help="Person id of the requester")],
    answer: Annotated[
        list[str] | None, typer.Option("--answer", help="NAME=VALUE, one form answer (repeatable)")
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers", help="JSON file with an object of answers")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Order a catalog item: validate the form, then open the request with its tasks."""
    state = state_of(ctx)
    service = RequestService(state.open_store())
    item = service.catalog.get(item_id)
    answers = parse_answers(item, answer or [], _answers_file(answers_file, item.id))
    request = service.submit(item.id, answers, requester, actor=state.settings.audit_actor())
    _print_request(request, json_out)


@catalog_app.command("tasks")
def tasks_command(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id (a ticket ordered from the catalog)")],
    json_out: JsonOpt = False,
) -> None:
    """A request with its approvals and tasks."""
    _print_request(RequestService(state_of(ctx).open_store()).get(request_id), json_out)


@catalog_app.command("complete")
def complete_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Task id (<request>-<key>)")],
    note: Annotated[str, typer.Option(help="What was done")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Complete a ready task (the next ones become ready; the last one resolves the request)."""
    state = state_of(ctx)
    service = RequestService(state.open_store())
    _print_request(service.complete(task_id, actor=state.settings.audit_actor(), note=note), json_out)


@catalog_app.command("approve")
def approve_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Approval id (<request>-<key>)")],
    note: Annotated[str, typer.Option(help="A remark for the record")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Approve a ready approval (the next level, or the first tasks, become ready)."""
    state = state_of(ctx)
    service = RequestService(state.open_store())
    _print_request(service.approve(task_id, actor=state.settings.audit_actor(), note=note), json_out)


@catalog_app.command("reject")
def reject_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Approval id (<request>-<key>)")],
    note: Annotated[str, typer.Option(help="Why the request is rejected")],
    json_out: JsonOpt = False,
) -> None:
    """Reject a ready approval: the request and its open tasks are cancelled."""
    state = state_of(ctx)
    service = RequestService(state.open_store())
    _print_request(service.reject(task_id, actor=state.settings.audit_actor(), note=note), json_out)
