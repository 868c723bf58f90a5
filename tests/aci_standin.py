"""An Azure Resource Manager stand-in for container groups on the loopback: no Azure is reachable.

The ``aci`` runtime's tests talk to this HTTP server with the official
``azure-mgmt-containerinstance`` client (``base_url`` = this server, a fake
token credential). It is a mock of the cloud, allowed here only because
nothing real can be reached; it checks the request shapes the ARM REST
reference for ``Microsoft.ContainerInstance/containerGroups`` documents and
answers as it does:

* every request carries ``api-version`` and the test's bearer token (401 otherwise);
* ``PUT .../containerGroups/{name}``: the name ``^[a-z0-9]([-a-z0-9]*[a-z0-9])?$``
  (1-63), ``location``, ``properties.osType`` Linux or Windows, containers each
  with a ``name``, ``properties.image`` and ``resources.requests`` (``cpu``,
  ``memoryInGB``), environment variables each with exactly one of ``value`` and
  ``secureValue``, ``restartPolicy`` Always/OnFailure/Never, an ``ipAddress``
  (Public or Private) whose ports are container ports and whose
  ``dnsNameLabel`` fits; ``imageRegistryCredentials`` each with a ``server`` and
  a ``username`` with a ``password`` (or an ``identity``); 400
  ``InvalidRequestContent`` naming the field otherwise;
* an image of a registry in :attr:`AciStandIn.private` is pulled only with that
  registry's user and password among the credentials: 400 ``InaccessibleImage``
  otherwise, as ARM answers;
* ``GET`` / ``DELETE`` of a group, ``GET`` of the resource group's list, ``POST
  .../stop`` and ``.../start``, ``GET .../containers/{name}/logs`` (``timestamps``).

A group is ``Succeeded`` with its container ``Running`` at once, unless its
image's name holds ``fail`` (``Terminated``, "CrashLoopBackOff"). Secure values
and registry passwords are never answered back. :attr:`frontend_port` plays the group's public
address: a request's ``Host`` is its FQDN, answered as the suite's image app.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import free_port
from tests.kube_standin import EchoApp

TOKEN = "aci-standin-token"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GROUPS = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/"
    r"Microsoft\.ContainerInstance/containerGroups(?:/([^/]+))?(/.*)?$"
)


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class AciStandIn:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, list[tuple[datetime, str]]] = {}
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.private: dict[str, tuple[str, str]] = {}
        """Registries that need a login: ``{server: (username, password)}``."""
        self.lock = threading.Lock()
        self.app = EchoApp()
        self.api = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(self, False))
        self.frontend = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(self, True))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    @property
    def frontend_port(self) -> int:
        return int(self.frontend.server_address[1])

    def start(self) -> None:
        for server in (self.api, self.frontend):
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        for server in (self.api, self.frontend):
            server.shutdown()
            server.server_close()

    def answer(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        found = GROUPS.match(path)
        if found is None:
            raise ArmError(404, "NotFound", f"no such path {path}")
        _, resource_group, name, rest = found.groups()
        with self.lock:
            if name is None:
                return 200, {
                    "value": [
                        _public(group)
                        for key, group in sorted(self.groups.items())
                        if key.startswith(f"{resource_group}/")
                    ]
                }
            key = f"{resource_group}/{name}"
            if method == "PUT" and not rest:
                created = key not in self.groups
                self.groups[key] = self._check(path, name, body or {})
                self.logs.setdefault(key, []).append(
                    (datetime.now(UTC), self.app.started(_image(self.groups[key])))
                )
                return (201 if created else 200), _public(self.groups[key])
            group = self.groups.get(key)
            if group is None:
                raise ArmError(
                    404,
                    "ResourceNotFound",
                    f"The Resource "
                    f"'Microsoft.ContainerInstance/containerGroups/{name}' under "
                    f"resource group '{resource_group}' was not found.",
                )
            if method == "GET" and not rest:
                return 200, _public(group)
            if method == "DELETE" and not rest:
                del self.groups[key]
                return 200, _public(group)
            if method == "POST" and rest in ("/stop", "/start"):
                group["properties"]["instanceView"]["state"] = (
                    "Stopped" if rest == "/stop" else "Running"
                )
                if rest == "/start":  # the container starts again: a new start time
                    for container in group["properties"]["containers"]:
                        container["properties"]["instanceView"]["currentState"]["startTime"] = (
                            _now()
                        )
                return 204, None
            if method == "GET" and rest and rest.endswith("/logs"):
                return 200, {
                    "content": "".join(
                        f"{stamp.isoformat().replace('+00:00', 'Z')} {text}\n"
                        for stamp, text in self.logs.get(key, [])
                    )
                }
        raise ArmError(405, "MethodNotAllowed", method)

    def _check(self, path: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        if not NAME.match(name) or len(name) > 63:
            raise ArmError(400, "InvalidContainerGroupName", f"name: {name!r} is not valid")
        if not body.get("location"):
            raise ArmError(400, "LocationRequired", "location: required")
        properties = body.get("properties") or {}
        if properties.get("osType") not in ("Linux", "Windows"):
            raise ArmError(400, "InvalidRequestContent", "properties.osType: Linux or Windows")
        if properties.get("restartPolicy", "Always") not in ("Always", "OnFailure", "Never"):
            raise ArmError(400, "InvalidRequestContent", "properties.restartPolicy")
        containers = properties.get("containers") or []
        if not containers:
            raise ArmError(400, "InvalidRequestContent", "properties.containers: required")
        ports: set[int] = set()
        for index, container in enumerate(containers):
            inner = container.get("properties") or {}
            where = f"properties.containers[{index}]"
            if not container.get("name") or not inner.get("image"):
                raise ArmError(400, "InvalidRequestContent", f"{where}: name and image required")
            requests = (inner.get("resources") or {}).get("requests") or {}
            if not requests.get("cpu") or not requests.get("memoryInGB"):
                raise ArmError(
                    400,
                    "InvalidRequestContent",
                    f"{where}.properties.resources.requests: cpu and memoryInGB",
                )
            for variable in inner.get("environmentVariables") or []:
                if not variable.get("name") or ("value" in variable) == ("secureValue" in variable):
                    raise ArmError(
                        400,
                        "InvalidRequestContent",
                        f"{where}.properties."
                        "environmentVariables: a name and one of value, secureValue",
                    )
            ports |= {port["port"] for port in inner.get("ports") or []}
        self._check_pull(name, properties, containers)
        address = properties.get("ipAddress")
        if address is not None:
            if address.get("type") not in ("Public", "Private"):
                raise ArmError(400, "InvalidRequestContent", "properties.ipAddress.type")
            exposed = {port["port"] for port in address.get("ports") or []}
            if not exposed or not exposed <= ports:
                raise ArmError(
                    400,
                    "InvalidIpAddressPorts",
                    "properties.ipAddress.ports: each must be a container's port",
                )
            label = address.get("dnsNameLabel", "")
            if label and not NAME.match(label):
                raise ArmError(400, "InvalidDnsNameLabel", "properties.ipAddress.dnsNameLabel")
            address["fqdn"] = f"{label}.{body['location']}.azurecontainer.io" if label else ""
            address["ip"] = "127.0.0.1"
        failed = "fail" in self.app.marker(containers[0]["properties"]["image"])
        for container in containers:
            container["properties"]["instanceView"] = {
                "currentState": {
                    "state": "Terminated" if failed else "Running",
                    "detailStatus": "CrashLoopBackOff: the container exited" if failed else "",
                    "startTime": _now(),
                }
            }
        properties["provisioningState"] = "Succeeded"
        properties["instanceView"] = {"state": "Running"}
        return {
            "id": path,
            "name": name,
            "type": "Microsoft.ContainerInstance/containerGroups",
            "location": body["location"],
            "properties": properties,
        }

    def serve(self, host: str, path: str) -> tuple[int, str]:
        with self.lock:
            for key, group in self.groups.items():
                address = group["properties"].get("ipAddress") or {}
                if address.get("fqdn") == host:
                    if group["properties"]["instanceView"]["state"] == "Stopped":
                        return 502, "stopped"
                    self.logs.setdefault(key, []).append((datetime.now(UTC), f"GET {path}"))
                    return self.app.answer(_image(group), path)
        return 404, "no such container group"


    def _check_pull(self, name: str, properties: dict[str, Any],
                    containers: list[dict[str, Any]]) -> None:
        logins: dict[str, tuple[str, str]] = {}
        for index, credential in enumerate(properties.get("imageRegistryCredentials") or []):
            where = f"properties.imageRegistryCredentials[{index}]"
            if not credential.get("server") or not (
                    credential.get("identity") or
                    (credential.get("username") and credential.get("password"))):
                raise ArmError(400, "InvalidRequestContent",
                               f"{where}: a server and a username with a password, or an "
                               "identity")
            logins[credential["server"]] = (credential.get("username", ""),
                                            credential.get("password", ""))
        for container in containers:
            image = container["properties"]["image"]
            server = image.partition("/")[0]
            if server in self.private and logins.get(server) != self.private[server]:
                raise ArmError(400, "InaccessibleImage",
                               f"The image '{image}' in container group '{name}' is not "
                               "accessible. Please check the image and registry credential.")


def _now() -> str:
    """Now as ARM writes times (ISO 8601, UTC, with fractions of a second)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _image(group: dict[str, Any]) -> str:
    return str(group["properties"]["containers"][0]["properties"]["image"])


