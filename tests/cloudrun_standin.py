"""A Cloud Run Admin API v2 stand-in on the loopback: no Google Cloud is reachable here.

The ``cloudrun`` runtime's tests talk to this HTTP server with the official
``google-cloud-run`` client (REST transport, ``client_options.api_endpoint``).
It is a mock of the cloud, allowed here only because nothing real can be
reached; it checks the request shapes the API reference documents
(cloud.google.com/run/docs/reference/rest/v2) and answers as it does:

* OAuth: every API call carries a bearer token: a self-signed JWT of the service
  account (what google-auth sends with JWT access) whose RS256 signature checks
  with the key the test made, or an access token ``POST /token`` issued for a
  JWT bearer grant (``urn:ietf:params:oauth:grant-type:jwt-bearer``) so signed;
* ``projects.locations.services``: ``create`` (``POST .../services?serviceId=``;
  the id ``^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$``; 409 if it exists), ``get``,
  ``patch`` (404 unless ``allowMissing``), ``delete``, each a long-running
  ``Operation`` that is already ``done``;
* a ``Service`` must have ``template.containers`` with an ``image``; a
  ``template.revision`` must start with ``<service>-``; its ``traffic`` targets
  are of type ``TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST`` or ``..._REVISION``
  (name or number, the client sends numbers), a REVISION target names an
  existing revision (or the one the request makes), ``percent`` is 0-100 and
  the percents add up to 100, tags are unique; otherwise 400 ``INVALID_ARGUMENT``
  naming the field;
* ``projects.locations.services.revisions``: ``list``, ``get``, ``delete``
  (400 ``FAILED_PRECONDITION`` while the revision takes traffic).

A revision is ready at once (``conditions`` ``Ready`` true) unless its image's
name holds ``fail`` (its container "failed to start"). :attr:`frontend_port`
plays Google's front end: a request's ``Host`` is a service's or a tag's URL
host, split between revisions by the traffic percents; each revision answers
as the conformance suite's image app (:class:`tests.kube_standin.EchoApp`).

With ``pulls=True`` (end-to-end tests that push real images) a revision's image
is pulled as Cloud Run does: its manifest is fetched by digest from the
registry the reference names (a plain-HTTP loopback registry here), and a
missing one fails the revision ("Image ... not found"); each revision then
answers with its image's digest too (``server <name> <digest> <path>``), so a
test sees which build serves. The image is not run: its code is not executed.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.conftest import free_port
from tests.kube_standin import EchoApp

SERVICE_ID = re.compile(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$")
TAG = re.compile(r"^[a-z]([-a-z0-9]{0,45}[a-z0-9])?$")
TYPES = {
    0: "UNSPECIFIED",
    1: "LATEST",
    2: "REVISION",
    "TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED": "UNSPECIFIED",
    "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST": "LATEST",
    "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION": "REVISION",
}
SERVICE = re.compile(
    r"^/v2/projects/([^/]+)/locations/([^/]+)/services(?:/([^/]+))?"
    r"(?:/revisions(?:/([^/]+))?)?$"
)


class ApiError(Exception):
    def __init__(self, code: int, status: str, message: str) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class CloudRunStandIn:
    def __init__(self, pulls: bool = False) -> None:
        self.pulls = pulls
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_email = "autostack@standin-project.iam.gserviceaccount.com"
        self.tokens: set[str] = set()
        self.services: dict[str, dict[str, Any]] = {}
        self.revisions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        """(method, path?query, JSON body) of every API request, for tests to check."""
        self.lock = threading.Lock()
        self.app = EchoApp()
        self._turns: dict[str, list[int]] = {}
        self.api = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(self, self.answer))
        self.frontend = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(self, self.serve))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    @property
    def frontend_port(self) -> int:
        return int(self.frontend.server_address[1])

    def service_account_key(self) -> str:
        """A service account's JSON key, as the Cloud console hands it out."""
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "standin-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": self.client_email,
                "client_id": "1",
                "token_uri": f"{self.url}/token",
            }
        )

    def start(self) -> None:
        for server in (self.api, self.frontend):
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        for server in (self.api, self.frontend):
            server.shutdown()
            server.server_close()

    # -- OAuth -----------------------------------------------------------------------

    def signed(self, jwt: str) -> bool:
        """Whether ``jwt`` is signed (RS256) by the service account's key and issued by it."""
        try:
            header, claims, signature = jwt.split(".")
            self.key.public_key().verify(
                _unb64(signature),
                f"{header}.{claims}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            return bool(json.loads(_unb64(claims))["iss"] == self.client_email)
        except Exception:
            return False

    def authorized(self, bearer: str) -> bool:
        """An access token from :meth:`grant`, or a self-signed JWT (google-auth sends one
        for a service account when the client asks for JWT access, as Google accepts)."""
        return bearer in self.tokens or self.signed(bearer)

    def grant(self, form: dict[str, list[str]]) -> dict[str, Any]:
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            raise ApiError(400, "invalid_grant", "grant_type: a JWT bearer grant is expected")
        if not self.signed(form["assertion"][0]):
            raise ApiError(400, "invalid_grant", "Invalid JWT Signature.")
        token = f"ya29.{uuid.uuid4().hex}"
        self.tokens.add(token)
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    # -- the API ---------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any] | None
    ) -> dict[str, Any]:
        if "/operations/" in path:
            return {"name": path.removeprefix("/v2/"), "done": True}
        found = SERVICE.match(path)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"no such path {path}")
        project, location, service_id, revision_id = found.groups()
        parent = f"projects/{project}/locations/{location}"
        with self.lock:
            if revision_id is not None or path.endswith("/revisions"):
                return self._revisions(method, f"{parent}/services/{service_id}", revision_id)
            if service_id is None and method == "GET":
                return {
                    "services": [
                        copy.deepcopy(item)
                        for key, item in sorted(self.services.items())
                        if key.startswith(f"{parent}/services/")
                    ]
                }
            if service_id is None and method == "POST":
                wanted = (query.get("serviceId") or [""])[0]
                if not SERVICE_ID.match(wanted):
                    raise ApiError(
                        400,
                        "INVALID_ARGUMENT",
                        f"service_id: {wanted!r} must match {SERVICE_ID.pattern}",
                    )
                name = f"{parent}/services/{wanted}"
                if name in self.services:
                    raise ApiError(409, "ALREADY_EXISTS", f"Resource '{wanted}' already exists.")
                return _operation(parent, self._write(name, body or {}, created=True))
            name = f"{parent}/services/{service_id}"
            if method == "GET":
                return copy.deepcopy(self._service(name))
            if method == "PATCH":
                if name not in self.services and query.get("allowMissing") != ["true"]:
                    raise ApiError(404, "NOT_FOUND", f"Resource '{service_id}' was not found")
                return _operation(
                    parent, self._write(name, body or {}, created=name not in self.services)
                )
            if method == "DELETE":
                service = self._service(name)
                del self.services[name]
                for key in [key for key in self.revisions if key.startswith(f"{name}/")]:
                    del self.revisions[key]
                return _operation(parent, service)
        raise ApiError(405, "METHOD_NOT_ALLOWED", method)

    def _service(self, name: str) -> dict[str, Any]:
        if name not in self.services:
            raise ApiError(404, "NOT_FOUND", f"Resource '{name.rsplit('/', 1)[-1]}' was not found")
        return self.services[name]

    def _write(self, name: str, body: dict[str, Any], created: bool) -> dict[str, Any]:
        service_id = name.rsplit("/", 1)[-1]
        template = body.get("template") or {}
        containers = template.get("containers") or []
        if not containers or not all(container.get("image") for container in containers):
            raise ApiError(
                400,
                "INVALID_ARGUMENT",
                "template.containers: a container with an image is required",
            )
        revision = template.get("revision") or f"{service_id}-{uuid.uuid4().hex[:5]}"
        if not revision.startswith(f"{service_id}-"):
            raise ApiError(
                400,
                "INVALID_ARGUMENT",
                f"template.revision: {revision!r} must "
                f"start with the service name followed by a dash",
            )
        revision_name = f"{name}/revisions/{revision}"
        current = self.services.get(name, {})
        known = self.revisions.get(revision_name)
        if known is not None and known["containers"] != containers:
            raise ApiError(
                409,
                "ALREADY_EXISTS",
                f"template.revision: revision {revision} already exists with another template",
            )
        traffic = (
            body.get("traffic")
            or current.get("traffic")
            or [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
        )
        statuses = self._check_traffic(name, traffic, revision)
        if known is None:
            image = containers[0]["image"]
            failure = self._start_failure(image)
            failed = bool(failure)
            self.revisions[revision_name] = {
                "name": revision_name,
                "service": service_id,
                "containers": containers,
                "scaling": template.get("scaling", {}),
                "createTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "reconciling": False,
                "conditions": [
                    {
                        "type": "Ready",
                        "state": "CONDITION_FAILED" if failed else "CONDITION_SUCCEEDED",
                        "message": failure,
                    }
                ],
            }
        uri = f"https://{service_id}-standin.a.run.app"
        service = {
            "name": name,
            "uri": uri,
            "template": template,
            "traffic": traffic,
            "generation": str(int(current.get("generation", "0")) + 1),
            "latestCreatedRevision": revision_name,
            "reconciling": False,
            "latestReadyRevision": revision_name
            if "FAILED" not in self.revisions[revision_name]["conditions"][0]["state"]
            else current.get("latestReadyRevision", ""),
            "trafficStatuses": [
                {
                    **status,
                    "uri": f"https://{status['tag']}---{service_id}-standin.a.run.app"
                    if status.get("tag")
                    else "",
                }
                for status in statuses
            ],
            "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"},
        }
        self.services[name] = service
        return copy.deepcopy(service)

    def _start_failure(self, image: str) -> str:
        """Why a revision of ``image`` does not become ready, or ``""``."""
        if self.pulls and not pullable(image):
            return f"Image '{image}' not found."
        if "fail" in self.app.marker(image):
            return ("The user-provided container failed to start and listen on the port "
                    "defined provided by the PORT=8080 environment variable.")
        return ""

    def _check_traffic(
        self, name: str, traffic: list[dict[str, Any]], revision: str
    ) -> list[dict[str, Any]]:
        total, tags, statuses = 0, set(), []
        for index, target in enumerate(traffic):
            kind = TYPES.get(target.get("type", 0))
            if kind not in ("LATEST", "REVISION"):
                raise ApiError(
                    400,
                    "INVALID_ARGUMENT",
                    f"traffic[{index}].type: must be "
                    "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST or ..._REVISION",
                )
            named = target.get("revision", "")
            if (
                kind == "REVISION"
                and named != revision
                and f"{name}/revisions/{named}" not in self.revisions
            ):
                raise ApiError(
                    400,
                    "INVALID_ARGUMENT",
                    f"traffic[{index}].revision: revision {named!r} not found",
                )
            percent = int(target.get("percent", 0))
            if not 0 <= percent <= 100:
                raise ApiError(400, "INVALID_ARGUMENT", f"traffic[{index}].percent: 0 to 100")
            tag = target.get("tag", "")
            if tag and (tag in tags or not TAG.match(tag)):
                raise ApiError(
                    400,
                    "INVALID_ARGUMENT",
                    f"traffic[{index}].tag: {tag!r} is repeated or not a valid tag",
                )
            tags.add(tag)
            total += percent
            statuses.append(
                {
                    "type": target.get("type"),
                    "percent": percent,
                    "tag": tag,
                    "revision": revision if kind == "LATEST" else named,
                }
            )
        if total != 100:
            raise ApiError(
                400, "INVALID_ARGUMENT", f"traffic: the percents add up to {total}, not 100"
            )
        return statuses

    def _revisions(self, method: str, service: str, revision_id: str | None) -> dict[str, Any]:
        self._service(service)
        if revision_id is None:
            return {
                "revisions": [
                    copy.deepcopy(item)
                    for key, item in sorted(self.revisions.items())
                    if key.startswith(service)
                ]
            }
        name = f"{service}/revisions/{revision_id}"
        if name not in self.revisions:
            raise ApiError(404, "NOT_FOUND", f"Resource '{revision_id}' was not found")
        if method == "DELETE":
            serving = [
                s
                for s in self.services[service]["trafficStatuses"]
                if s["revision"] == revision_id and (s["percent"] or s.get("tag"))
            ]
            if serving:
                raise ApiError(
                    400,
                    "FAILED_PRECONDITION",
                    f"revision {revision_id} is serving traffic or has a tag: route it away first",
                )
            return _operation(service.rsplit("/services/", 1)[0], self.revisions.pop(name))
        return copy.deepcopy(self.revisions[name])

    # -- Google's front end ------------------------------------------------------------

    def serve(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: dict[str, Any] | None,
        host: str = "",
    ) -> tuple[int, str]:
        with self.lock:
            for service in self.services.values():
                statuses = service["trafficStatuses"]
                if host == urlsplit(service["uri"]).hostname:
                    targets = [s for s in statuses if s["percent"]]
                    pick = self._pick(host, [s["percent"] for s in targets])
                    revision = targets[pick]["revision"]
                    break
                tagged = [
                    s for s in statuses if s.get("uri") and urlsplit(s["uri"]).hostname == host
                ]
                if tagged:
                    revision = tagged[0]["revision"]
                    break
            else:
                return 404, "Error: Page not found"
            found = self.revisions[f"{service['name']}/revisions/{revision}"]
        image = found["containers"][0]["image"]
        if self.pulls:
            return 200, f"server {self.app.marker(image)} {image.rpartition('@')[2]} {path}"
        return self.app.answer(image, path)

    def _pick(self, host: str, weights: list[int]) -> int:
        turns = self._turns.setdefault(host, [0] * len(weights))
        if len(turns) != len(weights):
            turns[:] = [0] * len(weights)
        for index, weight in enumerate(weights):
            turns[index] += weight
        chosen = max(range(len(weights)), key=lambda index: turns[index])
        turns[chosen] -= sum(weights)
        return chosen


