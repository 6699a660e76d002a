"""Configuration: one pydantic-settings ``Settings``, read from ``CMDBGRAPH_*`` variables.

Only composition roots (the CLI, the GraphQL app) build it; nothing else reads the environment.

- ``CMDBGRAPH_STORE``: the store URI (default ``cmdbgraph.db`` in the working directory).
- ``CMDBGRAPH_KINDS_FILE``: a YAML/JSON file of user kinds and relationship types.
- ``CMDBGRAPH_ACTOR``: who the audit history records as the author of CLI writes.
- ``CMDBGRAPH_NEO4J_USER``, ``CMDBGRAPH_NEO4J_PASSWORD``, ``CMDBGRAPH_NEO4J_DATABASE``: how to log
  in to a Neo4j store (``--store neo4j://host:7687``); ``CMDBGRAPH_NEO4J_BATCH_SIZE``: rows per
  ``UNWIND`` statement; ``CMDBGRAPH_NEO4J_FLAVOUR``: ``neo4j`` (default) or ``falkordb`` for
  FalkorDB's Bolt listener.
- ``CMDBGRAPH_TOKENS_FILE``: the API token file (default ``cmdbgraph-tokens.db``; hashed tokens).
- ``CMDBGRAPH_HOST``, ``CMDBGRAPH_PORT``: where ``cmdbgraph serve`` listens (127.0.0.1:8000).
- ``CMDBGRAPH_GRAPHIQL``: serve the offline GraphiQL page at ``GET /graphql`` (development; default
  off — production leaves it off).
- ``CMDBGRAPH_LOG_LEVEL``: the server's log level (info).
- ``CMDBGRAPH_SYNC_RULES``: the default ``--rules`` file of source imports (precedence and
  identification rules), so every run of every source is reconciled by the same rules.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cmdbgraph.graphdb.neo4j import Neo4jOptions

DEFAULT_STORE = "cmdbgraph.db"


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in containers without a passwd entry
        return "cli"


class Settings(BaseSettings):
    """Process-wide settings."""

    model_config = SettingsConfigDict(env_prefix="CMDBGRAPH_", extra="ignore")

    store: str = DEFAULT_STORE
    kinds_file: Path | None = None
    actor: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    neo4j_batch_size: int = Field(default=5000, ge=1, le=100_000)
    neo4j_flavour: Literal["neo4j", "falkordb"] = "neo4j"
    tokens_file: Path = Path("cmdbgraph-tokens.db")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    graphiql: bool = False
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    sync_rules: Path | None = None

    def neo4j_options(self) -> Neo4jOptions:
        """How to log in to a Neo4j store."""
        return Neo4jOptions(
            user=self.neo4j_user,
            password=self.neo4j_password.get_secret_value(),
            database=self.neo4j_database or None,
            batch_size=self.neo4j_batch_size,
            flavour=self.neo4j_flavour,
        )

    def audit_actor(self) -> str:
        """The actor to record in history."""
        return self.actor or _default_actor()
