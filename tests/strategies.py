"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st
from pydantic import JsonValue

from cmdbgraph.schema import BUILTIN_KINDS


def json_values(alphabet: str, *, max_leaves: int) -> st.SearchStrategy[JsonValue]:
    """Any JSON value (nested lists and objects) with strings over ``alphabet``."""
    leaf: st.SearchStrategy[JsonValue] = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet=alphabet, max_size=6),
    )
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(["k", "l", "ñ"]), children, max_size=3),
        ),
        max_leaves=max_leaves,
    )


def free_form_kinds() -> list[str]:
    """Built-in kinds whose attributes are all optional (any attribute set is valid for them):
    random CIs are drawn from these; ticket-like kinds require their fields."""

    return sorted(
        k for k, spec in BUILTIN_KINDS.items() if not any(a.required for a in spec.attributes.values())
    )
