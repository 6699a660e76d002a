"""Styling: every built-in kind is recognisable, sizes follow criticality, edges follow their
relationship type, and the legend lists what a map draws."""

from __future__ import annotations

import pytest

from cmdbgraph.schema import BUILTIN_KINDS, BUILTIN_REL_TYPES
from cmdbgraph.visual import style


def test_every_builtin_kind_has_its_own_shape_and_colour() -> None:
    looks = {kind: style.kind_style(kind, spec.category) for kind, spec in BUILTIN_KINDS.items()}
    assert len({(s.shape, s.colour) for s in looks.values()}) == len(looks)
    assert all(kind in style.KIND_COLOURS for kind in BUILTIN_KINDS)
    for kind, spec in BUILTIN_KINDS.items():
        assert looks[kind].shape == style.CATEGORY_SHAPES[spec.category]


def test_shapes_draw_their_label_outside_so_size_can_carry_criticality() -> None:
    # vis-network sizes only these shapes by `size` (ellipse, box, database ... fit their label)
    outside = {"dot", "diamond", "star", "triangle", "triangleDown", "hexagon", "square"}
    assert set(style.CATEGORY_SHAPES.values()) <= outside


def test_unknown_kinds_get_a_stable_palette_colour_and_the_default_shape() -> None:
    look = style.kind_style("Printer", None)
    assert look.shape == style.DEFAULT_SHAPE
    assert look.colour in style.PALETTE
    assert look == style.kind_style("Printer", None)


def test_more_critical_is_bigger_and_out_of_range_is_clamped() -> None:
    sizes = [style.criticality_size(c) for c in (1, 2, 3, 4)]
    assert sizes == sorted(sizes, reverse=True)
    assert len(set(sizes)) == 4
    assert style.criticality_size(0) == sizes[0]
    assert style.criticality_size(9) == sizes[-1]


@pytest.mark.parametrize("rel_type", sorted(BUILTIN_REL_TYPES))
def test_propagating_types_are_coloured_and_others_grey(rel_type: str) -> None:
    spec = BUILTIN_REL_TYPES[rel_type]
    look = style.edge_style(rel_type, propagates=spec.propagates)
    if spec.propagates:
        assert look.colour == style.REL_COLOURS[rel_type]
        assert look.width > 1
    else:
        assert look.colour == style.PASSIVE_EDGE
        assert look.width == 1


def test_optional_edges_are_dashed_members_dotted_and_paths_thick() -> None:
    assert style.edge_style("DEPENDS_ON", propagates=True, optional=True).dashes
    member = style.edge_style("DEPENDS_ON", propagates=True, grouped=True)
    assert member.dotted
    assert not member.dashes
    assert style.edge_style("DEPENDS_ON", propagates=True, emphasised=True).width == 4.0


def test_the_legend_lists_roles_kinds_and_edge_types_drawn() -> None:
    roles = style.role_entries(["failed", "down", "maintenance"])
    assert [e.label for e in roles] == ["failed CI", "down", "in maintenance (dashed magenta border)"]
    assert roles[2].dashes
    kinds = style.kind_entries({"Host": "infrastructure", "Database": "data"})
    assert [(e.label, e.shape) for e in kinds] == [("Database", "diamond"), ("Host", "square")]
    edges = style.edge_entries(
        {"RUNS_ON": True, "OWNED_BY": False}, optional=True, grouped=False, emphasised=True
    )
    assert [e.label for e in edges] == [
        "OWNED_BY",
        "RUNS_ON",
        "optional (dashed)",
        "explanation path (thick)",
    ]
    assert [e.label for e in style.special_entries(redacted=True, clusters=True)] == [
        "restricted CI (anonymous stand-in)",
        "cluster of aggregated CIs (click to expand)",
    ]
