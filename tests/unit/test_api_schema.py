"""schemathesis over every operation of ``/api/openapi.json``, signed in with an API token.

Every operation gets generated requests (the document's examples, then
coverage and fuzzed values) against the ASGI app in-process; each response
must not be a server error, must have a status code the document lists, and
must match the schema it declares; a method a path lacks gets 405 with an
exact ``Allow``, and a request without the token gets 401. Bounded for CI:
few examples per operation, derandomized, no example database.

Left out: the check that every schema-valid body is accepted. The server
checks more than JSON Schema says (git URLs, DNS names, variable keys), and
answers those with a documented 422 that names the field.

Server-Sent Events endpoints (paths ending in ``/events``) are left out by
name: a stream on a real resource stays open until the deployment ends.
The app is cut off from every address but the loopback, so no generated URL
(git remotes, DNS hosts, notifiers) reaches the network.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import ipaddress
import itertools
import os
import socket
import tempfile
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from autostack_core.api import api_routes
from autostack_core.api.openapi import BASE_SCHEMA, Generator
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import User
from autostack_core.plugins import get_plugin_manager
from autostack_core.security import accounts
from autostack_core.utils import random_id
from tests.conftest import PG_ADMIN_URL, REDIS_URL, free_port

T = TypeVar("T")
MAX_EXAMPLES = 12
LOOPBACK_NAMES = {"localhost", "testserver"}
EMAIL, PASSWORD = "fuzz@example.com", "correct horse battery"



def built_in_routes() -> list[BaseRoute]:
    """The core's API routes and those the built-in plugins mount (the wildcard certificate's)."""
    hook = get_plugin_manager(load_entry_points=False).manager.hook
    server = Settings.from_env(data_dir=Path(tempfile.gettempdir()) / "autostack-schema")
    return [*api_routes(), *(route for routes in hook.register_routes(settings=server)
                             for route in routes or [])]


# The document is made from the routes alone, so the operations are known when
# pytest collects them; the test below checks the running app serves the same.
DOCUMENT = Generator(BASE_SCHEMA).get_schema(built_in_routes())


SEED_TEXT, SEED_ID = "seed", 4_000_000_001
"""Examples that the test replaces with a real object's name or id before sending."""
SEED_NUMBERS = itertools.count(1)


def with_seed_examples(document: dict[str, Any]) -> dict[str, Any]:
    """The document with an example for every path parameter, so that each operation
    also meets real objects (see :class:`Seed`), not only names that match nothing."""
    tested = copy.deepcopy(document)
    for operations in tested["paths"].values():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                if parameter["in"] == "path":
                    integer = parameter["schema"]["type"] == "integer"
                    parameter["example"] = SEED_ID if integer else SEED_TEXT
    return tested


class ModuleApp:
    """An ASGI app that exists at import time and serves the app of the module's fixture;
    it remembers the event loop that serves it, where the test prepares data too."""

    def __init__(self) -> None:
        self.target: Starlette | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.target is not None, "the client fixture starts the app"
        self.loop = asyncio.get_running_loop()
        await self.target(scope, receive, send)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        assert self.loop is not None, "the app has not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)


APP = ModuleApp()
schema = schemathesis.openapi.from_dict(with_seed_examples(DOCUMENT)).exclude(
    path_regex=r"/events$")
schema.app = APP


def is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def loopback_only() -> Iterator[None]:
    """Refuse every name lookup and connection that would leave the machine."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if host is not None and not is_loopback(name):
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: outside the test's loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise ConnectionRefusedError(f"{address[0]}: outside the test's loopback")
        real_connect(self, address)

    allow = os.environ.get("GIT_ALLOW_PROTOCOL")
    os.environ["GIT_ALLOW_PROTOCOL"] = "file"  # git itself runs as a process of its own
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        if allow is None:
            os.environ.pop("GIT_ALLOW_PROTOCOL", None)
        else:
            os.environ["GIT_ALLOW_PROTOCOL"] = allow


@pytest.fixture(scope="module")
def module_database() -> Iterator[str | None]:
    """SQLite in the data dir, or a fresh PostgreSQL database as in conftest."""
    if not PG_ADMIN_URL:
        yield None
        return
    name = f"autostack_s_{random_id(12)}"

    async def run(sql: str) -> None:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    asyncio.run(run(f"CREATE DATABASE {name}"))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, module_database: str | None, loopback_only: None
) -> Iterator[asgi.ASGIClient]:
    """A requests session into the app; entering it runs the app's start-up on the event
    loop where schemathesis serves every request, so the database is connected there."""
    data_dir: Path = tmp_path_factory.mktemp("schema") / "data"
    APP.target = AutoStack(Settings(
        data_dir=data_dir, database_url=module_database, redis_url=REDIS_URL,
        queue_name=f"autostack-test-{random_id(8)}", port=8000, edge_port=free_port(),
        edge_https_port=free_port(), outbound_allow=("127.0.0.1",),
    )).asgi()
    try:
        with asgi.get_client(APP) as session:
            yield session
    finally:
        asgi.shutdown_lifespans()
        APP.target = None


async def new_token() -> str:
    """A token for the account, made on the app's loop: not through the API, whose
    token rate limit is for people, not for this test's bookkeeping."""
    _, raw = await accounts.create_api_token(await User.get(email=EMAIL), "schemathesis")
    return raw


