"""Masking sensitive attributes and redacting restricted CIs (pure; no I/O).

- **Masking:** an attribute a kind declares ``sensitive`` (``AttributeSpec.sensitive``) is
  replaced by ``None`` for a caller without clearance, and its name listed, so the caller knows
  a value exists but not what it is.
- **Redaction:** a CI whose ``restricted`` attribute is ``true`` is *restricted*. Inside
  traversal results (impact, root cause, dependencies, neighbourhoods, searches) a caller without
  clearance sees an anonymous stand-in — id and name ``redacted-N``, kind ``Redacted``, no
  attributes, ``redacted: true`` — and every path through it shows the same stand-in id. So
  counts and path lengths stay true while identity and content do not leak. Stand-in numbers
  are given in order of first appearance within one response, never derived from the real id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import JsonValue

from cmdbgraph.schema import CI, Registry

RESTRICTED_ATTRIBUTE = "restricted"
REDACTED_KIND = "Redacted"


def is_restricted(attributes: Mapping[str, JsonValue]) -> bool:
    """Whether a CI with these attributes is restricted (``restricted`` is JSON ``true``)."""
    return attributes.get(RESTRICTED_ATTRIBUTE) is True


def mask(ci: CI, registry: Registry) -> tuple[CI, tuple[str, ...]]:
    """``ci`` with its kind's sensitive attributes set to ``None``, and their names (sorted).
    Unknown kinds have no sensitive attributes."""
    spec = registry.kinds.get(ci.kind)
    hidden = tuple(sorted(spec.sensitive_attributes.intersection(ci.attributes))) if spec else ()
    if not hidden:
        return ci, ()
    masked: dict[str, JsonValue] = {k: (None if k in hidden else v) for k, v in ci.attributes.items()}
    return ci.model_copy(update={"attributes": masked}), hidden


class Redactor:
    """Stand-ins for restricted CIs within one response.

    Restricted ids are learnt from the CIs shown (:meth:`ci`) and from :meth:`know` (e.g. every
    restricted id of a snapshot before paths are shown); with ``cleared`` nothing is redacted.
    """

    def __init__(self, *, cleared: bool) -> None:
        self.cleared = cleared
        self._restricted: set[str] = set()
        self._stand_ins: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def know(self, restricted: Iterable[str], names: Mapping[str, str] | None = None) -> None:
        """Learn that these ids are restricted (and, for :meth:`text`, their names)."""
        if not self.cleared:
            ids = set(restricted)
            self._restricted.update(ids)
            if names is not None:
                self._names.update((i, names[i]) for i in ids if names.get(i))

    def text(self, value: str) -> str:
        """Free text (an explanation, a checklist line) with every restricted CI's id and known
        name replaced by its stand-in id, longest first, so a sentence cannot leak what a path
        hides. Names shorter than four characters are left (they would mangle ordinary words)."""
        if self.cleared or not self._restricted:
            return value
        terms = [(i, i) for i in self._restricted if i in value]
        terms += [(n, i) for i, n in self._names.items() if len(n) >= 4 and n in value]
        for term, ci_id in sorted(terms, key=lambda t: -len(t[0])):
            value = value.replace(term, self.ci_id(ci_id))
        return value

    def hides(self, ci_id: str) -> bool:
        """Whether ``ci_id`` is shown as a stand-in."""
        return ci_id in self._restricted

    def ci_id(self, ci_id: str) -> str:
        """The id the caller sees."""
        if ci_id not in self._restricted:
            return ci_id
        stand_in = self._stand_ins.get(ci_id)
        if stand_in is None:
            stand_in = self._stand_ins[ci_id] = f"redacted-{len(self._stand_ins) + 1}"
        return stand_in

    def path(self, ids: Iterable[str]) -> list[str]:
        """A path as the caller sees it."""
        return [self.ci_id(i) for i in ids]

    def ci(self, ci: CI) -> CI:
        """The CI as the caller sees it (a stand-in when restricted)."""
        if not self.cleared and is_restricted(ci.attributes):
            self._restricted.add(ci.id)
        if ci.id not in self._restricted:
            return ci
        return CI(id=self.ci_id(ci.id), kind=REDACTED_KIND)

    @property
    def redacted(self) -> int:
        """How many distinct restricted CIs this response has mentioned."""
        return len(self._stand_ins)
