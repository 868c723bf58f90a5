"""Node server frameworks (Express, Fastify, Koa, Hono, NestJS, H3, Elysia) and their entry file.

A server framework in ``package.json`` is weak evidence alone (plenty of
front-end apps carry Express for a dev proxy), so these rows score below every
front-end framework, a little more when an entry file really imports the
package. The start command comes from a ``Procfile`` ``web:`` line, then the
``start`` script, then ``node <entry>``. A server of a Bun project (``bun.lock``,
``bun.lockb``, ``"packageManager": "bun@..."`` or ``bunfig.toml``) runs on Bun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autostack_core.interfaces import Detection

from .node_project import NodeProject
from .procfile import procfile_web

ENTRY_BONUS = 0.05
STRIP_TYPES = "--experimental-strip-types"
"""Node.js 22.6+ runs a ``.ts`` file by erasing its types (by default from 23.6 on)."""
TYPESCRIPT = (".ts", ".mts", ".cts")


@dataclass(frozen=True)
class Server:
    """One Node server framework."""

    slug: str
    name: str
    package: str
    confidence: float
    build: str | None = None
    start: str | None = None
    dev: str | None = None
    configs: tuple[str, ...] = ()


SERVERS: tuple[Server, ...] = (
    Server("nestjs", "NestJS", "@nestjs/core", 0.9, build="nest build", start="node dist/main",
           dev="nest start --watch", configs=("nest-cli.json",)),
    Server("express", "Express", "express", 0.65),
    Server("fastify", "Fastify", "fastify", 0.65),
    Server("koa", "Koa", "koa", 0.65),
    Server("hono", "Hono", "hono", 0.65),
    Server("h3", "H3", "h3", 0.65),
    Server("elysia", "Elysia", "elysia", 0.65),
)

_ENTRY_NAMES = ("server", "index", "app", "main")
_ENTRY_FOLDERS = ("", "src/")
_ENTRY_EXTENSIONS = ("js", "mjs", "cjs", "ts", "mts")


def entry_candidates(project: NodeProject) -> list[str]:
    """The files that could start the server, most likely first."""
    candidates = []
    main = project.package.get("main")
    if isinstance(main, str) and main:
        candidates.append(main.removeprefix("./"))
    candidates += [
        f"{folder}{name}.{extension}"
        for folder in _ENTRY_FOLDERS
        for name in _ENTRY_NAMES
        for extension in _ENTRY_EXTENSIONS
    ]
    return candidates


def find_entry(project: NodeProject, package: str) -> tuple[str | None, bool]:
    """The entry file and whether it imports ``package``; the first existing file otherwise."""
    imports = re.compile(rf"""(require\(|from\s+|import\s*\(?)\s*['"]{re.escape(package)}['"/]""")
    first: str | None = None
    for path in entry_candidates(project):
        text = project.tree.read_text(path)
        if text is None:
            continue
        if imports.search(text):
            return path, True
        first = first or path
    return first, False


def typescript_start(project: NodeProject, entry: str) -> tuple[str, str]:
    """The command running the TypeScript ``entry`` on Node.js, and why.

    tsx when the project depends on it; otherwise Node's own type stripping,
    for which the builder picks Node.js 22.6 or later.
    """
    if project.has("tsx"):
        return f"{project.pm.exec} tsx {entry}", f"`{entry}` is TypeScript, run with tsx"
    return (f"node {STRIP_TYPES} {entry}",
            f"`{entry}` is TypeScript and tsx is not a dependency: Node.js strips its types "
            "(22.6 or later, which the build uses)")


def refine_server(project: NodeProject, detection: Detection, package: str) -> None:
    """Find the entry file and the start command of a Node server."""
    entry, imported = find_entry(project, package)
    if imported:
        detection.confidence = min(1.0, detection.confidence + ENTRY_BONUS)
        detection.reasons.append(f"`{entry}` imports `{package}`")
    web = procfile_web(project.tree)
    if detection.framework == "nestjs" and "start:prod" in project.scripts:
        detection.start_command = f"{project.pm.run} start:prod"
        detection.reasons.append("start: the `start:prod` script of package.json")
    elif web:
        detection.start_command = web
        detection.reasons.append("start: the `web` process of `Procfile`")
    elif detection.start_command is None and entry:
        if entry.endswith(TYPESCRIPT):
            detection.start_command, why = typescript_start(project, entry)
            detection.reasons.append(f"start: {why} (no `start` script)")
        else:
            detection.start_command = f"node {entry}"
            detection.reasons.append(f"start: `node {entry}` (no `start` script)")
    if detection.start_command is None:
        detection.reasons.append(
            "no `start` script, Procfile or entry file found: set a start command"
        )
    if detection.dev_command is None and entry and not entry.endswith(TYPESCRIPT):
        detection.dev_command = f"node --watch {entry}"
    if package == "h3" and entry and detection.start_command == f"node {entry}":
        _serve_exported_app(project, detection, entry)
    bun = bun_evidence(project)
    if package == "elysia" and not project.has("@elysiajs/node"):
        _on_bun(project, detection, entry, "Elysia is written for Bun (no `@elysiajs/node` "
                "adapter in package.json)")
    elif bun:
        _on_bun(project, detection, entry, f"runs on Bun: {bun}")
    elif package == "hono" and not project.has("@hono/node-server"):
        detection.reasons.append(
            "Hono needs `@hono/node-server` to run on Node.js; none is in package.json"
        )


def bun_evidence(project: NodeProject) -> str | None:
    """Why the project runs on Bun (its lockfile, ``packageManager``, ``bunfig.toml``), or None."""
    if project.pm.name == "bun":
        return f"package manager bun ({project.pm.reason})"
    if project.tree.exists("bunfig.toml"):
        return "`bunfig.toml` present"
    return None


def _serve_exported_app(project: NodeProject, detection: Detection, entry: str) -> None:
    """An H3 entry that only exports its app runs under srvx, H3's own server.

    H3 2 apps ``export default app`` (a fetch handler) and leave listening to
    the host, as Vercel's H3 runtime does; srvx serves such a file on ``PORT``.
    """
    text = project.tree.read_text(entry) or ""
    if re.search(r"\b(serve|listen|createServer)\s*\(", text):
        return
    detection.start_command = f"{project.pm.exec} srvx --prod {entry}"
    detection.reasons = [r for r in detection.reasons if not r.startswith("start: ")]
    detection.reasons.append(f"start: `{entry}` exports the app without listening; srvx serves it")


def _on_bun(project: NodeProject, detection: Detection, entry: str | None, why: str) -> None:
    """The server runs on Bun, which runs TypeScript itself: ``bun run <entry>``."""
    detection.runtime = "bun"
    detection.reasons = [r for r in detection.reasons if "tsx" not in r]
    if "start" not in project.scripts and entry:
        detection.start_command = f"bun run {entry}"
        detection.reasons = [r for r in detection.reasons if not r.startswith("start: ")]
        detection.reasons.append(f"start: `bun run {entry}` (no `start` script)")
    if detection.dev_command is None and entry:
        detection.dev_command = f"bun --watch {entry}"
    detection.reasons.append(why)
