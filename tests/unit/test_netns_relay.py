"""The relay into an app's network namespace, with a real namespace (``unshare --net``)."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from autostack_plugins.providers.local.netns_relay import Relay, entered, listening_inside
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None,
    reason="making a network namespace needs root, unshare and ip")

ECHO = """\
import socket, sys, time
time.sleep(float(sys.argv[2]))
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    client, _ = server.accept()
    client.sendall(b"inside " + client.recv(100))
    client.close()
"""


@pytest.fixture
def port() -> int:
    return free_port()


def start_inside(port: int, delay: float) -> subprocess.Popen[bytes]:
    """An echo server in a network namespace of its own, listening after ``delay`` seconds."""
    process = subprocess.Popen(["unshare", "--net", "sh", "-c",
                                'ip link set lo up && exec "$0" -c "$1" "$2" "$3"',
                                sys.executable, ECHO, str(port), str(delay)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until unshare has made the namespace
        if os.readlink(f"/proc/{process.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
            return process
        time.sleep(0.01)
    raise AssertionError("unshare did not make a network namespace")


@pytest.fixture
def inside(port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = start_inside(port, 2)  # time for the test to see it refused first, even loaded
    yield process
    process.kill()
    process.wait()


def ask(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"hello")
        return client.recv(100)


def test_the_host_port_listens_once_the_app_does_and_reaches_it(
    inside: subprocess.Popen[bytes], port: int
) -> None:
    netns = os.open(f"/proc/{inside.pid}/ns/net", os.O_RDONLY)
    alive = threading.Event()
    alive.set()
    relay = Relay(netns, port)
    with pytest.raises(OSError), socket.socket() as other:  # bound from the start: ours
        other.bind(("127.0.0.1", port))
    threading.Thread(target=relay.wait_and_serve, args=(alive,), daemon=True).start()
    with pytest.raises(ConnectionRefusedError):  # the app does not listen yet
        socket.create_connection(("127.0.0.1", port), timeout=5)
    with entered(netns):
        deadline = time.monotonic() + 30
        while listening_inside(port) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert listening_inside(port) == (socket.AF_INET, "127.0.0.1")
    deadline = time.monotonic() + 30  # the relay's thread probes, then listens on the host
    while True:
        try:
            answer = ask(port)
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the relay never listened on the host"
            time.sleep(0.001)
    assert answer == b"inside hello"
    assert ask(port) == b"inside hello"
    for _ in range(20):  # clients that vanish, reset or leave before the app answers
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.sendall(b"bye")
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert ask(port) == b"inside hello"  # the relay goes on serving the others


def test_an_app_on_the_ipv6_loopback_is_reached_too(port: int) -> None:
    process = subprocess.Popen(["unshare", "--net", "sh", "-c",
                                'ip link set lo up && exec "$0" -c "$1" "$2" "$3"', sys.executable,
                                ECHO.replace('"127.0.0.1"', '"::1"').replace(
                                    "socket.create_server(", "socket.create_server(family="
                                    "socket.AF_INET6, address="), str(port), "0"])
    try:
        deadline = time.monotonic() + 30
        while os.readlink(f"/proc/{process.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            assert time.monotonic() < deadline, "unshare did not make a network namespace"
            time.sleep(0.01)
        netns = os.open(f"/proc/{process.pid}/ns/net", os.O_RDONLY)
        alive = threading.Event()
        alive.set()
        threading.Thread(target=Relay(netns, port).wait_and_serve, args=(alive,),
                         daemon=True).start()
        deadline = time.monotonic() + 30
        while True:
            try:
                assert ask(port) == b"inside hello"
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "the relay never listened"
                time.sleep(0.01)
    finally:
        process.kill()
        process.wait()
