"""The way out from an app's network namespace to its linked databases, and nowhere else.

An app in its own network namespace (:mod:`.run_sandbox`) has no way to the
host's loopback, where one-click databases listen (:mod:`autostack_plugins.services`).
For each port of a database linked to its project (the deployment's
``AUTOSTACK_SERVICE_PORTS``), the replica's shim listens on ``127.0.0.1:port``
*inside* the namespace and connects each connection to the host's
``127.0.0.1:port``: the app uses the same URL as a process on the host would,
and reaches no other port of the host. A socket stays in the namespace it was
made in, so the listening socket is made by a thread that entered the
namespace, and the upstream one by a thread in the host's.

A thread per direction of each connection: database clients hold a few
long-lived connections (a pool), unlike the edge's many short ones that
:mod:`.netns_relay` moves with ``splice`` in one loop.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from autostack_plugins.providers.local.netns_relay import entered

CHUNK = 1 << 16


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(CHUNK):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def _serve(listener: socket.socket, port: int) -> None:
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            client.close()
            continue
        upstream.settimeout(None)
        threading.Thread(target=_connect, args=(client, upstream), daemon=True).start()


def _connect(client: socket.socket, upstream: socket.socket) -> None:
    """Move the bytes both ways (a thread each), then close both sockets."""
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def open_service_ports(netns: int, ports: list[int]) -> list[socket.socket]:
    """Listen on each of ``ports`` inside ``netns`` and forward to the host's loopback;
    the listening sockets (closing one stops its forwarding and lets the namespace go)."""
    listeners = []
    for port in ports:
        with entered(netns):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        threading.Thread(target=_serve, args=(listener, port), daemon=True).start()
        listeners.append(listener)
    return listeners
