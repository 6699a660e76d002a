"""CSV column mappings: the model, the loader, and the shipped ``servicenow`` and ``itop`` mappings.

A :class:`CsvMapping` tells :func:`cmdbgraph.ingest.importers.tabular.read_csv` which column of
an export holds what, so an export can be loaded without editing it. It is a small YAML (or
JSON) file; every key below is optional unless marked *required*::

    extends: servicenow          # start from a shipped mapping; tables merge key by key
    name: my-cmdb                # shown in notes and messages
    delimiter: ";"               # one character (default ","); quotechar '"'; encoding utf-8-sig
    cis:
      key: sys_id                # required: the row's stable id (unique in the file)
      name: name                 # required: the display name (identity["name"] is its lower case)
      kind: sys_class_name       # the column holding the kind ...
      kinds:                     # ... translated by this table (exact, then case-insensitive);
        cmdb_ci_server: Host     #     without a table the cell must itself be a kind (PascalCase)
      # fixed_kind: Host         # ... or one kind for every row (exactly one of kind/fixed_kind)
      unknown_kinds: error       # a value not in the table: error (UNKNOWN_KIND_VALUE) or skip
      identity:                  # identity attribute -> column, for every row (values lower-cased)
        servicenow_sys_id: sys_id
      identity_by_kind:          # extra identity columns for rows of one kind
        Host: {fqdn: fqdn, hostname: name, domain: dns_domain}
      attributes:                # attribute -> column, or {column, type, required}
        os: os
        cpu_count: {column: cpu_count, type: integer}   # string|integer|number|boolean|date|datetime
    relationships:               # needed only when a relationships file is given
      source: parent             # required: the consumer end (for DEPENDS_ON: who depends)
      target: child              # required
      type: type                 # the column holding the type ...
      types:                     # ... translated by this table: TYPE, or {type: TYPE, reverse: true}
        "Depends on::Used by": DEPENDS_ON
        "Contains::Contained by": {type: PART_OF, reverse: true}
      # fixed_type: DEPENDS_ON   # ... or one type for every row (exactly one of type/fixed_type)
      unknown_types: error       # error (UNKNOWN_TYPE_VALUE) or skip
      match_names: false         # endpoints may hold a CI's name instead of its key
      optional: is_optional      # a column of booleans -> the relationship's ``optional``
      attributes: {}             # as for CIs

Columns named by ``key``, ``name``, ``kind``, ``source``, ``target`` and ``type`` must be in the
header (``MISSING_COLUMN`` otherwise); identity and attribute columns may be absent (the run
notes that they were not read) unless marked ``required: true``. Columns are matched exactly,
then case-insensitively.

The shipped mappings (:data:`SHIPPED_MAPPINGS`), ``servicenow`` and ``itop``, are validated from
the data in :mod:`~cmdbgraph.ingest.importers.tabular_shipped`, whose docstring says which
exports they read and where each column name comes from.

>>> SHIPPED_MAPPINGS["servicenow"].cis.kinds["cmdb_ci_server"]
'Host'
>>> load_mapping("itop").relationships.fixed_type
'DEPENDS_ON'
"""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

from cmdbgraph.ingest.importers.tabular_shipped import SHIPPED_DATA
from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.schema.kinds import ATTRIBUTE_NAME, KIND_NAME
from cmdbgraph.schema.relationships import REL_TYPE_NAME

ValueType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
OnUnknown = Literal["error", "skip"]


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def coerce(text: str, value_type: ValueType) -> JsonValue:
    """``text`` (a non-empty, stripped cell) as a JSON value of ``value_type``.

    Integers are decimal; numbers stay integers when written as one; booleans are
    true/false/yes/no/y/n/t/f/1/0 in any case; dates are ISO (a datetime keeps its date);
    datetimes are ISO, ``T`` or a space between date and time. Raises ``ValueError``.

    >>> coerce("8", "integer"), coerce("2.5", "number"), coerce("Yes", "boolean")
    (8, 2.5, True)
    >>> coerce("2024-03-01 10:00:00", "date"), coerce("2024-03-01 10:00:00", "datetime")
    ('2024-03-01', '2024-03-01T10:00:00')
    >>> coerce("eight", "integer")
    Traceback (most recent call last):
    ...
    ValueError: 'eight' is not an integer
    """
    match value_type:
        case "string":
            return text
        case "integer":
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"{text!r} is not an integer") from None
        case "number":
            try:
                return int(text)
            except ValueError:
                pass
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ValueError(f"{text!r} is not a number")
            return number
        case "boolean":
            folded = text.casefold()
            if folded in _TRUE or folded in _FALSE:
                return folded in _TRUE
            raise ValueError(f"{text!r} is not a boolean (true/false, yes/no, 1/0)")
        case "date":
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
            try:
                return datetime.fromisoformat(text).date().isoformat()
            except ValueError:
                raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
        case "datetime":
            try:
                return datetime.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"{text!r} is not an ISO date-time (YYYY-MM-DD HH:MM:SS)") from None


def _column_shorthand(value: object) -> object:
    return {"column": value} if isinstance(value, str) else value


def _type_shorthand(value: object) -> object:
    return {"type": value} if isinstance(value, str) else value


