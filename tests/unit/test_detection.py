"""Core detection: best confidence wins regardless of plugin order, then overrides apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pluggy
import pytest

from autostack_core import hookimpl
from autostack_core.build.detection import DetectionError, detect
from autostack_core.build.workspaces import list_apps
from autostack_core.config import Settings
from autostack_core.interfaces import Detection, SourceTree
from autostack_core.plugins import DEFAULT_PLUGINS, get_plugin_manager

pytestmark = pytest.mark.dbless

DETECTORS = tuple(name for name in DEFAULT_PLUGINS if ".detectors." in name)


def write_tree(root: Path, files: dict[str, Any]) -> SourceTree:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return SourceTree(root)


def manager(*extra: object, builtins: tuple[str, ...] = DETECTORS) -> pluggy.PluginManager:
    pm = get_plugin_manager(default_plugins=builtins, load_entry_points=False).manager
    for plugin in extra:
        pm.register(plugin)
    return pm


async def run(root: Path, files: dict[str, Any], overrides: dict[str, Any] | None = None,
              pm: pluggy.PluginManager | None = None) -> Detection:
    tree = write_tree(root, files)
    detection = await detect(tree, pm or manager(), Settings(data_dir=root / ".data"), overrides)
    assert detection is not None
    return detection


NEXT_APP = {
    "package.json": {"name": "web", "scripts": {"build": "next build", "start": "next start"},
                     "dependencies": {"next": "14.2.3", "react": "18.3.1"}},
    "next.config.js": "module.exports = {}\n",
    "public/index.html": "<h1>legacy</h1>",
    "Dockerfile": "FROM node:20\n",
}


class Fixed:
    """A detector plugin that always answers the same thing."""

    def __init__(self, framework: str, confidence: float, style: str = "value") -> None:
        self.detection = Detection(framework=framework, name=framework, runtime="static",
                                   confidence=confidence, detector=framework)
        self.style = style

    @hookimpl
    def detect_framework(self, tree: SourceTree, settings: Any) -> Any:
        if self.style == "awaitable":
            async def later() -> Detection:
                return self.detection
            return later()
        if self.style == "callable":
            return lambda: self.detection
        if self.style == "dict":
            return self.detection.to_dict()
        return self.detection


async def test_highest_confidence_wins_over_fallbacks(tmp_path: Path) -> None:
    detection = await run(tmp_path, NEXT_APP)
    assert detection.framework == "nextjs"
    assert detection.reasons[0] == "Next.js 14: `next@14.2.3` in dependencies, " \
                                   "`next.config.js` present"


@pytest.mark.parametrize("order", [("alpha", "beta"), ("beta", "alpha")])
async def test_ties_break_by_framework_name_not_plugin_order(tmp_path: Path,
                                                             order: tuple[str, str]) -> None:
    plugins = [Fixed(name, 0.5) for name in order]
    detection = await run(tmp_path, {}, pm=manager(*plugins, builtins=()))
    assert detection.framework == "alpha"


@pytest.mark.parametrize("style", ["awaitable", "callable", "dict"])
async def test_hook_results_are_awaited_or_called(tmp_path: Path, style: str) -> None:
    pm = manager(Fixed("mine", 0.99, style))
    detection = await run(tmp_path, NEXT_APP, pm=pm)
    assert detection.framework == "mine"


async def test_nothing_recognised(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {"README.md": "hello"})
    assert await detect(tree, manager(), Settings(data_dir=tmp_path)) is None


async def test_vercel_json_overrides_detection(tmp_path: Path) -> None:
    detection = await run(tmp_path, {**NEXT_APP, "vercel.json": {
        "buildCommand": "npm run build:prod", "installCommand": "npm install --legacy-peer-deps",
        "outputDirectory": "dist"}})
    assert detection.framework == "nextjs"
    assert detection.build_command == "npm run build:prod"
    assert detection.install_command == "npm install --legacy-peer-deps"
    assert detection.output_directory == "dist"
    assert "build command `npm run build:prod` from `vercel.json` (`buildCommand`)" \
        in detection.reasons


async def test_vercel_json_framework_picks_another_candidate(tmp_path: Path) -> None:
    detection = await run(tmp_path, {**NEXT_APP, "vercel.json": {"framework": "docker"}})
    assert (detection.framework, detection.runtime) == ("docker", "docker")
    assert "framework `docker` set by `vercel.json` (`framework`)" in detection.reasons


async def test_empty_build_command_means_no_build(tmp_path: Path) -> None:
    detection = await run(tmp_path, {**NEXT_APP, "vercel.json": {"buildCommand": ""}})
    assert detection.build_command is None
    assert any("none, as `vercel.json` (`buildCommand`) is empty" in r for r in detection.reasons)


async def test_netlify_toml_base_command_and_publish(tmp_path: Path) -> None:
    files = {
        "netlify.toml": '[build]\nbase = "site"\ncommand = "npm run export"\n'
                        'publish = "site/out"\n\n[build.environment]\nNODE_VERSION = "20"\n',
        **{f"site/{name}": content for name, content in NEXT_APP.items()},
    }
    detection = await run(tmp_path, files)
    assert detection.framework == "nextjs"
    assert detection.build_command == "npm run export"
    assert detection.output_directory == "out"
    assert "root directory `site` from `netlify.toml` (`[build] base`)" in detection.reasons
    assert "Node.js `20` requested by `netlify.toml` (`[build.environment] NODE_VERSION`)" \
        in detection.reasons


async def test_autostack_files_beat_vercel_json(tmp_path: Path) -> None:
    detection = await run(tmp_path, {
        **NEXT_APP,
        "vercel.json": {"buildCommand": "from-vercel"},
        "autostack.toml": 'build_command = "from-toml"\nstart_command = "node server.js"\n',
        "autostack.json": {"buildCommand": "from-json"},
    })
    assert detection.build_command == "from-json"
    assert detection.start_command == "node server.js"
    assert "start command `node server.js` from `autostack.toml` (`start_command`)" \
        in detection.reasons


async def test_project_settings_beat_every_file(tmp_path: Path) -> None:
    detection = await run(
        tmp_path,
        {**NEXT_APP, "autostack.json": {"build_command": "from-file"}},
        {"build_command": "make site", "output_directory": None, "node_version": "18"},
    )
    assert detection.build_command == "make site"
    assert detection.output_directory == ".next"
    assert "build command `make site` from project settings (`build_command`)" \
        in detection.reasons
    assert "Node.js `18` requested by project settings (`node_version`)" in detection.reasons


async def test_project_root_directory(tmp_path: Path) -> None:
    files = {
        "package.json": {"name": "repo", "private": True, "workspaces": ["apps/*"]},
        "apps/docs/package.json": {"devDependencies": {"vitepress": "^1.3.0"}},
        "apps/docs/vercel.json": {"outputDirectory": "public"},
    }
    detection = await run(tmp_path, files, {"root_directory": "apps/docs"})
    assert detection.framework == "vitepress"
    assert detection.output_directory == "public"
    assert "root directory `apps/docs` from project settings (`root_directory`)" \
        in detection.reasons


async def test_missing_root_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DetectionError, match="`apps/web` from project settings"):
        await run(tmp_path, NEXT_APP, {"root_directory": "apps/web"})


async def test_overrides_alone_make_a_detection(tmp_path: Path) -> None:
    detection = await run(tmp_path, {"Makefile": "all:\n"},
                          {"build_command": "make", "output_directory": "out"})
    assert (detection.framework, detection.build_command) == ("other", "make")


async def test_invalid_vercel_json_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DetectionError, match=r"vercel\.json"):
        await run(tmp_path, {**NEXT_APP, "vercel.json": "{not json"})


# ---------------------------------------------------------------------------
# Monorepos
# ---------------------------------------------------------------------------


def test_list_apps_pnpm_turbo(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "package.json": {"name": "repo", "private": True},
        "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - \"packages/*\"  # shared\n"
                               "  - '!packages/legacy'\n",
        "turbo.json": {"tasks": {}},
        "apps/web/package.json": {"name": "@acme/web", "scripts": {"build": "next build"}},
        "apps/docs/package.json": {"name": "docs", "scripts": {"dev": "vitepress dev"}},
        "packages/ui/package.json": {"name": "@acme/ui"},
        "packages/legacy/package.json": {"name": "legacy", "scripts": {"build": "x"}},
        "apps/web/node_modules/x/package.json": {"name": "x"},
    })
    assert list_apps(tmp_path) == [
        {"name": "docs", "directory": "apps/docs", "workspace": "pnpm (turbo)",
         "deployable": True},
        {"name": "@acme/web", "directory": "apps/web", "workspace": "pnpm (turbo)",
         "deployable": True},
        {"name": "@acme/ui", "directory": "packages/ui", "workspace": "pnpm (turbo)",
         "deployable": False},
    ]


def test_list_apps_yarn_workspaces_object_form(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "package.json": {"private": True, "workspaces": {"packages": ["sites/*"]}},
        "yarn.lock": "",
        "sites/blog/package.json": {"name": "blog", "scripts": {"build": "astro build"}},
    })
    assert list_apps(tmp_path) == [
        {"name": "blog", "directory": "sites/blog", "workspace": "yarn", "deployable": True},
    ]


def test_list_apps_nx_without_workspaces(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "package.json": {"name": "org"},
        "nx.json": {"npmScope": "org"},
        "apps/api/project.json": {"name": "api", "targets": {}},
    })
    assert list_apps(tmp_path) == [
        {"name": "api", "directory": "apps/api", "workspace": "nx", "deployable": True},
    ]


def test_list_apps_of_a_single_app(tmp_path: Path) -> None:
    write_tree(tmp_path, NEXT_APP)
    assert list_apps(tmp_path) == []


# ---------------------------------------------------------------------------
# Precedence between the built-in detectors
# ---------------------------------------------------------------------------

PRECEDENCE = [
    ({"index.html": "<h1>hi</h1>"}, "static"),
    ({"index.html": "", "Procfile": "web: ./serve\n"}, "procfile"),
    ({"index.html": "", "Procfile": "web: ./serve\n", "Dockerfile": "FROM alpine\n"}, "docker"),
    ({"Dockerfile": "FROM python:3.12\n", "requirements.txt": "flask\ngunicorn\n",
      "app.py": "from flask import Flask\napp = Flask(__name__)\n"}, "flask"),
    ({"Dockerfile": "FROM node:20\n", "package.json": {"dependencies": {"express": "^4"}},
      "index.js": "require('express')\n"}, "express"),
    ({"package.json": {"devDependencies": {"vite": "^5", "@vitejs/plugin-react": "^4"},
                       "dependencies": {"express": "^4", "react": "^18"}},
      "index.html": ""}, "vite"),
    ({"package.json": {"devDependencies": {"hexo": "^7"}}, "_config.yml": "title: x\n",
      "_posts/a.md": ""}, "hexo"),
    ({"mkdocs.yml": "site_name: x\n", "requirements.txt": "mkdocs\n", "index.html": ""},
     "mkdocs"),
]


@pytest.mark.parametrize("reverse", [False, True], ids=["listed-order", "reversed-order"])
@pytest.mark.parametrize(("files", "framework"), PRECEDENCE,
                         ids=[case[1] for case in PRECEDENCE])
async def test_builtin_precedence_does_not_depend_on_order(
    tmp_path: Path, files: dict[str, Any], framework: str, reverse: bool
) -> None:
    order = tuple(reversed(DETECTORS)) if reverse else DETECTORS
    detection = await run(tmp_path, files, pm=manager(builtins=order))
    assert detection.framework == framework, detection.reasons
