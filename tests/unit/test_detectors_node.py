"""The node detector on minimal trees modelled on each framework's starter template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autostack_core.interfaces import Detection, SourceTree
from autostack_plugins.detectors import node

pytestmark = pytest.mark.dbless


def write_tree(root: Path, files: dict[str, Any]) -> SourceTree:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return SourceTree(root)


def pkg(deps: dict[str, str] | None = None, dev: dict[str, str] | None = None,
        scripts: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "app", "private": True, **extra}
    if scripts:
        data["scripts"] = scripts
    if deps:
        data["dependencies"] = deps
    if dev:
        data["devDependencies"] = dev
    return data


def detect(tmp_path: Path, files: dict[str, Any]) -> Detection:
    detection = node.detect(write_tree(tmp_path, files))
    assert detection is not None
    return detection


# (id, files, expected fields, a reason that must appear)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "nextjs",
        {
            "package.json": pkg(
                {"next": "^14.2.3", "react": "^18", "react-dom": "^18"},
                scripts={"dev": "next dev", "build": "next build", "start": "next start"},
            ),
            "next.config.mjs": "export default {};\n",
            "package-lock.json": "{}",
        },
        {"framework": "nextjs", "runtime": "node", "build_command": "npm run build",
         "start_command": "npm run start", "output_directory": ".next",
         "install_command": "npm ci"},
        "Next.js 14: `next@^14.2.3` in dependencies, `next.config.mjs` present",
    ),
    (
        "nextjs-static-export",
        {
            "package.json": pkg({"next": "15.0.0", "react": "19.0.0"}),
            "next.config.js": "module.exports = { output: 'export' };\n",
        },
        {"framework": "nextjs", "runtime": "static", "output_directory": "out",
         "build_command": "npx next build", "start_command": None},
        "`output: 'export'` in `next.config.js`",
    ),
    (
        "nextjs-standalone",
        {
            "package.json": pkg({"next": "^14.1.0"}, scripts={"build": "next build"}),
            "next.config.js": "module.exports = { output: \"standalone\" };\n",
        },
        {"framework": "nextjs", "start_command": "node .next/standalone/server.js"},
        "standalone",
    ),
    (
        "vite-react",
        {
            "package.json": pkg(
                {"react": "^18.3.1", "react-dom": "^18.3.1"},
                {"@vitejs/plugin-react": "^4.3.1", "vite": "^5.4.1"},
                scripts={"dev": "vite", "build": "tsc -b && vite build", "preview": "vite preview"},
                type="module",
            ),
            "vite.config.ts": "import react from '@vitejs/plugin-react'\n",
            "index.html": "<div id=root></div>",
        },
        {"framework": "vite", "name": "Vite (React)", "runtime": "static",
         "output_directory": "dist", "spa_fallback": True, "build_command": "npm run build"},
        "React: `@vitejs/plugin-react@^4.3.1` in devDependencies",
    ),
    (
        "vite-vue",
        {
            "package.json": pkg({"vue": "^3.4.29"}, {"@vitejs/plugin-vue": "^5.0.5",
                                                    "vite": "^5.3.1"}),
            "vite.config.js": "export default { build: { outDir: 'public_html' } }\n",
        },
        {"framework": "vite", "name": "Vite (Vue)", "output_directory": "public_html"},
        "`build.outDir` is `public_html` in `vite.config.js`",
    ),
    (
        "vite-svelte",
        {"package.json": pkg(dev={"@sveltejs/vite-plugin-svelte": "^3.1.1",
                                  "svelte": "^4.2.18", "vite": "^5.3.4"})},
        {"framework": "vite", "name": "Vite (Svelte)", "spa_fallback": True},
        "Svelte:",
    ),
    (
        "vite-preact",
        {"package.json": pkg({"preact": "^10.22.1"}, {"@preact/preset-vite": "^2.9.0",
                                                      "vite": "^5.3.4"})},
        {"framework": "vite", "name": "Vite (Preact)"},
        "Preact: `@preact/preset-vite@^2.9.0`",
    ),
    (
        "vite-vanilla",
        {"package.json": pkg(dev={"vite": "^5.3.4"},
                             scripts={"dev": "vite", "build": "vite build"})},
        {"framework": "vite", "name": "Vite (vanilla)", "dev_command": "npm run dev"},
        "Vite: `vite@^5.3.4` in devDependencies",
    ),
    (
        "create-react-app",
        {"package.json": pkg(
            {"react": "^18.2.0", "react-dom": "^18.2.0", "react-scripts": "5.0.1"},
            scripts={"start": "react-scripts start", "build": "react-scripts build"},
        ), "yarn.lock": "# yarn lockfile v1\n"},
        {"framework": "create-react-app", "output_directory": "build", "spa_fallback": True,
         "build_command": "yarn build", "install_command": "yarn install --frozen-lockfile",
         "dev_command": "yarn start"},
        "Create React App 5: `react-scripts@5.0.1` in dependencies",
    ),
    (
        "astro",
        {"package.json": pkg({"astro": "^4.11.5"}, scripts={"build": "astro build"}),
         "astro.config.mjs": "import { defineConfig } from 'astro/config';\n"},
        {"framework": "astro", "runtime": "static", "output_directory": "dist"},
        "Astro 4: `astro@^4.11.5` in dependencies, `astro.config.mjs` present",
    ),
    (
        "astro-node-server",
        {"package.json": pkg({"astro": "^4.11.5", "@astrojs/node": "^8.3.2"}),
         "astro.config.mjs": "export default defineConfig({ output: 'server', "
                             "adapter: node({ mode: 'standalone' }) });\n"},
        {"framework": "astro", "runtime": "node",
         "start_command": "node ./dist/server/entry.mjs"},
        "server output: `output: 'server'`",
    ),
    (
        "sveltekit-node",
        {"package.json": pkg(dev={"@sveltejs/kit": "^2.5.18", "@sveltejs/adapter-node": "^5.2.0",
                                  "svelte": "^4.2.18", "vite": "^5.3.3"},
                             scripts={"build": "vite build", "dev": "vite dev"}),
         "svelte.config.js": "import adapter from '@sveltejs/adapter-node';\n",
         "pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
        {"framework": "sveltekit", "runtime": "node", "start_command": "node build",
         "package_manager": "pnpm", "build_command": "pnpm run build"},
        "SvelteKit 2: `@sveltejs/kit@^2.5.18` in devDependencies, `svelte.config.js` present",
    ),
    (
        "sveltekit-static",
        {"package.json": pkg(dev={"@sveltejs/kit": "^2.0.0",
                                  "@sveltejs/adapter-static": "^3.0.1", "vite": "^5"}),
         "svelte.config.js": "adapter: adapter({ fallback: '200.html' })\n"},
        {"framework": "sveltekit", "runtime": "static", "output_directory": "build",
         "spa_fallback": True},
        "static site: `@sveltejs/adapter-static@^3.0.1`",
    ),
    (
        "nuxt",
        {"package.json": pkg({"nuxt": "^3.12.3", "vue": "latest"},
                             scripts={"build": "nuxt build", "dev": "nuxt dev"}),
         "nuxt.config.ts": "export default defineNuxtConfig({})\n"},
        {"framework": "nuxtjs", "runtime": "node", "output_directory": ".output",
         "start_command": "node .output/server/index.mjs"},
        "Nuxt 3: `nuxt@^3.12.3` in dependencies, `nuxt.config.ts` present",
    ),
    (
        "nuxt-spa",
        {"package.json": pkg({"nuxt": "^3.12.3"}),
         "nuxt.config.ts": "export default defineNuxtConfig({ ssr: false })\n"},
        {"framework": "nuxtjs", "runtime": "static", "output_directory": ".output/public",
         "build_command": "npx nuxt generate", "spa_fallback": True},
        "`ssr: false`",
    ),
    (
        "remix-vite",
        {"package.json": pkg({"@remix-run/node": "^2.10.2", "@remix-run/react": "^2.10.2",
                              "@remix-run/serve": "^2.10.2"},
                             {"@remix-run/dev": "^2.10.2", "vite": "^5.1.0"},
                             scripts={"build": "remix vite:build",
                                      "start": "remix-serve ./build/server/index.js"}),
         "vite.config.ts": "import { vitePlugin as remix } from \"@remix-run/dev\";\n"},
        {"framework": "remix", "runtime": "node", "build_command": "npm run build",
         "start_command": "npm run start"},
        "Remix 2:",
    ),
    (
        "react-router-7",
        {"package.json": pkg({"react-router": "^7.0.1", "@react-router/node": "^7.0.1",
                              "@react-router/serve": "^7.0.1"},
                             {"@react-router/dev": "^7.0.1", "vite": "^5.4.11"}),
         "react-router.config.ts": "export default { ssr: true } satisfies Config;\n"},
        {"framework": "react-router", "runtime": "node", "build_command": "npx react-router build",
         "start_command": "npx react-router-serve ./build/server/index.js"},
        "React Router 7: `@react-router/dev@^7.0.1` in devDependencies, "
        "`react-router.config.ts` present",
    ),
    (
        "gatsby",
        {"package.json": pkg({"gatsby": "^5.13.7", "react": "^18.2.0"},
                             scripts={"develop": "gatsby develop", "build": "gatsby build"}),
         "gatsby-config.js": "module.exports = {}\n"},
        {"framework": "gatsby", "output_directory": "public", "dev_command": "npm run develop"},
        "Gatsby 5: `gatsby@^5.13.7` in dependencies, `gatsby-config.js` present",
    ),
    (
        "angular",
        {"package.json": pkg({"@angular/core": "^18.1.0"}, {"@angular/cli": "^18.1.0"},
                             scripts={"start": "ng serve", "build": "ng build"}),
         "angular.json": {"projects": {"shop": {
             "projectType": "application",
             "architect": {"build": {"builder": "@angular-devkit/build-angular:application",
                                     "options": {"outputPath": "dist/shop"}}}}}}},
        {"framework": "angular", "output_directory": "dist/shop/browser", "spa_fallback": True,
         "dev_command": "npm run start"},
        "output `dist/shop/browser` of project `shop` in angular.json",
    ),
    (
        "vue-cli",
        {"package.json": pkg({"vue": "^3.2.13"}, {"@vue/cli-service": "~5.0.0"},
                             scripts={"serve": "vue-cli-service serve",
                                      "build": "vue-cli-service build"})},
        {"framework": "vue", "output_directory": "dist", "spa_fallback": True},
        "Vue CLI 5: `@vue/cli-service@~5.0.0` in devDependencies",
    ),
    (
        "solidstart",
        {"package.json": pkg({"@solidjs/start": "^1.0.4", "solid-js": "^1.8.18",
                              "vinxi": "^0.4.1"},
                             scripts={"dev": "vinxi dev", "build": "vinxi build",
                                      "start": "vinxi start"}),
         "app.config.ts": "export default defineConfig({});\n"},
        {"framework": "solidstart-1", "runtime": "node", "output_directory": ".output"},
        "SolidStart 1: `@solidjs/start@^1.0.4` in dependencies, `app.config.ts` present",
    ),
    (
        "qwik-express",
        {"package.json": pkg(dev={"@builder.io/qwik": "^1.7.1",
                                  "@builder.io/qwik-city": "^1.7.1", "vite": "^5.3.2"},
                             scripts={"build": "qwik build", "serve": "node server/entry.express"}),
         "vite.config.ts": "import { qwikCity } from '@builder.io/qwik-city/vite';\n",
         "adapters/express/vite.config.ts": "export default {}\n"},
        {"framework": "qwik", "runtime": "node", "start_command": "npm run serve"},
        "Node server: `adapters/express` present",
    ),
    (
        "docusaurus",
        {"package.json": pkg({"@docusaurus/core": "3.4.0", "@docusaurus/preset-classic": "3.4.0"},
                             scripts={"start": "docusaurus start",
                                      "build": "docusaurus build"}),
         "docusaurus.config.ts": "export default config;\n"},
        {"framework": "docusaurus-2", "output_directory": "build", "runtime": "static"},
        "Docusaurus 3: `@docusaurus/core@3.4.0` in dependencies, `docusaurus.config.ts` present",
    ),
    (
        "vitepress",
        {"package.json": pkg(dev={"vitepress": "^1.3.1"},
                             scripts={"docs:dev": "vitepress dev docs",
                                      "docs:build": "vitepress build docs"}),
         "docs/.vitepress/config.mts": "export default {}\n"},
        {"framework": "vitepress", "output_directory": "docs/.vitepress/dist",
         "build_command": "npm run docs:build"},
        "VitePress 1: `vitepress@^1.3.1` in devDependencies, `docs/.vitepress/config.mts` present",
    ),
    (
        "vuepress",
        {"package.json": pkg(dev={"vuepress": "^1.9.10"},
                             scripts={"build": "vuepress build src"}),
         "src/.vuepress/config.js": "module.exports = {}\n"},
        {"framework": "vuepress", "output_directory": "src/.vuepress/dist"},
        "VuePress 1:",
    ),
    (
        "eleventy",
        {"package.json": pkg(dev={"@11ty/eleventy": "^2.0.1"}),
         "eleventy.config.js": "module.exports = () => ({ dir: { output: \"dist\" } });\n"},
        {"framework": "eleventy", "output_directory": "dist", "build_command": "npx eleventy"},
        "Eleventy 2: `@11ty/eleventy@^2.0.1` in devDependencies, `eleventy.config.js` present",
    ),
    (
        "hexo",
        {"package.json": pkg({"hexo": "^7.2.0", "hexo-server": "^3.0.0"},
                             scripts={"build": "hexo generate", "server": "hexo server"},
                             hexo={"version": "7.2.0"}),
         "_config.yml": "title: Hexo\nurl: http://example.com\n"},
        {"framework": "hexo", "output_directory": "public", "dev_command": "npm run server"},
        "Hexo 7: `hexo@^7.2.0` in dependencies, `_config.yml` present",
    ),
    (
        "ember",
        {"package.json": pkg(dev={"ember-cli": "~5.9.0", "ember-source": "~5.9.0"},
                             scripts={"build": "ember build --environment=production",
                                      "start": "ember serve"}),
         "ember-cli-build.js": "module.exports = function (defaults) {};\n"},
        {"framework": "ember", "output_directory": "dist", "spa_fallback": True},
        "Ember.js 5: `ember-cli@~5.9.0` in devDependencies, `ember-cli-build.js` present",
    ),
    (
        "storybook",
        {"package.json": pkg({"react": "^18.3.1"},
                             {"storybook": "^8.2.1", "@storybook/react-webpack5": "^8.2.1"},
                             scripts={"storybook": "storybook dev -p 6006",
                                      "build-storybook": "storybook build"}),
         ".storybook/main.ts": "export default config;\n"},
        {"framework": "storybook", "output_directory": "storybook-static",
         "build_command": "npm run build-storybook"},
        "Storybook 8: `storybook@^8.2.1` in devDependencies, `.storybook/main.ts` present",
    ),
    (
        "express",
        {"package.json": pkg({"express": "^4.19.2"}, main="server.js"),
         "server.js": "const express = require('express');\napp.listen(process.env.PORT);\n"},
        {"framework": "express", "runtime": "node", "start_command": "node server.js",
         "build_command": None, "output_directory": None},
        "`server.js` imports `express`",
    ),
    (
        "fastify",
        {"package.json": pkg({"fastify": "^4.28.1"}, scripts={"start": "node src/app.js"},
                             type="module"),
         "src/app.js": "import Fastify from 'fastify'\n"},
        {"framework": "fastify", "runtime": "node", "start_command": "npm run start"},
        "`src/app.js` imports `fastify`",
    ),
    (
        "koa",
        {"package.json": pkg({"koa": "^2.15.3", "@koa/router": "^12.0.1"}),
         "index.js": "const Koa = require('koa');\n",
         "Procfile": "web: node index.js --cluster\n"},
        {"framework": "koa", "start_command": "node index.js --cluster"},
        "start: the `web` process of `Procfile`",
    ),
    (
        "hono-node",
        {"package.json": pkg({"hono": "^4.5.1", "@hono/node-server": "^1.12.0"},
                             {"tsx": "^4.16.2"}, scripts={"dev": "tsx watch src/index.ts"}),
         "src/index.ts": "import { Hono } from 'hono'\n"
                         "import { serve } from '@hono/node-server'\n"},
        {"framework": "hono", "start_command": "npx tsx src/index.ts"},
        "`src/index.ts` imports `hono`",
    ),
    (
        "nestjs",
        {"package.json": pkg({"@nestjs/core": "^10.0.0", "@nestjs/common": "^10.0.0",
                              "@nestjs/platform-express": "^10.0.0"},
                             {"@nestjs/cli": "^10.0.0"},
                             scripts={"build": "nest build", "start": "nest start",
                                      "start:prod": "node dist/main"}),
         "nest-cli.json": {"collection": "@nestjs/schematics", "sourceRoot": "src"}},
        {"framework": "nestjs", "build_command": "npm run build",
         "start_command": "npm run start:prod"},
        "NestJS 10: `@nestjs/core@^10.0.0` in dependencies, `nest-cli.json` present",
    ),
]


@pytest.mark.parametrize(("files", "expected", "reason"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_detects_framework(tmp_path: Path, files: dict[str, Any], expected: dict[str, Any],
                           reason: str) -> None:
    detection = detect(tmp_path, files)
    got = detection.to_dict()
    assert {key: got[key] for key in expected} == expected, detection.reasons
    assert any(reason in line for line in detection.reasons), detection.reasons
    assert detection.detector == "autostack_plugins.detectors.node"


def test_meta_framework_beats_vite_and_storybook(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(dev={
        "@sveltejs/kit": "^2.0.0", "vite": "^5.0.0", "storybook": "^8.0.0",
        "express": "^4.0.0"})})
    assert detection.framework == "sveltekit"


def test_vite_app_beats_a_dev_proxy_server(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"react": "^18", "express": "^4"},
                                                      {"vite": "^5"})})
    assert detection.framework == "vite"
    assert detection.confidence > 0.6


def test_plain_node_app_with_start_script(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(scripts={"start": "node bot.js"})})
    assert (detection.framework, detection.runtime) == ("node", "node")
    assert detection.start_command == "npm run start"


def test_a_build_script_alone_is_vercels_other_preset(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(
        dev={"marked": "^15"}, scripts={"build": "node build.mjs"})})
    assert (detection.framework, detection.runtime) == ("other", "static")
    assert detection.build_command == "npm run build"
    assert detection.output_directory is None
    assert any("Other preset" in reason for reason in detection.reasons)


@pytest.mark.parametrize("marker", [{"turbo.json": "{}"}, {"pnpm-workspace.yaml": "packages: []"},
                                    {"package.json": pkg(scripts={"build": "lerna run build"},
                                                         workspaces=["apps/*"])}])
def test_a_monorepo_root_with_a_build_script_is_not_other(tmp_path: Path,
                                                         marker: dict[str, Any]) -> None:
    files = {"package.json": pkg(scripts={"build": "turbo run build"}), **marker}
    assert node.detect(write_tree(tmp_path, files)) is None


def test_package_json_without_build_or_start_is_not_detected(tmp_path: Path) -> None:
    assert node.detect(write_tree(tmp_path, {"package.json": pkg(
        scripts={"test": "node --test"})})) is None


def test_no_package_json_is_not_node(tmp_path: Path) -> None:
    assert node.detect(write_tree(tmp_path, {"index.html": "<h1>hi</h1>"})) is None


def test_hono_without_node_adapter_says_what_is_missing(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"hono": "^4"}),
                                  "src/index.ts": "import { Hono } from 'hono'\n"})
    assert any("@hono/node-server" in reason for reason in detection.reasons)


def test_sveltekit_with_adapter_auto_explains_the_fix(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(dev={
        "@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^3"})})
    assert any("@sveltejs/adapter-node" in reason for reason in detection.reasons)


@pytest.mark.parametrize("extension", ["ts", "js"])
def test_sveltekit_with_adapter_auto_and_a_prerendered_root_layout_is_static(
    tmp_path: Path, extension: str
) -> None:
    detection = detect(tmp_path, {
        "package.json": pkg(dev={"@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^7"},
                            scripts={"build": "vite build"}),
        f"src/routes/+layout.{extension}": "export const prerender = true;\n"})
    assert (detection.runtime, detection.output_directory) == ("static", "build")
    assert detection.start_command is None
    assert any("@sveltejs/adapter-static" in reason for reason in detection.reasons)


def test_sveltekit_with_adapter_auto_is_built_as_a_node_server(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "package.json": pkg(dev={"@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^7"}),
        "src/routes/+layout.ts": "export const prerender = false;\n"})
    assert (detection.runtime, detection.start_command) == ("node", "node build")
    assert any("built with `@sveltejs/adapter-node` instead" in r for r in detection.reasons)


def test_node_version_from_nvmrc_is_reported(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"next": "14.2.0"}, engines={"node": ">=18"}),
                                  ".nvmrc": "v20.11.1\n"})
    assert "Node.js `20.11.1` requested by `.nvmrc`" in detection.reasons


# ---------------------------------------------------------------------------
# The rarer presets of Vercel's list (node_presets) and their precedence
# ---------------------------------------------------------------------------

ANGULAR = {"@angular/cli": "^19.0.0", "@angular/core": "^19.0.0"}


@pytest.mark.parametrize(("dependencies", "winner"), [
    ({**ANGULAR, "@ionic/angular": "^8.0.0"}, "ionic-angular"),
    ({**ANGULAR, "@scullyio/init": "^2.1.0", "@ionic/angular": "^8.0.0"}, "scully"),
    ({"@ionic/react": "^8", "vite": "^5", "react-scripts": "5.0.1"}, "ionic-react"),
    ({"@tanstack/react-start": "^1", "nitro": "^3", "vite": "^7"}, "tanstack-start"),
    ({"nitropack": "^2", "vite": "^6"}, "nitro"),
    ({"nuxt": "^3", "nitropack": "^2"}, "nuxtjs"),
    ({"@shopify/hydrogen": "^2025.1", "@react-router/dev": "^7", "vite": "^6"}, "react-router"),
    ({"@shopify/hydrogen": "^2023.7", "@remix-run/dev": "^1.19"}, "remix"),
    ({"@shopify/hydrogen": "^1.0", "vite": "^2.9"}, "hydrogen"),
    ({"parcel": "^2", "react": "^18"}, "parcel"),
    ({"svelte": "^3", "sirv-cli": "^1", "rollup": "^2"}, "svelte"),
    ({"svelte": "^4", "@sveltejs/vite-plugin-svelte": "^3", "vite": "^5"}, "vite"),
    ({"eve": "^1", "@vercel/factory": "^0.1"}, "factory-eve"),
], ids=lambda value: value if isinstance(value, str) else "")
@pytest.mark.parametrize("host_configs", [False, True], ids=["", "with-host-configs"])
def test_a_framework_built_on_another_wins_over_it(tmp_path: Path, dependencies: dict[str, str],
                                                   winner: str, host_configs: bool) -> None:
    """Also when the host's config files are there and earn the host their bonus."""
    files: dict[str, Any] = {"package.json": pkg(dependencies)}
    if host_configs:
        files |= {"angular.json": {}, "vite.config.ts": "export default {}\n"}
    assert detect(tmp_path, files).framework == winner


