"""The Kubernetes importer (:mod:`cmdbgraph.ingest.importers.kubernetes`).

The expected CIs and edges below were read by hand from the online-boutique manifests
(``../shared/fixtures/online-boutique``): each Deployment's ``*_ADDR`` env vars, each Service's
``selector``, and ``kustomization.yaml``'s resource list.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import JsonValue

from cmdbgraph.ingest.importers.addresses import addresses_in
from cmdbgraph.ingest.importers.kubernetes import read_kubernetes
from cmdbgraph.ingest.sources import Evidence, SourceGraph
from cmdbgraph.schema import InvalidInput, Problem
from tests.shared_fixtures import shared_fixture

SERVICES = (
    "adservice", "cartservice", "checkoutservice", "currencyservice", "emailservice", "frontend",
    "paymentservice", "productcatalogservice", "recommendationservice", "shippingservice",
)  # fmt: skip
"""The ten services of kustomization.yaml (redis-cart is declared inside cartservice.yaml)."""

ENV_DEPENDENCIES = {
    "frontend": {
        "productcatalogservice", "currencyservice", "cartservice", "recommendationservice",
        "shippingservice", "checkoutservice", "adservice",
    },
    "checkoutservice": {
        "productcatalogservice", "shippingservice", "paymentservice", "emailservice",
        "currencyservice", "cartservice",
    },
    "recommendationservice": {"productcatalogservice"},
    "cartservice": {"redis-cart"},
}  # fmt: skip
"""Workload -> the Services its env vars name (frontend's shoppingassistantservice is not in the input)."""


def _folder() -> Path:
    return shared_fixture("online-boutique", "kubernetes-manifests")


def _release() -> Path:
    return shared_fixture("online-boutique", "release", "kubernetes-manifests.yaml")


def _edges(graph: SourceGraph) -> set[tuple[str, str, bool]]:
    return {(r.source_key, r.target_key, r.optional) for r in graph.relationships}


def _expected_edges(with_loadgenerator: bool) -> set[tuple[str, str, bool]]:
    workloads = [*SERVICES, "redis-cart"]
    edges = {(f"service/default/{w}", f"deployment/default/{w}", False) for w in workloads}
    edges.add(("service/default/frontend-external", "deployment/default/frontend", False))
    edges |= {
        (f"deployment/default/{w}", f"service/default/{target}", False)
        for w, targets in ENV_DEPENDENCIES.items()
        for target in targets
    }
    if with_loadgenerator:
        edges.add(("deployment/default/loadgenerator", "service/default/frontend", True))
    return edges


def test_the_folder_follows_its_kustomization() -> None:
    graph = read_kubernetes([_folder()])
    kinds = {c.key: c.kind for c in graph.cis}
    expected = {f"deployment/default/{s}": "Service" for s in SERVICES}
    expected |= {f"service/default/{s}": "API" for s in SERVICES}
    expected |= {
        "deployment/default/redis-cart": "Cache",
        "service/default/redis-cart": "API",
        "service/default/frontend-external": "API",
    }
    assert kinds == expected
    assert _edges(graph) == _expected_edges(with_loadgenerator=False)
    assert all(r.type == "DEPENDS_ON" for r in graph.relationships)
    left_out = [n for n in graph.notes if "leaves out" in n]
    assert len(left_out) == 1
    assert "kustomization.yaml leaves out loadgenerator.yaml" in left_out[0]


def test_frontend_depends_on_the_seven_services_and_cart_on_redis() -> None:
    graph = read_kubernetes([_folder()])
    depends = {(r.source_key, r.target_key) for r in graph.relationships}
    frontend = {t.split("/")[-1] for s, t in depends if s == "deployment/default/frontend"}
    assert frontend == {
        "productcatalogservice", "currencyservice", "cartservice", "recommendationservice",
        "shippingservice", "checkoutservice", "adservice",
    }  # fmt: skip
    # the cart service reaches redis through its Service, which selects the redis-cart Deployment
    assert ("deployment/default/cartservice", "service/default/redis-cart") in depends
    assert ("service/default/redis-cart", "deployment/default/redis-cart") in depends
    assert any(
        "SHOPPING_ASSISTANT_SERVICE_ADDR=shoppingassistantservice:80 names no Service" in n
        for n in graph.notes
    )
    assert not any(c.name == "shoppingassistantservice" for c in graph.cis)


def test_evidence_names_file_field_line_and_value() -> None:
    graph = read_kubernetes([_folder()])
    rel = next(
        r
        for r in graph.relationships
        if (r.source_key, r.target_key) == ("deployment/default/frontend", "service/default/cartservice")
    )
    file = (_folder() / "frontend.yaml").as_posix()
    assert rel.evidence == (
        Evidence(
            file=file,
            field="spec.template.spec.containers[0].env[3]",
            line=73,
            detail="CART_SERVICE_ADDR=cartservice:7070",
        ),
    )
    selector = next(r for r in graph.relationships if r.source_key == "service/default/frontend")
    assert selector.evidence == (Evidence(file=file, field="spec.selector", line=116, detail="app=frontend"),)


def test_cis_carry_identity_image_and_service_attributes() -> None:
    graph = read_kubernetes([_release()]).by_key()
    frontend = graph["deployment/default/frontend"]
    assert frontend.identity == {"name": "frontend", "k8s_namespace": "default"}
    assert frontend.suggested_id == "frontend"
    assert frontend.attributes == {
        "k8s_kind": "Deployment",
        "image": "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/frontend",
        "image_tag": "v0.10.6",
        "ports": [8080],
    }
    redis = graph["deployment/default/redis-cart"]
    assert (redis.kind, redis.attributes["engine"], redis.attributes["image"]) == ("Cache", "redis", "redis")
    assert redis.attributes["image_tag"] == "alpine"
    cart_api = graph["service/default/cartservice"]
    assert cart_api.suggested_id == "cartservice-svc"
    assert cart_api.attributes == {
        "k8s_kind": "Service",
        "service_type": "ClusterIP",
        "ports": [7070],
        "protocol": "grpc",
        "selector": {"app": "cartservice"},
    }
    assert graph["service/default/frontend-external"].attributes["service_type"] == "LoadBalancer"


def test_the_load_generator_is_kept_with_an_optional_edge() -> None:
    graph = read_kubernetes([_release()])
    loadgen = graph.by_key()["deployment/default/loadgenerator"]
    assert (loadgen.kind, loadgen.attributes["role"]) == ("Application", "load-generator")
    rel = next(r for r in graph.relationships if r.source_key == "deployment/default/loadgenerator")
    assert (rel.target_key, rel.optional) == ("service/default/frontend", True)
    # the main container and the init container both name the frontend: one edge, both evidences
    assert sorted(e.field for e in rel.evidence) == [
        "spec.template.spec.containers[0].env[0]",
        "spec.template.spec.initContainers[0].env[0]",
    ]
    assert not any(r.target_key == "deployment/default/loadgenerator" for r in graph.relationships)
    assert any("loadgenerator is a load generator" in n for n in graph.notes)
    assert "skipped 11 ServiceAccount object(s): API identities of workloads, not CIs" in graph.notes


CiRow = tuple[str, str, str, str, str, str]
RelRow = tuple[tuple[str, str, str], bool, tuple[tuple[str, str], ...]]


def _comparable(graph: SourceGraph) -> tuple[set[CiRow], set[RelRow]]:
    """The graph without what differs between the two sources: files, lines and image names."""
    cis = {
        (c.key, c.kind, c.name, c.suggested_id, repr(c.identity), repr(_without_images(c.attributes)))
        for c in graph.cis
    }
    rels = {
        (r.key, r.optional, tuple(sorted((e.field, e.detail) for e in r.evidence)))
        for r in graph.relationships
    }
    return cis, rels


def _without_images(attributes: dict[str, JsonValue]) -> dict[str, JsonValue]:
    return {k: v for k, v in attributes.items() if not k.startswith("image")}


def test_the_folder_and_the_release_bundle_give_the_same_graph() -> None:
    """The release bundle is the folder plus loadgenerator.yaml, with released image names."""
    release = read_kubernetes([_release()])
    folder = read_kubernetes([_folder(), _folder() / "loadgenerator.yaml"])
    assert _comparable(folder) == _comparable(release)
    assert _edges(release) == _expected_edges(with_loadgenerator=True)
    assert not any("leaves out" in n for n in folder.notes)
    # without the load generator file the folder is the release minus the load generator
    without = read_kubernetes([_folder()])
    cis, rels = _comparable(release)
    assert _comparable(without) == (
        {c for c in cis if "loadgenerator" not in c[0]},
        {r for r in rels if "deployment/default/loadgenerator" not in r[0]},
    )
    # the folder's manifests name skaffold's placeholder images, the release the published ones
    assert folder.by_key()["deployment/default/frontend"].attributes["image"] == "frontend"


# ---------------------------------------------------------------------- small inputs
def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


SHOP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-config, namespace: shop}
data:
  DATABASE_URL: postgres://shop:s3cret@orders-db.shop.svc.cluster.local:5432/orders
  LOG_LEVEL: debug
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api, tier: backend}}
    spec:
      containers:
        - name: api
          image: registry.local:5000/shop/api:1.2@sha256:abc
          envFrom:
            - configMapRef: {name: shop-config}
          env:
            - name: CACHE_HOST
              valueFrom: {configMapKeyRef: {name: cache-config, key: host}}
            - name: QUEUE_HOST
              value: rabbit
            - name: QUEUE_URL
              value: amqp://$(QUEUE_HOST).shop:5672
            - name: SEARCH_URL
              value: ""
            - name: PAYMENTS_ADDR
              valueFrom: {secretKeyRef: {name: payments, key: addr}}
        - name: sidecar
          image: envoy:v1
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: orders-db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: orders-db}}
    spec:
      containers: [{name: pg, image: "postgres:16"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: rabbit, namespace: shop}
spec:
  template:
    metadata: {labels: {app: rabbit}}
    spec:
      containers: [{name: mq, image: "rabbitmq:3"}]
---
apiVersion: v1
kind: Service
metadata: {name: orders-db, namespace: shop}
spec: {clusterIP: None, selector: {app: orders-db}, ports: [{name: tcp-pg, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: rabbit, namespace: shop}
spec: {selector: {app: rabbit}, ports: [{port: 5672}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80, appProtocol: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: orphan, namespace: shop}
spec: {selector: {app: nothing}}
---
apiVersion: v1
kind: Secret
metadata: {name: payments, namespace: shop}
data: {addr: cGF5bWVudHM6ODA=}
"""


def test_config_maps_var_refs_namespaces_and_workload_kinds(tmp_path: Path) -> None:
    file = _write(tmp_path, "shop.yaml", SHOP)
    graph = read_kubernetes([file])
    cis = graph.by_key()
    assert {k: c.kind for k, c in cis.items() if k.split("/")[0] != "service"} == {
        "deployment/shop/api": "Service",
        "statefulset/shop/orders-db": "Database",
        "daemonset/shop/rabbit": "Queue",
    }
    api = cis["deployment/shop/api"]
    assert api.suggested_id == "shop-api"
    assert api.attributes == {
        "k8s_kind": "Deployment",
        "image": "registry.local:5000/shop/api",
        "image_tag": "1.2",
        "image_digest": "sha256:abc",
        "images": ["registry.local:5000/shop/api:1.2@sha256:abc", "envoy:v1"],
        "replicas": 3,
        "config_maps": ["cache-config", "shop-config"],
    }
    assert cis["service/shop/orders-db"].attributes["headless"] is True
    assert cis["service/shop/api"].attributes["protocol"] == "http"
    assert _edges(graph) == {
        ("deployment/shop/api", "service/shop/orders-db", False),
        ("deployment/shop/api", "service/shop/rabbit", False),
        ("service/shop/orders-db", "statefulset/shop/orders-db", False),
        ("service/shop/rabbit", "daemonset/shop/rabbit", False),
        ("service/shop/api", "deployment/shop/api", False),
    }
    to_db = next(r for r in graph.relationships if r.target_key == "service/shop/orders-db")
    # the value came from the ConfigMap: the envFrom entry and the ConfigMap's line are both cited
    masked = "postgres://shop:***@orders-db.shop.svc.cluster.local:5432/orders"
    assert [(e.field, e.line, e.detail) for e in to_db.evidence] == [
        ("spec.template.spec.containers[0].envFrom[0]", 20, f"DATABASE_URL={masked} (ConfigMap shop-config)"),
        ("data.DATABASE_URL", 5, f"DATABASE_URL={masked}"),
    ]
    to_queue = next(r for r in graph.relationships if r.target_key == "service/shop/rabbit")
    assert [e.detail for e in to_queue.evidence] == ["QUEUE_HOST=rabbit", "QUEUE_URL=amqp://rabbit.shop:5672"]
    notes = "\n".join(graph.notes)
    assert "ConfigMap shop/cache-config is not in the input" in notes
    assert "SEARCH_URL is empty (an optional address, not configured)" in notes
    assert "PAYMENTS_ADDR comes from a Secret, which is not read" in notes
    assert "service/shop/orphan selects app=nothing: no workload in the input matches" in notes
    assert "skipped 1 Secret object(s): never read" in notes
    assert "cGF5" not in notes


def test_a_kustomization_sets_the_namespace_and_follows_nested_folders(tmp_path: Path) -> None:
    _write(
        tmp_path, "app/kustomization.yaml", "namespace: prod\nresources: [web.yaml, ../base]\nimages: []\n"
    )
    _write(
        tmp_path,
        "app/web.yaml",
        "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      containers: [{name: w, image: web, env: [{name: API_URL, value: 'http://api.prod.svc:80'}]}]\n",
    )
    _write(tmp_path, "app/extra.yaml", "kind: ConfigMap\nmetadata: {name: extra}\n")
    _write(tmp_path, "base/kustomization.yaml", "resources: [api.yaml]\n")
    _write(tmp_path, "base/api.yaml", "kind: Service\nmetadata: {name: api, namespace: dev}\nspec: {}\n")
    graph = read_kubernetes([tmp_path / "app"])
    assert {c.key for c in graph.cis} == {"deployment/prod/web", "service/prod/api"}
    assert _edges(graph) == {("deployment/prod/web", "service/prod/api", False)}
    notes = "\n".join(graph.notes)
    assert "kustomization.yaml leaves out extra.yaml" in notes
    assert "images not applied" in notes
    assert "service/prod/api has no selector" in notes


def test_malformed_inputs_are_refused_with_every_problem_located(tmp_path: Path) -> None:
    bad_yaml = _write(tmp_path, "a.yaml", "kind: Deployment\nmetadata:\n  name: [unclosed\n")
    broken = _write(
        tmp_path,
        "b.yaml",
        "kind: Service\nmetadata: {name: x}\n---\nmetadata: {name: nameless-kind}\n---\n"
        "kind: Deployment\nmetadata: {}\n---\nkind: Service\nmetadata: {name: x}\n---\n"
        "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: c\n          env:\n            - value: no-name\n",
    )
    kustomization = _write(tmp_path, "k/kustomization.yaml", "resources:\n  - missing.yaml\n")
    with pytest.raises(InvalidInput) as caught:
        read_kubernetes([bad_yaml, broken, kustomization.parent, tmp_path / "nowhere.yaml"])
    problems = {(p.code, p.where, p.field) for p in caught.value.problems}
    b = broken.as_posix()
    assert problems == {
        ("MISSING_FILE", f"{kustomization.as_posix()}:2", "resources[0]"),
        ("MISSING_FILE", (tmp_path / "nowhere.yaml").as_posix(), ""),
        ("BAD_YAML", f"{bad_yaml.as_posix()}:4", ""),
        ("BAD_MANIFEST", f"{b}:4", "kind"),
        ("BAD_MANIFEST", f"{b}:6", "metadata.name"),
        ("DUPLICATE_OBJECT", f"{b}:10", "metadata.name"),
        ("BAD_MANIFEST", f"{b}:20", "spec.template.spec.containers[0].env[0]"),
    }
    duplicate = next(p for p in caught.value.problems if p.code == "DUPLICATE_OBJECT")
    assert duplicate.message == f"Service default/x is declared twice (first at {b}:2)"


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    file = _write(tmp_path, "list.yaml", "- kind: Deployment\n")
    with pytest.raises(InvalidInput) as caught:
        read_kubernetes([file])
    assert caught.value.problems == (
        Problem("BAD_MANIFEST", "a manifest must be a mapping", where=f"{file.as_posix()}:1"),
    )


@pytest.mark.parametrize(
    ("name", "value", "hosts"),
    [
        ("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550", ["productcatalogservice"]),
        ("FLAGD_HOST", "flagd", ["flagd"]),
        ("EMAIL_ADDR", "http://email:6060", ["email"]),
        ("DB", "Host=astronomy-db;Username=u;Password=p;Database=d", ["astronomy-db"]),
        ("DSN", "host=pg port=5432 dbname=x", ["pg"]),
        ("JDBC", "jdbc:postgresql://pg:5432/x", ["pg"]),
        ("BOOTSTRAP", "kafka-0:9092,kafka-1:9092", ["kafka-0", "kafka-1"]),
        ("MONGO", "mongodb://u:p@a:27017,b:27017/db", ["a", "b"]),
        # names that are not addresses, and addresses of the container itself
        ("OTEL_SERVICE_NAME", "frontend", []),
        ("OTEL_RESOURCE_ATTRIBUTES", "service.namespace=demo,service.version=3.0.0", []),
        ("ASPNETCORE_URLS", "http://*:7070", []),
        ("PHX_HOST", "localhost", []),
        ("ENVOY_ADDR", "0.0.0.0", []),
        ("PORT", "8080", []),
        ("VERSION", "3.0.0", []),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", []),
        ("USE_PROXY_HOST", "true", []),
    ],
)
def test_address_detection(name: str, value: str, hosts: list[str]) -> None:
    assert [a.host for a in addresses_in(name, value)] == hosts
