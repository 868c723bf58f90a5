"""The rest of Vercel's JavaScript presets: older, smaller or newer frameworks.

Each row follows ``@vercel/frameworks`` 3.34 (slug, the packages or files that
reveal it, default commands, output directory). Where AutoStack must build
or serve differently from Vercel, the row or its refinement says why: Vercel
runs some of these through its own platform integrations (``rw deploy
vercel``, ``xmcp build --vercel``, a Nitro ``vercel`` preset), which write
Vercel's Build Output instead of something a server here can run.

Confidences follow Vercel's ``supersedes`` relations: a framework built on
another one scores above it (Ionic Angular and Scully above Angular, TanStack
Start, Hydrogen and Nitro above Vite), and one that embeds another scores
below its host (Nitro below Nuxt and TanStack Start, Hydrogen below Remix and
React Router, whose apps Hydrogen 2 and later are). A row that must beat its
host also lists the host's config files, so the config bonus never reverses
the order (Ionic Angular names angular.json; Hydrogen, Ionic React and
Nitro name vite.config).
"""

from __future__ import annotations

import re

from autostack_core.interfaces import Detection

from .node_framework import Framework, config_text, refine_angular
from .node_project import NodeProject, config_files

# ---------------------------------------------------------------------------
# Refinements
# ---------------------------------------------------------------------------


def _docusaurus_v1(project: NodeProject, detection: Detection, config: str | None) -> None:
    """Docusaurus 1 writes the site to ``build/<projectName>``."""
    match = re.search(r"projectName\s*:\s*['\"]([^'\"]+)['\"]", config_text(project, config))
    if match:
        detection.output_directory = f"build/{match.group(1)}"
        detection.reasons.append(f"output `build/{match.group(1)}`: `projectName` in `{config}`")


def _polymer(project: NodeProject, detection: Detection, config: str | None) -> None:
    """``polymer build`` writes one folder per build of polymer.json under ``build/``.

    Vercel serves the first in name order; with the starter kit's three builds
    that is ``es5-bundled``, the one every browser runs. Without builds it
    writes ``build/default``.
    """
    data = project.tree.read_json("polymer.json")
    builds = data.get("builds") if isinstance(data, dict) else None
    names = sorted(
        str(build.get("name") or build.get("preset") or "default")
        for build in builds or [] if isinstance(build, dict)
    )
    first = names[0] if names else "default"
    detection.output_directory = f"build/{first}"
    detection.reasons.append(f"output `build/{first}`: "
                             + ("first build of polymer.json" if names else "no builds listed"))


def _ionic_react(project: NodeProject, detection: Detection, config: str | None) -> None:
    """Ionic's React starter moved from Create React App to Vite, which writes ``dist``."""
    if project.has("vite"):
        detection.output_directory = "dist"
        detection.build_command = project.script_command("build", "vite build")
        detection.dev_command = project.script_command("dev", "vite --port $PORT")
        detection.reasons.append(f"built with Vite: {project.cite('vite')}, output `dist`")


def _nitro_output(project: NodeProject, detection: Detection, why: str) -> None:
    detection.runtime = "node"
    detection.output_directory = ".output"
    detection.start_command = project.script_command("start", "node .output/server/index.mjs")
    detection.reasons.append(f"Node server: {why} writes `.output/server/index.mjs`")


def _tanstack_start(project: NodeProject, detection: Detection, config: str | None) -> None:
    """A server build needs Nitro (the ``nitro/vite`` plugin) to run on Node here.

    Vercel builds the same app with Nitro's ``vercel`` preset; its output is
    Vercel's, so the Node server build is the one that runs elsewhere.
    """
    vite_config = project.first_file(*config_files("vite.config"))
    text = config_text(project, vite_config)
    if re.search(r"""['"]nitro/vite['"]|['"]nitropack""", text) or "nitro(" in text:
        _nitro_output(project, detection, f"the Nitro plugin in `{vite_config}`")
        return
    detection.output_directory = "dist"
    detection.start_command = project.script_command("start", None)
    if detection.start_command is None:
        detection.reasons.append(
            "no Node server build: add the Nitro plugin (`nitro/vite`) to vite.config, or a "
            "`start` script that serves `dist/server/server.js`"
        )


