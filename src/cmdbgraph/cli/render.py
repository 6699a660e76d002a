"""Rich renderings of CIs, neighbours, history and write results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cmdbgraph.graphdb import HistoryEntry, Neighbour, WriteResult
from cmdbgraph.schema import CI

_STATUS_STYLE = {
    "operational": "green",
    "degraded": "yellow",
    "down": "red",
    "maintenance": "blue",
    "retired": "dim",
}
_CONTENT = ("kind", "name", "criticality", "status", "attributes")


def ci_panel(ci: CI, hidden: set[str]) -> Panel:
    """A panel with the CI's fields, attributes (``hidden`` ones masked) and provenance."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("kind", ci.kind)
    table.add_row("criticality", str(ci.criticality))
    table.add_row("status", Text(ci.status.value, style=_STATUS_STYLE.get(ci.status.value, "")))
    for key in sorted(ci.attributes):
        value = "***" if key in hidden else str(ci.attributes[key])
        table.add_row(f"  {key}", Text(value))
    if ci.provenance is not None:
        table.add_row("source", Text(ci.provenance.source))
        table.add_row("first seen", ci.provenance.first_seen.isoformat(timespec="seconds"))
        table.add_row("last seen", ci.provenance.last_seen.isoformat(timespec="seconds"))
    title = Text(f"{ci.name} ({ci.id})")
    return Panel(Group(table), title=title, expand=False)


def neighbour_table(neighbours: Sequence[Neighbour]) -> Table:
    """One row per relationship of a CI."""
    table = Table(title=f"{len(neighbours)} relationships")
    for column in ("direction", "type", "CI", "kind", "name", "notes"):
        table.add_column(column)
    for n in neighbours:
        rel = n.relationship
        notes = []
        if rel.optional:
            notes.append("optional")
        if rel.redundancy_group:
            quorum = f" min_up {rel.min_up}" if rel.min_up is not None else ""
            notes.append(f"group {rel.redundancy_group}{quorum}")
        arrow = "->" if n.direction == "out" else "<-"
        table.add_row(arrow, rel.type, Text(n.ci.id), n.ci.kind, Text(n.ci.name), ", ".join(notes))
    return table


def _changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before is None or after is None:
        return ""
    changed = [k for k in _CONTENT if before.get(k) != after.get(k)]
    for k in ("optional", "redundancy_group", "min_up"):
        if before.get(k) != after.get(k):
            changed.append(k)
    return ", ".join(changed)


def history_table(ci_id: str, entries: Sequence[HistoryEntry]) -> Table:
    """One row per history entry, newest first."""
    table = Table(title=f"history of {ci_id}")
    for column in ("#", "at", "actor", "op", "what", "changed"):
        table.add_column(column)
    for e in entries:
        what = e.key if isinstance(e.key, str) else f"{e.key[0]} -[{e.key[1]}]-> {e.key[2]}"
        table.add_row(
            str(e.seq),
            e.at.isoformat(timespec="seconds"),
            Text(e.actor),
            e.op,
            Text(what),
            _changed_fields(e.before, e.after),
        )
    return table


def result_summary(result: WriteResult, title: str) -> Table:
    """Added / changed / unchanged / removed per entity."""
    table = Table(title=title)
    for column in ("", "added", "changed", "unchanged", "removed"):
        table.add_column(column, justify="right")
    table.add_row(
        "CIs",
        str(len(result.created_cis)),
        str(len(result.changed_cis)),
        str(result.unchanged_cis),
        str(len(result.deleted_cis)),
    )
    table.add_row(
        "relationships",
        str(len(result.created_relationships)),
        str(len(result.changed_relationships)),
        str(result.unchanged_relationships),
        str(len(result.deleted_relationships)),
    )
    return table


def change_list(result: WriteResult, shown: int = 20) -> Text:
    """The first ``shown`` ids of what a (dry-run) import would add or change."""
    text = Text()
    sections = (
        ("add CI", result.created_cis),
        ("change CI", result.changed_cis),
        ("add relationship", [f"{s} -[{t}]-> {b}" for s, t, b in result.created_relationships]),
        ("change relationship", [f"{s} -[{t}]-> {b}" for s, t, b in result.changed_relationships]),
    )
    for label, items in sections:
        for item in items[:shown]:
            text.append(f"  {label}: ", style="bold").append(f"{item}\n")
        if len(items) > shown:
            text.append(f"  ... and {len(items) - shown} more ({label})\n", style="dim")
    if not text:
        text.append("  nothing would change (nothing is ever removed by an import)\n")
    return text
