"""The Node.js builder on small handmade projects, commands in the real sandbox."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.build.sandbox import Limits, Sandbox
from autostack_core.config import Settings
from autostack_core.interfaces import Detection
from autostack_plugins.builders import node, node_install, node_toolchain
from autostack_plugins.builders.node import NodeBuilder
from autostack_plugins.builders.node_server import replace_bin_links, start_command
from autostack_plugins.builders.node_version import (
    check_node_version,
    installed_node,
    satisfies,
)
from tests.build_harness import Build

pytestmark = pytest.mark.dbless

needs_sandbox = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")


def detection(**fields: Any) -> Detection:
    base: dict[str, Any] = {
        "framework": "express", "name": "Express", "runtime": "node", "confidence": 0.7,
        "package_manager": "npm", "install_command": "npm install",
    }
    return Detection(**(base | fields))


@pytest.fixture
def build(tmp_path: Path) -> Build:
    return Build(tmp_path)


@pytest.mark.parametrize(("requested", "expected"), [
    ("20", True), ("18", False), (">=18", True), (">=18 <20", False), ("^20.1", True),
    ("^18 || ^20", True), ("18.x", False), ("20.x", True), ("~20.20.1", True),
    ("~20.21", False), ("16 - 20", True), ("16 - 19", False), ("lts/iron", True),
    ("lts/hydrogen", False), ("lts/*", True), ("v20.20.2", True), ("20.20.3", False),
    (">20", False), (">19", True), ("<=20", True), ("<20", False), ("*", True),
    ("^0.1", False), ("20 || 22", True), (">= 18.0.0", True), ("^22", False),
])
def test_node_ranges_follow_npm_semver(requested: str, expected: bool) -> None:
    assert satisfies((20, 20, 2), requested) is expected


def test_a_node_version_the_server_lacks_names_both_versions() -> None:
    with pytest.raises(BuildError, match=r"`engines.node` .* asks for Node.js `>=22`, but this "
                                         r"server has Node.js 20.20.2 only"):
        check_node_version(">=22", "`engines.node` in package.json", (20, 20, 2))
    with pytest.raises(BuildError, match="not a version range"):
        check_node_version("banana", "`.nvmrc`", (20, 20, 2))
    check_node_version("20", "`.nvmrc`", (20, 20, 2))


async def test_the_build_stops_before_install_when_nvmrc_asks_for_another_major(
    build: Build,
) -> None:
    installed = installed_node()
    assert installed is not None
    build.write({".nvmrc": f"{installed[0] - 2}\n", "package.json": "{}"})
    with pytest.raises(BuildError, match=rf"`.nvmrc` asks for Node.js `{installed[0] - 2}`"):
        await build.run(NodeBuilder(), detection())
    assert build.commands == []


def test_pnpm_without_corepack_is_a_clear_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Bun needs no prefix here: the builder puts the toolchain cache's on the PATH."""
    monkeypatch.setattr(node_toolchain, "installed", lambda program: False)
    assert node_toolchain.toolchain_prefix("bun", tmp_path) == ""
    with pytest.raises(BuildError, match=r"Corepack .* is missing"):
        node_toolchain.toolchain_prefix("pnpm", tmp_path)


def test_pnpm_runs_through_a_corepack_shim_with_a_flat_node_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(node_toolchain, "installed", lambda program: program == "corepack")
    prefix = node_toolchain.toolchain_prefix("pnpm", tmp_path)
    assert "npm_config_node_linker=hoisted" in prefix
    assert '$HOME/.autostack-bin' in prefix
    shim = tmp_path / ".autostack-bin" / "pnpm"
    assert shim.read_text() == '#!/bin/sh\nexec corepack pnpm "$@"\n'
    assert node_toolchain.toolchain_prefix("npm", tmp_path) == ""


