"""``--store URI``: the Bolt store both benchmarks can add to their tables (shared options)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from pydantic import ValidationError

from cmdbgraph.graphdb.locate import is_neo4j_uri
from cmdbgraph.graphdb.neo4j import Neo4jStore
from cmdbgraph.schema import DEFAULT_REGISTRY, StoreError
from cmdbgraph.settings import Settings


@dataclass(frozen=True)
class BoltStore:
    """The ``--store`` under test and the label of its rows."""

    store: Neo4jStore
    label: str


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """``--store`` and the ``--neo4j-*`` options (defaults from the environment, as in the CLI)."""
    group = parser.add_argument_group("a Bolt store (Neo4j, or FalkorDB's Bolt listener)")
    group.add_argument(
        "--store",
        metavar="URI",
        help="bolt:// or neo4j:// URI of a THROW-AWAY database: every cmdbgraph node in it is deleted "
        "(Neo4jStore.wipe) before each load; adds that store's rows to the tables",
    )
    group.add_argument("--neo4j-user", help="[env CMDBGRAPH_NEO4J_USER; default neo4j]")
    group.add_argument("--neo4j-password", help="[env CMDBGRAPH_NEO4J_PASSWORD; default empty]")
    group.add_argument(
        "--neo4j-flavour",
        choices=("neo4j", "falkordb"),
        help="falkordb for FalkorDB's Bolt listener [env CMDBGRAPH_NEO4J_FLAVOUR; default neo4j]",
    )


def open_bolt_store(parser: argparse.ArgumentParser, args: argparse.Namespace) -> BoltStore:
    """The wiped store ``--store`` names; exits on a bad URI or an unreachable server."""
    uri: str = args.store
    if not is_neo4j_uri(uri):
        parser.error(f"--store takes a bolt:// or neo4j:// URI, not {uri!r}")
    overrides = {
        name: value
        for name, value in (
            ("neo4j_user", args.neo4j_user),
            ("neo4j_password", args.neo4j_password),
            ("neo4j_flavour", args.neo4j_flavour),
        )
        if value is not None
    }
    try:
        options = Settings(**overrides).neo4j_options()
    except ValidationError as exc:
        parser.error(f"CMDBGRAPH_* settings: {exc}")
    try:
        store = Neo4jStore(uri, DEFAULT_REGISTRY, options)
        store.wipe()
    except StoreError as exc:
        sys.exit(f"--store {uri}: {exc}")
    return BoltStore(store, "bolt (falkordb listener)" if options.flavour == "falkordb" else "bolt (neo4j)")
