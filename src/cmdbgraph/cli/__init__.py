"""Command-line interface (typer + rich): a composition root that picks the store."""

from cmdbgraph.cli.app import app, main

__all__ = ["app", "main"]
