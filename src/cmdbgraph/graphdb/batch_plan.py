"""Planning a batch: validate it completely against the current graph and work out the diff.

Planning is pure: it reads a :class:`GraphIndex` (the state the batch will be applied to) and
returns a :class:`Plan` of row-level writes, or raises. A store then writes the plan in one
transaction. Problem ``where`` values name the record of the batch (``cis[3]``,
``relationships[10]``), so a file importer that builds its batch in file order can map them
back to the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cmdbgraph.graphdb.memory_index import GraphIndex
from cmdbgraph.graphdb.store import Batch, RelKey, WriteResult
from cmdbgraph.schema import (
    CI,
    CIData,
    CINotFound,
    InvalidInput,
    Problem,
    Provenance,
    Registry,
    Relationship,
    RelationshipNotFound,
    Status,
)
from cmdbgraph.schema.ci import trusted_ci
from cmdbgraph.schema.redundancy import check_groups, collect_groups


@dataclass
class Plan:
    """Row-level writes of a batch, each with its before-image, and the result to report."""

    ci_writes: list[tuple[CI, CI | None]] = field(default_factory=list)
    ci_deletes: list[CI] = field(default_factory=list)
    rel_writes: list[tuple[Relationship, Relationship | None]] = field(default_factory=list)
    rel_deletes: list[Relationship] = field(default_factory=list)
    result: WriteResult = field(default_factory=lambda: WriteResult(seq=0))

    @property
    def empty(self) -> bool:
        """True when the batch changes nothing."""
        return not (self.ci_writes or self.ci_deletes or self.rel_writes or self.rel_deletes)


def _stored(content: CIData, before: CI | None, fresh: Provenance, source: str, now: datetime) -> CI:
    """The stored form of ``content`` replacing ``before`` (``fresh``: provenance of a new CI)."""
    values = {
        "id": content.id,
        "kind": content.kind,
        "name": content.name,
        "criticality": content.criticality,
        "status": content.status,
        "attributes": content.attributes,
        "provenance": fresh,
        "created_at": now,
        "updated_at": now,
    }
    if before is not None:
        first = before.provenance.first_seen if before.provenance else now
        values["provenance"] = Provenance.model_construct(source=source, first_seen=first, last_seen=now)
        values["created_at"] = before.created_at or now
    return trusted_ci(values)


def plan_batch(batch: Batch, index: GraphIndex, registry: Registry, *, source: str, now: datetime) -> Plan:
    """Validate ``batch`` against ``index`` and return the writes it needs.

    Raises :class:`InvalidInput` listing every problem, :class:`CINotFound` /
    :class:`RelationshipNotFound` for deletes or retirements of things that do not exist.
    """
    plan = Plan()
    result = plan.result
    fresh = Provenance.model_construct(source=source, first_seen=now, last_seen=now)
    problems: list[Problem] = []

    # -- CIs: validate and diff in one pass (the plan is discarded if anything is wrong) ----
    index_cis = index.cis
    check_ci = registry.check_ci
    upserted: dict[str, tuple[int, CIData]] = {}
    final_ci: dict[str, CI] = {}
    ci_writes: dict[str, tuple[CI, CI | None]] = {}  # by id: a retire replaces an upsert's write
    for i, content in enumerate(batch.upsert_cis):
        bad = check_ci(content)
        if bad:
            problems.extend(Problem(p.code, p.message, f"cis[{i}]", p.field) for p in bad)
        ci_id = content.id
        seen = upserted.get(ci_id)
        if seen is not None:
            if not seen[1].same_content(content):
                problems.append(
                    Problem(
                        "CONFLICTING_DUPLICATE",
                        f"id {ci_id!r} appears again with different content (first at cis[{seen[0]}])",
                        f"cis[{i}]",
                        "id",
                    )
                )
            continue
        upserted[ci_id] = (i, content)
        before = index_cis.get(ci_id)
        if before is not None and before.same_content(content):
            result.unchanged_cis += 1
            continue
        stored = _stored(content, before, fresh, source, now)
        final_ci[ci_id] = stored
        ci_writes[ci_id] = (stored, before)
        (result.changed_cis if before is not None else result.created_cis).append(ci_id)

    deleted_cis = set(batch.delete_cis)
    for ci_id in [*batch.delete_cis, *batch.retire_cis]:
        if ci_id not in index_cis and ci_id not in upserted:
            raise CINotFound(ci_id)

    # -- relationships: validate and diff in one pass ------------------------------------------
    rel_types = registry.rel_types
    index_rels = index.rels
    rel_upserts: dict[RelKey, tuple[int, Relationship]] = {}
    for i, rel in enumerate(batch.upsert_relationships):
        source_id, rel_type, target_id = rel.source, rel.type, rel.target
        if rel_type not in rel_types:
            problems.append(
                Problem(
                    "UNKNOWN_REL_TYPE",
                    f"unknown relationship type {rel_type!r}",
                    f"relationships[{i}]",
                    "type",
                )
            )
        for end, end_id in (("source", source_id), ("target", target_id)):
            if (end_id not in upserted and end_id not in index_cis) or end_id in deleted_cis:
                problems.append(
                    Problem("DANGLING_ENDPOINT", f"{end} {end_id!r} is not a CI", f"relationships[{i}]", end)
                )
        key = (source_id, rel_type, target_id)
        seen_rel = rel_upserts.get(key)
        if seen_rel is not None:
            if not seen_rel[1].same_content(rel):
                problems.append(
                    Problem(
                        "CONFLICTING_DUPLICATE",
                        f"relationship {key} appears again with different content "
                        f"(first at relationships[{seen_rel[0]}])",
                        f"relationships[{i}]",
                    )
                )
            continue
        rel_upserts[key] = (i, rel)
        before_rel = index_rels.get(key)
        if before_rel is not None and before_rel.same_content(rel):
            result.unchanged_relationships += 1
            continue
        plan.rel_writes.append((rel, before_rel))
        (result.changed_relationships if before_rel is not None else result.created_relationships).append(key)

    # explicit deletes first, then the relationships of deleted CIs (cascade), in a stable order
    rel_deleted: dict[RelKey, None] = {}
    for key in batch.delete_relationships:
        if key not in index_rels:
            raise RelationshipNotFound(*key)
        rel_deleted[key] = None
    for ci_id in dict.fromkeys(batch.delete_cis):
        for cascaded in sorted(r.key for r in index.relationships_of(ci_id)):
            rel_deleted.setdefault(cascaded)

    problems.extend(_group_problems(index, registry, rel_upserts, rel_deleted, deleted_cis))
    if problems:
        raise InvalidInput(problems)

    # -- retirements and deletes ---------------------------------------------------------------
    for ci_id in dict.fromkeys(batch.retire_cis):
        current = final_ci.get(ci_id) or index.cis.get(ci_id)
        assert current is not None  # checked above
        if current.status == Status.RETIRED:
            continue
        before = index.cis.get(ci_id)
        retired = _stored(current.model_copy(update={"status": Status.RETIRED}), before, fresh, source, now)
        ci_writes[ci_id] = (retired, before)
        final_ci[ci_id] = retired
        result.retired_cis.append(ci_id)

    for key in rel_deleted:
        plan.rel_deletes.append(index_rels[key])
        result.deleted_relationships.append(key)
    for ci_id in deleted_cis:
        ci_writes.pop(ci_id, None)
    if deleted_cis or result.retired_cis:  # report each CI once, by its final outcome
        retired_ids = set(result.retired_cis)
        result.created_cis = [i for i in result.created_cis if i not in deleted_cis]
        result.changed_cis = [i for i in result.changed_cis if i not in deleted_cis and i not in retired_ids]
        result.retired_cis = [i for i in result.retired_cis if i not in deleted_cis]
    plan.ci_writes = list(ci_writes.values())
    for ci_id in dict.fromkeys(batch.delete_cis):
        before = index_cis.get(ci_id)
        if before is not None:
            plan.ci_deletes.append(before)
            result.deleted_cis.append(ci_id)
    result.changes = len(plan.ci_writes) + len(plan.ci_deletes) + len(plan.rel_writes) + len(plan.rel_deletes)
    return plan


def _group_problems(
    index: GraphIndex,
    registry: Registry,
    rel_upserts: dict[RelKey, tuple[int, Relationship]],
    rel_deleted: Mapping[RelKey, None],
    deleted_cis: set[str],
) -> Iterable[Problem]:
    """Problems of every redundancy group whose membership this batch touches."""
    touched: dict[str, int] = {}  # consumer -> first batch index touching its groups
    index_rels = index.rels
    for key, (i, rel) in rel_upserts.items():
        if rel.redundancy_group is None:
            before = index_rels.get(key)
            if before is None or before.redundancy_group is None:
                continue
        if rel.type in registry.rel_types:
            touched.setdefault(registry.consumer(rel), i)
    for key in rel_deleted:
        rel = index_rels[key]
        if rel.redundancy_group and rel.type in registry.rel_types:
            touched.setdefault(registry.consumer(rel), -1)
    if not touched:
        return []
    upserts_of: dict[str, list[Relationship]] = {}  # touched consumer -> its upserted relationships
    for rel in (r for _, r in rel_upserts.values()):
        if rel.type in registry.rel_types and (consumer := registry.consumer(rel)) in touched:
            upserts_of.setdefault(consumer, []).append(rel)
    problems: list[Problem] = []
    for consumer, first in touched.items():
        if consumer in deleted_cis:
            continue
        final: dict[RelKey, Relationship] = {
            r.key: r for r in index.relationships_of(consumer) if r.key not in rel_deleted
        }
        for rel in upserts_of.get(consumer, ()):
            final[rel.key] = rel
        groups = {k: g for k, g in collect_groups(final.values(), registry).items() if k[0] == consumer}
        for p in check_groups(groups):
            where = f"relationships[{first}] ({p.where})" if first >= 0 else p.where
            problems.append(Problem(p.code, p.message, where=where, field=p.field))
    return problems
