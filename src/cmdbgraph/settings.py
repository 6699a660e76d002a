"""Configuration: one pydantic-settings ``Settings``, read from ``CMDBGRAPH_*`` variables.

Only composition roots (the CLI, the GraphQL app) build it; nothing else reads the environment.

- ``CMDBGRAPH_STORE``: the store URI (default ``cmdbgraph.db`` in the working directory).
- ``CMDBGRAPH_KINDS_FILE``: a YAML/JSON file of user kinds and relationship types.
- ``CMDBGRAPH_ACTOR``: who the audit history records as the author of CLI writes.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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

    def audit_actor(self) -> str:
        """The actor to record in history."""
        return self.actor or _default_actor()
