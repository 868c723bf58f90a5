"""Every hook, called by the core: a plugin object implementing it is registered and seen.

The meta-test at the end fails when a hookspec has no ``test_hook_<name>`` here,
and the plugin guide test fails when docs/plugins.md no longer matches the specs.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
import httpx
import pytest
from click.testing import CliRunner
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from autostack_core import hookimpl, hookspecs
from autostack_core.app import AutoStack
from autostack_core.build.build_errors import BuildError
from autostack_core.build.detection import detect, known_frameworks
from autostack_core.cli import add_plugin_commands
from autostack_core.config import Settings
from autostack_core.infrastructure import db
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Project,
    User,
)
from autostack_core.infrastructure.models.domains import Domain
from autostack_core.interfaces import (
    BuildContext,
    DeploymentTemplate,
    Detection,
    Event,
    SourceTree,
)
from autostack_core.interfaces.checks import Check
from autostack_core.interfaces.git_host import GitHost, WebhookFormat
from autostack_core.interfaces.runtime import OutputKind
from autostack_core.interfaces.sign_in import Identity, OAuthClient, SignInProvider
from autostack_core.interfaces.tasks import Cron, Task
from autostack_core.plugins import get_plugin_manager
from autostack_core.services import billing, deployments
from autostack_core.services.doctor import run_checks
from autostack_plugins.providers.null import NullRuntime
from tests.fixtures_auth import owner, personal_team
from tests.null_edge import bound, edge_of, stored_output
from tests.queue_runner import run_queued
from tests.upload_deploy import deploy_files

__all__ = ["owner"]

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A plugin implementing every hook and remembering how it was called."""

    def __init__(self, tmp_path: Path) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.tmp_path = tmp_path

    @hookimpl
    def detect_framework(self, tree: SourceTree, settings: Settings) -> Detection | None:
        if not tree.exists("recorder.marker"):
            return None
        return Detection(framework="recorder", name="Recorder", runtime="static",
                         confidence=0.99, reasons=["`recorder.marker` present"],
                         output_directory=".")

    @hookimpl
    def register_builders(self, settings: Settings) -> list[Any]:
        return [FakeBuilder()]

    @hookimpl
    def register_runtimes(self, settings: Settings) -> list[Any]:
        return [FakeRuntime(self.calls)]

    @hookimpl
    def register_edges(self, settings: Settings) -> list[Any]:
        return [FakeEdge(self.calls)]

    @hookimpl
    def register_notifiers(self, settings: Settings) -> list[Any]:
        return [FakeNotifier()]

    @hookimpl
    def register_dns_hosts(self, settings: Settings) -> list[Any]:
        return [FakeDnsHost()]

    @hookimpl
    def register_domains(self, app: AutoStack) -> Any:
        return FAKE_DOMAINS

    @hookimpl
    def extra_hostnames(self, app: AutoStack, project: Project, hostname: str) -> list[str]:
        return ["www.recorder.test"] if hostname == f"{project.name}.localhost" else []

    @hookimpl
    def extra_redirects(self, app: AutoStack) -> list[tuple[str, str, int]]:
        return [("old.recorder.test", "recorder.localhost", 301)]

    @hookimpl
    def register_git_hosts(self, settings: Settings) -> list[GitHost]:
        return [RECORDER_GIT_HOST]

    @hookimpl
    def register_sign_in_providers(self, settings: Settings) -> list[SignInProvider]:
        return [FakeSignIn()]

    @hookimpl
    async def notify(self, event: Event) -> None:
        self.calls.append(("notify", event.kind))

    @hookimpl
    def register_templates(self, settings: Settings) -> list[DeploymentTemplate]:
        return [DeploymentTemplate("recorded", "Recorded", "a test template", "static",
                                   self.tmp_path)]

    @hookimpl
    def register_routes(self, settings: Settings) -> list[Route]:
        async def hello(request: Request) -> PlainTextResponse:
            return PlainTextResponse("hello from a plugin route")

        return [Route("/recorder", hello)]

    @hookimpl
    def extra_template_vars(self, request: Request, template: str) -> dict[str, str]:
        self.calls.append(("extra_template_vars", template))
        return {}

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command(name="recorder-hello")
        @click.argument("name")
        def hello(name: str) -> None:
            """Greet NAME."""
            click.echo(f"hello {name} from a plugin command")

    @hookimpl
    def register_tasks(self, app: AutoStack) -> list[Task]:
        async def record(value: str) -> None:
            self.calls.append(("task", value))

        async def tick() -> None:  # pragma: no cover - the scheduler is not run here
            self.calls.append(("tick", None))

        return [Task("recorder-task", record), Task("recorder-tick", tick, Cron(minute="*/10"))]

    @hookimpl
    async def doctor_checks(self, settings: Settings) -> list[Check]:
        return [Check("recorder", False, "the recorder's part is missing", "install it")]

    @hookimpl
    async def startup(self, app: AutoStack) -> None:
        self.calls.append(("startup", app.settings.data_dir))

    @hookimpl
    async def extra_metrics(self, app: AutoStack) -> str:
        return "# TYPE recorder_scrapes counter\nrecorder_scrapes_total 1\n"

    @hookimpl
    def shutdown(self, app: AutoStack) -> None:
        self.calls.append(("shutdown", app.settings.data_dir))


