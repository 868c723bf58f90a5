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
builder does not run: they are skipped with a warning.

Functions come with static output only (a static site with an ``api/``
folder); a server app serves its own routes. :class:`StaticFunctionsBuilder`
builds plain static sites with functions, on top of the static builder.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import BuildContext, Detection

from .static import BUILD_OUTPUT as PREBUILT
from .static import StaticBuilder
from .steps import SCRATCH, copy_tree, run_step, write_json

API = "api"
RUNTIMES = {".js": "nodejs20.x", ".mjs": "nodejs20.x", ".cjs": "nodejs20.x", ".py": "python3.11"}
SKIPPED_SUFFIXES = (".ts", ".mts", ".cts", ".tsx")
PYTHON_TARGET = f"{SCRATCH}/functions-python"


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
        return self.runtime.startswith("nodejs")


def _is_helper(relative: PurePosixPath) -> bool:
    """Vercel's rule: files and folders starting with ``_`` or ``.`` are not functions."""
    return any(part.startswith(("_", ".")) for part in relative.parts)


def find_functions(root: Path) -> tuple[list[Function], list[str]]:
    """The functions under ``root/api`` and warnings for files that cannot be functions."""
    api = root / API
    functions: list[Function] = []
    warnings: list[str] = []
    if not api.is_dir():
        return functions, warnings
    for path in sorted(api.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if not path.is_file() or _is_helper(relative.relative_to(API)) or (
            "node_modules" in relative.parts or "__pycache__" in relative.parts
        ):
            continue
        if path.suffix in RUNTIMES:
            functions.append(Function(relative, RUNTIMES[path.suffix]))
        elif path.suffix in SKIPPED_SUFFIXES and not path.name.endswith(".d.ts"):
            warnings.append(f"{relative} skipped: TypeScript functions need a compile step; "
                            "write it in JavaScript or compile it to api/ in the build command")
    return functions, warnings


def _helpers(root: Path) -> list[Path]:
    return [path for path in sorted((root / API).rglob("*")) if path.is_file()
            and _is_helper(PurePosixPath(path.relative_to(root / API).as_posix()))
            and "__pycache__" not in path.parts]


def write_function(root: Path, output_dir: Path, function: Function) -> None:
    """Write ``functions/<route>.func`` for one function."""
    folder = output_dir / "functions" / f"{function.route}.func"
    for path in [root / function.source, *_helpers(root)]:
        target = folder / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if function.is_node and (root / "package.json").is_file():
        shutil.copy2(root / "package.json", folder / "package.json")
    config: dict[str, Any] = {"runtime": function.runtime, "handler": function.source.as_posix()}
    if function.is_node:
        config |= {"launcherType": "Nodejs", "shouldAddHelpers": True}
    write_json(folder / ".vc-config.json", config)


def production_packages(root: Path) -> list[str]:
    """Folders (relative to ``root``) of the production dependency closure in node_modules."""
    seen: set[Path] = set()
    pending = [(root, name) for name in _dependencies(root / "package.json")]
    while pending:
        owner, name = pending.pop()
        folder = _resolve_package(root, owner, name)
        if folder is None or folder in seen:
            continue
        seen.add(folder)
        pending += [(folder, dep) for dep in _dependencies(folder / "package.json")]
    return sorted(path.relative_to(root).as_posix() for path in seen)


def _dependencies(package_json: Path) -> list[str]:
    try:
        data = json.loads(package_json.read_text())
    except (OSError, ValueError):
        return []
    names: list[str] = []
    for field in ("dependencies", "optionalDependencies"):
        if isinstance(data.get(field), dict):
            names += list(data[field])
    return names


def _resolve_package(root: Path, owner: Path, name: str) -> Path | None:
    """Node's lookup: ``node_modules/<name>`` in ``owner`` and each parent up to ``root``."""
    folder = owner
    while True:
        candidate = folder / "node_modules" / name
        if candidate.is_dir():
            return candidate
        if folder == root or not folder.is_relative_to(root):
            return None
        folder = folder.parent
        if folder.name == "node_modules":
            folder = folder.parent


def unpublish_sources(root: Path, output_dir: Path, functions: list[Function]) -> None:
    """Remove function sources (and their requirements) a site published from its root."""
    static = output_dir / "static"
    manifests = [root / "requirements.txt"] if any(not f.is_node for f in functions) else []
    for path in [*(root / f.source for f in functions), *_helpers(root), *manifests]:
        (static / path.relative_to(root)).unlink(missing_ok=True)
    if not (static / API).is_dir():
        return
    for folder in [*sorted((static / API).rglob("*"), reverse=True), static / API]:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


async def build_functions(context: BuildContext) -> int:
    """Write every function of ``context.workspace/api``; return how many."""
    root = context.workspace
    functions, warnings = find_functions(root)
    for warning in warnings:
        await context.log(f"warning: {warning}")
    if not functions:
        return 0
    for function in functions:
        await asyncio.to_thread(write_function, root, context.output_dir, function)
    await asyncio.to_thread(unpublish_sources, root, context.output_dir, functions)
    if any(f.is_node for f in functions) and (root / "node_modules").is_dir():
        packages = await asyncio.to_thread(production_packages, root)
        for relative in packages:
            await asyncio.to_thread(copy_tree, root / relative,
                                    context.output_dir / "functions" / relative)
        await context.log(f"functions: {len(packages)} Node.js packages in functions/node_modules")
    if any(not f.is_node for f in functions) and (root / "requirements.txt").is_file():
        await run_step(context, "install",
                       "PIP_ROOT_USER_ACTION=ignore /usr/bin/python3 -m pip install --quiet "
                       "--disable-pip-version-check --no-warn-script-location "
                       f"--target {PYTHON_TARGET} -r requirements.txt")
        await asyncio.to_thread(copy_tree, root / PYTHON_TARGET,
                                context.output_dir / "functions" / ".python")
    shown = ", ".join(f"/{f.route}" for f in functions)
    await context.log(f"functions: {shown}")
    return len(functions)


class StaticFunctionsBuilder:
    """A static site (no package manager) that may have Python or JavaScript functions."""

    name = "static-functions"
    priority = 15

    def can_build(self, detection: Detection) -> bool:
        return StaticBuilder().can_build(detection) and detection.package_manager is None

    async def build(self, context: BuildContext) -> None:
        await StaticBuilder().build(context)
        if not (context.workspace / PREBUILT / "config.json").is_file():
            await build_functions(context)


@hookimpl
def register_builders(settings: Any) -> list[StaticFunctionsBuilder]:
    """The builder for static sites with an ``api/`` folder of functions."""
    return [StaticFunctionsBuilder()]
