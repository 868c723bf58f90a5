"""Real frameworks from the npm registry and PyPI, built by the builders in the sandbox.

Each test scaffolds or writes a small app, detects it with the real detectors,
builds it with the real builder (real ``npm``/``pip`` installs in bubblewrap),
checks the Build Output layout and starts the built server by hand, read-only
at ``/app`` with ``PORT`` set, as the runtime does. Package caches live in
``tests/.cache/frameworks`` for the whole session, so a second run is warm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autostack_core.interfaces import Detection, SourceTree
from autostack_plugins.builders.node import NodeBuilder
from autostack_plugins.builders.python import PythonBuilder
from autostack_plugins.detectors import node as node_detector
from autostack_plugins.detectors import python as python_detector
from tests.build_harness import Build

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.dbless,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap"),
]

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "frameworks"


@pytest.fixture(scope="session")
def cache() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


@pytest.fixture
def build(tmp_path: Path, cache: Path) -> Build:
    return Build(tmp_path, cache=cache)


@pytest.fixture(autouse=True)
def timing(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"\n{request.node.name}: {time.monotonic() - started:.1f} s")


def scaffold(cache: Path, target: Path, *command: str) -> None:
    """Run an official scaffolder with ``npx`` on the host, npm's cache in ``cache``."""
    env = {**os.environ, "npm_config_cache": str(cache / "npm"), "CI": "1"}
    subprocess.run(["npx", "--yes", *command], cwd=target.parent, env=env, check=True,
                   capture_output=True, timeout=180)


def detect_node(build: Build) -> Detection:
    detection = node_detector.detect(SourceTree(build.workspace))
    assert detection is not None
    return detection


def detect_python(build: Build) -> Detection:
    detection = python_detector.detect(SourceTree(build.workspace))
    assert detection is not None
    return detection


async def test_express(build: Build) -> None:
    build.write({
        "package.json": json.dumps({
            "name": "express-app", "private": True, "main": "index.js",
            "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.21.0"},
        }),
        "index.js": (
            "const express = require('express');\n"
            "const app = express();\n"
            "app.get('/', (req, res) =>\n"
            "  res.json({framework: 'express', port: process.env.PORT}));\n"
            "app.listen(process.env.PORT, '127.0.0.1');\n"
        ),
    })
    detection = detect_node(build)
    assert detection.framework == "express"
    await build.run(NodeBuilder(), detection)
    assert "node_modules/express/package.json" in build.files("server")
    assert build.json("server.json")["command"].endswith("exec node index.js")
    with build.serve(read_only=True) as url:
        response = httpx.get(url)
    assert response.json() == {"framework": "express", "port": url.rsplit(":", 1)[1]}


async def test_fastapi(build: Build) -> None:
    build.write({
        "requirements.txt": "fastapi==0.115.*\nuvicorn==0.32.*\n",
        "main.py": (
            "from fastapi import FastAPI\n\napp = FastAPI()\n\n"
            "@app.get('/')\ndef home():\n    return {'framework': 'fastapi'}\n"
        ),
    })
    detection = detect_python(build)
    assert detection.framework == "fastapi"
    await build.run(PythonBuilder(), detection)
    assert any(f.startswith(".python/fastapi/") for f in build.files("server"))
    assert "-m uvicorn main:app --host 127.0.0.1" in build.json("server.json")["command"]
    with build.serve(read_only=True) as url:
        assert httpx.get(url).json() == {"framework": "fastapi"}


async def test_flask_gets_gunicorn(build: Build) -> None:
    build.write({
        "requirements.txt": "flask==3.*\n",
        "app.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n\n"
            "@app.get('/')\ndef home():\n    return {'framework': 'flask'}\n"
        ),
    })
    detection = detect_python(build)
    assert detection.framework == "flask"
    await build.run(PythonBuilder(), detection)
    assert any(f.startswith(".python/gunicorn/") for f in build.files("server"))
    assert "-m gunicorn app:app --bind 127.0.0.1:$PORT" in build.json("server.json")["command"]
    with build.serve(read_only=True) as url:
        assert httpx.get(url).json() == {"framework": "flask"}


async def test_vite_react_from_create_vite(build: Build, cache: Path) -> None:
    shutil.rmtree(build.workspace)
    scaffold(cache, build.workspace, "create-vite@latest", build.workspace.name,
             "--template", "react", "--no-interactive")
    detection = detect_node(build)
    assert detection.framework == "vite" and detection.runtime == "static"
    await build.run(NodeBuilder(), detection, wall_seconds=300)
    files = build.files("static")
    assert "index.html" in files
    assert any(f.startswith("assets/index-") and f.endswith(".js") for f in files)
    routes = build.json("config.json")["routes"]
    assert routes[-1] == {"src": "^/.*$", "dest": "/index.html"}
    assert not (build.output / "server.json").exists()


NEXT_LAYOUT = """export const metadata = { title: "AutoStack Next" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (<html lang="en"><body>{children}</body></html>);
}
"""
NEXT_PAGE = """export default function Home() {
  return <main><h1>Hello from Next.js</h1></main>;
}
"""
NEXT_ROUTE = """import { connection } from "next/server";

export async function GET() {
  await connection();
  return Response.json({ port: process.env.PORT });
}
"""


