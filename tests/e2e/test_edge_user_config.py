"""What a project writes into its routes cannot read the server or stop other deployments.

User text never becomes a Caddy placeholder, Caddy never sees the server's
environment, and a route Caddy refuses fails its own deployment only.

Caddy expands ``{env.NAME}``, ``{file./path}`` and friends in header values,
redirect targets, rewrites and matchers. Everything a project writes into
its routing files reaches Caddy, so the tests put such placeholders in every
place a user can and check, through the real edge, that the literal text
comes back and that the key file and the server's environment never do.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.security.crypto import KEY_FILE_NAME
from autostack_plugins.providers.local.edge import CADDY_PASSED_ENV, Edge, EdgeError, EdgeState
from tests.conftest import free_port
from tests.e2e.conftest import Server
from tests.local_pair import LocalPair, release

pytestmark = pytest.mark.e2e

REPORT_TO = '{"group":"csp","max_age":600,"endpoints":[{"url":"https://r.example/csp"}]}'


def routing_site(folder: Path, key_file: Path) -> str:
    """A static site whose every routing file holds placeholders; returns the key file's."""
    key = f"{{file.{key_file}}}"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>home</h1>")
    # Rewrites aim at files whose names are the placeholders: served only if taken literally.
    (folder / "{env.HOME}.txt").write_text("literal file")
    (folder / "_headers").write_text(
        "/h\n"
        "  X-Home: {env.HOME}\n"
        f"  X-Key: {key}\n"
        "  X-Data: {env.AUTOSTACK_DATA_DIR}\n"
        f"  Report-To: {REPORT_TO}\n"
    )
    (folder / "_redirects").write_text(
        f"/r/*  /to/:splat/{{env.HOME}}?k={key}  302\n"
        "/w  /{env.HOME}.txt  200!\n"
    )
    (folder / "vercel.json").write_text(json.dumps({
        "headers": [
            {"source": "/v", "headers": [{"key": "X-Vercel", "value": key}]},
            {"source": "/vq", "has": [{"type": "query", "key": "k", "value": "{env.HOME}"}],
             "headers": [{"key": "X-Has", "value": "yes"}]},
        ],
        "redirects": [{"source": "/vr/:slug", "destination": "/to/:slug/{env.HOME}",
                       "permanent": False}],
        "rewrites": [{"source": "/vw", "destination": "/{env.HOME}.txt"}],
    }))
    (folder / "netlify.toml").write_text(
        '[[headers]]\nfor = "/n"\n[headers.values]\nX-Netlify = "{env.HOME}"\n\n'
        '[[redirects]]\nfrom = "/nr"\nto = "/to/{env.AUTOSTACK_DATA_DIR}"\n'
        "status = 301\nforce = true\n"
    )
    return key


def test_placeholders_in_routing_files_are_served_as_written(server: Server,
                                                              tmp_path: Path) -> None:
    key_file = server.data_dir / KEY_FILE_NAME
    key = routing_site(tmp_path / "site", key_file)
    result = json.loads(server.cli("deploy", str(tmp_path / "site"), "--prod", "--project",
                                   "curly", "--json").stdout)
    assert result["state"] == "ready", result
    secrets = [key_file.read_text().strip(), server.env["HOME"]]

    def get(path: str) -> httpx.Response:
        response = server.edge_get("curly.localhost", path)
        seen = json.dumps(dict(response.headers)) + response.text
        assert not [secret for secret in secrets if secret in seen], (path, seen)
        return response

    headers = get("/h").headers
    assert headers["x-home"] == "{env.HOME}"
    assert headers["x-key"] == key
    assert headers["x-data"] == "{env.AUTOSTACK_DATA_DIR}"
    assert headers["report-to"] == REPORT_TO
    redirect = get("/r/a/b")
    assert (redirect.status_code, redirect.headers["location"]) == (
        302, f"/to/a/b/{{env.HOME}}?k={key}")
    assert get("/w").text == "literal file"
    assert get("/v").headers["x-vercel"] == key
    assert "x-has" not in get(f"/vq?k={server.env['HOME']}").headers
    assert get("/vq?k={env.HOME}").headers["x-has"] == "yes"
    moved = get("/vr/post")
    assert (moved.status_code, moved.headers["location"]) == (307, "/to/post/{env.HOME}")
    assert get("/vw").text == "literal file"
    assert get("/n").headers["x-netlify"] == "{env.HOME}"
    assert get("/nr").headers["location"] == "/to/{env.AUTOSTACK_DATA_DIR}"


def test_a_header_name_that_cannot_be_literal_fails_the_build_naming_the_line(
    server: Server, tmp_path: Path
) -> None:
    site = tmp_path / "names"
    site.mkdir()
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "_headers").write_text("/*\n  X-Fine: yes\n  X-{env.HOME}: no\n")
    result = server.cli("deploy", str(site), "--project", "names", "--json", check=False)
    failed = json.loads(result.stdout)
    assert failed["state"] == "error"
    assert "_headers line 3" in failed["error"] and "header name" in failed["error"]


def environment_of(pid: int | str) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode()
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def caddy_pid(data_dir: Path) -> str:
    """The Caddy started for ``data_dir``, found by its bootstrap file on its command line."""
    bootstrap = str(data_dir / "edge" / "bootstrap.json").encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and bootstrap in (entry / "cmdline").read_bytes():
                return entry.name
        except OSError:
            continue
    raise AssertionError(f"no Caddy running for {data_dir}")


