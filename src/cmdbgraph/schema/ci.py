"""The configuration item: content (what a source asserts) and what the store records about it.

:class:`CIData` is the content: ``id``, ``kind``, ``name``, ``criticality``, ``status`` and
``attributes``; it is what graph files hold and what an upsert compares. :class:`CI` adds the
store-managed provenance (which source wrote it, first and last seen) and timestamps.

>>> CIData(id="web", kind="Service").name
'web'
>>> CIData(id="web", kind="Service", criticality=7)
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for CIData
criticality
  Input should be less than or equal to 4 [type=less_than_equal, input_value=7, input_type=int]
    ...
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
    model_validator,
)

_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

CIId = Annotated[str, StringConstraints(min_length=1, max_length=512)]
"""A CI id: any non-empty string of at most 512 characters without control characters."""


class Status(StrEnum):
    """Operational status of a CI."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    DOWN = "down"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


def same_json(a: JsonValue, b: JsonValue) -> bool:
    """Equality of JSON values that, unlike ``==``, tells ``1``, ``1.0`` and ``True`` apart.

    >>> same_json({"a": [1, True]}, {"a": [1, True]}), same_json(1, True), same_json(1, 1.0)
    (True, False, False)
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def check_attribute_names(attributes: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """Reject attribute names that are not identifiers (they become property keys)."""
    for key in attributes:
        if not _ATTRIBUTE_NAME.match(key):
            raise ValueError(f"attribute name {key!r} must be an identifier (letters, digits, _)")
    return attributes


class CIData(BaseModel):
    """What a source asserts about a CI. Equality of two ``CIData`` is equality of content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: CIId
    kind: str
    name: str = ""
    criticality: int = Field(default=3, ge=1, le=4, strict=True)
    status: Status = Status.OPERATIONAL
    attributes: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _printable_id(cls, v: str) -> str:
        if _CONTROL.search(v):
            raise ValueError("id must not contain control characters")
        if v != v.strip():
            raise ValueError("id must not start or end with white space")
        return v

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, v: dict[str, JsonValue]) -> dict[str, JsonValue]:
        return check_attribute_names(v)

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("name") and isinstance(data.get("id"), str):
            return {**data, "name": data["id"]}
        return data

    def content(self) -> CIData:
        """Only the content fields (drops store-managed metadata of a :class:`CI`)."""
        if type(self) is CIData:
            return self
        return CIData.model_construct(
            id=self.id,
            kind=self.kind,
            name=self.name,
            criticality=self.criticality,
            status=self.status,
            attributes=self.attributes,
        )

    def same_content(self, other: CIData) -> bool:
        """True when both assert the same content (metadata ignored)."""
        return (
            self.id == other.id
            and self.kind == other.kind
            and self.name == other.name
            and self.criticality == other.criticality
            and self.status == other.status
            and same_json(self.attributes, other.attributes)
        )


class Provenance(BaseModel):
    """Which source last asserted a CI, and when it was first and last written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    first_seen: datetime
    last_seen: datetime


class CI(CIData):
    """A CI as stored: content plus provenance and timestamps (set by the store)."""

    provenance: Provenance | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


_CI_FIELDS = set(CI.model_fields)


def trusted_ci(values: dict[str, Any]) -> CI:
    """Build a stored :class:`CI` from values that already passed validation, without
    validating again (about 4x cheaper than ``model_construct``). ``values`` must hold every
    field of :class:`CI` with a valid value (``status`` a :class:`Status`); it becomes the
    model's ``__dict__``. For store internals on hot paths only."""
    ci = CI.__new__(CI)
    object.__setattr__(ci, "__dict__", values)
    object.__setattr__(ci, "__pydantic_fields_set__", _CI_FIELDS)
    object.__setattr__(ci, "__pydantic_extra__", None)
    object.__setattr__(ci, "__pydantic_private__", None)
    return ci
