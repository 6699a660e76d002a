"""What an importer reads out of a source's files, before reconciliation (pure models).

Every importer (Backstage, Kubernetes, docker compose, CSV) turns files into one
:class:`SourceGraph`: the CIs and relationships *the source claims*, each with its **evidence**
(which file, which field, which line), and the notes of what it deliberately left out. Nothing
here knows the store: reconciliation (:mod:`cmdbgraph.ingest.reconcile`) decides which stored CI a
claim is (identification rules), which source wins each attribute (precedence), and what a source
stopped claiming (sync), and only then is anything written.

Contracts every importer keeps:

- A :class:`SourceCI` is named by ``key``, the source's own stable name for it (a Backstage
  entity ref ``component:default/petstore``, a Kubernetes ``deployment/default/frontend``, a
  compose ``service/frontend``, a CSV row's id column). Keys are unique within a graph.
- ``identity`` holds the attributes that identify the CI across sources (the registry's
  identification rules name which ones per kind); ``suggested_id`` is the CI id to use when the
  claim matches no stored CI (a kebab-case slug, unique within the graph).
- A :class:`SourceRelationship` joins two keys of the same graph (dangling references are an
  importer error, reported with their evidence, never a silent drop).
- Errors are ``InvalidInput`` with one :class:`~cmdbgraph.schema.Problem` per problem, ``where``
  = ``FILE:LINE`` (``FILE`` when no line is known) and ``field`` the path inside the record
  (``spec.dependsOn[1]``); an importer reports every problem it finds, and a refused input
  changes nothing because nothing is written before reconciliation.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slug(*parts: str) -> str:
    """A kebab-case id from ``parts`` (accents folded, anything else a single ``-``).

    >>> slug("Component", "default/Petstore Ä")
    'component-default-petstore-a'
    """
    text = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode().lower()
    return _SLUG_DROP.sub("-", text).strip("-") or "ci"


class Evidence(BaseModel):
    """Where a claim was read: a file, the field inside its record, and the line when known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    field: str = ""
    line: int | None = None
    detail: str = ""
    """Free text: e.g. ``PRODUCT_CATALOG_SERVICE_ADDR=productcatalogservice:3550``."""

    @property
    def where(self) -> str:
        """``FILE:LINE`` (or ``FILE``), the form problems use."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


class SourceCI(BaseModel):
    """One CI as a source describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    kind: str
    name: str
    suggested_id: str = Field(min_length=1)
    identity: dict[str, JsonValue] = Field(default_factory=dict)
    attributes: dict[str, JsonValue] = Field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()


class SourceRelationship(BaseModel):
    """A relationship a source claims between two of its CIs (by key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_key: str
    target_key: str
    type: str
    optional: bool = False
    attributes: dict[str, JsonValue] = Field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_key, self.type, self.target_key)


class SourceGraph(BaseModel):
    """Everything one import run of one source claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str
    cis: tuple[SourceCI, ...] = ()
    relationships: tuple[SourceRelationship, ...] = ()
    notes: tuple[str, ...] = ()
    """What the importer deliberately did not turn into CIs or relationships, and why (e.g. a
    load generator's target addresses, optional addresses)."""

    @field_validator("relationships")
    @classmethod
    def _distinct_relationships(cls, value: tuple[SourceRelationship, ...]) -> tuple[SourceRelationship, ...]:
        seen: set[tuple[str, str, str]] = set()
        for rel in value:
            if rel.key in seen:
                raise ValueError(f"relationship {rel.key} is claimed twice; merge its evidence instead")
            seen.add(rel.key)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SourceGraph:
        keys = [c.key for c in self.cis]
        if len(keys) != len(set(keys)):
            raise ValueError("CI keys must be unique within a source graph")
        ids = [c.suggested_id for c in self.cis]
        if len(ids) != len(set(ids)):
            raise ValueError("suggested ids must be unique within a source graph")
        known = set(keys)
        dangling = [
            r.key for r in self.relationships if r.source_key not in known or r.target_key not in known
        ]
        if dangling:
            raise ValueError(f"relationships name unknown keys: {dangling[:5]}")
        return self

    def by_key(self) -> dict[str, SourceCI]:
        """The CIs by key."""
        return {c.key: c for c in self.cis}
