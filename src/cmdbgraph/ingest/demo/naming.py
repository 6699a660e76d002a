"""How display names and id slugs of the demo enterprise are formed from catalog words."""

from __future__ import annotations

from cmdbgraph.ingest.demo.catalogs import ACRONYMS, VARIANTS


def title_case(slug: str) -> str:
    """The display form of an id slug: ``"api-gateway"`` becomes ``"API Gateway"``."""
    return " ".join(ACRONYMS.get(w, w.capitalize()) for w in slug.split("-"))


def slugify(text: str) -> str:
    """The id form of a display name: lower-case ASCII letters and digits joined by dashes."""
    out: list[str] = []
    dash = False
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def variant_name(base: str, occurrence: int) -> str:
    """The name of the ``occurrence``-th (from 0) thing called ``base``: regional, then numbered."""
    if occurrence == 0:
        return base
    if occurrence <= len(VARIANTS):
        return f"{base} {VARIANTS[occurrence - 1]}"
    return f"{base} {occurrence + 1}"