def test_the_corepack_shim_is_never_written_through_a_link_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Builds write the cache: ``.autostack-bin -> /usr/bin`` made the host replace pnpm there."""
    monkeypatch.setattr(node_toolchain, "installed", lambda program: program == "corepack")
    host = tmp_path / "host"
    host.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".autostack-bin").symlink_to(host)
    with pytest.raises(BuildError, match="goes through a symlink"):
        node_toolchain.toolchain_prefix("pnpm", cache)
    assert list(host.iterdir()) == []


def test_corepack_checks_signatures_unless_the_server_turns_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real Corepack run is tests/e2e/test_corepack.py; this is the setting's path."""
    monkeypatch.setattr(node_toolchain, "installed", lambda program: program == "corepack")
    assert "COREPACK_INTEGRITY_KEYS" not in node_toolchain.toolchain_prefix("pnpm", tmp_path)
    monkeypatch.delenv("AUTOSTACK_COREPACK_INTEGRITY", raising=False)
    assert node_toolchain.corepack_integrity(Settings.from_env()) is True
    assert node_toolchain.corepack_integrity(None) is True
    monkeypatch.setenv("AUTOSTACK_COREPACK_INTEGRITY", "0")
    off = node_toolchain.corepack_integrity(Settings.from_env())
    assert off is False
    assert 'COREPACK_INTEGRITY_KEYS="${COREPACK_INTEGRITY_KEYS-0}"' in \
        node_toolchain.toolchain_prefix("pnpm", tmp_path, off)


def test_start_commands_run_the_script_itself_without_a_package_manager() -> None:
    scripts = {"start": "node dist/server.js", "serve": "tsx src/main.ts && echo done"}
    resolved = start_command("npm run start", scripts)
    assert resolved.endswith("; exec node dist/server.js")
    assert '"$PWD/node_modules/.bin:$PATH"' in resolved
    assert start_command("yarn serve", scripts).endswith("; tsx src/main.ts && echo done")
    assert start_command("npx tsx src/index.ts", scripts).endswith("; exec tsx src/index.ts")
    assert start_command("node index.js --port $PORT", {}).endswith(
        "; exec node index.js --port $PORT")


def test_bin_links_become_scripts_that_run_the_real_file(tmp_path: Path) -> None:
    tool = tmp_path / "node_modules" / "tool" / "bin" / "tool.js"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/usr/bin/env node\nconsole.log(require('path').basename(__dirname))\n")
    tool.chmod(0o755)
    bin_dir = tmp_path / "node_modules" / ".bin"
    bin_dir.mkdir()
    (bin_dir / "tool").symlink_to("../tool/bin/tool.js")
    assert replace_bin_links(tmp_path) == 1
    link = bin_dir / "tool"
    assert not link.is_symlink()
    assert link.read_text() == '#!/bin/sh\nexec "$(dirname "$0")/../tool/bin/tool.js" "$@"\n'


@needs_sandbox
async def test_a_node_server_is_laid_out_in_server_and_answers_on_port(build: Build) -> None:
    build.write({
        "package.json": json.dumps({"name": "api", "scripts": {"start": "node server.js"},
                                    "engines": {"node": ">=18"}}),
        "server.js": (
            "require('http').createServer((req, res) => res.end('hi from ' + process.cwd() + "
            "' ' + process.env.NODE_ENV)).listen(process.env.PORT, '127.0.0.1');\n"
        ),
        "api/users.js": "module.exports = (req, res) => res.end('not a function here');\n",
        "vercel.json": json.dumps({"redirects": [{"source": "/old", "destination": "/"}]}),
    })
    await build.run(NodeBuilder(), detection(start_command="npm run start"))
    assert [step for step, _ in build.commands] == ["install"]
    server = build.json("server.json")
    assert server["runtime"] == "node" and server["directory"] == "server"
    assert server["command"].endswith("exec node server.js")
    assert "server.js" in build.files("server") and "package-lock.json" in build.files("server")
    assert not (build.output / "functions").exists()
    routes = build.json("config.json")["routes"]
    assert routes[0]["headers"] == {"Location": "/"}
    with build.serve() as url:
        body = httpx.get(url).text
    assert body == f"hi from {build.output / 'server'} production"


