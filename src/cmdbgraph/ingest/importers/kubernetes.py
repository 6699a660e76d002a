"""Kubernetes manifests -> the CIs and dependencies they declare.

``read_kubernetes(paths)`` reads files and folders (the only I/O, in
:mod:`~cmdbgraph.ingest.importers.kustomize`); :func:`kubernetes_graph`
turns their text into a :class:`~cmdbgraph.ingest.sources.SourceGraph` (pure).

**Inputs.** Files are multi-document YAML (``kind: List`` items included); which files are read
is decided by :func:`~cmdbgraph.ingest.importers.kustomize.gather_manifests`. A folder with a
``kustomization.yaml`` (or that file itself) is read as ``kubectl apply -k`` deploys it: its
``resources`` (and ``bases``), recursively, with its ``namespace``; remote resources,
components, patches, generators, ``images`` and other transformers are not applied (noted).
Files beside a kustomization that nothing read are noted, not imported: online-boutique's
kustomization comments out ``loadgenerator.yaml`` (skaffold runs it in development), so the
folder imports without the load generator; pass the file too (``DIR DIR/loadgenerator.yaml``)
to import it. A folder without a kustomization is read whole (``*.yaml``/``*.yml``, sorted).

**CIs.** Deployments, StatefulSets and DaemonSets are workloads (key ``deployment/NS/NAME``)
of kind :func:`~cmdbgraph.ingest.importers.addresses.workload_kind`: ``Service``, a data store
by image or name (``redis-cart`` running ``redis:alpine`` is a ``Cache``, ``engine: redis``),
or ``Application`` for a load generator (``role: load-generator``); attributes ``k8s_kind``,
``image``/``image_tag``/``image_digest`` (first container), ``images`` (when several),
``replicas``, ``ports``, ``config_maps``, ``engine``, ``role``. Service objects are CIs of kind
``API`` (the interface consumers call; key ``service/NS/NAME``) with ``service_type``,
``ports``, ``selector``, ``headless``, ``external_name`` and ``protocol`` (``grpc``/``http``
when every port's ``appProtocol`` or name says so). Identity: ``name`` and ``k8s_namespace``
(``default`` when unset); suggested ids ``NAME`` and ``NAME-svc`` (``NS-`` prefixed outside
``default``). Not CIs (a note counts them): ConfigMaps (their values feed address detection
through ``configMapKeyRef``/``envFrom``), ServiceAccounts, Secrets (never read), other kinds.

**Relationships** (``A -[DEPENDS_ON]-> B``: A consumes B), with evidence (file, field such as
``spec.template.spec.containers[0].env[3]``, line, ``NAME=value`` with credentials masked):

- Service -> each workload of its namespace whose pod labels match its ``selector``.
- workload -> Service, for each env var of a container or init container whose value names
  it (:func:`~cmdbgraph.ingest.importers.addresses.addresses_in`) as ``NAME``, ``NAME.NS``,
  ``NAME.NS.svc`` or ``NAME.NS.svc.cluster.local``, after ``$(VAR)`` expansion. So ``frontend
  -> cartservice (API) -> cartservice``: the address and the selector each keep their evidence,
  and a failure of the cart workload reaches the frontend through its Service.
- Noted, not related: addresses naming no Service in the input (``SHOPPING_ASSISTANT_SERVICE
  _ADDR``), empty address variables (optional, not configured), a workload naming its own
  Service, values from Secrets, Services selecting nothing. Loopback hosts are ignored.
- A load generator's or telemetry collector's relationships are kept but ``optional``: the
  frontend a load generator targets is what it tests, not a dependency of the product, so its
  failure only degrades the load generator and nothing depends on the load generator.

**Errors** (``InvalidInput``, every problem at once, ``where = FILE:LINE``): ``BAD_YAML``,
``BAD_MANIFEST`` (not a mapping, no ``kind`` or ``metadata.name``, malformed containers or
env), ``DUPLICATE_OBJECT``, ``BAD_KUSTOMIZATION``, ``MISSING_FILE``, ``UNREADABLE_FILE``.
"""

from __future__ import annotations