def test_blitz_legacy_is_revealed_by_its_config_alone(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(scripts={"build": "blitz build"}),
                                  "blitz.config.js": "module.exports = {}\n"})
    assert (detection.framework, detection.output_directory) == ("blitzjs", ".next")


def test_blitz_2_without_config_is_next(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"blitz": "^2", "next": "^14"})})
    assert detection.framework == "nextjs"


def test_sanity_studio_needs_its_config(tmp_path: Path) -> None:
    """The `sanity` package alone is also every Sanity client app's dependency."""
    assert node.detect(write_tree(tmp_path / "client", {
        "package.json": pkg({"sanity": "^3", "next": "^14"})})).framework == "nextjs"
    studio = detect(tmp_path / "studio", {"package.json": pkg({"sanity": "^3"}),
                                          "sanity.config.ts": "export default {}\n"})
    assert (studio.framework, studio.output_directory) == ("sanity", "dist")


def test_sapper_builds_its_static_export(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(
        {"sapper": "^0.28"}, scripts={"build": "sapper build", "export": "sapper export"})})
    assert detection.build_command == "npm run export"
    assert detection.output_directory == "__sapper__/export"


def test_tanstack_start_without_nitro_says_how_to_serve_it(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"@tanstack/react-start": "^1"}),
                                  "vite.config.ts": "export default {}\n"})
    assert detection.start_command is None
    assert any("nitro/vite" in reason for reason in detection.reasons)


