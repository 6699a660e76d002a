"""docs/security.md shows the permission matrix the code enforces."""

from __future__ import annotations

from pathlib import Path

from cmdbgraph.access.roles import matrix_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_documented_matrix_is_the_enforced_one() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = text.split("<!-- matrix:begin -->\n", 1)[1].split("<!-- matrix:end -->", 1)[0]
    assert documented == matrix_markdown()
