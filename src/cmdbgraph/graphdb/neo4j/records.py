"""Converting CIs, relationships and history between the model and Neo4j properties.

Neo4j properties hold scalars and lists, not maps, so ``attributes`` travel as JSON text; every
other field is a property of its own so that people can query the graph in plain Cypher.

Timestamps are native Neo4j ``DateTime`` values (``native_time=True``, the default) or ISO-8601
UTC text with microseconds (``native_time=False``, only for FalkorDB's Bolt listener, which
crashes on any temporal value in a result). This is the one temporal switch of the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from neo4j.graph import Entity
from neo4j.time import DateTime

from cmdbgraph.graphdb.documents import encode_ci, encode_relationship, history_entry
from cmdbgraph.graphdb.store import HistoryEntry
from cmdbgraph.schema import CI, Provenance, Relationship, Status
from cmdbgraph.schema.ci import trusted_ci
from cmdbgraph.schema.relationships import trusted_relationship

Properties = Mapping[str, Any] | Entity
"""A property map, or a driver ``Node``/``Relationship`` (read like one)."""


class TimeCodec:
    """How timestamps are written to and read from the server (see the module docstring)."""

    def __init__(self, *, native: bool) -> None:
        self.native = native
        self._parsed: dict[str, datetime] = {}

    def param(self, at: datetime | None) -> datetime | str | None:
        """A timestamp as a query parameter."""
        if at is None:
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        at = at.astimezone(UTC)
        return at if self.native else at.isoformat(timespec="microseconds")

    def required(self, raw: object) -> datetime:
        """A timestamp that must be present."""
        at = self.value(raw)
        if at is None:
            raise ValueError("a required timestamp is missing in the database")
        return at

    def value(self, raw: object) -> datetime | None:
        """A timestamp read back from the server."""
        if raw is None:
            return None
        if isinstance(raw, DateTime):
            return raw.to_native().astimezone(UTC)
        if isinstance(raw, datetime):
            return raw.astimezone(UTC)
        text = str(raw)
        at = self._parsed.get(text)
        if at is None:
            at = self._parsed[text] = datetime.fromisoformat(text)
        return at


def _attributes_text(attributes: Mapping[str, Any]) -> str | None:
    return orjson.dumps(attributes).decode() if attributes else None


def ci_row(ci: CI, times: TimeCodec) -> dict[str, Any]:
    """The ``UPSERT_CIS`` row of a CI."""
    p = ci.provenance
    return {
        "id": ci.id,
        "kind": ci.kind,
        "name": ci.name,
        "criticality": ci.criticality,
        "status": ci.status.value,
        "attributes": _attributes_text(ci.attributes),
        "source": p.source if p else None,
        "first_seen": times.param(p.first_seen if p else None),
        "last_seen": times.param(p.last_seen if p else None),
        "created_at": times.param(ci.created_at),
        "updated_at": times.param(ci.updated_at),
        "fold_id": ci.id.casefold(),
        "fold_name": ci.name.casefold(),
    }


def ci_from_properties(props: Properties, times: TimeCodec) -> CI:
    """A CI from the properties of its node (written by this store, so trusted)."""
    source = props.get("source")
    provenance = None
    if source is not None:
        provenance = Provenance.model_construct(
            source=source,
            first_seen=times.required(props.get("first_seen")),
            last_seen=times.required(props.get("last_seen")),
        )
    text = props.get("attributes")
    return trusted_ci(
        {
            "id": props["id"],
            "kind": props["kind"],
            "name": props["name"],
            "criticality": props["criticality"],
            "status": Status(props["status"]),
            "attributes": orjson.loads(text) if text else {},
            "provenance": provenance,
            "created_at": times.value(props.get("created_at")),
            "updated_at": times.value(props.get("updated_at")),
        }
    )


def rel_row(rel: Relationship) -> dict[str, Any]:
    """The ``upsert_rels`` row of a relationship."""
    return {
        "source": rel.source,
        "target": rel.target,
        "optional": rel.optional,
        "redundancy_group": rel.redundancy_group,
        "min_up": rel.min_up,
        "attributes": _attributes_text(rel.attributes),
    }


def rel_from_properties(source: str, rel_type: str, target: str, props: Properties) -> Relationship:
    """A relationship from its key and the properties of its Neo4j relationship."""
    text = props.get("attributes")
    return trusted_relationship(
        {
            "source": source,
            "target": target,
            "type": rel_type,
            "optional": bool(props.get("optional", False)),
            "redundancy_group": props.get("redundancy_group"),
            "min_up": props.get("min_up"),
            "attributes": orjson.loads(text) if text else {},
        }
    )


def history_row(
    seq: int,
    at: datetime,
    actor: str,
    entity: str,
    key: tuple[str, str | None, str | None],
    op: str,
    before: CI | Relationship | None,
    after: CI | Relationship | None,
    times: TimeCodec,
) -> dict[str, Any]:
    """The ``APPEND_HISTORY`` row of one change; documents are the embedded store's JSON."""
    return {
        "seq": seq,
        "at": times.param(at),
        "actor": actor,
        "entity": entity,
        "a": key[0],
        "t": key[1],
        "b": key[2],
        "op": op,
        "before": _document(before),
        "after": _document(after),
    }


def _document(item: CI | Relationship | None) -> str | None:
    if item is None:
        return None
    return encode_ci(item) if isinstance(item, CI) else encode_relationship(item)


def entry_from_properties(props: Properties, times: TimeCodec) -> HistoryEntry:
    """A :class:`HistoryEntry` from a ``CmdbChange`` node's properties."""
    return history_entry(
        props["seq"],
        times.required(props["at"]),
        props["actor"],
        props["entity"],
        props["a"],
        props.get("t"),
        props.get("b"),
        props["op"],
        props.get("before"),
        props.get("after"),
    )
