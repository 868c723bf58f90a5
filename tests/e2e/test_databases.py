"""One-click databases end to end through ``autostack up``: real PostgreSQL and Redis
started by the services plugin (Debian's binaries, in bubblewrap), a deployed Python app
that writes and reads rows through the edge with the injected ``DATABASE_URL`` and counts
in Redis with ``REDIS_URL``, then a backup and a restore of each.

The app is a prebuilt server app (as in test_server_apps.py) carrying the test
environment's own ``asyncpg`` in ``.python``: a real PostgreSQL client and real queries,
with no package install in the build.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import asyncpg
import pytest
import redis

from autostack_plugins.providers.local.run_sandbox import isolation
from tests.e2e.conftest import Server
from tests.e2e.test_server_apps import deploy, runtime_server

pytestmark = pytest.mark.e2e
__all__ = ["runtime_server"]

APP = """\
import asyncio, http.server, os, socket, urllib.parse
import asyncpg

async def query(path):
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await connection.execute("CREATE TABLE IF NOT EXISTS notes (body text)")
        parsed = urllib.parse.urlparse(path)
        if parsed.path == "/write":
            body = urllib.parse.parse_qs(parsed.query)["v"][0]
            await connection.execute("INSERT INTO notes VALUES ($1)", body)
        rows = await connection.fetch("SELECT body FROM notes ORDER BY body")
        return ",".join(row["body"] for row in rows)
    finally:
        await connection.close()

def hits():  # INCR in the linked Redis (REDIS_URL), in plain RESP: no client library
    url = urllib.parse.urlsplit(os.environ["REDIS_URL"])
    with socket.create_connection((url.hostname, url.port), 5) as connection:
        stream = connection.makefile("rwb")
        for command in (("AUTH", urllib.parse.unquote(url.password)), ("INCR", "hits")):
            stream.write(f"*{len(command)}\\r\\n".encode() + b"".join(
                f"${len(part)}\\r\\n{part}\\r\\n".encode() for part in command))
            stream.flush()
            reply = stream.readline().decode().strip()
    return reply

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            if self.path == "/health":  # up before any database is linked
                body, status = b"ok", 200
            elif self.path == "/hits":
                body, status = hits().encode(), 200
            elif self.path.startswith("/probe/"):  # can the app reach this host port?
                try:
                    socket.create_connection(("127.0.0.1", int(self.path[7:])), 2).close()
                    body, status = b"open", 200
                except OSError:
                    body, status = b"closed", 200
            else:
                body, status = asyncio.run(query(self.path)).encode(), 200
        except Exception as error:
            body, status = f"{type(error).__name__}: {error}".encode(), 500
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def write_app(folder: Path) -> Path:
    prebuilt = folder / "prebuilt"
    server = prebuilt / "server"
    (server / ".python").mkdir(parents=True)
    shutil.copytree(Path(asyncpg.__file__).parent, server / ".python" / "asyncpg",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (server / "server.py").write_text(APP)
    (prebuilt / "static").mkdir()
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(json.dumps(
        {"runtime": "python", "command": "python3 server.py", "health_path": "/health",
         "directory": "server"}))
    (folder / "index.html").write_text("<h1>not served</h1>")
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output",
        "outputDirectory": "prebuilt/static",
    }))
    return folder


def cli_json(server: Server, *args: str) -> dict:
    return json.loads(server.cli("databases", *args, "--json").stdout)


def test_postgres_linked_to_a_project_backup_and_restore(runtime_server: Server,
                                                         tmp_path: Path) -> None:
    server = runtime_server
    app = write_app(tmp_path / "app")
    deploy(server, app, "--prod", "--project", "notes")  # creates the project
    created = cli_json(server, "create", "notes-db", "--type", "postgres", "--project", "notes")
    assert created["status"] == "running", created
    assert created["projects"] == ["notes"] and created["size_bytes"] > 0
    cache = cli_json(server, "create", "notes-cache", "--type", "redis", "--project", "notes")
    assert cache["status"] == "running", cache
    deployed = deploy(server, app, "--prod", "--project", "notes")
    assert deployed["state"] == "ready", deployed
    first = server.edge_get("notes.localhost", "/write?v=alpha")
    assert first.status_code == 200 and first.text == "alpha", first.text
    # The same app uses its linked Redis (REDIS_URL) too, through the edge.
    assert [server.edge_get("notes.localhost", "/hits").text for _ in range(2)] == [":1", ":2"]
    assert redis.Redis.from_url(cache["url"]).get("hits") == b"2"
    backup = cli_json(server, "backup", "notes-db")
    assert backup["status"] == "done" and backup["size_bytes"] > 0
    assert server.edge_get("notes.localhost", "/write?v=beta").text == "alpha,beta"
    server.cli("databases", "restore", "notes-db", str(backup["id"]), "--yes")
    assert server.edge_get("notes.localhost", "/read").text == "alpha"
    # Without the generated password nobody gets in, even on the loopback.
    wrong = created["url"].replace(created["url"].split(":")[2].split("@")[0], "wrong")
    with pytest.raises(asyncpg.InvalidPasswordError):
        asyncio.run(asyncpg.connect(wrong))
    if isolation().available:  # the app in its own network reaches the linked port only
        assert server.edge_get("notes.localhost", f"/probe/{created['port']}").text == "open"
        assert server.edge_get("notes.localhost", f"/probe/{server.port}").text == "closed"
    server.cli("databases", "delete", "notes-db", "--yes")
    server.cli("databases", "delete", "notes-cache", "--yes")
    assert "no databases" in server.cli("databases", "ls").stdout


def test_redis_backup_and_restore(runtime_server: Server) -> None:
    server = runtime_server
    created = json.loads(server.cli("databases", "create", "cache", "--type", "redis",
                                    "--json").stdout)
    assert created["status"] == "running", created
    client = redis.Redis.from_url(created["url"])
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=created["port"], password="wrong").ping()
    client.set("greeting", "hello")
    backup = cli_json(server, "backup", "cache")
    assert backup["status"] == "done"
    client.set("greeting", "changed")
    server.cli("databases", "restore", "cache", str(backup["id"]), "--yes")
    assert redis.Redis.from_url(created["url"]).get("greeting") == b"hello"
    info = cli_json(server, "info", "cache")
    assert info["status"] == "running" and [item["id"] for item in info["backups"]] == \
        [backup["id"]]
    # A crash: the server is started again on its data (the restored key is there).
    found = subprocess.run(["pgrep", "-f", f"redis-server 127.0.0.1:{created['port']}"],
                           capture_output=True, text=True)
    pids = [int(pid) for pid in found.stdout.split()]
    assert len(pids) == 1, found
    os.kill(pids[0], signal.SIGKILL)
    time.sleep(0.1)  # gone at once: the restart waits a second
    deadline = time.monotonic() + 30
    while True:
        try:
            if redis.Redis.from_url(created["url"]).get("greeting") == b"hello":
                break
        except redis.ConnectionError:
            pass
        assert time.monotonic() < deadline, "redis was not restarted"
        time.sleep(0.2)
    while cli_json(server, "info", "cache")["status"] != "running":
        assert time.monotonic() < deadline, "redis is not marked running again"
        time.sleep(0.2)
