"""The core drives runtimes and the edge only through their interfaces: on the null pair.

The server runs with ``edge = "null"`` and the project on the ``null`` runtime
(plugins/providers/null/: everything in memory, nothing runs), so what the
core asked for is what the pair holds. Deployments go through the real
pipeline (upload, detection, sandboxed static build, store).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Deployment, Project, Role, User
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces.edge import DEFAULT_SKEW_SECONDS
from autostack_core.interfaces.runtime import Environment, OutputKind, ScalePolicy
from autostack_core.services import deployments
from autostack_plugins.providers import null
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.null_pair import null_pair_plugins, null_pair_server, site

__all__ = ["api", "owner", "site"]


class FunctionsOnly(null.NullRuntime):
    """A null runtime that accepts function outputs only."""

    name = "functions-only"
    accepts = frozenset({OutputKind.FUNCTIONS})


class FunctionsOnlyPlugin:
    @hookimpl
    def register_runtimes(self, settings: Settings) -> list[Any]:
        return [FunctionsOnly()]


@pytest.fixture
async def autostack(settings: Settings) -> AsyncIterator[AutoStack]:
    """A started server on the null edge, with the null runtime and a functions-only one."""
    plugins = null_pair_plugins()
    plugins.manager.register(FunctionsOnlyPlugin(), name="functions-only")
    async with null_pair_server(settings, plugins) as app:
        yield app


async def deploy(app: AutoStack, project: Project, files: dict[str, str]) -> Deployment:
    """A production upload of ``files``, built and deployed by the pipeline."""
    root = app.settings.path("upload-src")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    _, manifest = Store(app.settings.path("store")).put_tree(root)
    deployment = await deployments.create_deployment(
        app, project, source_type="upload", upload_manifest=manifest, target="production")
    await run_deployment(app, deployment.id)
    return await Deployment.get(id=deployment.id)


def null_runtime(app: AutoStack) -> null.NullRuntime:
    runtime = app.runtimes["null"]
    assert isinstance(runtime, null.NullRuntime)
    return runtime


async def test_a_deployment_is_published_deployed_and_bound(
    autostack: AutoStack, site: Project
) -> None:
    deployment = await deploy(autostack, site, {"index.html": "<h1>hello</h1>"})
    assert deployment.state == "ready", deployment.error_message
    edge = autostack.edge
    assert isinstance(edge, null.NullEdge)
    production = (await edge.fetch("site.localhost")).text
    own = (await edge.fetch(f"site-{deployment.id}.localhost")).text
    assert production == own == "<h1>hello</h1>"
    assert deployment.deployment_url == edge.public_url(f"site-{deployment.id}.localhost")
    assert null_runtime(autostack).releases[deployment.id].release.target == Environment.PRODUCTION


async def test_the_aliases_get_the_skew_window_and_the_deployments_own_hostname_none(
    autostack: AutoStack, site: Project
) -> None:
    """Only a hostname that moves between deployments can pin a request to an earlier one."""
    deployment = await deploy(autostack, site, {"index.html": "<h1>hello</h1>"})
    edge = autostack.edge
    assert isinstance(edge, null.NullEdge)
    assert edge.skew == {"site.localhost": DEFAULT_SKEW_SECONDS}
    assert (await edge.fetch(f"site-{deployment.id}.localhost")).text == "<h1>hello</h1>"


async def test_an_output_the_runtime_does_not_run_is_a_build_error(
    autostack: AutoStack, site: Project
) -> None:
    site.provider = "functions-only"
    await site.save()
    deployment = await deploy(autostack, site, {"index.html": "<h1>hello</h1>"})
    assert deployment.state == "error"
    assert deployment.error_message == (
        "the build output holds static, which the 'functions-only' runtime does not run "
        "(it runs functions); choose another runtime in the project settings")


async def test_runtime_logs_come_from_the_runtime(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    deployment = await deploy(autostack, site, {"index.html": "hi"})
    answer = await api.get(f"/api/v1/deployments/{deployment.id}/runtime-logs")
    assert answer.status_code == 200, answer.text
    lines = answer.json()["lines"]
    assert [line["line"] for line in lines] == [f"deployed release {deployment.id}"]
    assert lines[0]["source"] == "null" and lines[0]["stream"] == "system"
    await null_runtime(autostack).scale(deployment.id, ScalePolicy())
    last = await api.get(f"/api/v1/deployments/{deployment.id}/runtime-logs?limit=1")
    assert [line["line"] for line in last.json()["lines"]] == ["scaled to 1..1 replicas"]


async def test_the_deployment_detail_has_its_runtime_status(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    deployment = await deploy(autostack, site, {"index.html": "hi"})
    detail = await api.get(f"/api/v1/deployments/{deployment.id}")
    assert detail.json()["runtime_status"] == "ready"
    await null_runtime(autostack).destroy(deployment.id)
    detail = await api.get(f"/api/v1/deployments/{deployment.id}")
    assert detail.json()["runtime_status"] == "absent"


async def test_a_scale_change_reaches_every_ready_deployment(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    first = await deploy(autostack, site, {"index.html": "one"})
    second = await deploy(autostack, site, {"index.html": "two"})
    assert (await api.get("/api/v1/projects/site/scale")).json()["scale"] == {
        "scale_to_zero": False, "replicas": 1, "min_replicas": 1, "max_replicas": 1}
    changed = await api.put("/api/v1/projects/site/scale",
                            json={"scale_to_zero": True, "replicas": 3})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"deployments": 2, "scale": {
        "scale_to_zero": True, "replicas": 3, "min_replicas": 0, "max_replicas": 3}}
    runtime = null_runtime(autostack)
    for deployment in (first, second):
        assert runtime.releases[deployment.id].policy == ScalePolicy(0, 3)
    await site.refresh_from_db()
    assert site.settings["scale_to_zero"] is True and site.settings["replicas"] == 3


async def test_a_scale_change_skips_a_ready_deployment_its_runtime_no_longer_runs(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    """A runtime that lost a release (a restart, a cleaned cluster) gets no scale call for it:
    the change is saved and applied to the rest; the release takes it when deployed again."""
    gone = await deploy(autostack, site, {"index.html": "one"})
    kept = await deploy(autostack, site, {"index.html": "two"})
    runtime = null_runtime(autostack)
    await runtime.destroy(gone.id)
    changed = await api.put("/api/v1/projects/site/scale", json={"replicas": 2})
    assert changed.status_code == 200, changed.text
    assert changed.json()["deployments"] == 1
    assert runtime.releases[kept.id].policy == ScalePolicy(2, 2)
    assert gone.id not in runtime.releases


async def test_scale_changes_are_for_admins_and_checked(
    autostack: AutoStack, site: Project, owner: User, api: httpx.AsyncClient
) -> None:
    for bad in (11, 0):  # the dashboard's form gets the same answer (test_web_scaling)
        refused = await api.put("/api/v1/projects/site/scale", json={"replicas": bad})
        error = refused.json()["error"]
        assert refused.status_code == 422 and (error["field"], error["message"]) == (
            "replicas", "replicas: enter a whole number from 1 to 10")
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/site/scale")).status_code == 200
        refused = await http.put("/api/v1/projects/site/scale", json={"replicas": 2})
    assert refused.status_code == 403


async def test_the_cost_estimate_is_the_runtimes(
    autostack: AutoStack, site: Project, owner: User, api: httpx.AsyncClient
) -> None:
    assert (await api.get("/api/v1/projects/site/cost")).json() == {"cost": None}
    deployment = await deploy(autostack, site, {"index.html": "hi"})
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        answer = await http.get("/api/v1/projects/site/cost")
    assert answer.json() == {"cost": {"runtime": "null", "deployment": deployment.id,
                                      "currency": "USD", "hourly": 0.0, "monthly": 0.0}}
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get("/api/v1/projects/site/cost")).status_code == 401


async def test_a_missing_runtime_is_named(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    await deploy(autostack, site, {"index.html": "hi"})
    await Project.filter(id=site.id).update(provider="gone")
    answer = await api.get("/api/v1/projects/site/cost")
    assert answer.status_code == 409
    assert "the runtime 'gone' is not installed" in answer.json()["error"]["message"]


async def test_an_alias_the_runtime_cannot_serve_stays_where_it_was(
    autostack: AutoStack, site: Project
) -> None:
    """The runtime refuses to deploy (a server.json without a command): no alias moves."""
    serving = await deploy(autostack, site, {"index.html": "serving"})
    folder = autostack.settings.path("broken-output")
    (folder / "static").mkdir(parents=True)
    (folder / "static" / "index.html").write_text("broken")
    (folder / "server.json").write_text('{"command": ""}')
    manifest_hash, _ = Store(autostack.settings.path("store")).put_tree(folder)
    broken = await Deployment.create(project=site, state="ready", target="production",
                                     output_manifest_hash=manifest_hash)
    with pytest.raises(ValueError, match=r"server\.json has no command"):
        await deployments.promote(autostack, site, broken)
    current = await deployments.production_deployment(autostack, site)
    assert current is not None and current.id == serving.id
    edge = autostack.edge
    assert isinstance(edge, null.NullEdge)
    assert (await edge.fetch("site.localhost")).text == "serving"
