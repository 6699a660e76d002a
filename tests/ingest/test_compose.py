"""The docker compose importer (:mod:`cmdbgraph.ingest.importers.compose`).

The expected graph below was read by hand from ``../shared/fixtures/otel-demo``: each
service's ``depends_on`` and the env vars whose values (from ``env``) name another service.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cmdbgraph.ingest.importers.compose import compose_graph, read_compose
from cmdbgraph.ingest.importers.compose_variables import TextFile, interpolate, parse_env_file
from cmdbgraph.ingest.sources import Evidence, SourceGraph
from cmdbgraph.schema import InvalidInput, Problem
from tests.shared_fixtures import shared_fixture

CORE_KINDS = {
    **dict.fromkeys(
        (
            "ad", "cart", "checkout", "currency", "email", "flagd", "flagd-ui", "frontend",
            "frontend-proxy", "image-provider", "otel-collector", "payment", "product-catalog",
            "quote", "recommendation", "shipping", "telemetry-docs",
        ),
        "Service",
    ),
    "astronomy-db": "Database",
    "valkey-cart": "Cache",
    "load-generator": "Application",
}  # fmt: skip
CORE_DEPENDS = {
    "ad": {"otel-collector", "flagd"},
    "cart": {"valkey-cart", "otel-collector", "flagd"},
    "checkout": {
        "cart", "currency", "email", "payment", "product-catalog", "shipping", "otel-collector", "flagd",
    },
    "currency": {"otel-collector"},
    "email": {"otel-collector", "flagd"},
    "frontend": {
        "ad", "cart", "checkout", "currency", "product-catalog", "quote", "recommendation", "shipping",
        "otel-collector", "image-provider", "flagd",
    },
    "frontend-proxy": {"frontend", "flagd-ui", "telemetry-docs", "image-provider", "otel-collector", "flagd"},
    "image-provider": {"otel-collector"},
    "payment": {"otel-collector", "flagd"},
    "product-catalog": {"otel-collector", "flagd", "astronomy-db"},
    "quote": {"otel-collector"},
    "recommendation": {"product-catalog", "otel-collector", "flagd"},
    "shipping": {"otel-collector", "flagd", "quote"},
    "flagd": {"otel-collector"},
    "flagd-ui": {"otel-collector", "flagd"},
    "telemetry-docs": {"otel-collector"},
}  # fmt: skip
"""Hard dependencies of compose.yaml alone (astronomy-db and valkey-cart depend on nothing)."""
CORE_OPTIONAL = {
    "load-generator": {"frontend", "frontend-proxy", "flagd", "otel-collector"},
    "otel-collector": {"frontend-proxy", "image-provider", "astronomy-db"},
}
"""The load generator's targets and the collector's scrape targets: optional by design."""


def _otel(*names: str) -> list[Path]:
    return [shared_fixture("otel-demo", n) for n in names]


def _env() -> Path:
    return shared_fixture("otel-demo", "env")


def _depends(graph: SourceGraph, optional: bool) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in graph.relationships:
        if r.type == "DEPENDS_ON" and r.optional is optional:
            out.setdefault(r.source_key.removeprefix("service/"), set()).add(
                r.target_key.removeprefix("service/")
            )
    return out


def test_the_core_file_gives_the_services_and_their_dependencies() -> None:
    graph = read_compose(_otel("compose.yaml"), env_file=_env())
    assert {c.key: c.kind for c in graph.cis} == {f"service/{n}": k for n, k in CORE_KINDS.items()}
    assert _depends(graph, optional=False) == CORE_DEPENDS
    assert _depends(graph, optional=True) == CORE_OPTIONAL
    assert {r.type for r in graph.relationships} == {"DEPENDS_ON"}


def test_the_full_overlay_adds_kafka_and_its_consumers() -> None:
    graph = read_compose(_otel("compose.yaml", "compose.full.yaml"), env_file=_env())
    kinds = {c.key.removeprefix("service/"): c.kind for c in graph.cis}
    assert kinds == {**CORE_KINDS, "accounting": "Service", "fraud-detection": "Service", "kafka": "Queue"}
    expected = {k: set(v) for k, v in CORE_DEPENDS.items()}
    expected["checkout"].add("kafka")  # the overlay patches checkout: merged, not replaced
    expected["accounting"] = {"otel-collector", "kafka", "astronomy-db"}
    expected["fraud-detection"] = {"otel-collector", "kafka", "flagd"}
    expected["kafka"] = {"otel-collector"}
    assert _depends(graph, optional=False) == expected
    optional = {k: set(v) for k, v in CORE_OPTIONAL.items()}
    optional["otel-collector"].add("kafka")
    assert _depends(graph, optional=True) == optional
    checkout = graph.by_key()["service/checkout"]
    assert [(e.file.rsplit("/", 1)[-1], e.line) for e in checkout.evidence] == [
        ("compose.yaml", 114),
        ("compose.full.yaml", 127),
    ]
    to_kafka = next(
        r for r in graph.relationships if r.key == ("service/checkout", "DEPENDS_ON", "service/kafka")
    )
    assert [(e.file.rsplit("/", 1)[-1], e.field, e.line, e.detail) for e in to_kafka.evidence] == [
        (
            "compose.full.yaml",
            "services.checkout.depends_on.kafka",
            132,
            "depends_on kafka (service_healthy)",
        ),
        ("compose.full.yaml", "services.checkout.environment[0]", 129, "KAFKA_ADDR=kafka:9092"),
        ("env", "KAFKA_ADDR", 148, "KAFKA_ADDR=kafka:9092"),
    ]
    assert to_kafka.attributes == {"condition": "service_healthy"}


def test_evidence_cites_depends_on_the_env_var_and_the_env_file() -> None:
    compose, env = _otel("compose.yaml")[0], _env()
    graph = read_compose([compose], env_file=env)
    rel = next(r for r in graph.relationships if r.key == ("service/frontend", "DEPENDS_ON", "service/cart"))
    assert rel.evidence == (
        Evidence(
            file=compose.as_posix(),
            field="services.frontend.depends_on.cart",
            line=291,
            detail="depends_on cart (service_started)",
        ),
        Evidence(
            file=compose.as_posix(),
            field="services.frontend.environment[3]",
            line=266,
            detail="CART_ADDR=cart:7070",
        ),
        Evidence(file=env.as_posix(), field="CART_ADDR", line=63, detail="CART_ADDR=cart:7070"),
    )
    assert not rel.optional
    db = next(
        r
        for r in graph.relationships
        if r.key == ("service/product-catalog", "DEPENDS_ON", "service/astronomy-db")
    )
    # the password in the connection string is masked in the evidence
    assert db.evidence[1].detail == (
        "DB_CONNECTION_STRING=postgres://astronomy_user:***@astronomy-db/astronomy_db?sslmode=disable"
    )


def test_cis_carry_identity_image_and_notes_explain_what_was_left_out() -> None:
    folder = shared_fixture("otel-demo")
    graph = read_compose([folder])  # the folder: its compose.yaml, and the env file beside it
    cart = graph.by_key()["service/cart"]
    assert cart.identity == {"name": "cart", "compose_project": "otel-demo"}
    assert cart.attributes == {
        "image": "ghcr.io/open-telemetry/demo",
        "image_tag": "latest-cart",
        "ports": [7070],
    }
    valkey = graph.by_key()["service/valkey-cart"]
    assert valkey.attributes["engine"] == "valkey"
    notes = set(graph.notes)
    assert f"variables read from {(folder / 'env').as_posix()}" in notes
    assert "service frontend: FRONTEND_ADDR=frontend:8080 names itself; no relationship" in notes
    grafana = "GRAFANA_HOST=grafana names no service in the input (grafana); no relationship"
    assert f"service frontend-proxy: {grafana}" in notes
    assert any(n.endswith("networks are not CIs (they say nothing about dependencies)") for n in notes)
    assert any(n.startswith("service load-generator is a load generator") for n in notes)
    assert not any(c.name == "grafana" for c in graph.cis)


# ---------------------------------------------------------------------- variables
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${HOST}:${PORT}", "cart:7070"),
        ("$HOST-x", "cart-x"),
        ("${EMPTY:-dflt} ${EMPTY-dflt} ${MISSING-dflt}", "dflt  dflt"),
        ("${HOST:+set} ${EMPTY:+set} ${EMPTY+set} ${MISSING+set}", "set  set "),
        ("${MISSING:-${HOST:-x}}", "cart"),
        ("$$HOST $${HOST} cost: 5$", "$HOST ${HOST} cost: 5$"),
    ],
)
def test_interpolation_follows_compose(text: str, expected: str) -> None:
    result = interpolate(text, {"HOST": "cart", "PORT": "7070", "EMPTY": ""})
    assert (result.text, result.unset, result.required, result.invalid) == (expected, [], [], [])


def test_interpolation_reports_unset_required_and_invalid() -> None:
    assert interpolate("a${NOPE}b", {}).unset == ["NOPE"]
    assert interpolate("${NEED:?set NEED}", {}).required == ["NEED: set NEED"]
    assert interpolate("${NEED?x}", {"NEED": ""}).required == []
    assert interpolate("${NEED:?}", {"NEED": ""}).required == ["NEED: required variable is not set"]
    assert interpolate("${A/b/c}", {"A": "x"}).invalid != []
    assert interpolate("${A:-open", {}).invalid != []


def test_the_env_file_quotes_comments_and_references() -> None:
    notes: list[str] = []
    problems: list[Problem] = []
    text = (
        "# comment\nexport A=1 # trailing comment\nB=\"x ${A}\\n\" # c\nC='${A} $$'\nD=${A}${UNDEFINED}\n"
        'E=#not-a-comment\nbad line\nF="open\n'
    )
    variables = parse_env_file(TextFile(".env", text), notes, problems)
    assert {k: v.value for k, v in variables.items()} == {
        "A": "1",
        "B": "x 1\n",
        "C": "${A} $$",
        "D": "1",
        "E": "#not-a-comment",
    }
    assert variables["D"].evidence == Evidence(file=".env", field="D", line=5, detail="D=1")
    assert problems == [
        Problem("BAD_ENV_FILE", "expected NAME=value", where=".env:7"),
        Problem("BAD_ENV_FILE", "a quoted value must end on its line", where=".env:8", field="F"),
    ]
    assert notes == ["variable UNDEFINED is not set, so it became an empty string (at .env:5)"]


# ---------------------------------------------------------------------- merging and shapes
BASE = """\
name: shop
services:
  web:
    image: shop/web:1
    ports: ["8080:80", "9090"]
    environment:
      API_URL: http://api:8000
      SEARCH_URL: ${SEARCH_URL:-}
      CACHE: redis://cache:6379/0
    depends_on: [api]
  api:
    image: shop/api:1
    environment:
      - DATABASE_URL=postgresql://app:${DB_PASSWORD}@db:5432/shop
      - NOT_SET_ADDR
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_started, required: false}
    volumes:
      - uploads:/srv/uploads
      - ./config:/etc/api:ro
      - type: volume
        source: uploads
        target: /srv/thumbs
  db:
    image: postgres:16
    hostname: primary-db
    volumes: [dbdata:/var/lib/postgresql/data]
  cache:
    image: valkey/valkey:8
