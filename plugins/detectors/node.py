"""Detector for JavaScript frameworks and Node servers, read from ``package.json``.

Every framework is one row of :data:`FRAMEWORKS` (the packages that reveal it,
its config files, default commands and output directory, after Vercel's public
framework list); a few rows have a ``refine`` step for what the config decides
(a Next.js static export, an Astro server build, a SvelteKit adapter). All rows
that match become candidates and the highest confidence wins, so a SvelteKit
app, which also depends on Vite, is SvelteKit. Node servers (Express, Fastify,
Koa, Hono, NestJS, H3, Elysia) score lower than any front-end framework, and a
server with no framework at all (Vercel's ``node`` and ``bun`` presets) lower
still, and a ``build`` script alone (Vercel's "Other" preset) lowest. The
rarer presets of Vercel's list live in :mod:`.node_presets`.
"""

from __future__ import annotations

import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.build.workspaces import dependency_folders, watch_paths
from autostack_core.interfaces import Detection, SourceTree

from .monorepo_tools import monorepo_build
from .node_framework import CONFIG_BONUS, Framework, config_text, refine_angular, set_static
from .node_plain import build_script_only, plain_server
from .node_presets import PRESETS
from .node_project import NodeProject, config_files
from .node_servers import SERVERS, refine_server
from .package_managers import workspace_root

DETECTOR = "autostack_plugins.detectors.node"

# ---------------------------------------------------------------------------
# Refinements: what a framework's config file changes
# ---------------------------------------------------------------------------


def _nextjs(project: NodeProject, detection: Detection, config: str | None) -> None:
    text = config_text(project, config)
    if re.search(r"output\s*:\s*['\"]export['\"]", text):
        set_static(detection, "out", f"static export: `output: 'export'` in `{config}`")
    elif "next export" in project.scripts.get("build", ""):
        set_static(detection, "out", "static export: `next export` in the `build` script")
    elif re.search(r"output\s*:\s*['\"]standalone['\"]", text):
        detection.start_command = "node .next/standalone/server.js"
        detection.reasons.append(f"standalone server: `output: 'standalone'` in `{config}`")


def _astro(project: NodeProject, detection: Detection, config: str | None) -> None:
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


def _sveltekit(project: NodeProject, detection: Detection, config: str | None) -> None:
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


def _nuxt(project: NodeProject, detection: Detection, config: str | None) -> None:
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


def _remix(project: NodeProject, detection: Detection, config: str | None) -> None:
    vite_config = project.first_file(*config_files("vite.config"))
    if vite_config and "@remix-run/dev" in config_text(project, vite_config):
        detection.build_command = project.script_command("build", "remix vite:build")
        detection.start_command = project.script_command(
            "start", "remix-serve ./build/server/index.js"
        )
        detection.reasons.append(f"Remix Vite plugin in `{vite_config}`")


def _react_router(project: NodeProject, detection: Detection, config: str | None) -> None:
    if re.search(r"ssr\s*:\s*false", config_text(project, config)):
        set_static(detection, "build/client", f"SPA mode: `ssr: false` in `{config}`")
        detection.spa_fallback = True


def _doc_folder(project: NodeProject, marker: str, script: str) -> str:
    """The docs folder of VitePress/VuePress: from the build script, else the marker."""
    scripts = project.scripts.get("docs:build", "") + " " + project.scripts.get("build", "")
    match = re.search(rf"{script} build\s+([\w./-]+)", scripts)
    if match:
        return match.group(1).strip("./") or "."
    for folder in ("docs", "src", "."):
        if project.tree.is_dir(f"{folder}/{marker}"):
            return folder
    return "docs"


def _vitepress(project: NodeProject, detection: Detection, config: str | None) -> None:
    folder = _doc_folder(project, ".vitepress", "vitepress")
    prefix = "" if folder == "." else f"{folder}/"
    detection.output_directory = f"{prefix}.vitepress/dist"
    if not {"docs:build", "build"} & project.scripts.keys():
        detection.build_command = f"{project.pm.exec} vitepress build {folder}"


