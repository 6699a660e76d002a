"""docker compose files -> the services and the dependencies they declare.

``read_compose(paths, env_file)`` reads the files (the only I/O); :func:`compose_graph` turns
their text into a :class:`~cmdbgraph.ingest.sources.SourceGraph` (pure).

**Files and variables.** Files are merged in order as ``docker compose -f a -f b`` does (a
folder stands for its ``compose.yaml``/``docker-compose.yml`` and ``compose.override.yaml``):
each file is interpolated on its own, then later files override scalars (``image``...), merge
``environment`` and ``depends_on`` by name and ``volumes`` by target, append ``ports`` and
``profiles``; ``!reset`` clears a value, ``!override`` replaces it. Variables come from
``env_file`` when given, else ``.env`` beside the first file, else a *file* named ``env`` there
(the otel-demo fixture's renamed ``.env``); a note names it. The process environment is never
read, so an import is reproducible. Interpolation is compose's (``$VAR``, ``${VAR}``,
``:-``/``-`` defaults, ``:?``/``?`` errors, ``:+``/``+``, nesting, ``$$``; values, never keys);
an unset variable without default becomes empty, with a note. Env file lines may use the
variables above them; single-quoted values are literal. Both are
:mod:`~cmdbgraph.ingest.importers.compose_variables`'s.

**CIs.** Each service: key ``service/NAME``, kind by image or name
(:func:`~cmdbgraph.ingest.importers.addresses.workload_kind`: ``postgres`` -> ``Database``,
``redis``/``valkey`` -> ``Cache``, ``kafka`` -> ``Queue``, a load generator -> ``Application``,
else ``Service``), identity ``name`` + ``compose_project`` (top-level ``name:``, else the first
file's folder), attributes ``image``/``image_tag``/``image_digest``, ``container_name``,
``ports`` (container side), ``profiles``, ``engine``, ``role``. Named volumes are ``Storage``
CIs (key ``volume/NAME``, identity ``name`` = the docker volume name) that services mounting
them ``USES_DATA``. Not CIs (noted): networks (on a compose network every service reaches every
other: no dependency information), bind mounts and tmpfs, a service's ``env_file`` and
``extends`` (not read).

**Relationships** (``A -[DEPENDS_ON]-> B``: A consumes B), each claim with its evidence (file,
field ``services.cart.environment[3]``, line, ``NAME=value`` with credentials masked), merged
into one relationship when several claims agree (optional only if every claim is):

- ``depends_on`` (list or mapping) with its ``condition``; ``required: false`` is optional.
- env vars (after interpolation; a bare ``- CART_ADDR`` takes the env file's value, cited too)
  whose value names another service by name, ``container_name``, ``hostname``, network alias
  or link alias (:func:`~cmdbgraph.ingest.importers.addresses.addresses_in`). Addresses naming
  nothing in the input, empty ones (``${X:-}``: optional, not configured), unset ones and a
  service naming itself are noted, never invented.
- a load generator's or telemetry collector's relationships are optional: what it targets or
  scrapes is not a dependency of the product (a collector scraping the services that export to
  it would otherwise close hard cycles).

**Errors** (``InvalidInput``, every problem at once, ``where = FILE:LINE``): ``BAD_YAML``,
``BAD_COMPOSE`` (a file, ``services``, a service, ``environment``, ``depends_on`` of the wrong
shape), ``DANGLING_REF`` (``depends_on``, ``links`` or a volume naming nothing),
``UNSET_VARIABLE`` (``${VAR:?msg}``), ``BAD_INTERPOLATION``, ``BAD_ENV_FILE``,
``MISSING_FILE``, ``UNREADABLE_FILE``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import JsonValue

from cmdbgraph.ingest.importers.addresses import (
    addresses_in,
    evidence_detail,
    image_attributes,
    names_address,
    workload_kind,
)
from cmdbgraph.ingest.importers.compose_variables import (
    TextFile,
    Variable,
    interpolate_reporting,
    parse_env_file,
)
from cmdbgraph.ingest.importers.yaml_lines import (
    Loc,
    YamlList,
    YamlMap,
    YamlValue,
    field_path,
    load_yaml_documents,
    map_strings,
    scalar_text,
)
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.schema import InvalidInput, Problem

FORMAT = "compose"
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yml")
ENV_FILES = (".env", "env")


def read_compose(paths: Sequence[Path], env_file: Path | None = None) -> SourceGraph:
    """The graph the compose files ``paths`` declare, merged in order (see the module doc)."""
    files: list[TextFile] = []
    problems: list[Problem] = []
    for path in paths:
        candidates = [path]
        if path.is_dir():
            found = [n for n in COMPOSE_FILES if (path / n).is_file()][:1]
            found += [n for n in OVERRIDE_FILES if (path / n).is_file()][:1] if found else []
            candidates = [path / n for n in found] or [path / COMPOSE_FILES[0]]
        for candidate in candidates:
            text = _read(candidate, problems)
            if text is not None:
                files.append(TextFile(candidate.as_posix(), text))
    if env_file is None and paths:
        base = paths[0] if paths[0].is_dir() else paths[0].parent
        env_file = next((base / n for n in ENV_FILES if (base / n).is_file()), None)
    env_text = _read(env_file, problems) if env_file is not None else None
    env = TextFile(env_file.as_posix(), env_text) if env_file is not None and env_text is not None else None
    first = paths[0] if paths else Path(".")
    project = re.sub(r"[^a-z0-9_-]", "", (first if first.is_dir() else first.parent).resolve().name.lower())
    return compose_graph(files, env, project=project, problems=problems)


def _read(path: Path, problems: list[Problem]) -> str | None:
    if not path.is_file():
        problems.append(Problem("MISSING_FILE", f"no such file: {path}", where=path.as_posix()))
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem("UNREADABLE_FILE", f"cannot read: {exc}", where=path.as_posix()))
        return None


# ---------------------------------------------------------------------- services, merged
@dataclass
class _Entry:
    """An environment variable, dependency, link, mount or alias of a service."""

    value: str | None
    evidence: Evidence
    condition: str = ""
    required: bool = True
    kind: str = ""


@dataclass
class _Service:
    name: str
    declared: list[Evidence] = field(default_factory=list)
    scalars: dict[str, str | None] = field(default_factory=dict)
    maps: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)

    def entries(self, key: str) -> list[tuple[str, _Entry]]:
        return list(self.maps.get(key, {}).items())


_SCALARS = ("image", "container_name", "hostname")
_MAPS = ("environment", "depends_on", "volumes", "links", "networks")
_LISTS = ("ports", "profiles")
_RESETS = ("!reset", "!override")


def compose_graph(
    files: Sequence[TextFile],
    env: TextFile | None = None,
    *,
    project: str = "",
    notes: Iterable[str] = (),
    problems: Iterable[Problem] = (),
) -> SourceGraph:
    """The graph of ``files`` merged in order, interpolated with ``env`` (pure).

    ``project`` is the compose project name when no file sets ``name:``. Raises
    ``InvalidInput`` with every problem found (``problems`` from reading the files included).
    """
    graph = _Compose(list(notes), list(problems), project)
    variables = parse_env_file(env, graph.notes, graph.problems) if env is not None else {}
    graph.notes += [f"variables read from {env.name}"] if env is not None else []
    values = {k: v.value for k, v in variables.items()}

    def sub(text: str, loc: Loc, at: str) -> str:
        return interpolate_reporting(text, values, loc.where, at, graph.notes, graph.problems)

    for file in files:
        docs, yaml_problems = load_yaml_documents(file.text, file.name)
        graph.problems.extend(yaml_problems)
        for doc in docs:
            graph.document(map_strings(doc.value, sub), file.name, doc.loc.where)
    result = graph.build(variables)
    if graph.problems:
        raise InvalidInput(graph.problems)
    return result


class _Compose:
    def __init__(self, notes: list[str], problems: list[Problem], project: str) -> None:
        self.notes, self.problems, self.project = notes, problems, project
        self.services: dict[str, _Service] = {}
        self.declared: set[str] = set()
        self.volumes: dict[str, tuple[YamlMap | None, Evidence]] = {}
        self.rels: dict[tuple[str, str, str], tuple[list[bool], list[Evidence], dict[str, JsonValue]]] = {}

    def bad(self, message: str, where: str, at: str, code: str = "BAD_COMPOSE") -> None:
        self.problems.append(Problem(code, message, where=where, field=at))

    # ------------------------------------------------------------------ reading and merging
    def document(self, doc: YamlValue, file: str, where: str) -> None:
        if not isinstance(doc, YamlMap):
            self.bad("a compose file must be a mapping", where, "")
            return
        self.project = doc.text("name") or self.project
        if doc.get("networks") is not None:
            self.notes.append(f"{file}: networks are not CIs (they say nothing about dependencies)")
        volumes = doc.map("volumes") or YamlMap(doc.loc)
        for name, spec in volumes.items():
            evidence = Evidence(file=file, field=f"volumes.{name}", line=volumes.line_of(name))
            self.volumes[name] = (spec if isinstance(spec, YamlMap) else None, evidence)
        services = YamlMap(doc.loc) if doc.get("services") is None else doc["services"]
        if not isinstance(services, YamlMap):
            self.bad("services must be a mapping of service names", doc.loc_of("services").where, "services")
            return
        for name, body in services.items():
            at, line = f"services.{name}", services.line_of(name)
            self.declared.add(name)
            if not isinstance(body, YamlMap):
                self.bad("a service must be a mapping", f"{file}:{line}", at)
                continue
            part = _Service(name, [Evidence(file=file, field=at, line=line, detail=f"service {name}")])
            part.scalars = {k: body.text(k) for k in _SCALARS if k in body}
            part.maps = {k: self._entries(k, body, file, at) for k in _MAPS if k in body}
            part.lists = {k: _list_of(k, body.seq(k)) for k in _LISTS if k in body}
            part.unread = {k for k in ("env_file", "extends") if k in body}
            self._merge(self.services.setdefault(name, _Service(name)), part, body)

    def _entries(self, key: str, body: YamlMap, file: str, at: str) -> dict[str, _Entry]:
        value, out, path = body[key], {}, field_path(at, key)
        if isinstance(value, YamlMap) and key != "volumes":
            for name, item in value.items():
                ev = Evidence(file=file, field=field_path(path, name), line=value.line_of(name))
                spec = item if isinstance(item, YamlMap) else YamlMap(value.loc)
                if value.tags.get(name) == "!reset":
                    out[name] = _Entry(None, ev, kind="reset")
                elif key == "environment":
                    out[name] = _Entry(None if item is None else scalar_text(item), ev)
                elif key == "depends_on":
                    condition = spec.text("condition") or "service_started"
                    out[name] = _Entry(name, ev, condition, required=spec.get("required") is not False)
                elif key == "networks":
                    out |= {str(alias): _Entry(str(alias), ev) for alias in spec.seq("aliases") or []}
            return out
        if not isinstance(value, YamlList):
            shape = "a list" if key == "volumes" else "a list or a mapping"
            self.bad(f"{key} must be {shape}", body.loc_of(key).where, path)
            return out
        for i, item in enumerate(value):
            ev = Evidence(file=file, field=field_path(path, i), line=value.loc_of(i).line)
            text = scalar_text(item)
            if key == "volumes":
                if mount := _mount(item):
                    out[mount[1]] = _Entry(mount[2], ev, kind=mount[0])
            elif text is None:
                self.bad(f"an entry of {key} must be a string", ev.where, ev.field)
            elif key == "environment":
                name, eq, val = text.partition("=")
                out[name.strip()] = _Entry(val if eq else None, ev)
            elif key in ("links", "depends_on"):
                target, _, alias = text.partition(":") if key == "links" else (text, "", "")
                out[alias or target] = _Entry(target, ev, "service_started")
        return out

    def _merge(self, base: _Service, part: _Service, body: YamlMap) -> None:
        """Fold a later file's service into the earlier ones (compose's merge rules)."""
        base.declared += part.declared
        base.unread |= part.unread
        for key in (k for k in (*_SCALARS, *_MAPS, *_LISTS) if k in body):
            tag = body.tags.get(key)
            if key in _SCALARS:
                base.scalars[key] = None if tag == "!reset" else part.scalars[key]
            elif key in _MAPS:
                merged = {} if tag in _RESETS else base.maps.get(key, {})
                merged.update({} if tag == "!reset" else part.maps[key])
                base.maps[key] = {k: v for k, v in merged.items() if v.kind != "reset"}
            else:
                kept = [] if tag in _RESETS else base.lists.get(key, [])
                base.lists[key] = list(dict.fromkeys(kept + ([] if tag == "!reset" else part.lists[key])))

    # ------------------------------------------------------------------ the graph
    def relate(
        self,
        source: str,
        type_: str,
        target: str,
        evidence: Sequence[Evidence],
        optional: bool,
        **attrs: JsonValue,
    ) -> None:
        flags, known, attributes = self.rels.setdefault((source, type_, target), ([], [], {}))
        flags.append(optional)
        known.extend(e for e in evidence if e not in known)
        attributes.update(attrs)

    def build(self, variables: dict[str, Variable]) -> SourceGraph:
        hosts: dict[str, str] = {}
        for s in self.services.values():
            names = (
                s.name,
                s.scalars.get("container_name"),
                s.scalars.get("hostname"),
                *s.maps.get("networks", {}),
            )
            hosts |= {h.lower(): s.name for h in names if h and h.lower() not in hosts}
            hosts |= {a.lower(): e.value or "" for a, e in s.entries("links") if a.lower() not in hosts}
        cis = [self._service_ci(s) for s in self.services.values()]
        cis += [self._volume_ci(name, spec, evidence) for name, (spec, evidence) in self.volumes.items()]
        for s in self.services.values():
            optional = "role" in workload_kind(s.name, s.scalars.get("image"))[1]
            self._depends_on(s, optional)
            self._environment(s, optional, hosts, variables)
            self._volumes(s)
            self.notes += [f"service {s.name}: {', '.join(sorted(s.unread))} not read"] if s.unread else []
        if self.problems:
            return SourceGraph(format=FORMAT)
        relationships = [
            SourceRelationship(
                source_key=f"service/{s}",
                target_key=t if t.startswith("volume/") else f"service/{t}",
                type=rt,
                optional=all(flags),
                attributes=attrs,
                evidence=tuple(evidence),
            )
            for (s, rt, t), (flags, evidence, attrs) in sorted(self.rels.items())
        ]
        cis = sorted(cis, key=lambda c: c.key)
        return SourceGraph(
            format=FORMAT,
            cis=tuple(cis),
            relationships=tuple(relationships),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    def _service_ci(self, s: _Service) -> SourceCI:
        image = s.scalars.get("image")
        kind, explained = workload_kind(s.name, image)
        attributes: dict[str, JsonValue] = dict(image_attributes(image)) if image else {}
        if s.scalars.get("container_name") not in (None, s.name):
            attributes["container_name"] = s.scalars["container_name"]
        if s.lists.get("ports"):
            attributes["ports"] = [int(p) for p in s.lists["ports"]]
        if s.lists.get("profiles"):
            attributes["profiles"] = list(s.lists["profiles"])
        attributes.update(explained)
        if "role" in explained:
            self.notes.append(
                f"service {s.name} is a {explained['role'].replace('-', ' ')}: its relationships are "
                "optional (what it targets or scrapes is not a dependency of the product)"
            )
        identity: dict[str, JsonValue] = {"name": s.name.lower(), "compose_project": self.project}
        return SourceCI(
            key=f"service/{s.name}",
            kind=kind,
            name=s.name,
            suggested_id=slug(s.name),
            identity=identity,
            attributes=attributes,
            evidence=tuple(s.declared),
        )

    def _volume_ci(self, name: str, spec: YamlMap | None, evidence: Evidence) -> SourceCI:
        volume = (spec.text("name") if spec else None) or f"{self.project}_{name}"
        external = spec is not None and spec.get("external") is True
        return SourceCI(
            key=f"volume/{name}",
            kind="Storage",
            name=volume,
            suggested_id=slug(volume),
            identity={"name": volume.lower(), "compose_project": self.project},
            attributes={"volume_name": volume, **({"external": True} if external else {})},
            evidence=(evidence,),
        )

    def _depends_on(self, s: _Service, optional: bool) -> None:
        for key, (_, entry) in [(k, e) for k in ("depends_on", "links") for e in s.entries(k)]:
            target = entry.value or ""
            if target not in self.declared:
                message = f"service {s.name} {key} '{target}', which is not a service of the input"
                self.bad(message, entry.evidence.where, entry.evidence.field, "DANGLING_REF")
            elif key == "depends_on" and target in self.services:
                evidence = entry.evidence.model_copy(
                    update={"detail": f"depends_on {target} ({entry.condition})"}
                )
                not_required = optional or not entry.required
                self.relate(s.name, "DEPENDS_ON", target, [evidence], not_required, condition=entry.condition)

    def _environment(
        self, s: _Service, optional: bool, hosts: dict[str, str], variables: dict[str, Variable]
    ) -> None:
        for name, entry in s.entries("environment"):
            from_file = variables.get(name) if entry.value is None else None
            value = entry.value if entry.value is not None else from_file.value if from_file else None
            if value is None:
                self.notes += (
                    [f"service {s.name}: {name} is not set (no value in the variables)"]
                    if names_address(name)
                    else []
                )
                continue
            evidence = [entry.evidence.model_copy(update={"detail": evidence_detail(name, value)})]
            evidence += [from_file.evidence] if from_file else []
            found = addresses_in(name, value)
            if not found and names_address(name) and not value.strip():
                self.notes.append(f"service {s.name}: {name} is empty (an optional address, not configured)")
            for address in found:
                target, detail = hosts.get(address.host), f"service {s.name}: {evidence[0].detail}"
                if target is None:
                    self.notes.append(
                        f"{detail} names no service in the input ({address.host}); no relationship"
                    )
                elif target == s.name:
                    self.notes.append(f"{detail} names itself; no relationship")
                else:
                    self.relate(s.name, "DEPENDS_ON", target, evidence, optional)

    def _volumes(self, s: _Service) -> None:
        for mount_path, entry in s.entries("volumes"):
            if entry.kind != "volume":
                self.notes.append("bind mounts and tmpfs are not CIs (host paths and scratch space)")
            elif entry.value not in self.volumes:
                message = (
                    f"service {s.name} mounts volume '{entry.value}', not declared in the top-level volumes"
                )
                self.bad(message, entry.evidence.where, entry.evidence.field, "DANGLING_REF")
            else:
                evidence = entry.evidence.model_copy(update={"detail": f"{entry.value}:{mount_path}"})
                target = f"volume/{entry.value}"
                self.relate(s.name, "USES_DATA", target, [evidence], False, mount_path=mount_path)


def _list_of(key: str, items: YamlList | None) -> list[str]:
    """``profiles`` entries, or the container side of ``ports`` entries (``"8080:80/tcp"`` -> ``80``)."""
    out = []
    for item in items or []:
        text = scalar_text(item.get("target")) if isinstance(item, YamlMap) else scalar_text(item)
        if key == "ports" and text:
            text = text.rsplit(":", 1)[-1].split("/", 1)[0]
            text = text if text.isdigit() else None
        out += [text] if text else []
    return out


def _mount(item: YamlValue) -> tuple[str, str, str] | None:
    """``(kind, target, source)`` of a service volume: kind ``volume``, ``bind`` or ``tmpfs``."""
    if isinstance(item, YamlMap):
        kind, source, target = item.text("type") or "volume", item.text("source"), item.text("target")
        return (kind, target, source or "") if target and (source or kind != "volume") else None
    parts = (scalar_text(item) or "").split(":")
    if len(parts) < 2:
        return None  # an anonymous volume: nothing to name
    bind = parts[0].startswith((".", "/", "~", "$")) or "/" in parts[0] or "\\" in parts[0]
    return ("bind" if bind else "volume", parts[1], parts[0])
