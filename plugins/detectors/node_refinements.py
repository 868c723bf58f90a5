"""What a JavaScript framework's config file changes in its detection, one function a
framework (the ``refine`` step of its row in :data:`.node.FRAMEWORKS`).

Each takes the project, the detection its row produced and the config file
found (or ``None``), and changes the detection in place: a Next.js static
export or standalone server, an Astro or SvelteKit server build, a docs
site's folder. Each change adds a reason saying what in the config caused it.
"""

from __future__ import annotations

import re

from autostack_core.interfaces import Detection

from .node_framework import config_text, set_static
from .node_project import NodeProject, config_files


def nextjs(project: NodeProject, detection: Detection, config: str | None) -> None:
    text = config_text(project, config)
    if re.search(r"output\s*:\s*['\"]export['\"]", text):
        set_static(detection, "out", f"static export: `output: 'export'` in `{config}`")
    elif "next export" in project.scripts.get("build", ""):
        set_static(detection, "out", "static export: `next export` in the `build` script")
    elif re.search(r"output\s*:\s*['\"]standalone['\"]", text):
        detection.start_command = "node .next/standalone/server.js"
        detection.reasons.append(f"standalone server: `output: 'standalone'` in `{config}`")


def astro(project: NodeProject, detection: Detection, config: str | None) -> None:
    text = config_text(project, config)
    server = re.search(r"output\s*:\s*['\"](server|hybrid)['\"]", text)
    if not server:
        return
    detection.runtime = "node"
    if project.has("@astrojs/node"):
        detection.start_command = project.script_command(
            "start", "node ./dist/server/entry.mjs"
        )
        detection.reasons.append(
            f"server output: `output: '{server.group(1)}'` in `{config}` with "
            f"{project.cite('@astrojs/node')}"
        )
    else:
        detection.start_command = "node ./dist/server/entry.mjs"
        detection.reasons.append(
            f"server output: `output: '{server.group(1)}'` in `{config}`; self-hosting needs "
            "the `@astrojs/node` adapter (`npx astro add node`)"
        )


def sveltekit(project: NodeProject, detection: Detection, config: str | None) -> None:
    if project.has("@sveltejs/adapter-static"):
        spa = "fallback" in config_text(project, config)
        set_static(detection, "build", f"static site: {project.cite('@sveltejs/adapter-static')}")
        detection.spa_fallback = spa
    elif project.has("@sveltejs/adapter-node"):
        detection.start_command = "node build"
        detection.reasons.append(f"Node server: {project.cite('@sveltejs/adapter-node')}")
    elif project.has("@sveltejs/adapter-auto"):
        # As Vercel does (adapter-auto picks its adapter there): the builder switches it.
        layout = project.first_file(*(f"src/routes/+layout.{ext}" for ext in ("js", "ts")))
        if layout and re.search(r"export\s+const\s+prerender\s*=\s*true",
                                project.tree.read_text(layout) or ""):
            set_static(detection, "build", f"{project.cite('@sveltejs/adapter-auto')} and every "
                       f"page prerendered (`export const prerender = true` in `{layout}`): "
                       "built with `@sveltejs/adapter-static` instead")
        else:
            detection.start_command = "node build"
            detection.reasons.append(f"{project.cite('@sveltejs/adapter-auto')}: built with "
                                     "`@sveltejs/adapter-node` instead, a Node server")
    else:
        detection.start_command = "node build"
        detection.reasons.append(
            "no self-hosting adapter found: add `@sveltejs/adapter-node` (server) or "
            "`@sveltejs/adapter-static` (static site) to svelte.config.js"
        )


def nuxt(project: NodeProject, detection: Detection, config: str | None) -> None:
    major = project.major("nuxt") or 3
    text = config_text(project, config)
    generate = "nuxt generate" in project.scripts.get("build", "")
    spa = re.search(r"ssr\s*:\s*false", text) is not None
    if major < 3:
        detection.start_command = project.script_command("start", "nuxt start")
        detection.output_directory = ".nuxt"
        if generate or re.search(r"target\s*:\s*['\"]static['\"]", text):
            set_static(detection, "dist", "static site: Nuxt 2 `target: 'static'`")
            detection.build_command = project.script_command("generate", "nuxt generate")
        return
    if generate or spa:
        why = f"`ssr: false` in `{config}`" if spa else "`nuxt generate` in `build`"
        set_static(detection, ".output/public", f"static site: {why}")
        detection.build_command = project.script_command("generate", "nuxt generate")
        detection.spa_fallback = spa


