"""A deployment is ready only once its aliases serve it.

Deployments go through the real pipeline onto the null pair (its edge keeps bindings in
memory and answers as a visitor would). A ``notify`` hook plays the client that acts on
``deployment.ready``: right then it reads the alias table and asks the edge. Before the
pipeline moved the aliases first, the production alias still served the previous
deployment (or nothing) at that moment.
"""

from __future__ import annotations

import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.infrastructure.models import (
    Alias,
    Deployment,
    DeploymentState,
    Project,
    User,
)
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces import Event
from autostack_core.services import deployments
from tests.fixtures_auth import owner, personal_team
from tests.null_pair import autostack

__all__ = ["autostack", "owner"]

PRODUCTION = "site.localhost"


class ReadyReader:
    """On ``deployment.ready``, reads what a client would: the alias table and the edge."""

    def __init__(self, app: AutoStack, hostnames: list[str]) -> None:
        self.app = app
        self.hostnames = hostnames
        self.seen: dict[str, dict[str, tuple[str | None, str]]] = {}
        """Deployment id -> hostname -> (the alias's deployment id, the edge's answer)."""
        self.on_alias_moved: list[Event] = []

    @hookimpl
    async def notify(self, event: Event) -> None:
        if event.kind == "alias.moved":
            self.on_alias_moved.append(event)
        if event.kind != "deployment.ready" or event.deployment is None:
            return
        seen = self.seen.setdefault(event.deployment, {})
        for hostname in self.hostnames:
            alias = await Alias.get_or_none(hostname=hostname)
            response = await self.app.edge.fetch(hostname)  # type: ignore[attr-defined]
            seen[hostname] = (None if alias is None else alias.deployment_id,  # type: ignore[attr-defined]
                              response.text if response.status == 200 else str(response.status))


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner,
                                provider="null", branch="main")


async def deploy(app: AutoStack, project: Project, html: str, **fields: object) -> Deployment:
    """An upload of one ``index.html`` through the pipeline (production unless told)."""
    root = app.settings.path(f"upload-{len(list(app.settings.data_dir.glob('upload-*')))}")
    root.mkdir(parents=True)
    (root / "index.html").write_text(html)
    _, manifest = Store(app.settings.path("store")).put_tree(root)
    deployment = await deployments.create_deployment(
        app, project, source_type="upload", upload_manifest=manifest,
        **{"target": "production", **fields})
    await run_deployment(app, deployment.id)
    return await Deployment.get(id=deployment.id)


async def test_when_a_deployment_is_announced_ready_its_aliases_already_serve_it(
    autostack: AutoStack, site: Project
) -> None:
    reader = ReadyReader(autostack, [PRODUCTION, "site-git-feature.localhost"])
    autostack.plugin_manager.register(reader)
    first = await deploy(autostack, site, "<h1>v1</h1>")
    second = await deploy(autostack, site, "<h1>v2</h1>")
    preview = await deploy(autostack, site, "<h1>feature</h1>", target="preview",
                           branch="feature")
    assert [first.state, second.state, preview.state] == [DeploymentState.READY] * 3

    assert reader.seen[first.id][PRODUCTION] == (first.id, "<h1>v1</h1>")
    assert reader.seen[second.id][PRODUCTION] == (second.id, "<h1>v2</h1>")
    # A preview takes its branch's alias before it is ready, and leaves production alone.
    assert reader.seen[preview.id] == {PRODUCTION: (second.id, "<h1>v2</h1>"),
                                       "site-git-feature.localhost":
                                           (preview.id, "<h1>feature</h1>")}
    own = await Alias.get(deployment_id=second.id, kind="deployment")
    assert (await autostack.edge.fetch(own.hostname)).text == "<h1>v2</h1>"  # type: ignore[attr-defined]


async def test_a_deployment_that_cannot_become_ready_gives_its_aliases_back(
    autostack: AutoStack, site: Project
) -> None:
    """Another writer (here a lost-worker sweep's error, from a hook that runs while the
    production alias moves) wins the state: production goes back to the ready one."""
    first = await deploy(autostack, site, "<h1>v1</h1>")

    class LostWhileRouting:
        @hookimpl
        async def notify(self, event: Event) -> None:
            if event.kind == "deployment.promoted" and event.deployment != first.id:
                lost = await Deployment.get(id=event.deployment)
                await deployments.transition(autostack, lost, DeploymentState.ERROR,
                                             "worker lost")

    autostack.plugin_manager.register(LostWhileRouting())
    second = await deploy(autostack, site, "<h1>v2</h1>")
    assert second.state == DeploymentState.ERROR
    assert (await deployments.production_deployment(autostack, site)).id == first.id  # type: ignore[union-attr]
    assert (await autostack.edge.fetch(PRODUCTION)).text == "<h1>v1</h1>"  # type: ignore[attr-defined]
    assert not await Alias.filter(deployment_id=second.id).exists()


async def test_an_edge_refusing_an_alias_fails_the_deployment_and_production_goes_back(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The null edge is made to refuse the branch hostname (a fault injected in the stand-in,
    as a real edge refusing a bind)."""
    first = await deploy(autostack, site, "<h1>v1</h1>", branch="main")
    bind = autostack.edge.bind

    async def refusing_bind(hostname: str, targets: list) -> None:  # type: ignore[type-arg]
        if hostname.startswith("site-git-main"):
            raise ValueError("refused")
        await bind(hostname, targets)

    monkeypatch.setattr(autostack.edge, "bind", refusing_bind)
    second = await deploy(autostack, site, "<h1>v2</h1>", branch="main")
    assert second.state == DeploymentState.ERROR
    assert (await deployments.production_deployment(autostack, site)).id == first.id  # type: ignore[union-attr]
    assert (await autostack.edge.fetch(PRODUCTION)).text == "<h1>v1</h1>"  # type: ignore[attr-defined]
    assert not await Alias.filter(deployment_id=second.id).exists()


async def test_the_aliases_take_the_deployment_the_pipeline_deployed_without_deploying_it_again(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own hostname, production and its branch's: one runtime deploy, three binds to the
    endpoint that deploy answered."""
    runtime = autostack.runtimes["null"]
    deploy_release, bind = runtime.deploy, autostack.edge.bind
    endpoints: list[object] = []
    bound: list[tuple[str, object]] = []

    async def counted_deploy(release):  # type: ignore[no-untyped-def]
        endpoints.append(await deploy_release(release))
        return endpoints[-1]

    async def recorded_bind(hostname: str, targets: list) -> None:  # type: ignore[type-arg]
        bound.append((hostname, targets[0].endpoint))
        await bind(hostname, targets)

    monkeypatch.setattr(runtime, "deploy", counted_deploy)
    monkeypatch.setattr(autostack.edge, "bind", recorded_bind)
    deployment = await deploy(autostack, site, "<h1>v1</h1>", branch="main")
    assert deployment.state == DeploymentState.READY
    assert len(endpoints) == 1
    assert {hostname for hostname, _ in bound} == {
        own.hostname for own in await Alias.filter(deployment_id=deployment.id)}
    assert len(bound) == 3 and all(endpoint is endpoints[0] for _, endpoint in bound)