class FakeBuilder:
    name = "recorder-builder"
    priority = 1000

    def can_build(self, detection: Detection) -> bool:
        return detection.framework == "recorder"

    async def build(self, context: Any) -> None:  # pragma: no cover - not built here
        raise NotImplementedError


class FakeRuntime:
    name = "recorder-runtime"

    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self.calls = calls

    async def start(self) -> None:
        self.calls.append(("runtime.start", self.name))

    async def stop(self) -> None:
        self.calls.append(("runtime.stop", self.name))


class FakeEdge(FakeRuntime):
    name = "recorder-edge"

    async def start(self) -> None:
        self.calls.append(("edge.start", self.name))

    async def stop(self) -> None:
        self.calls.append(("edge.stop", self.name))


class FakeNotifier:
    name = "recorder-notifier"


class FakeDnsHost:
    name = "recorder-dns"
    fields = ("zone",)

    def connect(self, config: Any) -> Any:  # pragma: no cover - not connected here
        raise NotImplementedError


class FakeDomains:
    """Stands in for the domains feature; nothing calls it here."""


FAKE_DOMAINS = FakeDomains()


RECORDER_GIT_HOST = WebhookFormat(
    name="recorder-git", signature_headers=("x-recorder-signature",), delivery_headers=(),
    verify=lambda headers, body, secret: False, parse=lambda headers, payload: [],
)


class FakeSignIn:
    name = "recorder-sign-in"

    async def client(self, settings: Settings, http: httpx.AsyncClient) -> OAuthClient:
        return OAuthClient("recorder-id", "recorder-secret", "https://id.example/authorize",
                           "https://id.example/token", "profile")

    def authorize_params(self, nonce: str) -> dict[str, str]:
        return {"recorder_nonce": nonce}

    async def identity(self, *args: Any, **kwargs: Any) -> Identity:  # pragma: no cover
        raise NotImplementedError


@pytest.fixture
async def recorded(settings: Settings, tmp_path: Path) -> Any:
    recorder = Recorder(tmp_path)
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(recorder, name="recorder")
    app = AutoStack(settings, plugins=loaded)
    await app.startup()
    yield app, recorder
    await app.shutdown()


async def test_hook_detect_framework(recorded: Any, tmp_path: Path) -> None:
    app, _ = recorded
    (tmp_path / "recorder.marker").write_text("")
    (tmp_path / "index.html").write_text("<h1>also static</h1>")
    detection = await detect(SourceTree(tmp_path), app.plugin_manager, app.settings)
    assert detection is not None and detection.framework == "recorder"


class SourceInspector:
    """Records what ``inspect_source`` saw; a ``bad.marker`` file fails the build."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    @hookimpl
    def inspect_source(self, app: AutoStack, deployment: Deployment, tree: SourceTree) -> None:
        self.seen.append((deployment.id, tree.exists("index.html")))
        if tree.exists("bad.marker"):
            raise BuildError("bad.marker: the inspector refuses this source")


async def test_hook_inspect_source(autostack: AutoStack, owner: User) -> None:
    """Called during every build with the source; its BuildError is the deployment's error."""
    inspector = SourceInspector()
    autostack.plugin_manager.register(inspector, name="inspector")
    project = await Project.create(name="inspected", team=await personal_team(owner))
    good = await deploy_files(autostack, project, {"index.html": "<h1>ok</h1>"})
    assert good.state == DeploymentState.READY and inspector.seen == [(good.id, True)]
    bad = await deploy_files(autostack, project, {"index.html": "<h1>x</h1>", "bad.marker": ""})
    assert bad.state == DeploymentState.ERROR
    assert bad.error_message == "bad.marker: the inspector refuses this source"


