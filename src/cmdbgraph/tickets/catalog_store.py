"""The service catalog in the graph: publishing :class:`~cmdbgraph.tickets.catalog.CatalogItem` s
and reading them back, on any :class:`GraphStore`.

An item is a CI of kind ``CatalogItem`` whose id is the item id, whose name is its title and
whose attributes are ``title``, ``department``, ``description`` (when not empty),
``sla_policy`` and ``definition``: the whole item as compact JSON
(:meth:`CatalogItem.to_data`), which is what :meth:`CatalogStore.get` reads back. The item is
``OWNED_BY`` its responsible group (a Team). Service requests ordered from it point at it
(``ORDERED_FROM``, see ``tickets.requests``).

:meth:`CatalogStore.publish` checks everything first and writes every item in one batch, or
nothing: ids must be distinct (``DUPLICATE_ITEM``), an existing CI with an item's id must be a
``CatalogItem`` (``WRONG_KIND``, field ``id``), and every team the item names must be a Team
of the graph (``UNKNOWN_REFERENCE`` / ``WRONG_KIND`` with the path of the reference as field:
``responsible_group``, ``approvals.<i>.team``, ``tasks.tasks.<i>.group``; ``where`` is the
item id). Publishing an item again replaces its definition (and its ``OWNED_BY`` link when the
group changed); publishing identical items writes nothing.

FalkorDB's Bolt listener (the CI stand-in for Neo4j) cannot store quotes or backslashes, and
crashes on a statement of more than a few kB: creating an item of the demo's size works, but
changing one writes a history entry with both documents (about 5 kB for ``hr-onboarding``)
and takes the listener down. Neo4j has neither limit.
"""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Iterable
from typing import get_args

from pydantic import JsonValue

from cmdbgraph.graphdb import Batch, Direction, GraphStore, RelKey, WriteResult
from cmdbgraph.schema import CI, CIData, CINotFound, InvalidInput, Problem, Relationship
from cmdbgraph.tickets.catalog import CatalogItem, Department

CATALOG_ITEM_KIND = "CatalogItem"
OWNED_BY = "OWNED_BY"
DEPARTMENTS: tuple[str, ...] = get_args(Department)
"""The departments an item can belong to."""


def catalog_item_node(item: CatalogItem) -> CIData:
    """The item's node as the store keeps it."""
    attributes: dict[str, JsonValue] = {
        "title": item.title,
        "department": item.department,
        "sla_policy": item.sla_policy,
        "definition": item.to_data(),
    }
    if item.description:
        attributes["description"] = item.description
    return CIData(id=item.id, kind=CATALOG_ITEM_KIND, name=item.title, attributes=attributes)


def item_from_node(ci: CI) -> CatalogItem:
    """The item a stored ``CatalogItem`` node defines; ``InvalidInput`` (``INVALID_CATALOG_ITEM``,
    ``where`` the id) when its definition is not a valid item."""
    return CatalogItem.from_data(ci.attributes.get("definition"), where=ci.id)


class CatalogStore:
    """Catalog items on ``store`` (see the module docstring)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    # -- reading -----------------------------------------------------------------------------
    def find(self, item_id: str) -> CatalogItem | None:
        """The published item, or ``None`` (also when the id names a CI of another kind)."""
        ci = self.store.find_ci(item_id)
        if ci is None or ci.kind != CATALOG_ITEM_KIND:
            return None
        return item_from_node(ci)

    def get(self, item_id: str) -> CatalogItem:
        """The published item, or ``CINotFound`` (also when the id names a CI of another kind)."""
        item = self.find(item_id)
        if item is None:
            raise CINotFound(item_id)
        return item

    def list(self, department: str | None = None) -> builtins.list[CatalogItem]:
        """Every published item, or those of one ``department``, ordered by id. An unknown
        department is refused (``UNKNOWN_DEPARTMENT``, field ``department``)."""
        filters: dict[str, JsonValue] | None = None
        if department is not None:
            if department not in DEPARTMENTS:
                raise InvalidInput.one(
                    "UNKNOWN_DEPARTMENT",
                    f"no department {department!r}; departments: {', '.join(DEPARTMENTS)}",
                    field="department",
                )
            filters = {"department": department}
        items: builtins.list[CatalogItem] = []
        cursor: str | None = None
        while True:
            page = self.store.search(kind=CATALOG_ITEM_KIND, attributes=filters, first=200, after=cursor)
            items.extend(item_from_node(ci) for ci in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return items

    # -- writing -----------------------------------------------------------------------------
    def publish(self, items: Iterable[CatalogItem], *, actor: str) -> WriteResult:
        """Publish (create or replace) ``items`` in one batch; refused as a whole, writing
        nothing, if any item is inconsistent with the graph (module docstring)."""
        chosen = builtins.list(items)
        problems = self._problems(chosen)
        if problems:
            raise InvalidInput(problems)
        nodes: builtins.list[CIData] = []
        links: builtins.list[Relationship] = []
        stale: builtins.list[RelKey] = []
        for item in chosen:
            nodes.append(catalog_item_node(item))
            links.append(Relationship(source=item.id, target=item.responsible_group, type=OWNED_BY))
            if self.store.find_ci(item.id) is not None:
                stale += [
                    n.relationship.key
                    for n in self.store.neighbours(item.id, Direction.OUT, [OWNED_BY])
                    if n.direction == "out" and n.ci.id != item.responsible_group
                ]
        return self.store.apply(
            Batch(upsert_cis=nodes, upsert_relationships=links, delete_relationships=stale),
            actor=actor,
            source="catalog",
        )

    def _problems(self, items: builtins.list[CatalogItem]) -> builtins.list[Problem]:
        problems: builtins.list[Problem] = []
        counts = Counter(item.id for item in items)
        reported: set[str] = set()
        for item in items:
            if counts[item.id] > 1 and item.id not in reported:
                reported.add(item.id)
                problems.append(
                    Problem(
                        "DUPLICATE_ITEM",
                        f"item {item.id!r} is given {counts[item.id]} times",
                        where=item.id,
                        field="id",
                    )
                )
            existing = self.store.find_ci(item.id)
            if existing is not None and existing.kind != CATALOG_ITEM_KIND:
                problems.append(
                    Problem(
                        "WRONG_KIND",
                        f"{item.id!r} is a {existing.kind}, not a {CATALOG_ITEM_KIND}",
                        where=item.id,
                        field="id",
                    )
                )
            for path, team in item.team_references():
                ci = self.store.find_ci(team)
                if ci is None:
                    problems.append(
                        Problem("UNKNOWN_REFERENCE", f"no Team with id {team!r}", where=item.id, field=path)
                    )
                elif ci.kind != "Team":
                    problems.append(
                        Problem(
                            "WRONG_KIND", f"{team!r} is a {ci.kind}, not a Team", where=item.id, field=path
                        )
                    )
        return problems
