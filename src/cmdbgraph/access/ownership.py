"""The owner role's scope: which parts of a write batch a principal may make (pure).

An owner token writes only CIs owned (``OWNED_BY``) by its principal (its person or team):

- an existing CI it upserts, retires or deletes must be owned by the principal now;
- a new CI must be given to the principal in the same batch (an ``OWNED_BY`` relationship from
  the new CI to the principal);
- a relationship it upserts or deletes must start at a CI it may write (so an owner can say what
  its CIs depend on, but not what other teams' CIs depend on).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from cmdbgraph.graphdb import Batch
from cmdbgraph.schema import Problem

OWNED_BY = "OWNED_BY"


def out_of_scope(
    batch: Batch, principals: Collection[str], owners_of: Callable[[str], frozenset[str] | None]
) -> list[Problem]:
    """One ``OUT_OF_SCOPE`` problem per part of ``batch`` the principals may not write.
    ``owners_of(ci_id)`` gives a stored CI's current owners, or ``None`` for a CI not stored."""
    mine = set(principals)
    given = {r.source for r in batch.upsert_relationships if r.type == OWNED_BY and r.target in mine}
    verdict: dict[str, bool] = {}

    def may_write(ci_id: str) -> bool:
        if ci_id not in verdict:
            owners = owners_of(ci_id)
            verdict[ci_id] = (ci_id in given) if owners is None else bool(owners & mine)
        return verdict[ci_id]

    problems: list[Problem] = []
    for i, ci in enumerate(batch.upsert_cis):
        if not may_write(ci.id):
            problems.append(_problem(f"upsertCis[{i}]", ci.id))
    for i, rel in enumerate(batch.upsert_relationships):
        if not may_write(rel.source):
            problems.append(_problem(f"upsertRelationships[{i}]", rel.source))
    for i, key in enumerate(batch.delete_relationships):
        if not may_write(key[0]):
            problems.append(_problem(f"deleteRelationships[{i}]", key[0]))
    for name, ids in (("retireCis", batch.retire_cis), ("deleteCis", batch.delete_cis)):
        for i, ci_id in enumerate(ids):
            if not may_write(ci_id):
                problems.append(_problem(f"{name}[{i}]", ci_id))
    return problems


def _problem(field: str, ci_id: str) -> Problem:
    return Problem(
        "OUT_OF_SCOPE",
        f"{ci_id!r} is not owned by this token's person or team (a new CI must be given an OWNED_BY "
        "relationship to it in the same batch)",
        field=field,
        where=ci_id,
    )