def test_redwood_serves_api_and_web_instead_of_deploying_to_vercel(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(dev={"@redwoodjs/core": "8.9.0"}),
                                  "redwood.toml": "[web]\n", "yarn.lock": ""})
    assert detection.build_command == "yarn rw build"
    assert detection.start_command == "yarn rw serve --port $PORT"


# ---------------------------------------------------------------------------
# Servers: H3, Elysia, and no framework at all (node_plain)
# ---------------------------------------------------------------------------


def test_h3_app_that_only_exports_itself_runs_under_srvx(tmp_path: Path) -> None:
    entry = "import { H3 } from 'h3'\nexport default new H3()\n"
    detection = detect(tmp_path, {"package.json": pkg({"h3": "^2.0.0"}), "server.mjs": entry})
    assert detection.start_command == "npx srvx --prod server.mjs"


def test_h3_app_that_listens_runs_with_node(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"h3": "^2.0.0"}), "server.mjs":
                                  "import { H3, serve } from 'h3'\nserve(new H3())\n"})
    assert detection.start_command == "node server.mjs"


def test_elysia_on_bun_is_not_started_on_node(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"elysia": "^1.4"}), "bun.lock": "{}",
                                  "src/index.ts": "import { Elysia } from 'elysia'\n"})
    assert (detection.runtime, detection.start_command) == ("bun", "bun run src/index.ts")
    assert any("Elysia is written for Bun" in reason for reason in detection.reasons)
    assert not any("tsx" in reason for reason in detection.reasons)


