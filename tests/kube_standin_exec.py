"""``pods/exec`` for the Kubernetes API stand-in (:mod:`tests.kube_standin`): the
websocket ``kubectl exec`` speaks, and a stand-in for the pod the command runs in.

The protocol is the API server's: an HTTP/1.1 upgrade to a websocket with the
subprotocol ``v4.channel.k8s.io``; every binary frame starts with its channel
(0 stdin, 1 stdout, 2 stderr, 3 the exit ``Status``). The official client's
``stream()`` speaks it unmodified.

**The pod is a stand-in** (no kubelet or container runtime runs here): only a
StatefulSet's pod ``<name>-<n>`` exists, and its command runs on this machine in
bubblewrap, with the read-only system of this host instead of the image's files,
the container's variables (taken from its Secret as the kubelet does), its
claims' volumes bound at their mount paths (the folder a test gives in
:attr:`KubeStandIn.volumes`) and the host's network: the database server a test
runs on ``127.0.0.1:<port>`` plays the one in the pod. Secret volumes (under
``/etc``, read-only here) are not mounted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import subprocess
import threading
from typing import IO, TYPE_CHECKING, Any

from autostack_core.build.sandbox_layout import system_layout
from autostack_plugins.services.tools import postgres_bin

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from tests.kube_standin import KubeStandIn

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOL = "v4.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR = 0, 1, 2, 3
BINARY, CLOSE = 0x2, 0x8


def pod_argv(standin: KubeStandIn, namespace: str, pod: str, container: str,
             command: list[str]) -> list[str] | str:
    """The bubblewrap command line that plays ``command`` in the pod, or why there is none."""
    statefulset = standin.get("StatefulSet", namespace, pod.rpartition("-")[0])
    if statefulset is None:
        return f'pods "{pod}" not found'
    spec = statefulset["spec"]["template"]["spec"]
    found = [item for item in spec["containers"] if item["name"] == container]
    if not found:
        return f'container {container} is not valid for pod {pod}'
    tools = os.path.dirname(postgres_bin("pg_dump") or "/usr/bin/pg_dump")
    env = {"PATH": f"{tools}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root"}
    for entry in found[0].get("env", []):
        reference = entry.get("valueFrom", {}).get("secretKeyRef")
        if reference is None:
            env[entry["name"]] = entry.get("value", "")
            continue
        secret = standin.get("Secret", namespace, reference["name"]) or {"data": {}}
        env[entry["name"]] = base64.b64decode(secret["data"][reference["key"]]).decode()
    volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
    binds: list[str] = []
    for mount in found[0].get("volumeMounts", []):
        claim = volumes[mount["name"]].get("persistentVolumeClaim")
        if claim is not None:
            folder = standin.volumes.get((namespace, claim["claimName"]))
            if folder is None:
                return f"volume {claim['claimName']} is not bound (no folder in volumes)"
            binds += ["--bind", str(folder), mount["mountPath"]]
    variables = [arg for name, value in env.items() for arg in ("--setenv", name, value)]
    return ["bwrap", *system_layout(), *binds, "--clearenv", *variables,
            "--die-with-parent", "--", *command]


def _frame(opcode: int, data: bytes) -> bytes:
    """A server's frame: final, unmasked."""
    size = len(data)
    if size < 126:
        header = struct.pack(">BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack(">BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack(">BBQ", 0x80 | opcode, 127, size)
    return header + data


def _read_frame(stream: IO[bytes]) -> tuple[int, bytes]:
    """A client's frame (masked, unfragmented): its opcode and data."""
    head = stream.read(2)
    if len(head) < 2:
        return CLOSE, b""
    opcode, size = head[0] & 0x0F, head[1] & 0x7F
    if size == 126:
        size = struct.unpack(">H", stream.read(2))[0]
    elif size == 127:
        size = struct.unpack(">Q", stream.read(8))[0]
    mask = stream.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = stream.read(size)
    key = (mask * (size // 4 + 1))[:size]
    return opcode, (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(
        size, "big") if size else b""


def serve_exec(handler: BaseHTTPRequestHandler, standin: KubeStandIn, namespace: str,
               pod: str, query: dict[str, list[str]]) -> None:
    """Answer one exec: upgrade, run the command in the pod stand-in, stream, close."""
    argv = pod_argv(standin, namespace, pod, query.get("container", [""])[0],
                    query.get("command", []))
    offered = [item.strip() for item in
               handler.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    key = handler.headers.get("Sec-WebSocket-Key", "")
    if isinstance(argv, str) or PROTOCOL not in offered or not key:
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                           "message": argv if isinstance(argv, str) else
                           "upgrade to v4.channel.k8s.io expected", "code": 400}).encode()
        handler.send_response(404 if isinstance(argv, str) else 400)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return
    handler.send_response(101)
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", base64.b64encode(
        hashlib.sha1((key + GUID).encode()).digest()).decode())
    handler.send_header("Sec-WebSocket-Protocol", PROTOCOL)
    handler.end_headers()
    handler.close_connection = True
    with_stdin = query.get("stdin", [""])[0] == "true"
    process = subprocess.Popen(argv, stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sending = threading.Lock()

    def send(channel: int, data: bytes) -> None:
        with sending:
            handler.wfile.write(_frame(BINARY, bytes([channel]) + data))
            handler.wfile.flush()

    def pump(source: Any, channel: int) -> None:
        while chunk := source.read1(65536):
            send(channel, chunk)

    def feed() -> None:
        while True:
            opcode, data = _read_frame(handler.rfile)
            if opcode == CLOSE:
                return
            if data[:1] == bytes([STDIN]) and process.stdin is not None:
                try:
                    process.stdin.write(data[1:])
                    process.stdin.flush()
                except (BrokenPipeError, ValueError):
                    pass

    readers = [threading.Thread(target=pump, args=(process.stdout, STDOUT), daemon=True),
               threading.Thread(target=pump, args=(process.stderr, STDERR), daemon=True)]
    for thread in readers:
        thread.start()
    threading.Thread(target=feed, daemon=True).start()
    code = process.wait()
    for thread in readers:
        thread.join()
    status: dict[str, Any] = {"metadata": {}, "status": "Success"} if code == 0 else {
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
        "message": f"command terminated with non-zero exit code: exit status {code}",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
    send(ERROR, json.dumps(status).encode())
    with sending:
        handler.wfile.write(_frame(CLOSE, struct.pack(">H", 1000)))
        handler.wfile.flush()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