def _vuepress(project: NodeProject, detection: Detection, config: str | None) -> None:
    folder = _doc_folder(project, ".vuepress", "vuepress")
    prefix = "" if folder == "." else f"{folder}/"
    detection.output_directory = f"{prefix}.vuepress/dist"
    if not {"docs:build", "build"} & project.scripts.keys():
        detection.build_command = f"{project.pm.exec} vuepress build {folder}"


def _eleventy(project: NodeProject, detection: Detection, config: str | None) -> None:
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


def _vite(project: NodeProject, detection: Detection, config: str | None) -> None:
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


def _qwik(project: NodeProject, detection: Detection, config: str | None) -> None:
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


# ---------------------------------------------------------------------------
# The frameworks
# ---------------------------------------------------------------------------

# Where a row departs from Vercel's defaults (test_rows_use_vercels_defaults_or_say_why_not
# lists each): dev servers take `--port $PORT`, the port AutoStack chose; Nuxt's
# `.output` is Nitro's node-server build (Vercel's `dist` is its own preset's);
# Remix's `build/` is the server build remix-serve runs; Ember builds for
# production; NestJS builds with `nest build` (Vercel bundles it itself);
# SvelteKit follows Vercel's `sveltekit-1` with the `build/` adapter-node and
# adapter-static write; binaries run through the package manager (`npx eleventy`).
FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        "nextjs", "Next.js", ("next",), 0.95, "next build", ".next", "next dev --port $PORT",
        configs=config_files("next.config"), runtime="node", start="next start",
        refine=_nextjs,
    ),
    Framework(
        "nuxtjs", "Nuxt", ("nuxt", "nuxt3", "nuxt-edge"), 0.95, "nuxt build", ".output",
        "nuxt dev --port $PORT", configs=config_files("nuxt.config"), runtime="node",
        start="node .output/server/index.mjs", refine=_nuxt,
    ),
    Framework(
        "remix", "Remix", ("@remix-run/dev", "@remix-run/react", "remix"), 0.95,
        "remix build", "build", "remix dev", configs=config_files("remix.config"),
        runtime="node", start="remix-serve ./build/index.js", refine=_remix,
    ),
    Framework(
        "react-router", "React Router", ("@react-router/dev",), 0.95, "react-router build",
        "build", "react-router dev --port $PORT", configs=config_files("react-router.config"),
        runtime="node", start="react-router-serve ./build/server/index.js",
        refine=_react_router,
    ),
    Framework(
        "astro", "Astro", ("astro",), 0.95, "astro build", "dist", "astro dev --port $PORT",
        configs=config_files("astro.config"), refine=_astro,
    ),
    Framework(
        "sveltekit", "SvelteKit", ("@sveltejs/kit",), 0.95, "vite build", "build",
        "vite dev --port $PORT", configs=config_files("svelte.config"), runtime="node",
        refine=_sveltekit,
    ),
    Framework(
        "solidstart-1", "SolidStart", ("@solidjs/start",), 0.95, "vinxi build", ".output",
        "vinxi dev --port $PORT", configs=config_files("app.config"), runtime="node",
        start="node .output/server/index.mjs",
    ),
    Framework(
        "solidstart", "SolidStart (v0)", ("solid-start",), 0.95, "solid-start build",
        ".output", "solid-start dev", configs=config_files("vite.config"), runtime="node",
        start="solid-start start",
    ),
    Framework(
        "qwik", "Qwik City", ("@builder.io/qwik-city", "@qwik.dev/router"), 0.95,
        "qwik build", "dist", "vite --mode ssr --port $PORT",
        configs=config_files("vite.config"), refine=_qwik,
    ),
    Framework(
        "gatsby", "Gatsby", ("gatsby",), 0.95, "gatsby build", "public",
        "gatsby develop --port $PORT", configs=config_files("gatsby-config"),
        dev_script="develop",
    ),
    Framework(
        "docusaurus-2", "Docusaurus", ("@docusaurus/core",), 0.95, "docusaurus build", "build",
        "docusaurus start --port $PORT", configs=config_files("docusaurus.config"),
        dev_script="start",
    ),
    Framework(
        "vitepress", "VitePress", ("vitepress",), 0.94, "vitepress build docs",
        "docs/.vitepress/dist", "vitepress dev docs --port $PORT",
        configs=tuple(
            f"{folder}.vitepress/config.{ext}"
            for folder in ("docs/", "")
            for ext in ("js", "mjs", "ts", "mts")
        ),
        dev_script="docs:dev", build_script="docs:build", refine=_vitepress,
    ),
    Framework(
        "vuepress", "VuePress", ("vuepress", "@vuepress/client"), 0.94, "vuepress build src",
        "src/.vuepress/dist", "vuepress dev src --port $PORT",
        configs=tuple(
            f"{folder}.vuepress/config.{ext}" for folder in ("docs/", "src/", "") for ext in
            ("js", "ts")
        ),
        dev_script="docs:dev", build_script="docs:build", refine=_vuepress,
    ),
    Framework(
        "angular", "Angular", ("@angular/cli",), 0.93, "ng build", "dist",
        "ng serve --port $PORT", configs=("angular.json",), spa=True, dev_script="start",
        refine=refine_angular,
    ),
    Framework(
        "eleventy", "Eleventy", ("@11ty/eleventy",), 0.93, "eleventy", "_site",
        "eleventy --serve --port $PORT",
        configs=(".eleventy.js", *config_files("eleventy.config", "js", "mjs", "cjs", "ts")),
        refine=_eleventy,
    ),
    Framework(
        "hexo", "Hexo", ("hexo",), 0.93, "hexo generate", "public", "hexo server --port $PORT",
        configs=("_config.yml",), dev_script="server",
    ),
    Framework(
        "ember", "Ember.js", ("ember-cli", "ember-source"), 0.93,
        "ember build --environment=production", "dist", "ember serve --port $PORT",
        configs=("ember-cli-build.js", ".ember-cli"), spa=True, dev_script="start",
    ),
    Framework(
        "vue", "Vue CLI", ("@vue/cli-service",), 0.9, "vue-cli-service build", "dist",
        "vue-cli-service serve --port $PORT", configs=("vue.config.js",), spa=True,
        dev_script="serve",
    ),
    Framework(
        "create-react-app", "Create React App", ("react-scripts",), 0.9, "react-scripts build",
        "build", "react-scripts start", spa=True, dev_script="start",
    ),
    Framework(
        "preact", "Preact CLI", ("preact-cli",), 0.9, "preact build", "build",
        "preact watch --port $PORT", configs=("preact.config.js",), spa=True,
    ),
    Framework(
        "vite", "Vite", ("vite",), 0.88, "vite build", "dist", "vite --port $PORT",
        configs=config_files("vite.config"), spa=True, refine=_vite,
    ),
    Framework(
        "storybook", "Storybook", ("storybook", "@storybook/react", "@storybook/vue3",
        "@storybook/svelte", "@storybook/angular", "@storybook/html",
        "@storybook/web-components", "@storybook/react-vite", "@storybook/react-webpack5"),
        0.5, "storybook build", "storybook-static", "storybook dev -p $PORT",
        configs=tuple(f".storybook/main.{ext}" for ext in ("js", "ts", "mjs", "cjs")),
        build_script="build-storybook", dev_script="storybook",
    ),
    *PRESETS,
    *(
        Framework(
            server.slug, server.name, (server.package,), server.confidence, server.build,
            None, server.dev, configs=server.configs, runtime="node", start=server.start,
        )
        for server in SERVERS
    ),
)


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