import re
from collections import Counter
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
    workload_role,
)
from cmdbgraph.ingest.importers.kustomize import ManifestFile, gather_manifests
from cmdbgraph.ingest.importers.yaml_lines import (
    YamlList,
    YamlMap,
    YamlValue,
    field_path,
    load_yaml_documents,
    scalar_text,
    to_json,
)
from cmdbgraph.ingest.sources import Evidence, SourceCI, SourceGraph, SourceRelationship, slug
from cmdbgraph.schema import InvalidInput, Problem

FORMAT = "kubernetes"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
_VAR_REF = re.compile(r"\$(\$|\(([A-Za-z_][A-Za-z0-9_.-]*)\))")


def read_kubernetes(paths: Sequence[Path]) -> SourceGraph:
    """The graph the manifests under ``paths`` declare (see the module doc); ``InvalidInput`` else."""
    gathered = gather_manifests(paths)
    return kubernetes_graph(gathered.files, notes=gathered.notes, problems=gathered.problems)


@dataclass
class _Object:
    kind: str
    name: str
    namespace: str
    file: str
    body: YamlMap
    prefix: str
    line: int
    containers: list[tuple[str, YamlMap]] = field(default_factory=list)
    """``(field path, container)`` of a workload's containers, then init containers."""

    @property
    def key(self) -> str:
        return f"{self.kind.lower()}/{self.namespace}/{self.name}"

    def path(self, *parts: str | int) -> str:
        return field_path(self.prefix, *parts)

    def evidence(self, path: str, line: int | None, detail: str = "") -> Evidence:
        return Evidence(file=self.file, field=self.path(path), line=line, detail=detail)


@dataclass(frozen=True)
class _EnvVar:
    name: str
    value: str
    evidence: tuple[Evidence, ...]


def kubernetes_graph(
    files: Sequence[ManifestFile], *, notes: Iterable[str] = (), problems: Iterable[Problem] = ()
) -> SourceGraph:
    """The graph ``files`` declare (pure); raises ``InvalidInput`` with every problem found.

    ``notes`` and ``problems`` found while gathering the files are carried into the result.
    """
    builder = _Builder(list(notes), list(problems))
    for file in files:
        docs, yaml_problems = load_yaml_documents(file.text, file.name)
        builder.problems.extend(yaml_problems)
        for doc in docs:
            builder.add(doc.value, file, "", doc.loc.line)
    graph = builder.finish()
    if builder.problems:
        raise InvalidInput(builder.problems)
    return graph


