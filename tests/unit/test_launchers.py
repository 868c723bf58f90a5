"""The function launchers, started as real processes on a free loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from autostack_plugins.providers.launchers import launcher_command, launcher_file
from tests.conftest import free_port

pytestmark = pytest.mark.dbless

Serve = Callable[[str, dict[str, str]], "Launched"]


class Launched:
    """A running launcher: its base URL and what it wrote to stderr."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, stderr: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.stderr_path = stderr

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def write_function(functions: Path, route: str, runtime: str, files: dict[str, str]) -> None:
    """A ``<route>.func`` folder whose handler is the first of ``files``."""
    folder = functions / f"{route}.func"
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    config = {"runtime": runtime, "handler": next(iter(files)), "launcherType": "Nodejs"}
    if runtime.startswith("python"):
        config.pop("launcherType")
    (folder / ".vc-config.json").write_text(json.dumps(config))


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    started: list[subprocess.Popen[bytes]] = []

    def start(runtime: str, functions: dict[str, str]) -> Launched:
        root = tmp_path / "functions"
        for route, text in functions.items():
            name = route.rsplit("/", 1)[-1]
            extension = "py" if runtime.startswith("python") else (
                "cjs" if "module.exports" in text else "mjs")
            write_function(root, route, runtime, {f"{name}.{extension}": text})
        port = free_port()
        stderr = tmp_path / "stderr.log"
        command = launcher_command(runtime, str(root))
        with stderr.open("wb") as err:
            process = subprocess.Popen(
                ["/bin/sh", "-c", command], env={**os.environ, "PORT": str(port)},
                stdout=subprocess.DEVNULL, stderr=err,
            )
        started.append(process)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert process.poll() is None, stderr.read_text()
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                return Launched(process, port, stderr)
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"launcher did not listen:\n{stderr.read_text()}")

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


NODE = "nodejs20.x"
PYTHON = "python3.11"


def test_launcher_command_names_the_script_and_the_folder() -> None:
    assert launcher_command("nodejs20.x", "/app/functions").endswith(
        f"node {launcher_file('node')} /app/functions")
    assert "/usr/bin/python3" in launcher_command("python", "/app/my functions")
    assert "'/app/my functions'" in launcher_command("python3.11", "/app/my functions")
    with pytest.raises(ValueError, match="ruby"):
        launcher_command("ruby3.3", "/app/functions")


def test_node_req_res_handler_with_vercel_helpers(serve: Serve) -> None:
    app = serve(NODE, {
        "api/hello": (
            "export default function handler(req, res) {\n"
            "  res.status(201).json({method: req.method, name: req.query.name,"
            " body: req.body ?? null, cookie: req.cookies.session ?? null});\n}\n"
        ),
        "api/text": "export default (req, res) => { res.send('plain ' + req.url); };\n",
    })
    response = app.get("/api/hello?name=ada", cookies={"session": "s1"})
    assert response.status_code == 201
    assert response.json() == {"method": "GET", "name": "ada", "body": None, "cookie": "s1"}
    posted = app.post("/api/hello", json={"x": 1})
    assert posted.json()["body"] == {"x": 1}
    text = app.get("/api/text?q=1")
    assert text.text == "plain /api/text?q=1"
    assert text.headers["content-type"].startswith("text/html")
    assert app.get("/api/missing").status_code == 404


def test_node_commonjs_module_exports(serve: Serve) -> None:
    app = serve(NODE, {
        "api/cjs": "module.exports = (req, res) => { res.json({ok: true}); };\n",
    })
    assert app.get("/api/cjs").json() == {"ok": True}


def test_node_web_request_response_and_named_methods(serve: Serve) -> None:
    app = serve(NODE, {
        "api/web": (
            "export default async function (request) {\n"
            "  const url = new URL(request.url);\n"
            "  return Response.json({path: url.pathname, q: url.searchParams.get('q')},"
            " {headers: {'x-kind': 'web'}});\n}\n"
        ),
        "api/items/[id]": (
            "export function GET(request, context) {\n"
            "  return new Response('item ' + context.params.id);\n}\n"
            "export async function POST(request) {\n"
            "  const data = await request.json();\n"
            "  return Response.json({got: data}, {status: 202});\n}\n"
        ),
        "api/index": "export function GET() { return new Response('index'); }\n",
    })
    web = app.get("/api/web?q=2")
    assert web.json() == {"path": "/api/web", "q": "2"}
    assert web.headers["x-kind"] == "web"
    assert app.get("/api/items/42").text == "item 42"
    posted = app.post("/api/items/7", json={"a": 1})
    assert posted.status_code == 202 and posted.json() == {"got": {"a": 1}}
    assert httpx.delete(app.url + "/api/items/7").status_code == 405
    assert app.get("/api").text == "index"
    assert app.get("/api/index").text == "index"


