"""Building the demo's CI and relationship models without validation.

Models are built without validation; every value passed is one validation accepts unchanged
(the test suite re-validates a sample). They are rebuilt the way ``pickle`` rebuilds a pydantic
model (``__new__`` + ``__setstate__``), which leaves exactly the state ``model_construct``
leaves at about half its cost; should a pydantic release ever make the two differ, the probe
below notices at import time and ``model_construct`` is used instead.
"""

from __future__ import annotations

import random
from typing import Any, TypeVar

from pydantic import BaseModel, JsonValue

from cmdbgraph.schema import CIData, Relationship, Status

_M = TypeVar("_M", bound=BaseModel)


def _from_state(model: type[_M], values: dict[str, Any], fields: set[str]) -> _M:
    obj = model.__new__(model)
    obj.__setstate__(
        {
            "__dict__": values,
            "__pydantic_fields_set__": fields,
            "__pydantic_extra__": None,
            "__pydantic_private__": None,
        }
    )
    return obj


def _setstate_matches_construct() -> bool:
    values: dict[str, Any] = {
        "source": "a",
        "target": "b",
        "type": "RUNS_ON",
        "optional": False,
        "redundancy_group": "pool",
        "min_up": 2,
        "attributes": {},
    }
    fields = {"source", "target", "type", "redundancy_group", "min_up"}
    fast = _from_state(Relationship, dict(values), set(fields))
    slow = Relationship.model_construct(set(fields), **values)
    return (
        fast.__getstate__() == slow.__getstate__()
        and fast == slow == Relationship.model_validate(values)
        and fast.model_fields_set == slow.model_fields_set
        and not Relationship.__pydantic_post_init__
        and not CIData.__pydantic_post_init__
    )


_SETSTATE = _setstate_matches_construct()


def _build(model: type[_M], values: dict[str, Any], fields: set[str]) -> _M:
    if _SETSTATE:
        return _from_state(model, values, fields)
    return model.model_construct(fields, **values)


def draw_status(rng: random.Random) -> Status:
    """The status of a CI that may be down for maintenance or degraded (mostly operational)."""
    r = rng.random()
    if r < 0.012:
        return Status.MAINTENANCE
    if r < 0.02:
        return Status.DEGRADED
    return Status.OPERATIONAL


def ci(
    ci_id: str,
    kind: str,
    name: str,
    criticality: int,
    status: Status,
    attributes: dict[str, JsonValue],
) -> CIData:
    """A CI with every field set."""
    return _build(
        CIData,
        {
            "id": ci_id,
            "kind": kind,
            "name": name,
            "criticality": criticality,
            "status": status,
            "attributes": attributes,
        },
        {"id", "kind", "name", "criticality", "status", "attributes"},
    )


def _relationship(
    source: str,
    rel_type: str,
    target: str,
    optional: bool,
    group: str | None,
    min_up: int | str | None,
    fields: set[str],
) -> Relationship:
    """``fields`` are the fields the caller sets, as ``model_construct`` would record them."""
    return _build(
        Relationship,
        {
            "source": source,
            "target": target,
            "type": rel_type,
            "optional": optional,
            "redundancy_group": group,
            "min_up": min_up,
            "attributes": {},
        },
        fields,
    )


def rel(source: str, rel_type: str, target: str) -> Relationship:
    """A plain relationship: a failure of the target reaches the source in full."""
    return _relationship(source, rel_type, target, False, None, None, {"source", "target", "type"})


def soft(source: str, rel_type: str, target: str) -> Relationship:
    """An optional relationship: a failure of the target degrades the source, never more."""
    return _relationship(source, rel_type, target, True, None, None, {"source", "target", "type", "optional"})


def grouped(source: str, rel_type: str, target: str, group: str, min_up: int | str) -> Relationship:
    """One member of the redundancy group ``group`` of ``source`` (quorum ``min_up``)."""
    return _relationship(
        source,
        rel_type,
        target,
        False,
        group,
        min_up,
        {"source", "target", "type", "redundancy_group", "min_up"},
    )