class Packager:
    """Packages a build output as an "image": records the files it saw."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    @hookimpl
    async def package_image(self, context: BuildContext) -> None:
        self.seen.append(sorted(path.name for path in context.output_dir.rglob("*")))
        shutil.rmtree(context.output_dir)
        context.output_dir.mkdir()
        (context.output_dir / "image.json").write_text(
            '{"format": "registry", "reference": "r.example/site@sha256:00", "digest": "00"}')


async def test_hook_package_image(autostack: AutoStack, owner: User) -> None:
    """Called after the builder when the project's runtime runs only images; its image.json
    is the output the runtime gets."""
    packager = Packager()
    autostack.plugin_manager.register(packager, name="packager")
    images = NullRuntime(name="images-only")
    images.accepts = frozenset({OutputKind.IMAGE})
    autostack.runtimes[images.name] = images
    team = await personal_team(owner)
    plain = await Project.create(name="plain", team=team)
    assert (await deploy_files(autostack, plain, {"index.html": "x"})).state == \
        DeploymentState.READY
    assert packager.seen == [], "not called for a runtime that runs static files"
    project = await Project.create(name="imaged", team=team, provider=images.name)
    deployment = await deploy_files(autostack, project, {"index.html": "<h1>ok</h1>"})
    assert deployment.state == DeploymentState.READY, deployment.error_message
    assert packager.seen == [["config.json", "index.html", "static"]]
    [published] = images.published.values()
    assert published is not None
    plain.provider = images.name
    await plain.save()
    switched = await deploy_files(autostack, plain, {"index.html": "x"})
    assert switched.state == DeploymentState.READY, "packaged, not the static output reused"
    assert len(packager.seen) == 2
    again = await deploy_files(autostack, plain, {"index.html": "x"})
    assert again.output_manifest_hash == switched.output_manifest_hash
    assert len(packager.seen) == 2, "the image build of the same source is reused"


async def test_hook_register_builders(recorded: Any) -> None:
    app, _ = recorded
    assert app.builders[0].name == "recorder-builder"
    assert any(builder.name == "static" for builder in app.builders)


async def test_hook_register_runtimes(recorded: Any) -> None:
    app, recorder = recorded
    assert {"recorder-runtime", "local"} <= set(app.runtimes)
    assert ("runtime.start", "recorder-runtime") in recorder.calls


async def test_hook_register_edges(settings: Settings, tmp_path: Path) -> None:
    """The edge the ``edge`` setting names serves: started before the runtimes, stopped after."""
    recorder = Recorder(tmp_path)
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(recorder, name="recorder")
    app = AutoStack(replace(settings, edge="recorder-edge"), plugins=loaded)
    await app.startup()
    assert app.edge.name == "recorder-edge"
    await app.shutdown()
    lifecycle = [call for call in recorder.calls if call[0].endswith((".start", ".stop"))]
    assert lifecycle == [("edge.start", "recorder-edge"), ("runtime.start", "recorder-runtime"),
                         ("runtime.stop", "recorder-runtime"), ("edge.stop", "recorder-edge")]


async def test_an_unknown_edge_names_the_setting(settings: Settings) -> None:
    app = AutoStack(replace(settings, edge="nowhere"))
    with pytest.raises(ValueError, match=r"AUTOSTACK_EDGE: no edge called 'nowhere'.*local"):
        await app.startup()
    await app.events.stop()
    await db.disconnect()


async def test_hook_register_notifiers(recorded: Any) -> None:
    app, _ = recorded
    assert "recorder-notifier" in app.notifiers


async def test_hook_register_dns_hosts(recorded: Any) -> None:
    app, _ = recorded
    assert app.dns_hosts["recorder-dns"].fields == ("zone",)


async def test_hook_register_domains(recorded: Any) -> None:
    """The first answer wins: the recorder's, registered after the built-in domains plugin."""
    app, _ = recorded
    assert app.domains is FAKE_DOMAINS


