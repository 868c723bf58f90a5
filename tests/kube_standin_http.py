"""The HTTP side of the Kubernetes API stand-in (:mod:`tests.kube_standin`): the API
paths the official client calls, and the ingress-nginx stand-in's listener."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.kube_standin_exec import serve_exec

if TYPE_CHECKING:
    from tests.kube_standin import KubeStandIn

ALL_NAMESPACES = "*"
PLURALS = {"namespaces": "Namespace", "secrets": "Secret", "services": "Service",
           "pods": "Pod", "deployments": "Deployment", "ingresses": "Ingress",
           "horizontalpodautoscalers": "HorizontalPodAutoscaler",
           "statefulsets": "StatefulSet", "persistentvolumeclaims": "PersistentVolumeClaim"}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up on a followed log is no error; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _stamp(when: datetime) -> str:
    """RFC 3339 with nanoseconds, as the API server prefixes log lines."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def _parse(path: str) -> tuple[str, str, str | None, str | None] | None:
    """(kind, namespace, name, subresource) of an API path, or None."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"]:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        rest = parts[3:]
    else:
        return None
    if rest == ["ingresses"]:  # a list across namespaces
        return "Ingress", ALL_NAMESPACES, None, None
    if rest[:1] != ["namespaces"]:
        return None
    if len(rest) <= 2:
        return "Namespace", "", rest[1] if len(rest) == 2 else None, None
    kind = PLURALS.get(rest[2])
    if kind is None:
        return None
    return kind, rest[1], rest[3] if len(rest) > 3 else None, rest[4] if len(rest) > 4 else None


def api_handler(standin: KubeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> tuple[str, str, str | None, str | None, dict[str, list[str]]] | None:
            url = urlsplit(self.path)
            standin.requests.append((self.command, f"{url.path}?{url.query}",
                                     self.headers.get("Content-Type", "")))
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if not (standin.verify(bearer) if standin.verify else bearer == standin.token):
                self._send(401, status_body(401, "Unauthorized", "Unauthorized"))
                return None
            parsed = _parse(url.path)
            if parsed is None:
                self._send(404, status_body(404, "NotFound",
                                            f"the server could not find {url.path}"))
                return None
            return (*parsed, parse_qs(url.query))

        def do_PATCH(self) -> None:
            route = self._route()
            if route is None:
                return
            kind, namespace, name, _, query = route
            body = yaml.safe_load(self.rfile.read(int(self.headers["Content-Length"])))
            if self.headers.get("Content-Type") != "application/apply-patch+yaml":
                self._send(415, status_body(415, "UnsupportedMediaType", "apply only"))
            elif not query.get("fieldManager"):
                self._send(400, status_body(400, "BadRequest", "fieldManager is required for "
                                        "apply requests"))
            else:
                self._send(*standin.apply((kind, namespace, name or ""), body))

        def do_DELETE(self) -> None:
            route = self._route()
            if route is not None:
                kind, namespace, name, _, _ = route
                if standin.delete((kind, namespace, name or "")):
                    self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                     "status": "Success"})
                else:
                    self._send(404, status_body(404, "NotFound", f'{kind} "{name}" not found'))

        def do_GET(self) -> None:
            route = self._route()
            if route is None:
                return
            kind, namespace, name, subresource, query = route
            if subresource == "log":
                self._log(namespace, name or "", query)
            elif subresource == "exec":
                serve_exec(self, standin, namespace, name or "", query)
            elif name is None:
                selector = query.get("labelSelector", [""])[0]
                label, _, value = selector.partition("=")
                items = [item for item in standin.of_kind(kind, namespace)
                         if not label or item["metadata"].get("labels", {}).get(label) == value]
                self._send(200, {"kind": f"{kind}List", "apiVersion": "v1",
                                 "metadata": {}, "items": items})
            elif (found := standin.get(kind, namespace, name)) is not None:
                self._send(200, found)
            else:
                self._send(404, status_body(404, "NotFound", f'{kind} "{name}" not found'))

        def _log(self, namespace: str, pod: str, query: dict[str, list[str]]) -> None:
            if standin.get("Pod", namespace, pod) is None:
                self._send(404, status_body(404, "NotFound", f'pods "{pod}" not found'))
                return
            since = query.get("sinceSeconds", [""])[0]
            start = datetime.now(UTC) - timedelta(seconds=int(since)) if since \
                else datetime.min.replace(tzinfo=UTC)
            lines = [(when, text) for when, text in standin.logs.get((namespace, pod), [])
                     if when >= start]
            text = "".join(f"{_stamp(when)} {line}\n" for when, line in lines)
            if query.get("follow", [""])[0] != "true":
                self._send(200, text, "text/plain")
                return
            self.send_response(200)  # chunked, as the API server streams a followed log
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunk(text.encode())
            self._follow(namespace, pod, len(standin.logs.get((namespace, pod), [])))

        def _chunk(self, data: bytes) -> None:
            if data:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        def _follow(self, namespace: str, pod: str, sent: int) -> None:
            while True:
                with standin.changed:
                    standin.changed.wait_for(lambda: standin.rollouts == "stopped" or len(
                        standin.logs.get((namespace, pod), [])) > sent or standin.get(  # noqa: B023
                        "Pod", namespace, pod) is None, timeout=1)
                    fresh = standin.logs.get((namespace, pod), [])[sent:]
                    gone = standin.rollouts == "stopped" or \
                        ("Pod", namespace, pod) not in standin.objects
                sent += len(fresh)
                try:
                    self._chunk("".join(f"{_stamp(when)} {line}\n"
                                        for when, line in fresh).encode())
                    if gone:
                        self.wfile.write(b"0\r\n\r\n")
                        return
                except OSError:
                    return

    return Handler


def ingress_handler(standin: KubeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            host = self.headers.get("Host", "").split(":", 1)[0].lower()
            status, headers, body = standin.route(host, self.path)
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
