"""A Node.js server app and Node.js functions packaged as an image, run by podman.

Real parts: buildah, Debian's docker-registry on the loopback, podman, this
host's Node.js 20 (in the base image, :mod:`tests.node_base_image`) running
the app and AutoStack's ``node_functions.mjs`` inside the container. The build
outputs are written as the Node.js builders write them (``server.json`` with
``server/``; ``functions/<path>.func`` with ``.vc-config.json`` and the
shared ``functions/node_modules``) for the first test; the second builds an
Express app with the real Node.js builder (``npm install`` in the build
sandbox, as ``tests/e2e/test_frameworks.py`` does) and packages what it wrote.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from autostack_core.interfaces import SourceTree
from autostack_plugins.builders.node import NodeBuilder
from autostack_plugins.detectors import node as node_detector
from tests.build_harness import Build
from tests.containers_standin import image_registry
from tests.node_base_image import node_base_image
from tests.packaged_image import package, running_image

__all__ = ["image_registry", "node_base_image"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "frameworks"
"""npm's cache, shared with tests/e2e/test_frameworks.py."""

SERVER = """import { createServer } from "node:http";
import { greeting } from "greeter";
createServer((request, response) => {
  response.setHeader("content-type", "text/plain");
  response.end(`${greeting} from node ${process.version} at ${request.url}`);
}).listen(Number(process.env.PORT), process.env.HOST);
"""
FUNCTION = """const { greeting } = require("shout");
module.exports = (req, res) => {
  res.status(201).json({ says: greeting(req.query.name), method: req.method });
};
"""
WEB_FUNCTION = """export async function POST(request) {
  return new Response(`posted ${await request.text()}`, { headers: { "x-web": "yes" } });
}
"""


def module(folder: Path, name: str, source: str, kind: str = "module") -> None:
    """A package ``name`` in ``folder/node_modules``, as the install step leaves it."""
    package = folder / "node_modules" / name
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "type": kind,
                                                      "main": "index.js"}))
    (package / "index.js").write_text(source)


def node_output(output: Path) -> None:
    """A Node.js server app with a dependency, and two Node.js functions with a shared one."""
    server = output / "server"
    server.mkdir(parents=True)
    (server / "package.json").write_text(json.dumps({"type": "module"}))
    (server / "server.mjs").write_text(SERVER)
    module(server, "greeter", 'export const greeting = "hello";\n')
    (output / "server.json").write_text(json.dumps(
        {"runtime": "node", "command": "exec node server.mjs", "health_path": "/",
         "directory": "server"}))
    functions = output / "functions"
    module(functions, "shout", "exports.greeting = (name) => `HI ${String(name).toUpperCase()}`;\n",
           kind="commonjs")
    for path, source, handler in (("api/shout", FUNCTION, "api/shout.js"),
                                  ("api/echo", WEB_FUNCTION, "api/echo.mjs")):
        folder = functions / f"{path}.func"
        (folder / "api").mkdir(parents=True)
        (folder / handler).write_text(source)
        (folder / ".vc-config.json").write_text(
            json.dumps({"runtime": "nodejs20.x", "handler": handler, "launcherType": "Nodejs"}))
    (output / "static").mkdir()
    (output / "static" / "robots.txt").write_text("User-agent: *\n")


async def test_a_node_server_app_and_node_functions_run_from_their_image(
        tmp_path: Path, node_base_image: str, image_registry: str) -> None:
    output = tmp_path / "build" / "output"
    node_output(output)
    info = await package(tmp_path, output, node_base_image, image_registry, project="node-app")
    assert info["packaged"] == ["static", "server", "functions"]
    with running_image(str(info["reference"])) as url:
        page = httpx.get(f"{url}/orders/7?x=1", timeout=10)
        assert page.status_code == 200
        assert page.text == "hello from node v20" + page.text.split("v20", 1)[1]
        assert page.text.endswith(" at /orders/7?x=1")
        shout = httpx.get(f"{url}/api/shout?name=ada", timeout=10)
        assert (shout.status_code, shout.json()) == (201, {"says": "HI ADA", "method": "GET"})
        echo = httpx.post(f"{url}/api/echo", content="a body", timeout=10)
        assert (echo.status_code, echo.text, echo.headers["x-web"]) == (200, "posted a body", "yes")
        robots = httpx.get(f"{url}/robots.txt", timeout=10)
        assert robots.text == "User-agent: *\n", "static files first"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
async def test_an_express_app_built_by_the_node_builder_runs_from_its_image(
        tmp_path: Path, node_base_image: str, image_registry: str) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    build = Build(tmp_path / "express", cache=CACHE)
    build.write({
        "package.json": json.dumps({
            "name": "express-app", "private": True, "main": "index.js",
            "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.21.0"}}),
        "index.js": ("const express = require('express');\n"
                     "const app = express();\n"
                     "app.get('/items/:id', (req, res) =>\n"
                     "  res.json({id: req.params.id, node: process.version}));\n"
                     "app.listen(process.env.PORT, '127.0.0.1');\n"),
    })
    detection = node_detector.detect(SourceTree(build.workspace))
    assert detection is not None and detection.framework == "express"
    await build.run(NodeBuilder(), detection)
    info = await package(tmp_path, build.output, node_base_image, image_registry,
                         project="express-app")
    assert info["packaged"] == ["server"]
    with running_image(str(info["reference"])) as url:
        answer = httpx.get(f"{url}/items/42", timeout=10)
        assert answer.status_code == 200
        assert answer.json()["id"] == "42" and answer.json()["node"].startswith("v20.")
