"""SvelteKit's default ``adapter-auto``, switched to an adapter that self-hosts.

``sv create`` configures ``@sveltejs/adapter-auto``, which picks an adapter by
the platform it builds on (Vercel, Netlify, Cloudflare, ...) and on any other
writes no server at all: the app then fails at start (``Cannot find module
'/app/build'``). Vercel swaps in its own adapter; AutoStack does the same with
the official self-hosting ones: ``adapter-static`` when the detector found every
page prerendered (a static site), ``adapter-node`` otherwise. The adapter is
added with the project's package manager after the install, and the import in
the SvelteKit config (``svelte.config.js`` or, in newer templates,
``vite.config.ts``) is pointed at it, in the build's own copy of the source.
"""

from __future__ import annotations

import json
import re

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext

from .steps import run_step

AUTO = "@sveltejs/adapter-auto"
NODE = "@sveltejs/adapter-node"
STATIC = "@sveltejs/adapter-static"
CONFIGS = tuple(f"{stem}.{ext}" for stem in ("svelte.config", "vite.config")
                for ext in ("js", "mjs", "ts", "mts"))
# The adapters' majors for each SvelteKit major (their peer dependency on @sveltejs/kit);
# a newer kit takes the adapters' latest.
RANGES = {1: {NODE: "^1", STATIC: "^2"}, 2: {NODE: "^5", STATIC: "^3"}}
ADD = {"npm": "npm install --no-save", "pnpm": "pnpm add -D", "yarn": "yarn add -D",
       "bun": "bun add -d"}


def needs_switch(context: BuildContext) -> bool:
    """Whether this is a SvelteKit app on ``adapter-auto`` (no self-hosting adapter)."""
    if context.detection.framework != "sveltekit":
        return False
    dependencies = _dependencies(context)
    return AUTO in dependencies and not {NODE, STATIC} & dependencies.keys()


async def switch_adapter(context: BuildContext, prefix: str) -> None:
    """Install the self-hosting adapter and point the SvelteKit config at it."""
    adapter = STATIC if context.detection.runtime == "static" else NODE
    configs = [name for name in CONFIGS
               if AUTO in (user_files.read_text(context.workspace, name) or "")]
    if not configs:
        raise BuildError(f"this SvelteKit app depends on `{AUTO}` but no svelte.config or "
                         f"vite.config imports it; configure `{NODE}` (server) or `{STATIC}` "
                         "(static site) there")
    kit = re.search(r"\d+", _dependencies(context).get("@sveltejs/kit", ""))
    version = RANGES.get(int(kit[0]) if kit else 2, {}).get(adapter)
    spec = f"{adapter}@{version}" if version else adapter
    manager = context.detection.package_manager or "npm"
    await run_step(context, "install", f"{prefix}{ADD.get(manager, ADD['npm'])} {spec}")
    for name in configs:
        text = user_files.read_text(context.workspace, name) or ""
        user_file_writes.write_text(context.workspace, name, text.replace(AUTO, adapter))
    await context.log(
        f"SvelteKit: `{AUTO}` finds no platform it knows here, so the build uses `{adapter}` "
        f"({'every page is prerendered: a static site' if adapter == STATIC else 'a Node server'}"
        f"), as Vercel swaps in its own adapter; changed in {', '.join(configs)}"
    )


def _dependencies(context: BuildContext) -> dict[str, str]:
    try:
        package = json.loads(user_files.read_text(context.workspace, "package.json") or "{}")
    except ValueError:
        return {}
    found: dict[str, str] = {}
    for field in ("devDependencies", "dependencies"):
        section = package.get(field) if isinstance(package, dict) else None
        if isinstance(section, dict):
            found |= {str(k): str(v) for k, v in section.items()}
    return found
