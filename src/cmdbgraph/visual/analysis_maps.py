"""The blast-radius and root-cause maps, built from the results of :mod:`cmdbgraph.impact` (pure).

- **Blast radius** (:func:`impact_scene`): the failed CIs (pinned, dark red) and every impacted
  CI coloured by severity (down red, degraded amber) with its kind's colour as the border; the
  propagating relationships between them, those on an explanation path drawn thick. Nodes are
  ranked closest to the failure first, down before degraded, most critical first.
- **Root cause** (:func:`root_cause_scene`): the symptoms (pinned), the ranked candidates
  (pinned, darker purple for a better rank, labelled ``#1`` ...), known-healthy CIs, and the CIs
  on the paths that link each candidate to the symptoms it explains (drawn thick).

Every id a card or fact names passes through the :class:`~cmdbgraph.visual.scene.Disclosure`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

from cmdbgraph.impact.blast_radius import BlastRadius
from cmdbgraph.impact.graph import ImpactGraph
from cmdbgraph.impact.root_cause import Candidate
from cmdbgraph.schema import Registry
from cmdbgraph.visual import style
from cmdbgraph.visual.scene import (
    Disclosure,
    LinkTo,
    Lookup,
    OwnerOf,
    Scene,
    SceneBuilder,
    no_owner,
    path_text,
)

BUSINESS_KIND = "BusinessService"
_SEVERITY_ORDER = {"down": 0, "degraded": 1}


def path_pairs(paths: Iterable[Sequence[str]]) -> set[frozenset[str]]:
    """The unordered pairs of consecutive CIs along ``paths`` (the edges to draw thick).

    >>> sorted(sorted(p) for p in path_pairs([("a", "b", "c")]))
    [['a', 'b'], ['b', 'c']]
    """
    return {frozenset((a, b)) for path in paths for a, b in itertools.pairwise(path)}


def listing(items: Sequence[str], limit: int = 5) -> str:
    """``items`` for a sentence: at most ``limit`` of them and a count of the rest.

    >>> listing(["a", "b", "c"], 2)
    'a, b and 1 more'
    """
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def add_radius(builder: SceneBuilder, radius: BlastRadius) -> None:
    """Add the impacted CIs of ``radius`` by severity, and the flow edges among the scene's
    nodes with explanation paths thick (shared by the blast-radius and change maps)."""
    show = builder.disclosure.show_id
    for i in radius.impacted:
        builder.add_ci(
            i.id,
            role=i.severity,
            rank=(1 if i.kind == BUSINESS_KIND else 2, i.depth, _SEVERITY_ORDER[i.severity], i.criticality),
            card=[
                ("severity", i.severity),
                ("hops from the failure", str(i.depth)),
                ("explanation", path_text(show(p) for p in i.path)),
            ],
        )
    builder.add_flow_edges(radius.graph, path_pairs(i.path for i in radius.impacted))


def radius_facts(builder: SceneBuilder, radius: BlastRadius) -> list[str]:
    """Sentences about a blast radius: how many CIs by severity, which business services."""
    by_severity = Counter(i.severity for i in radius.impacted)
    nodes = builder.nodes
    services = [
        nodes[i.id].shown.name
        for i in sorted(radius.impacted, key=lambda i: (i.criticality, _SEVERITY_ORDER[i.severity], i.id))
        if i.kind == BUSINESS_KIND and i.id in nodes and not nodes[i.id].shown.redacted
    ]
    facts = [
        f"{len(radius.impacted):,} CIs impacted: {by_severity.get('down', 0):,} down, "
        f"{by_severity.get('degraded', 0):,} degraded."
    ]
    if services:
        facts.append(f"{len(services)} business services affected: {listing(services)}.")
    return facts


def impact_scene(
    radius: BlastRadius,
    *,
    registry: Registry,
    disclosure: Disclosure,
    lookup: Lookup,
    owner_of: OwnerOf = no_owner,
    link: LinkTo | None = None,
) -> Scene:
    """The blast-radius map of ``radius`` (see the module docstring)."""
    builder = SceneBuilder(
        "impact", registry=registry, disclosure=disclosure, lookup=lookup, owner_of=owner_of, link=link
    )
    for ci_id in radius.failed:
        builder.add_ci(ci_id, role="failed", pinned=True, rank=(0, 0, 0, 0), card=[("severity", "failed")])
    add_radius(builder, radius)
    failed = [builder.nodes[f].shown for f in radius.failed if f in builder.nodes]
    names = [s.id if s.redacted else s.name for s in failed]
    return builder.build(
        title=f"Blast radius of {listing(names, 3)}",
        facts=[f"Failed: {listing([s.id for s in failed], 10)}.", *radius_facts(builder, radius)],
        rank_note="the impacted business services, then the others closest to the failure first "
        "(down before degraded, most critical first)",
    )


def root_cause_scene(
    candidates: Sequence[Candidate],
    symptoms: Sequence[str],
    graph: ImpactGraph,
    *,
    healthy: Sequence[str] = (),
    registry: Registry,
    disclosure: Disclosure,
    lookup: Lookup,
    owner_of: OwnerOf = no_owner,
    link: LinkTo | None = None,
) -> Scene:
    """The root-cause map: symptoms, ranked candidates and the paths linking them."""
    builder = SceneBuilder(
        "root-cause", registry=registry, disclosure=disclosure, lookup=lookup, owner_of=owner_of, link=link
    )
    show = disclosure.show_id
    unique_symptoms = list(dict.fromkeys(symptoms))
    for rank, c in enumerate(candidates, 1):
        builder.add_ci(
            c.id,
            role="candidate",
            fill=style.rank_colour(rank),
            pinned=True,
            rank=(0, rank, 0, 0),
            prefix=f"#{rank} ",
            card=[
                ("rank", f"#{rank} of {len(candidates)}"),
                ("score", f"{c.score:.2f}"),
                ("explains", f"{len(c.explains)} of {len(unique_symptoms)} symptoms"),
                ("unobserved predictions", str(c.unobserved)),
                *([("contradicts", ", ".join(show(x) for x in c.contradicts))] if c.contradicts else []),
            ],
        )
    for s in unique_symptoms:
        if s in builder.nodes:
            builder.mark(
                s,
                border=style.ROLE_COLOURS["symptom"],
                dashes=False,
                role="symptom",
                card=[("symptom", "alerting")],
            )
        else:
            builder.add_ci(s, role="symptom", pinned=True, rank=(0, 0, 0, 0), card=[("symptom", "alerting")])
    for h in dict.fromkeys(healthy):
        builder.add_ci(h, role="healthy", pinned=True, rank=(0, 0, 0, 0), card=[("known", "healthy")])
    paths = [p for c in candidates for p in c.paths.values()]
    for rank, c in enumerate(candidates, 1):
        for path in c.paths.values():
            for position, ci_id in enumerate(path):
                builder.add_ci(ci_id, rank=(1, rank, position, 0))
    builder.add_flow_edges(graph, path_pairs(paths))
    facts = [f"{len(unique_symptoms)} symptoms: {listing([show(s) for s in unique_symptoms], 10)}."]
    if candidates:
        best = candidates[0]
        best_shown = builder.nodes[best.id].shown
        facts.append(
            f"Best candidate: {best_shown.id} explains {len(best.explains)} of {len(unique_symptoms)} "
            f"symptoms (score {best.score:.2f}); {len(candidates)} candidates ranked."
        )
    else:
        facts.append("No candidate explains the symptoms.")
    return builder.build(
        title=f"Root cause of {len(unique_symptoms)} symptoms",
        facts=facts,
        rank_note="the CIs on the paths of the best candidates first",
    )
