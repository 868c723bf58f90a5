"""Real frameworks deployed through everything: CLI upload, sandboxed npm/pip install from the
registries, build, the supervised runtime, and requests through the Caddy edge, each app
seeing its production environment variables.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server

# What these test is the frameworks' builds and servers; the deploy's database paths
# run on PostgreSQL in test_deploy, so CI's second pass skips them.
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


def write(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def deploy_with_greeting(server: Server, folder: Path, project: str) -> dict:
    server.cli("link", project, cwd=folder)
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": project}).status_code == 201
    server.cli("env", "add", "GREETING", f"hello from {project}", "-e", "production",
               cwd=folder)
    result = server.cli("deploy", str(folder), "--prod", "--json", timeout=600)
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready", deployment
    return deployment


def get_json(server: Server, project: str) -> dict:
    response = server.edge_get(f"{project}.localhost", "/")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_express_through_the_edge(server: Server, tmp_path: Path) -> None:
    folder = write(tmp_path / "express", {
        "package.json": json.dumps({
            "name": "express-live", "private": True, "main": "index.js",
            "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.21.0"}}),
        "index.js": (
            "const express = require('express');\n"
            "const app = express();\n"
            "app.get('/', (req, res) => res.json({framework: 'express',"
            " greeting: process.env.GREETING}));\n"
            "app.listen(process.env.PORT, '127.0.0.1');\n"),
    })
    deployment = deploy_with_greeting(server, folder, "expresslive")
    assert deployment["detection"]["framework"] == "express"
    assert get_json(server, "expresslive") == {
        "framework": "express", "greeting": "hello from expresslive"}


def test_fastapi_through_the_edge(server: Server, tmp_path: Path) -> None:
    folder = write(tmp_path / "fastapi", {
        "requirements.txt": "fastapi==0.115.*\nuvicorn==0.32.*\n",
        "main.py": (
            "import os\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n"
            "@app.get('/')\ndef home():\n"
            "    return {'framework': 'fastapi', 'greeting': os.environ.get('GREETING')}\n"),
    })
    deployment = deploy_with_greeting(server, folder, "fastapilive")
    assert deployment["detection"]["framework"] == "fastapi"
    assert get_json(server, "fastapilive") == {
        "framework": "fastapi", "greeting": "hello from fastapilive"}


def test_flask_through_the_edge(server: Server, tmp_path: Path) -> None:
    folder = write(tmp_path / "flask", {
        "requirements.txt": "flask==3.*\n",
        "app.py": (
            "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n\n"
            "@app.get('/')\ndef home():\n"
            "    return {'framework': 'flask', 'greeting': os.environ.get('GREETING')}\n"),
    })
    deployment = deploy_with_greeting(server, folder, "flasklive")
    assert deployment["detection"]["framework"] == "flask"
    assert get_json(server, "flasklive") == {
        "framework": "flask", "greeting": "hello from flasklive"}


@pytest.mark.dbless  # two minutes of npm and next build; the database paths are the same as above
def test_nextjs_through_the_edge(server: Server, tmp_path: Path) -> None:
    """A minimal hand-written Next.js app (create-next-app needs a non-offline font setup)."""
    folder = write(tmp_path / "next", {
        "package.json": json.dumps({
            "name": "next-live", "private": True,
            "scripts": {"build": "next build", "start": "next start"},
            "dependencies": {"next": "15.5.4", "react": "19.1.1", "react-dom": "19.1.1"}}),
        "next.config.mjs": "export default { eslint: { ignoreDuringBuilds: true } };\n",
        "app/layout.js": (
            "export default function RootLayout({ children }) {\n"
            "  return <html lang=\"en\"><body>{children}</body></html>;\n}\n"),
        "app/page.js": (
            "export const dynamic = 'force-dynamic';\n"
            "export default function Page() {\n"
            "  return <main><h1>Next on AutoStack</h1>"
            "<p id=\"greeting\">{process.env.GREETING}</p></main>;\n}\n"),
    })
    deployment = deploy_with_greeting(server, folder, "nextlive")
    assert deployment["detection"]["framework"] == "nextjs"
    page = server.edge_get("nextlive.localhost", "/")
    assert page.status_code == 200
    assert "Next on AutoStack" in page.text and "hello from nextlive" in page.text
    assert "_next/static" in page.text
    asset = page.text.split('src="/_next/static/', 1)[1].split('"', 1)[0]
    static = server.edge_get("nextlive.localhost", f"/_next/static/{asset}")
    assert static.status_code == 200
    assert "immutable" in static.headers.get("cache-control", "")


def test_pages_are_not_served_to_unknown_hosts(server: Server) -> None:
    response = httpx.get(f"http://127.0.0.1:{server.edge_port}/",
                         headers={"Host": "nobody.localhost"}, timeout=10)
    assert response.status_code == 404
    assert "No deployment at this address" in response.text


def test_a_function_that_throws_answers_500_and_logs_why(server: Server, tmp_path: Path) -> None:
    folder = write(tmp_path / "fns", {
        "index.html": "<h1>static with functions</h1>",
        "api/ok.js": "module.exports = (req, res) => res.status(200).json({ok: true});\n",
        "api/boom.js": ("module.exports = (req, res) => {\n"
                        "  throw new Error('kaboom: the database is gone');\n};\n"),
    })
    with server.api() as api:
        api.post("/api/v1/projects", json={"name": "fns"})
    deployment = json.loads(server.cli("deploy", str(folder), "--project", "fns", "--prod",
                                       "--json", timeout=300).stdout)
    assert deployment["state"] == "ready"
    assert "static with functions" in server.edge_get("fns.localhost", "/").text
    assert server.edge_get("fns.localhost", "/api/ok").json() == {"ok": True}
    failed = server.edge_get("fns.localhost", "/api/boom")
    assert failed.status_code == 500
    # The function's stderr reaches the log file through its shim, apart from the answer.
    deadline = time.monotonic() + 30
    while "kaboom: the database is gone" not in (
            logs := server.cli("logs", deployment["id"], "--runtime").stdout):
        assert time.monotonic() < deadline, logs
        time.sleep(0.3)
