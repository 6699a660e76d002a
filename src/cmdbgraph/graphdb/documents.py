"""How CIs and relationships are stored as JSON documents, and read back fast.

Documents are written by the store itself after validation, so decoding trusts them and skips
pydantic validation (about 4x faster). Decoding shares equal provenance objects and
timestamps between CIs: a bulk import stamps thousands of CIs with the same ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

import orjson

from cmdbgraph.graphdb.store import HistoryEntry, RelKey
from cmdbgraph.schema import CI, Provenance, Relationship, Status
from cmdbgraph.schema.ci import trusted_ci
from cmdbgraph.schema.relationships import trusted_relationship


def encode_ci(ci: CI) -> str:
    """The stored document of a CI (content, provenance, timestamps)."""
    p = ci.provenance
    return orjson.dumps(
        {
            "id": ci.id,
            "kind": ci.kind,
            "name": ci.name,
            "criticality": ci.criticality,
            "status": ci.status.value,
            "attributes": ci.attributes,
            "provenance": None
            if p is None
            else {"source": p.source, "first_seen": p.first_seen, "last_seen": p.last_seen},
            "created_at": ci.created_at,
            "updated_at": ci.updated_at,
        }
    ).decode()


def encode_relationship(rel: Relationship) -> str:
    """The stored document of a relationship: only its fields that differ from the defaults
    (its key is stored in columns beside it). A plain relationship is ``{}``."""
    doc: dict[str, Any] = {}
    if rel.optional:
        doc["optional"] = True
    if rel.redundancy_group is not None:
        doc["redundancy_group"] = rel.redundancy_group
    if rel.min_up is not None:
        doc["min_up"] = rel.min_up
    if rel.attributes:
        doc["attributes"] = rel.attributes
    return orjson.dumps(doc).decode() if doc else "{}"


def relationship_values(source: str, rel_type: str, target: str, doc: str | bytes) -> dict[str, Any]:
    """Every field of a relationship from its key and stored document."""
    extra = orjson.loads(doc) if doc != "{}" else {}
    return {
        "source": source,
        "target": target,
        "type": rel_type,
        "optional": extra.get("optional", False),
        "redundancy_group": extra.get("redundancy_group"),
        "min_up": extra.get("min_up"),
        "attributes": extra.get("attributes", {}),
    }


class Decoder:
    """Decodes stored documents; keeps caches so equal timestamps and provenance are shared."""

    def __init__(self) -> None:
        self._times: dict[str, datetime] = {}
        self._provenance: dict[tuple[str, str, str], Provenance] = {}

    def _at(self, text: str) -> datetime:
        at = self._times.get(text)
        if at is None:
            at = self._times[text] = datetime.fromisoformat(text)
        return at

    def _time(self, text: str | None) -> datetime | None:
        return None if text is None else self._at(text)

    def ci(self, doc: str | bytes) -> CI:
        """A CI from its stored document."""
        d: dict[str, Any] = orjson.loads(doc)
        p = d["provenance"]
        provenance = None
        if p is not None:
            key = (p["source"], p["first_seen"], p["last_seen"])
            provenance = self._provenance.get(key)
            if provenance is None:
                provenance = self._provenance[key] = Provenance.model_construct(
                    source=key[0], first_seen=self._at(key[1]), last_seen=self._at(key[2])
                )
        d["status"] = Status(d["status"])
        d["provenance"] = provenance
        d["created_at"] = self._time(d["created_at"])
        d["updated_at"] = self._time(d["updated_at"])
        return trusted_ci(d)

    def relationship(self, source: str, rel_type: str, target: str, doc: str | bytes) -> Relationship:
        """A relationship from its key and stored document."""
        return trusted_relationship(relationship_values(source, rel_type, target, doc))


def history_entry(
    seq: int,
    at: datetime,
    actor: str,
    entity: str,
    a: str,
    t: str | None,
    b: str | None,
    op: str,
    before: str | None,
    after: str | None,
) -> HistoryEntry:
    """A :class:`HistoryEntry` from the stored columns of one change (documents decoded)."""
    if entity == "ci":
        key: str | RelKey = a
        before_doc = orjson.loads(before) if before else None
        after_doc = orjson.loads(after) if after else None
    else:
        key = (a, cast(str, t), cast(str, b))
        before_doc = relationship_values(*key, before) if before else None
        after_doc = relationship_values(*key, after) if after else None
    return HistoryEntry(
        seq=seq,
        at=at,
        actor=actor,
        entity=cast(Literal["ci", "relationship"], entity),
        key=key,
        op=cast(Literal["create", "update", "delete"], op),
        before=before_doc,
        after=after_doc,
    )


def entry_documents(entry: HistoryEntry) -> tuple[str | None, str | None]:
    """The stored ``before``/``after`` documents of a change, byte for byte as the store that
    recorded it wrote them (for copying a history between stores)."""

    def document(values: dict[str, Any] | None) -> str | None:
        if values is None:
            return None
        if entry.entity == "ci":
            return orjson.dumps(values).decode()
        return encode_relationship(trusted_relationship(values))

    return document(entry.before), document(entry.after)


def entry_key(entry: HistoryEntry) -> tuple[str, str | None, str | None]:
    """``(a, t, b)``: the CI id, or the relationship's source, type and target."""
    if isinstance(entry.key, str):
        return entry.key, None, None
    return entry.key
