"""CSV importer: one file of CIs and one of relationships, read through a column mapping.

:func:`read_csv` streams both files with the :mod:`csv` module, through
:mod:`~cmdbgraph.ingest.importers.tabular_files` (a UTF-8 byte-order mark is dropped, quoting
follows the mapping's ``quotechar``, ``delimiter`` is ``,`` or ``;`` or any one character) and
turns every row into a claim of a :class:`~cmdbgraph.ingest.sources.SourceGraph` as the
:class:`~cmdbgraph.ingest.importers.tabular_mappings.CsvMapping` says (its docstring documents
the mapping file; :mod:`~cmdbgraph.ingest.importers.tabular_shipped` the shipped ``servicenow``
and ``itop`` mappings).

What a row becomes:

- a CI row: ``key`` = the key cell; ``kind`` from the kind column through the kind table (or
  the fixed kind); ``name`` = the name cell; ``identity`` = ``{"name": name.lower()}`` plus the
  mapped identity columns (lower-cased, empty cells left out); ``attributes`` = the mapped
  attribute columns coerced to their type (empty cells left out); ``suggested_id`` =
  ``slug(name)`` (``slug(name, key)`` when two rows share a name); evidence = file and line.
- a relationship row: source and target keys (or names, with ``match_names``), the type from
  the type column through the type table (or the fixed type; ``reverse`` swaps the ends),
  ``optional`` and attributes when mapped. Repeated rows merge their evidence.

Errors (``InvalidInput``, every problem of both files at once; ``where`` = ``FILE:LINE``,
``field`` = the column): ``MISSING_COLUMN`` (a required column is not in the header; reported
once, from the header, and that file's rows are not read), ``MISSING_VALUE`` (an empty key,
name, kind, source, target or type cell), ``UNKNOWN_KIND_VALUE``, ``UNKNOWN_TYPE_VALUE``,
``BAD_VALUE`` (a cell that is not of its column's type), ``DUPLICATE_KEY``, ``DANGLING_REF``
(an endpoint that is no CI of the file), ``AMBIGUOUS_REF`` (an endpoint name that several CIs
have), ``SELF_REFERENCE``, ``BAD_ROW`` (more or fewer cells than the header),
``BAD_CSV`` / ``BAD_ENCODING`` (the file cannot be read as CSV in the mapping's encoding) and
``UNREADABLE_FILE``. With ``unknown_kinds: skip`` rows of unmapped kinds are left out, and so
are relationships that name them; the notes say how many and which values.

``progress(done, total)`` is called every :data:`PROGRESS_EVERY` rows and at the end; ``total``
is counted from the files' line breaks beforehand (an upper bound when cells hold line breaks).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import JsonValue

from cmdbgraph.graphdb.gc_pause import gc_paused
from cmdbgraph.ingest.importers.tabular_files import Header, count_lines, open_table
from cmdbgraph.ingest.importers.tabular_mappings import (
    SHIPPED_MAPPINGS,
    Column,
    CsvMapping,
    RelationshipColumns,
    TypeTarget,
    ValueType,
    coerce,
    load_mapping,
)
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.schema import InvalidInput, Problem
from cmdbgraph.schema.kinds import KIND_NAME
from cmdbgraph.schema.relationships import REL_TYPE_NAME

__all__ = ["SHIPPED_MAPPINGS", "CsvMapping", "Progress", "coerce", "load_mapping", "read_csv"]

Progress = Callable[[int, int], None]
"""``progress(done, total)``: rows read so far, of (about) ``total``."""

PROGRESS_EVERY = 2000
T = TypeVar("T")


class _Lookup(Generic[T]):
    """Cell value -> target: the fixed target, else through the table (exact, then
    case-insensitive), else, without a table, ``parse``; cached per value (values repeat)."""

    def __init__(self, table: Mapping[str, T], fixed: T | None, parse: Callable[[str], T | None]) -> None:
        self.has_table = bool(table)
        self._table = dict(table)
        self._folded = {k.casefold(): v for k, v in table.items()}
        self._fixed = fixed
        self._parse = parse
        self._cache: dict[str, T | None] = {}

    def __call__(self, raw: str) -> T | None:
        if self._fixed is not None:
            return self._fixed
        if raw not in self._cache:
            if self.has_table:
                found = self._table.get(raw)
                self._cache[raw] = found if found is not None else self._folded.get(raw.casefold())
            else:
                self._cache[raw] = self._parse(raw)
        return self._cache[raw]


@dataclass
class _Run:
    """What one read_csv call accumulates: problems, notes, progress (the files' ``ReadLog``)."""

    progress: Progress | None
    total: int
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    done: int = 0
    cut_short: set[str] = field(default_factory=set)
    """Files whose reading stopped at a BAD_ENCODING or BAD_CSV problem."""

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % PROGRESS_EVERY == 0:
            self.progress(self.done, max(self.total, self.done))

    def problem(self, code: str, message: str, where: str, column: str = "") -> None:
        self.problems.append(Problem(code, message, where, column))


def _resolve(
    header: Header, required: Sequence[tuple[str, str]], optional: Sequence[tuple[str, Column]], run: _Run
) -> tuple[dict[str, int], bool]:
    """Column indexes by column name; reports ``MISSING_COLUMN`` for absent required columns
    (and returns ok=False), notes absent optional ones."""
    found: dict[str, int] = {}
    ok = True
    where = f"{header.file}:{header.line}"
    for role, column in [*required, *((r, c.column) for r, c in optional if c.required)]:
        index = header.find(column)
        if index is None:
            ok = False
            run.problem(
                "MISSING_COLUMN",
                f"no column {column!r} ({role}) in the header; it has {header.shown()}",
                where,
                column,
            )
        else:
            found[column] = index
    absent: list[str] = []
    for role, col in optional:
        index = header.find(col.column)
        if index is not None:
            found[col.column] = index
        elif not col.required:
            absent.append(f"{col.column!r} ({role})")
    if absent:
        run.notes.append(f"{header.file}: not in the header, so not read: {', '.join(absent)}")
    return found, ok


def _cells_fit(cells: list[str], header: Header, where: str, run: _Run) -> bool:
    width = len(header.names)
    if len(cells) == width or (len(cells) > width and not any(cells[width:])):
        return True
    run.problem(
        "BAD_ROW",
        f"the row has {len(cells)} cells, the header {width} (another delimiter, or an unquoted one?)",
        where,
    )
    return False


def _coerced(
    cells: list[str], columns: Sequence[tuple[str, int, ValueType]], header: Header, where: str, run: _Run
) -> dict[str, JsonValue]:
    """The attributes of one row: non-empty cells coerced (``BAD_VALUE`` when they do not)."""
    out: dict[str, JsonValue] = {}
    for name, index, value_type in columns:
        text = cells[index]
        if not text:
            continue
        try:
            out[name] = coerce(text, value_type)
        except ValueError as exc:
            run.problem("BAD_VALUE", f"{exc} (attribute {name})", where, header.names[index])
    return out


@dataclass
class _CiIndex:
    """What relationship rows are resolved against."""

    keys: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    by_name: dict[str, list[str]] = field(default_factory=dict)


def _read_cis(path: Path, mapping: CsvMapping, run: _Run) -> tuple[list[SourceCI], _CiIndex, bool]:
    spec = mapping.cis
    file = str(path)
    cis: list[SourceCI] = []
    found = _CiIndex()
    table = open_table(path, mapping, run)
    if table is None:
        return cis, found, False
    header, rows = table
    required = [("key", spec.key), ("name", spec.name)] + ([("kind", spec.kind)] if spec.kind else [])
    identity_cols = {n: Column(column=c) for n, c in spec.identity.items()}
    by_kind_cols = {
        (k, n): Column(column=c) for k, cols in spec.identity_by_kind.items() for n, c in cols.items()
    }
    optional = [
        *((f"attribute {n}", c) for n, c in spec.attributes.items()),
        *((f"identity {n}", c) for n, c in identity_cols.items()),
        *((f"identity {n} of {k}", c) for (k, n), c in by_kind_cols.items()),
    ]
    index, ok = _resolve(header, required, optional, run)
    if not ok:
        return cis, found, False
    key_i, name_i = index[spec.key], index[spec.name]
    kind_i = index[spec.kind] if spec.kind else None
    kinds = _Lookup(spec.kinds, spec.fixed_kind, _parse_kind)
    attributes = [(n, index[c.column], c.type) for n, c in spec.attributes.items() if c.column in index]
    identity = [(n, index[c.column]) for n, c in identity_cols.items() if c.column in index]
    identity_of_kind: dict[str, list[tuple[str, int]]] = {}
    for (of_kind, ident_name), col in by_kind_cols.items():
        if col.column in index:
            identity_of_kind.setdefault(of_kind, []).append((ident_name, index[col.column]))
    first_line: dict[str, int] = {}
    ids: set[str] = set()
    unknown: Counter[str] = Counter()
    for line, cells in rows:
        run.tick()
        where = f"{file}:{line}"
        if not _cells_fit(cells, header, where, run):
            continue
        key, name = cells[key_i], cells[name_i]
        raw_kind = cells[kind_i] if kind_i is not None else ""
        for value, column in ((key, spec.key), (name, spec.name), (raw_kind, spec.kind)):
            if column is not None and not value:
                run.problem("MISSING_VALUE", f"the {column!r} cell is empty", where, column)
        if not key or not name or (kind_i is not None and not raw_kind):
            continue
        if key in first_line:
            run.problem("DUPLICATE_KEY", f"key {key!r} is already on line {first_line[key]}", where, spec.key)
            continue
        first_line[key] = line
        found.by_name.setdefault(name, []).append(key)
        kind = kinds(raw_kind)
        if kind is None:
            if spec.unknown_kinds == "skip":
                unknown[raw_kind] += 1
                found.skipped.add(key)
            else:
                hint = (
                    "it is not in the mapping's kind table"
                    if kinds.has_table
                    else "it is not a PascalCase kind"
                )
                run.problem("UNKNOWN_KIND_VALUE", f"kind value {raw_kind!r}: {hint}", where, spec.kind or "")
            continue
        found.keys.add(key)
        ident: dict[str, JsonValue] = {"name": name.lower()}
        for ident_name, i in (*identity, *identity_of_kind.get(kind, ())):
            if cells[i]:
                ident[ident_name] = cells[i].lower()
        suggested = slug(name)
        if suggested in ids:
            suggested = slug(name, key)
            n = 2
            while suggested in ids:
                suggested, n = f"{slug(name, key)}-{n}", n + 1
        ids.add(suggested)
        detail = f"{spec.kind}={raw_kind}" if spec.kind else ""
        cis.append(
            SourceCI(
                key=key,
                kind=kind,
                name=name,
                suggested_id=suggested,
                identity=ident,
                attributes=_coerced(cells, attributes, header, where, run),
                evidence=(Evidence(file=file, field=spec.key, line=line, detail=detail),),
            )
        )
    if unknown:
        values = ", ".join(f"{v!r} ({n})" for v, n in unknown.most_common(10))
        run.notes.append(f"{file}: skipped {unknown.total()} CI rows of unmapped kinds: {values}")
    return cis, found, file not in run.cut_short


def _parse_kind(raw: str) -> str | None:
    return raw if KIND_NAME.match(raw) else None


def _parse_type(raw: str) -> TypeTarget | None:
    return TypeTarget(type=raw) if REL_TYPE_NAME.match(raw) else None


def _endpoint(
    value: str, column: str, spec: RelationshipColumns, cis: _CiIndex, where: str, run: _Run
) -> str | None:
    """The CI key ``value`` names; ``""`` when it names a skipped CI; None after a problem."""
    if value in cis.keys:
        return value
    if value in cis.skipped:
        return ""
    if spec.match_names:
        named = cis.by_name.get(value, [])
        if len(named) == 1:
            return named[0] if named[0] not in cis.skipped else ""
        if len(named) > 1:
            shown = ", ".join(repr(k) for k in named[:5])
            run.problem(
                "AMBIGUOUS_REF", f"{value!r} is the name of several CIs (keys {shown})", where, column
            )
            return None
    what = "key or name" if spec.match_names else "key"
    run.problem("DANGLING_REF", f"{value!r} is no CI {what} in the CI file", where, column)
    return None


def _read_relationships(
    path: Path, mapping: CsvMapping, cis: _CiIndex, cis_ok: bool, run: _Run
) -> list[SourceRelationship]:
    spec = mapping.relationships
    file = str(path)
    if spec is None:
        run.problem("BAD_MAPPING", f"mapping {mapping.name!r} has no relationships: section", file)
        return []
    table = open_table(path, mapping, run)
    if table is None:
        return []
    header, rows = table
    required = [("source", spec.source), ("target", spec.target)]
    required += [("type", spec.type)] if spec.type else []
    required += [("optional", spec.optional)] if spec.optional else []
    optional = [(f"attribute {n}", c) for n, c in spec.attributes.items()]
    index, ok = _resolve(header, required, optional, run)
    if not ok or not cis_ok:
        return []
    src_i, tgt_i = index[spec.source], index[spec.target]
    type_i = index[spec.type] if spec.type else None
    optional_i = index[spec.optional] if spec.optional else None
    attributes = [(n, index[c.column], c.type) for n, c in spec.attributes.items() if c.column in index]
    fixed = TypeTarget(type=spec.fixed_type) if spec.fixed_type else None
    types = _Lookup(spec.types, fixed, _parse_type)
    merged: dict[tuple[str, str, str], SourceRelationship] = {}
    unknown: Counter[str] = Counter()
    dropped = 0
    for line, cells in rows:
        run.tick()
        where = f"{file}:{line}"
        if not _cells_fit(cells, header, where, run):
            continue
        raw_src, raw_tgt = cells[src_i], cells[tgt_i]
        raw_type = cells[type_i] if type_i is not None else ""
        for value, column in ((raw_src, spec.source), (raw_tgt, spec.target), (raw_type, spec.type)):
            if column is not None and not value:
                run.problem("MISSING_VALUE", f"the {column!r} cell is empty", where, column)
        if not raw_src or not raw_tgt or (type_i is not None and not raw_type):
            continue
        rel_type = types(raw_type)
        keys = cis.keys  # the common case first: both ends are keys
        source = raw_src if raw_src in keys else _endpoint(raw_src, spec.source, spec, cis, where, run)
        target = raw_tgt if raw_tgt in keys else _endpoint(raw_tgt, spec.target, spec, cis, where, run)
        if rel_type is None:
            if spec.unknown_types == "skip":
                unknown[raw_type] += 1
            else:
                hint = "it is not in the mapping's type table" if types.has_table else "it is not UPPER_SNAKE"
                run.problem("UNKNOWN_TYPE_VALUE", f"type value {raw_type!r}: {hint}", where, spec.type or "")
            continue
        if source is None or target is None:
            continue
        if not source or not target:
            dropped += 1
            continue
        if rel_type.reverse:
            source, target = target, source
        if source == target:
            run.problem("SELF_REFERENCE", f"the row relates {source!r} to itself", where, spec.source)
            continue
        optional_value: JsonValue = False
        if optional_i is not None and cells[optional_i]:
            try:
                optional_value = coerce(cells[optional_i], "boolean")
            except ValueError as exc:
                run.problem("BAD_VALUE", str(exc), where, spec.optional or "")
                continue
        detail = f"{raw_src} -> {raw_tgt}" + (f" ({raw_type})" if raw_type else "")
        evidence = Evidence(file=file, field=spec.type or spec.source, line=line, detail=detail)
        key = (source, rel_type.type, target)
        if key in merged:
            earlier = merged[key]
            merged[key] = earlier.model_copy(update={"evidence": (*earlier.evidence, evidence)})
            continue
        merged[key] = SourceRelationship(
            source_key=source,
            target_key=target,
            type=rel_type.type,
            optional=bool(optional_value),
            attributes=_coerced(cells, attributes, header, where, run),
            evidence=(evidence,),
        )
    if unknown:
        values = ", ".join(f"{v!r} ({n})" for v, n in unknown.most_common(10))
        run.notes.append(f"{file}: skipped {unknown.total()} relationship rows of unmapped types: {values}")
    if dropped:
        run.notes.append(f"{file}: skipped {dropped} relationship rows naming skipped CIs")
    return list(merged.values())


def read_csv(
    cis_file: Path,
    relationships_file: Path | None,
    mapping: CsvMapping,
    *,
    progress: Progress | None = None,
) -> SourceGraph:
    """The :class:`SourceGraph` claimed by a CI file (and a relationships file) under ``mapping``.

    Reads the files row by row (the only I/O); raises ``InvalidInput`` with every problem of
    both files (codes in the module docstring) and returns nothing in that case.
    """
    total = max(0, count_lines(cis_file) - 1)
    if relationships_file is not None:
        total += max(0, count_lines(relationships_file) - 1)
    run = _Run(progress, total)
    with gc_paused(freeze=True):  # a million small acyclic objects: collector passes cost half
        cis, index, cis_ok = _read_cis(cis_file, mapping, run)
        relationships: list[SourceRelationship] = []
        if relationships_file is not None:
            relationships = _read_relationships(relationships_file, mapping, index, cis_ok, run)
        if run.problems:
            raise InvalidInput(run.problems)
        graph = SourceGraph(
            format="csv",
            cis=tuple(cis),
            relationships=tuple(relationships),
            notes=(f"mapping: {mapping.name}", *run.notes),
        )
    if progress is not None:
        progress(run.done, run.done)
    return graph
