"""Translate a project's routing files into Build Output API v3 ``routes``.

Pure functions: each reader turns one file's contents into a :class:`RouteSet`
(``vercel.json`` here; ``netlify.toml``, Netlify's ``_redirects`` and ``_headers``
in :mod:`.netlify_routes`), and :func:`build_config` assembles the ``config.json``
in Vercel's order:

1. legacy ``routes`` from ``vercel.json``, as written;
2. header routes (``continue: true``), hashed-asset caching first;
3. redirects (clean URLs, trailing slash, then the project's own, as Vercel
   orders them) and forced rewrites, checked before any file;
4. ``{"handle": "filesystem"}``: an existing file wins from here on;
5. clean URLs (``/about`` serves ``about.html``), then rewrites, all with
   ``check: true`` (taken only when the destination exists, else the next
   one is tried), then the SPA fallback to ``/index.html``;
6. ``{"handle": "error"}`` and the custom ``/404.html`` with status 404.

Source patterns use path-to-regexp syntax (``/blog/:slug``, ``/:path*``,
``/(.*)``) and Netlify's splat (``/news/*`` with ``:splat`` in the target).
Every ``src`` is an anchored regular expression in the common subset of
Python's ``re`` and Go's RE2 (no look-around), so the edge can use it as is;
destinations refer to captures as ``$1``, ``$2``...

Header values and destinations are kept as written, braces included: the
edge serves them literally (a ``{"group": ...}`` in ``Report-To`` is JSON, a
``{env.HOME}`` is text, never the server's). What cannot be served as
written is refused here, naming the file and line or rule: a header name
that is not an HTTP token, a backslash right before a capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Route = dict[str, Any]

IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_SEGMENT = "[^/]+?"
# Build tools put a content hash in these names: Vite `assets/index-BxXrZ1aT.js`,
# CRA `static/js/main.0a1b2c3d.js`, Next.js `_next/static/`, Astro, SvelteKit.
HASHED_ASSET_SRC = (
    r"^/(?:_next/static/.+|_app/immutable/.+|_astro/.+"
    r"|(?:.+/)?[^/]+[.-][A-Za-z0-9_-]{8,}\.(?:js|mjs|css|map|woff2?|ttf|otf|eot"
    r"|png|jpe?g|gif|svg|webp|avif|ico|wasm))$"
)
_HASHED_ASSET = re.compile(HASHED_ASSET_SRC)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# RFC 9110 token: what an HTTP field name may be (never a brace).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_ESCAPED_CAPTURE = re.compile(r"\\\$(?:\d|[A-Za-z_])")


class RouteConfigError(ValueError):
    """A routing file that cannot be translated; the message names the file and rule."""


@dataclass
class RouteSet:
    """Routes from one or more files, by the phase they belong to."""

    routes: list[Route] = field(default_factory=list)
    headers: list[Route] = field(default_factory=list)
    redirects: list[Route] = field(default_factory=list)
    rewrites: list[Route] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    images: dict[str, Any] | None = None
    """``vercel.json``'s ``images``, copied to ``config.json`` for the image endpoints."""

    def __add__(self, other: RouteSet) -> RouteSet:
        return RouteSet(
            self.routes + other.routes,
            self.headers + other.headers,
            self.redirects + other.redirects,
            self.rewrites + other.rewrites,
            self.warnings + other.warnings,
            self.images if self.images is not None else other.images,
        )


# -- patterns --------------------------------------------------------------


