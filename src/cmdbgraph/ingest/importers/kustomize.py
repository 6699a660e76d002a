"""Gathering Kubernetes manifest files: plain files, folders and kustomizations (the I/O edge).

:func:`gather_manifests` takes the paths given to the Kubernetes importer and returns the text of
every manifest file to import (:class:`ManifestFile`), with the notes and problems found on the
way. It parses kustomizations only, never a manifest (that is
:func:`~cmdbgraph.ingest.importers.kubernetes.kubernetes_graph`), and raises nothing: every
problem is returned.

- A folder with a ``kustomization.yaml`` (``.yml``, ``Kustomization``), or that file itself, is
  read as ``kubectl apply -k`` deploys it: its ``resources`` (and ``bases``), recursively, each
  file with the kustomization's ``namespace`` (an outer kustomization's namespace wins). A
  resource folder must have a kustomization of its own. Remote resources (URLs, ``github.com/``,
  ``git@``) are noted, not fetched; components, patches, generators, ``images`` and any other
  key are noted as not applied.
- Files beside a kustomization that nothing read are noted, not imported (pass a file itself to
  import it).
- A folder without a kustomization is read whole (``*.yaml``/``*.yml``, recursively, sorted).
- A file is read whatever its name; every file and kustomization is read once, however many
  ways it is reached.

Problems (``where`` = the file, or ``FILE:LINE`` of the kustomization entry): ``MISSING_FILE``
(a path or resource that does not exist, a resource folder without a kustomization),
``UNREADABLE_FILE`` (not UTF-8 text, or not readable), ``BAD_YAML`` (a kustomization that is not
YAML) and ``BAD_KUSTOMIZATION`` (not a mapping, ``resources``/``bases`` not a list of paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cmdbgraph.ingest.importers.yaml_lines import YamlMap, load_yaml_documents
from cmdbgraph.schema import Problem

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_YAML_SUFFIXES = (".yaml", ".yml")
_KUSTOMIZE_READ = ("apiVersion", "kind", "resources", "bases", "namespace")


@dataclass(frozen=True)
class ManifestFile:
    """One file's text, its name in evidence, and the namespace a kustomization imposes."""

    name: str
    text: str
    namespace: str | None = None


@dataclass
class GatheredManifests:
    """The files to import, in reading order, and what gathering them noted and found wrong."""

    files: list[ManifestFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def gather_manifests(paths: Sequence[Path]) -> GatheredManifests:
    """The manifest files ``paths`` name, following kustomizations (see the module doc)."""
    gather = _Gatherer()
    for path in paths:
        gather.add(path)
    gather.note_left_out()
    return GatheredManifests(gather.files, gather.notes, gather.problems)


class _Gatherer:
    """Files to read, following kustomizations (the I/O edge)."""

    def __init__(self) -> None:
        self.files: list[ManifestFile] = []
        self.notes: list[str] = []
        self.problems: list[Problem] = []
        self._seen: set[Path] = set()
        self._kustomizations: dict[Path, Path] = {}

    def add(self, path: Path) -> None:
        kustomization = _kustomization_in(path) if path.is_dir() else None
        if kustomization is not None or (path.name in KUSTOMIZATION_FILES and path.is_file()):
            self._kustomize(kustomization or path, None)
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix in _YAML_SUFFIXES and p.is_file()):
                self._file(file, None)
        elif path.is_file():
            self._file(path, None)
        else:
            self.problems.append(Problem("MISSING_FILE", f"no such file or folder: {path}", where=str(path)))

    def _file(self, path: Path, namespace: str | None) -> None:
        if path.resolve() not in self._seen:
            self._seen.add(path.resolve())
            text = self._read(path)
            if text is not None:
                self.files.append(ManifestFile(path.as_posix(), text, namespace))

    def _read(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem("UNREADABLE_FILE", f"cannot read: {exc}", where=path.as_posix()))
            return None

    def _kustomize(self, path: Path, namespace: str | None) -> None:
        if path.resolve() in self._kustomizations:
            return
        self._kustomizations[path.resolve()] = path
        name, text = path.as_posix(), self._read(path)
        docs, problems = load_yaml_documents(text or "", name)
        self.problems.extend(problems)
        spec = docs[0].value if docs else None
        if not isinstance(spec, YamlMap):
            if not problems and text is not None:
                self.problems.append(Problem("BAD_KUSTOMIZATION", "a kustomization must be a mapping", name))
            return
        namespace = namespace or spec.text("namespace")
        for key in ("resources", "bases"):
            if spec.get(key) is not None and spec.seq(key) is None:
                self.problems.append(
                    Problem("BAD_KUSTOMIZATION", f"{key} must be a list", spec.loc_of(key).where, key)
                )
            for i, item in enumerate(spec.seq(key) or []):
                where, at = spec.seq(key).loc_of(i).where, f"{key}[{i}]"  # type: ignore[union-attr]
                if not isinstance(item, str):
                    self.problems.append(Problem("BAD_KUSTOMIZATION", "not a path", where, at))
                elif "://" in item or item.startswith(("github.com/", "git@")):
                    self.notes.append(f"{where}: remote resource {item} not fetched")
                else:
                    self._resource(path.parent / item, namespace, where, at)
        unsupported = ", ".join(k for k in spec if k not in _KUSTOMIZE_READ)
        self.notes += (
            [f"{name}: {unsupported} not applied (only resources and namespace are read)"]
            if unsupported
            else []
        )

    def note_left_out(self) -> None:
        """Note the files beside each kustomization that it leaves out and nothing else read."""
        for path in self._kustomizations.values():
            left_out = sorted(
                p.name
                for p in path.parent.iterdir()
                if p.suffix in _YAML_SUFFIXES and p.is_file() and p.name not in KUSTOMIZATION_FILES
                if p.resolve() not in self._seen
            )
            if left_out:
                self.notes.append(
                    f"{path.as_posix()} leaves out {', '.join(left_out)}: not imported, as kubectl apply -k "
                    "would not deploy them (pass a file itself to import it)"
                )

    def _resource(self, target: Path, namespace: str | None, where: str, at: str) -> None:
        if target.is_dir():
            inner = _kustomization_in(target)
            if inner is None:
                message = f"resource folder {target.as_posix()} has no kustomization.yaml"
                self.problems.append(Problem("MISSING_FILE", message, where, at))
            else:
                self._kustomize(inner, namespace)
        elif target.is_file():
            self._file(target, namespace)
        else:
            self.problems.append(Problem("MISSING_FILE", f"no such resource: {target.as_posix()}", where, at))


def _kustomization_in(folder: Path) -> Path | None:
    return next((folder / n for n in KUSTOMIZATION_FILES if (folder / n).is_file()), None)
