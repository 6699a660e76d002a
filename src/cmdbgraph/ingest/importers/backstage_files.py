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

Each file is loaded by :func:`~cmdbgraph.ingest.importers.yaml_lines.load_yaml_documents`, which
keeps the line of every mapping key and sequence item so that problems and evidence can say
``FILE:LINE``. Malformed YAML (a syntax error, a duplicate key ...) is a ``BAD_YAML`` problem at
its line; the file's documents are then left out, and so are empty and ``null`` documents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cmdbgraph.ingest.importers.yaml_lines import (
    YamlDocument,
    YamlList,
    YamlMap,
    field_path,
    load_yaml_documents,
)
from cmdbgraph.schema import Problem

Path_ = tuple[str | int, ...]
"""A path inside a document: mapping keys and sequence indices (``("spec", "dependsOn", 0)``)."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_GLOB = re.compile(r"[*?\[]")


@dataclass
class CatalogRead:
    """What :func:`read_catalog` found: documents in reading order, problems, notes."""

    documents: list[YamlDocument] = field(default_factory=list)
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


def _is_location(doc: YamlDocument) -> bool:
    data = doc.value
    return isinstance(data, YamlMap) and str(data.get("kind", "")).lower() == "location"


def location_targets(doc: YamlDocument) -> tuple[list[tuple[str, Path_]], list[Problem], bool]:
    """A Location's targets with their paths in the document, shape problems, and whether its
    ``spec.presence`` is ``optional``."""
    assert isinstance(doc.value, YamlMap)
    spec = doc.value.map("spec")
    if spec is None:
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
        if not isinstance(many, YamlList):
            problems.append(_bad_target(doc, ("spec", "targets")))
        else:
            for i, target in enumerate(many):
                if isinstance(target, str):
                    targets.append((target, ("spec", "targets", i)))
                else:
                    problems.append(_bad_target(doc, ("spec", "targets", i)))
    return targets, problems, spec.get("presence") == "optional"


def _bad_target(doc: YamlDocument, path: Path_) -> Problem:
    return Problem(
        "BAD_FIELD",
        "a Location target must be a string (and spec.targets a list of strings)",
        where=doc.loc_at(*path).where,
        field=field_path(*path),
    )


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    real = path.resolve()
    return any(real == root or root in real.parents for root in roots)


def _follow(doc: YamlDocument, roots: Sequence[Path], out: CatalogRead) -> list[Path]:
    """The local files a Location points at, inside ``roots``; notes for the rest."""
    targets, problems, optional = location_targets(doc)
    out.problems.extend(problems)
    base = Path(doc.file).parent
    found: list[Path] = []
    for target, path in targets:
        where = f"{doc.loc_at(*path).where} {field_path(*path)}"
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
        documents, problems = load_yaml_documents(content, str(path))
        if problems:
            out.problems.extend(problems)
            continue
        documents = [doc for doc in documents if doc.value is not None]
        out.documents.extend(documents)
        if follow_locations:
            for doc in documents:
                if _is_location(doc):
                    queue.extend(_follow(doc, roots, out))
    return out