@needs_sandbox
async def test_a_next_standalone_build_ships_only_the_standalone_folder(build: Build) -> None:
    build.write({
        "package.json": json.dumps({"name": "web", "scripts": {"build": "node build.js"}}),
        "next.config.js": "module.exports = {output: 'standalone'}\n",
        "build.js": (
            "const fs = require('fs');\n"
            "fs.mkdirSync('.next/standalone/.next', {recursive: true});\n"
            "fs.mkdirSync('.next/static/chunks', {recursive: true});\n"
            "fs.writeFileSync('.next/static/chunks/main-0123456789abcdef.js', '1');\n"
            "fs.writeFileSync('.next/standalone/server.js', \"require('http').createServer("
            "(q, s) => s.end('standalone ' + process.env.HOSTNAME)).listen(process.env.PORT)\");\n"
        ),
        "public/robots.txt": "User-agent: *\n",
    })
    await build.run(NodeBuilder(), detection(
        framework="nextjs", name="Next.js", build_command="npm run build",
        start_command="node .next/standalone/server.js",
    ))
    assert build.json("server.json")["command"] == "HOSTNAME=127.0.0.1 exec node server.js"
    assert build.files("server") == [".next/static/chunks/main-0123456789abcdef.js",
                                     "public/robots.txt", "server.js"]
    assert build.files("static") == ["_next/static/chunks/main-0123456789abcdef.js",
                                     "robots.txt"]
    routes = build.json("config.json")["routes"]
    assert routes[0]["headers"]["Cache-Control"].endswith("immutable")
    with build.serve() as url:
        assert httpx.get(url).text == "standalone 127.0.0.1"


@needs_sandbox
async def test_a_static_node_site_gets_static_output_and_its_functions(build: Build) -> None:
    build.write({
        "package.json": json.dumps({"name": "site", "type": "module",
                                    "scripts": {"build": "node build.js"}}),
        "build.js": ("import fs from 'fs'; fs.mkdirSync('dist', {recursive: true});"
                     "fs.writeFileSync('dist/index.html', '<h1>site</h1>');\n"),
        "api/hello.js": "export default (req, res) => res.json({hello: 'world'});\n",
        "api/_shared.js": "export const x = 1;\n",
        "api/typed.ts": "export default () => new Response('ts')\n",
    })
    await build.run(NodeBuilder(), detection(
        framework="vite", name="Vite", runtime="static", build_command="npm run build",
        output_directory="dist", spa_fallback=True,
    ))
    assert build.files("static") == ["index.html"]
    assert build.json("config.json")["routes"][-1] == {"src": "^/.*$", "dest": "/index.html"}
    assert build.files("functions") == [
        "api/hello.func/.vc-config.json", "api/hello.func/api/_shared.js",
        "api/hello.func/api/hello.js", "api/hello.func/package.json",
    ]
    assert build.json("functions/api/hello.func/.vc-config.json") == {
        "runtime": "nodejs20.x", "handler": "api/hello.js", "launcherType": "Nodejs",
        "shouldAddHelpers": True,
    }
    assert any("api/typed.ts skipped" in line for line in build.log)
    assert not (build.output / "server.json").exists()


def test_node_builder_claims_node_projects_and_node_static_sites() -> None:
    builder = NodeBuilder()
    assert builder.priority > 10
    assert builder.can_build(detection())
    assert builder.can_build(detection(runtime="static", package_manager="pnpm"))
    assert not builder.can_build(detection(runtime="static", package_manager=None))
    assert not builder.can_build(detection(runtime="python", package_manager="pip"))


def test_hook_register_builders_returns_the_node_builder() -> None:
    (builder,) = node.register_builders(settings=None)
    assert isinstance(builder, NodeBuilder)


@needs_sandbox
async def test_sveltekit_on_adapter_auto_without_a_config_importing_it_is_a_clear_error(
    build: Build,
) -> None:
    build.write({"package.json": json.dumps({"devDependencies": {
        "@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^7"}})})
    with pytest.raises(BuildError, match=r"depends on `@sveltejs/adapter-auto` but no "
                                         r"svelte\.config or vite\.config imports it"):
        await build.run(NodeBuilder(), detection(
            framework="sveltekit", name="SvelteKit", install_command=None,
            build_command="vite build", start_command="node build"))
    assert build.commands == []


@needs_sandbox
async def test_sveltekit_with_its_own_adapter_is_left_as_it_is(build: Build) -> None:
    config = "import adapter from '@sveltejs/adapter-node';\n"
    build.write({"svelte.config.js": config, "package.json": json.dumps({"devDependencies": {
        "@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^7", "@sveltejs/adapter-node": "^5"}})})
    with pytest.raises(BuildError, match="build command"):
        await build.run(NodeBuilder(), detection(
            framework="sveltekit", name="SvelteKit", install_command=None,
            build_command="exit 3", start_command="node build"))
    assert [step for step, _ in build.commands] == ["build"]
    assert (build.workspace / "svelte.config.js").read_text() == config