def remix(project: NodeProject, detection: Detection, config: str | None) -> None:
    vite_config = project.first_file(*config_files("vite.config"))
    if vite_config and "@remix-run/dev" in config_text(project, vite_config):
        detection.build_command = project.script_command("build", "remix vite:build")
        detection.start_command = project.script_command(
            "start", "remix-serve ./build/server/index.js"
        )
        detection.reasons.append(f"Remix Vite plugin in `{vite_config}`")


def react_router(project: NodeProject, detection: Detection, config: str | None) -> None:
    if re.search(r"ssr\s*:\s*false", config_text(project, config)):
        set_static(detection, "build/client", f"SPA mode: `ssr: false` in `{config}`")
        detection.spa_fallback = True


def _doc_folder(project: NodeProject, tool: str) -> str:
    """The docs folder of VitePress/VuePress: from the build script, else where ``.<tool>`` is."""
    scripts = project.scripts.get("docs:build", "") + " " + project.scripts.get("build", "")
    match = re.search(rf"{tool} build\s+([\w./-]+)", scripts)
    if match:
        return match.group(1).strip("./") or "."
    for folder in ("docs", "src", "."):
        if project.tree.is_dir(f"{folder}/.{tool}"):
            return folder
    return "docs"


def _docs_site(project: NodeProject, detection: Detection, tool: str) -> None:
    """VitePress and VuePress alike: the output is ``<docs folder>/.<tool>/dist``, and
    without a ``docs:build`` or ``build`` script the build is ``<tool> build <folder>``."""
    folder = _doc_folder(project, tool)
    prefix = "" if folder == "." else f"{folder}/"
    detection.output_directory = f"{prefix}.{tool}/dist"
    if not {"docs:build", "build"} & project.scripts.keys():
        detection.build_command = f"{project.pm.exec} {tool} build {folder}"


def vitepress(project: NodeProject, detection: Detection, config: str | None) -> None:
    _docs_site(project, detection, "vitepress")


def vuepress(project: NodeProject, detection: Detection, config: str | None) -> None:
    _docs_site(project, detection, "vuepress")


def eleventy(project: NodeProject, detection: Detection, config: str | None) -> None:
    match = re.search(r"output\s*:\s*['\"]([^'\"]+)['\"]", config_text(project, config))
    if match:
        detection.output_directory = match.group(1).strip("./") or "_site"
        detection.reasons.append(f"output `{detection.output_directory}` set in `{config}`")


_VITE_FLAVOURS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Preact", ("@preact/preset-vite", "preact")),
    ("Solid", ("vite-plugin-solid", "solid-js")),
    ("Svelte", ("@sveltejs/vite-plugin-svelte", "svelte")),
    ("Vue", ("@vitejs/plugin-vue", "vue")),
    ("React", ("@vitejs/plugin-react", "@vitejs/plugin-react-swc", "react")),
    ("Lit", ("lit",)),
)


def vite(project: NodeProject, detection: Detection, config: str | None) -> None:
    for flavour, packages in _VITE_FLAVOURS:
        present = [package for package in packages if project.has(package)]
        if present:
            detection.name = f"Vite ({flavour})"
            detection.reasons.append(f"{flavour}: {project.cite(present[0])}")
            break
    else:
        detection.name = "Vite (vanilla)"
    match = re.search(r"outDir\s*:\s*['\"]([^'\"]+)['\"]", config_text(project, config))
    if match:
        detection.output_directory = match.group(1).strip("./") or "dist"
        detection.reasons.append(f"`build.outDir` is `{detection.output_directory}` in `{config}`")


def qwik(project: NodeProject, detection: Detection, config: str | None) -> None:
    for adapter in ("express", "node-server", "fastify"):
        if project.tree.is_dir(f"adapters/{adapter}"):
            detection.runtime = "node"
            detection.start_command = project.script_command(
                "serve", f"node server/entry.{adapter}"
            )
            detection.reasons.append(f"Node server: `adapters/{adapter}` present")
            return
    if project.tree.is_dir("adapters/static"):
        detection.reasons.append("static site: `adapters/static` present")
