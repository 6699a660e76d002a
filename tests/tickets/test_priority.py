"""The ITIL priority matrix and impact from the affected CIs' criticality, cell by cell."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import pytest

from cmdbgraph.schema.errors import InvalidInput
from cmdbgraph.schema.priority import Impact, Priority, Urgency, impact_from_criticality, priority_of

LEVELS = ("high", "medium", "low")


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("high", "low", "P3"),
        ("medium", "high", "P2"),
        ("medium", "medium", "P3"),
        ("medium", "low", "P4"),
        ("low", "high", "P3"),
        ("low", "medium", "P4"),
        ("low", "low", "P5"),
    ],
)
def test_priority_matrix_cell(impact: str, urgency: str, expected: str) -> None:
    assert priority_of(Impact[impact.upper()], Urgency[urgency.upper()]) is Priority[expected]


def test_level_values() -> None:
    assert [(i.name, i.value) for i in Impact] == [("HIGH", 1), ("MEDIUM", 2), ("LOW", 3)]
    assert [(u.name, u.value) for u in Urgency] == [("HIGH", 1), ("MEDIUM", 2), ("LOW", 3)]
    assert [(p.name, p.value, p.label) for p in Priority] == [
        ("P1", 1, "critical"),
        ("P2", 2, "high"),
        ("P3", 3, "moderate"),
        ("P4", 4, "low"),
        ("P5", 5, "planning"),
    ]


def test_more_impact_or_urgency_never_lowers_priority() -> None:
    for (i1, u1), (i2, u2) in itertools.product(itertools.product(Impact, Urgency), repeat=2):
        if i1 <= i2 and u1 <= u2:
            assert priority_of(i1, u1) <= priority_of(i2, u2), (i1, u1, i2, u2)


def test_matrix_is_symmetric_in_impact_and_urgency() -> None:
    for name_a, name_b in itertools.product(LEVELS, repeat=2):
        a = priority_of(Impact[name_a.upper()], Urgency[name_b.upper()])
        b = priority_of(Impact[name_b.upper()], Urgency[name_a.upper()])
        assert a is b


@pytest.mark.parametrize(
    ("criticalities", "expected"),
    [
        ([], "LOW"),
        ([1], "HIGH"),
        ([2], "MEDIUM"),
        ([3], "LOW"),
        ([4], "LOW"),
        ([4, 3, 4], "LOW"),
        ([3, 2, 4], "MEDIUM"),
        ([2, 2], "MEDIUM"),
        ([4, 4, 1], "HIGH"),
        ([1, 2, 3, 4], "HIGH"),
        ((2, 3), "MEDIUM"),
        (frozenset({4, 2}), "MEDIUM"),
    ],
)
def test_impact_from_criticality(criticalities: Iterable[int], expected: str) -> None:
    assert impact_from_criticality(criticalities) is Impact[expected]


def test_impact_from_criticality_consumes_an_iterator_once() -> None:
    def gen() -> Iterator[int]:
        yield 3
        yield 2

    assert impact_from_criticality(gen()) is Impact.MEDIUM


def test_impact_from_criticality_refuses_out_of_range_values() -> None:
    with pytest.raises(InvalidInput) as refused:
        impact_from_criticality([2, 0, 5, True])
    problems = refused.value.problems
    assert [(p.code, p.field, p.where) for p in problems] == [
        ("INVALID_FIELD", "criticality", "criticalities[1]"),
        ("INVALID_FIELD", "criticality", "criticalities[2]"),
        ("INVALID_FIELD", "criticality", "criticalities[3]"),
    ]
    assert problems[0].message == "criticality must be an integer from 1 to 4, got 0"
    assert problems[2].message == "criticality must be an integer from 1 to 4, got True"
