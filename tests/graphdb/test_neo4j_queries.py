"""The Cypher module's rules: no statement is built from user text (no server needed)."""

from __future__ import annotations

import re

import pytest

from cmdbgraph.graphdb.neo4j import queries as q
from cmdbgraph.schema import DEFAULT_REGISTRY


def constants() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(q).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str) and name != "FEED"
    }


def test_every_constant_statement_is_complete_and_parameterised() -> None:
    for name, statement in constants().items():
        assert "{rel_type}" not in statement, name
        assert "{depth}" not in statement, name
        # values only ever arrive as $parameters: no quoted literal besides the entity tag
        literals = re.findall(r"'([^']*)'", statement)
        assert set(literals) <= {"ci"}, (name, literals)


def test_relationship_types_come_only_from_the_registry() -> None:
    assert "-[e:`DEPENDS_ON`]->" in q.upsert_rels("DEPENDS_ON", DEFAULT_REGISTRY)
    for hostile in ["DEPENDS_ON`]->(x) DETACH DELETE x //", "depends_on", "NOT_REGISTERED", ""]:
        with pytest.raises(ValueError, match="not a registered relationship type"):
            q.upsert_rels(hostile, DEFAULT_REGISTRY)
        with pytest.raises(ValueError, match="not a registered relationship type"):
            q.delete_rels(hostile, DEFAULT_REGISTRY)


@pytest.mark.parametrize("depth", [-1, q.MAX_DEPTH + 1, 1.5, "2", True])
def test_traversal_depth_must_be_a_bounded_int(depth: object) -> None:
    with pytest.raises(ValueError, match="depth"):
        q.subgraph_statement("out", depth)  # type: ignore[arg-type]


@pytest.mark.parametrize("direction", ["out", "in", "both"])
def test_subgraph_statement_names_its_path_and_depth(direction: str) -> None:
    statement = q.subgraph_statement(direction, 3)
    assert "MATCH p = (root)" in statement
    assert "*0..3" in statement