volumes:
  dbdata: {}
  uploads: {name: shop-uploads}
"""
OVERLAY = """\
services:
  web:
    image: shop/web:2
    ports: !override ["443"]
    environment:
      CACHE: !reset null
      DB_HOST: primary-db
  worker:
    image: shop/worker:1
    profiles: [batch]
    environment: ["QUEUE=amqp://guest:guest@mq:5672"]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_later_files_override_and_extend_earlier_ones(tmp_path: Path) -> None:
    base, overlay = _write(tmp_path, "compose.yaml", BASE), _write(tmp_path, "compose.prod.yaml", OVERLAY)
    env = _write(tmp_path, ".env", "DB_PASSWORD=hunter2\n")
    graph = read_compose([base, overlay])  # .env beside the first file is found
    cis = graph.by_key()
    assert {k: c.kind for k, c in cis.items()} == {
        "service/web": "Service",
        "service/api": "Service",
        "service/db": "Database",
        "service/cache": "Cache",
        "service/worker": "Service",
        "volume/dbdata": "Storage",
        "volume/uploads": "Storage",
    }
    assert cis["service/web"].attributes == {"image": "shop/web", "image_tag": "2", "ports": [443]}
    assert cis["service/web"].identity == {"name": "web", "compose_project": "shop"}
    assert cis["service/worker"].attributes["profiles"] == ["batch"]
    assert cis["volume/dbdata"].identity == {"name": "shop_dbdata", "compose_project": "shop"}
    assert cis["volume/uploads"].name == "shop-uploads"
    rels = {r.key: r for r in graph.relationships}
    assert set(rels) == {
        ("service/web", "DEPENDS_ON", "service/api"),
        ("service/web", "DEPENDS_ON", "service/db"),  # DB_HOST names db by its hostname
        ("service/api", "DEPENDS_ON", "service/db"),
        ("service/api", "DEPENDS_ON", "service/cache"),
        ("service/api", "USES_DATA", "volume/uploads"),
        ("service/db", "USES_DATA", "volume/dbdata"),
    }
    assert rels[("service/api", "DEPENDS_ON", "service/cache")].optional  # required: false
    assert rels[("service/api", "DEPENDS_ON", "service/db")].attributes == {"condition": "service_healthy"}
    # both api mounts of the uploads volume are evidence of one relationship
    assert [e.detail for e in rels[("service/api", "USES_DATA", "volume/uploads")].evidence] == [
        "uploads:/srv/uploads",
        "uploads:/srv/thumbs",
    ]
    db_url = rels[("service/api", "DEPENDS_ON", "service/db")].evidence[1]
    assert db_url.detail == "DATABASE_URL=postgresql://app:***@db:5432/shop"
    assert "hunter2" not in repr(graph)
    notes = set(graph.notes)
    assert f"variables read from {env.as_posix()}" in notes
    assert "service web: SEARCH_URL is empty (an optional address, not configured)" in notes
    assert "service api: NOT_SET_ADDR is not set (no value in the variables)" in notes
    assert (
        "service worker: QUEUE=amqp://guest:***@mq:5672 names no service in the input (mq); no relationship"
        in notes
    )
    assert "bind mounts and tmpfs are not CIs (host paths and scratch space)" in notes