def pullable(image: str) -> bool:
    """Whether ``image`` (``host:port/repository@sha256:...``) is in its registry (plain HTTP)."""
    host, _, rest = image.partition("/")
    repository, _, digest = rest.partition("@")
    if not digest:
        return False
    accept = ", ".join(("application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.oci.image.index.v1+json"))
    try:
        found = httpx.head(f"http://{host}/v2/{repository}/manifests/{digest}",
                           headers={"Accept": accept}, timeout=10)
    except httpx.HTTPError:
        return False
    return found.status_code == 200


def _operation(parent: str, response: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"{parent}/operations/{uuid.uuid4()}",
        "done": True,
        "response": {
            "@type": "type.googleapis.com/google.cloud.run.v2."
            + ("Revision" if "/revisions/" in response["name"] else "Service"),
            **_public(response),
        },
    }


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in ("containers", "service")}


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _handler(standin: CloudRunStandIn, answer: Any) -> type[BaseHTTPRequestHandler]:
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

        def _any(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if answer == standin.serve:
                code, text = standin.serve(
                    self.command, url.path, {}, None, (self.headers.get("Host") or "").split(":")[0]
                )
                self._send(code, text, "text/plain")
                return
            try:
                if url.path == "/token":
                    self._send(200, standin.grant(parse_qs(raw.decode())))
                    return
                body = json.loads(raw) if raw else None
                standin.requests.append((self.command, f"{url.path}?{url.query}", body))
                if not standin.authorized(
                    self.headers.get("Authorization", "").removeprefix("Bearer ")
                ):
                    raise ApiError(
                        401,
                        "UNAUTHENTICATED",
                        "Request had invalid authentication "
                        "credentials. Expected OAuth 2 access token.",
                    )
                self._send(200, answer(self.command, url.path, parse_qs(url.query), body))
            except ApiError as error:
                self._send(
                    error.code,
                    {"error": {"code": error.code, "message": str(error), "status": error.status}},
                )

        do_GET = do_POST = do_PATCH = do_DELETE = _any

    return Handler


def team_config(standin: CloudRunStandIn) -> dict[str, str]:
    """A team's Cloud Run settings (its service account key) pointing at the stand-in."""
    return {
        "project": "standin-project",
        "region": "us-central1",
        "service_account_key": standin.service_account_key(),
        "api_endpoint": standin.url,
    }


@pytest.fixture
def cloudrun_standin() -> Iterator[CloudRunStandIn]:
    standin = CloudRunStandIn()
    standin.start()
    yield standin
    standin.stop()