def source_to_regex(source: str, *, splat: bool = False) -> tuple[str, list[str]]:
    """Turn a path pattern into an anchored regex and the names of its captures.

    Supports ``:name``, ``:name(regex)``, the modifiers ``?``, ``*`` and ``+``,
    unnamed ``(regex)`` groups (named ``"1"``, ``"2"``...), and with ``splat``
    Netlify's ``*`` (named ``splat``). Matching is exact: no implicit trailing
    slash, case-sensitive, as on Vercel.
    """
    if not source.startswith("/"):
        raise RouteConfigError("a source path must start with '/'")
    out: list[str] = []
    names: list[str] = []
    i = 0
    while i < len(source):
        char = source[i]
        prefix = ""
        if char == "/" and i + 1 < len(source) and source[i + 1] in ":(*":
            prefix, i = "/", i + 1
            char = source[i]
        if char == ":" and (match := _NAME.match(source, i + 1)):
            name, i = match.group(), match.end()
            pattern, i = _group_pattern(source, i)
        elif char == "(":
            name = str(len(names) + 1)
            pattern, i = _group_pattern(source, i)
        elif char == "*" and splat:
            out.append(f"(?:{re.escape(prefix)}(.*))?" if prefix else "(.*)")
            names.append("splat")
            i += 1
            continue
        elif char == "\\" and i + 1 < len(source):
            out.append(re.escape(prefix + source[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(prefix + char))
            i += 1
            continue
        modifier = source[i] if i < len(source) and source[i] in "?*+" else ""
        i += len(modifier)
        out.append(_param_regex(re.escape(prefix), pattern or DEFAULT_SEGMENT, modifier))
        names.append(name)
    return "^" + "".join(out) + "$", names


def _group_pattern(source: str, i: int) -> tuple[str, int]:
    """Read a balanced ``(...)`` at ``i``; return its inside (or "") and the next index."""
    if i >= len(source) or source[i] != "(":
        return "", i
    depth, start = 0, i + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "(":
            if depth and not source.startswith("(?", i):
                raise RouteConfigError("capturing groups are not allowed inside a group")
            depth += 1
        elif source[i] == ")":
            depth -= 1
            if depth == 0:
                return source[start:i], i + 1
        i += 1
    raise RouteConfigError("unbalanced '(' in a source path")


def _param_regex(prefix: str, pattern: str, modifier: str) -> str:
    if modifier == "?":
        return f"(?:{prefix}({pattern}))?"
    repeated = f"((?:{pattern})(?:{prefix}(?:{pattern}))*)"
    if modifier == "*":
        return f"(?:{prefix}{repeated})?"
    if modifier == "+":
        return f"{prefix}{repeated}"
    return f"{prefix}({pattern})"


def destination_to_dest(destination: str, names: list[str]) -> str:
    """Replace ``:name`` placeholders (and ``$name``) with ``$<index>`` of the captures."""
    index = {name: position + 1 for position, name in enumerate(names)}

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"${index[name]}" if name in index else match.group(0)

    return re.sub(r"([:$])([A-Za-z_][A-Za-z0-9_]*)[*+?]?", replace, destination)


def header_values(values: Mapping[Any, Any], where: str) -> dict[str, str]:
    """``values`` as strings, each checked by :func:`check_header_name` and :func:`check_value`."""
    return {check_header_name(str(name), where): check_value(str(value), where)
            for name, value in values.items()}


def check_header_name(name: str, where: str) -> str:
    """Refuse a header name that is not an HTTP token (the edge could not serve it)."""
    if not _HEADER_NAME.fullmatch(name):
        raise RouteConfigError(f"{where}: {name!r} is not a valid header name (letters, "
                               "digits and !#$%&'*+-.^_`|~ only)")
    return name


def check_value(text: str, where: str) -> str:
    """Refuse ``\\$1``: the edge could serve neither the backslash nor the capture after it."""
    if _ESCAPED_CAPTURE.search(text):
        raise RouteConfigError(f"{where}: a backslash right before a capture cannot be served "
                               f"in {text!r}")
    return text


def matches(route: Route, path: str) -> re.Match[str] | None:
    """Whether a route's ``src`` matches a request path (for tests and previews)."""
    return re.match(route["src"], path)


# -- vercel.json -----------------------------------------------------------


def from_vercel_json(config: Mapping[str, Any]) -> RouteSet:
    """Routes from a ``vercel.json``: redirects, rewrites, headers, cleanUrls, trailingSlash.

    Legacy ``routes`` are already in the Build Output format and are kept as is.
    """
    result = RouteSet(routes=[dict(route) for route in config.get("routes") or []])
    if isinstance(config.get("images"), dict):
        result.images = dict(config["images"])
    for index, route in enumerate(result.routes):
        for name in route.get("headers") or {}:
            check_header_name(str(name), f"vercel.json routes[{index}]")
    for index, rule in enumerate(config.get("headers") or []):
        where = f"vercel.json headers[{index}]"
        src, names = _source(rule, where)
        # As on Vercel, a value may use the source's segments (":slug").
        values = header_values({item["key"]: destination_to_dest(str(item["value"]), names)
                                for item in rule.get("headers", [])}, where)
        result.headers.append(_conditions({"src": src, "headers": values, "continue": True}, rule))
    trailing_slash = config.get("trailingSlash")
    if config.get("cleanUrls"):
        result.redirects += clean_url_redirects(trailing_slash is True)
        # Served only when the .html file exists (check): later rewrites still apply.
        result.rewrites.append({"src": r"^/(.+?)/?$", "dest": "/$1.html", "check": True})
    if trailing_slash is not None:
        result.redirects += trailing_slash_redirects(bool(trailing_slash))
    for index, rule in enumerate(config.get("redirects") or []):
        where = f"vercel.json redirects[{index}]"
        src, names = _source(rule, where)
        status = rule.get("statusCode") or (308 if rule.get("permanent", True) else 307)
        location = check_value(destination_to_dest(rule["destination"], names), where)
        route = {"src": src, "headers": {"Location": location}, "status": status}
        result.redirects.append(_conditions(route, rule))
    for index, rule in enumerate(config.get("rewrites") or []):
        where = f"vercel.json rewrites[{index}]"
        src, names = _source(rule, where)
        dest = check_value(destination_to_dest(rule["destination"], names), where)
        route = {"src": src, "dest": dest, "check": True}
        if rule.get("statusCode"):
            route["status"] = int(rule["statusCode"])
        if config.get("cleanUrls") and (clean := _clean_destination(dest)):
            # With cleanUrls, /docs/start names docs/start.html on Vercel's filesystem.
            result.rewrites.append(_conditions({**route, "dest": clean}, rule))
        result.rewrites.append(_conditions(route, rule))
    return result


def _clean_destination(dest: str) -> str | None:
    """``/docs/start.html`` for a local ``/docs/start`` (query kept); ``None`` when it has an
    extension, ends with a slash or is a URL."""
    path, question, query = dest.partition("?")
    if not path.startswith("/") or path.endswith("/") or "." in path.rsplit("/", 1)[-1]:
        return None
    return f"{path}.html{question}{query}"


def _source(rule: Mapping[str, Any], where: str, *, splat: bool = False) -> tuple[str, list[str]]:
    source = rule.get("source")
    if not isinstance(source, str):
        raise RouteConfigError(f"{where}: every rule needs a 'source' path")
    try:
        return source_to_regex(source, splat=splat)
    except RouteConfigError as exc:
        raise RouteConfigError(f"{where}: {exc}") from None


def _conditions(route: Route, rule: Mapping[str, Any]) -> Route:
    for key in ("has", "missing"):
        if rule.get(key):
            route[key] = rule[key]
    return route


def clean_url_redirects(trailing_slash: bool = False) -> list[Route]:
    """``/about.html`` and ``/docs/index`` redirect (308) to ``/about`` and ``/docs``
    (``/about/`` and ``/docs/`` with ``trailingSlash: true``), as on Vercel."""
    location = "/$1/" if trailing_slash else "/$1"
    return [
        {"src": r"^/(?:(.+)/)?index(?:\.html)?/?$", "headers": {"Location": location},
         "status": 308},
        {"src": r"^/(.*)\.html/?$", "headers": {"Location": location}, "status": 308},
    ]


def trailing_slash_redirects(trailing_slash: bool) -> list[Route]:
    """Add (``True``) or remove (``False``) a trailing slash with a 308 redirect.

    As on Vercel, adding one leaves ``/.well-known/`` alone and never applies
    to a file name with an extension (``/style.css/`` loses its slash instead).
    """
    if trailing_slash:
        return [
            {"src": r"^/\.well-known(?:/.*)?$"},
            {"src": r"^/((?:[^/]+/)*[^/.]+)$", "headers": {"Location": "/$1/"}, "status": 308},
            {"src": r"^/((?:[^/]+/)*[^/]+\.\w+)/$", "headers": {"Location": "/$1"},
             "status": 308},
        ]
    return [{"src": r"^/(.*)/$", "headers": {"Location": "/$1"}, "status": 308}]


# -- assembling config.json --------------------------------------------------


def immutable_assets_route(paths: Iterable[str]) -> Route | None:
    """A long-cache header route for content-hashed assets, if the output has any."""
    if any(_HASHED_ASSET.match("/" + path) for path in paths):
        return {"src": HASHED_ASSET_SRC, "headers": {"Cache-Control": IMMUTABLE}, "continue": True}
    return None


def build_config(
    rules: RouteSet, *, files: Iterable[str], spa_fallback: bool = False
) -> dict[str, Any]:
    """The ``config.json`` for a static output whose files are ``files`` (relative paths)."""
    paths = set(files)
    assets = immutable_assets_route(paths)
    routes: list[Route] = [*rules.routes, *([assets] if assets else []), *rules.headers]
    routes += rules.redirects
    routes.append({"handle": "filesystem"})
    routes += rules.rewrites
    if spa_fallback and "index.html" in paths:
        routes.append({"src": "^/.*$", "dest": "/index.html"})
    if "404.html" in paths:
        routes.append({"handle": "error"})
        routes.append({"src": "^/.*$", "dest": "/404.html", "status": 404})
    config: dict[str, Any] = {"version": 3, "routes": routes}
    if rules.images is not None:
        config["images"] = rules.images
    return config
