"""``cmdbgraph map``: interactive dependency maps written as self-contained HTML files.

- ``map ci CI_ID [--depth 2] [--direction both]`` — the neighbourhood of a CI;
- ``map impact CI_ID... [--depth N]`` — the blast radius of these CIs failing together;
- ``map root-cause CI_ID... [--healthy ID] [--limit 5]`` — symptoms, ranked candidates, paths;
- ``map change CHANGE_ID [--depth N]`` — a change's targets, impact and collisions.

Every command takes ``--out FILE.html`` (default ``map-<kind>-<id>.html`` in the current
directory), ``--group-by kind|team|service`` and ``--max-nodes N`` (aggregation past N CIs,
default 300), and ``--json`` to print ``{"file", "kind", "title", "cis", "drawn", "clusters",
"aggregated", "edges", "group_by", "max_nodes"}`` instead of a sentence.

The file loads nothing (vis-network and the data are inline) and opens from disk. The CLI's
user owns the data, so nothing is redacted (as in every other CLI command). Exported maps have
no links: there is no server to answer "centre the map on this CI" — double-click does nothing,
a click pins the CI's card; export another map with ``map ci`` instead.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmdbgraph.cli.app import app, emit_json, err_console, out_console, state_of
from cmdbgraph.graphdb import Direction, GraphStore
from cmdbgraph.impact.blast_radius import blast_radius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.planned_change import change_impact
from cmdbgraph.impact.root_cause import root_cause
from cmdbgraph.schema import CI
from cmdbgraph.tickets.changes import assess_change
from cmdbgraph.visual import (
    FullDisclosure,
    Scene,
    change_scene,
    impact_scene,
    neighbourhood_scene,
    owners_in,
    read_neighbourhood,
    render_map,
    root_cause_scene,
)
from cmdbgraph.visual.aggregate import DEFAULT_MAX_NODES, MAX_MAX_NODES, MIN_MAX_NODES

map_app = typer.Typer(help="Interactive dependency maps as self-contained HTML files", no_args_is_help=True)
app.add_typer(map_app, name="map")


class GroupChoice(StrEnum):
    """How a large map groups the CIs it aggregates."""

    KIND = "kind"
    TEAM = "team"
    SERVICE = "service"


class DirectionChoice(StrEnum):
    """Which relationships a neighbourhood follows."""

    OUT = "out"
    IN = "in"
    BOTH = "both"


OutOpt = Annotated[
    Path | None, typer.Option("--out", help="The HTML file to write [default: map-<kind>-<id>.html]")
]
GroupOpt = Annotated[
    GroupChoice,
    typer.Option("--group-by", help="Group aggregated CIs by kind, owning team or business service"),
]
MaxNodesOpt = Annotated[
    int,
    typer.Option("--max-nodes", min=MIN_MAX_NODES, max=MAX_MAX_NODES, help="Aggregate past this many CIs"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout")]
ImpactDepthOpt = Annotated[
    int | None, typer.Option("--depth", min=0, help="Maximum hops (default: unbounded)")
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_file(kind: str, ci_id: str) -> Path:
    """``map-<kind>-<id>.html`` with the id reduced to file-name-safe characters.

    >>> default_file("ci", "db/01 primary").name
    'map-ci-db_01_primary.html'
    """
    slug = _UNSAFE.sub("_", ci_id).strip("._")[:80] or "map"
    return Path(f"map-{kind}-{slug}.html")


def _snapshot(store: GraphStore) -> tuple[ImpactGraph, dict[str, CI]]:
    with err_console.status("loading the graph"):
        contents = store.contents()
        graph = ImpactGraph.build(contents.cis, contents.relationships, store.registry)
    return graph, {c.id: c for c in contents.cis}


def _write(scene: Scene, out: Path, *, group_by: GroupChoice, max_nodes: int, json_out: bool) -> None:
    rendered = render_map(scene, served=False, max_nodes=max_nodes, group_by=group_by.value)
    out.write_text(rendered.html, encoding="utf-8")
    stats = rendered.stats
    if json_out:
        emit_json({"file": str(out), "kind": scene.kind, "title": scene.title, **stats})
        return
    aggregated = (
        f"; {stats['aggregated']:,} CIs aggregated into {stats['clusters']} clusters by {stats['group_by']}"
        if stats["clusters"]
        else ""
    )
    out_console.print(
        f"wrote {out}: {stats['cis']:,} CIs, {stats['drawn']:,} nodes drawn{aggregated}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@map_app.command("ci")
def map_ci(
    ctx: typer.Context,
    ci_id: Annotated[str, typer.Argument(help="The CI at the centre of the map")],
    depth: Annotated[int, typer.Option("--depth", min=0, help="Hops from the centre")] = 2,
    direction: Annotated[
        DirectionChoice, typer.Option("--direction", help="Follow relationships out, in or both ways")
    ] = DirectionChoice.BOTH,
    out: OutOpt = None,
    group_by: GroupOpt = GroupChoice.KIND,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
    json_out: JsonOpt = False,
) -> None:
    """The neighbourhood of a CI: everything within --depth hops, as an interactive map."""
    store = state_of(ctx).open_store()
    hood = read_neighbourhood(store, ci_id, Direction(direction.value), depth)
    scene = neighbourhood_scene(hood, registry=store.registry, disclosure=FullDisclosure())
    _write(scene, out or default_file("ci", ci_id), group_by=group_by, max_nodes=max_nodes, json_out=json_out)


@map_app.command("impact")
def map_impact(
    ctx: typer.Context,
    ci_ids: Annotated[list[str], typer.Argument(help="The failed (or changing) CIs")],
    depth: ImpactDepthOpt = None,
    out: OutOpt = None,
    group_by: GroupOpt = GroupChoice.KIND,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
    json_out: JsonOpt = False,
) -> None:
    """The blast radius of these CIs failing: impacted CIs by severity, explanation paths thick."""
    store = state_of(ctx).open_store()
    graph, by_id = _snapshot(store)
    radius = blast_radius(graph, ci_ids, max_depth=depth)
    scene = impact_scene(
        radius,
        registry=store.registry,
        disclosure=FullDisclosure(),
        lookup=by_id.get,
        owner_of=owners_in(graph),
    )
    _write(
        scene,
        out or default_file("impact", ci_ids[0]),
        group_by=group_by,
        max_nodes=max_nodes,
        json_out=json_out,
    )


@map_app.command("root-cause")
def map_root_cause(
    ctx: typer.Context,
    symptoms: Annotated[list[str], typer.Argument(help="Alerting CIs (or CIs with open incidents)")],
    healthy: Annotated[list[str] | None, typer.Option("--healthy", help="CIs known to work")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="How many candidates")] = 5,
    out: OutOpt = None,
    group_by: GroupOpt = GroupChoice.KIND,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
    json_out: JsonOpt = False,
) -> None:
    """The likely root causes of the symptoms, ranked, with the paths that link them."""
    store = state_of(ctx).open_store()
    graph, by_id = _snapshot(store)
    candidates = root_cause(graph, symptoms, healthy or (), limit=limit)
    scene = root_cause_scene(
        candidates,
        symptoms,
        graph,
        healthy=healthy or (),
        registry=store.registry,
        disclosure=FullDisclosure(),
        lookup=by_id.get,
        owner_of=owners_in(graph),
    )
    file = out or default_file("root-cause", symptoms[0])
    _write(scene, file, group_by=group_by, max_nodes=max_nodes, json_out=json_out)


@map_app.command("change")
def map_change(
    ctx: typer.Context,
    change_id: Annotated[str, typer.Argument(help="The ChangeRequest to draw")],
    depth: ImpactDepthOpt = None,
    out: OutOpt = None,
    group_by: GroupOpt = GroupChoice.KIND,
    max_nodes: MaxNodesOpt = DEFAULT_MAX_NODES,
    json_out: JsonOpt = False,
) -> None:
    """A change: its targets, its impact (--depth bounds it) and the changes, freezes and
    maintenance it collides with."""
    store = state_of(ctx).open_store()
    with err_console.status("assessing the change"):
        contents = store.contents()
        assessment = assess_change(store, change_id, contents=contents)
        graph = ImpactGraph.build(contents.cis, contents.relationships, store.registry)
    by_id = {c.id: c for c in contents.cis}
    scene = change_scene(
        assessment.change,
        title=assessment.title,
        state=assessment.state,
        risk=assessment.risk,
        collisions=assessment.collisions,
        radius=change_impact(graph, assessment.change, max_depth=depth),
        registry=store.registry,
        disclosure=FullDisclosure(),
        lookup=by_id.get,
        owner_of=owners_in(graph),
    )
    file = out or default_file("change", change_id)
    _write(scene, file, group_by=group_by, max_nodes=max_nodes, json_out=json_out)
