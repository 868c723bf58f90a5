"""Root ``middleware.js`` of a project that is not Next.js: an edge function run before routing.

As on Vercel (for every framework), ``middleware.js`` or ``middleware.mjs`` at
the project root (or in ``src/``) runs for every request its
``export const config = { matcher: ... }`` matches (every request without
one). The file becomes the Build Output function ``functions/_middleware.func``
(``"runtime": "edge"``) and ``config.json`` gets the route
``{"src": <matcher>, "middlewarePath": "_middleware", "continue": true}``
after the redirects and headers, before the filesystem: Next.js's order. How
the edge runs it: ``docs/middleware.md``.

``config.matcher`` is read from the source without running it (like Vercel):
a string or an array of strings, each a path pattern (``/about/:path*``) or
``/((?!api|_next/static).*)`` (every path except those prefixes).
Middleware in TypeScript or JSX, or importing packages or other files, is
bundled with esbuild in the build sandbox, as Vercel bundles it.
A Next.js app keeps its own middleware (its server runs it), so this builder
step is for static builds only.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext

from .routes_config import RouteConfigError, source_to_regex
from .steps import write_json

NAMES = ("middleware.js", "middleware.mjs", "middleware.ts", "middleware.mts",
         "middleware.jsx", "middleware.tsx")
FUNCTION = "_middleware"
ENTRYPOINT = "index.mjs"
MAX_BYTES = 1024 * 1024
"""The middleware's source, and its bundle: Vercel's limit for a bundle is 1 MB (Hobby)."""
ESBUILD = "esbuild@0.28.2"
"""The bundler, from the npm registry, as Vercel bundles middleware with esbuild."""
BUNDLE = ".autostack-middleware.mjs"
"""Where the bundle is written in the workspace (the sandbox writes only there)."""
_PROVIDED = ("@vercel/edge",)
"""Modules the edge worker provides itself (edge_vercel.mjs)."""
_IMPORT = re.compile(r"""(?:\bimport|\bexport)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]"""
                     r"""|\bimport\s*\(?\s*['"]([^'"]+)['"]""")

_CONFIG = re.compile(r"export\s+const\s+config\s*=\s*\{(.*?)\}\s*;?\s*(?:$|\n)", re.S)
_MATCHER = re.compile(r"\bmatcher\s*:\s*")
_STRING = re.compile(r"""'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\$]|\\.)*)`""")
_EXCEPT = re.compile(r"^/\(\(\?!([^()]*)\)\.\*\)$")


def find_middleware(workspace: Path) -> str | None:
    """The project's middleware file (relative), if any."""
    for folder in ("", "src/"):
        for name in NAMES:
            if user_files.is_file(workspace, folder + name):
                return folder + name
    return None


def matchers(source: str, where: str) -> list[str]:
    """The path patterns of ``export const config = { matcher }`` (``["/:path*"]`` without)."""
    config = _CONFIG.search(source)
    found = _MATCHER.search(config.group(1)) if config else None
    if config is None or found is None:
        return ["/:path*"]
    text = config.group(1)[found.end():].lstrip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise BuildError(f"{where}: config.matcher is not a list of strings")
        items, rest = list(_STRING.finditer(text[1:end])), _STRING.sub("", text[1:end])
        if not items or rest.replace(",", "").strip():
            raise BuildError(f"{where}: config.matcher must be a string or a list of strings "
                             "(written literally, not computed)")
        return [_unquote(item) for item in items]
    item = _STRING.match(text)
    if item is None:
        raise BuildError(f"{where}: config.matcher must be a string or a list of strings")
    return [_unquote(item)]


def _unquote(match: re.Match[str]) -> str:
    raw = next(group for group in match.groups() if group is not None)
    return str(json.loads('"' + raw.replace('"', '\\"').replace("\\'", "'") + '"'))


def matcher_src(patterns: list[str], where: str) -> str:
    """One ``src`` regular expression matching any of ``patterns``.

    ``/((?!a|b).*)`` (every path but those starting ``/a`` or ``/b``) is kept as
    a leading lookahead, which the edge runs as a ``not`` matcher; other
    lookarounds cannot run at the edge (RE2) and fail the build.
    """
    regexes: list[str] = []
    for pattern in patterns:
        excluded = _EXCEPT.match(pattern)
        if excluded:
            if len(patterns) > 1:
                raise BuildError(f"{where}: a matcher like {pattern} must be the only one")
            alternatives = "|".join("/" + alt for alt in excluded.group(1).split("|"))
            return f"^(?!{alternatives})/.*$"
        try:
            regex, _ = source_to_regex(pattern)
        except RouteConfigError as error:
            raise BuildError(f"{where}: matcher {pattern!r}: {error}") from error
        if "(?=" in regex or "(?!" in regex or "(?<" in regex:
            raise BuildError(f"{where}: matcher {pattern!r}: lookarounds cannot run at the edge")
        regexes.append(regex.removeprefix("^").removesuffix("$"))
    return "^(?:" + "|".join(regexes) + ")$" if len(regexes) > 1 else f"^{regexes[0]}$"


def needs_bundle(relative: str, source: str) -> bool:
    """Whether the middleware must be bundled: TypeScript or JSX, or it imports a module
    the edge worker does not provide (a package, another file of the project)."""
    if not relative.endswith((".js", ".mjs")):
        return True
    imported = (first or second for first, second in _IMPORT.findall(source))
    return any(name not in _PROVIDED and not name.startswith("node:") for name in imported)


async def bundle(context: BuildContext, relative: str) -> bytes:
    """The middleware and what it imports as one ES module, bundled in the sandbox."""
    command = " ".join([
        "npx", "--yes", ESBUILD, shlex.quote(relative), "--bundle", "--format=esm",
        "--platform=neutral", "--main-fields=module,main",
        "--conditions=edge-light,worker,browser", "--external:node:*",
        *(f"--external:{name}" for name in _PROVIDED),
        f"--outfile={BUNDLE}", "--log-level=warning"])
    await context.log(f"middleware: bundling {relative} with {ESBUILD}")
    if await context.run(command, step="middleware") != 0:
        raise BuildError(f"{relative}: bundling the middleware failed (see the log above)")
    data = user_files.read_bytes(context.workspace, BUNDLE, limit=MAX_BYTES)
    if data is None:
        raise BuildError(f"{relative}: the bundled middleware is over {MAX_BYTES} bytes")
    return data


def with_middleware(config: dict[str, Any], src: str) -> dict[str, Any]:
    """``config`` with the middleware route before its first phase (after redirects, headers)."""
    routes = list(config.get("routes") or [])
    at = next((i for i, route in enumerate(routes) if "handle" in route), len(routes))
    route = {"src": src, "middlewarePath": FUNCTION, "continue": True}
    return {**config, "routes": [*routes[:at], route, *routes[at:]]}


async def build_middleware(context: BuildContext) -> bool:
    """Turn the project's middleware into an edge function and its route; whether it had one."""
    workspace, output = context.workspace, context.output_dir
    relative = find_middleware(workspace)
    if relative is None:
        return False
    data = user_files.read_bytes(workspace, relative, limit=MAX_BYTES)
    if data is None:
        return False
    source = data.decode("utf-8", errors="replace")
    src = matcher_src(matchers(source, relative), relative)
    folder = f"functions/{FUNCTION}.func"
    code = await bundle(context, relative) if needs_bundle(relative, source) else data
    user_file_writes.write_bytes(output, f"{folder}/{ENTRYPOINT}", code)
    write_json(output, f"{folder}/.vc-config.json",
               {"runtime": "edge", "entrypoint": ENTRYPOINT, "name": "middleware"})
    config = json.loads(user_files.read_text(output, "config.json") or "{}")
    write_json(output, "config.json", with_middleware(config, src))
    published = PurePosixPath("static") / relative
    if user_files.is_file(output, published) and \
            user_files.read_bytes(output, published, limit=MAX_BYTES) == data:
        user_file_writes.remove(output, published)  # served at no address, as on Vercel
    await context.log(f"middleware: {relative} runs before routing for {src}")
    return True
