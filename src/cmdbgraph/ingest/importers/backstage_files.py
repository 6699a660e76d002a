"""Reading Backstage catalog files: YAML documents with their line numbers, and Location targets.

This module is the importer's only I/O. :func:`read_catalog` takes files or folders:

- a folder is walked recursively for ``*.yaml`` and ``*.yml`` files, in sorted order, leaving out
  hidden files and folders (``.github/``, ``.env.yaml``);
- a file is read whatever its name;
- every file is read once, however many ways it is reached;
- a ``Location`` entity's ``spec.target`` / ``spec.targets`` are followed (Backstage resolves a
  relative target "relative to the location of this Location entity itself"; globs such as
  ``./*/catalog-info.yaml`` are expanded), but only to files inside the given folders (or the
  folder of a given file): a target outside them, a URL target, or a target that does not exist
  is not read and is reported as a note, never as an error, because the entities themselves are
  what is imported (a reference into a file that was not read shows up as a dangling reference).

:func:`parse_yaml` is pure: it composes each document's node tree (``yaml.compose_all`` with the
safe C loader), constructs the value with PyYAML's *safe* constructor, and keeps the line of every
mapping key and sequence item so that problems and evidence can say ``FILE:LINE``. Malformed YAML
is a ``BAD_YAML`` problem at the line PyYAML reports; the file's documents are then left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cmdbgraph.schema import Problem

Path_ = tuple[str | int, ...]
"""A path inside a document: mapping keys and sequence indices (``("spec", "dependsOn", 0)``)."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of one file: its value and the line of each key and item in it."""

    file: str
    data: object
    start_line: int
    lines: Mapping[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_ = ()) -> int:
        """The line of ``path`` (or of its nearest enclosing key; the document start at worst)."""
        for n in range(len(path), 0, -1):
            found = self.lines.get(path[:n])
            if found is not None:
                return found
        return self.start_line

    def where(self, path: Path_ = ()) -> str:
        """``FILE:LINE`` of ``path``."""
        return f"{self.file}:{self.line(path)}"


def field_path(path: Path_) -> str:
    """``("spec", "dependsOn", 0)`` -> ``"spec.dependsOn[0]"``.

    >>> field_path(("spec", "dependsOn", 0))
    'spec.dependsOn[0]'
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _index(node: yaml.Node, path: Path_, lines: dict[Path_, int], stack: set[int]) -> None:
    """Record the line of every mapping key and sequence item under ``node``."""
    if id(node) in stack:  # a recursive alias
        return
    stack.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = (*path, str(key_node.value))
                lines.setdefault(sub, key_node.start_mark.line + 1)
                _index(value_node, sub, lines, stack)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines.setdefault(sub, item.start_mark.line + 1)
            _index(item, sub, lines, stack)
    stack.discard(id(node))


def parse_yaml(content: bytes | str, file: str) -> tuple[list[Document], list[Problem]]:
    """The documents of one file (empty documents left out), or one ``BAD_YAML`` problem.

    >>> docs, problems = parse_yaml("a: 1\\n---\\nkind: X\\nspec:\\n  owner: t\\n", "f.yaml")
    >>> [d.data for d in docs], docs[1].where(("spec", "owner")), problems
    ([{'a': 1}, {'kind': 'X', 'spec': {'owner': 't'}}], 'f.yaml:5', [])
    >>> parse_yaml("a: [1\\n", "bad.yaml")[1][0].code
    'BAD_YAML'
    """
    constructor = yaml.SafeLoader("")
    documents: list[Document] = []
    try:
        for node in yaml.compose_all(content, Loader=yaml.CSafeLoader):
            if node is None:
                continue
            data = constructor.construct_document(node)
            if data is None:
                continue
            lines: dict[Path_, int] = {}
            _index(node, (), lines, set())
            documents.append(Document(file, data, node.start_mark.line + 1, lines))
    except yaml.YAMLError as exc:
        line = None
        if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
            line = exc.problem_mark.line + 1
        reason = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else str(exc)
        where = file if line is None else f"{file}:{line}"
        return [], [Problem("BAD_YAML", f"malformed YAML: {' '.join(str(reason).split())}", where=where)]
    return documents, []


@dataclass
class CatalogRead:
    """What :func:`read_catalog` found: documents in reading order, problems, notes."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _walk(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        hidden = any(p.startswith(".") for p in rel.parts)
        if path.suffix in (".yaml", ".yml") and not hidden and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _is_location(doc: Document) -> bool:
    data = doc.data
    return isinstance(data, dict) and str(data.get("kind", "")).lower() == "location"


