"""How a map looks: node shape and colour by kind, size by criticality, edge style by
relationship type, the role colours of each map kind, and the legend (pure data, no I/O).

- **Shape** follows the kind's registry category (``business`` a star, ``application`` a dot,
  ``data`` a diamond, ``infrastructure`` a square, ``location`` a triangle, ``organisation`` a
  downward triangle, ``commercial`` and ``service_management`` a hexagon, ``provenance`` a
  square). Every shape draws its
  label below it, so node *size* can carry criticality.
- **Colour** is the kind's own (built-in kinds have fixed colours; other kinds get a stable one
  from a palette, chosen by a hash of the name, never Python's salted ``hash``). Maps that
  colour by a role (severity in a blast radius, rank in a root-cause view) paint the role as
  the background and keep the kind's colour as the border.
- **Size** by criticality: 1 (most critical) is the biggest.
- **Edges** are coloured by relationship type; relationships that do not propagate failures
  are thin and grey; ``optional`` ones are dashed, redundancy-group members dotted, and edges on
  an explanation path drawn thick.

>>> kind_style("Database", "data")
NodeStyle(shape='diamond', colour='#33a02c')
>>> [criticality_size(c) for c in (1, 2, 3, 4)]
[30, 24, 18, 14]
>>> edge_style("DEPENDS_ON", propagates=True, optional=True).dashes
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final, Literal

Shape = Literal["dot", "diamond", "star", "triangle", "triangleDown", "hexagon", "square", "box"]

CATEGORY_SHAPES: Final[dict[str, Shape]] = {
    "business": "star",
    "application": "dot",
    "data": "diamond",
    "infrastructure": "square",
    "location": "triangle",
    "organisation": "triangleDown",
    "commercial": "hexagon",
    "service_management": "hexagon",
    "provenance": "square",
}
DEFAULT_SHAPE: Final[Shape] = "dot"

KIND_COLOURS: Final[dict[str, str]] = {
    "BusinessService": "#6a3d9a",
    "Service": "#1f78b4",
    "Application": "#4a90d9",
    "API": "#17becf",
    "Database": "#33a02c",
    "Cache": "#7fc97f",
    "Queue": "#66c2a5",
    "Dataset": "#1b9e77",
    "Host": "#8c564b",
    "Container": "#c49c94",
    "Network": "#7f7f7f",
    "Storage": "#a0522d",
    "Datacenter": "#bcbd22",
    "CloudRegion": "#dbdb8d",
    "Location": "#9e9d24",
    "Team": "#e377c2",
    "Person": "#f7b6d2",
    "Vendor": "#ff7f0e",
    "Contract": "#ffbb78",
    "ChangeRequest": "#637939",
    "KnowledgeArticle": "#8c6d31",
    "CatalogItem": "#843c39",
    "FulfilmentTask": "#7b4173",
    "FreezeWindow": "#5254a3",
    "Incident": "#ad494a",
    "ServiceRequest": "#d6616b",
    "Problem": "#e7969c",
    "SourceClaim": "#969696",
}
PALETTE: Final[tuple[str, ...]] = (
    "#393b79",
    "#5254a3",
    "#6b6ecf",
    "#637939",
    "#8ca252",
    "#8c6d31",
    "#bd9e39",
    "#843c39",
    "#ad494a",
    "#7b4173",
    "#a55194",
    "#3182bd",
)

REDACTED_COLOUR: Final = "#9e9e9e"
REDACTED_BORDER: Final = "#616161"
CLUSTER_BORDER: Final = "#37474f"
INK: Final = "#212121"

ROLE_COLOURS: Final[dict[str, str]] = {
    # blast radius and change views
    "failed": "#7f0000",
    "down": "#e31a1c",
    "degraded": "#f0a30a",
    "target": "#08519c",
    # root-cause view
    "symptom": "#fb9a99",
    "candidate": "#4a1486",
    "healthy": "#a6d96a",
    # change view
    "change": "#637939",
    "collision": "#c51b7d",
    "freeze": "#525252",
    # neighbourhood
    "center": "#000000",
}
ROLE_LABELS: Final[dict[str, str]] = {
    "failed": "failed CI",
    "down": "down",
    "degraded": "degraded",
    "target": "change target",
    "symptom": "symptom (alerting)",
    "candidate": "root-cause candidate (darker = better ranked)",
    "healthy": "known healthy",
    "change": "the change",
    "collision": "colliding change",
    "freeze": "change freeze",
    "center": "centre of the map (thick black border)",
    "maintenance": "in maintenance (dashed magenta border)",
}

REL_COLOURS: Final[dict[str, str]] = {
    "DEPENDS_ON": "#2b6cb0",
    "RUNS_ON": "#8c564b",
    "USES_DATA": "#2ca02c",
    "CONNECTS_THROUGH": "#9467bd",
    "SUPPLIED_BY": "#ff7f0e",
    "LOCATED_IN": "#7f7f7f",
    "PART_OF": "#bcbd22",
    # edges a map draws that are not relationships of the graph
    "COLLIDES_WITH": "#c51b7d",
    "FROZEN_BY": "#525252",
}
PASSIVE_EDGE: Final = "#b0b0b0"
"""Colour of relationships that do not propagate failures (OWNED_BY, MEMBER_OF ...)."""

CRITICALITY_SIZES: Final[dict[int, int]] = {1: 30, 2: 24, 3: 18, 4: 14}


@dataclass(frozen=True)
class NodeStyle:
    """The shape and colour of a kind."""

    shape: Shape
    colour: str


@dataclass(frozen=True)
class EdgeStyle:
    """How one edge is drawn: colour, width, dashed (optional), dotted (redundancy member)."""

    colour: str
    width: float
    dashes: bool = False
    dotted: bool = False


def palette_colour(name: str) -> str:
    """A stable colour for a name the built-in tables do not know.

    >>> palette_colour("Printer") == palette_colour("Printer")
    True
    """
    digest = hashlib.sha256(name.encode()).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def kind_style(kind: str, category: str | None) -> NodeStyle:
    """The shape (from the kind's category; ``None``: unknown kind) and colour of ``kind``."""
    shape = CATEGORY_SHAPES.get(category or "", DEFAULT_SHAPE)
    return NodeStyle(shape=shape, colour=KIND_COLOURS.get(kind) or palette_colour(kind))


def criticality_size(criticality: int) -> int:
    """Node size for a criticality (1 most critical .. 4); out-of-range values are clamped."""
    return CRITICALITY_SIZES[min(4, max(1, criticality))]


def rank_colour(rank: int) -> str:
    """Background of the root-cause candidate ranked ``rank`` (1 = best): darker is better.

    >>> rank_colour(1), rank_colour(9)
    ('#4a1486', '#bcbddc')
    """
    shades = ("#4a1486", "#6a51a3", "#807dba", "#9e9ac8", "#bcbddc")
    return shades[min(rank, len(shades)) - 1]


def edge_style(
    rel_type: str,
    *,
    propagates: bool,
    optional: bool = False,
    grouped: bool = False,
    emphasised: bool = False,
) -> EdgeStyle:
    """The style of an edge of ``rel_type`` (see the module docstring)."""
    if propagates or rel_type in REL_COLOURS:
        colour = REL_COLOURS.get(rel_type) or palette_colour(rel_type)
        width = 1.5
    else:
        colour, width = PASSIVE_EDGE, 1.0
    if emphasised:
        width = 4.0
    return EdgeStyle(colour=colour, width=width, dashes=optional, dotted=grouped and not optional)


# -- legend --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegendEntry:
    """One line of a map's legend: a node swatch (shape, fill, border) or an edge swatch."""

    label: str
    what: Literal["node", "edge"]
    shape: Shape = "dot"
    fill: str = "#ffffff"
    border: str = INK
    dashes: bool = False
    dotted: bool = False
    width: float = 1.5


def kind_entries(kinds: dict[str, str | None]) -> list[LegendEntry]:
    """One entry per kind (``kind -> category``), sorted by name."""
    entries = []
    for kind in sorted(kinds):
        style = kind_style(kind, kinds[kind])
        entries.append(LegendEntry(label=kind, what="node", shape=style.shape, fill=style.colour, border=INK))
    return entries


def role_entries(roles: list[str]) -> list[LegendEntry]:
    """One entry per map role in ``roles`` (in the order given)."""
    entries = []
    for role in roles:
        if role == "maintenance":
            entries.append(
                LegendEntry(
                    label=ROLE_LABELS[role], what="node", fill="#ffffff", border="#c51b7d", dashes=True
                )
            )
        elif role == "center":
            entries.append(
                LegendEntry(label=ROLE_LABELS[role], what="node", fill="#ffffff", border="#000000")
            )
        else:
            entries.append(
                LegendEntry(
                    label=ROLE_LABELS.get(role, role), what="node", fill=ROLE_COLOURS[role], border=INK
                )
            )
    return entries


def edge_entries(
    types: dict[str, bool], *, optional: bool, grouped: bool, emphasised: bool
) -> list[LegendEntry]:
    """Entries for the relationship types drawn (``type -> propagates``) and, when present,
    optional, redundancy-member and explanation-path edges."""
    entries = []
    for rel_type in sorted(types):
        style = edge_style(rel_type, propagates=types[rel_type])
        entries.append(LegendEntry(label=rel_type, what="edge", border=style.colour, width=style.width))
    if optional:
        entries.append(LegendEntry(label="optional (dashed)", what="edge", border=INK, dashes=True))
    if grouped:
        entries.append(
            LegendEntry(label="redundancy-group member (dotted)", what="edge", border=INK, dotted=True)
        )
    if emphasised:
        entries.append(LegendEntry(label="explanation path (thick)", what="edge", border=INK, width=4.0))
    return entries


def special_entries(*, redacted: bool, clusters: bool) -> list[LegendEntry]:
    """Entries for redacted stand-ins and aggregated clusters, when the map has any."""
    entries = []
    if redacted:
        entries.append(
            LegendEntry(
                label="restricted CI (anonymous stand-in)",
                what="node",
                fill=REDACTED_COLOUR,
                border=REDACTED_BORDER,
                dashes=True,
            )
        )
    if clusters:
        entries.append(
            LegendEntry(
                label="cluster of aggregated CIs (click to expand)", what="node", shape="box", fill="#eceff1"
            )
        )
    return entries
