"""Turborepo and Nx: an app of their workspace builds through the tool, as on Vercel.

For an app picked as the root directory of a workspace whose ``turbo.json``
has a ``build`` task, Vercel builds with ``cd <root> && npx turbo run build
--filter={<app>}...`` (the app and the workspace packages it depends on, first);
for Nx with a ``build`` target (``targetDefaults`` in ``nx.json``, or the app's
``project.json``/``package.json`` ``nx`` targets), ``cd <root> && npx nx build
<project>``. AutoStack does the same only when the tool is a dependency of the
workspace root, since a ``turbo.json`` without turbo installed cannot build;
otherwise the app's own build script runs in its folder. The tool runs through
the workspace's package manager (``pnpm exec turbo``), which finds the binary
the root's install put there.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from autostack_core.interfaces import SourceTree

from .package_managers import PackageManager, workspace_root

_DEPENDENCY_FIELDS = ("dependencies", "devDependencies")


def _json(tree: SourceTree, path: str) -> dict[str, Any]:
    try:
        data = json.loads(tree.read_text(path) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _section(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, dict) else {}
    return data


def _installs(package: dict[str, Any], tool: str) -> bool:
    return any(tool in _section(package, field) for field in _DEPENDENCY_FIELDS)


def _turbo_builds(root: SourceTree, package: dict[str, Any]) -> bool:
    """A ``build`` task in ``turbo.json`` (``tasks``, or turbo 1's ``pipeline``)."""
    config = _json(root, "turbo.json") if root.exists("turbo.json") else _section(package,
                                                                                    "turbo")
    return "build" in _section(config, "tasks") or "build" in _section(config, "pipeline")


def _nx_project(root: SourceTree, app: SourceTree) -> str | None:
    """The Nx project name of ``app`` when Nx has a ``build`` target for it, else None."""
    project, package = _json(app, "project.json"), _json(app, "package.json")
    builds = ("build" in _section(_json(root, "nx.json"), "targetDefaults")
              or "build" in _section(project, "targets")
              or "build" in _section(package, "nx", "targets"))
    name = project.get("name") or package.get("name") or app.root.name
    return str(name) if builds else None


def monorepo_build(app: SourceTree, pm: PackageManager) -> tuple[str, str] | None:
    """The build command of a Turborepo or Nx app and the reason, or None for other apps."""
    found = workspace_root(app)
    if found is None:
        return None
    root, relative = found
    package = root.package_json() or {}
    path = app.root.resolve().relative_to(root.root.resolve()).as_posix()
    if _installs(package, "turbo") and _turbo_builds(root, package):
        selector = f"--filter={{{path}}}..."
        if shlex.quote(path) != path:  # a folder name the shell would split or expand
            selector = shlex.quote(selector)
        return (f"cd {relative} && {pm.exec} turbo run build {selector}",
                f"build: Turborepo at the workspace root `{relative}` builds `{path}` and the "
                "workspace packages it depends on")
    if root.exists("nx.json") and _installs(package, "nx"):
        name = _nx_project(root, app)
        if name is not None:
            return (f"cd {relative} && {pm.exec} nx build {shlex.quote(name)}",
                    f"build: Nx at the workspace root `{relative}` builds project `{name}`")
    return None