class Column(BaseModel):
    """One mapped column: its name in the header, the type its cells are coerced to, and whether
    a file without it is refused (``MISSING_COLUMN``) or just noted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str = Field(min_length=1)
    type: ValueType = "string"
    required: bool = False


ColumnSpec = Annotated[Column, BeforeValidator(_column_shorthand)]


class TypeTarget(BaseModel):
    """What a relationship-type cell becomes: a type, read source -> target or reversed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    reverse: bool = False

    @model_validator(mode="after")
    def _upper_snake(self) -> TypeTarget:
        if not REL_TYPE_NAME.match(self.type):
            raise ValueError(f"relationship type {self.type!r} must be UPPER_SNAKE")
        return self


TypeSpec = Annotated[TypeTarget, BeforeValidator(_type_shorthand)]


def _check_kind(kind: str) -> None:
    if not KIND_NAME.match(kind):
        raise ValueError(f"kind {kind!r} must be PascalCase")


def _check_names(names: Mapping[str, object], what: str) -> None:
    for name in names:
        if not ATTRIBUTE_NAME.match(name):
            raise ValueError(f"{what} name {name!r} must be an identifier (letters, digits, _)")


class CiColumns(BaseModel):
    """How the CI file's columns become :class:`~cmdbgraph.ingest.sources.SourceCI` fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: str | None = None
    fixed_kind: str | None = None
    kinds: dict[str, str] = Field(default_factory=dict)
    unknown_kinds: OnUnknown = "error"
    identity: dict[str, str] = Field(default_factory=dict)
    identity_by_kind: dict[str, dict[str, str]] = Field(default_factory=dict)
    attributes: dict[str, ColumnSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CiColumns:
        if (self.kind is None) == (self.fixed_kind is None):
            raise ValueError("give exactly one of cis.kind (a column) and cis.fixed_kind")
        for kind in [*self.kinds.values(), *self.identity_by_kind, self.fixed_kind or "Host"]:
            _check_kind(kind)
        for identity in [self.identity, *self.identity_by_kind.values()]:
            _check_names(identity, "identity")
            if "name" in identity:
                raise ValueError('identity "name" is always the lower-cased name column')
        _check_names(self.attributes, "attribute")
        return self


class RelationshipColumns(BaseModel):
    """How the relationships file's columns become relationships between CI keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    type: str | None = None
    fixed_type: str | None = None
    types: dict[str, TypeSpec] = Field(default_factory=dict)
    unknown_types: OnUnknown = "error"
    match_names: bool = False
    optional: str | None = None
    attributes: dict[str, ColumnSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> RelationshipColumns:
        if (self.type is None) == (self.fixed_type is None):
            raise ValueError("give exactly one of relationships.type (a column) and relationships.fixed_type")
        if self.fixed_type is not None:
            TypeTarget(type=self.fixed_type)
        _check_names(self.attributes, "attribute")
        return self


class CsvMapping(BaseModel):
    """A whole mapping: file format settings, the CI columns and the relationship columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    cis: CiColumns
    relationships: RelationshipColumns | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


SHIPPED_MAPPINGS: Mapping[str, CsvMapping] = {
    name: CsvMapping.model_validate(data) for name, data in SHIPPED_DATA.items()
}


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: nested tables merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def mapping_from_data(data: object, where: str = "mapping") -> CsvMapping:
    """Validate a mapping given as data (what the YAML holds); ``extends`` names a shipped one.

    Raises ``InvalidInput`` with one ``BAD_MAPPING`` problem per reason (``field`` the path).
    """
    if not isinstance(data, dict):
        raise InvalidInput.one(
            "BAD_MAPPING", "a mapping must be a table (cis: ..., relationships: ...)", where
        )
    data = dict(data)
    base = data.pop("extends", None)
    if base is not None:
        if base not in SHIPPED_DATA:
            known = ", ".join(sorted(SHIPPED_DATA))
            raise InvalidInput.one(
                "BAD_MAPPING", f"extends {base!r}: no such mapping ({known})", where, "extends"
            )
        data = _merged(SHIPPED_DATA[base], data)
    try:
        return CsvMapping.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            [
                Problem("BAD_MAPPING", err["msg"], where, ".".join(str(p) for p in err["loc"]))
                for err in exc.errors(include_url=False)
            ]
        ) from None


def load_mapping(spec: str | Path) -> CsvMapping:
    """A shipped mapping by name (``servicenow``, ``itop``) or a mapping file (YAML or JSON).

    The only I/O is reading that file. Raises ``InvalidInput`` (``BAD_MAPPING``) for a missing
    or unreadable file, bad YAML/JSON (with its line) and invalid content.
    """
    if isinstance(spec, str) and spec in SHIPPED_MAPPINGS:
        return SHIPPED_MAPPINGS[spec]
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        known = ", ".join(sorted(SHIPPED_MAPPINGS))
        message = f"cannot read the mapping file ({exc.strerror}); shipped mappings: {known}"
        raise InvalidInput.one("BAD_MAPPING", message, str(path)) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput.one("BAD_MAPPING", f"bad JSON: {exc.msg}", f"{path}:{exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InvalidInput.one("BAD_MAPPING", f"bad YAML: {exc}", where) from None
    return mapping_from_data(data, str(path))
