"""The registry of CI kinds and relationship types a store validates against.

Built-ins come from :mod:`cmdbgraph.schema.kinds` and :mod:`cmdbgraph.schema.relationships`.
Users add kinds and relationship types (or extend a built-in kind's attribute schema) with a
config mapping, usually read from a YAML file::

    kinds:
      - name: Printer
        category: infrastructure
        attributes:
          serial: {type: string, required: true}
          toner: {type: string, enum: [ok, low, empty]}
    relationship_types:
      - name: PRINTS_FOR
        propagates: false

>>> reg = Registry.from_config({"kinds": [{"name": "Printer", "attributes": {"serial": {"required": True}}}]})
>>> [p.code for p in reg.check_ci(CIData(id="p1", kind="Printer"))]
['ATTRIBUTE_REQUIRED']
>>> [p.code for p in reg.check_ci(CIData(id="x", kind="Spaceship"))]
['UNKNOWN_KIND']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cmdbgraph.schema.ci import CIData
from cmdbgraph.schema.errors import InvalidInput, Problem
from cmdbgraph.schema.kinds import BUILTIN_KINDS, KindSpec, check_attributes
from cmdbgraph.schema.relationships import BUILTIN_REL_TYPES, Relationship, RelTypeSpec


class RegistryConfig(BaseModel):
    """The shape of a user schema config file."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[KindSpec] = Field(default_factory=list)
    relationship_types: list[RelTypeSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Registry:
    """Known kinds and relationship types. Immutable; build a new one to change it."""

    kinds: Mapping[str, KindSpec] = field(default_factory=lambda: dict(BUILTIN_KINDS))
    rel_types: Mapping[str, RelTypeSpec] = field(default_factory=lambda: dict(BUILTIN_REL_TYPES))

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "schema config") -> Registry:
        """Built-ins plus the kinds and relationship types in ``config``.

        A kind named like a built-in extends it: its attribute specs are added to (and override)
        the built-in ones. Raises :class:`InvalidInput` naming each bad entry.
        """
        try:
            parsed = RegistryConfig.model_validate(config)
        except ValidationError as exc:
            raise InvalidInput(
                [
                    Problem(
                        "INVALID_SCHEMA_CONFIG",
                        e["msg"].removeprefix("Value error, "),
                        where=where,
                        field=".".join(str(p) for p in e["loc"]),
                    )
                    for e in exc.errors()
                ]
            ) from None
        kinds = dict(BUILTIN_KINDS)
        for spec in parsed.kinds:
            base = kinds.get(spec.name)
            if base is not None:
                spec = base.model_copy(update={"attributes": {**base.attributes, **spec.attributes}})
            kinds[spec.name] = spec
        rel_types = dict(BUILTIN_REL_TYPES)
        for i, rt in enumerate(parsed.relationship_types):
            if rt.name in BUILTIN_REL_TYPES and rt != BUILTIN_REL_TYPES[rt.name]:
                raise InvalidInput.one(
                    "INVALID_SCHEMA_CONFIG",
                    f"built-in relationship type {rt.name} cannot be redefined",
                    where=where,
                    field=f"relationship_types.{i}",
                )
            rel_types[rt.name] = rt
        return cls(kinds=kinds, rel_types=rel_types)

    def check_ci(self, ci: CIData) -> list[Problem]:
        """Problems of ``ci`` against this registry: unknown kind, attribute schema."""
        spec = self.kinds.get(ci.kind)
        if spec is None:
            return [Problem("UNKNOWN_KIND", f"unknown kind {ci.kind!r}", field="kind")]
        return check_attributes(spec, ci.attributes)

    def check_relationship(self, rel: Relationship) -> list[Problem]:
        """Problems of ``rel`` against this registry: unknown relationship type."""
        if rel.type not in self.rel_types:
            return [Problem("UNKNOWN_REL_TYPE", f"unknown relationship type {rel.type!r}", field="type")]
        return []

    def consumer(self, rel: Relationship) -> str:
        """The end of ``rel`` that failures flow to (the consumer)."""
        return self.rel_types[rel.type].consumer(rel)

    @property
    def propagating(self) -> frozenset[str]:
        """Names of the relationship types along which failures propagate."""
        return frozenset(n for n, r in self.rel_types.items() if r.propagates)


DEFAULT_REGISTRY = Registry()
