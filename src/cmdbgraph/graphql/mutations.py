"""Write fields. Every mutation is one store batch recorded with the token's identity as actor
(``token:NAME``), so the audit history says which token made each change; a refused mutation
writes nothing. Batch sizes are bounded by :class:`~cmdbgraph.graphql.limits.Limits`.
"""

from __future__ import annotations

from dataclasses import replace

import strawberry
from strawberry.experimental.pydantic import input as pydantic_input
from strawberry.scalars import JSON
from strawberry.types import Info

from cmdbgraph.access.ownership import OWNED_BY, out_of_scope
from cmdbgraph.access.roles import Permission
from cmdbgraph.graphdb import Batch, Direction, GraphStore, WriteResult
from cmdbgraph.graphql.context import ApiContext
from cmdbgraph.graphql.errors import Forbidden
from cmdbgraph.graphql.types import CIType, WriteSummary, ci_out
from cmdbgraph.schema import CIData, InvalidInput, Relationship, Status

ContextInfo = Info[ApiContext, None]


@pydantic_input(model=CIData, all_fields=True, name="CIInput")
class CIInput:
    """A CI to create or replace (its whole content)."""

    attributes: JSON | None = None


@pydantic_input(model=Relationship, all_fields=True, name="RelationshipInput")
class RelationshipInput:
    """A relationship to create or replace."""

    attributes: JSON | None = None
    min_up: JSON | None = None


@strawberry.input
class RelationshipKey:
    source: strawberry.ID
    type: str
    target: strawberry.ID


def _principals(ctx: ApiContext) -> list[str]:
    token = ctx.caller
    return [p for p in (token.person, token.team) if p is not None]


def _owners(store: GraphStore, ci_id: str) -> frozenset[str] | None:
    if store.find_ci(ci_id) is None:
        return None
    return frozenset(n.ci.id for n in store.neighbours(ci_id, Direction.OUT, [OWNED_BY]))


_STORE_PATHS = (("cis[", "upsertCis["), ("relationships[", "upsertRelationships["))


def _argument_path(where: str) -> str:
    """A store problem's record path (``cis[3]``) as the mutation's argument path (``upsertCis[3]``)."""
    for store_prefix, argument_prefix in _STORE_PATHS:
        if where.startswith(store_prefix):
            return argument_prefix + where[len(store_prefix) :]
    return where


def _summary(result: WriteResult) -> WriteSummary:
    return WriteSummary(
        seq=result.seq,
        created_cis=[strawberry.ID(i) for i in result.created_cis],
        updated_cis=[strawberry.ID(i) for i in result.changed_cis],
        deleted_cis=[strawberry.ID(i) for i in result.deleted_cis],
        created_relationships=len(result.created_relationships),
        deleted_relationships=len(result.deleted_relationships),
        changes=result.changes,
    )


def _to_models(
    cis: list[CIInput], relationships: list[RelationshipInput]
) -> tuple[list[CIData], list[Relationship]]:
    """Validate the inputs into models; every invalid one is reported with its path."""
    from pydantic import ValidationError

    models_cis: list[CIData] = []
    models_rels: list[Relationship] = []
    problems = []
    for name, items, out in (
        ("upsertCis", cis, models_cis),
        ("upsertRelationships", relationships, models_rels),
    ):
        for i, item in enumerate(items):
            data = {k: v for k, v in vars(item).items() if v is not None}
            model = CIData if name == "upsertCis" else Relationship
            try:
                out.append(model.model_validate(data))  # type: ignore[arg-type]
            except ValidationError as exc:
                for e in exc.errors():
                    loc = ".".join(str(p) for p in e["loc"])
                    from cmdbgraph.schema import Problem

                    problems.append(Problem("INVALID_VALUE", e["msg"], field=f"{name}[{i}].{loc}"))
    if problems:
        raise InvalidInput(problems)
    return models_cis, models_rels


@strawberry.type
class Mutation:
    """Everything a caller can change."""

    @strawberry.mutation(description="Upsert and delete CIs and relationships in one transaction")
    async def apply_batch(
        self,
        info: ContextInfo,
        upsert_cis: list[CIInput] | None = None,
        upsert_relationships: list[RelationshipInput] | None = None,
        delete_relationships: list[RelationshipKey] | None = None,
        retire_cis: list[strawberry.ID] | None = None,
        delete_cis: list[strawberry.ID] | None = None,
        dry_run: bool = False,
    ) -> WriteSummary:
        ctx = info.context
        token = ctx.require(Permission.GRAPH_WRITE, Permission.GRAPH_WRITE_OWNED)
        parts = [upsert_cis, upsert_relationships, delete_relationships, retire_cis, delete_cis]
        ctx.api.limits.check_count(
            [x for part in parts for x in part or []], argument="batch", limit=ctx.api.limits.max_batch
        )
        cis, rels = _to_models(upsert_cis or [], upsert_relationships or [])
        batch = Batch(
            upsert_cis=cis,
            upsert_relationships=rels,
            delete_relationships=[(str(k.source), k.type, str(k.target)) for k in delete_relationships or []],
            retire_cis=[str(i) for i in retire_cis or []],
            delete_cis=[str(i) for i in delete_cis or []],
        )
        store = ctx.api.store

        def write() -> WriteResult:
            if not ctx.can(Permission.GRAPH_WRITE):
                problems = out_of_scope(batch, _principals(ctx), lambda ci_id: _owners(store, ci_id))
                if problems:
                    raise Forbidden("; ".join(p.message for p in problems[:5]))
            try:
                return store.apply(batch, actor=token.identity, source=token.identity, dry_run=dry_run)
            except InvalidInput as exc:
                raise InvalidInput(
                    [replace(p, where=_argument_path(p.where)) for p in exc.problems]
                ) from None

        return _summary(await ctx.run(write))

    @strawberry.mutation(description="Set a CI's operational status (operators, or the CI's owners)")
    async def set_status(self, info: ContextInfo, ci_id: strawberry.ID, status: Status) -> CIType:
        ctx = info.context
        token = ctx.require(Permission.CI_STATUS, Permission.GRAPH_WRITE_OWNED)
        store = ctx.api.store

        def write() -> CIData:
            current = store.get_ci(str(ci_id))
            if not ctx.can(Permission.CI_STATUS):
                owners = _owners(store, current.id) or frozenset()
                if not owners & set(_principals(ctx)):
                    raise Forbidden(f"{current.id!r} is not owned by this token's person or team")
            updated = current.content().model_copy(update={"status": status})
            store.apply(Batch(upsert_cis=[updated]), actor=token.identity, source=token.identity)
            return store.get_ci(current.id)

        return ci_out(ctx, await ctx.run(write))  # type: ignore[arg-type]
