"""The native graph file (JSON or YAML): ``{"cis": [...], "relationships": [...]}``.

Reading turns a file into validated models or raises :class:`InvalidInput` naming the file,
the record (``cis[12]``) and the field of every problem. JSON is parsed as a stream (ijson), so
a large file never exists as one parsed tree; YAML (for hand-written files) is read whole.

Writing is canonical: CIs ordered by id, relationships by (source, type, target), attribute
keys sorted, default-valued relationship fields left out, one record per line. Exporting,
importing into an empty store and exporting again gives the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import ijson
import orjson
import yaml
from pydantic import JsonValue, ValidationError

from cmdbgraph.graphdb.gc_pause import gc_paused
from cmdbgraph.schema import CIData, InvalidInput, Problem, Relationship

Format = Literal["json", "yaml"]
SECTIONS = ("cis", "relationships")
_MAX_PROBLEMS = 1000


@dataclass
class GraphFileContent:
    """Validated records of one or more graph files, in file order."""

    cis: list[CIData] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    ci_origin: list[str] = field(default_factory=list)
    rel_origin: list[str] = field(default_factory=list)

    def origin(self, where: str) -> str:
        """Translate a batch location (``cis[3]``) into the file location it came from."""
        for section, origins in (("cis", self.ci_origin), ("relationships", self.rel_origin)):
            prefix = f"{section}["
            if where.startswith(prefix):
                index_text, _, rest = where[len(prefix) :].partition("]")
                if index_text.isdigit() and int(index_text) < len(origins):
                    return origins[int(index_text)] + rest
        return where


def detect_format(path: Path) -> Format:
    """``json`` or ``yaml`` from the suffix, else from the first non-blank character."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    return "json" if head[:1] in (b"{", b"[") else "yaml"


# pydantic error types with a code (and the field they concern) of their own
_SPECIFIC = {
    "missing": ("MISSING_FIELD", None),
    "extra_forbidden": ("UNKNOWN_FIELD", None),
    "self_loop": ("SELF_LOOP", "target"),
    "min_up_without_group": ("MIN_UP_WITHOUT_GROUP", "min_up"),
}


def _problems_of(exc: ValidationError, where: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        code, field = _SPECIFIC.get(err["type"], ("INVALID_FIELD", None))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the graph file format)"
        # a record-level error (empty loc) would echo the whole record: leave the input out
        if err["type"] not in _SPECIFIC and err["loc"]:
            message += f" (got {err['input']!r})"
        problems.append(Problem(code, message, where=where, field=field or loc))
    return problems


class _Reader:
    """Accumulates records and problems over several files."""

    def __init__(self) -> None:
        self.content = GraphFileContent()
        self.problems: list[Problem] = []

    def record(self, section: str, index: int, raw: object, label: str) -> None:
        where = f"{label}: {section}[{index}]"
        if not isinstance(raw, dict):
            self.problems.append(Problem("INVALID_RECORD", "a record must be a mapping", where))
            return
        if section == "cis" and isinstance(raw.get("id"), str):
            where += f" (id {raw['id']!r})"
        try:
            if section == "cis":
                self.content.cis.append(CIData.model_validate(raw))
                self.content.ci_origin.append(where)
            else:
                self.content.relationships.append(Relationship.model_validate(raw))
                self.content.rel_origin.append(where)
        except ValidationError as exc:
            self.problems.extend(_problems_of(exc, where))
        if len(self.problems) > _MAX_PROBLEMS:
            raise InvalidInput(self.problems)

    def read_json(self, fh: IO[bytes], label: str) -> None:
        """Stream a JSON graph file: one pass checks the top-level shape (events only), then
        one pass per section builds the records in ijson's C backend."""
        try:
            for prefix, event, value in ijson.parse(fh, use_float=True):
                if prefix == "":
                    if event not in ("start_map", "map_key", "end_map"):
                        raise _shape(label, "the top level must be a mapping with 'cis' and 'relationships'")
                    if event == "map_key" and value not in SECTIONS:
                        raise _shape(label, f"unknown top-level key {value!r} (expected {SECTIONS})")
                elif prefix in SECTIONS and event not in ("start_array", "end_array"):
                    raise _shape(label, f"'{prefix}' must be a list")
            for section in SECTIONS:
                fh.seek(0)
                for i, raw in enumerate(ijson.items(fh, f"{section}.item", use_float=True)):
                    self.record(section, i, raw, label)
        except ijson.JSONError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
            raise _shape(label, f"malformed JSON: {reason}", code="MALFORMED_FILE") from None

    def read_yaml(self, fh: IO[bytes], label: str) -> None:
        try:
            doc = yaml.load(fh, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            raise _shape(label, f"malformed YAML: {_one_line(exc)}", code="MALFORMED_FILE") from None
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            raise _shape(label, "the top level must be a mapping with 'cis' and 'relationships'")
        for key in doc:
            if key not in SECTIONS:
                raise _shape(label, f"unknown top-level key {key!r} (expected {SECTIONS})")
        for section in SECTIONS:
            records = doc.get(section)
            if records is None:  # ``cis:`` with no value: an empty section
                records = []
            if not isinstance(records, list):
                raise _shape(label, f"'{section}' must be a list")
            for i, raw in enumerate(records):
                self.record(section, i, raw, label)


def _one_line(exc: yaml.YAMLError) -> str:
    """A YAML error as one line: the problem and where (line, column)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def _shape(label: str, message: str, code: str = "INVALID_FILE") -> InvalidInput:
    return InvalidInput.one(code, message, where=label)


def read_graph_files(paths: Iterable[Path]) -> GraphFileContent:
    """Parse and validate graph files (record-level rules only; the store checks the graph
    rules such as endpoints and redundancy groups). Raises :class:`InvalidInput`."""
    reader = _Reader()
    with gc_paused(freeze=True):
        for path in paths:
            _read_one(reader, path)
    if reader.problems:
        raise InvalidInput(reader.problems)
    return reader.content


def _read_one(reader: _Reader, path: Path) -> None:
    label = str(path)
    try:
        fmt = detect_format(path)
        with path.open("rb") as fh:
            if fmt == "json":
                reader.read_json(fh, label)
            else:
                reader.read_yaml(fh, label)
    except OSError as exc:
        raise InvalidInput.one("UNREADABLE_FILE", f"cannot read: {exc.strerror}", where=label) from None


# -- writing ------------------------------------------------------------------------------------
def _canonical(value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {k: _canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def ci_record(ci: CIData) -> dict[str, JsonValue]:
    """The graph-file record of a CI (content only, canonical key order)."""
    return {
        "id": ci.id,
        "kind": ci.kind,
        "name": ci.name,
        "criticality": ci.criticality,
        "status": ci.status.value,
        "attributes": _canonical(ci.attributes),
    }


def relationship_record(rel: Relationship) -> dict[str, JsonValue]:
    """The graph-file record of a relationship (default-valued fields left out)."""
    record: dict[str, JsonValue] = {"source": rel.source, "target": rel.target, "type": rel.type}
    if rel.optional:
        record["optional"] = True
    if rel.redundancy_group is not None:
        record["redundancy_group"] = rel.redundancy_group
    if rel.min_up is not None:
        record["min_up"] = rel.min_up
    if rel.attributes:
        record["attributes"] = _canonical(rel.attributes)
    return record


def iter_json_lines(cis: Iterable[CIData], relationships: Iterable[Relationship]) -> Iterator[bytes]:
    """The canonical JSON graph file, in chunks (one record per line)."""
    yield b'{\n"cis": ['
    sep = b"\n"
    for ci in cis:
        yield sep + orjson.dumps(ci_record(ci))
        sep = b",\n"
    yield b'\n],\n"relationships": ['
    sep = b"\n"
    for rel in relationships:
        yield sep + orjson.dumps(relationship_record(rel))
        sep = b",\n"
    yield b"\n]\n}\n"


def write_graph_file(
    target: Path | IO[bytes],
    cis: Iterable[CIData],
    relationships: Iterable[Relationship],
    fmt: Format = "json",
) -> None:
    """Write the canonical graph file to a path (atomically, via a temporary file) or a stream."""
    if isinstance(target, Path):
        fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                write_graph_file(fh, cis, relationships, fmt)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    if fmt == "json":
        for chunk in iter_json_lines(cis, relationships):
            target.write(chunk)
    else:
        doc = {
            "cis": [ci_record(c) for c in cis],
            "relationships": [relationship_record(r) for r in relationships],
        }
        target.write(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True).encode())