def _nitro(project: NodeProject, detection: Detection, config: str | None) -> None:
    """Nitro's default (node-server) preset; Vercel's ``dist`` comes from its vercel preset."""
    _nitro_output(project, detection, "`nitro build`")


def _sapper(project: NodeProject, detection: Detection, config: str | None) -> None:
    """Vercel serves the static export, so the ``export`` script builds when there is one."""
    if "export" in project.scripts:
        detection.reasons.append("build: the `export` script (`sapper export`), as Vercel serves "
                                 "the static export")


def _redwood(project: NodeProject, detection: Detection, config: str | None) -> None:
    detection.reasons.append(
        "build: `rw build`, then `rw serve` runs the web and API sides together: Vercel's "
        "`rw deploy vercel` writes Vercel's functions, which a server here cannot run"
    )


def _hydrogen(project: NodeProject, detection: Detection, config: str | None) -> None:
    detection.reasons.append(
        "start: `shopify hydrogen preview` serves the built storefront; Vercel runs it "
        "through its own Hydrogen runtime"
    )


def _platform_output(project: NodeProject, detection: Detection, config: str | None) -> None:
    """Agent frameworks whose ``.output`` Vercel runs with its own runtime."""
    if detection.start_command is None:
        detection.reasons.append(
            "no `start` script: the build writes `.output` for Vercel's own runtime; set the "
            "start command that serves it"
        )


# ---------------------------------------------------------------------------
# The presets
# ---------------------------------------------------------------------------

