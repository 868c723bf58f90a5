"""Package managers from lockfiles and ``packageManager``; Python tools; Node versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autostack_core.interfaces import SourceTree
from autostack_plugins.detectors.package_managers import (
    has_python_package,
    node_package_manager,
    python_environment,
)

pytestmark = pytest.mark.dbless


def write_tree(root: Path, files: dict[str, str]) -> SourceTree:
    for name, content in files.items():
        (root / name).write_text(content)
    return SourceTree(root)


PACKAGE = json.dumps({"name": "app", "dependencies": {"react": "^18"}})


@pytest.mark.parametrize(
    ("files", "name", "install", "reason"),
    [
        ({}, "npm", "npm install", "no lockfile"),
        ({"package-lock.json": "{}"}, "npm", "npm ci", "`package-lock.json` present"),
        ({"npm-shrinkwrap.json": "{}"}, "npm", "npm ci", "`npm-shrinkwrap.json` present"),
        ({"yarn.lock": "# yarn lockfile v1\n\nreact@^18:\n  version \"18.3.1\"\n"}, "yarn",
         "yarn install --frozen-lockfile", "`yarn.lock` present"),
        ({"yarn.lock": "__metadata:\n  version: 8\n  cacheKey: 10c0\n"}, "yarn",
         "yarn install --immutable", "(Yarn Berry)"),
        ({"yarn.lock": "", ".yarnrc.yml": "nodeLinker: node-modules\n"}, "yarn",
         "yarn install --immutable", "(Yarn Berry)"),
        ({"pnpm-lock.yaml": "lockfileVersion: '9.0'\n"}, "pnpm",
         "pnpm install --frozen-lockfile", "`pnpm-lock.yaml` present"),
        ({"bun.lockb": ""}, "bun", "bun install --frozen-lockfile", "`bun.lockb` present"),
        ({"bun.lock": "{}"}, "bun", "bun install --frozen-lockfile", "`bun.lock` present"),
        # A stray npm lockfile next to pnpm's loses.
        ({"pnpm-lock.yaml": "", "package-lock.json": "{}"}, "pnpm",
         "pnpm install --frozen-lockfile", "`pnpm-lock.yaml` present"),
    ],
    ids=["none", "npm", "shrinkwrap", "yarn-classic", "yarn-berry-lockfile",
         "yarn-berry-yarnrc", "pnpm", "bun-binary", "bun-text", "pnpm-over-npm"],
)
def test_node_package_manager_from_lockfiles(tmp_path: Path, files: dict[str, str], name: str,
                                             install: str, reason: str) -> None:
    manager = node_package_manager(write_tree(tmp_path, {"package.json": PACKAGE, **files}))
    assert (manager.name, manager.install_command) == (name, install)
    assert reason in manager.reason


@pytest.mark.parametrize(
    ("field", "lockfile", "name", "install"),
    [
        ("pnpm@9.4.0", "pnpm-lock.yaml", "pnpm", "pnpm install --frozen-lockfile"),
        ("pnpm@9.4.0+sha512.abc", None, "pnpm", "pnpm install"),
        ("yarn@4.3.1", "yarn.lock", "yarn", "yarn install --immutable"),
        ("yarn@1.22.22", "yarn.lock", "yarn", "yarn install --frozen-lockfile"),
        ("bun@1.1.20", "bun.lockb", "bun", "bun install --frozen-lockfile"),
        ("npm@10.8.1", "package-lock.json", "npm", "npm ci"),
    ],
)
def test_package_manager_field_wins(tmp_path: Path, field: str, lockfile: str | None,
                                    name: str, install: str) -> None:
    files = {"package.json": json.dumps({"name": "app", "packageManager": field})}
    if lockfile:
        files[lockfile] = ""
    # A lockfile of another manager does not change the declared one.
    files["package-lock.json"] = files.get("package-lock.json", "{}")
    manager = node_package_manager(write_tree(tmp_path, files))
    assert (manager.name, manager.install_command) == (name, install)
    assert f"`packageManager: {field}` in package.json" in manager.reason


def test_node_version_sources(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"package.json": json.dumps({"engines": {"node": ">=18.17"}})})
    assert tree.node_version() == (">=18.17", "`engines.node` in package.json")
    (tmp_path / ".node-version").write_text("20.15.1\n")
    assert tree.node_version() == ("20.15.1", "`.node-version`")
    (tmp_path / ".nvmrc").write_text("v22\n")
    assert tree.node_version() == ("22", "`.nvmrc`")


@pytest.mark.parametrize(
    ("files", "name", "install", "run"),
    [
        ({"requirements.txt": "flask==3.0.3\n"}, "pip", "pip install -r requirements.txt", ""),
        ({"pyproject.toml": "[project]\nname='x'\n", "uv.lock": "version = 1\n"}, "uv",
         "uv sync --frozen --no-dev", "uv run"),
        ({"pyproject.toml": "[tool.poetry]\nname='x'\n", "poetry.lock": ""}, "poetry",
         "poetry install --no-root --no-interaction --only main", "poetry run"),
        ({"Pipfile": "[packages]\nflask = '*'\n", "Pipfile.lock": "{}"}, "pipenv",
         "pipenv install --deploy", "pipenv run"),
        ({"Pipfile": "[packages]\nflask = '*'\n"}, "pipenv", "pipenv install", "pipenv run"),
        ({"pyproject.toml": "[project]\nname='x'\ndependencies=['fastapi']\n"}, "pip",
         "pip install .", ""),
    ],
    ids=["pip", "uv", "poetry", "pipenv-locked", "pipenv", "pyproject"],
)
def test_python_environment(tmp_path: Path, files: dict[str, str], name: str, install: str,
                            run: str) -> None:
    env = python_environment(write_tree(tmp_path, files))
    assert env is not None
    assert (env.name, env.install_command, env.run) == (name, install, run)


def test_no_python_manifest(tmp_path: Path) -> None:
    assert python_environment(write_tree(tmp_path, {"index.html": ""})) is None


def test_python_package_names_match_whole_words() -> None:
    requirements = "flask-cors==4.0\nfastapi[standard]>=0.111\npytest-django\n"
    assert has_python_package(requirements, "fastapi")
    assert not has_python_package(requirements, "flask")
    assert not has_python_package(requirements, "django")


def test_an_app_of_a_monorepo_uses_the_workspace_roots_manager(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"packageManager": "pnpm@9.0.0"}))
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - apps/*\n")
    (tmp_path / "pnpm-lock.yaml").write_text("")
    app = tmp_path / "apps" / "web"
    app.mkdir(parents=True)
    (app / "package.json").write_text(json.dumps({"name": "web"}))
    manager = node_package_manager(SourceTree(app, top=tmp_path))
    assert (manager.name, manager.install_command) == ("pnpm", "pnpm install --frozen-lockfile")
    assert "at the workspace root `../..`" in manager.reason
    (app / "package-lock.json").write_text("")
    assert node_package_manager(SourceTree(app, top=tmp_path)).name == "npm", \
        "the app's own lockfile wins"


def test_no_folder_above_the_source_is_read_for_a_workspace_root(tmp_path: Path) -> None:
    """The server's folders around a checkout (``<data dir>/builds/<id>``) are not the user's."""
    (tmp_path / "package.json").write_text(json.dumps({"packageManager": "pnpm@9.0.0"}))
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - src/*\n")
    checkout = tmp_path / "src"
    (checkout / "apps" / "web").mkdir(parents=True)
    (checkout / "apps" / "web" / "package.json").write_text(json.dumps({"name": "web"}))
    assert node_package_manager(SourceTree(checkout)).name == "npm"
    app = SourceTree(checkout, top=checkout).subtree("apps/web")
    assert [relative for _, relative in app.parents()] == ["..", "../.."]
    assert node_package_manager(app).name == "npm"
