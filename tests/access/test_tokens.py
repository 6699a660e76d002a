"""API tokens: created once, stored hashed, verified, listed and revoked in a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cmdbgraph.access.roles import PERMISSIONS, Permission, Role, allows, matrix_markdown
from cmdbgraph.access.tokens import TOKEN_FORM, TokenFile, TokenNotFound, digest
from cmdbgraph.schema import InvalidInput

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def tokens(tmp_path: Path) -> TokenFile:
    return TokenFile(tmp_path / "tokens.db")


def test_a_token_is_shown_once_stored_hashed_and_verifies(tokens: TokenFile, tmp_path: Path) -> None:
    info, secret = tokens.create("ci-bot", Role.OPERATOR, now=NOW)
    assert TOKEN_FORM.match(secret)
    assert tokens.verify(secret) == info
    assert info.identity == "token:ci-bot"
    stored = sqlite3.connect(tmp_path / "tokens.db").execute("SELECT * FROM tokens").fetchall()
    flat = "".join(str(v) for row in stored for v in row)
    assert secret not in flat
    assert digest(secret) in flat


def test_unknown_malformed_and_revoked_tokens_do_not_verify(tokens: TokenFile) -> None:
    info, secret = tokens.create("ops", Role.OPERATOR, now=NOW)
    other = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert tokens.verify(other) is None
    assert tokens.verify("Bearer " + secret) is None
    assert tokens.verify("") is None
    revoked = tokens.revoke("ops", now=NOW)
    assert revoked.revoked_at == NOW
    assert tokens.verify(secret) is None
    assert tokens.list() == []
    assert [t.id for t in tokens.list(include_revoked=True)] == [info.id]


def test_revoked_names_can_be_reused_active_ones_cannot(tokens: TokenFile) -> None:
    first, _ = tokens.create("desk", Role.ANALYST, now=NOW)
    with pytest.raises(InvalidInput) as taken:
        tokens.create("desk", Role.ANALYST, now=NOW)
    assert taken.value.problems[0].code == "TOKEN_NAME_TAKEN"
    tokens.revoke(first.id, now=NOW)
    second, _ = tokens.create("desk", Role.ANALYST, now=NOW)
    assert second.id != first.id
    with pytest.raises(TokenNotFound):
        tokens.revoke(first.id, now=NOW)


@pytest.mark.parametrize(
    ("name", "role", "person", "team", "code"),
    [
        ("", Role.ADMIN, None, None, "BAD_TOKEN_NAME"),
        ("<script>", Role.ADMIN, None, None, "BAD_TOKEN_NAME"),
        ("req", Role.REQUESTER, None, None, "PRINCIPAL_REQUIRED"),
        ("own", Role.OWNER, None, None, "PRINCIPAL_REQUIRED"),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_stored(
    tokens: TokenFile, name: str, role: Role, person: str | None, team: str | None, code: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        tokens.create(name, role, now=NOW, person=person, team=team)
    assert info.value.problems[0].code == code
    assert tokens.list(include_revoked=True) == []


def test_tokens_survive_reopening_the_file(tmp_path: Path) -> None:
    _, secret = TokenFile(tmp_path / "t.db").create("keep", Role.OWNER, now=NOW, team="team-a")
    again = TokenFile(tmp_path / "t.db").verify(secret)
    assert again is not None
    assert (again.role, again.team, again.person) == (Role.OWNER, "team-a", None)


def test_only_admin_holds_clearance_and_token_administration() -> None:
    for role in Role:
        assert allows(role, Permission.SENSITIVE_READ) == (role is Role.ADMIN)
        assert allows(role, Permission.TOKENS_ADMIN) == (role is Role.ADMIN)
    assert PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert not allows(Role.REQUESTER, Permission.GRAPH_READ)
    assert allows(Role.APPROVER, Permission.CHANGES_APPROVE)
    assert not allows(Role.OPERATOR, Permission.CHANGES_APPROVE)
    table = matrix_markdown()
    assert table.count("\n") == len(Permission) + 2
