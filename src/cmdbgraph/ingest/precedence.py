"""Identification and precedence: which stored CI a claim describes, and which value each
field takes when sources disagree (pure).

Identification (:class:`IdentificationRules`, looked up through :class:`Identities`): a claim
matches a stored CI of the same kind (or of a kind in the same ``kind_groups`` entry) when, for
the first alternative of the kind's rule whose attributes the claim has, every value equals one
of the CI's (``name`` compares with the CI's name and id, and every identity the CI's claims
carry counts too). Values compare trimmed and case-insensitively; the first alternative that
finds a CI wins (as identifier entries do in ServiceNow's IRE).

Precedence (:class:`Precedence`, applied by :func:`decide`), per field (``name``,
``attributes.X``; for relationships ``optional`` and ``attributes.X``): the most specific list
applies (kind + field, then field, then ``default``). Listed sources rank in list order;
unlisted sources rank at the ``"*"`` entry (the end when absent), earliest ``first_seen``
first; ``"manual"`` stands for the value the CI holds that no claim said (a write outside
imports) and ranks first unless the list places it. A field no claim mentions is never touched.
A field whose claims all went is removed when the stored value came from a claim and kept when
it was written by hand. Different values for one field are reported as a
:class:`~cmdbgraph.ingest.sync_report.Conflict` with the winner; stale claims (inside the grace
period) still count, so a grace period changes nothing until it expires.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from cmdbgraph.ingest.claims import MANUAL
from cmdbgraph.ingest.sync_report import Conflict, FieldChange
from cmdbgraph.schema import CI
from cmdbgraph.schema.ci import same_json

UNLISTED = "*"
Alternative = tuple[str, ...]


# ------------------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class IdentificationRules:
    """Which identity attributes identify a CI of a kind, alternatives in order of preference."""

    default: tuple[Alternative, ...] = (("name",),)
    by_kind: Mapping[str, tuple[Alternative, ...]] = field(
        default_factory=lambda: {
            "Host": (("fqdn",), ("hostname", "domain")),
            "Person": (("email",), ("name",)),
        }
    )
    kind_groups: tuple[frozenset[str], ...] = ()
    """Kinds that identify across each other (e.g. ``Service`` and ``Application``)."""

    def alternatives(self, kind: str) -> tuple[Alternative, ...]:
        return self.by_kind.get(kind, self.default)

    def group(self, kind: str) -> str:
        """The identity space of ``kind``: its group's smallest kind name, else itself."""
        for members in self.kind_groups:
            if kind in members:
                return min(members)
        return kind


@dataclass(frozen=True)
class Precedence:
    """Ordered source names per field: ``kinds[kind][field]``, else ``fields[field]``, else
    ``default``. Fields are ``name`` and ``attributes.X`` (relationships: ``optional``,
    ``attributes.X``; their kind is the relationship type).

    >>> p = Precedence(default=("cmdb", "k8s"), fields={"attributes.image": ("k8s", "*", "manual")})
    >>> arrived = {"early": "2026-01-01", "cmdb": "2026-01-15", "late": "2026-02-01"}
    >>> def ranked(field):
    ...     sources = ["late", "k8s", "manual", "cmdb", "early"]
    ...     return sorted(sources, key=lambda s: p.rank("Service", field, s, arrived.get(s, "")))
    >>> ranked("attributes.environment")  # the default list; manual first, unlisted last
    ['manual', 'cmdb', 'k8s', 'early', 'late']
    >>> ranked("attributes.image")  # its own list: unlisted sources at "*", by arrival
    ['k8s', 'early', 'cmdb', 'late', 'manual']
    """

    default: tuple[str, ...] = ()
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    kinds: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def order(self, kind: str, name: str) -> tuple[str, ...]:
        by_kind = self.kinds.get(kind, {})
        return by_kind.get(name) or self.fields.get(name) or self.default

    def rank(self, kind: str, name: str, source: str, first_seen: str, key: str = "") -> tuple[Any, ...]:
        """Sort key: lower wins (position, then arrival, then source name and key)."""
        order = self.order(kind, name)
        if source in order:
            return (order.index(source), "", source, key)
        if source == MANUAL:
            return (-1, "", source, key)
        return (order.index(UNLISTED) if UNLISTED in order else len(order), first_seen, source, key)


# ----------------------------------------------------------------------------------- voices
@dataclass(frozen=True)
class Voice:
    """The fields one claim states, for precedence."""

    source: str
    key: str
    first_seen: str
    values: Mapping[str, JsonValue]


