"""Scale to zero as a project setting (issue 19 item 5): off by default for production,
turned on and off by ``autostack projects set NAME --scale-to-zero on|off`` (the API's
PUT /scale), audited, checked, and handed to the runtime for every ready deployment;
uptime checks keep no deployment awake.

The project runs on the null runtime (plugins/providers/null/), which keeps each
release's policy in memory; the CLI runs against the app served by uvicorn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.infrastructure.models import AuditEvent, Project, User
from autostack_core.interfaces.runtime import ScalePolicy
from autostack_plugins.providers.local.local_runtime import hosts_visited
from tests.fixtures_auth import api, owner, token_for
from tests.serving import serving
from tests.unit.test_releases import autostack, deploy, null_runtime, site

__all__ = ["api", "autostack", "owner", "site"]


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_production_does_not_scale_to_zero_unless_the_project_says_so(
    autostack: AutoStack, site: Project
) -> None:
    deployment = await deploy(autostack, site, {"index.html": "hi"})
    assert null_runtime(autostack).releases[deployment.id].policy == ScalePolicy(1, 1)
    assert not null_runtime(autostack).releases[deployment.id].policy.scale_to_zero


async def test_the_cli_turns_scale_to_zero_on_and_off_for_every_ready_deployment(
    autostack: AutoStack, site: Project, owner: User, server: str
) -> None:
    deployment = await deploy(autostack, site, {"index.html": "hi"})
    token = await token_for(owner)
    turned_on = await run(server, token, "projects", "set", "site", "--scale-to-zero", "on")
    assert turned_on.exit_code == 0, turned_on.output
    assert turned_on.output.strip() == "site: scale to zero on"
    assert null_runtime(autostack).releases[deployment.id].policy == ScalePolicy(0, 1)
    await site.refresh_from_db()
    assert site.settings["scale_to_zero"] is True
    event = await AuditEvent.filter(action="project.updated").order_by("-id").first()
    assert event is not None and event.data["fields"] == ["scale_to_zero"]
    turned_off = await run(server, token, "projects", "set", "site", "--scale-to-zero", "off")
    assert turned_off.output.strip() == "site: scale to zero off"
    assert null_runtime(autostack).releases[deployment.id].policy == ScalePolicy(1, 1)
    refused = await run(server, token, "projects", "set", "site", "--scale-to-zero", "maybe")
    assert refused.exit_code == 2 and "--scale-to-zero" in refused.output


async def test_a_scale_to_zero_that_is_not_true_or_false_names_the_field(
    site: Project, api: httpx.AsyncClient
) -> None:
    for bad in ("on", 1, None):
        refused = await api.put("/api/v1/projects/site/scale", json={"scale_to_zero": bad})
        if bad is None:  # null leaves the setting as it is
            assert refused.status_code == 200
            continue
        error = refused.json()["error"]
        assert refused.status_code == 422 and error["field"] == "scale_to_zero", error
    await site.refresh_from_db()
    assert "scale_to_zero" not in (site.settings or {})


@pytest.mark.dbless
def test_uptime_checks_keep_no_deployment_awake() -> None:
    """The local runtime's idle check counts the hostnames of the edge's access log; the
    uptime checker's requests (every minute by default) are no visitors' and do not count,
    or a production that scales to zero would never idle long enough to sleep."""
    log = (b'{"request":{"host":"shop.localhost:8080","headers":{"User-Agent":'
           b'["autostack-uptime/1.0"]}}}\n'
           b'{"request":{"host":"blog.localhost","headers":{"User-Agent":["curl/8.5"]}}}\n')
    assert hosts_visited(log) == {"blog.localhost"}
