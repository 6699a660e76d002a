"""Graph commands: demo, import, export, show, stats, history, migrate."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cmdbgraph.cli.app import app, emit_json, err_console, out_console, state_of
from cmdbgraph.cli.catalog_demo import seed_demo_catalog
from cmdbgraph.cli.render import change_list, ci_panel, history_table, neighbour_table, result_summary
from cmdbgraph.graphdb import Direction, WriteResult
from cmdbgraph.graphdb.migrate import migrate as migrate_store
from cmdbgraph.ingest.demo import DEMO_MAX_SIZE, DEMO_MIN_SIZE, iter_enterprise
from cmdbgraph.ingest.graphfile import read_graph_files, write_graph_file
from cmdbgraph.ingest.graphml import write_graphml_file
from cmdbgraph.ingest.loader import load_records
from cmdbgraph.schema import CIData, Relationship, StoreError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields ``update(done, total)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _result_json(result: WriteResult) -> dict[str, Any]:
    return {
        "dry_run": result.dry_run,
        "seq": result.seq,
        "cis": {
            "added": len(result.created_cis),
            "changed": len(result.changed_cis),
            "unchanged": result.unchanged_cis,
            "removed": 0,
        },
        "relationships": {
            "added": len(result.created_relationships),
            "changed": len(result.changed_relationships),
            "unchanged": result.unchanged_relationships,
            "removed": 0,
        },
        "added_cis": result.created_cis[:100],
        "changed_cis": result.changed_cis[:100],
    }


@app.command()
def demo(
    ctx: typer.Context,
    size: Annotated[
        int, typer.Option(min=DEMO_MIN_SIZE, max=DEMO_MAX_SIZE, help="Approximate number of CIs")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same company)")] = 42,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Write in transactions of about N records (default: one)")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate a deterministic demo enterprise into the store, with the demo service catalog
    and a few requests ordered from it (the JSON adds them as "catalog")."""
    state = state_of(ctx)
    store = state.open_store(create=True)
    cis: list[CIData] = []
    rels: list[Relationship] = []
    with progress_bar("generating") as update:
        for n, record in enumerate(iter_enterprise(size, seed), 1):
            (cis if isinstance(record, CIData) else rels).append(record)  # type: ignore[arg-type]
            if n % 10_000 == 0:
                update(n, n)
        update(len(cis) + len(rels), len(cis) + len(rels))
    with progress_bar("writing") as update:
        result = load_records(
            store,
            cis,
            rels,
            actor=state.settings.audit_actor(),
            source="demo",
            batch_size=batch_size,
            progress=update,
        )
    with progress_bar("catalog") as update:
        catalog = seed_demo_catalog(store, actor=state.settings.audit_actor(), progress=update)
    if json_out:
        emit_json({**_result_json(result), "catalog": catalog.document()})
    else:
        out_console.print(result_summary(result, f"demo enterprise (size {size}, seed {seed})"))
        out_console.print(
            f"catalog: {len(catalog.items)} items published, {len(catalog.requests)} requests ordered"
            + (f", {len(catalog.existing)} already there" if catalog.existing else ""),
            markup=False,
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto, graph, backstage, kubernetes, compose or csv (auto: by content; "
            "graph files keep the graph-file import)",
        ),
    ] = "auto",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show adds, changes, conflicts and retirements; write nothing")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Source name: required for backstage/kubernetes/compose/csv (each run syncs it)"),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="Graph files: write in transactions of about N records (default: one)"),
    ] = None,
    grace_days: Annotated[
        float,
        typer.Option(
            "--grace-days", min=0, help="Days a claim the source stopped reporting stays before it is retired"
        ),
    ] = 7,
    env_file: Annotated[
        Path | None, typer.Option("--env-file", help="compose: the .env file for ${VAR} interpolation")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="csv: column mapping file, or servicenow / itop")
    ] = None,
    relationships: Annotated[
        Path | None, typer.Option("--relationships", help="csv: the relationships file")
    ] = None,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="YAML/JSON file of source precedence per field and identification rules per kind "
            "[env CMDBGRAPH_SYNC_RULES]",
        ),
    ] = None,
    allow_dangling: Annotated[
        bool,
        typer.Option(
            "--allow-dangling",
            help="backstage: references to entities not in these files become notes, not errors",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Import graph files idempotently, or sync a source (Backstage catalog, Kubernetes
    manifests, docker compose, CSV export) by reconciling its claims with the store: one
    transaction per run; what the source stopped reporting is retired after the grace period."""
    from datetime import UTC, datetime, timedelta

    from cmdbgraph.cli.provenance_commands import sync_report_document, sync_report_renderables
    from cmdbgraph.ingest.importers.detect import SourceFormat, detect_format, read_source
    from cmdbgraph.ingest.reconcile import check_source_name
    from cmdbgraph.ingest.sync import sync_source
    from cmdbgraph.ingest.sync_rules import load_sync_rules
    from cmdbgraph.schema import InvalidInput

    choices = [f.value for f in SourceFormat]
    if fmt.lower() not in choices:
        raise typer.BadParameter(f"--format must be one of {', '.join(choices)}, not {fmt!r}")
    chosen = SourceFormat(fmt.lower())
    if chosen is SourceFormat.AUTO:
        chosen = detect_format(paths)
    for option, value, wanted in (
        ("--env-file", env_file, SourceFormat.COMPOSE),
        ("--mapping", mapping, SourceFormat.CSV),
        ("--relationships", relationships, SourceFormat.CSV),
        ("--allow-dangling", allow_dangling or None, SourceFormat.BACKSTAGE),
    ):
        if value is not None and chosen is not wanted:
            raise typer.BadParameter(f"{option} applies to --format {wanted}, these paths are {chosen}")
    state = state_of(ctx)
    if chosen is SourceFormat.GRAPH:
        with err_console.status("reading and validating"):
            content = read_graph_files(paths)
        store = state.open_store(create=True)
        with progress_bar("importing") as update:
            result = load_records(
                store,
                content.cis,
                content.relationships,
                actor=state.settings.audit_actor(),
                source=source or f"file:{paths[0].name}",
                batch_size=batch_size,
                dry_run=dry_run,
                origin=content.origin,
                progress=update,
            )
        if json_out:
            emit_json(_result_json(result))
        else:
            title = "dry run: nothing written" if dry_run else "imported"
            out_console.print(result_summary(result, title))
            if dry_run:
                out_console.print(change_list(result))
        return
    if source is None:
        raise typer.BadParameter(f"--source NAME is required for --format {chosen}")
    if check_source_name(source):
        raise InvalidInput(check_source_name(source))
    if batch_size is not None:
        raise typer.BadParameter("--batch-size applies to graph files; a source sync is one transaction")
    rules_file = rules_file or state.settings.sync_rules
    rules, precedence = load_sync_rules(rules_file) if rules_file is not None else (None, None)
    with progress_bar(f"reading {chosen}") as update:
        graph = read_source(
            chosen,
            paths,
            env_file=env_file,
            mapping=mapping,
            relationships=relationships,
            allow_dangling=allow_dangling,
            progress=update,
        )
        update(len(graph.cis) + len(graph.relationships), len(graph.cis) + len(graph.relationships))
    store = state.open_store(create=True)
    with progress_bar("reconciling and writing") as update:
        report = sync_source(
            store,
            graph,
            source=source,
            actor=state.settings.audit_actor(),
            now=datetime.now(UTC),
            grace=timedelta(days=grace_days),
            rules=rules,
            precedence=precedence,
            dry_run=dry_run,
            progress=update,
        )
    if json_out:
        emit_json(sync_report_document(report))
    else:
        for part in sync_report_renderables(report, shown=200 if dry_run else 20):
            out_console.print(part)


@app.command()
def export(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="Output file (stdout when omitted)")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="json, yaml or graphml (default: by suffix)")
    ] = None,
) -> None:
    """Export the whole graph as a canonical graph file, or as GraphML (for Gephi, yEd, networkx)."""
    by_suffix = {".yaml": "yaml", ".yml": "yaml", ".graphml": "graphml"}
    chosen = fmt or (by_suffix.get(path.suffix, "json") if path is not None else "json")
    if chosen not in ("json", "yaml", "graphml"):
        raise typer.BadParameter("--format must be json, yaml or graphml")
    store = state_of(ctx).open_store()
    target = path if path is not None else sys.stdout.buffer
    if chosen == "graphml":
        write_graphml_file(target, store.iter_cis(), store.iter_relationships())
    else:
        write_graph_file(
            target, store.iter_cis(), store.iter_relationships(), "yaml" if chosen == "yaml" else "json"
        )
    if path is not None:
        counts = store.counts()
        err_console.print(f"wrote {counts.cis} CIs and {counts.relationships} relationships to {path}")


@app.command()
def show(
    ctx: typer.Context,
    ci_id: Annotated[str, typer.Argument(help="CI id")],
    reveal: Annotated[bool, typer.Option(help="Show sensitive attributes")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Show one CI, its attributes and its relationships."""
    state = state_of(ctx)
    store = state.open_store()
    ci = store.get_ci(ci_id)
    neighbours = store.neighbours(ci_id, Direction.BOTH)
    spec = state.registry.kinds.get(ci.kind)
    hidden = set() if reveal or spec is None else set(spec.sensitive_attributes)
    if json_out:
        doc = ci.model_dump(mode="json")
        doc["attributes"] = {k: ("***" if k in hidden else v) for k, v in ci.attributes.items()}
        doc["relationships"] = [
            {
                "direction": n.direction,
                "type": n.relationship.type,
                "ci": n.ci.id,
                "optional": n.relationship.optional,
                "redundancy_group": n.relationship.redundancy_group,
            }
            for n in neighbours
        ]
        emit_json(doc)
        return
    out_console.print(ci_panel(ci, hidden))
    out_console.print(neighbour_table(neighbours))


@app.command()
def stats(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Counts of CIs by kind and status, and relationships by type."""
    counts = state_of(ctx).open_store().counts()
    if json_out:
        emit_json(
            {
                "cis": counts.cis,
                "relationships": counts.relationships,
                "by_kind": counts.by_kind,
                "by_status": counts.by_status,
                "by_rel_type": counts.by_rel_type,
                "last_seq": counts.last_seq,
            }
        )
        return
    out_console.print(
        f"[bold]{counts.cis}[/] CIs, [bold]{counts.relationships}[/] relationships, "
        f"last change #{counts.last_seq}"
    )
    table = Table(title="CIs by kind")
    table.add_column("kind")
    table.add_column("CIs", justify="right")
    for kind, n in counts.by_kind.items():
        table.add_row(kind, str(n))
    rel_table = Table(title="relationships by type")
    rel_table.add_column("type")
    rel_table.add_column("count", justify="right")
    for rel_type, n in counts.by_rel_type.items():
        rel_table.add_row(rel_type, str(n))
    out_console.print(table)
    out_console.print(rel_table)
    out_console.print("status: " + ", ".join(f"{k} {v}" for k, v in counts.by_status.items()))


@app.command()
def history(
    ctx: typer.Context,
    ci_id: Annotated[str, typer.Argument(help="CI id")],
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    reveal: Annotated[bool, typer.Option(help="Show sensitive attributes")] = False,
    json_out: JsonOpt = False,
) -> None:
    """The audit history of a CI and its relationships, newest first."""
    state = state_of(ctx)
    entries = state.open_store().history(ci_id, limit=limit)

    def masked(doc: dict[str, Any] | None, entity: str) -> dict[str, Any] | None:
        """A CI document with its kind's sensitive attributes shown as ``***`` (as in show)."""
        if doc is None or reveal or entity != "ci" or not isinstance(doc.get("attributes"), dict):
            return doc
        spec = state.registry.kinds.get(str(doc.get("kind")))
        hidden = set() if spec is None else spec.sensitive_attributes
        attributes = {k: ("***" if k in hidden else v) for k, v in doc["attributes"].items()}
        return {**doc, "attributes": attributes}

    if json_out:
        emit_json(
            {
                "ci": ci_id,
                "entries": [
                    {
                        "seq": e.seq,
                        "at": e.at.isoformat(),
                        "actor": e.actor,
                        "entity": e.entity,
                        "key": e.key if isinstance(e.key, str) else list(e.key),
                        "op": e.op,
                        "before": masked(e.before, e.entity),
                        "after": masked(e.after, e.entity),
                    }
                    for e in entries
                ],
            }
        )
        return
    out_console.print(history_table(ci_id, entries))


@app.command()
def migrate(
    ctx: typer.Context,
    from_uri: Annotated[
        str, typer.Option("--from", help="Source store URI (a file, sqlite:///…, neo4j://…)")
    ],
    to_uri: Annotated[str, typer.Option("--to", help="Target store URI; must be empty (created if a file)")],
    json_out: JsonOpt = False,
) -> None:
    """Copy a whole graph with its history between two stores, then verify the counts.

    Neo4j logins come from the global --neo4j-* options / CMDBGRAPH_NEO4J_* (the same for both).
    """
    state = state_of(ctx)
    source = state.open_uri(from_uri, create=False)
    target = state.open_uri(to_uri, create=True)
    with progress_bar("reading history") as read_update, progress_bar("writing") as write_update:

        def update(phase: str, done: int, total: int) -> None:
            (read_update if phase == "read" else write_update)(done, total)

        result = migrate_store(source, target, progress=update)
    if json_out:
        emit_json(
            {
                "changes": result.changes,
                "verified": result.verified,
                "source": {"cis": result.source.cis, "relationships": result.source.relationships},
                "target": {"cis": result.target.cis, "relationships": result.target.relationships},
            }
        )
    else:
        out_console.print(
            f"copied {result.changes} changes: {result.target.cis} CIs, "
            f"{result.target.relationships} relationships "
            + ("[green]verified[/]" if result.verified else "[red]counts differ[/]")
        )
    if not result.verified:
        raise StoreError(f"the copy does not match: source {result.source}, target {result.target}")
