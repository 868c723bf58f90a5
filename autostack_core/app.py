"""The host object: settings, plugins, keyring, queue, events, and the ASGI app."""

# ruff: noqa: E402 (the statement below must run before the imports that load httpx)
from __future__ import annotations

import sys

# httpx imports its own command line (rich and pygments: ~70 modules, ~3 MiB of anonymous
# memory in every server process, measured with bench/footprint_bench.py) whenever click
# is installed, and falls back to a stub ``httpx.main`` when that import fails. The server
# never runs httpx's command line. No effect if httpx was imported already.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from huey.consumer import Consumer
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core import errors
from autostack_core.api import api_routes
from autostack_core.build.lost_deployments import (
    SWEEP_TASK,
    recover_lost_deployments,
    sweep_lost_deployments,
)
from autostack_core.build.pipeline import run_deployment
from autostack_core.config import Settings
from autostack_core.git import gitserver
from autostack_core.infrastructure import db
from autostack_core.infrastructure.events import EventBus
from autostack_core.infrastructure.models import Project
from autostack_core.infrastructure.queue import Queue
from autostack_core.interfaces import (
    Builder,
    DeploymentTemplate,
    DnsHost,
    Event,
    Notifier,
)
from autostack_core.interfaces.domains import Domains
from autostack_core.interfaces.edge import Edge
from autostack_core.interfaces.git_host import GitHost
from autostack_core.interfaces.runtime import Runtime
from autostack_core.interfaces.services import DatabaseServers
from autostack_core.interfaces.sign_in import SignInProvider
from autostack_core.interfaces.tasks import Cron, Task
from autostack_core.plugins import LoadedPlugins, get_plugin_manager
from autostack_core.security import oauth, rate_limits
from autostack_core.security.auth import AuthMiddleware
from autostack_core.security.body_limits import BodyLimit, BodyLimitMiddleware
from autostack_core.security.crypto import Keyring, install_keyring, load_keyring
from autostack_core.security.request_actor import RequestActorMiddleware
from autostack_core.security.security_headers import SecurityHeadersMiddleware
from autostack_core.services import (
    bandwidth_guard,
    notifications,
    rolling_releases,
    screenshots,
    storage_usage,
    usage,
)
from autostack_core.services.metrics import RequestMetricsMiddleware, metrics_endpoint
from autostack_core.services.retention import collect_garbage
from autostack_core.utils import await_me_maybe

NOTIFY_DRAIN_SECONDS = 10


