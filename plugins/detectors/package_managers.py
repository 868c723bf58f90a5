"""Package managers and runtime versions, read from lockfiles and manifests.

Node: npm, yarn classic, yarn berry, pnpm and bun, decided by the
``packageManager`` field (Corepack's contract) and then by lockfiles; the
install command uses the frozen-lockfile flag whenever a lockfile exists, so a
build installs exactly what the author locked. Python: uv, poetry, pipenv and
pip. Each answer carries the reason a user can check.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from autostack_core.interfaces import SourceTree


@dataclass(frozen=True)
class PackageManager:
    """How to install dependencies and run tools for one project."""

    name: str
    install_command: str
    run: str
    """Prefix that runs a ``package.json`` script (``npm run``)."""
    exec: str
    """Prefix that runs a binary of an installed package (``npx``)."""
    reason: str
    workspace_root: str | None = None
    """The monorepo root the install runs at, from the project (``../..``), if any."""


# (lockfile, manager) in the order a tie is settled: the newer, more specific
# lockfile first, so a stray package-lock.json next to pnpm-lock.yaml loses.
_NODE_LOCKFILES: tuple[tuple[str, str], ...] = (
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)

_INSTALL = {
    # manager: (with a lockfile, without one)
    "npm": ("npm ci", "npm install"),
    "yarn": ("yarn install --frozen-lockfile", "yarn install"),
    "yarn-berry": ("yarn install --immutable", "yarn install"),
    "pnpm": ("pnpm install --frozen-lockfile", "pnpm install"),
    "bun": ("bun install --frozen-lockfile", "bun install"),
}
_RUN = {"npm": "npm run", "yarn": "yarn", "pnpm": "pnpm run", "bun": "bun run"}
_EXEC = {"npm": "npx", "yarn": "yarn", "pnpm": "pnpm exec", "bun": "bunx"}


def _is_yarn_berry(tree: SourceTree, declared_version: str | None) -> bool:
    if declared_version is not None:
        major = declared_version.split(".", 1)[0]
        return major.isdigit() and int(major) >= 2
    if tree.exists(".yarnrc.yml"):
        return True
    # Berry's lockfile is YAML with a __metadata block; classic's is not.
    head = (tree.read_text("yarn.lock") or "")[:2000]
    return "__metadata:" in head


#: How far above a project :func:`workspace_root` looks for the monorepo's root.
WORKSPACE_DEPTH = 4


def _declares_workspaces(tree: SourceTree) -> bool:
    package = tree.package_json() or {}
    return tree.exists("pnpm-workspace.yaml") or "workspaces" in package


def workspace_root(tree: SourceTree) -> tuple[SourceTree, str] | None:
    """The monorepo root above ``tree`` and its relative path (``../..``), if any.

    That is the nearest of the few folders above (inside the source, never the
    server's own folders above it) that declares workspaces
    (``pnpm-workspace.yaml`` or ``workspaces`` in package.json): an app picked
    as the root directory of a monorepo shares its lockfile and package manager.
    """
    for candidate, relative in tree.parents()[:WORKSPACE_DEPTH]:
        if _declares_workspaces(candidate):
            return candidate, relative
    return None


def _manager_files(tree: SourceTree) -> tuple[Any, list[tuple[str, str]]]:
    """The ``packageManager`` field and the lockfiles present in ``tree``."""
    declared = (tree.package_json() or {}).get("packageManager")
    return declared, [(path, name) for path, name in _NODE_LOCKFILES if tree.exists(path)]


def node_package_manager(tree: SourceTree) -> PackageManager:
    """The package manager of a Node project, with its install command.

    A project without a lockfile or ``packageManager`` of its own inside a
    monorepo uses the workspace root's (:func:`workspace_root`), and installs the
    whole workspace at its root (one lockfile, the workspace packages linked).
    """
    declared, lockfiles = _manager_files(tree)
    where = ""
    root = workspace_root(tree) if declared is None and not lockfiles else None
    if root is not None:
        declared, lockfiles = _manager_files(root[0])
        tree, where = root[0], f" at the workspace root `{root[1]}`"
    name: str
    version: str | None = None
    if isinstance(declared, str) and "@" in declared:
        name, _, version = declared.partition("@")
        version = version.split("+", 1)[0]
        reason = f"`packageManager: {declared}` in package.json"
    elif lockfiles:
        name = lockfiles[0][1]
        reason = f"`{lockfiles[0][0]}` present"
    else:
        name = "npm"
        reason = "no lockfile, npm by default"
    if name not in _RUN:
        name, reason = "npm", f"unknown package manager `{declared}`, npm by default"
    reason += where if declared is not None or lockfiles else ""
    locked = any(manager == name for _, manager in lockfiles)
    key = name
    if name == "yarn" and _is_yarn_berry(tree, version):
        key = "yarn-berry"
        reason += " (Yarn Berry)"
    install = _INSTALL[key][0 if locked else 1]
    if root is not None and name == "npm":
        # pnpm, Yarn and Bun find the workspace root themselves; npm is told, as on Vercel.
        install += f" --prefix={root[1]}"
        reason += " (installed there with `--prefix`)"
    return PackageManager(
        name=name if key != "yarn-berry" else "yarn",
        install_command=install,
        run=_RUN[name],
        exec=_EXEC[name],
        reason=reason,
        workspace_root=root[1] if root is not None else None,
    )


# ---------------------------------------------------------------------------
# Python
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PythonEnvironment:
    """How a Python project installs its dependencies."""

    name: str
    install_command: str
    run: str
    """Prefix for commands that need the project's environment (``uv run``)."""
    reason: str
    requirements: str
    """All dependency declarations, lower-cased, for matching package names."""


def _pyproject(tree: SourceTree) -> dict[str, Any]:
    text = tree.read_text("pyproject.toml")
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def python_requirements(tree: SourceTree) -> str:
    """Every file that declares Python dependencies, concatenated and lower-cased."""
    parts = [
        tree.read_text(path) or ""
        for path in ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg")
    ]
    return "\n".join(parts).lower()


def has_python_package(requirements: str, package: str) -> bool:
    """Whether ``package`` is named as a dependency (not just a prefix of one)."""
    pattern = rf"(?<![\w.-]){re.escape(package.lower())}(?![\w-])"
    return re.search(pattern, requirements) is not None


def python_environment(tree: SourceTree) -> PythonEnvironment | None:
    """The Python dependency tool, or None when the tree has no Python manifest."""
    requirements = python_requirements(tree)
    pyproject = _pyproject(tree)
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    if tree.exists("uv.lock"):
        return PythonEnvironment(
            "uv", "uv sync --frozen --no-dev", "uv run", "`uv.lock` present", requirements
        )
    if tree.exists("poetry.lock") or "poetry" in tool:
        source = "`poetry.lock` present" if tree.exists("poetry.lock") else "[tool.poetry]"
        return PythonEnvironment(
            "poetry",
            "poetry install --no-root --no-interaction --only main",
            "poetry run",
            source,
            requirements,
        )
    if tree.exists("Pipfile.lock"):
        return PythonEnvironment(
            "pipenv", "pipenv install --deploy", "pipenv run", "`Pipfile.lock` present",
            requirements,
        )
    if tree.exists("Pipfile"):
        return PythonEnvironment(
            "pipenv", "pipenv install", "pipenv run", "`Pipfile` present", requirements
        )
    if tree.exists("requirements.txt"):
        return PythonEnvironment(
            "pip", "pip install -r requirements.txt", "", "`requirements.txt` present",
            requirements,
        )
    if pyproject or tree.exists("setup.py"):
        manifest = "pyproject.toml" if pyproject else "setup.py"
        return PythonEnvironment(
            "pip", "pip install .", "", f"`{manifest}` present", requirements
        )
    return None


def with_runner(runner: str, command: str) -> str:
    """Prefix ``command`` with the environment runner, if there is one."""
    return f"{runner} {command}" if runner else command