async def test_nextjs_from_create_next_app(build: Build, cache: Path) -> None:
    shutil.rmtree(build.workspace)
    scaffold(cache, build.workspace, "create-next-app@latest", build.workspace.name, "--ts",
             "--app", "--use-npm", "--skip-install", "--yes")
    # ESLint is most of the install time and no part of the build.
    package = json.loads((build.workspace / "package.json").read_text())
    for name in ("eslint", "eslint-config-next"):
        package["devDependencies"].pop(name, None)
    package["scripts"].pop("lint", None)
    # The default layout downloads Google fonts at build time, which fails offline.
    build.write({"package.json": json.dumps(package), "app/layout.tsx": NEXT_LAYOUT,
                 "app/page.tsx": NEXT_PAGE, "app/api/env/route.ts": NEXT_ROUTE})
    detection = detect_node(build)
    assert detection.framework == "nextjs" and detection.runtime == "node"
    await build.run(NodeBuilder(), detection, wall_seconds=300)
    server = build.json("server.json")
    assert server["command"].startswith("exec node node_modules/next/dist/bin/next start")
    static = build.files("static")
    assert any(f.startswith("_next/static/") for f in static)
    shipped = build.files("server")
    assert ".next/BUILD_ID" in shipped
    assert not any(f.startswith(".next/cache/") for f in shipped)
    with build.serve(timeout=60, read_only=True) as url:
        page = httpx.get(url)
        dynamic = httpx.get(f"{url}/api/env")
        asset = next(f for f in static if f.endswith(".js"))
        assert httpx.get(f"{url}/{asset}").status_code == 200
    assert page.status_code == 200 and "Hello from Next.js" in page.text
    assert dynamic.json() == {"port": url.rsplit(":", 1)[1]}


async def test_astro_written_by_hand(build: Build) -> None:
    """create-astro downloads its templates from GitHub, so the project is written here."""
    build.write({
        "package.json": json.dumps({
            "name": "astro-site", "type": "module", "private": True,
            "scripts": {"dev": "astro dev", "build": "astro build"},
            "dependencies": {"astro": "^5.0.0"},
        }),
        "astro.config.mjs": "import { defineConfig } from 'astro/config';\n\n"
                            "export default defineConfig({});\n",
        "src/pages/index.astro": "---\nconst name = 'Astro';\n---\n"
                                 "<html><body><h1>Hello from {name}</h1></body></html>\n",
        "src/pages/about.astro": "<html><body><p>About</p></body></html>\n",
    })
    detection = detect_node(build)
    assert detection.framework == "astro" and detection.runtime == "static"
    await build.run(NodeBuilder(), detection, wall_seconds=300)
    files = build.files("static")
    assert {"index.html", "about/index.html"} <= set(files)
    assert "Hello from Astro" in (build.output / "static" / "index.html").read_text()
    assert not (build.output / "server.json").exists()


async def test_sveltekit_from_sv_create_with_adapter_static(build: Build, cache: Path) -> None:
    shutil.rmtree(build.workspace)
    scaffold(cache, build.workspace, "sv@latest", "create", build.workspace.name,
             "--template", "minimal", "--types", "ts", "--no-add-ons", "--no-install")
    package = json.loads((build.workspace / "package.json").read_text())
    package["devDependencies"].pop("@sveltejs/adapter-auto", None)
    package["devDependencies"]["@sveltejs/adapter-static"] = "^3.0.0"
    # Newer templates configure the adapter in vite.config.ts, older ones in svelte.config.js.
    config = next(name for name in ("svelte.config.js", "vite.config.ts")
                  if "@sveltejs/adapter-auto" in ((build.workspace / name).read_text()
                                                  if (build.workspace / name).exists() else ""))
    text = (build.workspace / config).read_text()
    build.write({
        "package.json": json.dumps(package),
        config: text.replace("@sveltejs/adapter-auto", "@sveltejs/adapter-static"),
        "src/routes/+layout.ts": "export const prerender = true;\n",
        "src/routes/+page.svelte": "<h1>Hello from SvelteKit</h1>\n",
    })
    detection = detect_node(build)
    assert detection.framework == "sveltekit" and detection.runtime == "static"
    await build.run(NodeBuilder(), detection, wall_seconds=300)
    assert "Hello from SvelteKit" in (build.output / "static" / "index.html").read_text()
    assert any(f.startswith("_app/immutable/") for f in build.files("static"))


async def test_vitepress_written_by_hand(build: Build) -> None:
    """VitePress's own `vitepress init` is interactive, so the site is written here."""
    build.write({
        "package.json": json.dumps({
            "name": "docs", "type": "module", "private": True,
            "scripts": {"docs:dev": "vitepress dev docs", "docs:build": "vitepress build docs"},
            "devDependencies": {"vitepress": "^1.6.0"},
        }),
        "docs/.vitepress/config.mjs": "export default { title: 'AutoStack docs' };\n",
        "docs/index.md": "# Hello from VitePress\n",
        "docs/guide.md": "# Guide\n",
    })
    detection = detect_node(build)
    assert detection.framework == "vitepress"
    assert detection.output_directory == "docs/.vitepress/dist"
    await build.run(NodeBuilder(), detection, wall_seconds=300)
    files = build.files("static")
    assert {"index.html", "guide.html"} <= set(files)
    assert "Hello from VitePress" in (build.output / "static" / "index.html").read_text()