def test_elysia_with_its_node_adapter_stays_on_node(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"elysia": "^1.4", "@elysiajs/node": "^1"}),
                                  "src/index.js": "import { Elysia } from 'elysia'\n"})
    assert (detection.runtime, detection.start_command) == ("node", "node src/index.js")


def test_server_file_without_framework_is_the_node_preset(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(), "server.js": "require('node:http')\n"})
    assert (detection.framework, detection.start_command) == ("node", "node server.js")


def test_typescript_server_without_tsx_runs_on_nodes_type_stripping(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(),
                                  "src/server.ts": "import http from 'node:http'\n"})
    assert (detection.framework, detection.runtime) == ("node", "node")
    assert detection.start_command == "node --experimental-strip-types src/server.ts"


def test_an_index_file_counts_when_it_starts_a_server(tmp_path: Path) -> None:
    served = detect(tmp_path / "served", {
        "package.json": pkg(), "index.ts":
        "import { createServer } from 'node:http'\ncreateServer().listen(process.env.PORT)\n"})
    assert served.start_command == "node --experimental-strip-types index.ts"
    library = tmp_path / "library"
    assert node.detect(write_tree(library, {"package.json": json.dumps(pkg()),
                                            "index.js": "module.exports = () => 1\n"})) is None


def test_typescript_server_with_tsx_runs_with_tsx(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({}, {"tsx": "^4.19.0"}),
                                  "server.ts": "import http from 'node:http'\n"})
    assert detection.start_command == "npx tsx server.ts"


