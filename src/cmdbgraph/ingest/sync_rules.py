"""The reconciliation rules a user writes down: which source wins which field, and which
attributes identify a CI (``cmdbgraph import --rules FILE``).

A YAML or JSON file, every section optional::

    precedence:
      default: [cmdb, k8s]                 # rank of sources for every field
      fields:
        attributes.image: [k8s, "*", manual]   # "*" = unlisted sources, "manual" = hand edits
      kinds:
        Host:
          attributes.os: [cmdb]
    identification:
      default: [[name]]                    # alternatives in order, each a list of attributes
      by_kind:
        Host: [[fqdn], [hostname, domain]]
      kind_groups: [[Service, Application]]  # kinds that identify across each other

Omitted sections keep the defaults of :class:`~cmdbgraph.ingest.precedence.IdentificationRules`
and :class:`~cmdbgraph.ingest.precedence.Precedence`. A bad file raises ``InvalidInput`` with
``BAD_SYNC_RULES`` problems naming the field path.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cmdbgraph.ingest.precedence import IdentificationRules, Precedence
from cmdbgraph.schema import InvalidInput, Problem


class _PrecedenceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: tuple[str, ...] = ()
    fields: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    kinds: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)


class _IdentificationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: tuple[tuple[str, ...], ...] | None = None
    by_kind: dict[str, tuple[tuple[str, ...], ...]] | None = None
    kind_groups: tuple[tuple[str, ...], ...] = ()


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    precedence: _PrecedenceFile = Field(default_factory=_PrecedenceFile)
    identification: _IdentificationFile = Field(default_factory=_IdentificationFile)


def sync_rules_from_data(data: object, where: str = "") -> tuple[IdentificationRules, Precedence]:
    """The rules ``data`` (parsed YAML/JSON) describes; ``InvalidInput`` otherwise."""
    try:
        parsed = _RulesFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise InvalidInput(
            [
                Problem("BAD_SYNC_RULES", e["msg"], where=where, field=".".join(str(p) for p in e["loc"]))
                for e in exc.errors()
            ]
        ) from None
    defaults = IdentificationRules()
    ident = parsed.identification
    rules = IdentificationRules(
        default=ident.default if ident.default is not None else defaults.default,
        by_kind={**defaults.by_kind, **(ident.by_kind or {})},
        kind_groups=tuple(frozenset(g) for g in ident.kind_groups),
    )
    p = parsed.precedence
    return rules, Precedence(default=p.default, fields=p.fields, kinds=p.kinds)


def load_sync_rules(path: Path) -> tuple[IdentificationRules, Precedence]:
    """The rules in the YAML/JSON file ``path``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput.one(
            "BAD_SYNC_RULES", f"cannot read the rules file: {exc.strerror}", where=str(path)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InvalidInput.one("BAD_SYNC_RULES", f"not valid YAML: {exc}", where=where) from None
    return sync_rules_from_data(data, where=str(path))
