"""The ``provenance`` command (who said what about a CI, and when) and the rendering of the
report of a source import (``import --format ...``): adds, changes, conflicts, retirements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import orjson
import typer
from pydantic import JsonValue
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, out_console, state_of
from cmdbgraph.ingest.sync import AttributeClaim, provenance, relationship_provenance
from cmdbgraph.ingest.sync_report import SyncReport

JSON_LIMIT = 1000
"""Entries per list in ``import --json`` (the totals are always complete)."""
_LISTS = ("added", "matched", "changed", "conflicts", "retirements", "relationships")


def _short(value: JsonValue, width: int = 60) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= width else text[: width - 1] + "…"


def _evidence(evidence: Sequence[JsonValue]) -> str:
    parts = []
    for e in evidence[:3]:
        if isinstance(e, dict):
            line = e.get("line")
            where = f"{e.get('file', '')}:{line}" if line is not None else str(e.get("file", ""))
            parts.append(f"{where} {e.get('field', '')}".strip())
    more = f" (+{len(evidence) - 3})" if len(evidence) > 3 else ""
    return "; ".join(parts) + more


@app.command("provenance")
def provenance_command(
    ctx: typer.Context,
    ci_id: Annotated[str, typer.Argument(help="CI id")],
    reveal: Annotated[bool, typer.Option(help="Show sensitive attributes")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")] = False,
) -> None:
    """Who said what about a CI, and when: every field each import source claims (with its
    evidence; the value the CI holds is marked), values written by hand, and the sources
    claiming each of its relationships."""
    state = state_of(ctx)
    store = state.open_store()
    ci = store.get_ci(ci_id)
    spec = state.registry.kinds.get(ci.kind)
    hidden = set() if reveal or spec is None else {f"attributes.{a}" for a in spec.sensitive_attributes}
    rows = [r if r.attribute not in hidden else _masked(r) for r in provenance(store, ci_id)]
    rels = relationship_provenance(store, ci_id)
    if json_out:
        emit_json(
            {
                "ci": ci_id,
                "attributes": [
                    {
                        "attribute": r.attribute,
                        "source": r.source,
                        "key": r.key,
                        "value": r.value,
                        "winner": r.winner,
                        "last_seen": r.last_seen,
                        "stale_since": r.stale_since,
                        "evidence": list(r.evidence),
                    }
                    for r in rows
                ],
                "relationships": [
                    {
                        "source_id": r.source_id,
                        "type": r.type,
                        "target_id": r.target_id,
                        "source": r.source,
                        "last_seen": r.last_seen,
                        "stale_since": r.stale_since,
                        "evidence": list(r.evidence),
                    }
                    for r in rels
                ],
            }
        )
        return
    table = Table(title=f"provenance of {ci.name} ({ci_id})")
    for column in ("field", "source", "value", "held", "last seen", "evidence"):
        table.add_column(column)
    for r in rows:
        seen = (r.last_seen or "")[:19] + (" [stale]" if r.stale_since else "")
        source = r.source if not r.key else f"{r.source} ({r.key})"
        table.add_row(
            r.attribute,
            Text(source),
            Text(_short(r.value)),
            "yes" if r.winner else "",
            seen,
            _evidence(r.evidence),
        )
    out_console.print(table)
    if rels:
        rel_table = Table(title="relationship claims")
        for column in ("relationship", "source", "last seen", "evidence"):
            rel_table.add_column(column)
        for c in rels:
            seen = (c.last_seen or "")[:19] + (" [stale]" if c.stale_since else "")
            rel_table.add_row(
                Text(f"{c.source_id} -[{c.type}]-> {c.target_id}"), c.source, seen, _evidence(c.evidence)
            )
        out_console.print(rel_table)


def _masked(row: AttributeClaim) -> AttributeClaim:
    return AttributeClaim(
        row.source, row.key, row.attribute, "***", row.last_seen, row.stale_since, row.evidence, row.winner
    )


# -- sync reports ------------------------------------------------------------------------------
def sync_report_document(report: SyncReport, limit: int = JSON_LIMIT) -> dict[str, Any]:
    """The report as JSON: each list cut at ``limit`` entries, ``totals`` counting them all."""
    doc = report.model_dump(mode="json")
    doc["totals"] = {name: len(doc[name]) for name in _LISTS}
    for name in _LISTS:
        doc[name] = doc[name][:limit]
    return doc


def sync_report_renderables(report: SyncReport, shown: int = 20) -> list[RenderableType]:
    """A summary line and one table per non-empty part (``shown`` rows each)."""
    rels = {a: sum(1 for r in report.relationships if r.action == a) for a in ("added", "claimed", "removed")}
    write = report.write
    outcome = (
        "dry run: nothing written" if report.dry_run or write is None else f"{write.changes} changes written"
    )
    summary = Text(
        f"{report.source} ({report.format}): {len(report.added)} CIs added, "
        f"{len(report.matched) - sum(len(a.keys) for a in report.added)} claims matched stored CIs, "
        f"{len(report.changed)} changes, {len(report.conflicts)} conflicts, "
        f"{len(report.retirements)} retirements; relationships {rels['added']} added, "
        f"{rels['claimed']} claimed, {rels['removed']} removed; {outcome}"
    )
    parts: list[RenderableType] = [summary]

    def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        t = Table(
            title=f"{title} ({len(rows)})"
            if len(rows) <= shown
            else f"{title} (first {shown} of {len(rows)})"
        )
        for column in columns:
            t.add_column(column)
        for row in rows[:shown]:
            t.add_row(*(Text(cell) for cell in row))
        parts.append(t)

    table(
        "added",
        ("CI", "kind", "name", "keys"),
        [(a.ci_id, a.kind, a.name, ", ".join(a.keys)) for a in report.added],
    )
    table(
        "changes",
        ("subject", "field", "old", "new", "winner"),
        [
            (
                c.subject,
                c.field,
                "" if c.old is None else _short(c.old, 30),
                "(removed)" if c.removed else _short(c.new, 30),
                c.winner,
            )
            for c in report.changed
        ],
    )
    table(
        "conflicts",
        ("subject", "field", "values", "winner"),
        [
            (c.subject, c.field, "; ".join(f"{s}: {_short(v, 30)}" for s, v in c.values.items()), c.winner)
            for c in report.conflicts
        ],
    )
    table(
        "retirements",
        ("action", "subject", "CI", "deleted after"),
        [(r.action, r.subject, r.ci_id or "", (r.expires or "")[:19]) for r in report.retirements],
    )
    table(
        "relationships",
        ("action", "relationship"),
        [
            (r.action, f"{r.source} -[{r.type}]-> {r.target}")
            for r in report.relationships
            if r.action != "changed"
        ],
    )
    if report.notes:
        parts.append(Text("notes:\n" + "\n".join(f"  - {n}" for n in report.notes[:shown])))
    return parts
