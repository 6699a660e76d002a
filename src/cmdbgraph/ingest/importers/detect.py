"""Which importer reads the given paths (``--format auto``), and the one call that runs it.

:func:`detect_format` looks at content, not only names (the only I/O: listing folders and
reading at most the first :data:`HEAD_BYTES` of each file):

- a folder holding ``kustomization.yaml`` (or ``.yml``, ``Kustomization``) is ``kubernetes``;
  any other folder is detected from the ``.yaml``/``.yml``/``.json``/``.csv`` files in it
  (recursively; files of no recognisable format are ignored there);
- ``.csv`` is ``csv``;
- JSON (``{`` or ``[`` first) is ``graph``, the native graph file;
- YAML by its top-level keys: ``apiVersion: backstage.io/...`` is ``backstage``; ``apiVersion``
  with ``kind`` is ``kubernetes``; ``services:`` is ``compose``; ``cis:`` or
  ``relationships:`` is ``graph``; a file matching none of them is read as a graph file, as
  ``import`` always did (the graph reader then reports what is wrong with it, located).
- A file matching two of these, or paths of different formats, is ``FORMAT_AMBIGUOUS``; a folder
  holding no file of a known format is ``FORMAT_UNKNOWN`` (both ``InvalidInput`` naming the
  path and asking for ``--format``).

:func:`read_source` runs the importer of a (non-graph) format and returns its
:class:`~cmdbgraph.ingest.sources.SourceGraph`; graph files keep their own path
(:mod:`cmdbgraph.ingest.graphfile` and :func:`~cmdbgraph.ingest.loader.load_records`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path

from cmdbgraph.ingest.importers.backstage import read_backstage
from cmdbgraph.ingest.importers.compose import read_compose
from cmdbgraph.ingest.importers.kubernetes import read_kubernetes
from cmdbgraph.ingest.importers.tabular import read_csv
from cmdbgraph.ingest.importers.tabular_mappings import SHIPPED_MAPPINGS, load_mapping
from cmdbgraph.ingest.sources import SourceGraph
from cmdbgraph.schema import InvalidInput, Problem

HEAD_BYTES = 1 << 20
_SCANNED = (".yaml", ".yml", ".json", ".csv")
_KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_API_VERSION = re.compile(r"^apiVersion:[ \t]*[\"']?([^\s\"'#]*)", re.MULTILINE)
_KIND = re.compile(r"^kind:[ \t]*\S", re.MULTILINE)
_SERVICES = re.compile(r"^services:", re.MULTILINE)
_GRAPH = re.compile(r"^(cis|relationships):", re.MULTILINE)


class SourceFormat(StrEnum):
    """The ``--format`` values."""

    AUTO = "auto"
    GRAPH = "graph"
    BACKSTAGE = "backstage"
    KUBERNETES = "kubernetes"
    COMPOSE = "compose"
    CSV = "csv"


def _yaml_formats(text: str) -> set[SourceFormat]:
    r"""The formats YAML text's top-level keys suggest.

    >>> sorted(map(str, _yaml_formats("apiVersion: backstage.io/v1alpha1\nkind: Component\n")))
    ['backstage']
    >>> sorted(map(str, _yaml_formats("apiVersion: apps/v1\nkind: Deployment\n---\nservices:\n")))
    ['compose', 'kubernetes']
    """
    found: set[SourceFormat] = set()
    versions = _API_VERSION.findall(text)
    if any(v.startswith("backstage.io/") for v in versions):
        found.add(SourceFormat.BACKSTAGE)
    if any(not v.startswith("backstage.io/") for v in versions) and _KIND.search(text):
        found.add(SourceFormat.KUBERNETES)
    if _SERVICES.search(text):
        found.add(SourceFormat.COMPOSE)
    if _GRAPH.search(text):
        found.add(SourceFormat.GRAPH)
    return found


def file_formats(path: Path) -> set[SourceFormat]:
    """The formats ``path``'s name and first :data:`HEAD_BYTES` suggest (empty: none)."""
    if path.suffix.lower() == ".csv":
        return {SourceFormat.CSV}
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:  # the reader of the format chosen reports it, located
        return set()
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.lstrip()[:1] in ("{", "["):
        return {SourceFormat.GRAPH}
    return _yaml_formats(text)


