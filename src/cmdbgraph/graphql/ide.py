"""Offline GraphiQL: strawberry's own IDE page, with its CDN assets served by this package (issue 6).

strawberry's GraphiQL page loads React, js-cookie, GraphiQL and GraphiQL's explorer plugin from
unpkg. Copies of those exact files live under ``static/graphiql/``. They are taken byte for byte
from the npm tarballs, and ``static/graphiql/SOURCES.md`` records where each came from and its
licence. :func:`offline_graphiql_html` rewrites each CDN URL in the page to its copy and keeps the
page's ``integrity`` attributes, which still match. :func:`graphiql_static_routes` serves exactly
those copies. The rest of the page is unchanged.

The rewrite raises :class:`OfflineIDEError` for a page that would still load anything from off
the server. A strawberry upgrade that adds an asset, moves one, or changes an ``integrity`` value
therefore fails loudly here, in the tests and at start-up, and the IDE cannot quietly go back to
a CDN.

Wiring, in the app (production turns the IDE off with ``graphql_ide=None``)::

    IDE_HTML = offline_graphiql_html("/graphql/static/")

    class CmdbGraphQL(GraphQL[Context, None]):
        async def render_graphql_ide(self, request: Request) -> Response:
            return HTMLResponse(IDE_HTML)

    routes = [*graphiql_static_routes("/graphql/static/"), Route("/graphql", CmdbGraphQL(schema))]
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib.resources import files
from typing import Final
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from strawberry.http.ides import get_graphql_ide_html

JAVASCRIPT: Final = "text/javascript; charset=utf-8"
CSS: Final = "text/css; charset=utf-8"
# every served path names a package version, so a file under one path never changes
CACHE_CONTROL: Final = "public, max-age=31536000, immutable"


class OfflineIDEError(RuntimeError):
    """The IDE page would load something from off the server, or a vendored copy is missing or wrong."""


@dataclass(frozen=True, slots=True)
class VendoredAsset:
    """One file that strawberry's GraphiQL page loads, and its copy under ``static/graphiql/``."""

    url: str
    """The URL exactly as strawberry's page writes it."""
    path: str
    """The copy's ``/``-separated path under ``static/graphiql/``; served as ``prefix + path``."""
    integrity: str
    """The page's Subresource Integrity value (``sha384-<base64>``), which the copy matches."""
    media_type: str
    """The ``Content-Type`` the copy is served with."""


VENDORED_ASSETS: Final[tuple[VendoredAsset, ...]] = (
    VendoredAsset(
        "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
        "react-18.2.0/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
        JAVASCRIPT,
    ),
    VendoredAsset(
        "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
        "react-dom-18.2.0/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
        JAVASCRIPT,
    ),
    VendoredAsset(
        "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js",
        "js-cookie-3.0.5/js.cookie.min.js",
        "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
        JAVASCRIPT,
    ),
    VendoredAsset(
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
        "graphiql-3.8.3/graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
        CSS,
    ),
    VendoredAsset(
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css",
        "graphiql-plugin-explorer-1.0.2/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
        CSS,
    ),
    VendoredAsset(
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "graphiql-3.8.3/graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
        JAVASCRIPT,
    ),
    VendoredAsset(
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "graphiql-plugin-explorer-1.0.2/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
        JAVASCRIPT,
    ),
)


def offline_graphiql_html(static_prefix: str) -> str:
    """strawberry's GraphiQL page, loading every asset from ``static_prefix + asset.path``.

    ``static_prefix`` is where :func:`graphiql_static_routes` serves the copies. It is normally an
    absolute path such as ``"/graphql/static/"``, and it must end with ``/``. The result is the
    same for the same strawberry version, so compute it once at start-up. Raises
    :class:`OfflineIDEError` when the page would still load anything from off the server (see
    :func:`rewrite_graphiql_html`), and ``ValueError`` for a prefix that is not a local path.
    """
    return rewrite_graphiql_html(get_graphql_ide_html("graphiql"), static_prefix)


def rewrite_graphiql_html(page: str, static_prefix: str) -> str:
    """``page`` with every ``src``/``href`` naming a :data:`VENDORED_ASSETS` URL pointed at its copy.

    Nothing else changes. The result is then checked, and :class:`OfflineIDEError` lists every
    problem if any of these holds:

    - a rewritten tag's ``integrity`` is missing or differs from its copy's;
    - an absolute (``scheme://``) or protocol-relative (``//host``) URL remains in a
      ``src``/``href``-like attribute, in a ``url(...)``, ``@import``, ``import``, ``fetch(...)``
      or in a loader call (``new Worker(...)`` and the like). This also covers such URLs inside
      ``data:`` URLs, after decoding them;
    - any other ``http(s)://`` or ``ws(s)://`` text remains anywhere, except as an XML namespace
      name (``xmlns="http://www.w3.org/2000/svg"``), which is never fetched.
    """
    _check_prefix(static_prefix, argument="static_prefix")
    by_url = {asset.url: asset for asset in VENDORED_ASSETS}

    def to_local(match: re.Match[str]) -> str:
        asset = by_url.get(match["url"])
        if asset is None:
            return match[0]
        return f"{match['lead']}{match['quote']}{static_prefix}{asset.path}{match['quote']}"

    rewritten = _QUOTED_SRC_HREF.sub(to_local, page)
    problems = [*_integrity_problems(rewritten, static_prefix), *_external_references(rewritten, "page")]
    if problems:
        listed = "\n".join(f"- {problem}" for problem in problems)
        raise OfflineIDEError(
            "strawberry's GraphiQL page no longer matches the vendored assets: served as it is, it "
            "would load from off the server or fail its integrity checks. Vendor the new assets "
            f"(see cmdbgraph/graphql/static/graphiql/SOURCES.md) and update VENDORED_ASSETS:\n{listed}"
        )
    return rewritten