def location_targets(doc: Document) -> tuple[list[tuple[str, Path_]], list[Problem], bool]:
    """A Location's targets with their paths in the document, shape problems, and whether its
    ``spec.presence`` is ``optional``."""
    assert isinstance(doc.data, dict)
    spec = doc.data.get("spec")
    if not isinstance(spec, dict):
        return [], [], False
    targets: list[tuple[str, Path_]] = []
    problems: list[Problem] = []
    single = spec.get("target")
    if single is not None:
        if isinstance(single, str):
            targets.append((single, ("spec", "target")))
        else:
            problems.append(_bad_target(doc, ("spec", "target")))
    many = spec.get("targets")
    if many is not None:
        if not isinstance(many, list):
            problems.append(_bad_target(doc, ("spec", "targets")))
        else:
            for i, target in enumerate(many):
                if isinstance(target, str):
                    targets.append((target, ("spec", "targets", i)))
                else:
                    problems.append(_bad_target(doc, ("spec", "targets", i)))
    return targets, problems, spec.get("presence") == "optional"


def _bad_target(doc: Document, path: Path_) -> Problem:
    return Problem(
        "BAD_FIELD",
        "a Location target must be a string (and spec.targets a list of strings)",
        where=doc.where(path),
        field=field_path(path),
    )


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    real = path.resolve()
    return any(real == root or root in real.parents for root in roots)


def _follow(doc: Document, roots: Sequence[Path], out: CatalogRead) -> list[Path]:
    """The local files a Location points at, inside ``roots``; notes for the rest."""
    targets, problems, optional = location_targets(doc)
    out.problems.extend(problems)
    base = Path(doc.file).parent
    found: list[Path] = []
    for target, path in targets:
        where = f"{doc.where(path)} {field_path(path)}"
        if _URL.match(target) and not Path(target).is_absolute():
            out.notes.append(f"{where}: Location target {target!r} is not a local path; not read")
            continue
        if _GLOB.search(target):
            pattern = re.sub(r"^(\./)+", "", target)
            matches = base.glob(pattern) if not Path(pattern).is_absolute() else iter(())
            candidates = sorted(Path(os.path.normpath(m)) for m in matches)
            if not candidates:
                out.notes.append(f"{where}: Location target {target!r} matches no file; nothing read")
        else:
            candidates = [Path(os.path.normpath(base / target))]
        for candidate in candidates:
            if not _inside(candidate, roots):
                out.notes.append(
                    f"{where}: Location target {target!r} is outside the given folders; not read"
                )
            elif candidate.is_file():
                found.append(candidate)
            elif not _GLOB.search(target):
                presence = " (presence: optional)" if optional else ""
                out.notes.append(f"{where}: Location target {target!r}{presence} does not exist; not read")
    return found


def read_catalog(paths: Sequence[Path], *, follow_locations: bool = True) -> CatalogRead:
    """Read the given files and folders (and, with ``follow_locations``, the files their
    Location entities point at, inside the given folders). Never raises for bad input: missing
    paths are ``UNREADABLE_FILE`` problems, malformed YAML ``BAD_YAML`` problems."""
    out = CatalogRead()
    roots: list[Path] = []
    queue: list[Path] = []
    for path in paths:
        if path.is_dir():
            roots.append(path.resolve())
            queue.extend(_walk(path))
        elif path.is_file():
            roots.append(path.resolve().parent)
            queue.append(path)
        else:
            out.problems.append(Problem("UNREADABLE_FILE", "no such file or folder", where=str(path)))
    seen: set[Path] = set()
    i = 0
    while i < len(queue):
        path = queue[i]
        i += 1
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            content = path.read_bytes()
        except OSError as exc:
            out.problems.append(Problem("UNREADABLE_FILE", f"cannot read: {exc.strerror}", where=str(path)))
            continue
        documents, problems = parse_yaml(content, str(path))
        out.documents.extend(documents)
        out.problems.extend(problems)
        if follow_locations:
            for doc in documents:
                if _is_location(doc):
                    queue.extend(_follow(doc, roots, out))
    return out
