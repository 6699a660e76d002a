"""Where the real input files of public projects live: ``../shared/fixtures/`` beside the
project's checkout (read-only; see its SOURCES.md). A test that needs one fails loudly when it
is missing — a skipped importer test would pass for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def shared_fixture(*parts: str) -> Path:
    """The fixture file or folder ``parts`` under the shared fixtures (``pytest.fail`` if absent)."""
    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"the shared fixture {path} is missing (the fixtures live in ../shared/fixtures)")
    return path
