"""The error tree every layer raises; codes are part of the public API.

::

    CmdbgraphError                  code INTERNAL_ERROR      exit 1
    ├── InvalidInput                code BAD_INPUT           exit 2   (carries Problems)
    ├── NotFound                    code NOT_FOUND           exit 3
    │   ├── CINotFound              code CI_NOT_FOUND
    │   ├── RelationshipNotFound    code RELATIONSHIP_NOT_FOUND
    │   └── StoreNotFound           code STORE_NOT_FOUND
    └── StoreError                  code STORE_ERROR         exit 1
        ├── StoreUnavailable        code STORE_UNAVAILABLE
        └── StoreConflict           code STORE_CONFLICT

An :class:`InvalidInput` names every :class:`Problem` found, each with its own stable
``code`` (``UNKNOWN_KIND``, ``DANGLING_ENDPOINT`` ...), the record it concerns and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input record.

    ``where`` says which record (``"graph.json: cis[12]"``), ``field`` which field of it
    (empty when the record as a whole is wrong), ``code`` is stable and machine-readable.
    """

    code: str
    message: str
    where: str = ""
    field: str = ""

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.field and f"field '{self.field}'") if p]
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message} [{self.code}]" if prefix else f"{self.message} [{self.code}]"


class CmdbgraphError(Exception):
    """Base of every error cmdbgraph raises on purpose."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    exit_code: ClassVar[int] = 1


class InvalidInput(CmdbgraphError):
    """Input was rejected; nothing was written. ``problems`` lists every reason found."""

    code = "BAD_INPUT"
    exit_code = 2

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the input:\n{shown}{tail}")

    @classmethod
    def one(cls, code: str, message: str, where: str = "", field: str = "") -> InvalidInput:
        """An error with a single problem."""
        return cls([Problem(code=code, message=message, where=where, field=field)])


class NotFound(CmdbgraphError):
    """Something named by the caller does not exist."""

    code = "NOT_FOUND"
    exit_code = 3


class CINotFound(NotFound):
    """No CI with this id."""

    code = "CI_NOT_FOUND"

    def __init__(self, ci_id: str) -> None:
        self.ci_id = ci_id
        super().__init__(f"no CI with id {ci_id!r}")


class RelationshipNotFound(NotFound):
    """No relationship with this (source, type, target) key."""

    code = "RELATIONSHIP_NOT_FOUND"

    def __init__(self, source: str, rel_type: str, target: str) -> None:
        self.key = (source, rel_type, target)
        super().__init__(f"no relationship {source!r} -[{rel_type}]-> {target!r}")


class StoreNotFound(NotFound):
    """The store a read-only command names does not exist."""

    code = "STORE_NOT_FOUND"


class StoreError(CmdbgraphError):
    """The store could not do what was asked (corrupt file, wrong schema version ...)."""

    code = "STORE_ERROR"


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached."""

    code = "STORE_UNAVAILABLE"


class StoreConflict(StoreError):
    """The store refused a write that conflicts with its state or a concurrent writer
    (a uniqueness constraint, a deadlock that outlived the retries)."""

    code = "STORE_CONFLICT"
