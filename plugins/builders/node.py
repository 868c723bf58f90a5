"""The Node.js builder: install with the project's package manager, build, lay out.

Before anything runs, the Node.js version the project asks for (``.nvmrc``,
``.node-version``, ``engines.node``) is checked against the server's, and
pnpm or Yarn are made available through Corepack when they are not installed.
Then:

- a static site (Vite, Create React App, Astro, Docusaurus, ...) is published
  by the static builder's rules into ``static/`` with ``config.json`` routes,
  plus its ``api/`` functions;
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
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_file_writes, user_files
from autostack_core.interfaces import BuildContext, Detection, SourceTree

from . import node_cache as build_cache
from . import sveltekit_adapter
from .api_functions import build_functions
from .node_server import lay_out_server
from .node_toolchain import corepack_integrity, toolchain_prefix
from .node_version import check_node_version, installed_node
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
        requested = SourceTree(context.workspace).node_version()
        node = await asyncio.to_thread(installed_node)
        if requested is not None:
            version, source = requested
            check_node_version(version, source, node)
            await context.log(f"Node.js `{version}` requested by {source}: available")
        prefix = toolchain_prefix(detection.package_manager, context.cache_dir,
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
        saved = await asyncio.to_thread(build_cache.save, context.workspace,
                                        context.cache_dir, key)
        if saved:
            await context.log(f"build cache: saved {', '.join(saved)}")

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
