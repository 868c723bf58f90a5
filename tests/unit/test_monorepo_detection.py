"""Monorepos (issue 20 item 4): an app of a workspace installs at the workspace root with its
package manager, builds through Turborepo or Nx when they are installed and have a build
task, and ``autostack detect --json`` on the root lists every app with its framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from autostack_core.build.detection import detect
from autostack_core.cli.local import detect_command
from autostack_core.config import Settings
from autostack_core.interfaces import Detection, SourceTree
from autostack_core.plugins import get_plugin_manager

pytestmark = pytest.mark.dbless

WEB = {"name": "web", "scripts": {"build": "vite build", "dev": "vite"},
       "devDependencies": {"vite": "^8.3.4"}}


def write(root: Path, files: dict[str, Any]) -> None:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if isinstance(content, str) else json.dumps(content))


async def detect_app(root: Path) -> Detection:
    manager = get_plugin_manager(load_entry_points=False).manager
    found = await detect(SourceTree(root), manager, Settings(), {"root_directory": "apps/web"})
    assert found is not None
    return found


async def test_npm_workspace_app_installs_at_the_root(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": {"private": True, "workspaces": ["apps/*"]},
                     "package-lock.json": "{}", "apps/web/package.json": WEB})
    found = await detect_app(tmp_path)
    assert (found.framework, found.package_manager) == ("vite", "npm")
    assert found.install_command == "npm ci --prefix=../.."
    assert found.build_command == "npm run build" and found.output_directory == "dist"
    (tmp_path / "package-lock.json").unlink()
    assert (await detect_app(tmp_path)).install_command == "npm install --prefix=../.."


async def test_turbo_builds_the_app_only_when_installed_with_a_build_task(
    tmp_path: Path,
) -> None:
    root = {"private": True, "packageManager": "pnpm@9.0.0", "devDependencies": {"turbo": "^2"}}
    write(tmp_path, {"package.json": root, "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
                     "turbo.json": {"tasks": {"lint": {}}}, "apps/web/package.json": WEB})
    found = await detect_app(tmp_path)
    assert found.install_command == "pnpm install"
    assert found.build_command == "pnpm run build"  # no build task: the app's own script
    write(tmp_path, {"turbo.json": {"tasks": {"build": {"dependsOn": ["^build"]}}}})
    found = await detect_app(tmp_path)
    assert found.build_command == "cd ../.. && pnpm exec turbo run build --filter={apps/web}..."
    assert any("Turborepo" in reason for reason in found.reasons)
    write(tmp_path, {"package.json": {**root, "devDependencies": {}}})
    assert (await detect_app(tmp_path)).build_command == "pnpm run build"  # turbo missing


async def test_nx_builds_the_project_with_a_build_target(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": {"workspaces": ["apps/*"], "devDependencies": {"nx": "22"}},
                     "package-lock.json": "{}", "nx.json": {"targetDefaults": {}},
                     "apps/web/package.json": WEB})
    assert (await detect_app(tmp_path)).build_command == "npm run build"
    write(tmp_path, {"apps/web/project.json": {"name": "shop", "targets": {"build": {}}}})
    assert (await detect_app(tmp_path)).build_command == "cd ../.. && npx nx build shop"
    write(tmp_path, {"apps/web/project.json": {"name": "my shop", "targets": {"build": {}}}})
    assert (await detect_app(tmp_path)).build_command == "cd ../.. && npx nx build 'my shop'"


def test_detect_json_on_the_root_lists_every_app_with_its_framework(tmp_path: Path) -> None:
    write(tmp_path, {
        "package.json": {"private": True, "workspaces": ["apps/*", "packages/*"]},
        "package-lock.json": "{}",
        "apps/web/package.json": {"name": "web", "dependencies": {"next": "^16"},
                                  "scripts": {"build": "next build", "start": "next start"}},
        "apps/docs/package.json": WEB | {"name": "docs"},
        "packages/ui/package.json": {"name": "@repo/ui", "main": "index.js"},
    })
    result = CliRunner().invoke(detect_command, [str(tmp_path), "--json"])
    report = json.loads(result.output)
    assert report["framework"] is None and result.exit_code == 1
    assert [(app["directory"], app["framework"], app["deployable"])
            for app in report["apps"]] == [
        ("apps/docs", "vite", True), ("apps/web", "nextjs", True), ("packages/ui", None, False)]
    text = CliRunner().invoke(detect_command, [str(tmp_path)]).output
    assert "apps/web" in text and "nextjs" in text