def fake_toolchain(toolchains: Path, *versions: str) -> None:
    for version in versions:
        node = toolchains / "node" / version / "bin" / "node"
        node.parent.mkdir(parents=True)
        node.write_text(f"#!/bin/sh\necho v{version}\n")
        node.chmod(0o755)


@pytest.mark.parametrize(("requested", "expected"), [
    ("^22.18.0 || >=24.12.0", "24.13.0"), ("22", "22.19.0"), (">=20", "24.13.0"),
    ("lts/jod", "22.19.0"), ("20.x", None), ("26", None),
])
def test_the_newest_offered_version_in_the_cache_is_used_without_the_registry(
    tmp_path: Path, requested: str, expected: str | None
) -> None:
    fake_toolchain(tmp_path, "22.19.0", "24.13.0", "26.1.0", "18.20.0")
    (tmp_path / "node" / ".fetch-leftover").mkdir()
    versions = node_install.installed_versions(tmp_path)
    assert versions[0] == (26, 1, 0)
    chosen = node_install._matching(versions, requested)
    assert (node_install.show(chosen) if chosen else None) == expected


def test_a_cached_version_is_taken_before_asking_the_registry(tmp_path: Path) -> None:
    fake_toolchain(tmp_path, "24.13.0")
    assert node_install.ensure(tmp_path, ">=24", "`engines.node`") == ((24, 13, 0), False)
    with pytest.raises(BuildError, match="not a version range"):
        node_install.ensure(tmp_path, "banana", "`.nvmrc`")


def test_a_server_app_ships_the_node_it_was_built_with(tmp_path: Path) -> None:
    fake_toolchain(tmp_path / "toolchains", "24.13.0")
    (tmp_path / "output" / "server").mkdir(parents=True)
    prefix = node_install.ship(tmp_path / "toolchains", (24, 13, 0), tmp_path / "output", "server")
    assert prefix == f'export PATH="$PWD/{node_install.SHIPPED}/bin:$PATH"; '
    shipped = tmp_path / "output" / "server" / node_install.SHIPPED
    assert sorted(p.name for p in shipped.rglob("*")) == ["bin", "node"]
    assert os.access(shipped / "bin" / "node", os.X_OK)


@pytest.mark.parametrize("planted", ["folder", "link inside", "link outside"])
def test_a_build_output_cannot_plant_the_shipped_node_folder(tmp_path: Path,
                                                              planted: str) -> None:
    """The binary is copied by the host: a folder of that name made by the build, or a link
    (to the host's folders), fails the build and nothing is written through it."""
    fake_toolchain(tmp_path / "toolchains", "24.13.0")
    server = tmp_path / "output" / "server"
    server.mkdir(parents=True)
    host = tmp_path / "host"
    host.mkdir()
    folder = server / node_install.SHIPPED
    if planted == "folder":
        folder.mkdir()
    elif planted == "link inside":
        (server / "static").mkdir()
        folder.symlink_to("static")
    else:
        folder.symlink_to(host)
    with pytest.raises(BuildError, match=node_install.SHIPPED):
        node_install.ship(tmp_path / "toolchains", (24, 13, 0), tmp_path / "output", "server")
    assert list(host.iterdir()) == []


@needs_sandbox
async def test_builds_see_the_toolchain_cache_read_only(tmp_path: Path) -> None:
    toolchains = tmp_path / "toolchains"
    fake_toolchain(toolchains, "24.13.0")
    (tmp_path / "workspace").mkdir()
    (tmp_path / "cache").mkdir()
    sandbox = Sandbox(tmp_path / "workspace", tmp_path / "cache", Limits(wall_seconds=30), {},
                      False, toolchains=toolchains)
    lines: list[str] = []

    async def on_line(stream: str, line: str) -> None:
        lines.append(line)

    code = await sandbox.run('export PATH="$AUTOSTACK_TOOLCHAINS/node/24.13.0/bin:$PATH"; '
                             "node; echo poisoned > $AUTOSTACK_TOOLCHAINS/node/24.13.0/bin/node",
                             on_line)
    assert code != 0
    assert lines[0] == "v24.13.0"
    assert (toolchains / "node" / "24.13.0" / "bin" / "node").read_text().startswith("#!/bin/sh")