def test_server_file_with_bun_lock_is_the_bun_preset(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg(), "bun.lock": "{}",
                                  "src/server.ts": "Bun.serve({ fetch: () => new Response() })\n"})
    assert (detection.framework, detection.runtime) == ("bun", "bun")
    assert detection.start_command == "bun src/server.ts"


@pytest.mark.parametrize("marker", [
    {"bun.lockb": "binary"},
    {"bunfig.toml": "[install]\n"},
    {"package.json": pkg(packageManager="bun@1.2.0")},
])
def test_a_bun_projects_server_runs_on_bun(tmp_path: Path, marker: dict[str, Any]) -> None:
    detection = detect(tmp_path, {"package.json": pkg(), "server.ts": "Bun.serve({})\n",
                                  **marker})
    assert (detection.framework, detection.runtime) == ("bun", "bun")
    assert detection.start_command == "bun server.ts"


def test_hono_in_a_bun_project_runs_on_bun_without_the_node_adapter(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"package.json": pkg({"hono": "^4.9.0"}), "bun.lock": "{}",
                                  "src/index.ts": "import { Hono } from 'hono'\n"})
    assert (detection.framework, detection.runtime) == ("hono", "bun")
    assert detection.start_command == "bun run src/index.ts"
    assert detection.install_command == "bun install --frozen-lockfile"
    assert not any("node-server" in reason for reason in detection.reasons)


