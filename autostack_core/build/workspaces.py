"""Monorepo workspaces: the apps one repository holds, to pick a root directory from.

Reading npm/yarn/bun ``workspaces``, ``pnpm-workspace.yaml`` and ``lerna.json``
is not specific to any framework, so it lives beside detection rather than in
a detector plugin.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pluggy

from autostack_core.build.detection import DetectionError, detect
from autostack_core.interfaces import SourceTree


def _pnpm_workspace_patterns(text: str) -> list[str]:
    """The ``packages:`` list of pnpm-workspace.yaml.

    Read by hand rather than with a YAML library: the file is a single list of
    globs, and the core does not depend on PyYAML.
    """
    patterns: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith((" ", "\t", "-")):
            key, _, rest = line.partition(":")
            inside = key.strip() == "packages"
            inline = rest.strip()
            if inside and inline.startswith("["):
                patterns += [p.strip().strip("'\"") for p in inline.strip("[]").split(",")]
                inside = False
            continue
        item = line.strip()
        if inside and item.startswith("-"):
            patterns.append(item[1:].strip().strip("'\""))
    return [pattern for pattern in patterns if pattern]


def _read_json_file(root: Path, relative: str) -> Any:
    try:
        return json.loads(SourceTree(root).read_text(relative) or "")
    except ValueError:
        return None


def _workspace_patterns(root: Path) -> tuple[list[str], str] | None:
    """Workspace globs and the tool that declares them."""
    tree = SourceTree(root)
    package = _read_json_file(root, "package.json")
    tools = [name for name, marker in (("turbo", "turbo.json"), ("nx", "nx.json"))
             if tree.exists(marker)]
    suffix = f" ({', '.join(tools)})" if tools else ""
    pnpm = tree.read_text("pnpm-workspace.yaml")
    if pnpm is not None:
        return _pnpm_workspace_patterns(pnpm), "pnpm" + suffix
    workspaces = package.get("workspaces") if isinstance(package, dict) else None
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    if isinstance(workspaces, list):
        manager = "npm"
        if tree.exists("yarn.lock"):
            manager = "yarn"
        elif tree.exists("bun.lock") or tree.exists("bun.lockb"):
            manager = "bun"
        return [str(p) for p in workspaces], manager + suffix
    lerna = _read_json_file(root, "lerna.json")
    if isinstance(lerna, dict) and isinstance(lerna.get("packages"), list):
        return [str(p) for p in lerna["packages"]], "lerna" + suffix
    if tools:
        # nx and turbo without a workspace list: their conventional layout.
        return ["apps/*", "packages/*", "libs/*"], ", ".join(tools)
    return None


def _expand(root: Path, patterns: list[str]) -> list[Path]:
    tree = SourceTree(root)
    included: set[Path] = set()
    excluded: set[Path] = set()
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("./").rstrip("/")
        if not pattern or ".." in Path(pattern).parts:
            continue
        matches = {root / relative for relative in tree.glob(pattern) if tree.is_dir(relative)}
        (excluded if negated else included).update(matches)
    return sorted(included - excluded)


def list_apps(root: Path) -> list[dict[str, Any]]:
    """The apps of a monorepo: each workspace package with a name and its directory.

    Reads npm/yarn/bun ``workspaces``, ``pnpm-workspace.yaml``, ``lerna.json``,
    and falls back to ``apps/*`` and ``packages/*`` for turbo and nx repositories.
    ``deployable`` is true for packages with a ``build``, ``start`` or ``dev``
    script (or an nx ``project.json``): the ones worth picking as a root directory.
    Returns an empty list for a repository that is not a monorepo.
    """
    found = _workspace_patterns(root)
    if found is None:
        return []
    patterns, workspace = found
    apps = []
    for folder in _expand(root, patterns):
        directory = folder.relative_to(root).as_posix()
        package = _read_json_file(root, f"{directory}/package.json")
        project = _read_json_file(root, f"{directory}/project.json")
        if not isinstance(package, dict) and not isinstance(project, dict):
            continue
        package = package if isinstance(package, dict) else {}
        project = project if isinstance(project, dict) else {}
        scripts = package.get("scripts")
        scripts = scripts if isinstance(scripts, dict) else {}
        apps.append({
            "name": str(package.get("name") or project.get("name") or folder.name),
            "directory": directory,
            "workspace": workspace,
            "deployable": bool(project) or any(
                script in scripts for script in ("build", "start", "dev")
            ),
        })
    return apps


async def detect_apps(root: Path, plugin_manager: pluggy.PluginManager,
                      settings: Any) -> list[dict[str, Any]]:
    """:func:`list_apps` with each app's ``framework``: what detection answers with the app's
    folder as the root directory (None when nothing is recognised there).

    The app is detected as a deployment with that root directory would be: inside the
    repository, so it uses the workspace root's package manager and install.
    """
    apps = list_apps(root)
    tree = SourceTree(root)
    for app in apps:
        try:
            found = await detect(tree, plugin_manager, settings,
                                 {"root_directory": app["directory"]})
        except DetectionError:
            found = None
        app["framework"] = found.framework if found is not None else None
    return apps


#: package.json sections whose workspace packages an app depends on.
DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "peerDependencies",
                     "optionalDependencies")
#: Files at the workspace root whose changes concern every app of it.
ROOT_MANIFESTS = ("package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
                  "pnpm-lock.yaml", "pnpm-workspace.yaml", "bun.lock", "bun.lockb",
                  "turbo.json", "nx.json", "lerna.json")


def _dependency_names(root: Path, directory: str) -> set[str]:
    package = _read_json_file(root, f"{directory}/package.json")
    names: set[str] = set()
    for section in DEPENDENCY_FIELDS:
        found = package.get(section) if isinstance(package, dict) else None
        if isinstance(found, dict):
            names.update(str(name) for name in found)
    return names


def dependency_folders(root: Path, app: str) -> list[str]:
    """The folders (from the workspace ``root``) of the workspace packages the app in folder
    ``app`` depends on, directly or through one another, by the package names in their
    package.json dependencies (``workspace:*``, ``*`` or a version: any range counts)."""
    folders = {entry["name"]: entry["directory"] for entry in list_apps(root)}
    found: set[str] = set()
    pending = [app]
    while pending:
        for name in _dependency_names(root, pending.pop()):
            folder = folders.get(name)
            if folder is not None and folder != app and folder not in found:
                found.add(folder)
                pending.append(folder)
    return sorted(found)


def watch_paths(root: Path, app: str, prefix: str = "") -> list[str]:
    """What a push must change, besides the app's own folder, to concern the app of folder
    ``app`` in the workspace ``root``: its workspace dependencies (:func:`dependency_folders`)
    and the root's manifests present (lockfile, package.json, workspace and tool files,
    which change what every app installs or how it builds). ``prefix`` is the workspace
    root's path from the repository's top."""
    tree = SourceTree(root)
    paths = dependency_folders(root, app) + [name for name in ROOT_MANIFESTS
                                             if tree.exists(name) and not tree.is_dir(name)]
    prefix = prefix.strip("/")
    return [f"{prefix}/{path}" if prefix not in ("", ".") else path for path in paths]


def is_monorepo(root: Path) -> bool:
    """Whether ``root`` declares workspaces (its apps may still be empty)."""
    return _workspace_patterns(root) is not None