def graphiql_static_routes(prefix: str) -> list[BaseRoute]:
    """Routes serving each of :data:`VENDORED_ASSETS` at ``prefix + asset.path``, and nothing else.

    ``prefix`` is a route path that starts and ends with ``/``, for example ``"/graphql/static/"``.
    GET and HEAD answer with the file's bytes, its media type, ``Cache-Control: public,
    max-age=31536000, immutable`` and ``X-Content-Type-Options: nosniff``. Any other path under
    the prefix gives 404. That covers the folder itself, ``SOURCES.md``, the licence files and
    ``..`` or encoded-slash tricks, because a path is looked up in a fixed table and never joined
    onto a directory. The copies are read and checked against their SRI hashes once, here.
    :class:`OfflineIDEError` is raised at start-up if one is missing (package data not installed)
    or altered.
    """
    _check_prefix(prefix, argument="prefix")
    if not prefix.startswith("/"):
        raise ValueError(f"prefix must be a route path starting with '/', got {prefix!r}")
    served = {asset.path: (_read_vendored(asset), asset.media_type) for asset in VENDORED_ASSETS}
    return [Route(prefix + "{path:path}", _serve_from(served), methods=["GET"], name="graphiql_static")]


# ---------------------------------------------------------------- serving

_STATIC_HEADERS: Final = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}


def _serve_from(served: Mapping[str, tuple[bytes, str]]) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        found = served.get(request.path_params["path"])
        if found is None:
            raise HTTPException(status_code=404)
        body, media_type = found
        return Response(body, media_type=media_type, headers=_STATIC_HEADERS)

    return serve


def _read_vendored(asset: VendoredAsset) -> bytes:
    resource = files("cmdbgraph.graphql").joinpath("static").joinpath("graphiql")
    for part in asset.path.split("/"):
        resource = resource.joinpath(part)
    try:
        body = resource.read_bytes()
    except FileNotFoundError as exc:
        raise OfflineIDEError(
            f"the vendored GraphiQL asset {asset.path} is missing; are cmdbgraph's package data "
            "(graphql/static/graphiql/**) installed?"
        ) from exc
    actual = _subresource_integrity(body)
    if actual != asset.integrity:
        raise OfflineIDEError(f"the vendored GraphiQL asset {asset.path} is {actual}, not {asset.integrity}")
    return body