def test_package_json_without_server_or_start_is_nothing(tmp_path: Path) -> None:
    assert node.detect(write_tree(tmp_path, {"package.json": json.dumps(pkg())})) is None


def test_ionic_angular_output_follows_angular_json(tmp_path: Path) -> None:
    """Vercel's preset says `www`; Angular 17's application builder writes `www/browser`."""
    workspace = {"projects": {"app": {"projectType": "application", "architect": {"build": {
        "builder": "@angular-devkit/build-angular:application",
        "options": {"outputPath": "www"}}}}}}
    detection = detect(tmp_path, {"package.json": pkg({**ANGULAR, "@ionic/angular": "^8.0.0"}),
                                  "angular.json": workspace})
    assert (detection.framework, detection.output_directory) == ("ionic-angular", "www/browser")


# ---------------------------------------------------------------------------
# Vercel's default commands, and every place AutoStack departs from them
# ---------------------------------------------------------------------------

VERCEL = json.loads((Path(__file__).parent.parent / "fixtures" / "vercel_frameworks_3.34.json")
                    .read_text())["presets"]

#: (slug, field) -> why the row differs from Vercel's default; the detector says it too.
DEPARTURES = {
    ("nextjs", "output"): "`.next`, which Vercel calls the Next.js default",
    ("blitzjs", "output"): "`.next`, which Vercel calls the Next.js default",
    ("nuxtjs", "output"): "Nitro's node-server preset writes `.output`; `dist` is Vercel's preset",
    ("nitro", "output"): "Nitro's node-server preset writes `.output`; `dist` is Vercel's preset",
    ("remix", "output"): "the server build in `build/`, which remix-serve runs",
    ("scully", "output"): "`dist/static`, what Vercel's own output lookup for Scully answers",
    ("sveltekit", "output"): "adapter-node and adapter-static write `build/`",
    ("eleventy", "build"): "run through the package manager (`npx eleventy`), like every binary",
    ("eleventy", "dev"): "run through the package manager (`npx eleventy`), like every binary",
    ("ember", "build"): "a production build; `ember build` alone builds for development",
    ("redwoodjs", "build"): "`rw deploy vercel` writes Vercel's functions; `rw build` + `rw serve`",
    ("redwoodjs", "dev"): "run through the package manager rather than Yarn alone",
    ("xmcp", "build"): "`--vercel` writes Vercel's Build Output; `xmcp build` the HTTP server",
    ("nestjs", "build"): "Vercel bundles NestJS itself; here `nest build` writes `dist/main`",
    ("nestjs", "dev"): "Vercel sets none; `nest start --watch` is Nest's own",
    **{(slug, "dev"): "the dev server is told the port AutoStack chose"
       for slug in ("nuxtjs", "react-router", "solidstart-1")},
}


