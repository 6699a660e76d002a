"""The typer application, its global options and the mapping of errors to exit codes.

Exit codes (a stable contract): 0 ok, 1 usage, 2 bad input, 3 not found. With ``--json`` a
command writes exactly one JSON document to stdout; progress, logs and errors go to stderr.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from cmdbgraph.graphdb import GraphStore, open_store
from cmdbgraph.ingest.schema_config import load_registry
from cmdbgraph.schema import CmdbgraphError, Registry
from cmdbgraph.settings import Settings

EXIT_USAGE = 1

err_console = Console(stderr=True)
out_console = Console()

app = typer.Typer(
    name="cmdbgraph",
    help="Graph-centric CMDB: dependency graph, impact analysis, service management.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class CliState:
    """What the global options chose; commands open the store through it."""

    settings: Settings
    _registry: Registry | None = None
    _stores: list[GraphStore] = field(default_factory=list)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = load_registry(self.settings.kinds_file)
        return self._registry

    def open_store(self, *, create: bool = False) -> GraphStore:
        """Open the chosen store; only commands that write pass ``create=True``."""
        return self.open_uri(self.settings.store, create=create)

    def open_uri(self, uri: str, *, create: bool = False) -> GraphStore:
        """Open the store ``uri`` names (closed with the CLI state)."""
        store = open_store(uri, self.registry, create=create, neo4j=self.settings.neo4j_options())
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            store.close()
        self._stores.clear()


@app.callback()
def _global_options(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Store URI: a file path, sqlite:///path, or neo4j://host:7687 (also neo4j+s, bolt, "
            "bolt+s) [env CMDBGRAPH_STORE; default ./cmdbgraph.db]",
        ),
    ] = None,
    neo4j_user: Annotated[
        str | None, typer.Option("--neo4j-user", help="Neo4j user [env CMDBGRAPH_NEO4J_USER; default neo4j]")
    ] = None,
    neo4j_password: Annotated[
        str | None,
        typer.Option(
            "--neo4j-password",
            help="Neo4j password [env CMDBGRAPH_NEO4J_PASSWORD; prefer the variable: options show in ps]",
        ),
    ] = None,
    neo4j_database: Annotated[
        str | None,
        typer.Option(
            "--neo4j-database", help="Neo4j database [env CMDBGRAPH_NEO4J_DATABASE; default: the server's]"
        ),
    ] = None,
    kinds_file: Annotated[
        Path | None,
        typer.Option("--kinds", help="YAML/JSON file of user kinds [env CMDBGRAPH_KINDS_FILE]"),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Author recorded in history [env CMDBGRAPH_ACTOR]")
    ] = None,
) -> None:
    overrides: dict[str, Any] = {}
    if store is not None:
        overrides["store"] = store
    if kinds_file is not None:
        overrides["kinds_file"] = kinds_file
    if actor is not None:
        overrides["actor"] = actor
    for name, value in (
        ("neo4j_user", neo4j_user),
        ("neo4j_password", neo4j_password),
        ("neo4j_database", neo4j_database),
    ):
        if value is not None:
            overrides[name] = value
    state = CliState(settings=Settings(**overrides))
    ctx.obj = state
    ctx.call_on_close(state.close)


def state_of(ctx: typer.Context) -> CliState:
    """The CLI state the global callback stored on the context."""
    state = ctx.obj
    assert isinstance(state, CliState)
    return state


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def report_error(exc: CmdbgraphError) -> None:
    """Print a user-facing error (with its stable code) to stderr, unwrapped so that every
    problem line (file, record, field, code) stays on one greppable line."""
    err_console.print(f"[bold red]error[/] [{exc.code}]: ", end="", highlight=False)
    err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map outcomes onto the documented exit codes."""
    # commands register themselves on import
    from cmdbgraph.cli import (  # noqa: F401
        api_commands,
        catalog_commands,
        change_commands,
        graph_commands,
        impact_commands,
        knowledge_commands,
        map_commands,
        provenance_commands,
        service_commands,
        sla_commands,
        ticket_commands,
    )

    try:
        result = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(EXIT_USAGE)
    except typer.TyperException as exc:  # usage errors: unknown command, bad option value ...
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"usage error: {exc.format_message()}", markup=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    except CmdbgraphError as exc:
        report_error(exc)
        sys.exit(exc.exit_code)
    except ValueError as exc:
        err_console.print("[bold red]error[/] [BAD_INPUT]: ", end="", highlight=False)
        err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)
