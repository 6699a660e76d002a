"""Redundancy groups: which providers of a consumer back each other up, and their quorum.

A group is identified by ``(consumer, redundancy_group)``: the consumer is the end of the
relationship that failures flow to (see :meth:`RelTypeSpec.consumer`), so two consumers may
both call their groups ``"replicas"`` without sharing them. Every member of a group that states
``min_up`` must state the same value; a group where nobody states it needs one survivor
(``min_up = 1``). A count larger than the group is invalid.

>>> rels = [Relationship(source="app", target=f"db{i}", type="DEPENDS_ON",
...                      redundancy_group="replicas", min_up=2) for i in range(3)]
>>> groups = collect_groups(rels, DEFAULT_REGISTRY)
>>> g = groups[("app", "replicas")]
>>> (sorted(g.providers), g.required)
(['db0', 'db1', 'db2'], 2)
>>> check_groups(groups)
[]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cmdbgraph.schema.errors import Problem
from cmdbgraph.schema.registry import DEFAULT_REGISTRY, Registry
from cmdbgraph.schema.relationships import MinUp, Relationship, required_up

GroupKey = tuple[str, str]
"""``(consumer id, group name)``."""


@dataclass
class RedundancyGroup:
    """The providers of one consumer that back each other up."""

    consumer: str
    name: str
    providers: set[str] = field(default_factory=set)
    min_up_values: set[str] = field(default_factory=set)
    min_up: MinUp = 1

    @property
    def required(self) -> int:
        """How many providers must survive for the consumer to stay up."""
        return required_up(self.min_up, len(self.providers))


def collect_groups(
    relationships: Iterable[Relationship], registry: Registry = DEFAULT_REGISTRY
) -> dict[GroupKey, RedundancyGroup]:
    """Group the relationships that carry a ``redundancy_group`` by ``(consumer, group)``.

    Relationships of unknown or non-propagating types are ignored (they carry no impact).
    """
    groups: dict[GroupKey, RedundancyGroup] = {}
    for rel in relationships:
        if rel.redundancy_group is None:
            continue
        spec = registry.rel_types.get(rel.type)
        if spec is None or not spec.propagates:
            continue
        consumer = spec.consumer(rel)
        key = (consumer, rel.redundancy_group)
        group = groups.get(key)
        if group is None:
            group = groups[key] = RedundancyGroup(consumer=consumer, name=rel.redundancy_group)
        group.providers.add(spec.provider(rel))
        if rel.min_up is not None:
            group.min_up_values.add(str(rel.min_up))
            group.min_up = rel.min_up
    return groups


def check_groups(groups: Mapping[GroupKey, RedundancyGroup]) -> list[Problem]:
    """Problems of the groups: conflicting ``min_up`` values, or a count above the group size.

    Codes: ``MIN_UP_CONFLICT``, ``MIN_UP_EXCEEDS_GROUP``.
    """
    problems: list[Problem] = []
    for (consumer, name), group in sorted(groups.items()):
        where = f"redundancy group {name!r} of {consumer!r}"
        if len(group.min_up_values) > 1:
            values = ", ".join(sorted(group.min_up_values))
            problems.append(
                Problem(
                    "MIN_UP_CONFLICT",
                    f"members state different min_up values ({values})",
                    where=where,
                    field="min_up",
                )
            )
        elif isinstance(group.min_up, int) and group.min_up > len(group.providers):
            problems.append(
                Problem(
                    "MIN_UP_EXCEEDS_GROUP",
                    f"min_up {group.min_up} is larger than the group ({len(group.providers)} provider(s))",
                    where=where,
                    field="min_up",
                )
            )
    return problems
