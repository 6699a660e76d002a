"""The offline GraphiQL page: vendored copies, the rewrite that points the page at them, and serving.

The checks here parse the pages themselves (their own HTML parser and patterns). They do not
reuse the module's checker, so a bug in that checker cannot hide a CDN URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

import cmdbgraph.graphql
from cmdbgraph.graphql.ide import (
    VENDORED_ASSETS,
    OfflineIDEError,
    VendoredAsset,
    graphiql_static_routes,
    offline_graphiql_html,
    rewrite_graphiql_html,
)

STATIC = Path(cmdbgraph.graphql.__file__).parent / "static" / "graphiql"
PREFIX = "/graphql/static/"
STRAWBERRY_PAGE = get_graphql_ide_html("graphiql")
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


def loaded_urls(page: str) -> Iterator[tuple[str, str]]:
    """(src or href, integrity) of every tag that loads a URL, data: URLs included."""
    for _, attributes in tags(page):
        for name in ("src", "href"):
            if name in attributes:
                yield attributes[name], attributes.get("integrity", "")


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def page_integrity(url: str) -> str:
    return dict(loaded_urls(STRAWBERRY_PAGE))[url]


# ---------------------------------------------------------------- the vendored copies


def test_strawberry_page_loads_exactly_the_vendored_assets() -> None:
    from_cdn = {(url, integrity) for url, integrity in loaded_urls(STRAWBERRY_PAGE) if "://" in url[:10]}
    assert from_cdn == {(asset.url, asset.integrity) for asset in VENDORED_ASSETS}


@pytest.mark.parametrize("asset", VENDORED_ASSETS, ids=lambda asset: asset.path)
def test_vendored_copy_matches_the_sri_hash_in_strawberry_page(asset: VendoredAsset) -> None:
    body = (STATIC / asset.path).read_bytes()
    assert sri(body) == page_integrity(asset.url)
    body.decode("utf-8")  # served as charset=utf-8
    assert asset.media_type == CONTENT_TYPES[Path(asset.path).suffix]


def test_folder_holds_only_the_copies_their_licences_and_sources() -> None:
    sources = (STATIC / "SOURCES.md").read_text(encoding="utf-8")
    expected = {"SOURCES.md"}
    for asset in VENDORED_ASSETS:
        assert f"`{asset.path}`" in sources
        assert f"`{asset.integrity}`" in sources
        folder = asset.path.split("/")[0]
        assert "MIT License" in (STATIC / folder / "LICENSE").read_text(encoding="utf-8")
        expected |= {asset.path, f"{folder}/LICENSE"}
    expected.add("graphiql-plugin-explorer-1.0.2/LICENSE.graphiql-explorer")
    on_disk = {path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*") if path.is_file()}
    assert on_disk == expected


# ---------------------------------------------------------------- the rewritten page

# a URL with an authority (scheme://host or //host); browsers read a backslash as a slash there
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?[\\/]{2}", re.IGNORECASE)
LOADERS = re.compile(
    r"""(?:\burl\(|@import|\bimport\b\s*\(?|\bfrom\b|\bfetch\s*\()\s*["'`]?\s*([^\s"'`)]*)"""
)


def test_rewritten_page_has_no_external_url() -> None:
    page = offline_graphiql_html(PREFIX)

    for url, _ in loaded_urls(page):
        assert not EXTERNAL.match(url), url
    for match in LOADERS.finditer(page):
        assert not EXTERNAL.match(match[1]), match[0]
    # the only absolute URL left anywhere is the SVG namespace name of the inline icon
    assert set(re.findall(r"[a-z]+://[^\s\"'%]*", page, re.IGNORECASE)) == {"http://www.w3.org/2000/svg"}
    assert re.findall(r"(\S*)http://www\.w3\.org/2000/svg", page) == ["xmlns=%22"]


def test_rewrite_changes_only_the_asset_urls_and_keeps_their_integrity() -> None:
    page = offline_graphiql_html(PREFIX)

    local = {url: integrity for url, integrity in loaded_urls(page) if url.startswith(PREFIX)}
    assert local == {PREFIX + asset.path: asset.integrity for asset in VENDORED_ASSETS}
    restored = page
    for asset in VENDORED_ASSETS:
        restored = restored.replace(f'"{PREFIX}{asset.path}"', f'"{asset.url}"')
    assert restored == STRAWBERRY_PAGE


def test_relative_prefix_is_kept_as_given() -> None:
    page = offline_graphiql_html("ide-assets/")
    assert {url for url, _ in loaded_urls(page) if not url.startswith("data:")} == {
        "ide-assets/" + asset.path for asset in VENDORED_ASSETS
    }


SVG_WITH_IMAGE = "<svg xmlns='http://www.w3.org/2000/svg'><image href='https://img.example/p.png'/></svg>"
STILL_EXTERNAL = {
    "new script": (
        "</head>",
        '<script src="https://cdn.example/x.js"></script></head>',
        "https://cdn.example/x.js",
    ),
    "protocol-relative": (
        'href="https://unpkg.com/graphiql',
        'href="//unpkg.com/graphiql',
        "//unpkg.com/graphiql",
    ),
    "backslashes": ("</head>", '<script src="/\\cdn.example/x.js"></script></head>', "/\\cdn.example/x.js"),
    "entity-encoded": (
        "</head>",
        '<img src="&#104;ttps://img.example/x.png"></head>',
        "https://img.example/x.png",
    ),
    "unquoted": ("</head>", "<img src=https://img.example/y.png></head>", "https://img.example/y.png"),
    "new version": ("graphiql@3.8.3/graphiql.min.js", "graphiql@3.9.0/graphiql.min.js", "graphiql@3.9.0"),
    "fetch": ("const fetchURL", 'fetch("https://t.example/hit");\nconst fetchURL', "https://t.example/hit"),
    "dynamic import": (
        "const fetchURL",
        'import("https://esm.example/m.js");\nconst fetchURL',
        "esm.example",
    ),
    "static import": (
        "<script>\n",
        '<script>\nimport x from "https://esm.example/n.js";\n',
        "esm.example/n.js",
    ),
    "css @import": ("body {", '@import "https://fonts.example/f.css";\nbody {', "fonts.example"),
    "css url": ("body {", "body { background: url(//img.example/b.png);", "//img.example/b.png"),
    "websocket": (
        "const fetchURL",
        'new WebSocket("wss://ws.example/s");\nconst fetchURL',
        "wss://ws.example/s",
    ),
    "url in a comment": ("// Parse URL", "// see https://docs.example\n// Parse URL", "https://docs.example"),
    "inside a data: URL": (
        "</head>",
        '<img src="data:image/svg+xml;base64,'
        + base64.b64encode(SVG_WITH_IMAGE.encode()).decode()
        + '"></head>',
        "https://img.example/p.png",
    ),
}


@pytest.mark.parametrize(("old", "new", "reported"), STILL_EXTERNAL.values(), ids=list(STILL_EXTERNAL))
def test_rewrite_refuses_a_page_that_still_loads_from_off_the_server(
    old: str, new: str, reported: str
) -> None:
    assert old in STRAWBERRY_PAGE
    with pytest.raises(OfflineIDEError, match=re.escape(reported)):
        rewrite_graphiql_html(STRAWBERRY_PAGE.replace(old, new, 1), PREFIX)


@pytest.mark.parametrize("replacement", ['integrity="sha384-AAAA"', ""], ids=["changed", "removed"])
def test_rewrite_refuses_an_integrity_the_copy_does_not_match(replacement: str) -> None:
    asset = VENDORED_ASSETS[0]
    page = STRAWBERRY_PAGE.replace(f'integrity="{asset.integrity}"', replacement)
    with pytest.raises(OfflineIDEError, match=re.escape(asset.path)):
        rewrite_graphiql_html(page, PREFIX)


@pytest.mark.parametrize(
    "prefix",
    ["/graphql/static", "https://cdn.example/", "//cdn.example/", "/a b/", '/a"/', "javascript:x/", "/{p}/"],
)
def test_prefix_must_be_a_local_path_ending_in_a_slash(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        offline_graphiql_html(prefix)
    with pytest.raises(ValueError, match="prefix"):
        graphiql_static_routes(prefix)


def test_route_prefix_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="starting with '/'"):
        graphiql_static_routes("graphql/static/")


# ---------------------------------------------------------------- serving, through strawberry's ASGI app


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


class OfflineGraphQL(GraphQL[None, None]):
    """The wiring the app uses: strawberry's view, with the offline page as its IDE."""

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(offline_graphiql_html(PREFIX))


def make_app(*, ide: bool) -> Starlette:
    schema = strawberry.Schema(query=Query)
    view = OfflineGraphQL(schema, graphql_ide="graphiql" if ide else None)
    return Starlette(routes=[*graphiql_static_routes(PREFIX), Route("/graphql", view)])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(make_app(ide=True)) as test_client:
        yield test_client


def test_every_asset_the_served_page_references_is_served(client: TestClient) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = [(url, integrity) for url, integrity in loaded_urls(page.text) if not url.startswith("data:")]
    assert len(assets) == len(VENDORED_ASSETS)

    for url, integrity in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == CONTENT_TYPES[Path(url).suffix]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert sri(response.content) == integrity

    assert client.post("/graphql", json={"query": "{ ping }"}).json() == {"data": {"ping": "pong"}}


def test_head_answers_without_other_methods(client: TestClient) -> None:
    url = PREFIX + VENDORED_ASSETS[0].path
    head = client.head(url)
    assert head.status_code == 200
    assert head.headers["content-type"] == "text/javascript; charset=utf-8"
    assert client.post(url).status_code == 405


NOT_SERVED = [
    "",
    "SOURCES.md",
    "react-18.2.0",
    "react-18.2.0/",
    "react-18.2.0/LICENSE",
    "react-18.2.0/missing.js",
    "REACT-18.2.0/react.production.min.js",
    "react-18.2.0//react.production.min.js",
    "react-18.2.0/react.production.min.js/",
    "react-18.2.0/react.production.min.js%00",
    # each of these names a real file once the dots are resolved
    "graphiql-3.8.3/%2e%2e/SOURCES.md",
    "graphiql-3.8.3/..%2fSOURCES.md",
    "graphiql-3.8.3/%2e%2e/react-18.2.0/react.production.min.js",
    "%2e%2e/%2e%2e/ide.py",
    "..%2f..%2f..%2f..%2f..%2fpyproject.toml",
]


@pytest.mark.parametrize("path", NOT_SERVED)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    assert client.get(PREFIX + path).status_code == 404


def test_traversal_targets_exist_so_the_404s_mean_something() -> None:
    assert (STATIC / "graphiql-3.8.3" / ".." / "SOURCES.md").is_file()
    assert (STATIC / ".." / ".." / "ide.py").is_file()


def test_ide_off_in_production() -> None:
    with TestClient(make_app(ide=False)) as production:
        assert production.get("/graphql", headers={"Accept": "text/html"}).status_code == 404
        assert production.post("/graphql", json={"query": "{ ping }"}).json() == {"data": {"ping": "pong"}}
