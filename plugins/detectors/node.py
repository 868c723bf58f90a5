"""Detector for JavaScript frameworks and Node servers, read from ``package.json``.

Every framework is one row of :data:`FRAMEWORKS` (the packages that reveal it,
its config files, default commands and output directory, after Vercel's public
framework list); a few rows have a ``refine`` step for what the config decides
(a Next.js static export, an Astro server build, a SvelteKit adapter), in
:mod:`.node_refinements`. All rows
that match become candidates and the highest confidence wins, so a SvelteKit
app, which also depends on Vite, is SvelteKit. Node servers (Express, Fastify,
Koa, Hono, NestJS, H3, Elysia) score lower than any front-end framework, and a
server with no framework at all (Vercel's ``node`` and ``bun`` presets) lower
still, and a ``build`` script alone (Vercel's "Other" preset) lowest. The
rarer presets of Vercel's list live in :mod:`.node_presets`.
"""

from __future__ import annotations

from typing import Any

from autostack_core import hookimpl
from autostack_core.build.workspaces import dependency_folders, watch_paths
from autostack_core.interfaces import Detection, SourceTree

from . import node_refinements
from .monorepo_tools import monorepo_build
from .node_framework import CONFIG_BONUS, Framework, refine_angular
from .node_plain import build_script_only, plain_server
from .node_presets import PRESETS
from .node_project import NodeProject, config_files
from .node_servers import SERVERS, refine_server
from .package_managers import workspace_root

DETECTOR = "autostack_plugins.detectors.node"

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
        refine=node_refinements.nextjs,
    ),
    Framework(
        "nuxtjs", "Nuxt", ("nuxt", "nuxt3", "nuxt-edge"), 0.95, "nuxt build", ".output",
        "nuxt dev --port $PORT", configs=config_files("nuxt.config"), runtime="node",
        start="node .output/server/index.mjs", refine=node_refinements.nuxt,
    ),
    Framework(
        "remix", "Remix", ("@remix-run/dev", "@remix-run/react", "remix"), 0.95,
        "remix build", "build", "remix dev", configs=config_files("remix.config"),
        runtime="node", start="remix-serve ./build/index.js", refine=node_refinements.remix,
    ),
    Framework(
        "react-router", "React Router", ("@react-router/dev",), 0.95, "react-router build",
        "build", "react-router dev --port $PORT", configs=config_files("react-router.config"),
        runtime="node", start="react-router-serve ./build/server/index.js",
        refine=node_refinements.react_router,
    ),
    Framework(
        "astro", "Astro", ("astro",), 0.95, "astro build", "dist", "astro dev --port $PORT",
        configs=config_files("astro.config"), refine=node_refinements.astro,
    ),
    Framework(
        "sveltekit", "SvelteKit", ("@sveltejs/kit",), 0.95, "vite build", "build",
        "vite dev --port $PORT", configs=config_files("svelte.config"), runtime="node",
        refine=node_refinements.sveltekit,
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
        configs=config_files("vite.config"), refine=node_refinements.qwik,
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
        dev_script="docs:dev", build_script="docs:build", refine=node_refinements.vitepress,
    ),
    Framework(
        "vuepress", "VuePress", ("vuepress", "@vuepress/client"), 0.94, "vuepress build src",
        "src/.vuepress/dist", "vuepress dev src --port $PORT",
        configs=tuple(
            f"{folder}.vuepress/config.{ext}" for folder in ("docs/", "src/", "") for ext in
            ("js", "ts")
        ),
        dev_script="docs:dev", build_script="docs:build", refine=node_refinements.vuepress,
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
        refine=node_refinements.eleventy,
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
        configs=config_files("vite.config"), spa=True, refine=node_refinements.vite,
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