@dataclass
class Account:
    """The signed-up user whose token signs every request."""

    client: asgi.ASGIClient
    token: str = ""

    def headers(self) -> dict[str, str]:
        """A token that works now: an operation before may have revoked the last one
        (log out, DELETE /api/v1/tokens/{id})."""
        self.client.cookies.clear()  # only the token signs requests, never a cookie
        if self.call("GET", "/api/v1/user").status_code != 200:
            self.token = APP.run(new_token())
        return {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.request(method, path, headers=headers, **kwargs)

    def make(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()


@pytest.fixture(scope="module")
def account(client: asgi.ASGIClient) -> Account:
    response = client.post("/api/v1/auth/signup", json={
        "email": EMAIL, "password": PASSWORD, "name": "Fuzz", "token_name": "schemathesis"})
    assert response.status_code == 201, response.text
    return Account(client, response.json()["token"])


@pytest.fixture
def seed(account: Account) -> dict[str, Any]:
    """Real objects for one operation, made through the API: a project with a variable,
    a deploy hook, a domain, a notifier and a queued deployment, an invitation to the
    team and a second token. Keyed by the path segment before a parameter and its name."""
    account.headers()
    name = f"seed-{next(SEED_NUMBERS)}"
    project = account.make("POST", "/api/v1/projects", json={
        "name": name, "git_url": "https://git.localhost/seed.git"})["project"]
    team = project["team"]
    variable = account.make("POST", f"/api/v1/projects/{name}/env",
                            json={"key": "SEED", "value": "x", "environment": "preview"})
    hook = account.make("POST", f"/api/v1/projects/{name}/deploy-hooks",
                        json={"name": "seed"})["deploy_hook"]
    account.make("POST", f"/api/v1/projects/{name}/domains", json={"name": f"{name}.example.com"})
    account.make("POST", f"/api/v1/projects/{name}/notifiers",
                 json={"type": "webhook", "url": "http://127.0.0.1:9/seed", "events": []})
    content = name.encode()
    sha = hashlib.sha256(content).hexdigest()
    account.make("PUT", f"/api/v1/projects/{name}/files/{sha}", data=content)
    deployment = account.make("POST", f"/api/v1/projects/{name}/deployments", json={
        "files": [{"file": "index.html", "sha": sha, "size": len(content)}]})
    invitation = account.make("POST", f"/api/v1/teams/{team}/invitations",
                              json={"email": f"{name}@example.com", "role": "member"})
    user = account.make("GET", "/api/v1/user")["user"]
    return {
        "projects/name": name, "teams/slug": team, "deployments/id": deployment["id"],
        "env/id": variable["env"][0]["id"], "deploy-hooks/id": hook["id"],
        "deploy-hooks/token": hook["url"].rsplit("/", 1)[1], "files/sha": sha,
        "domains/domain": f"{name}.example.com", "notifiers/index": 0,
        "invitations/id": invitation["invitation"]["id"], "members/user_id": user["id"],
        "tokens/id": APP.run(second_token_id()), "webhooks/provider": "github",
    }


async def second_token_id() -> int:
    token, _ = await accounts.create_api_token(await User.get(email=EMAIL), "seed")
    return token.id


def with_seed_values(case: Any, seed: dict[str, Any]) -> None:
    """Put the seed's objects where the document's examples stand."""
    segments = case.path.strip("/").split("/")
    for index, segment in enumerate(segments[1:], start=1):
        name = segment.strip("{}")
        value = (case.path_parameters or {}).get(name)
        if segment.startswith("{") and value in (SEED_TEXT, SEED_ID):
            case.path_parameters[name] = seed.get(f"{segments[index - 1]}/{name}", value)


def test_the_served_document_is_the_one_tested(client: asgi.ASGIClient) -> None:
    assert client.get("/api/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(
    case: Any, account: Account, seed: dict[str, Any]
) -> None:
    with_seed_values(case, seed)
    case.call_and_validate(headers=account.headers(),
                           excluded_checks=[positive_data_acceptance])