async def test_hook_extra_hostnames(recorded: Any, owner: User) -> None:
    """A promote points the production alias, then the hostnames that follow it."""
    app, _ = recorded
    project = await Project.create(name="recorded", team=await personal_team(owner),
                                   provider="recorder-runtime-null")
    app.runtimes[project.provider] = NullRuntime(name=project.provider)
    deployment = await Deployment.create(project=project, state=DeploymentState.READY,
                                         output_manifest_hash=stored_output(app.settings))
    await deployments.promote(app, project, deployment)
    assert bound(edge_of(app))[-2:] == ["recorded.localhost", "www.recorder.test"]
    follower = await Alias.get(hostname="www.recorder.test")
    assert follower.kind == AliasKind.CUSTOM
    assert follower.deployment_id == deployment.id  # type: ignore[attr-defined]


async def test_hook_extra_redirects(recorded: Any, owner: User) -> None:
    """Every plugin's redirects are joined: the recorder's and the domains plugin's."""
    app, _ = recorded
    project = await Project.create(name="recorded", team=await personal_team(owner))
    await Domain.create(project=project, domain_name="www.shop.test", redirect_to="shop.test",
                        verification_token="t", is_verified=True)
    await Domain.create(project=project, domain_name="unverified.test", redirect_to="shop.test",
                        verification_token="t")
    assert sorted(await app.call_list_hook("extra_redirects", app=app)) == [
        ("old.recorder.test", "recorder.localhost", 301), ("www.shop.test", "shop.test", 308)]


async def test_hook_register_git_hosts(recorded: Any) -> None:
    app, _ = recorded
    assert {"recorder-git", "github", "gitlab", "bitbucket", "gitea"} <= set(app.git_hosts)
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        unsigned = await http.post("/api/v1/webhooks/recorder-git", json={})
    assert unsigned.status_code == 401
    assert "x-recorder-signature" in unsigned.json()["error"]["message"]


async def test_hook_register_sign_in_providers(recorded: Any) -> None:
    app, _ = recorded
    assert {"recorder-sign-in", "github", "google"} <= set(app.sign_in_providers)
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        begin = await http.get("/auth/recorder-sign-in/login")
    assert begin.status_code == 303
    query = parse_qs(urlsplit(begin.headers["location"]).query)
    assert begin.headers["location"].startswith("https://id.example/authorize?")
    assert query["client_id"] == ["recorder-id"] and query["scope"] == ["profile"]
    assert len(query["recorder_nonce"][0]) == 32


async def test_hook_notify(recorded: Any) -> None:
    app, recorder = recorded
    await app.notify(Event(kind="deployment.ready", project="demo", deployment="abc"))
    assert ("notify", "deployment.ready") in recorder.calls


async def test_hook_register_templates(recorded: Any) -> None:
    app, _ = recorded
    assert app.templates["recorded"].name == "Recorded"


async def test_hook_register_routes(recorded: Any) -> None:
    app, _ = recorded
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/recorder")
    assert response.text == "hello from a plugin route"


async def test_hook_extra_template_vars(recorded: Any) -> None:
    app, recorder = recorded
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await http.get("/")).status_code == 200
    assert any(name == "extra_template_vars" for name, _ in recorder.calls)