def _candidate(project: NodeProject, framework: Framework) -> Detection | None:
    present = [package for package in framework.packages if project.has(package)]
    config = project.first_file(*framework.configs)
    if not present and not (framework.config_reveals and config):
        return None
    if (framework.config_required and config is None) or not all(
        project.has(package) for package in framework.every
    ):
        return None
    package = present[0] if present else None
    major = project.major(package) if package else None
    evidence = ", ".join(
        [project.cite(name) for name in (*present[:1], *framework.every)]
        + ([f"`{config}` present"] if config else [])
    )
    title = f"{framework.name} {major}" if major and framework.slug != "vite" else framework.name
    detection = Detection(
        framework=framework.slug,
        name=framework.name,
        runtime=framework.runtime,
        confidence=min(1.0, framework.confidence + (CONFIG_BONUS if config else 0.0)),
        reasons=[f"{title}: {evidence}"],
        version=project.dependencies[package][0] if package else None,
        package_manager=project.pm.name,
        install_command=project.pm.install_command,
        build_command=project.script_command(framework.build_script, None)
        or project.script_command("build", framework.build),
        output_directory=framework.output,
        start_command=(
            project.script_command("start", framework.start)
            if framework.runtime == "node" else None
        ),
        dev_command=project.script_command(framework.dev_script, None)
        or project.script_command("dev", framework.dev),
        spa_fallback=framework.spa,
        detector=DETECTOR,
    )
    if framework.refine is not None:
        framework.refine(project, detection, config)
    if package and framework.runtime == "node" and framework.slug in _SERVER_SLUGS:
        refine_server(project, detection, package)
    return detection