def test_rows_use_vercels_defaults_or_say_why_not() -> None:
    """Every node row under a Vercel slug has Vercel's build, output and dev, or a departure."""
    found = {}
    for row in node.FRAMEWORKS:
        # AutoStack's `sveltekit` is every release: Vercel's `sveltekit-1` row (its
        # `sveltekit` is the 1.0 prerelease).
        facts = VERCEL.get("sveltekit-1" if row.slug == "sveltekit" else row.slug)
        if facts is None:
            continue  # qwik: a preset Vercel does not have
        for field, ours in (("build", row.build), ("output", row.output), ("dev", row.dev)):
            theirs = facts[field]
            if theirs != ours and not (field == "output" and theirs == "N/A"):
                found[(row.slug, field)] = (ours, theirs)
    assert sorted(found) == sorted(DEPARTURES), found


def test_every_vercel_preset_is_known_to_a_detector() -> None:
    """The slugs of the node rows plus the other detectors' cover Vercel's whole list."""
    others = {"container", "hugo", "jekyll", "middleman", "zola", "fastapi", "flask", "fasthtml",
              "django", "python", "ruby", "rust", "axum", "actix-web", "go", "bun", "node"}
    aliased = {"sveltekit-1"}  # read as `sveltekit` (autostack_core.build.detection's aliases)
    unreachable = {"services"}  # set in vercel.json, never detected
    assert set(VERCEL) - {row.slug for row in node.FRAMEWORKS} - others - aliased \
        == unreachable
