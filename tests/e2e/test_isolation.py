"""A build and a deployed app, each acting as an attacker, see nothing of the server.

Real parts throughout: ``autostack up`` (API, queue, Caddy edge), bubblewrap,
slirp4netns, the CLI. The attacker's project runs the same probe twice: in its
build (the report goes to the build log) and as its server app (the report is
the HTTP response through the edge). The probe tries to read the data
directory, the key file, the database and another project's deployed files;
to connect to the API, Redis, PostgreSQL and the other project's app on the
loopback; lists the listening ports in ``/proc/net/tcp``; reads the shadow
password files. Every attempt must come back empty. The connections stay on
the loopback (or die inside the sandbox's own network namespace).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_server_apps import deploy, runtime_server, write_app

pytestmark = pytest.mark.e2e

__all__ = ["runtime_server"]  # the fixture, imported for this module's tests

PROBE = r'''
import json, os, socket, sys

def read(path):
    try:
        if os.path.isdir(path):
            return f"listed {len(os.listdir(path))} entries"
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return "absent"
    except PermissionError:
        return "denied"
    except OSError as error:
        return f"error {error.errno}"
    return f"read {len(data)} bytes" if data else "empty"

def connect(port):
    with socket.socket() as sock:
        sock.settimeout(3)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError as error:
            return f"refused ({error.strerror or error})"
    return "open"

def listening():
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)

def report(targets):
    shadow = [name for name in os.listdir("/etc") if "shadow" in name]
    return {
        "uid": os.getuid(),
        "files": {name: read(path) for name, path in targets["files"].items()},
        "shadow": {name: read(f"/etc/{name}") for name in sorted(shadow)},
        "ports": {name: connect(port) for name, port in targets["ports"].items()},
        "listening": listening(),
    }
'''

SERVER = '''
import http.server
TARGETS = json.loads(open("targets.json").read())
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(report(TARGETS)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
'''

BUILD = '''
print("PROBE " + json.dumps(report(json.loads(open("targets.json").read()))), flush=True)
'''


def attacker_project(folder: Path, targets: dict[str, dict[str, object]]) -> Path:
    """A project whose build runs the probe, then publishes the probe as its server app."""
    write_app(folder, "attacker")
    server = folder / "prebuilt" / "server"
    (server / "server.py").write_text(PROBE + SERVER)
    (server / "targets.json").write_text(json.dumps(targets))
    (folder / "probe.py").write_text(PROBE + BUILD)
    (folder / "targets.json").write_text(json.dumps(targets))
    config = json.loads((folder / "autostack.json").read_text())
    config["buildCommand"] = "python3 probe.py && " + config["buildCommand"]
    (folder / "autostack.json").write_text(json.dumps(config))
    return folder


def replica_ports(server: Server, deployment_id: str) -> list[int]:
    state = json.loads((server.data_dir / "runtime" / "state.json").read_text())
    return [replica["port"] for replica in state["runtimes"][deployment_id]["replicas"]]


def assert_saw_nothing(seen: dict[str, dict[str, str]], where: str) -> None:
    leaked = {name: result for name, result in seen["files"].items()
              if result.startswith(("read", "listed"))}
    assert not leaked, f"{where} read the server's files: {leaked}"
    shadow = {name: result for name, result in seen["shadow"].items()
              if result.startswith("read")}
    assert not shadow, f"{where} read the shadow password files: {shadow}"
    reached = {name: result for name, result in seen["ports"].items() if result == "open"}
    assert not reached, f"{where} reached services on the host's loopback: {reached}"


def test_a_build_and_an_app_see_nothing_of_the_server(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    victim = deploy(server, write_app(tmp_path / "victim", "secret-v1"), "--prod",
                    "--project", "victim")
    assert victim["state"] == "ready", victim
    victim_dir = server.data_dir / "deployments" / victim["id"]
    assert (victim_dir / "server" / "server.py").is_file()  # the probe's target exists
    targets: dict[str, dict[str, object]] = {
        "files": {
            "data dir": str(server.data_dir),
            "key file": str(server.data_dir / "secret.key"),
            "database": str(server.data_dir / "autostack.db"),
            "other project": str(victim_dir / "server" / "server.py"),
            "other project's folder": str(victim_dir),
        },
        "ports": {
            "api": server.port,
            "redis": 6379,
            "postgresql": 5432,
            "other app": replica_ports(server, victim["id"])[0],
        },
    }

    attacker = deploy(server, attacker_project(tmp_path / "attacker", targets), "--prod",
                      "--project", "attacker")
    assert attacker["state"] == "ready", attacker

    build_log = server.cli("logs", attacker["id"]).stdout
    probe_lines = [line for line in build_log.splitlines() if "PROBE {" in line]
    assert probe_lines, build_log
    in_build = json.loads(probe_lines[-1].split("PROBE ", 1)[1])
    assert_saw_nothing(in_build, "the build")
    host_ports = {server.port, server.edge_port, 6379, 5432, *targets["ports"].values()}
    assert not host_ports & set(in_build["listening"]), in_build["listening"]

    response = server.edge_get("attacker.localhost")
    assert response.status_code == 200, response.text
    in_app = response.json()
    assert_saw_nothing(in_app, "the app")
    own_port = replica_ports(server, attacker["id"])[0]
    assert in_app["listening"] == [own_port], \
        f"the app sees the host's listening ports: {in_app['listening']}"
    assert in_app["uid"] != 0, "the app runs as root"