PRESETS: tuple[Framework, ...] = (
    Framework(
        "blitzjs", "Blitz.js (Legacy)", ("blitz",), 0.96, "blitz build", ".next",
        "blitz start", configs=config_files("blitz.config", "js", "ts"), runtime="node",
        start="blitz start", config_required=True, config_reveals=True,
    ),
    Framework(
        "docusaurus", "Docusaurus", ("docusaurus",), 0.93, "docusaurus-build", "build",
        "docusaurus-start --port $PORT", configs=("website/siteConfig.js", "siteConfig.js"),
        dev_script="start", refine=_docusaurus_v1,
    ),
    Framework(
        "dojo", "Dojo", ("@dojo/framework",), 0.93, "dojo build", "output/dist",
        "dojo build -m dev -w -s -p $PORT", configs=(".dojorc",), spa=True,
        config_reveals=True,
    ),
    Framework(
        "scully", "Scully", ("@scullyio/init",), 0.95, "ng build && scully", "dist/static",
        "ng serve --port $PORT", configs=("angular.json",), dev_script="start",
    ),
    Framework(
        "ionic-angular", "Ionic Angular", ("@ionic/angular",), 0.94, "ng build", "www",
        "ng serve --port $PORT", configs=("ionic.config.json", "angular.json"), spa=True,
        # Ionic's own starters set `outputPath: "www"`; with Angular 17's
        # application builder the site lands in `www/browser`, as angular.json says.
        dev_script="start", refine=refine_angular,
    ),
    Framework(
        "polymer", "Polymer", ("polymer-cli",), 0.93, "polymer build", "build",
        "polymer serve --port $PORT", configs=("polymer.json",), spa=True, refine=_polymer,
        # Polymer 3 templates leave polymer-cli to a global install, so Vercel finds no
        # preset and serves the sources, whose bare imports no browser resolves:
        # polymer.json alone is enough here.
        config_reveals=True,
    ),
    Framework(
        "svelte", "Svelte", ("svelte",), 0.9, "rollup -c", "public", "rollup -c -w",
        configs=("rollup.config.js",), every=("sirv-cli",), spa=True,
    ),
    Framework(
        "ionic-react", "Ionic React", ("@ionic/react",), 0.91, "react-scripts build", "build",
        "react-scripts start", configs=("ionic.config.json", *config_files("vite.config")),
        spa=True,
        refine=_ionic_react,
    ),
    Framework(
        "gridsome", "Gridsome", ("gridsome",), 0.93, "gridsome build", "dist",
        "gridsome develop -p $PORT", configs=("gridsome.config.js",), dev_script="develop",
    ),
    Framework(
        "umijs", "UmiJS", ("umi",), 0.93, "umi build", "dist", "umi dev --port $PORT",
        configs=(".umirc.ts", ".umirc.js", *config_files("config/config", "ts", "js")),
        spa=True,
    ),
    Framework(
        "sapper", "Sapper", ("sapper",), 0.95, "sapper export", "__sapper__/export",
        "sapper dev --port $PORT", build_script="export", refine=_sapper,
    ),
    Framework(
        "saber", "Saber", ("saber",), 0.93, "saber build", "public", "saber --port $PORT",
        configs=("saber-config.yml", "saber-config.js"),
    ),
    Framework(
        "stencil", "Stencil", ("@stencil/core",), 0.93, "stencil build", "www",
        "stencil build --dev --watch --serve --port $PORT", configs=("stencil.config.ts",),
        dev_script="start",
    ),
    Framework(
        "redwoodjs", "RedwoodJS", ("@redwoodjs/core",), 0.95, "rw build", None, "rw dev",
        configs=("redwood.toml",), runtime="node", start="rw serve --port $PORT",
        refine=_redwood,
    ),
    Framework(
        "brunch", "Brunch", ("brunch",), 0.93, "brunch build --production", "public",
        "brunch watch --server --port $PORT", configs=("brunch-config.js",),
        config_reveals=True,
    ),
    Framework(
        "hydrogen", "Hydrogen", ("@shopify/hydrogen",), 0.91, "shopify hydrogen build",
        "dist", "shopify hydrogen dev",
        configs=(*config_files("hydrogen.config", "js", "ts"), *config_files("vite.config")),
        runtime="node", start="shopify hydrogen preview --port $PORT", refine=_hydrogen,
    ),
    Framework(
        "tanstack-start", "TanStack Start", ("@tanstack/react-start", "@tanstack/solid-start"),
        0.95, "vite build", "dist", "vite --port $PORT", configs=config_files("vite.config"),
        runtime="node", refine=_tanstack_start,
    ),
    Framework(
        "tanstack-start-lovable", "TanStack Start (Lovable)",
        ("@tanstack/react-start", "@tanstack/solid-start"), 0.96, "vite build", "dist",
        "vite --port $PORT", configs=config_files("vite.config"), runtime="node",
        every=("@lovable.dev/vite-tanstack-config",), refine=_tanstack_start,
    ),
    Framework(
        "parcel", "Parcel", ("parcel",), 0.86, "parcel build", "dist", "parcel",
        configs=(".parcelrc",), spa=True, dev_script="start",
    ),
    Framework(
        "sanity", "Sanity", ("sanity",), 0.93, "sanity build", "dist", "sanity dev --port $PORT",
        configs=config_files("sanity.config", "js", "jsx", "ts", "tsx"), config_required=True,
        spa=True,
    ),
    Framework(
        "sanity-v2", "Sanity", ("@sanity/cli",), 0.93, "sanity build", "dist",
        "sanity start --port $PORT", configs=("sanity.json",), config_required=True, spa=True,
        dev_script="start",
    ),
    Framework(
        "nitro", "Nitro", ("nitropack", "nitro"), 0.9, "nitro build", ".output", "nitro dev",
        configs=(*config_files("nitro.config"), *config_files("vite.config")), runtime="node",
        refine=_nitro,
    ),
    Framework(
        "xmcp", "xmcp", ("xmcp",), 0.93, "xmcp build", "dist", "xmcp dev",
        configs=config_files("xmcp.config", "ts", "js"), runtime="node",
        # Vercel's `xmcp build --vercel` writes its Build Output; `xmcp build`
        # writes the HTTP server `dist/http.js`.
        start="node dist/http.js", config_reveals=True,
    ),
    Framework(
        "mastra", "Mastra", ("mastra",), 0.93, "mastra build", ".mastra", "mastra dev",
        runtime="node", start="node .mastra/output/index.mjs",
    ),
    Framework(
        "ash", "Ash", ("experimental-ash",), 0.93, "ash build", ".output", "ash dev",
        runtime="node", refine=_platform_output,
    ),
    Framework(
        "eve", "eve", ("eve",), 0.93, "eve build", ".output", "eve dev", runtime="node",
        refine=_platform_output,
    ),
    Framework(
        "factory-eve", "Factory (Eve)", ("@vercel/factory",), 0.94, "eve build", ".output",
        "eve dev", runtime="node", every=("eve",), refine=_platform_output,
    ),
)
