"""The change map: a change, its targets, its impact and what it collides with (pure).

Built from the plain results of a change assessment — the :class:`PlannedChange`, its
:class:`ChangeRisk` and its :class:`Collision` list, all from :mod:`cmdbgraph.impact` — which
the composition root obtains (``cmdbgraph.tickets.changes.assess_change``; ``visual`` does not
depend on ``tickets``). The map draws:

- the change itself (pinned) with a ``CHANGES`` edge to each target (pinned, dark blue);
- the blast radius of the targets failing together, coloured by severity, explanation paths
  thick (as in the blast-radius map);
- each colliding change (``same_ci``, ``dependent``; pinned, magenta) with a ``COLLIDES_WITH``
  edge to every CI involved, and the paths of ``dependent`` collisions thick;
- each change freeze that covers the change (a box) with a ``FROZEN_BY`` edge from each
  covered CI;
- CIs in maintenance during the window with a dashed magenta border.

Collision ``detail`` texts and risk-factor details are not shown: they name CIs by their real
ids, which a viewer without clearance may not see; the map states the same facts through the
disclosure.
"""

from __future__ import annotations

from collections.abc import Sequence

from cmdbgraph.impact.blast_radius import BlastRadius
from cmdbgraph.impact.change_collisions import Collision
from cmdbgraph.impact.change_risk import ChangeRisk
from cmdbgraph.impact.planned_change import PlannedChange
from cmdbgraph.schema import Registry
from cmdbgraph.visual import style
from cmdbgraph.visual.analysis_maps import add_radius, listing, path_pairs, radius_facts
from cmdbgraph.visual.scene import (
    Disclosure,
    LinkTo,
    Lookup,
    OwnerOf,
    Scene,
    SceneBuilder,
    SceneEdge,
    no_owner,
)

FREEZE_PREFIX = "\x01freeze:"
"""Keys of freeze nodes (a control character: never a CI id)."""
_COLLISION_WORDS = {
    "same_ci": "same CI",
    "dependent": "dependent",
    "freeze": "freeze",
    "maintenance": "maintenance",
}


def change_scene(
    change: PlannedChange,
    *,
    title: str,
    state: str,
    risk: ChangeRisk,
    collisions: Sequence[Collision],
    radius: BlastRadius,
    registry: Registry,
    disclosure: Disclosure,
    lookup: Lookup,
    owner_of: OwnerOf = no_owner,
    link: LinkTo | None = None,
) -> Scene:
    """The change map (see the module docstring); ``radius`` is the change's impact
    (``change_impact``)."""
    builder = SceneBuilder(
        "change", registry=registry, disclosure=disclosure, lookup=lookup, owner_of=owner_of, link=link
    )
    show = disclosure.show_id
    window = f"{change.window.start.isoformat()} to {change.window.end.isoformat()}"
    builder.add_ci(
        change.id,
        role="change",
        pinned=True,
        rank=(0, 0, 0, 0),
        card=[
            ("title", title),
            ("type", change.change_type),
            ("state", state),
            ("window", window),
            ("risk", f"{risk.level} ({risk.score:.1f})"),
        ],
    )
    for target in change.targets:
        builder.add_ci(
            target, role="target", pinned=True, rank=(0, 0, 0, 0), card=[("target of", show(change.id))]
        )
        builder.add_edge(SceneEdge(source=change.id, target=target, type="CHANGES", flows_to_source=None))
    add_radius(builder, radius)
    dependent_paths: list[tuple[str, ...]] = []
    for c in collisions:
        involved = ", ".join(show(x) for x in c.cis)
        row = ("collision", f"{_COLLISION_WORDS[c.kind]}: {involved}")
        if c.kind in ("same_ci", "dependent") and c.other is not None:
            builder.add_ci(c.other, role="collision", pinned=True, rank=(0, 0, 0, 0), card=[row])
            for path in c.paths:
                dependent_paths.append(path)
                for position, ci_id in enumerate(path):
                    builder.add_ci(ci_id, rank=(1, position, 0, 0))
            for ci_id in c.cis:
                builder.add_edge(
                    SceneEdge(
                        source=c.other,
                        target=ci_id,
                        type="COLLIDES_WITH",
                        flows_to_source=None,
                        label=_COLLISION_WORDS[c.kind],
                    )
                )
        elif c.kind == "freeze" and c.other is not None:
            key = FREEZE_PREFIX + c.other
            builder.add_synthetic(
                key, label=f"freeze {show(c.other)}", kind="change freeze", role="freeze", card=[row]
            )
            for ci_id in c.cis:
                builder.add_edge(
                    SceneEdge(source=ci_id, target=key, type="FROZEN_BY", flows_to_source=None, optional=True)
                )
        elif c.kind == "maintenance":
            for ci_id in c.cis:
                builder.mark(
                    ci_id,
                    border=style.ROLE_COLOURS["collision"],
                    dashes=True,
                    role="maintenance",
                    card=[("collision", "in maintenance")],
                )
    if dependent_paths:
        builder.add_flow_edges(radius.graph, path_pairs(dependent_paths))
    change_shown = builder.nodes[change.id].shown if change.id in builder.nodes else None
    change_label = change_shown.id if change_shown is not None else show(change.id)
    kinds = [
        f"{_COLLISION_WORDS[c.kind]} ({show(c.other) if c.other else 'CIs in maintenance'})"
        for c in collisions
    ]
    facts = [
        f"{change.change_type} change, {state}; window {window}; risk {risk.level} ({risk.score:.1f}).",
        f"Targets: {listing([show(t) for t in change.targets], 10)}.",
        *radius_facts(builder, radius),
        f"{len(collisions)} collisions" + (f": {listing(kinds, 6)}." if collisions else "."),
    ]
    return builder.build(
        title=f"Change {change_label}: {title}",
        facts=facts,
        rank_note="the impacted business services, then the others closest to the targets first "
        "(down before degraded, most critical first)",
    )
