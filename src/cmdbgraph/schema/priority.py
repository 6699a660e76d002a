"""Ticket priority: the ITIL impact x urgency matrix, and impact derived from the affected CIs.

Levels are ordered like CI criticality: the smaller number is the more severe. ``Impact`` and
``Urgency`` run ``HIGH = 1`` .. ``LOW = 3``; ``Priority`` runs ``P1`` (critical) .. ``P5``
(planning). The matrix (:data:`PRIORITY_MATRIX`) is the standard ITIL 3 x 3 one::

                      urgency
    impact      high   medium   low
    high        P1     P2       P3
    medium      P2     P3       P4
    low         P3     P4       P5

>>> priority_of(Impact.HIGH, Urgency.MEDIUM)
<Priority.P2: 2>
>>> priority_of(Impact.LOW, Urgency.LOW).label
'planning'
>>> impact_from_criticality([3, 2, 4])
<Impact.MEDIUM: 2>
>>> impact_from_criticality([])
<Impact.LOW: 3>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from types import MappingProxyType

from cmdbgraph.schema.errors import InvalidInput, Problem


class Impact(IntEnum):
    """How much of the business a ticket touches; 1 is the most."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


class Urgency(IntEnum):
    """How fast the business needs it resolved; 1 is the most urgent."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


class Priority(IntEnum):
    """Ticket priority, ``P1`` (most severe) .. ``P5``; :attr:`label` is its ITIL name."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4
    P5 = 5

    @property
    def label(self) -> str:
        """``critical``, ``high``, ``moderate``, ``low`` or ``planning``.

        >>> Priority.P3.label
        'moderate'
        """
        return _PRIORITY_LABELS[self]


_PRIORITY_LABELS: Mapping[Priority, str] = MappingProxyType(
    {
        Priority.P1: "critical",
        Priority.P2: "high",
        Priority.P3: "moderate",
        Priority.P4: "low",
        Priority.P5: "planning",
    }
)

PRIORITY_MATRIX: Mapping[tuple[Impact, Urgency], Priority] = MappingProxyType(
    {
        (Impact.HIGH, Urgency.HIGH): Priority.P1,
        (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
        (Impact.HIGH, Urgency.LOW): Priority.P3,
        (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
        (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
        (Impact.MEDIUM, Urgency.LOW): Priority.P4,
        (Impact.LOW, Urgency.HIGH): Priority.P3,
        (Impact.LOW, Urgency.MEDIUM): Priority.P4,
        (Impact.LOW, Urgency.LOW): Priority.P5,
    }
)
"""The ITIL priority matrix: every (impact, urgency) pair to its priority (read-only)."""

IMPACT_OF_CRITICALITY: Mapping[int, Impact] = MappingProxyType(
    {1: Impact.HIGH, 2: Impact.MEDIUM, 3: Impact.LOW, 4: Impact.LOW}
)
"""The impact one affected CI of each criticality (1 = most critical .. 4) implies (read-only)."""


def priority_of(impact: Impact, urgency: Urgency) -> Priority:
    """The priority of a ticket with this impact and urgency, from :data:`PRIORITY_MATRIX`.

    Total over the nine pairs; never raises for valid enum members.
    """
    return PRIORITY_MATRIX[(impact, urgency)]


def impact_from_criticality(criticalities: Iterable[int]) -> Impact:
    """The impact of a ticket whose affected CIs have these criticalities.

    The rule: the most critical affected CI decides. Any CI of criticality 1 makes the impact
    ``HIGH``; otherwise any of criticality 2 makes it ``MEDIUM``; otherwise (only criticality 3
    and 4 CIs, or no affected CI at all) it is ``LOW``. The number of CIs does not matter.

    The iterable is consumed once. A value that is not an ``int`` in ``1..4`` (``bool``
    included) raises :class:`InvalidInput` with one ``INVALID_FIELD`` problem on field
    ``criticality`` per bad value (``where`` is its position), rather than being guessed at.

    >>> impact_from_criticality([4, 1])
    <Impact.HIGH: 1>
    """
    impact = Impact.LOW
    problems: list[Problem] = []
    for position, criticality in enumerate(criticalities):
        implied = IMPACT_OF_CRITICALITY.get(criticality) if type(criticality) is int else None
        if implied is None:
            problems.append(
                Problem(
                    code="INVALID_FIELD",
                    message=f"criticality must be an integer from 1 to 4, got {criticality!r}",
                    where=f"criticalities[{position}]",
                    field="criticality",
                )
            )
        else:
            impact = min(impact, implied)
    if problems:
        raise InvalidInput(problems)
    return impact
