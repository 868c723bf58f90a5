"""Servers without a framework, on the runtimes AutoStack builds (issue 20 items 2 and 3).

Each is deployed through ``autostack up`` and fetched through the edge, as a
user would check it. Toolchains the server lacks come from the npm registry
into the shared toolchain cache, as the build log says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

# What these test is the builders and runtimes; the deploy's database paths run on
# PostgreSQL in test_deploy and the other server tests, so CI's second pass skips them.
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


def write(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def deploy(server: Server, folder: Path, project: str) -> tuple[dict, str]:
    result = server.cli("deploy", str(folder), "--prod", "--json", "--project", project,
                        timeout=600, check=False)
    deployment = dict(json.loads(result.stdout))
    logs = server.cli("logs", deployment["id"], check=False).stdout
    assert deployment["state"] == "ready", (deployment, logs[-3000:])
    return deployment, logs


SERVER_TS = """\
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Greeting { runtime: string; path: string | undefined }

createServer((req: IncomingMessage, res: ServerResponse) => {
  const body: Greeting = { runtime: `node ${process.version}`, path: req.url };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}).listen(Number(process.env.PORT), '127.0.0.1');
"""


def test_a_typescript_node_server_without_dependencies_runs_on_type_stripping(
    server: Server, tmp_path: Path
) -> None:
    """Only ``package.json`` and ``src/server.ts`` (Vercel's ``node`` preset): no tsx, no build."""
    app = write(tmp_path / "plain", {
        "package.json": json.dumps({"name": "plain", "private": True, "type": "module"}),
        "src/server.ts": SERVER_TS,
    })
    deployment, logs = deploy(server, app, "plain")
    assert deployment["detection"]["framework"] == "node"
    assert "the TypeScript entry Node.js runs by stripping its types" in logs
    page = server.edge_get("plain.localhost", "/hello")
    assert page.status_code == 200
    body = page.json()
    assert body["path"] == "/hello"
    major, minor = map(int, body["runtime"].removeprefix("node v").split(".")[:2])
    assert (major, minor) >= (22, 6)


HONO_APP = """\
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.text(`Hono on Bun ${Bun.version}`))
app.get('/api/:name', (c) => c.json({ hello: c.req.param('name') }))

export default app
"""


def test_a_hono_app_on_bun_is_installed_and_served_by_bun_from_the_npm_registry(
    server: Server, tmp_path: Path
) -> None:
    """Hono's Bun starter (``export default app``, no ``start`` script), Bun's own install."""
    app = write(tmp_path / "hono", {
        "package.json": json.dumps({
            "name": "hono-bun", "private": True, "packageManager": "bun@1.2.0",
            "scripts": {"dev": "bun run --hot src/index.ts"},
            "dependencies": {"hono": "^4.9.0"}}),
        "src/index.ts": HONO_APP,
    })
    deployment, logs = deploy(server, app, "honobun")
    detection = deployment["detection"]
    assert (detection["framework"], detection["runtime"]) == ("hono", "bun")
    assert "installed from the npm registry's @oven/bun-linux-x64" in logs
    assert "server app: runs on the same Bun" in logs
    page = server.edge_get("honobun.localhost", "/")
    assert page.status_code == 200
    assert page.text.startswith("Hono on Bun 1.")
    assert server.edge_get("honobun.localhost", "/api/edge").json() == {"hello": "edge"}
    cached = server.data_dir / "toolchains" / "bun"
    assert [p.name for p in cached.iterdir() if not p.name.startswith(".")] == [
        page.text.removeprefix("Hono on Bun ")]


GO_MAIN = """\
package main

import (
\t"fmt"
\t"net/http"
\t"os"
\t"runtime"

\t"example.com/greet"
)

func main() {
\thttp.Handle("/assets/", http.StripPrefix("/assets/", http.FileServer(http.Dir("assets"))))
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
\t\tfmt.Fprintf(w, "%s on %s", greet.Hello(r.URL.Path[1:]), runtime.Version())
\t})
\tfmt.Println("listening on", os.Getenv("PORT"))
\thttp.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
"""


def test_a_go_net_http_server_with_a_vendored_module_is_built_and_served(
    server: Server, tmp_path: Path
) -> None:
    """No module download (only PyPI, npm and Debian are reachable): the dependency is
    vendored, so the build must use ``vendor/`` and never the module proxy."""
    app = write(tmp_path / "gohttp", {
        "go.mod": "module example.com/hello\n\ngo 1.19\n\nrequire example.com/greet v1.0.0\n",
        "vendor/modules.txt": "# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n",
        "vendor/example.com/greet/greet.go":
            'package greet\n\nfunc Hello(name string) string { return "hello " + name }\n',
        "main.go": GO_MAIN,
        "assets/note.txt": "shipped beside the binary\n",
    })
    deployment, logs = deploy(server, app, "gohttp")
    assert (deployment["detection"]["framework"], deployment["detection"]["runtime"]) == (
        "go", "go")
    assert "building from vendor/" in logs
    page = server.edge_get("gohttp.localhost", "/gopher")
    assert page.status_code == 200
    assert page.text.startswith("hello gopher on go1.")
    assert server.edge_get("gohttp.localhost", "/assets/note.txt").text == (
        "shipped beside the binary\n")
    runtime_logs = server.cli("logs", deployment["id"], "--runtime", check=False).stdout
    assert "listening on" in runtime_logs


CONFIG_RU = """\
$stdout.sync = true
puts "rack app booting"
run lambda { |env|
  [200, { "content-type" => "text/plain" },
   ["Rack #{Rack.release} on Ruby #{RUBY_VERSION} at #{env['PATH_INFO']}"]]
}
"""


def test_a_rack_app_runs_with_bundler_on_debians_rack(server: Server, tmp_path: Path) -> None:
    """No gem source is reachable: Bundler resolves the Gemfile from the server's gems."""
    app = write(tmp_path / "rack", {
        "Gemfile": 'source "https://rubygems.org"\n\ngem "rack"\ngem "webrick"\n',
        "config.ru": CONFIG_RU,
    })
    deployment, logs = deploy(server, app, "rackapp")
    assert (deployment["detection"]["framework"], deployment["detection"]["runtime"]) == (
        "ruby", "ruby")
    assert "Using rack 2." in logs
    page = server.edge_get("rackapp.localhost", "/hello")
    assert page.status_code == 200
    assert page.text.startswith("Rack 2.")
    assert page.text.endswith(" at /hello")
    runtime_logs = server.cli("logs", deployment["id"], "--runtime", check=False).stdout
    assert "rack app booting" in runtime_logs


MAIN_RS = """\
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() {
    let port = std::env::var("PORT").expect("PORT");
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    println!("ferris listening on {port}");
    for stream in listener.incoming() {
        let mut stream = stream.unwrap();
        let mut request = String::new();
        BufReader::new(&stream).read_line(&mut request).unwrap();
        let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
        let body = format!("{} at {path}", greet::hello("ferris"));
        let reply = format!(
            "HTTP/1.1 200 OK\\r\\ncontent-length: {}\\r\\nconnection: close\\r\\n\\r\\n{body}",
            body.len());
        stream.write_all(reply.as_bytes()).unwrap();
    }
}
"""


def test_a_rust_server_with_a_vendored_crate_is_built_and_served(
    server: Server, tmp_path: Path
) -> None:
    """Cargo's target folder is kept in the project's build cache, not in the deployment.

    (The app's own crate is recompiled on every build anyway: each checkout has new
    modification times. What the cache saves is the crates, which cannot be fetched here:
    the ``greet`` crate comes from ``vendor/``, a directory source as ``cargo vendor``
    sets up, which stands in for a registry.)
    """
    app = write(tmp_path / "ferris", {
        "Cargo.toml": '[package]\nname = "ferris"\nversion = "0.1.0"\nedition = "2021"\n'
                      '\n[dependencies]\ngreet = "1.0"\n',
        "src/main.rs": MAIN_RS,
        ".cargo/config.toml": '[source.crates-io]\nreplace-with = "vendored-sources"\n\n'
                              '[source.vendored-sources]\ndirectory = "vendor"\n',
        "vendor/greet/Cargo.toml": '[package]\nname = "greet"\nversion = "1.0.0"\n'
                                   'edition = "2021"\n',
        "vendor/greet/src/lib.rs":
            'pub fn hello(name: &str) -> String { format!("{name} says hi") }\n',
        "vendor/greet/.cargo-checksum.json": '{"files": {}, "package": null}\n',
    })
    deployment, logs = deploy(server, app, "ferris")
    assert (deployment["detection"]["framework"], deployment["detection"]["runtime"]) == (
        "rust", "rust")
    assert "Compiling greet v1.0.0" in logs and "Compiling ferris" in logs
    page = server.edge_get("ferris.localhost", "/crab")
    assert page.status_code == 200
    assert page.text == "ferris says hi at /crab"
    kept = list((server.data_dir / "cache").glob("*/cargo-target/release/ferris"))
    assert len(kept) == 1 and kept[0].is_file()
