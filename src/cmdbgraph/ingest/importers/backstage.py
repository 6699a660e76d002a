"""The Backstage importer: catalog-info YAML (multi-document) -> :class:`SourceGraph`.

``read_backstage(paths)`` reads files and folders (``backstage_files``: recursive ``*.yaml`` /
``*.yml``, Location targets followed inside the given folders), turns every entity into a CI claim
(``backstage_kinds``: the kind mapping and attributes) and every reference into a relationship
(``backstage_refs``: references resolved exactly as Backstage resolves them, with the field's
default kind and *the referring entity's namespace* as the default namespace). The key of a CI is
its canonical reference (``component:default/petstore``).

Relationships, and their direction (``A -[DEPENDS_ON]-> B``: A consumes B, a failure of B reaches
A; ``PART_OF`` part -> whole):

========================================  =====================================================
Backstage field                           relationship
========================================  =====================================================
``spec.dependsOn`` (Component, Resource)  this ``DEPENDS_ON`` target
``spec.dependencyOf``                     target ``DEPENDS_ON`` this
``spec.consumesApis``                     component ``DEPENDS_ON`` api
``spec.providesApis``                     api ``DEPENDS_ON`` component: the API is served by
                                          the component, so a failed component takes the API
                                          down and, through ``consumesApis``, its consumers.
                                          (``api PART_OF component`` would send a failure the
                                          other way, from the API to the component.)
``spec.owner``                            this ``OWNED_BY`` group or user
``spec.system``                           this ``PART_OF`` system
``spec.domain`` (System)                  system ``PART_OF`` domain
``spec.subdomainOf`` (Domain)             domain ``PART_OF`` parent domain
``spec.subcomponentOf``                   component ``PART_OF`` parent component
``spec.memberOf`` (User)                  user ``MEMBER_OF`` group
``spec.members`` (Group)                  user ``MEMBER_OF`` group
``spec.parent`` (Group)                   group ``REPORTS_TO`` parent group
``spec.children`` (Group)                 child ``REPORTS_TO`` group
========================================  =====================================================

The same relationship claimed twice (``memberOf`` and ``members``, ``parent`` and ``children``,
``dependsOn`` and ``dependencyOf``) is one relationship with both pieces of evidence. Evidence is
the file, the field (``spec.dependsOn[0]``), its line, and the reference as written (``detail``).

What is not a CI, deliberately (each gets a note): ``Location`` entities (pointers to more catalog
files, which are read instead), ``Template`` (scaffolder templates), ``AiResource`` (skills and
rules for AI coding tools; ``@backstage/plugin-catalog-backend-module-ai-model``), and YAML
documents that are not Backstage entities at all (no ``backstage.io`` apiVersion and no Backstage
kind: an OpenAPI file or a Kubernetes manifest next to the catalog). A reference to one of the
skipped entities makes no relationship (noted).

Problems (all reported at once, ``where`` = ``FILE:LINE``, ``field`` the path in the entity):
``UNREADABLE_FILE``, ``BAD_YAML``, ``MISSING_FIELD`` (``apiVersion``, ``kind``, ``metadata``,
``metadata.name``), ``BAD_FIELD`` (a field of the wrong shape), ``UNKNOWN_ENTITY_KIND`` (a
``backstage.io`` entity of a kind that is neither a CI kind nor a known non-CI kind),
``DUPLICATE_ENTITY``, ``BAD_REF``, ``REF_KIND_REQUIRED`` (``dependsOn: artists-db``: Backstage
requires the kind there), ``REF_KIND_MISMATCH`` (an owner that is not a Group or User, ...),
``SELF_REF`` and ``DANGLING_REF`` (a reference to an entity not in the files read). Dangling
references are errors by default, as the :mod:`~cmdbgraph.ingest.sources` contract asks; with
``dangling="note"`` the relationship is left out and a located note says so (for catalogs whose
owners come from elsewhere, e.g. an org provider). While any file is unreadable or malformed,
references are not checked for dangling (their targets may be in that file).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from cmdbgraph.ingest.importers.backstage_files import read_catalog
from cmdbgraph.ingest.importers.backstage_kinds import attributes, ci_kind, identity
from cmdbgraph.ingest.importers.backstage_refs import (
    BACKSTAGE_KINDS,
    DEFAULT_NAMESPACE,
    NON_CI_KINDS,
    REF_FIELDS,
    EntityRef,
    RefError,
    RefField,
    parse_ref,
)
from cmdbgraph.ingest.importers.yaml_lines import YamlDocument, YamlList, YamlMap, field_path
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.schema import InvalidInput, Problem

FORMAT: Final = "backstage"

Dangling = Literal["error", "note"]

_NON_CI_REASON: Final[Mapping[str, str]] = {
    "location": "points at more catalog files",
    "template": "is a scaffolder template",
    "airesource": "is context for AI coding tools (a skill or rule)",
}


@dataclass(frozen=True, slots=True)
class _Entity:
    doc: YamlDocument
    kind: str
    """Lower case (``api``)."""
    ref: EntityRef
    metadata: YamlMap
    spec: YamlMap

    def where(self) -> str:
        return self.doc.loc_at("metadata", "name").where


@dataclass
class _Build:
    """The state of one build: problems and notes in the order found."""

    dangling: Dangling
    check_dangling: bool
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entities: dict[str, _Entity] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], list[Evidence]] = field(default_factory=dict)

    def problem(self, code: str, message: str, doc: YamlDocument, path: tuple[str | int, ...]) -> None:
        self.problems.append(Problem(code, message, where=doc.loc_at(*path).where, field=field_path(*path)))


def _entity(doc: YamlDocument, build: _Build, skipped: dict[str, int]) -> _Entity | None:
    """The entity in ``doc`` (``None``, with problems or a skip count, when there is none)."""
    data = doc.value
    if not isinstance(data, YamlMap):
        skipped[doc.file] += 1
        return None
    api, kind = data.get("apiVersion"), data.get("kind")
    kind_lc = kind.lower() if isinstance(kind, str) else None
    if not (isinstance(api, str) and "backstage.io/" in api) and kind_lc not in BACKSTAGE_KINDS:
        skipped[doc.file] += 1
        return None
    if not isinstance(api, str) or not api:
        build.problem(
            "MISSING_FIELD", "an entity needs an apiVersion (backstage.io/v1alpha1)", doc, ("apiVersion",)
        )
    if not kind_lc:
        build.problem("MISSING_FIELD", "an entity needs a kind", doc, ("kind",))
        return None
    if kind_lc not in BACKSTAGE_KINDS:
        known = ", ".join(sorted(BACKSTAGE_KINDS.values()))
        build.problem("UNKNOWN_ENTITY_KIND", f"unknown entity kind {kind!r} (known: {known})", doc, ("kind",))
        return None
    metadata = data.get("metadata")
    if not isinstance(metadata, YamlMap):
        code = "MISSING_FIELD" if metadata is None else "BAD_FIELD"
        build.problem(code, "an entity needs a metadata mapping with a name", doc, ("metadata",))
        return None
    name, namespace = metadata.get("name"), metadata.get("namespace", DEFAULT_NAMESPACE)
    ok = True
    if not isinstance(name, str) or not name:
        code = "MISSING_FIELD" if name is None else "BAD_FIELD"
        build.problem(code, "an entity needs a metadata.name (a non-empty string)", doc, ("metadata", "name"))
        ok = False
    if not isinstance(namespace, str) or not namespace:
        build.problem(
            "BAD_FIELD", "metadata.namespace must be a non-empty string", doc, ("metadata", "namespace")
        )
        ok = False
    spec = data.get("spec")
    if spec is None:
        spec = YamlMap(doc.loc)
    if not isinstance(spec, YamlMap):
        build.problem("BAD_FIELD", "spec must be a mapping", doc, ("spec",))
        ok = False
    if not ok or not isinstance(name, str) or not isinstance(namespace, str) or not isinstance(spec, YamlMap):
        return None
    return _Entity(doc, kind_lc, EntityRef(BACKSTAGE_KINDS[kind_lc], namespace, name), metadata, spec)


def _collect(documents: Sequence[YamlDocument], build: _Build) -> None:
    """Every entity, by key; duplicates are problems, skipped documents notes."""
    skipped: dict[str, int] = defaultdict(int)
    for doc in documents:
        entity = _entity(doc, build, skipped)
        if entity is None:
            continue
        first = build.entities.get(entity.ref.key)
        if first is not None:
            build.problem(
                "DUPLICATE_ENTITY",
                f"{entity.ref.key} is already defined at {first.where()}",
                doc,
                ("metadata", "name"),
            )
            continue
        build.entities[entity.ref.key] = entity
        if entity.kind in NON_CI_KINDS:
            build.notes.append(
                f"{entity.where()}: {entity.ref.display_kind} {entity.ref.key} "
                f"{_NON_CI_REASON[entity.kind]}; not a CI"
            )
    for file, count in skipped.items():
        build.notes.append(
            f"{file}: {count} YAML document(s) that are not Backstage entities (no backstage.io "
            "apiVersion, no Backstage kind) skipped"
        )


def _hint(ref: EntityRef, entities: Mapping[str, _Entity]) -> str:
    """A nudge when the name exists under another kind (``owner: guest`` vs ``user:guest``)."""
    others = sorted(
        e.ref.display_kind
        for e in entities.values()
        if e.ref.name.lower() == ref.name.lower() and e.ref.namespace.lower() == ref.namespace.lower()
    )
    if not others:
        return ""
    spelled = " or ".join(f"'{k.lower()}:{ref.name}'" for k in others)
    return f"; a {' and a '.join(others)} of that name exists: write {spelled} to name it"


def _refs(entity: _Entity, spec_field: RefField, build: _Build) -> None:
    """The relationships of one reference field of one entity."""
    raw = entity.spec.get(spec_field.name)
    if raw is None:
        return
    items = list(enumerate(raw)) if isinstance(raw, YamlList) else [(None, raw)]
    for i, item in items:
        path: tuple[str | int, ...] = ("spec", spec_field.name) if i is None else ("spec", spec_field.name, i)
        doc = entity.doc
        try:
            ref = parse_ref(
                item, default_kind=spec_field.default_kind, default_namespace=entity.ref.namespace
            )
        except RefError as exc:
            build.problem(exc.code, exc.message, doc, path)
            continue
        if spec_field.allowed is not None and ref.kind.lower() not in spec_field.allowed:
            kinds = " or ".join(BACKSTAGE_KINDS[k] for k in sorted(spec_field.allowed))
            build.problem(
                "REF_KIND_MISMATCH",
                f"{ref.key}: spec.{spec_field.name} must name a {kinds}, not a {ref.display_kind}",
                doc,
                path,
            )
            continue
        if ref.key == entity.ref.key:
            build.problem("SELF_REF", f"{ref.key} refers to itself", doc, path)
            continue
        target = build.entities.get(ref.key)
        where = f"{doc.loc_at(*path).where} {field_path(*path)}"
        if target is None:
            if not build.check_dangling:
                continue
            message = f"{ref.key} ({item!r}) is not defined in the files read{_hint(ref, build.entities)}"
            if build.dangling == "error":
                build.problem("DANGLING_REF", message, doc, path)
            else:
                build.notes.append(f"{where}: {message}; no {spec_field.rel} relationship")
            continue
        if target.kind in NON_CI_KINDS:
            build.notes.append(f"{where}: {ref.key} is not a CI; no {spec_field.rel} relationship")
            continue
        source, dest = (ref.key, entity.ref.key) if spec_field.reverse else (entity.ref.key, ref.key)
        detail = item if isinstance(item, str) else repr(item)
        evidence = Evidence(
            file=doc.file, field=field_path(*path), line=doc.loc_at(*path).line, detail=detail
        )
        build.edges.setdefault((source, spec_field.rel, dest), []).append(evidence)


def _ci(entity: _Entity, suggested_id: str, build: _Build) -> SourceCI:
    spec_type = entity.spec.get("type")
    kind, fallback = ci_kind(entity.kind, spec_type if isinstance(spec_type, str) else None)
    if fallback is not None:
        build.notes.append(f"{entity.where()}: {entity.ref.key}: {fallback}")
    attrs = attributes(entity.kind, entity.ref.display_kind, entity.ref.key, entity.metadata, entity.spec)
    return SourceCI(
        key=entity.ref.key,
        kind=kind,
        name=entity.ref.name,
        suggested_id=suggested_id,
        identity=identity(entity.kind, entity.ref.name, entity.ref.key, attrs),
        attributes=attrs,
        evidence=(
            Evidence(
                file=entity.doc.file, field="metadata.name", line=entity.doc.loc_at("metadata", "name").line
            ),
        ),
    )


def _suggested_ids(entities: Sequence[_Entity]) -> dict[str, str]:
    """``slug(kind, namespace/name)``, made unique by a numeric suffix in key order."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for entity in sorted(entities, key=lambda e: e.ref.key):
        base = slug(entity.ref.display_kind, f"{entity.ref.namespace}/{entity.ref.name}")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        ids[entity.ref.key] = candidate
    return ids


