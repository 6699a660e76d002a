"""Source claims: what each source said about a CI or a relationship, as kept in the graph.

How claims are kept (both stores, through the ``GraphStore`` protocol only):

- Each source's claim about a CI is a ``SourceClaim`` node ``claim:{source}:{key}`` that
  ``CLAIMS`` the CI; it holds the claimed kind, name (``claimed_name``), identity, attributes,
  evidence, ``first_seen``/``last_seen``/``stale_since`` and ``ci_origin`` (``import`` when an
  import created the CI, ``existing`` when the CI was there before any import claimed it).
- A relationship's claims live on it: ``attributes.claims = {SOURCE: {evidence, first_seen,
  last_seen, stale_since?, optional?, attributes?}}``; ``attributes.created_by_import`` marks the
  relationships an import created.

:data:`MANUAL` is not a source: it names a value a CI holds that no claim said (a write outside
imports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import JsonValue

from cmdbgraph.graphdb.store import RelKey
from cmdbgraph.ingest.sources import Evidence
from cmdbgraph.schema import CIData

CLAIM_KIND = "SourceClaim"
CLAIMS_REL = "CLAIMS"
MANUAL = "manual"
CLAIMS_ATTRIBUTE = "claims"
IMPORTED_ATTRIBUTE = "created_by_import"


def claim_id(source: str, key: str) -> str:
    """The id of ``source``'s claim node for its ``key``."""
    return f"claim:{source}:{key}"


@dataclass(frozen=True)
class Claim:
    """One source's claim about one CI, as held by a ``SourceClaim`` node."""

    id: str
    source: str
    key: str
    kind: str
    name: str
    identity: Mapping[str, JsonValue]
    attributes: Mapping[str, JsonValue]
    evidence: tuple[JsonValue, ...]
    first_seen: str
    last_seen: str
    stale_since: str | None = None
    ci_origin: str = "import"
    target: str | None = None

    def fields(self) -> dict[str, JsonValue]:
        return {"name": self.name, **{f"attributes.{k}": v for k, v in self.attributes.items()}}

    def to_ci(self) -> CIData:
        attributes: dict[str, JsonValue] = {
            "source": self.source,
            "key": self.key,
            "claimed_kind": self.kind,
            "claimed_name": self.name,
            "identity": dict(self.identity),
            "attributes": dict(self.attributes),
            "evidence": list(self.evidence),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "ci_origin": self.ci_origin,
        }
        if self.stale_since is not None:
            attributes["stale_since"] = self.stale_since
        return CIData(id=self.id, kind=CLAIM_KIND, name=f"{self.source}: {self.key}", attributes=attributes)

    @classmethod
    def from_ci(cls, ci: CIData, target: str | None) -> Claim:
        a = ci.attributes

        def text(name: str, default: str = "") -> str:
            value = a.get(name)
            return value if isinstance(value, str) else default

        identity, attributes, evidence = a.get("identity"), a.get("attributes"), a.get("evidence")
        return cls(
            id=ci.id,
            source=text("source"),
            key=text("key"),
            kind=text("claimed_kind"),
            name=text("claimed_name", ci.name),
            identity=identity if isinstance(identity, dict) else {},
            attributes=attributes if isinstance(attributes, dict) else {},
            evidence=tuple(evidence) if isinstance(evidence, list) else (),
            first_seen=text("first_seen"),
            last_seen=text("last_seen"),
            stale_since=text("stale_since") or None,
            ci_origin=text("ci_origin", "import"),
            target=target,
        )


def rel_subject(key: RelKey) -> str:
    return f"{key[0]} -[{key[1]}]-> {key[2]}"


def evidence_json(evidence: Iterable[Evidence]) -> list[JsonValue]:
    return [e.model_dump(mode="json", exclude_defaults=True) for e in evidence]