class AutoStack:
    """One running AutoStack: what routes, tasks and the command line share."""

    def __init__(
        self,
        settings: Settings,
        plugins: LoadedPlugins | None = None,
        consume: bool = False,
        migrated: bool = False,
    ) -> None:
        self.settings = settings
        self.consume = consume
        self.migrated = migrated
        """The caller applied the migrations already (``autostack up`` and ``worker``, to print
        them): :meth:`startup` does not check them a second time."""
        self.plugins = plugins or get_plugin_manager()
        self.plugin_manager = self.plugins.manager
        self.keyring: Keyring = load_keyring(settings.data_dir, settings.secret_keys)
        install_keyring(self.keyring)
        self.events = EventBus(settings.redis_url)
        self.queue = Queue(self)
        self.builders: list[Builder] = []
        self.runtimes: dict[str, Runtime] = {}
        self.edge: Edge
        """The edge the ``edge`` setting names; set by :meth:`startup`."""
        self.notifiers: dict[str, Notifier] = {}
        self.dns_hosts: dict[str, DnsHost] = {}
        self.domains: Domains | None = None
        """The custom domains feature (``register_domains``), for the dashboard."""
        self.database_servers: DatabaseServers | None = None
        """What runs the database servers (``register_database_servers``), for the dashboard."""
        self.templates: dict[str, DeploymentTemplate] = {}
        self.git_hosts: dict[str, GitHost] = {}
        self.sign_in_providers: dict[str, SignInProvider] = {}
        self._consumer: Consumer | None = None
        self.running: dict[str, asyncio.Task[Any]] = {}
        plugin_tasks = self.plugin_manager.hook.register_tasks(app=self)
        for task in [*self.core_tasks(), *(task for tasks in plugin_tasks for task in tasks or [])]:
            self.queue.register(task)

    def core_tasks(self) -> list[Task]:
        """The core's own queue tasks; plugins add theirs through ``register_tasks``."""
        return [
            Task("run_deployment", self._run_deployment),
            Task(SWEEP_TASK, partial(sweep_lost_deployments, self), Cron()),
            Task("collect_garbage", self._collect_garbage),
            Task("collect_garbage_hourly", self._collect_garbage, Cron(minute="17")),
            Task(rolling_releases.WATCH_TASK, partial(rolling_releases.watch, self)),
            Task(rolling_releases.RESCUE_TASK, partial(rolling_releases.rescue, self), Cron()),
            Task(usage.SAMPLE_TASK, partial(usage.sample, self),
                 Cron(minute=f"*/{usage.SAMPLE_MINUTES}")),
            Task(storage_usage.SAMPLE_TASK, storage_usage.sample,
                 Cron(minute=f"*/{storage_usage.SAMPLE_MINUTES}")),
            Task(screenshots.TASK, partial(screenshots.take, self)),
            Task(bandwidth_guard.GUARD_TASK, partial(bandwidth_guard.guard, self),
                 Cron(minute=f"*/{bandwidth_guard.GUARD_MINUTES}")),
            Task(screenshots.SWEEP_TASK, partial(screenshots.sweep, self), Cron(minute="23")),
        ]

    async def _run_deployment(self, deployment_id: str, force: bool = False) -> None:
        await run_deployment(self, deployment_id, force)

    async def _collect_garbage(self) -> dict[str, int]:
        return (await collect_garbage(self)).as_dict()

    # -- hooks --------------------------------------------------------------

    async def call_hook(self, name: str, **kwargs: Any) -> list[Any]:
        """Call hook ``name`` and resolve every result (value, callable or awaitable)."""
        hook = getattr(self.plugin_manager.hook, name)
        return [await await_me_maybe(result) for result in hook(**kwargs)]

    async def call_list_hook(self, name: str, **kwargs: Any) -> list[Any]:
        """Call a ``register_*`` hook and flatten the lists it returns."""
        return [item for result in await self.call_hook(name, **kwargs) for item in result or []]

    async def not_found_page(self, request: Request) -> Response | None:
        """The ``not_found_page`` hook's page for ``request``, if a plugin gives one."""
        page: Response | None = await await_me_maybe(
            self.plugin_manager.hook.not_found_page(request=request))
        return page

    async def notify(self, event: Event, project: Project | None = None) -> None:
        """Deliver ``event`` to ``notify`` hooks; a failing plugin never fails the caller.

        ``project``: the event's project, read for this event after its change was
        persisted (its notifiers are then read once, not again; see
        :func:`notifications.deliver`).
        """
        try:
            await self.call_hook("notify", event=event)
            await notifications.deliver(self, event, project)
        except Exception:
            errors.logger.exception("a notify hook failed for %s", event.kind)

    # -- lifecycle ----------------------------------------------------------

    async def startup(self) -> None:
        self.settings.ensure_dirs()
        rate_limits.limits_of(self)  # a malformed limit stops the start, naming the variable
        if not self.migrated:
            await db.migrate(self.settings)
        await db.connect(self.settings)
        await self.events.start()
        self.builders = await self.call_list_hook("register_builders", settings=self.settings)
        self.builders.sort(key=lambda builder: -builder.priority)
        runtimes = await self.call_list_hook("register_runtimes", settings=self.settings)
        self.runtimes = {runtime.name: runtime for runtime in runtimes}
        self.edge = self._chosen_edge(
            await self.call_list_hook("register_edges", settings=self.settings))
        notifiers = await self.call_list_hook("register_notifiers", settings=self.settings)
        self.notifiers = {notifier.name: notifier for notifier in notifiers}
        dns_hosts = await self.call_list_hook("register_dns_hosts", settings=self.settings)
        self.dns_hosts = {host.name: host for host in dns_hosts}
        templates = await self.call_list_hook("register_templates", settings=self.settings)
        self.templates = {template.slug: template for template in templates}
        git_hosts = await self.call_list_hook("register_git_hosts", settings=self.settings)
        self.git_hosts = {host.name: host for host in git_hosts}
        sign_in = await self.call_list_hook("register_sign_in_providers", settings=self.settings)
        self.sign_in_providers = {provider.name: provider for provider in sign_in}
        self.domains = await await_me_maybe(self.plugin_manager.hook.register_domains(app=self))
        self.database_servers = await await_me_maybe(
            self.plugin_manager.hook.register_database_servers(app=self))
        await self.edge.start()
        for runtime in self.runtimes.values():
            await runtime.start()
        await self.call_hook("startup", app=self)
        if self.consume:
            await recover_lost_deployments(self)
            self._consumer = self.queue.start_consumer()

    async def shutdown(self) -> None:
        for task in list(self.running.values()):
            task.cancel()
        if self._consumer is not None:
            await asyncio.to_thread(self._consumer.stop, graceful=True)
            self._consumer = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(notifications.drain(), NOTIFY_DRAIN_SECONDS)
        await self.call_hook("shutdown", app=self)
        for runtime in self.runtimes.values():
            await runtime.stop()
        await self.edge.stop()
        await self.events.stop()
        await rate_limits.close(self)
        await db.disconnect()

    def _chosen_edge(self, edges: list[Edge]) -> Edge:
        """The registered edge named by the ``edge`` setting (``AUTOSTACK_EDGE``)."""
        by_name = {edge.name: edge for edge in edges}
        edge = by_name.get(self.settings.edge)
        if edge is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise ValueError(f"AUTOSTACK_EDGE: no edge called {self.settings.edge!r} is "
                             f"installed (installed: {known})")
        return edge

    @contextlib.asynccontextmanager
    async def lifespan(self, _: Starlette) -> AsyncIterator[None]:
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    # -- ASGI ---------------------------------------------------------------

    def routes(self, plugin_routes: list[BaseRoute]) -> list[BaseRoute]:
        # The built-in remote first: a push's three requests are matched before the ~280
        # other routes are tried (0.25 ms a request here).
        return [*gitserver.routes, *plugin_routes, *api_routes(), *oauth.routes,
                *rate_limits.routes,
                Route("/metrics", metrics_endpoint, include_in_schema=False)]

    def asgi(self) -> Starlette:
        plugin_routes = [
            route
            for result in self.plugin_manager.hook.register_routes(settings=self.settings)
            for route in result or []
        ]
        starlette = Starlette(
            routes=self.routes(plugin_routes),
            middleware=[
                Middleware(RequestMetricsMiddleware, autostack=self),
                Middleware(SecurityHeadersMiddleware,
                           https=self.settings.server_url.startswith("https://")),
                Middleware(BodyLimitMiddleware, default=self.settings.max_request_bytes,
                           limits=body_limits(self.settings)),
                Middleware(AuthMiddleware),
                Middleware(RequestActorMiddleware),
            ],
            exception_handlers={
                errors.ApiError: errors.handle_api_error,
                HTTPException: errors.handle_http_exception,
                Exception: errors.handle_unexpected,
            },
            lifespan=self.lifespan,
        )
        starlette.state.autostack = self
        return starlette


def body_limits(settings: Settings) -> list[BodyLimit]:
    """The routes whose bodies may be larger (or must be smaller) than a JSON request's."""
    sha, project = "[0-9a-f]{64}", "[^/]+"
    return [
        BodyLimit(frozenset({"PUT"}), re.compile(f"/api/v1/projects/{project}/files/{sha}"),
                  settings.max_upload_bytes, "file"),
        BodyLimit(frozenset({"POST"}), re.compile(f"/api/v1/projects/{project}/files"),
                  settings.max_upload_bytes, "files"),
        BodyLimit(frozenset({"POST"}), re.compile(
            f"/api/v1/projects/{project}/(files/missing|deployments)"),
            settings.max_manifest_bytes, "file list"),
        BodyLimit(frozenset({"POST"}), re.compile("/api/v1/webhooks/[^/]+"),
                  settings.max_webhook_bytes, "webhook body"),
        BodyLimit(frozenset({"POST"}), re.compile("/git/.+"), settings.max_push_bytes, "push"),
    ]


def create_app(settings: Settings | None = None) -> Starlette:
    """The ASGI app with settings from the environment (for ``uvicorn --factory``)."""
    return AutoStack(settings or Settings.from_env()).asgi()
