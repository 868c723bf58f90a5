"""Vercel-style functions: files under ``api/`` become ``functions/<path>.func``.

``api/hello.js`` is served at ``/api/hello`` from ``functions/api/hello.func``,
whose ``.vc-config.json`` names the runtime and the handler file, as in
Vercel's Build Output API. Each ``.func`` holds its handler at the same path as
in the project, the helper files of ``api/`` (names starting with ``_``) and
``package.json`` (for ``"type": "module"``). Packages are shared by all
functions of a runtime: the production dependencies of ``package.json`` in
``functions/node_modules`` (Node's resolution walks up to it) and
``requirements.txt`` installed in ``functions/.python`` (the Python launcher
puts it on ``sys.path``). TypeScript functions need a compile step this
builder does not run: they are skipped with a warning. A JavaScript function
whose source says ``export const config = { runtime: 'edge' }`` is an Edge
function, as on Vercel: ``"runtime": "edge"``, run by the edge worker
(``docs/middleware.md``) as an ES module.

Functions come with static output only (a static site with an ``api/``
folder); a server app serves its own routes. These helpers are shared by the
builders that publish static sites with functions (``builders.functions`` for
plain sites, ``builders.node`` for Node sites); they belong to no single one.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from autostack_core.build import user_file_writes, user_files
from autostack_core.interfaces import BuildContext

from .steps import SCRATCH, publish, run_step, warn_skipped, write_json

API = "api"
RUNTIMES = {".js": "nodejs20.x", ".mjs": "nodejs20.x", ".cjs": "nodejs20.x", ".py": "python3.11"}
SKIPPED_SUFFIXES = (".ts", ".mts", ".cts", ".tsx")
EDGE = "edge"
_EDGE_CONFIG = re.compile(r"""export\s+const\s+config\s*=\s*\{[^}]*\bruntime\s*:\s*['"]edge['"]""")
PYTHON_TARGET = f"{SCRATCH}/functions-python"
# npm's rule for package names: one optional scope, no "..", no leading dot.
_PACKAGE_NAME = re.compile(r"(?:@[a-z0-9~-][\w.~-]*/)?[a-z0-9~-][\w.~-]*", re.IGNORECASE)


@dataclass(frozen=True)
class Function:
    """One function file: its path in the project and the route it answers."""

    source: PurePosixPath
    runtime: str

    @property
    def route(self) -> str:
        return self.source.with_suffix("").as_posix()

    @property
    def is_node(self) -> bool:
        """Whether it runs on Node.js (a Node.js or an Edge function)."""
        return self.runtime.startswith("nodejs") or self.runtime == EDGE

    @property
    def is_python(self) -> bool:
        return self.runtime.startswith("python")


def _is_helper(relative: PurePosixPath) -> bool:
    """Vercel's rule: files and folders starting with ``_`` or ``.`` are not functions."""
    return any(part.startswith(("_", ".")) for part in relative.parts)


def _api_files(root: Path) -> list[PurePosixPath]:
    """Every regular file under ``root/api`` (never through a link leaving the project)."""
    if not user_files.is_dir(root, API):
        return []
    api = user_files.resolve(root, API)
    found = []
    for folder, dirs, files in os.walk(api):
        dirs[:] = sorted(name for name in dirs if name not in ("node_modules", "__pycache__"))
        for name in files:
            relative = PurePosixPath(API) / Path(folder, name).relative_to(api).as_posix()
            found.append(relative)
    return sorted(found)


def find_functions(root: Path) -> tuple[list[Function], list[str]]:
    """The functions under ``root/api`` and warnings for files that cannot be functions."""
    functions: list[Function] = []
    warnings: list[str] = []
    for relative in _api_files(root):
        if _is_helper(relative.relative_to(API)) or not user_files.is_file(root, relative):
            continue
        if relative.suffix in (".js", ".mjs") and _EDGE_CONFIG.search(
                user_files.read_text(root, relative) or ""):
            functions.append(Function(relative, EDGE))
        elif relative.suffix in RUNTIMES:
            functions.append(Function(relative, RUNTIMES[relative.suffix]))
        elif relative.suffix in SKIPPED_SUFFIXES and not relative.name.endswith(".d.ts"):
            warnings.append(f"{relative} skipped: TypeScript functions need a compile step; "
                            "write it in JavaScript or compile it to api/ in the build command")
    return functions, warnings


def _helpers(root: Path) -> list[PurePosixPath]:
    return [relative for relative in _api_files(root) if _is_helper(relative.relative_to(API))]