def test_node_function_that_throws_gives_500_and_its_stack_on_stderr(serve: Serve) -> None:
    app = serve(NODE, {
        "api/boom": "export default function (req, res) { throw new Error('kaboom'); }\n",
        "api/ok": "export default function (req, res) { res.send('still up'); }\n",
    })
    response = app.get("/api/boom")
    assert response.status_code == 500
    assert "FUNCTION_INVOCATION_FAILED" in response.text
    assert app.get("/api/ok").text == "still up"
    assert "Error in function /api/boom" in app.stderr and "kaboom" in app.stderr


def test_python_handler_class(serve: Serve) -> None:
    app = serve(PYTHON, {
        "api/hello": (
            "from http.server import BaseHTTPRequestHandler\n"
            "class handler(BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n"
            "        self.send_response(200)\n"
            "        self.send_header('Content-Type', 'text/plain')\n"
            "        self.end_headers()\n"
            "        self.wfile.write(('hello ' + self.path).encode())\n"
            "    def do_POST(self):\n"
            "        size = int(self.headers['Content-Length'])\n"
            "        self.send_response(200)\n"
            "        self.end_headers()\n"
            "        self.wfile.write(self.rfile.read(size)[::-1])\n"
        ),
    })
    response = app.get("/api/hello?x=1")
    assert response.status_code == 200 and response.text == "hello /api/hello?x=1"
    assert app.post("/api/hello", content=b"abc").text == "cba"


def test_python_wsgi_app(serve: Serve) -> None:
    app = serve(PYTHON, {
        "api/wsgi": (
            "def app(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
            "    body = environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))\n"
            "    return [f\"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} "
            "{environ['QUERY_STRING']} \".encode() + body]\n"
        ),
    })
    assert app.get("/api/wsgi?a=b").text == "GET /api/wsgi a=b "
    assert app.post("/api/wsgi", content=b"data").text == "POST /api/wsgi  data"


def test_python_asgi_app(serve: Serve) -> None:
    app = serve(PYTHON, {
        "api/asgi": (
            "async def app(scope, receive, send):\n"
            "    assert scope['type'] == 'http'\n"
            "    message = await receive()\n"
            "    await send({'type': 'http.response.start', 'status': 200,\n"
            "                'headers': [(b'content-type', b'text/plain')]})\n"
            "    await send({'type': 'http.response.body',\n"
            "                'body': scope['path'].encode() + message['body']})\n"
        ),
    })
    assert app.get("/api/asgi").text == "/api/asgi"
    assert app.post("/api/asgi", content=b"!").text == "/api/asgi!"


def test_python_function_that_raises_gives_500_and_its_traceback_on_stderr(
    serve: Serve,
) -> None:
    app = serve(PYTHON, {
        "api/boom": (
            "from http.server import BaseHTTPRequestHandler\n"
            "class handler(BaseHTTPRequestHandler):\n"
            "    def do_GET(self):\n"
            "        raise RuntimeError('kaboom')\n"
        ),
        "api/broken_wsgi": "def app(environ, start_response):\n    raise ValueError('bad')\n",
        "api/nothing": "x = 1\n",
    })
    response = app.get("/api/boom")
    assert response.status_code == 500
    assert "FUNCTION_INVOCATION_FAILED" in response.text
    assert app.get("/api/broken_wsgi").status_code == 500
    assert app.get("/api/nothing").status_code == 500
    stderr = app.stderr
    assert "Error in function /api/boom" in stderr and "RuntimeError: kaboom" in stderr
    assert "ValueError: bad" in stderr
    assert "neither a `handler` class" in stderr