class _Builder:
    def __init__(self, notes: list[str], problems: list[Problem]) -> None:
        self.notes = notes
        self.problems = problems
        self.objects: dict[tuple[str, str, str], _Object] = {}
        self.rels: dict[tuple[str, str], tuple[bool, list[Evidence]]] = {}

    def problem(self, message: str, file: str, line: int, path: str, code: str = "BAD_MANIFEST") -> None:
        self.problems.append(Problem(code, message, where=f"{file}:{line}", field=path))

    def add(self, value: YamlValue, file: ManifestFile, prefix: str, line: int) -> None:
        if not isinstance(value, YamlMap):
            self.problem("a manifest must be a mapping", file.name, line, prefix)
            return
        kind, name = value.text("kind"), value.text("metadata", "name")
        items = value.seq("items")
        if kind == "List" and items is not None:
            for i, item in enumerate(items):
                self.add(item, file, field_path(prefix, "items", i), items.loc_of(i).line)
            return
        if not kind or not name:
            path = "metadata.name" if kind else "kind"
            self.problem(f"a manifest needs {path}", file.name, line, field_path(prefix, path))
            return
        metadata = value.map("metadata") or value
        namespace = file.namespace or metadata.text("namespace") or "default"
        obj = _Object(kind, name, namespace, file.name, value, prefix, metadata.line_of("name"))
        first = self.objects.setdefault((kind, namespace, name), obj)
        if first is not obj:
            message = f"{kind} {namespace}/{name} is declared twice (first at {first.file}:{first.line})"
            self.problem(
                message, file.name, obj.line, field_path(prefix, "metadata.name"), "DUPLICATE_OBJECT"
            )

    def finish(self) -> SourceGraph:
        by_kind = sorted(self.objects.values(), key=lambda o: o.key)
        workloads = [o for o in by_kind if o.kind in WORKLOAD_KINDS]
        for w in workloads:
            w.containers = self._containers(w)
        services = [o for o in by_kind if o.kind == "Service"]
        cis = [self._workload_ci(w) for w in workloads] + [self._service_ci(s) for s in services]
        own: dict[str, set[str]] = {w.key: set() for w in workloads}
        for svc in services:
            for w in self._select(svc, workloads):
                own[w.key].add(svc.key)
        index = {(s.namespace, s.name): s.key for s in services}
        for w in workloads:
            self._env_relationships(w, index, own[w.key])
        skipped = Counter(o.kind for o in by_kind if o.kind not in (*WORKLOAD_KINDS, "Service"))
        for kind, count in sorted(skipped.items()):
            self.notes.append(f"skipped {count} {kind} object(s): {_SKIP_REASONS.get(kind, 'not a CI kind')}")
        if self.problems:
            return SourceGraph(format=FORMAT)
        relationships = [
            SourceRelationship(
                source_key=s, target_key=t, type="DEPENDS_ON", optional=optional, evidence=tuple(evidence)
            )
            for (s, t), (optional, evidence) in sorted(self.rels.items())
        ]
        return SourceGraph(
            format=FORMAT,
            cis=tuple(_unique_ids(cis)),
            relationships=tuple(relationships),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    def relate(self, source: str, target: str, evidence: Iterable[Evidence], optional: bool) -> None:
        _, known = self.rels.setdefault((source, target), (optional, []))
        known.extend(e for e in evidence if e not in known)

    # ------------------------------------------------------------------ workloads
    def _containers(self, w: _Object) -> list[tuple[str, YamlMap]]:
        pod, out = w.body.map("spec", "template", "spec") or YamlMap(w.body.loc), []
        for group in ("containers", "initContainers"):
            items, path = pod.get(group), field_path("spec.template.spec", group)
            if items is not None and not isinstance(items, YamlList):
                self.problem(f"{group} must be a list", w.file, pod.line_of(group), w.path(path))
                continue
            for i, item in enumerate(items or []):
                if isinstance(item, YamlMap):
                    out.append((field_path(path, i), item))
                else:
                    line = pod.seq(group).loc_of(i).line  # type: ignore[union-attr]
                    self.problem("a container must be a mapping", w.file, line, w.path(path, i))
        return out

    def _workload_ci(self, w: _Object) -> SourceCI:
        containers = [c for p, c in w.containers if ".containers[" in p]
        images = [image for c in containers if (image := c.text("image"))]
        image = images[0] if images else None
        attributes: dict[str, JsonValue] = {"k8s_kind": w.kind, **image_attributes(image or "")}
        if not image:
            del attributes["image"]
        if len(images) > 1:
            attributes["images"] = list(images)
        replicas = w.body.dig("spec", "replicas")
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            attributes["replicas"] = replicas
        ports: list[JsonValue] = [
            n for c in containers for _, p in _maps(c.seq("ports")) if (n := p.integer("containerPort"))
        ]
        if ports:
            attributes["ports"] = ports
        config_maps = sorted(self._config_map_names(w))
        if config_maps:
            attributes["config_maps"] = list(config_maps)
        kind, explained = workload_kind(w.name, image)
        attributes.update(explained)
        if "role" in explained:
            self.notes.append(
                f"{w.key} is a {explained['role'].replace('-', ' ')}: its relationships are optional "
                "(what it targets or scrapes is not a dependency of the product)"
            )
        return _ci(w, kind, w.name, attributes)

    def _config_map_names(self, w: _Object) -> set[str]:
        names: set[str] = set()
        for _, container in w.containers:
            for _, item in _maps(container.seq("envFrom")):
                names.add(item.text("configMapRef", "name") or "")
            for _, item in _maps(container.seq("env")):
                names.add(item.text("valueFrom", "configMapKeyRef", "name") or "")
        for _, volume in _maps(w.body.seq("spec", "template", "spec", "volumes")):
            names.add(volume.text("configMap", "name") or "")
        return names - {""}

    # ------------------------------------------------------------------ services
    def _service_ci(self, s: _Object) -> SourceCI:
        spec = s.body.map("spec") or YamlMap(s.body.loc)
        attributes: dict[str, JsonValue] = {
            "k8s_kind": "Service",
            "service_type": spec.text("type") or "ClusterIP",
        }
        if spec.get("clusterIP") == "None":
            attributes["headless"] = True
        ports = [p for _, p in _maps(spec.seq("ports"))]
        numbers: list[JsonValue] = [n for p in ports if (n := p.integer("port"))]
        if numbers:
            attributes["ports"] = numbers
        protocols = {_protocol(p) for p in ports}
        if len(protocols) == 1 and None not in protocols:
            attributes["protocol"] = protocols.pop()
        selector = spec.map("selector")
        if selector:
            attributes["selector"] = to_json(selector)
        if spec.text("externalName"):
            attributes["external_name"] = spec.text("externalName")
        return _ci(s, "API", f"{s.name}-svc", attributes)

    def _select(self, s: _Object, workloads: list[_Object]) -> list[_Object]:
        spec = s.body.map("spec") or YamlMap(s.body.loc)
        selector = spec.map("selector")
        if not selector:
            self.notes.append(f"{s.key} has no selector: no workload behind it in the input")
            return []
        wanted = {k: scalar_text(v) for k, v in selector.items()}
        matched = [
            w for w in workloads if w.namespace == s.namespace and _labels(w).items() >= wanted.items()
        ]
        detail = ",".join(f"{k}={v}" for k, v in wanted.items())
        for w in matched:
            self.relate(s.key, w.key, [s.evidence("spec.selector", spec.line_of("selector"), detail)], False)
        if not matched:
            self.notes.append(f"{s.key} selects {detail}: no workload in the input matches")
        return matched

    # ------------------------------------------------------------------ env addresses
    def _env_relationships(self, w: _Object, index: dict[tuple[str, str], str], own: set[str]) -> None:
        first_image = next((c.text("image") for p, c in w.containers if ".containers[" in p), None)
        optional = workload_role(w.name, first_image) is not None
        for path, container in w.containers:
            for var in self._env(w, path, container):
                found = addresses_in(var.name, var.value)
                detail = var.evidence[0].detail
                if not found and names_address(var.name) and not var.value.strip():
                    self.notes.append(f"{w.key}: {var.name} is empty (an optional address, not configured)")
                for address in found:
                    target = _resolve(address.host, w.namespace, index)
                    if target is None:
                        self.notes.append(
                            f"{w.key}: {detail} names no Service in the input ({address.host}); "
                            "no relationship"
                        )
                    elif target in own:
                        self.notes.append(f"{w.key}: {detail} names its own Service; no relationship")
                    else:
                        self.relate(w.key, target, var.evidence, optional)

    def _env(self, w: _Object, path: str, container: YamlMap) -> list[_EnvVar]:
        """The container's variables in Kubernetes' order: ``envFrom`` first, then ``env``."""
        out: dict[str, _EnvVar] = {}
        env_from = container.seq("envFrom") or YamlList(container.loc)
        for i, item in env_from.maps():
            cm_name, prefix = item.text("configMapRef", "name"), item.text("prefix") or ""
            source = w.evidence(field_path(path, "envFrom", i), env_from.loc_of(i).line)
            for key, (value, cm_evidence) in self._config_map(w, cm_name).items() if cm_name else ():
                detail = f"{evidence_detail(prefix + key, value)} (ConfigMap {cm_name})"
                out[prefix + key] = _EnvVar(
                    prefix + key, value, (source.model_copy(update={"detail": detail}), cm_evidence)
                )
        env = container.get("env")
        if env is not None and not isinstance(env, YamlList):
            self.problem("env must be a list", w.file, container.line_of("env"), w.path(path, "env"))
            env = None
        env = env or YamlList(container.loc)
        for i, entry in enumerate(env):
            var_path, line = w.path(path, "env", i), env.loc_of(i).line
            name = entry.text("name") if isinstance(entry, YamlMap) else None
            if not name or not isinstance(entry, YamlMap):
                self.problem("an env entry needs a name", w.file, line, var_path)
                continue
            extra: tuple[Evidence, ...] = ()
            if "value" in entry:
                value = _expand(scalar_text(entry["value"]) or "", {k: v.value for k, v in out.items()})
            else:
                value, extra = self._value_from(w, entry, name)
            evidence = Evidence(file=w.file, field=var_path, line=line, detail=evidence_detail(name, value))
            out[name] = _EnvVar(name, value, (evidence, *extra))
        return list(out.values())

    def _value_from(self, w: _Object, item: YamlMap, name: str) -> tuple[str, tuple[Evidence, ...]]:
        ref = item.map("valueFrom", "configMapKeyRef")
        cm_name, key = (ref.text("name"), ref.text("key")) if ref else (None, None)
        if cm_name and key and (found := self._config_map(w, cm_name).get(key)):
            return found[0], (found[1],)
        if item.map("valueFrom", "secretKeyRef") is not None and names_address(name):
            self.notes.append(f"{w.key}: {name} comes from a Secret, which is not read; no relationship")
        return "", ()

    def _config_map(self, w: _Object, name: str) -> dict[str, tuple[str, Evidence]]:
        cm = self.objects.get(("ConfigMap", w.namespace, name))
        data = cm.body.map("data") if cm is not None else None
        if cm is None or data is None:
            self.notes.append(f"{w.key}: ConfigMap {w.namespace}/{name} is not in the input; values unknown")
            return {}
        out = {}
        for key, raw in data.items():
            value = scalar_text(raw) or ""
            out[key] = (value, cm.evidence(f"data.{key}", data.line_of(key), evidence_detail(key, value)))
        return out


_SKIP_REASONS = {
    "ServiceAccount": "API identities of workloads, not CIs",
    "ConfigMap": "configuration, read for env-var addresses and named in config_maps",
    "Secret": "never read",
    "Kustomization": "a kustomization inside a file list is not followed (give its folder)",
}


def _ci(obj: _Object, kind: str, suggested: str, attributes: dict[str, JsonValue]) -> SourceCI:
    base = suggested if obj.namespace == "default" else f"{obj.namespace}-{suggested}"
    return SourceCI(
        key=obj.key,
        kind=kind,
        name=obj.name,
        suggested_id=slug(base),
        identity={"name": obj.name.lower(), "k8s_namespace": obj.namespace},
        attributes=attributes,
        evidence=(obj.evidence("metadata.name", obj.line, f"{obj.kind} {obj.namespace}/{obj.name}"),),
    )


def _unique_ids(cis: list[SourceCI]) -> list[SourceCI]:
    taken = Counter(c.suggested_id for c in cis)
    return [
        ci.model_copy(update={"suggested_id": slug(ci.key)}) if taken[ci.suggested_id] > 1 else ci
        for ci in sorted(cis, key=lambda c: c.key)
    ]


def _labels(w: _Object) -> dict[str, str | None]:
    labels = w.body.map("spec", "template", "metadata", "labels")
    return {k: scalar_text(v) for k, v in labels.items()} if labels else {}


def _maps(items: YamlList | None) -> list[tuple[int, YamlMap]]:
    return items.maps() if items is not None else []


def _protocol(port: YamlMap) -> str | None:
    text = (port.text("appProtocol") or port.text("name") or "").lower()
    return "grpc" if text.startswith("grpc") else "http" if text.startswith(("http", "h2c")) else None


def _expand(value: str, defined: dict[str, str]) -> str:
    """Kubernetes ``$(VAR)`` references to earlier variables of the container; ``$$`` is ``$``."""
    return _VAR_REF.sub(lambda m: "$" if m[1] == "$" else defined.get(m[2], m[0]), value)


def _resolve(host: str, namespace: str, index: dict[tuple[str, str], str]) -> str | None:
    """The Service key ``host`` names from ``namespace``: ``NAME``, ``NAME.NS``, ``NAME.NS.svc``,
    ``NAME.NS.svc.cluster.local``, or a pod of a headless Service (``POD.NAME.NS.svc...``).

    >>> index = {("shop", "db"): "service/shop/db"}
    >>> hosts = ("db", "db.shop.svc", "db-0.db.shop.svc.cluster.local", "db-0.db.shop", "db.x")
    >>> [_resolve(h, "shop", index) for h in hosts]
    ['service/shop/db', 'service/shop/db', 'service/shop/db', None, None]
    """
    short = host.removesuffix(".cluster.local").removesuffix(".svc")
    parts = short.split(".")
    if len(parts) == 1:
        return index.get((namespace, parts[0]))
    return (
        index.get((parts[-1], parts[-2])) if len(parts) == 2 or (len(parts) == 3 and short != host) else None
    )
