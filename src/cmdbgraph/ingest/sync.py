"""Syncing one import source into a store, and reading a CI's provenance back.

:func:`sync_source` is one sync: it reads the store once, plans the run with
:func:`~cmdbgraph.ingest.reconcile.reconcile` (identification, precedence, stale claims) and
applies the plan as **one batch**, so a refused run (bad input, an invalid merged CI) writes
nothing, and ``dry_run`` validates the same batch against the store without writing it.

Reading: the plan needs every claim of every source (identities and precedence span sources),
the CIs of the kinds the run claims, and the relationships among them. :func:`sync_source`
takes them from one ``store.contents()`` call: one consistent read (on Neo4j one query), at the
cost of holding the whole graph in memory for the run; that is the same read the analyses make,
and a source's run touches a large share of it anyway (its claims and their CIs). A store that
changes between the read and the write is not detected: like every service here, the last
writer wins, and the next run of the source reconciles again.

:func:`provenance` answers "who said what, when" for one CI: every field each source claims,
with its evidence and whether the CI holds that value, plus the values no claim states
(``manual``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue

from cmdbgraph.graphdb import Direction, GraphStore, WriteResult
from cmdbgraph.ingest.claims import CLAIM_KIND, CLAIMS_ATTRIBUTE, CLAIMS_REL, MANUAL, Claim
from cmdbgraph.ingest.precedence import IdentificationRules, Precedence
from cmdbgraph.ingest.reconcile import reconcile
from cmdbgraph.ingest.sources import SourceGraph
from cmdbgraph.ingest.sync_report import SyncReport, WriteSummary
from cmdbgraph.schema.ci import same_json

DEFAULT_GRACE = timedelta(days=7)


def write_summary(result: WriteResult) -> WriteSummary:
    """The counts of a store's write result."""
    return WriteSummary(
        seq=result.seq,
        changes=result.changes,
        cis_created=len(result.created_cis),
        cis_changed=len(result.changed_cis),
        cis_retired=len(result.retired_cis),
        cis_deleted=len(result.deleted_cis),
        relationships_created=len(result.created_relationships),
        relationships_changed=len(result.changed_relationships),
        relationships_deleted=len(result.deleted_relationships),
    )


def sync_source(
    store: GraphStore,
    graph: SourceGraph,
    *,
    source: str,
    actor: str,
    now: datetime,
    rules: IdentificationRules | None = None,
    precedence: Precedence | None = None,
    grace: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Sync ``source`` with ``graph``: reconcile against the store, then apply one batch.

    ``actor`` is recorded in the history; the store records ``import:{source}`` as the
    provenance of the CIs written. ``now`` (timezone-aware) stamps the claims and decides which
    stale claims have outlived ``grace``. With ``dry_run`` the batch is validated by the store
    and nothing is written; the report is the same. Raises ``InvalidInput`` (nothing written).
    """
    plan = reconcile(
        store.contents(),
        graph,
        source=source,
        registry=store.registry,
        now=now,
        grace=grace,
        rules=rules,
        precedence=precedence,
    )
    result = store.apply(
        plan.batch, actor=actor, source=f"import:{source}", dry_run=dry_run, progress=progress
    )
    return plan.report.model_copy(update={"dry_run": dry_run, "write": write_summary(result)})


@dataclass(frozen=True)
class AttributeClaim:
    """One field of a CI as one source states it (or as written by hand: ``source="manual"``)."""

    source: str
    key: str
    attribute: str
    """``name`` or ``attributes.X``."""
    value: JsonValue
    last_seen: str | None
    stale_since: str | None
    evidence: tuple[JsonValue, ...]
    winner: bool
    """True when the CI holds this value."""


@dataclass(frozen=True)
class RelationshipClaim:
    """One source's claim on a relationship of the CI."""

    source_id: str
    type: str
    target_id: str
    source: str
    last_seen: str | None
    stale_since: str | None
    evidence: tuple[JsonValue, ...]


def provenance(store: GraphStore, ci_id: str) -> list[AttributeClaim]:
    """Every field of the CI each source claims, and the held values no claim states.

    Ordered by field, the held value first, then by source. Raises ``CINotFound``.
    """
    ci = store.get_ci(ci_id)
    current: dict[str, JsonValue] = {
        "name": ci.name,
        **{f"attributes.{k}": v for k, v in ci.attributes.items()},
    }
    claims = [
        Claim.from_ci(n.ci, ci_id)
        for n in store.neighbours(ci_id, Direction.IN, [CLAIMS_REL])
        if n.ci.kind == CLAIM_KIND
    ]
    rows = [
        AttributeClaim(
            source=claim.source,
            key=claim.key,
            attribute=name,
            value=value,
            last_seen=claim.last_seen or None,
            stale_since=claim.stale_since,
            evidence=claim.evidence,
            winner=name in current and same_json(current[name], value),
        )
        for claim in claims
        for name, value in claim.fields().items()
    ]
    held = {r.attribute for r in rows if r.winner}
    updated = ci.updated_at.isoformat() if ci.updated_at else None
    rows += [
        AttributeClaim(MANUAL, "", name, value, updated, None, (), True)
        for name, value in current.items()
        if name not in held
    ]
    return sorted(rows, key=lambda r: (r.attribute, not r.winner, r.source, r.key))


def relationship_provenance(store: GraphStore, ci_id: str) -> list[RelationshipClaim]:
    """The sources claiming each relationship of the CI (``CLAIMS`` links left out)."""
    rows: list[RelationshipClaim] = []
    for n in store.neighbours(ci_id, Direction.BOTH):
        rel = n.relationship
        claims = rel.attributes.get(CLAIMS_ATTRIBUTE)
        if rel.type == CLAIMS_REL or not isinstance(claims, dict):
            continue
        for source, entry in sorted(claims.items()):
            if not isinstance(entry, dict):
                continue
            last, stale, evidence = entry.get("last_seen"), entry.get("stale_since"), entry.get("evidence")
            rows.append(
                RelationshipClaim(
                    source_id=rel.source,
                    type=rel.type,
                    target_id=rel.target,
                    source=source,
                    last_seen=last if isinstance(last, str) else None,
                    stale_since=stale if isinstance(stale, str) else None,
                    evidence=tuple(evidence) if isinstance(evidence, list) else (),
                )
            )
    return rows
