"""``schema.graphql`` is the committed contract; it must match the code."""

from __future__ import annotations

from pathlib import Path

from cmdbgraph.graphql.schema import schema_sdl

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_sdl_is_current() -> None:
    committed = (REPO / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "schema.graphql is stale: run 'cmdbgraph schema --out schema.graphql'"


def test_the_stable_analysis_contract_is_in_the_sdl() -> None:
    sdl = schema_sdl()
    for line in (
        "impact(ciIds: [ID!]!, maxDepth: Int = null): ImpactResult!",
        "rootCause(symptoms: [ID!]!, healthy: [ID!] = null, limit: Int! = 10): RootCauseResult!",
        "dependsOn(ciId: ID!, maxDepth: Int = null): DependsOnResult!",
    ):
        assert line in sdl
