"""A Cloud Run project end to end through ``autostack up``: team credentials entered in the
dashboard, ``autostack projects add --provider cloudrun``, a server app packaged as an image,
served through the edge by its alias, redeployed, rolled back, and the server restarted.

**Google Cloud is a stand-in, because nothing real is reachable here**: the server's
``cloudrun`` runtime talks to :mod:`tests.cloudrun_standin` (the official client, the
team's service account key, whose JWT grant the stand-in verifies) with ``pulls=True``:
a revision's image is fetched by digest from the registry the build pushed to, and each
revision answers with its image's digest (its code is not run). Its front end speaks TLS
as ``*.a.run.app`` (trusted through ``SSL_CERT_FILE``) and ``AUTOSTACK_EDGE_RESOLVE``
points every ``*.a.run.app`` name at it, as DNS would. Real parts: the server, its queue,
the CLI, the dashboard's form, buildah packaging the build (``package_image``), Debian's
docker-registry, the Caddy edge.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cloudrun_standin import CloudRunStandIn
from tests.containers_standin import base_image, image_registry
from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_remote_edge import tls_front
from tests.e2e.test_server_apps import write_app
from tests.web_fixtures import csrf_of

pytest.importorskip("google.cloud.run_v2")

__all__ = ["base_image", "image_registry"]
pytestmark = pytest.mark.e2e
SERVICE = "projects/standin-project/locations/us-central1/services/autostack-shop"
DEADLINE_SECONDS = 30


@pytest.fixture
def cloud_run(tmp_path: Path) -> Iterator[CloudRunStandIn]:
    """The stand-in pulling real images, its front end speaking TLS (certificate: run.pem)."""
    standin = CloudRunStandIn(pulls=True)
    tls_front(standin, tmp_path)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def cloud_server(tmp_path: Path, database_url: str | None, image_registry: str,
                 base_image: str, cloud_run: CloudRunStandIn) -> Iterator[Server]:
    """A server that pushes packaged images to the test registry and whose edge reaches the
    stand-in's front end for every ``*.a.run.app`` name."""
    with signed_in_server(
            tmp_path, database_url, AUTOSTACK_REGISTRY=image_registry,
            AUTOSTACK_PACKAGE_BASE_IMAGE=base_image, AUTOSTACK_HEALTH_TIMEOUT_SECONDS="30",
            # The hourly gc must not take the first deployment before the rollback to it.
            AUTOSTACK_RETENTION_KEEP="10",
            AUTOSTACK_EDGE_RESOLVE=f"*.a.run.app=127.0.0.1:{cloud_run.frontend_port}",
            SSL_CERT_FILE=str(tmp_path / "run.pem")) as instance:
        yield instance


def enter_credentials(server: Server, standin: CloudRunStandIn) -> None:
    """What a team admin does: sign in to the dashboard, fill the team's Cloud Run form."""
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as browser:
        form = browser.get("/login")
        browser.post("/login", data={"email": "dev@example.com",
                                     "password": "correct horse battery",
                                     "csrf_token": csrf_of(form)})
        with server.api() as api:
            slug = api.get("/api/v1/teams").json()["teams"][0]["slug"]
        page = browser.get(f"/teams/{slug}")
        assert 'action="/teams/' in page.text and "/providers/cloudrun" in page.text, page.text
        key = json.dumps(json.loads(standin.service_account_key()), indent=2)
        saved = browser.post(f"/teams/{slug}/providers/cloudrun", data={
            "csrf_token": csrf_of(page), "project": "standin-project",
            "region": "us-central1", "service_account_key": key,
            "api_endpoint": standin.url})
        assert saved.status_code == 200 and "cloudrun settings saved" in saved.text, saved.text


def deploy(server: Server, folder: Path) -> str:
    result = server.cli("deploy", str(folder), "--json", "--prod", "--project", "shop")
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready", deployment
    return str(deployment["id"])


def image_of(standin: CloudRunStandIn, deployment_id: str) -> str:
    revision = standin.revisions[f"{SERVICE}/revisions/autostack-shop-{deployment_id.lower()}"]
    return str(revision["containers"][0]["image"])


def served(server: Server, digest: str) -> str:
    """The production alias's answer once it names ``digest`` (the edge's alias moves after
    the deployment reads ready)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        answer = server.edge_get("shop.localhost", "/hello")
        if (answer.status_code == 200 and digest in answer.text) or time.monotonic() > deadline:
            return f"{answer.status_code} {answer.text}"
        time.sleep(0.2)


def percents(standin: CloudRunStandIn) -> dict[str, int]:
    """The service's traffic by deployment id."""
    return {status["revision"].removeprefix("autostack-shop-"): status["percent"]
            for status in standin.services[SERVICE]["trafficStatuses"]}


def changes(standin: CloudRunStandIn) -> list[str]:
    """The API calls that change something (made revisions, moved traffic)."""
    return [f"{method} {path}" for method, path, _ in standin.requests if method != "GET"]


def test_a_server_app_deploys_to_cloud_run_and_is_served_through_the_edge(
        cloud_server: Server, cloud_run: CloudRunStandIn, tmp_path: Path,
        image_registry: str) -> None:
    server = cloud_server
    enter_credentials(server, cloud_run)
    created = server.cli("projects", "add", "shop", "--provider", "cloudrun")
    assert "runtime cloudrun" in created.stdout

    first = deploy(server, write_app(tmp_path / "v1", "v1"))
    image = image_of(cloud_run, first)
    assert image.startswith(f"{image_registry}/") and "@sha256:" in image, image
    digest_1 = image.rpartition("@")[2]
    assert served(server, digest_1) == f"200 server shop {digest_1} /hello"

    second = deploy(server, write_app(tmp_path / "v2", "v2"))
    digest_2 = image_of(cloud_run, second).rpartition("@")[2]
    assert digest_2 != digest_1
    assert served(server, digest_2) == f"200 server shop {digest_2} /hello"
    # Both revisions stay, each tagged (its tag URL is what the edge serves); the service's
    # own traffic follows production.
    assert percents(cloud_run) == {first.lower(): 0, second.lower(): 100}

    before = len(changes(cloud_run))
    server.cli("rollback", "--project", "shop")
    assert served(server, digest_1) == f"200 server shop {digest_1} /hello"
    assert percents(cloud_run) == {first.lower(): 100, second.lower(): 0}
    assert [change.split()[0] for change in changes(cloud_run)[before:]] == ["PATCH"], \
        "a rollback is one traffic change, no new revision"
    assert len(cloud_run.revisions) == 2
    before = len(changes(cloud_run))

    # A restart: the runtime finds its revisions again (status, meter) without redeploying.
    server.stop()
    server.start()
    with server.api() as api:
        for deployment_id in (first, second):
            found = api.get(f"/api/v1/deployments/{deployment_id}").json()
            assert (found["state"], found["runtime_status"]) == ("ready", "ready"), found
    assert served(server, digest_1) == f"200 server shop {digest_1} /hello"
    assert changes(cloud_run)[before:] == [], "a restart changes nothing on Cloud Run"