def _public(group: dict[str, Any]) -> dict[str, Any]:
    """The group as ARM answers it: secure values are never returned."""
    shown = copy.deepcopy(group)
    for credential in shown["properties"].get("imageRegistryCredentials") or []:
        credential.pop("password", None)
    for container in shown["properties"]["containers"]:
        for variable in container["properties"].get("environmentVariables") or []:
            variable.pop("secureValue", None)
    return shown


def _handler(standin: AciStandIn, frontend: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
            data = (
                b""
                if body is None
                else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
            )
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _any(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if frontend:
                code, text = standin.serve((self.headers.get("Host") or "").split(":")[0], url.path)
                self._send(code, text, "text/plain")
                return
            body = json.loads(raw) if raw else None
            standin.requests.append((self.command, f"{url.path}?{url.query}", body))
            try:
                if not parse_qs(url.query).get("api-version"):
                    raise ArmError(
                        400,
                        "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required",
                    )
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    raise ArmError(401, "AuthenticationFailed", "Authentication failed.")
                self._send(*standin.answer(self.command, url.path, body))
            except ArmError as error:
                self._send(error.status, {"error": {"code": error.code, "message": str(error)}})

        do_GET = do_PUT = do_DELETE = do_POST = _any

    return Handler


class FakeToken:
    """A token credential that hands out the stand-in's token (the allowed mock)."""

    def get_token(self, *scopes: str, **options: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(TOKEN, int(time.time()) + 3600)

    def close(self) -> None:
        pass


def team(standin: AciStandIn) -> dict[str, str]:
    """A team's ACI settings (a service principal) pointing at the stand-in."""
    return {
        "subscription_id": "sub-1",
        "resource_group": "apps",
        "location": "eastus",
        "tenant_id": "t",
        "client_id": "c",
        "client_secret": "s3cret",
        "base_url": standin.url,
    }


@pytest.fixture
def aci_standin() -> Iterator[AciStandIn]:
    standin = AciStandIn()
    standin.start()
    yield standin
    standin.stop()
