"""A real uvicorn server keeps its memory when a client streams a huge webhook body.

Before the body limits, a 300 MB POST to the unauthenticated webhook endpoint
was buffered in full (the server grew from 105 MB to 1 GB). The server here
runs with its default limits; its peak resident memory (``VmHWM``) is read
from /proc before and after.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``(pid, port)`` of ``uvicorn --factory autostack_core.app:create_app``."""
    port = free_port()
    env = {**os.environ, "AUTOSTACK_DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "autostack_core.app:create_app",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield process.pid, port
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def peak_rss(pid: int) -> int:
    """The process's peak resident set size in bytes (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def stream_chunked(port: int, path: str, headers: dict[str, str], total: int) -> tuple[bytes, int]:
    """POST ``total`` bytes chunked, stopping when the server answers; (answer, bytes sent)."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n"
    chunk = b" " * MIB
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(framed)
                sent += len(chunk)
            else:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    return answer, sent


def test_a_300_mb_webhook_is_answered_413_without_the_server_growing(
    uvicorn_server: tuple[int, int],
) -> None:
    pid, port = uvicorn_server
    before = peak_rss(pid)
    answer, sent = stream_chunked(port, "/api/v1/webhooks/github", {
        "X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": "sha256=" + "0" * 64, "Content-Type": "application/json",
    }, total=300 * MIB)
    grown = peak_rss(pid) - before
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"webhook body is larger than the limit of 26214400 bytes" in answer
    assert sent < 300 * MIB
    assert grown < 100 * MIB, f"the server grew by {grown / MIB:.0f} MiB"