async def test_hook_not_found_page(client: httpx.AsyncClient) -> None:
    """The dashboard's page answers a browser; JSON clients and the API keep JSON errors."""
    page = await client.get("/no/such/page", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    json_first = await client.get("/no/such/page",
                                  headers={"Accept": "application/json, text/html"})
    assert json_first.headers["content-type"] == "application/json"
    api = await client.get("/api/v1/nope", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/json"


async def test_hook_startup(recorded: Any) -> None:
    app, recorder = recorded
    assert ("startup", app.settings.data_dir) in recorder.calls


async def test_hook_shutdown(settings: Settings, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(recorder, name="recorder")
    app = AutoStack(settings, plugins=loaded)
    await app.startup()
    await app.shutdown()
    assert ("shutdown", settings.data_dir) in recorder.calls


async def test_hook_extra_metrics(recorded: Any) -> None:
    app, _ = recorded
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        scraped = await http.get("/metrics")
    assert "recorder_scrapes_total 1" in scraped.text and "autostack_deployments" in scraped.text


def test_hook_register_commands(tmp_path: Path) -> None:
    loaded = get_plugin_manager(default_plugins=(), load_entry_points=False)
    loaded.manager.register(Recorder(tmp_path), name="recorder")
    cli = click.Group(name="autostack")
    add_plugin_commands(cli, loaded)
    result = CliRunner().invoke(cli, ["recorder-hello", "world"])
    assert result.output == "hello world from a plugin command\n"


async def test_hook_register_tasks(recorded: Any) -> None:
    app, recorder = recorded
    app.queue.enqueue("recorder-task", "queued value")
    assert await run_queued(app, "recorder-task") == 1
    assert ("task", "queued value") in recorder.calls
    due = {task.name for task in app.queue.huey.read_periodic(datetime(2026, 1, 1, 3, 20))}
    assert {"recorder-tick", "collect_garbage_hourly"} - due == {"collect_garbage_hourly"}
    assert "recorder-tick" not in {
        task.name for task in app.queue.huey.read_periodic(datetime(2026, 1, 1, 3, 21))}


async def test_hook_doctor_checks(settings: Settings, tmp_path: Path) -> None:
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(Recorder(tmp_path), name="recorder")
    checks = {check.name: check for check in await run_checks(settings, loaded)}
    assert checks["recorder"] == Check("recorder", False, "the recorder's part is missing",
                                       "install it")
    assert {"python", "database", "caddy", "wildcard"} <= set(checks)


class SlugPlugin:
    @hookimpl
    def framework_slugs(self, settings: Settings) -> list[str]:
        return ["recorder-framework"]


def test_hook_framework_slugs(settings: Settings) -> None:
    loaded = get_plugin_manager(load_entry_points=False)
    before = known_frameworks(loaded.manager, settings)
    assert "recorder-framework" not in before and "nextjs" in before
    loaded.manager.register(SlugPlugin(), name="slugs")
    assert "recorder-framework" in known_frameworks(loaded.manager, settings)


class BillingPlugin:
    def __init__(self) -> None:
        self.billed: list[tuple[str, str | None, str, int]] = []

    @hookimpl
    def billing(self, team: Any, plan: Any, month: str, usage: dict[str, Any]) -> None:
        self.billed.append((team.slug, plan, month, usage["total"]["requests"]))


async def test_hook_billing(autostack: AutoStack, owner: User) -> None:
    plugin = BillingPlugin()
    autostack.plugin_manager.register(plugin, name="billing-recorder")
    team = await personal_team(owner)
    await billing.run(autostack, date(2026, 10, 1), today=date(2026, 11, 1))
    assert plugin.billed == [(team.slug, None, "2026-10", 0)]


class ServicePlugin:
    """A plugin adding a database type (its server never runs here)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def register_services(self, settings: Settings) -> list[Any]:
        from autostack_plugins.services.redis import Redis

        service = Redis()
        service.name = self.name
        return [service]


async def test_hook_register_services(autostack: AutoStack) -> None:
    from autostack_core.errors import ApiError
    from autostack_core.services import databases

    autostack.plugin_manager.register(ServicePlugin("keydb"), name="keydb-services")
    assert {"postgres", "redis", "keydb"} <= set(await databases.services_of(autostack))
    assert (await databases.service_for(autostack, "keydb")).env_key == "REDIS_URL"
    with pytest.raises(ApiError, match="type: 'mysql' is not a database type here"):
        await databases.service_for(autostack, "mysql")
    autostack.plugin_manager.register(ServicePlugin("postgres"), name="second-postgres")
    with pytest.raises(RuntimeError, match="two plugins register the database service"):
        await databases.services_of(autostack)


async def test_hook_register_database_servers(autostack: AutoStack, owner: User) -> None:
    """The built-in databases plugin answers; the dashboard deletes through it."""
    from autostack_core.infrastructure.models import Database
    from autostack_core.services import databases

    servers = autostack.database_servers
    assert servers is not None
    database = await databases.create(await personal_team(owner), "hooked",
                                      await databases.service_for(autostack, "redis"), None)
    assert await servers.size_of(database) is None  # no data folder yet: never started here
    await servers.delete(database)
    assert not await Database.exists(name="hooked")


def test_every_hook_has_a_test() -> None:
    hooks = {name for name, value in vars(hookspecs).items()
             if inspect.isfunction(value) and hasattr(value, "autostack_spec")}
    tested = {name.removeprefix("test_hook_") for name in globals()
              if name.startswith("test_hook_")}
    assert hooks - tested == set()


def test_plugin_guide_matches_the_hookspecs() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "plugin_guide.py"),
                             "--check"], cwd=ROOT)
    assert result.returncode == 0, "run scripts/plugin_guide.py to update docs/plugins.md"
