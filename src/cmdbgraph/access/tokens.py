"""API tokens in a file of their own, stored hashed.

A token is ``cmdbg_`` followed by 43 URL-safe characters (256 random bits). Only its SHA-256
digest is kept — a token is high-entropy, so a fast hash is as safe as a slow one and lets every
request be checked with one indexed lookup. The secret is shown once, by :meth:`TokenFile.create`.

Tokens live in their own SQLite file (``CMDBGRAPH_TOKENS_FILE``, default
``cmdbgraph-tokens.db``), never in the graph store, so exporting or migrating a graph never
carries credentials. Revocation takes effect on the next request: :meth:`TokenFile.verify`
reads the file every time.

A token names a *principal* its scoped permissions work on: the ``person`` a requester acts as
(its own tickets) and the ``person`` or ``team`` whose CIs an owner may write.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cmdbgraph.access.roles import Role
from cmdbgraph.schema import InvalidInput, NotFound

PREFIX = "cmdbg_"
TOKEN_FORM = re.compile(r"^cmdbg_[A-Za-z0-9_-]{43}$")
NAME_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,79}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    person TEXT,
    team TEXT,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""
_SELECT = "SELECT id, name, role, person, team, created_at, revoked_at FROM tokens"
_ALL = _SELECT + " ORDER BY created_at, id"
_ACTIVE = _SELECT + " WHERE revoked_at IS NULL ORDER BY created_at, id"
_ACTIVE_BY_REF = _SELECT + " WHERE (id = ? OR name = ?) AND revoked_at IS NULL"
_ACTIVE_BY_DIGEST = _SELECT + " WHERE digest = ? AND revoked_at IS NULL"


class TokenNotFound(NotFound):
    """No token with this id or name."""

    code = "TOKEN_NOT_FOUND"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no token with id or name {ref!r}")


@dataclass(frozen=True)
class TokenInfo:
    """What is known about a token (never its secret)."""

    id: str
    name: str
    role: Role
    person: str | None
    team: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def identity(self) -> str:
        """How the audit history names writes made with this token."""
        return f"token:{self.name}"


def digest(secret: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(row: tuple[str, str, str, str | None, str | None, str, str | None]) -> TokenInfo:
    ident, name, role, person, team, created, revoked = row
    return TokenInfo(
        id=ident,
        name=name,
        role=Role(role),
        person=person,
        team=team,
        created_at=datetime.fromisoformat(created),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


class TokenFile:
    """The tokens of one installation. Thread-safe; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def create(
        self, name: str, role: Role, *, now: datetime, person: str | None = None, team: str | None = None
    ) -> tuple[TokenInfo, str]:
        """A new token and its secret (shown once). ``InvalidInput`` for a bad or taken name, or
        a role without the principal it needs (requester: ``person``; owner: ``person`` or
        ``team``)."""
        if not NAME_FORM.match(name):
            raise InvalidInput.one(
                "BAD_TOKEN_NAME",
                f"token name {name!r} must be 1-80 letters, digits, spaces or . _ @ - (starting with "
                "a letter or digit)",
                field="name",
            )
        if role is Role.REQUESTER and person is None:
            raise InvalidInput.one(
                "PRINCIPAL_REQUIRED", "a requester token acts as a person: give --person", field="person"
            )
        if role is Role.OWNER and person is None and team is None:
            raise InvalidInput.one(
                "PRINCIPAL_REQUIRED",
                "an owner token writes what a person or team owns: give --person or --team",
                field="person",
            )
        secret = PREFIX + secrets.token_urlsafe(32)
        ident = "tok_" + secrets.token_hex(6)
        row = (ident, name, role.value, person, team, digest(secret), now.isoformat(), None)
        with self._lock:
            try:
                self._db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError:
                raise InvalidInput.one(
                    "TOKEN_NAME_TAKEN", f"an active token is already named {name!r}", field="name"
                ) from None
        return _info((ident, name, role.value, person, team, now.isoformat(), None)), secret

    def list(self, *, include_revoked: bool = False) -> list[TokenInfo]:
        """Tokens by creation time (active ones only unless asked)."""
        with self._lock:
            rows = self._db.execute(_ALL if include_revoked else _ACTIVE).fetchall()
        return [_info(r) for r in rows]

    def revoke(self, ref: str, *, now: datetime) -> TokenInfo:
        """Revoke the active token with id or name ``ref`` (``TokenNotFound`` otherwise)."""
        with self._lock:
            row = self._db.execute(_ACTIVE_BY_REF, (ref, ref)).fetchone()
            if row is None:
                raise TokenNotFound(ref)
            self._db.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", (now.isoformat(), row[0]))
        return _info((*row[:6], now.isoformat()))

    def verify(self, secret: str) -> TokenInfo | None:
        """The active token ``secret`` is, or None (malformed, unknown or revoked)."""
        if not TOKEN_FORM.match(secret):
            return None
        with self._lock:
            row = self._db.execute(_ACTIVE_BY_DIGEST, (digest(secret),)).fetchone()
        return None if row is None else _info(row)