def _subresource_integrity(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


# ---------------------------------------------------------------- checking a page

# a URL with an authority: ``scheme://host``, or protocol-relative ``//host``; browsers read a
# backslash as a slash here
_EXTERNAL: Final = r"(?:[a-z][a-z0-9+.\-]*:)?[\\/]{2}"
_EXTERNAL_START: Final = re.compile(_EXTERNAL, re.IGNORECASE)
_SCHEME: Final = re.compile(r"[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_URL_REST: Final = r"[^\s\"'`<>()\\]*"

# the page's quoted src/href attributes, which the rewrite may point at a copy
_QUOTED_SRC_HREF: Final = re.compile(
    r"""(?P<lead>\b(?:src|href)\s*=\s*)(?P<quote>["'])(?P<url>.*?)(?P=quote)""", re.IGNORECASE | re.DOTALL
)

# what loads a URL, in markup, CSS or JavaScript; ``%22``/``%27`` are quotes inside data: URLs
_QUOTE: Final = r"""(?:\\?["'`]|%22|%27)"""
_LOADS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (what, re.compile(pattern + rf"(?P<url>{_EXTERNAL}{_URL_REST})", re.IGNORECASE))
    for what, pattern in (
        ("a src/href", rf"\b(?:src|href|srcset|imagesrcset|poster|action|formaction)\s*=\s*{_QUOTE}?\s*"),
        ("a url(...)", rf"\burl\(\s*{_QUOTE}?\s*"),
        ("an @import", rf"@import\s+(?:url\(\s*)?{_QUOTE}?\s*"),
        ("an import", rf"\bimport\s*\(\s*{_QUOTE}\s*"),
        ("an import", rf"\b(?:import|from)\s*{_QUOTE}\s*"),
        ("a fetch(...)", rf"\bfetch\s*\(\s*{_QUOTE}\s*"),
        (
            "a loader call",
            rf"\b(?:importScripts|Worker|SharedWorker|EventSource|WebSocket|URL|sendBeacon|open)"
            rf"\s*\((?:\s*{_QUOTE}[A-Za-z]*{_QUOTE}\s*,)?\s*{_QUOTE}\s*",
        ),
    )
)

# any absolute web URL at all; only XML namespace names may remain
_ANY_WEB_URL: Final = re.compile(rf"(?:https?|wss?):[\\/]{{2}}{_URL_REST}", re.IGNORECASE)
_NAMESPACE_LEAD: Final = re.compile(r"""xmlns(?::[\w.\-]+)?\s*=\s*(?:["']|%22|%27)?$""", re.IGNORECASE)

# attributes whose value the browser fetches (a single URL), and those holding several
_URL_ATTRIBUTES: Final = frozenset(
    {"src", "href", "xlink:href", "poster", "data", "action", "formaction", "background", "manifest"}
)
_URL_LIST_ATTRIBUTES: Final = frozenset({"srcset", "imagesrcset", "ping"})


@dataclass(frozen=True, slots=True)
class _Tag:
    name: str
    attributes: dict[str, str]
    line: int


class _TagCollector(HTMLParser):
    """Every start tag of a document, with attribute values unescaped as the browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append(_Tag(tag, attributes, self.getpos()[0]))


def _tags(document: str) -> list[_Tag]:
    collector = _TagCollector()
    collector.feed(document)
    collector.close()
    return collector.tags


def _integrity_problems(page: str, static_prefix: str) -> Iterator[str]:
    by_local = {static_prefix + asset.path: asset for asset in VENDORED_ASSETS}
    for tag in _tags(page):
        for attribute in ("src", "href"):
            asset = by_local.get(tag.attributes.get(attribute, ""))
            if asset is None:
                continue
            integrity = tag.attributes.get("integrity")
            if integrity != asset.integrity:
                yield (
                    f"<{tag.name} {attribute}> on line {tag.line} loads {asset.url} with integrity "
                    f"{integrity!r}, but the vendored copy {asset.path} is {asset.integrity}"
                )


def _external_references(document: str, where: str) -> list[str]:
    """One line per distinct off-server URL that ``document`` loads or mentions."""
    return [f"{url} in {place}" for url, place in _external_urls(document, where).items()]


def _external_urls(document: str, where: str) -> dict[str, str]:
    """Each off-server URL in ``document`` (as written), mapped to where it first occurs."""
    found: dict[str, str] = {}
    for tag in _tags(document):
        for name, value in tag.attributes.items():
            if name not in _URL_ATTRIBUTES and name not in _URL_LIST_ATTRIBUTES:
                continue
            place = f"<{tag.name} {name}> on line {tag.line} of the {where}"
            candidates = re.split(r"[\s,]+", value) if name in _URL_LIST_ATTRIBUTES else [value]
            for candidate in (c.strip() for c in candidates):
                if _EXTERNAL_START.match(candidate):
                    found.setdefault(candidate, place)
                elif candidate[:5].lower() == "data:":
                    for url, inner in _data_url_references(candidate, place).items():
                        found.setdefault(url, inner)
    for what, pattern in _LOADS:
        for match in pattern.finditer(document):
            line = _line(document, match.start("url"))
            found.setdefault(match["url"], f"{what} on line {line} of the {where}")
    for match in _ANY_WEB_URL.finditer(document):
        if not _NAMESPACE_LEAD.search(document[max(0, match.start() - 40) : match.start()]):
            found.setdefault(match[0], f"text on line {_line(document, match.start())} of the {where}")
    return found


def _data_url_references(url: str, place: str) -> dict[str, str]:
    """The off-server URLs inside a ``data:`` URL's decoded content; the URL itself if undecodable."""
    header, comma, payload = url[5:].partition(",")
    try:
        if not comma:
            raise ValueError("no comma")
        content = unquote_to_bytes(payload)
        if header.lower().endswith(";base64"):
            content = base64.b64decode(b"".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        return {url[:80]: f"{place}: a data: URL that does not decode, so cannot be checked"}
    return _external_urls(content.decode("utf-8", errors="replace"), f"data: URL in {place}")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


_PREFIX_FORBIDDEN: Final = re.compile(r"""[\s"'`<>\\{}?#%]|[\x00-\x1f\x7f]""")


def _check_prefix(prefix: str, *, argument: str) -> None:
    if not prefix.endswith("/"):
        raise ValueError(f"{argument} must end with '/', got {prefix!r}")
    if _EXTERNAL_START.match(prefix) or _SCHEME.match(prefix):
        raise ValueError(f"{argument} must be a path on this server, not a URL, got {prefix!r}")
    if _PREFIX_FORBIDDEN.search(prefix):
        raise ValueError(
            f"{argument} may not hold quotes, spaces, backslashes, braces, ? # or %, got {prefix!r}"
        )
