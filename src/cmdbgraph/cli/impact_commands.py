"""Analysis commands: impact, depends-on, root-cause, health.

Each loads the store's graph into an :class:`ImpactGraph` snapshot and runs the pure functions
of :mod:`cmdbgraph.impact` on it. ``--json`` output shapes are stable contracts (additive
changes only): ``impact`` -> ``{"impacted": [{"id", "kind", "severity", "depth", "path"}]}``,
``root-cause`` -> ``{"candidates": [{"id", "score", "explains", "path"}]}``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from cmdbgraph.cli.app import app, emit_json, err_console, out_console, state_of
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.depends_on import depends_on
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.health import registry_health
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.impact.summary import summarize

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
DepthOpt = Annotated[int | None, typer.Option("--depth", min=0, help="Maximum hops (default: unbounded)")]
SEVERITY_STYLE = {"down": "bold red", "degraded": "yellow"}


def load_graph(ctx: typer.Context) -> ImpactGraph:
    """The analysis snapshot of the chosen store (read consistently at once)."""
    store = state_of(ctx).open_store()
    with err_console.status("loading the graph"):
        contents = store.contents()
        return ImpactGraph.build(contents.cis, contents.relationships, store.registry)


def _path_text(path: tuple[str, ...]) -> Text:
    return Text(" -> ".join(path))


@app.command()
def impact(
    ctx: typer.Context,
    ci_ids: Annotated[list[str], typer.Argument(help="The failed (or changing) CIs")],
    depth: DepthOpt = None,
    rel_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only propagate along these relationship types")
    ] = None,
    maintenance_stops: Annotated[
        bool, typer.Option(help="CIs under maintenance do not propagate failures")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """What breaks if these CIs fail: severity, depth and explanation path of each impacted CI."""
    g = load_graph(ctx)
    radius = blast_radius(g, ci_ids, max_depth=depth, rel_types=rel_type, maintenance_stops=maintenance_stops)
    summary = summarize(radius)
    if json_out:
        emit_json(
            {
                "failed": list(radius.failed),
                "impacted": [
                    {
                        "id": i.id,
                        "kind": i.kind,
                        "name": i.name,
                        "severity": i.severity,
                        "depth": i.depth,
                        "path": list(i.path),
                    }
                    for i in radius.impacted
                ],
                "summary": {
                    "business_services": [
                        {"id": s.id, "name": s.name, "criticality": s.criticality, "severity": s.severity}
                        for s in summary.business_services
                    ],
                    "notify": [
                        {
                            "id": c.id,
                            "kind": c.kind,
                            "name": c.name,
                            "roles": list(c.roles),
                            "cis": list(c.cis),
                        }
                        for c in summary.notify
                    ],
                    "vendors": summary.vendors,
                    "by_kind": summary.by_kind,
                    "by_severity": summary.by_severity,
                },
            }
        )
        return
    out_console.print(
        f"[bold]{len(radius)}[/] CIs impacted by the failure of {', '.join(radius.failed)}: "
        + ", ".join(f"{n} {sev}" for sev, n in summary.by_severity.items())
    )
    services = Table(title="business services")
    for column in ("criticality", "id", "name", "severity"):
        services.add_column(column)
    for s in summary.business_services:
        services.add_row(
            str(s.criticality), Text(s.id), Text(s.name), Text(s.severity, SEVERITY_STYLE[s.severity])
        )
    out_console.print(services)
    notify = Table(title="notify")
    for column in ("id", "name", "roles", "CIs"):
        notify.add_column(column)
    for c in summary.notify[:20]:
        notify.add_row(Text(c.id), Text(c.name), ", ".join(c.roles), str(len(c.cis)))
    out_console.print(notify)
    if summary.vendors:
        out_console.print("vendors involved: " + ", ".join(summary.vendors), highlight=False)
    table = Table(title="impacted CIs")
    for column in ("severity", "depth", "id", "kind", "path"):
        table.add_column(column)
    for i in radius.impacted[:200]:
        table.add_row(
            Text(i.severity, SEVERITY_STYLE[i.severity]), str(i.depth), Text(i.id), i.kind, _path_text(i.path)
        )
    out_console.print(table)
    if len(radius) > 200:
        out_console.print(f"... and {len(radius) - 200} more (use --json for all)")


@app.command("depends-on")
def depends_on_command(
    ctx: typer.Context,
    ci_id: Annotated[str, typer.Argument(help="The CI whose dependencies to list")],
    depth: DepthOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Everything a CI depends on, with depth, path and whether its failure alone is fatal."""
    deps = depends_on(load_graph(ctx), ci_id, max_depth=depth)
    if json_out:
        emit_json(
            {
                "ci": ci_id,
                "depends_on": [
                    {
                        "id": d.id,
                        "kind": d.kind,
                        "name": d.name,
                        "depth": d.depth,
                        "path": list(d.path),
                        "hard": d.hard,
                    }
                    for d in deps
                ],
            }
        )
        return
    table = Table(title=f"{ci_id} depends on {len(deps)} CIs")
    for column in ("depth", "id", "kind", "hard", "path"):
        table.add_column(column)
    for d in deps:
        table.add_row(str(d.depth), Text(d.id), d.kind, "yes" if d.hard else "", _path_text(d.path))
    out_console.print(table)