def _path_format(path: Path) -> tuple[SourceFormat | None, str]:
    """The one format of ``path`` (``None`` when unknown) and what was seen, for messages."""
    if path.is_dir():
        if any((path / name).is_file() for name in _KUSTOMIZATION):
            return SourceFormat.KUBERNETES, "kustomization"
        found: set[SourceFormat] = set()
        for child in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
            if child.is_file() and child.suffix.lower() in _SCANNED and not hidden:
                formats = file_formats(child)
                if len(formats) > 1:
                    return None, f"{child} looks like {' and '.join(sorted(formats))}"
                found |= formats
        if len(found) == 1:
            return found.pop(), "folder"
        seen = " and ".join(sorted(found)) if found else "no file of a known format"
        return None, f"the folder holds {seen}"
    formats = file_formats(path) or {SourceFormat.GRAPH}  # the graph reader says what is wrong
    if len(formats) == 1:
        return formats.pop(), "file"
    return None, f"looks like {' and '.join(sorted(formats))}"


def detect_format(paths: Sequence[Path]) -> SourceFormat:
    """The one format of all ``paths`` (never ``auto``); raises ``InvalidInput``
    (``FORMAT_UNKNOWN``, ``FORMAT_AMBIGUOUS``) naming each path. A file that cannot be read
    counts as a graph file, whose reader reports it (``UNREADABLE_FILE``)."""
    hint = "pass --format graph|backstage|kubernetes|compose|csv"
    problems: list[Problem] = []
    formats: dict[Path, SourceFormat] = {}
    for path in paths:
        fmt, seen = _path_format(path)
        if fmt is None:
            code = "FORMAT_AMBIGUOUS" if " and " in seen else "FORMAT_UNKNOWN"
            problems.append(Problem(code, f"cannot tell the format ({seen}): {hint}", str(path)))
        else:
            formats[path] = fmt
    if not problems and len(set(formats.values())) > 1:
        problems += [
            Problem(
                "FORMAT_AMBIGUOUS", f"looks like {fmt}, other paths do not: import them separately", str(p)
            )
            for p, fmt in formats.items()
        ]
    if problems or not formats:
        raise InvalidInput(problems or [Problem("FORMAT_UNKNOWN", f"no paths: {hint}")])
    return next(iter(formats.values()))


def read_source(
    fmt: SourceFormat,
    paths: Sequence[Path],
    *,
    env_file: Path | None = None,
    mapping: str | None = None,
    relationships: Path | None = None,
    allow_dangling: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SourceGraph:
    """Run ``fmt``'s importer on ``paths``. ``env_file`` is for compose; ``mapping`` (a file or
    a shipped mapping's name) and ``relationships`` (the relationships file) for CSV, whose
    ``paths`` must be the one CI file; ``allow_dangling`` lets a Backstage catalog name
    entities that are not in the files read (each dropped relationship becomes a note).
    Raises ``InvalidInput`` as the importer does, and ``ValueError`` for ``graph``/``auto``,
    which have no importer here."""
    match fmt:
        case SourceFormat.BACKSTAGE:
            graph = read_backstage(paths, dangling="note" if allow_dangling else "error")
        case SourceFormat.KUBERNETES:
            graph = read_kubernetes(paths)
        case SourceFormat.COMPOSE:
            graph = read_compose(paths, env_file=env_file)
        case SourceFormat.CSV:
            if len(paths) != 1 or paths[0].is_dir():
                raise InvalidInput.one(
                    "CSV_ONE_FILE", "give one CI file (and --relationships FILE for relationships)"
                )
            if mapping is None and "default" not in SHIPPED_MAPPINGS:
                known = ", ".join(sorted(SHIPPED_MAPPINGS))
                raise InvalidInput.one(
                    "MAPPING_REQUIRED", f"CSV needs --mapping FILE or a shipped mapping ({known})"
                )
            graph = read_csv(paths[0], relationships, load_mapping(mapping or "default"), progress=progress)
        case _:
            raise ValueError(f"format {fmt} has no importer here")
    return graph
