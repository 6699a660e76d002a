"""The map model: a :class:`Scene` of styled nodes and edges, a legend and facts (pure).

Every map kind (neighbourhood, blast radius, root cause, change) is built into a ``Scene`` by
:class:`SceneBuilder` from analysis results and CIs; :mod:`cmdbgraph.visual.aggregate` then
decides what is drawn individually and :mod:`cmdbgraph.visual.page` writes the HTML.

What a viewer may see is decided by a :class:`Disclosure`, given by the composition root: the
CLI shows everything (:class:`FullDisclosure`, the owner of the data), the API shows CIs through
its redaction rules (restricted CIs as anonymous stand-ins, sensitive attributes masked).
Nodes are keyed by their *real* id inside a scene (so that two CIs never merge), but nothing
written to a page comes from a key: only :class:`Shown` values, labels, cards and links,
all of which the builder derives from the disclosure. Links are made only for CIs that are
not hidden, by the ``link`` callback (``None``: no links, as in exported files).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import JsonValue

from cmdbgraph.impact.graph import GROUP, SOFT, ImpactGraph
from cmdbgraph.schema import CI, Registry
from cmdbgraph.visual import style
from cmdbgraph.visual.style import LegendEntry, Shape

MapKind = Literal["neighbourhood", "impact", "root-cause", "change"]
REDACTED_KIND = "Redacted"
LABEL_MAX = 32
VALUE_MAX = 120
CARD_ATTRIBUTES = 12
PATH_SHOWN = 8


@dataclass(frozen=True)
class Shown:
    """A CI as the viewer may see it: ``id`` is a stand-in and the rest anonymous when
    ``redacted``; ``masked`` names attributes whose values were withheld."""

    id: str
    kind: str
    name: str
    criticality: int
    status: str
    attributes: Mapping[str, JsonValue]
    masked: tuple[str, ...] = ()
    redacted: bool = False


class Disclosure(Protocol):
    """What the viewer of a map may see (the composition root's redaction rules)."""

    def show(self, ci: CI) -> Shown:
        """``ci`` as the viewer may see it."""
        ...

    def show_id(self, ci_id: str) -> str:
        """The id the viewer sees for ``ci_id`` (a stand-in when the CI is hidden)."""
        ...

    def hides(self, ci_id: str) -> bool:
        """Whether ``ci_id`` is shown as an anonymous stand-in."""
        ...


class FullDisclosure:
    """Shows everything (the CLI: its user owns the data)."""

    def show(self, ci: CI) -> Shown:
        return Shown(
            id=ci.id,
            kind=ci.kind,
            name=ci.name,
            criticality=ci.criticality,
            status=ci.status.value,
            attributes=ci.attributes,
        )

    def show_id(self, ci_id: str) -> str:
        return ci_id

    def hides(self, ci_id: str) -> bool:
        return False


Lookup = Callable[[str], CI | None]
"""A CI by id (``None``: unknown)."""
OwnerOf = Callable[[str], str | None]
"""The id of the team or person that owns a CI (``OWNED_BY``), or ``None``."""
LinkTo = Callable[[str], str | None]
"""The URL of the map centred on a CI (by real id), or ``None`` for no link."""


def no_owner(ci_id: str) -> str | None:
    """An :data:`OwnerOf` that knows no owners."""
    return None


def owners_in(graph: ImpactGraph) -> OwnerOf:
    """An :data:`OwnerOf` reading ``OWNED_BY`` links of an analysis snapshot (first by id)."""

    def owner_of(ci_id: str) -> str | None:
        node = graph.index.get(ci_id)
        if node is None:
            return None
        owners = sorted(graph.ids[t] for rel_type, t in graph.links.get(node, ()) if rel_type == "OWNED_BY")
        return owners[0] if owners else None

    return owner_of


@dataclass
class SceneNode:
    """One CI (or one synthetic thing such as a change freeze) on a map.

    ``rank`` orders nodes for aggregation (smaller first: drawn individually first); ``pinned``
    nodes are never aggregated. ``owner`` is the owner's shown name (for grouping by team).
    """

    key: str
    shown: Shown
    label: str
    shape: Shape
    fill: str
    border: str
    border_width: float
    size: int
    dashes: bool = False
    role: str | None = None
    card: list[tuple[str, str]] = field(default_factory=list)
    link: str | None = None
    pinned: bool = False
    rank: tuple[int, int, int, int, str] = (9, 0, 0, 0, "")
    owner: str | None = None
    category: str | None = None
    synthetic: bool = False


@dataclass(frozen=True)
class SceneEdge:
    """An edge between two nodes (by key). ``flows_to_source``: a failure of the target reaches
    the source (``True``), the other way (``False``), or it does not propagate (``None``)."""

    source: str
    target: str
    type: str
    flows_to_source: bool | None
    optional: bool = False
    grouped: bool = False
    emphasised: bool = False
    label: str | None = None


@dataclass
class Scene:
    """A map before aggregation: nodes in insertion order, edges, legend and fact lines."""

    kind: MapKind
    title: str
    facts: list[str]
    nodes: dict[str, SceneNode]
    edges: list[SceneEdge]
    legend: list[LegendEntry]
    center: str | None = None
    """The shown id of the map's centre (neighbourhood maps)."""
    rank_note: str = "the others in the order of the map"
    """How nodes beyond the pinned ones are ordered for aggregation, in words."""


def clip(text: str, limit: int = LABEL_MAX) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> clip("a" * 40, 10)
    'aaaaaaaaa…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_text(value: JsonValue) -> str:
    """An attribute value as card text (strings as is, the rest as JSON), clipped."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return clip(text, VALUE_MAX)


def path_text(ids: Iterable[str]) -> str:
    """A path of (shown) ids as ``a → b → c``, eliding the middle of long ones."""
    items = list(ids)
    if len(items) > PATH_SHOWN:
        items = [*items[: PATH_SHOWN // 2], "…", *items[-(PATH_SHOWN // 2 - 1) :]]
    return " → ".join(items)


class SceneBuilder:
    """Collects the nodes and edges of one map, styling them and writing their cards."""

    def __init__(
        self,
        kind: MapKind,
        *,
        registry: Registry,
        disclosure: Disclosure,
        lookup: Lookup,
        owner_of: OwnerOf = no_owner,
        link: LinkTo | None = None,
    ) -> None:
        self.kind = kind
        self.registry = registry
        self.disclosure = disclosure
        self.lookup = lookup
        self.owner_of = owner_of
        self.link = link
        self.nodes: dict[str, SceneNode] = {}
        self.edges: dict[tuple[str, str, str], SceneEdge] = {}
        self.roles: list[str] = []

    # -- nodes -----------------------------------------------------------------------------------
    def add_ci(
        self,
        ci_id: str,
        *,
        role: str | None = None,
        pinned: bool = False,
        rank: tuple[int, int, int, int] = (9, 0, 0, 0),
        card: Iterable[tuple[str, str]] = (),
        fill: str | None = None,
        prefix: str = "",
    ) -> SceneNode | None:
        """Add the CI ``ci_id`` (``None`` if it is unknown); an existing node keeps its style
        and gains the extra ``card`` rows. ``role`` paints the background with the role colour
        (``fill`` overrides it) and keeps the kind colour as a thick border; a hidden CI gets a
        dashed grey border instead, and the role colour or grey."""
        existing = self.nodes.get(ci_id)
        if existing is not None:
            existing.card.extend(card)
            existing.pinned = existing.pinned or pinned
            return existing
        ci = self.lookup(ci_id)
        if ci is None:
            return None
        shown = self.disclosure.show(ci)
        category = None if shown.redacted else self._category(shown.kind)
        kind_look = style.kind_style(shown.kind, category)
        node = SceneNode(
            key=ci_id,
            shown=shown,
            label=prefix + clip(shown.name if not shown.redacted else shown.id),
            shape=kind_look.shape,
            fill=kind_look.colour,
            border=style.INK,
            border_width=1.0,
            size=style.criticality_size(shown.criticality),
            role=role,
            pinned=pinned,
            rank=(*rank, ci_id),
            category=category,
        )
        if shown.redacted:
            # a stand-in keeps its role's colour (severity is not identity), never its kind's
            role_fill = fill or (style.ROLE_COLOURS[role] if role is not None else None)
            node.fill = role_fill or style.REDACTED_COLOUR
            node.border, node.dashes, node.border_width = style.REDACTED_BORDER, True, 3.0
        elif role is not None or fill is not None:
            node.fill = fill or style.ROLE_COLOURS[role or ""]
            node.border, node.border_width = kind_look.colour, 3.0
        if role is not None and role not in self.roles:
            self.roles.append(role)
        if not shown.redacted:
            owner_id = self.owner_of(ci_id)
            owner = self.lookup(owner_id) if owner_id is not None else None
            node.owner = self.disclosure.show(owner).name if owner is not None else None
            node.link = self.link(ci_id) if self.link is not None else None
        node.card = [*self._card(shown, node.owner), *card]
        self.nodes[ci_id] = node
        return node

    def add_synthetic(
        self, key: str, *, label: str, kind: str, role: str, card: Iterable[tuple[str, str]] = ()
    ) -> SceneNode:
        """Add a node that is not a CI of the graph (a change freeze); always pinned."""
        existing = self.nodes.get(key)
        if existing is not None:
            return existing
        shown = Shown(id=label, kind=kind, name=label, criticality=3, status="", attributes={})
        node = SceneNode(
            key=key,
            shown=shown,
            label=clip(label),
            shape="box",
            fill=style.ROLE_COLOURS[role],
            border=style.INK,
            border_width=2.0,
            size=18,
            role=role,
            pinned=True,
            rank=(0, 0, 0, 0, key),
            card=[("what", kind), *card],
            synthetic=True,
        )
        if role not in self.roles:
            self.roles.append(role)
        self.nodes[key] = node
        return node

    def mark(
        self, ci_id: str, *, border: str, dashes: bool, role: str, card: Iterable[tuple[str, str]]
    ) -> None:
        """Give an existing node a border (e.g. centre, maintenance) and card rows."""
        node = self.nodes.get(ci_id)
        if node is None:
            return
        node.border, node.dashes, node.border_width = border, dashes, 5.0
        node.card.extend(card)
        if role not in self.roles:
            self.roles.append(role)

    # -- edges -----------------------------------------------------------------------------------
    def add_edge(self, edge: SceneEdge) -> None:
        """Add ``edge`` if both ends are nodes (one edge per source, type and target; a later
        emphasised copy emphasises the kept one)."""
        if edge.source not in self.nodes or edge.target not in self.nodes:
            return
        key = (edge.source, edge.type, edge.target)
        kept = self.edges.get(key)
        if kept is None or (edge.emphasised and not kept.emphasised):
            self.edges[key] = edge

    def add_flow_edges(
        self, graph: ImpactGraph, emphasised: AbstractSet[frozenset[str]] = frozenset()
    ) -> None:
        """Add every propagating relationship of ``graph`` between two nodes of the scene,
        oriented as stored (source to target). A relationship joining two consecutive CIs of
        an explanation path (``emphasised``: unordered pairs of real ids) is drawn thick.
        ``optional`` is read from the edge code: a soft edge of a type whose effect is not
        ``degraded`` can only be optional."""
        index = graph.index
        for key in list(self.nodes):
            consumer = index.get(key)
            if consumer is None:
                continue
            for provider, code, rel_type in zip(
                graph.providers[consumer],
                graph.provider_codes[consumer],
                graph.provider_types[consumer],
                strict=True,
            ):
                provider_id = graph.ids[provider]
                if provider_id not in self.nodes:
                    continue
                spec = self.registry.rel_types.get(rel_type)
                to_source = spec is None or spec.flows == "to_source"
                source, target = (key, provider_id) if to_source else (provider_id, key)
                degrading = spec is not None and spec.effect == "degraded"
                self.add_edge(
                    SceneEdge(
                        source=source,
                        target=target,
                        type=rel_type,
                        flows_to_source=to_source,
                        optional=code == SOFT and not degrading,
                        grouped=code >= GROUP,
                        emphasised=frozenset((key, provider_id)) in emphasised,
                    )
                )

    # -- result ----------------------------------------------------------------------------------
    def build(self, *, title: str, facts: list[str], rank_note: str, center: str | None = None) -> Scene:
        """The scene, with its legend: the roles used, the kinds present, the edge types drawn."""
        kinds = {
            n.shown.kind: n.category for n in self.nodes.values() if not (n.shown.redacted or n.synthetic)
        }
        types = {e.type: e.flows_to_source is not None for e in self.edges.values()}
        legend = [
            *style.role_entries(self.roles),
            *style.kind_entries(kinds),
            *style.special_entries(
                redacted=any(n.shown.redacted for n in self.nodes.values()), clusters=False
            ),
            *style.edge_entries(
                types,
                optional=any(e.optional for e in self.edges.values()),
                grouped=any(e.grouped for e in self.edges.values()),
                emphasised=any(e.emphasised for e in self.edges.values()),
            ),
        ]
        return Scene(
            kind=self.kind,
            title=title,
            facts=facts,
            nodes=dict(self.nodes),
            edges=list(self.edges.values()),
            legend=legend,
            center=center,
            rank_note=rank_note,
        )

    # -- helpers -----------------------------------------------------------------------------------
    def _category(self, kind: str) -> str | None:
        spec = self.registry.kinds.get(kind)
        return spec.category if spec is not None else None

    @staticmethod
    def _card(shown: Shown, owner: str | None) -> list[tuple[str, str]]:
        if shown.redacted:
            return [
                ("id", shown.id),
                ("kind", REDACTED_KIND),
                ("note", "restricted CI: identity and content hidden"),
            ]
        rows = [
            ("id", shown.id),
            ("kind", shown.kind),
            ("criticality", f"{shown.criticality} ({'highest' if shown.criticality == 1 else 'of 1..4'})"),
            ("status", shown.status),
        ]
        if owner is not None:
            rows.append(("owner", owner))
        for name in sorted(shown.attributes)[:CARD_ATTRIBUTES]:
            value = shown.attributes[name]
            rows.append((name, "(masked)" if name in shown.masked else value_text(value)))
        hidden = len(shown.attributes) - CARD_ATTRIBUTES
        if hidden > 0:
            rows.append(("…", f"{hidden} more attributes"))
        return rows