@app.command("root-cause")
def root_cause_command(
    ctx: typer.Context,
    symptoms: Annotated[list[str], typer.Argument(help="Alerting CIs (or CIs with open incidents)")],
    healthy: Annotated[list[str] | None, typer.Option("--healthy", help="CIs known to work")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    json_out: JsonOpt = False,
) -> None:
    """Rank the CIs whose failure best explains the symptoms."""
    candidates = root_cause(load_graph(ctx), symptoms, healthy or (), limit=limit)
    if json_out:
        doc: dict[str, Any] = {
            "candidates": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "name": c.name,
                    "score": c.score,
                    "explains": list(c.explains),
                    "path": list(c.path),
                    "paths": {k: list(v) for k, v in sorted(c.paths.items())},
                    "unobserved": c.unobserved,
                    "contradicts": list(c.contradicts),
                }
                for c in candidates
            ]
        }
        emit_json(doc)
        return
    table = Table(title=f"root-cause candidates for {len(set(symptoms))} symptoms")
    for column in ("#", "score", "id", "kind", "explains", "unobserved", "path"):
        table.add_column(column)
    for rank, c in enumerate(candidates, 1):
        table.add_row(
            str(rank),
            f"{c.score:.1f}",
            Text(c.id),
            c.kind,
            str(len(c.explains)),
            str(c.unobserved),
            _path_text(c.path),
        )
    out_console.print(table)


@app.command()
def health(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Single points of failure, dependency cycles, orphans and CIs without owner or support."""
    report = registry_health(load_graph(ctx), state_of(ctx).registry)
    if json_out:
        emit_json(
            {
                "single_points_of_failure": [
                    {
                        "id": s.id,
                        "kind": s.kind,
                        "name": s.name,
                        "business_services": list(s.business_services),
                        "common_mode": s.common_mode,
                    }
                    for s in report.single_points_of_failure
                ],
                "cycles": [list(c) for c in report.cycles],
                "orphans": report.orphans,
                "without_owner": report.without_owner,
                "without_support": report.without_support,
            }
        )
        return
    spofs = sorted(report.single_points_of_failure, key=lambda s: (-len(s.business_services), s.id))
    table = Table(title=f"{len(spofs)} single points of failure (most business services first)")
    for column in ("id", "kind", "business services", "common mode"):
        table.add_column(column)
    for s in spofs[:30]:
        table.add_row(Text(s.id), s.kind, str(len(s.business_services)), "yes" if s.common_mode else "")
    out_console.print(table)
    out_console.print(
        f"dependency cycles: {len(report.cycles)}; orphans: {len(report.orphans)}; "
        f"without owner: {len(report.without_owner)}; without support: {len(report.without_support)}"
    )
    for cycle in report.cycles[:10]:
        out_console.print("  cycle: " + " -> ".join(cycle), highlight=False)