def test_caddy_of_a_running_server_has_none_of_its_environment(server: Server) -> None:
    caddy = environment_of(caddy_pid(server.data_dir))
    assert not [name for name in caddy if name.startswith("AUTOSTACK_")], caddy
    assert caddy.get("HOME") != server.env["HOME"]
    leaked = {name for name, value in server.env.items()
              if name not in CADDY_PASSED_ENV and caddy.get(name) == value}
    assert not leaked, leaked


# -- a Build Output API config.json (what a build's .vercel/output holds) --------


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalPair]:
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(),
                        edge_https_port=free_port())
    settings.ensure_dirs()
    provider = LocalPair(settings)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.stop()


async def test_a_build_output_config_cannot_evaluate_placeholders(
    local: LocalPair, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    key = f"{{file.{secret}}}"
    output = tmp_path / "output"
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text("home")
    (output / "static" / "{env.HOME}.txt").write_text("literal file")
    (output / "static" / "about.html").write_text("about")
    routes = [
        {"src": "/(h)", "headers": {"X-Key": key, "X-Both": "{env.HOME}$1{"},
         "continue": True},
        {"src": "/go/(.*)", "headers": {"Location": f"/to/$1/{key}"}, "status": 302},
        {"src": "/w", "dest": "/{env.HOME}.txt"},
        {"src": "/q", "has": [{"type": "query", "key": "{env.HOME}", "value": key}],
         "headers": {"X-Query": "matched"}, "continue": True},
        {"handle": "filesystem"},
    ]
    overrides = {"about.html": {"path": "{env.HOME}", "contentType": f"text/html; {key}"}}
    (output / "config.json").write_text(json.dumps(
        {"version": 3, "routes": routes, "overrides": overrides}))
    await local.deploy(release("c1", output, "curly-c1.localhost"))
    base = f"http://127.0.0.1:{local.settings.edge_port}"
    async with httpx.AsyncClient(base_url=base, headers={"Host": "curly-c1.localhost"},
                                 timeout=5) as http:
        responses = {path: await http.get(path) for path in (
            "/h", "/go/x", "/w", f"/q?{{env.HOME}}={key}", f"/q?{os.environ['HOME']}=TOP-SECRET",
            "/%7Benv.HOME%7D")}
    for response in responses.values():
        seen = json.dumps(dict(response.headers)) + response.text
        assert "TOP-SECRET" not in seen and os.environ["HOME"] not in seen, seen
    assert responses["/h"].headers["x-key"] == key
    assert responses["/h"].headers["x-both"] == "{env.HOME}h{"
    assert responses["/go/x"].headers["location"] == f"/to/x/{key}"
    assert responses["/w"].text == "literal file"
    assert responses[f"/q?{{env.HOME}}={key}"].headers["x-query"] == "matched"
    assert "x-query" not in responses[f"/q?{os.environ['HOME']}=TOP-SECRET"].headers
    assert responses["/%7Benv.HOME%7D"].text == "about"
    assert responses["/%7Benv.HOME%7D"].headers["content-type"] == f"text/html; {key}"


async def test_caddy_gets_a_minimal_environment(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_SECRET_KEY", "not-for-caddy")
    monkeypatch.setenv("SOME_SERVER_PASSWORD", "hunter2")
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(),
                        edge_https_port=free_port())
    settings.ensure_dirs()
    edge = Edge(settings)
    await edge.start()
    try:
        assert edge.process is not None
        caddy = environment_of(edge.process.pid)
    finally:
        await edge.stop()
    assert not {"not-for-caddy", "hunter2"} & set(caddy.values())
    assert not [name for name in caddy if name.startswith("AUTOSTACK_")]
    assert caddy.get("HOME") != os.environ.get("HOME")
    assert Path(caddy["HOME"]).is_relative_to(settings.data_dir)


def routes_output(root: Path, name: str, routes: list[dict[str, object]]) -> Path:
    output = root / name
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text(name)
    (output / "config.json").write_text(json.dumps({"version": 3, "routes": routes}))
    return output


async def test_routes_caddy_refuses_fail_their_deployment_only(
    local: LocalPair, tmp_path: Path
) -> None:
    """An invalid regular expression in one team's config.json used to stay in the edge's
    state, so Caddy refused every later configuration change: nobody could deploy."""
    refused = [
        [{"src": "/x", "has": [{"type": "cookie", "key": "a", "value": "("}], "dest": "/y"}],
        [{"src": "/a{1001}", "dest": "/y"}],  # RE2's repeat limit, which Python's re lacks
    ]
    for index, routes in enumerate(refused):
        with pytest.raises(EdgeError, match="refused"):
            await local.deploy(release(f"bad{index}", routes_output(tmp_path, f"bad{index}",
                                                                     routes),
                                       f"bad-bad{index}.localhost", project="bad"))
    good = routes_output(tmp_path, "good", [{"src": "/z", "dest": "/index.html"}])
    await local.deploy(release("good", good, "good-good.localhost", project="good"))
    base = f"http://127.0.0.1:{local.settings.edge_port}"
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        served = await http.get("/z", headers={"Host": "good-good.localhost"})
        refused_host = await http.get("/", headers={"Host": "bad-bad0.localhost"})
    assert (served.status_code, served.text) == (200, "good")
    assert refused_host.status_code == 404
    saved = EdgeState.load(local.caddy.state_path)
    assert sorted(saved.deployments) == ["good"]
    assert not (local.caddy.deployments_dir / "bad0").exists()