def _build(documents: Sequence[YamlDocument], build: _Build) -> SourceGraph | None:
    _collect(documents, build)
    cis = [e for e in build.entities.values() if e.kind not in NON_CI_KINDS]
    for entity in cis:
        for spec_field in REF_FIELDS[entity.kind]:
            _refs(entity, spec_field, build)
    if build.problems:
        return None
    ids = _suggested_ids(cis)
    source_cis = tuple(_ci(e, ids[e.ref.key], build) for e in cis)
    relationships = tuple(
        SourceRelationship(source_key=s, target_key=t, type=rel, evidence=tuple(evidence))
        for (s, rel, t), evidence in build.edges.items()
    )
    return SourceGraph(format=FORMAT, cis=source_cis, relationships=relationships, notes=tuple(build.notes))


def build_graph(documents: Sequence[YamlDocument], *, dangling: Dangling = "error") -> SourceGraph:
    """The source graph of already parsed documents (pure; raises :class:`InvalidInput`)."""
    build = _Build(dangling=dangling, check_dangling=True)
    graph = _build(documents, build)
    if graph is None:
        raise InvalidInput(build.problems)
    return graph


def read_backstage(
    paths: Sequence[Path], *, dangling: Dangling = "error", follow_locations: bool = True
) -> SourceGraph:
    """Read Backstage catalog files and folders into one :class:`SourceGraph`.

    Raises :class:`~cmdbgraph.schema.InvalidInput` with every problem found (see the module
    docstring for the codes); nothing is written anywhere, so a refused input changes nothing.
    ``dangling="note"`` leaves out relationships to entities that are not in the files read
    (with a located note each) instead of refusing them; ``follow_locations=False`` reads only
    the given files and folders.
    """
    read = read_catalog(paths, follow_locations=follow_locations)
    build = _Build(dangling=dangling, check_dangling=not read.problems)
    build.notes.extend(read.notes)
    graph = _build(read.documents, build)
    problems = [*read.problems, *build.problems]
    if problems or graph is None:
        raise InvalidInput(problems)
    return graph