def write_function(root: Path, output_dir: Path, function: Function) -> list[str]:
    """Write ``functions/<route>.func`` for one function; return the helpers left out.

    A helper that is a symlink leaving the project is left out (and reported),
    never followed: ``api/_db`` linked to the server's database stays behind.
    """
    folder = f"functions/{function.route}.func"
    skipped = []
    for relative in [function.source, *_helpers(root)]:
        try:
            user_file_writes.copy_file(root, relative, output_dir, f"{folder}/{relative}")
        except user_files.OutsideTreeError:
            skipped.append(str(relative))
    if function.runtime == EDGE:  # ES modules, as Vercel bundles them
        write_json(output_dir, f"{folder}/package.json", {"type": "module"})
        write_json(output_dir, f"{folder}/.vc-config.json",
                   {"runtime": EDGE, "entrypoint": function.source.as_posix()})
        return skipped
    if function.is_node:
        user_file_writes.copy_file(root, "package.json", output_dir, f"{folder}/package.json")
    config: dict[str, Any] = {"runtime": function.runtime, "handler": function.source.as_posix()}
    if function.is_node:
        config |= {"launcherType": "Nodejs", "shouldAddHelpers": True}
    write_json(output_dir, f"{folder}/.vc-config.json", config)
    return skipped


def production_packages(root: Path) -> list[str]:
    """Folders (relative to ``root``) of the production dependency closure in node_modules."""
    seen: set[str] = set()
    pending = [("", name) for name in _dependencies(root, "package.json")]
    while pending:
        owner, name = pending.pop()
        folder = _resolve_package(root, owner, name)
        if folder is None or folder in seen:
            continue
        seen.add(folder)
        pending += [(folder, dep) for dep in _dependencies(root, f"{folder}/package.json")]
    return sorted(seen)


def _dependencies(root: Path, package_json: str) -> list[str]:
    try:
        data = json.loads(user_files.read_text(root, package_json) or "")
    except (user_files.OutsideTreeError, ValueError):
        return []
    names: list[str] = []
    for field in ("dependencies", "optionalDependencies"):
        if isinstance(data, dict) and isinstance(data.get(field), dict):
            names += [name for name in data[field] if _PACKAGE_NAME.fullmatch(name)]
    return names


def _resolve_package(root: Path, owner: str, name: str) -> str | None:
    """Node's lookup: ``node_modules/<name>`` in ``owner`` and each parent up to ``root``."""
    folder = PurePosixPath(owner)
    while True:
        candidate = folder / "node_modules" / name
        if user_files.is_dir(root, candidate):
            return candidate.as_posix()
        if folder == PurePosixPath("."):
            return None
        folder = folder.parent
        if folder.name == "node_modules":
            folder = folder.parent


def unpublish_sources(root: Path, output_dir: Path, functions: list[Function]) -> None:
    """Remove function sources (and their requirements) a site published from its root."""
    static = output_dir / "static"
    manifests = [PurePosixPath("requirements.txt")] if any(f.is_python for f in functions) \
        else []
    for relative in [*(f.source for f in functions), *_helpers(root), *manifests]:
        user_file_writes.remove(output_dir, f"static/{relative}")
    if not (static / API).is_dir() or (static / API).is_symlink():
        return
    for folder in [*sorted((static / API).rglob("*"), reverse=True), static / API]:
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()


async def build_functions(context: BuildContext) -> int:
    """Write every function of ``context.workspace/api``; return how many."""
    root = context.workspace
    functions, warnings = find_functions(root)
    for warning in warnings:
        await context.log(f"warning: {warning}")
    if not functions:
        return 0
    skipped: set[str] = set()
    for function in functions:
        skipped.update(await asyncio.to_thread(write_function, root, context.output_dir, function))
    await warn_skipped(context, sorted(skipped))
    await asyncio.to_thread(unpublish_sources, root, context.output_dir, functions)
    if any(f.is_node for f in functions) and user_files.is_dir(root, "node_modules"):
        packages = await asyncio.to_thread(production_packages, root)
        for relative in packages:
            await publish(context, relative, f"functions/{relative}")
        await context.log(f"functions: {len(packages)} Node.js packages in functions/node_modules")
    if any(f.is_python for f in functions) and user_files.is_file(root, "requirements.txt"):
        await run_step(context, "install",
                       "PIP_ROOT_USER_ACTION=ignore /usr/bin/python3 -m pip install --quiet "
                       "--disable-pip-version-check --no-warn-script-location "
                       f"--target {PYTHON_TARGET} -r requirements.txt")
        await publish(context, PYTHON_TARGET, "functions/.python")
    shown = ", ".join(f"/{f.route}" for f in functions)
    await context.log(f"functions: {shown}")
    return len(functions)