_SERVER_SLUGS = frozenset(server.slug for server in SERVERS)


def _workspace_fields(project: NodeProject, detection: Detection) -> None:
    """For an app installed at its monorepo's root: that root (where the builder caches
    ``node_modules``) and the paths whose changes concern the app (push skipping)."""
    relative = project.pm.workspace_root
    found = workspace_root(project.tree) if relative is not None else None
    if found is None:
        return
    root = found[0].root.resolve()
    top = project.tree.top.resolve()
    app = project.tree.root.resolve().relative_to(root).as_posix()
    detection.workspace_root = relative
    detection.watch_paths = watch_paths(root, app, root.relative_to(top).as_posix())
    dependencies = dependency_folders(root, app)
    if dependencies:
        detection.reasons.append("workspace packages it depends on (a push changing them "
                                 "deploys it): " + ", ".join(f"`{d}`" for d in dependencies))


def _finish(project: NodeProject, detection: Detection) -> Detection:
    detection.reasons.append(f"package manager {project.pm.name}: {project.pm.reason}")
    _workspace_fields(project, detection)
    workspace_build = monorepo_build(project.tree, project.pm)
    if workspace_build is not None and detection.build_command is not None:
        detection.build_command = workspace_build[0]
        detection.reasons.append(workspace_build[1])
    for label, command in (("build", detection.build_command),
                           ("start", detection.start_command)):
        if command is None:
            continue
        script = command.removeprefix(project.pm.run + " ")
        if script != command and script in project.scripts:
            detection.reasons.append(f"{label}: the `{script}` script of package.json")
    if detection.output_directory and detection.runtime == "static":
        detection.reasons.append(f"output directory `{detection.output_directory}`")
    node_reason = project.node_version_reason()
    if node_reason:
        detection.reasons.append(node_reason)
    return detection


def best(candidates: list[Detection]) -> Detection | None:
    """Highest confidence; ties go to the framework slug first in alphabetical order."""
    return min(candidates, key=lambda d: (-d.confidence, d.framework), default=None)


def detect(tree: SourceTree) -> Detection | None:
    """The most specific JavaScript framework of ``tree``, or None without package.json."""
    project = NodeProject.load(tree)
    if project is None:
        return None
    candidates = [
        detection
        for framework in FRAMEWORKS
        if (detection := _candidate(project, framework)) is not None
    ]
    if not candidates and (generic := plain_server(project) or build_script_only(project)):
        candidates.append(generic)
    winner = best(candidates)
    return _finish(project, winner) if winner else None


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """The framework table's slugs, and plain Node (or Bun) servers and build scripts."""
    return [framework.slug for framework in FRAMEWORKS] + ["node", "bun", "other"]


@hookimpl
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a JavaScript framework or Node server from package.json."""
    return detect(tree)
