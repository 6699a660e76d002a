"""Relationship types and their impact semantics, and the relationship model.

Direction convention: ``A -[DEPENDS_ON]-> B`` means A consumes B, so a failure of B propagates
to A (``flows="to_source"``). ``PART_OF`` runs from part to whole and a failed part degrades the
whole (``flows="to_target"``, ``effect="degraded"``). The *consumer* of a relationship is the end
that a failure flows to; redundancy groups are scoped by consumer.

>>> spec = BUILTIN_REL_TYPES["DEPENDS_ON"]
>>> r = Relationship(source="web", target="db", type="DEPENDS_ON")
>>> (spec.consumer(r), spec.provider(r))
('web', 'db')
>>> required_up("50%", 3), required_up(2, 3)
(2, 2)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cmdbgraph.schema.ci import CIId, check_attribute_names, same_json

REL_TYPE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PERCENT = re.compile(r"^(\d{1,3})%$")

MinUp = int | str
"""A quorum: a count of providers (``2``) or a percentage of the group (``"50%"``)."""

GroupName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class RelTypeSpec(BaseModel):
    """The impact semantics of one relationship type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    propagates: bool
    flows: Literal["to_source", "to_target"] = "to_source"
    effect: Literal["down", "degraded"] = "down"
    description: str = ""

    @field_validator("name")
    @classmethod
    def _upper_snake(cls, v: str) -> str:
        if not REL_TYPE_NAME.match(v):
            raise ValueError(f"relationship type {v!r} must be UPPER_SNAKE")
        return v

    def consumer(self, rel: Relationship) -> str:
        """The end a failure flows to."""
        return rel.source if self.flows == "to_source" else rel.target

    def provider(self, rel: Relationship) -> str:
        """The end a failure flows from."""
        return rel.target if self.flows == "to_source" else rel.source


def _rt(name: str, propagates: bool, description: str, **kw: Any) -> RelTypeSpec:
    return RelTypeSpec(name=name, propagates=propagates, description=description, **kw)


BUILTIN_REL_TYPES: Mapping[str, RelTypeSpec] = {
    r.name: r
    for r in (
        _rt("DEPENDS_ON", True, "source consumes target"),
        _rt("RUNS_ON", True, "source runs on target (host, container, platform)"),
        _rt("USES_DATA", True, "source reads or writes the target data set or store"),
        _rt("CONNECTS_THROUGH", True, "source reaches the network through target"),
        _rt("SUPPLIED_BY", True, "source is supplied by target (vendor)"),
        _rt("LOCATED_IN", True, "source is located in target (datacentre, region, building)"),
        _rt(
            "PART_OF",
            True,
            "source is a part of target; a failed part degrades the whole",
            flows="to_target",
            effect="degraded",
        ),
        _rt("OWNED_BY", False, "source is owned by target (team or person)"),
        _rt("SUPPORTED_BY", False, "source is supported by target (support group)"),
        _rt("MEMBER_OF", False, "source person is a member of target team"),
        _rt("REPORTS_TO", False, "source reports to target"),
        _rt("AFFECTS", False, "ticket affects CI"),
        _rt("CHANGES", False, "change targets CI"),
        _rt("DOCUMENTS", False, "article documents CI"),
        _rt("CAUSED_BY", False, "incident (possibly) caused by a change, or by a problem"),
        _rt("RESOLVED_BY", False, "ticket resolved by article or change"),
        _rt("REQUESTED_BY", False, "ticket was raised by target person"),
        _rt("ASSIGNED_TO", False, "ticket is assigned to target team or person"),
        _rt("REPORTED_AT", False, "ticket concerns target location (building, floor, room)"),
        _rt("ORDERED_FROM", False, "service request was ordered from target catalog item"),
        _rt("TASK_OF", False, "fulfilment task or approval belongs to target request"),
        _rt("CLAIMS", False, "an import source's claim describes target CI (provenance)"),
    )
}


def parse_min_up(value: object) -> MinUp:
    """Normalise a quorum: a positive int, or a percentage string ``"1%"``..``"100%"``.

    Raises ``ValueError`` with a readable message otherwise.
    """
    if isinstance(value, bool):
        raise ValueError("min_up must be a count or a percentage such as '50%'")
    if isinstance(value, int):
        if value < 1:
            raise ValueError("min_up must be at least 1")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_min_up(int(text))
        m = _PERCENT.match(text)
        if m and 1 <= int(m.group(1)) <= 100:
            return f"{int(m.group(1))}%"
    raise ValueError(f"min_up {value!r} must be a count >= 1 or a percentage '1%'..'100%'")


def required_up(min_up: MinUp, group_size: int) -> int:
    """How many providers of a group of ``group_size`` must survive (percentages round up)."""
    if isinstance(min_up, int):
        return min_up
    return math.ceil(int(str(min_up)[:-1]) * group_size / 100)


class Relationship(BaseModel):
    """A typed, directed edge between two CIs; identified by ``(source, type, target)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: CIId
    target: CIId
    type: str
    optional: bool = Field(default=False, strict=True)
    redundancy_group: GroupName | None = None
    min_up: int | str | None = None
    attributes: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type_name(cls, v: str) -> str:
        if not REL_TYPE_NAME.match(v):
            raise ValueError(f"relationship type {v!r} must be UPPER_SNAKE")
        return v

    @field_validator("min_up", mode="before")
    @classmethod
    def _min_up(cls, v: object) -> object:
        return None if v is None else parse_min_up(v)

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, v: dict[str, JsonValue]) -> dict[str, JsonValue]:
        return check_attribute_names(v)

    @model_validator(mode="after")
    def _consistent(self) -> Relationship:
        if self.source == self.target:
            raise PydanticCustomError(
                "self_loop", "a CI cannot relate to itself ('{ci}')", {"ci": self.source}
            )
        if self.min_up is not None and self.redundancy_group is None:
            raise PydanticCustomError("min_up_without_group", "min_up needs a redundancy_group")
        return self

    def same_content(self, other: Relationship) -> bool:
        """Equality that tells JSON ``1``, ``1.0`` and ``true`` apart in attributes."""
        return (
            self.key == other.key
            and self.optional == other.optional
            and self.redundancy_group == other.redundancy_group
            and same_json(self.min_up, other.min_up)
            and same_json(self.attributes, other.attributes)
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """``(source, type, target)``: unique within a store."""
        return (self.source, self.type, self.target)

    @property
    def quorum(self) -> MinUp | None:
        """``min_up`` as a :data:`MinUp` (``None`` when unset)."""
        return self.min_up


_REL_FIELDS = set(Relationship.model_fields)


def trusted_relationship(values: dict[str, Any]) -> Relationship:
    """Build a :class:`Relationship` from values that already passed validation (a stored
    document), without validating again. All seven fields must be present."""
    rel = Relationship.__new__(Relationship)
    object.__setattr__(rel, "__dict__", values)
    object.__setattr__(rel, "__pydantic_fields_set__", _REL_FIELDS)
    object.__setattr__(rel, "__pydantic_extra__", None)
    object.__setattr__(rel, "__pydantic_private__", None)
    return rel