def test_compose_graph_is_pure_and_takes_the_project_name() -> None:
    graph = compose_graph(
        [
            TextFile(
                "a.yaml", "services:\n  x:\n    image: nginx\n    environment: [UPSTREAM_HOST]\n  y: {}\n"
            )
        ],
        TextFile("vars", "UPSTREAM_HOST=y\n"),
        project="demo",
    )
    assert {c.key: c.identity for c in graph.cis} == {
        "service/x": {"name": "x", "compose_project": "demo"},
        "service/y": {"name": "y", "compose_project": "demo"},
    }
    (rel,) = graph.relationships
    assert [e.where for e in rel.evidence] == ["a.yaml:4", "vars:1"]


def test_malformed_inputs_are_refused_with_every_problem_located(tmp_path: Path) -> None:
    bad_yaml = _write(tmp_path, "bad.yaml", "services:\n  web:\n    image: [x\n")
    not_mapping = _write(tmp_path, "list.yaml", "services:\n  - web\n")
    broken = _write(
        tmp_path,
        "broken.yaml",
        "services:\n"
        "  web:\n"
        "    image: ${IMAGE:?IMAGE must be set}\n"
        "    depends_on: [api, ghost]\n"
        "    environment: 7\n"
        "    volumes: [undeclared:/data]\n"
        "  api: [not, a, mapping]\n"
        "  job:\n"
        "    links: [phantom:alias]\n"
        "    command: echo ${oops\n",
    )
    with pytest.raises(InvalidInput) as caught:
        read_compose(
            [bad_yaml, not_mapping, broken, tmp_path / "missing.yaml"], env_file=tmp_path / "none.env"
        )
    got = {(p.code, p.where.rsplit("/", 1)[-1], p.field) for p in caught.value.problems}
    assert got == {
        ("MISSING_FILE", "missing.yaml", ""),
        ("MISSING_FILE", "none.env", ""),
        ("BAD_YAML", "bad.yaml:4", ""),
        ("BAD_COMPOSE", "list.yaml:1", "services"),
        ("UNSET_VARIABLE", "broken.yaml:3", "services.web.image"),
        ("DANGLING_REF", "broken.yaml:4", "services.web.depends_on[1]"),
        ("BAD_COMPOSE", "broken.yaml:5", "services.web.environment"),
        ("DANGLING_REF", "broken.yaml:6", "services.web.volumes[0]"),
        ("BAD_COMPOSE", "broken.yaml:7", "services.api"),
        ("DANGLING_REF", "broken.yaml:9", "services.job.links[0]"),
        ("BAD_INTERPOLATION", "broken.yaml:10", "services.job.command"),
    }
    unset = next(p for p in caught.value.problems if p.code == "UNSET_VARIABLE")
    assert unset.message == "IMAGE: IMAGE must be set"
    # web depends on api, which is declared (though malformed): only ghost dangles
    dangling = [p.message for p in caught.value.problems if p.field == "services.web.depends_on[1]"]
    assert dangling == ["service web depends_on 'ghost', which is not a service of the input"]