@dataclass
class Decision:
    """What :func:`decide` resolved: the values to hold, the fields to remove, and what to report."""

    values: dict[str, JsonValue] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def decide(
    subject: str,
    kind: str,
    current: Mapping[str, JsonValue],
    old: Sequence[Voice],
    new: Sequence[Voice],
    precedence: Precedence,
    defaults: Mapping[str, JsonValue] | None = None,
    track: bool = True,
) -> Decision:
    """Resolve every field any old or new claim states (see the module docstring).

    ``current`` leaves out fields at their ``defaults`` value (a relationship's ``optional:
    false`` is not something anyone wrote); changes compare against the defaults. Without
    ``track`` (a new CI or relationship) no changes are listed."""
    defaults = defaults or {}
    out = Decision()
    for name in sorted({f for v in (*old, *new) for f in v.values}):
        has_current = name in current
        value_now = current.get(name)
        manual = has_current and not any(
            name in v.values and same_json(v.values[name], value_now) for v in old
        )
        candidates = [
            (precedence.rank(kind, name, v.source, v.first_seen, v.key), v.source, v.key, v.values[name])
            for v in new
            if name in v.values
        ]
        if manual:
            candidates.append((precedence.rank(kind, name, MANUAL, ""), MANUAL, "", value_now))
        if not candidates:
            out.removed.add(name)
            if has_current:
                out.changes.append(FieldChange(subject=subject, field=name, old=value_now, removed=True))
            continue
        candidates.sort(key=lambda c: c[0])
        _, source, key, value = candidates[0]
        per_source = Counter(c[1] for c in candidates) if len(candidates) > 1 else {source: 1}
        label = {(c[1], c[2]): c[1] if per_source[c[1]] == 1 else f"{c[1]} ({c[2]})" for c in candidates}
        out.values[name] = value
        if any(not same_json(c[3], value) for c in candidates):
            out.conflicts.append(
                Conflict(
                    subject=subject,
                    field=name,
                    values={label[(c[1], c[2])]: c[3] for c in candidates},
                    winner=label[(source, key)],
                )
            )
        unchanged = (has_current or name in defaults) and same_json(
            current.get(name, defaults.get(name)), value
        )
        if track and not unchanged:
            out.changes.append(
                FieldChange(
                    subject=subject, field=name, old=value_now, new=value, winner=label[(source, key)]
                )
            )
    return out


# ---------------------------------------------------------------------------------- identity
def _norm(value: JsonValue) -> str | None:
    if value is None or isinstance(value, list | dict):
        return None
    text = (value if isinstance(value, str) else str(value)).strip().lower()
    return text or None


class Identities:
    """CI ids by (identity space, alternative, values)."""

    def __init__(self, rules: IdentificationRules) -> None:
        self.rules = rules
        self.index: dict[tuple[str, Alternative, tuple[str, ...]], set[str]] = defaultdict(set)

    def add(self, ci_id: str, kind: str, values: Mapping[str, Iterable[str | None]]) -> None:
        space = self.rules.group(kind)
        for alt in self.rules.alternatives(kind):
            pools = [sorted({v for v in values.get(a, ()) if v}) for a in alt]
            for combo in itertools.product(*pools):
                self.index[(space, alt, combo)].add(ci_id)

    def add_ci(self, ci: CI) -> None:
        values: dict[str, list[str | None]] = {"name": [_norm(ci.name), _norm(ci.id)]}
        for alt in self.rules.alternatives(ci.kind):
            for a in alt:
                if a != "name":
                    values[a] = [_norm(ci.attributes.get(a))]
        self.add(ci.id, ci.kind, values)

    def add_identity(self, ci_id: str, kind: str, identity: Mapping[str, JsonValue]) -> None:
        self.add(ci_id, kind, {a: [_norm(v)] for a, v in identity.items()})

    def find(
        self, kind: str, identity: Mapping[str, JsonValue], exclude: Container[str]
    ) -> tuple[Alternative, set[str]] | None:
        """The first alternative with matches (``exclude`` left out), and the matches."""
        space = self.rules.group(kind)
        for alt in self.rules.alternatives(kind):
            values = tuple(_norm(identity.get(a)) for a in alt)
            if all(values):
                found = {i for i in self.index.get((space, alt, values), ()) if i not in exclude}  # type: ignore[arg-type]
                if found:
                    return alt, found
        return None
