"""Prometheus metrics of the control plane at ``/metrics``.

Counted as they happen: HTTP requests by method, route template (never the raw path,
so ids do not multiply the series) and status, with a latency histogram. Read from the
database and the queue at each scrape: deployments by state, builds running, build
and deploy seconds of the finished deployments, queued jobs, and each log drain's sent
and dropped records. Plugins add theirs with the ``extra_metrics`` hook (the local
edge: Caddy's own metrics).

Who may scrape: a request from a loopback address, or one with
``Authorization: Bearer <AUTOSTACK_METRICS_TOKEN>`` when the operator sets that token;
anything else gets 404, so the endpoint's existence is not announced. Uses
``prometheus_client`` (a registry per app, so tests and several apps in one process
keep apart).
"""

from __future__ import annotations

import hmac
import inspect
import ipaddress
import logging
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.functions import Count, Sum

from autostack_core.infrastructure.models import Deployment, DeploymentState, LogDrain

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.metrics")

TOKEN_SETTING = "AUTOSTACK_METRICS_TOKEN"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """One app's registry: the request counters, and the scrape-time figures."""

    def __init__(self, app: AutoStack) -> None:
        self.app = app
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "autostack_http_requests",
            "HTTP requests answered",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "autostack_http_request_duration_seconds",
            "Time to the response's first byte",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.snapshot: list[Any] = []
        self.registry.register(self)

    def collect(self) -> list[Any]:
        """The figures read by :meth:`refresh` just before this scrape."""
        return self.snapshot

    def describe(self) -> list[Any]:
        return []

    async def refresh(self) -> None:
        states = GaugeMetricFamily(
            "autostack_deployments", "Deployments by state", labels=("state",)
        )
        rows = (
            await Deployment.filter(deleted_at__isnull=True)
            .annotate(count=Count("id"))
            .group_by("state")
            .values_list("state", "count")
        )
        counts: dict[str, int] = {str(state): int(count) for state, count in rows}
        for state in DeploymentState:
            states.add_metric((state.value,), float(counts.get(state.value, 0)))
        running = GaugeMetricFamily(
            "autostack_builds_running", "Deployments building or deploying now"
        )
        running.add_metric((), float(counts.get("building", 0) + counts.get("deploying", 0)))
        timing = (
            await Deployment.filter(build_time_seconds__isnull=False)
            .annotate(
                builds=Count("id"),
                build=Sum("build_time_seconds"),
                deploy=Sum("deploy_time_seconds"),
            )
            .first()
            .values("builds", "build", "deploy")
        )
        build = CounterMetricFamily(
            "autostack_build_seconds", "Build time of the deployments that built"
        )
        build.add_metric((), float(timing["build"] or 0))
        builds = CounterMetricFamily("autostack_builds", "Deployments that built")
        builds.add_metric((), float(timing["builds"] or 0))
        deploy = CounterMetricFamily(
            "autostack_deploy_seconds", "Deploy time (runtime and edge) of those deployments"
        )
        deploy.add_metric((), float(timing["deploy"] or 0))
        queued = GaugeMetricFamily("autostack_queue_pending", "Jobs waiting in the queue")
        queued.add_metric((), float(self.app.queue.huey.pending_count()))
        drained = CounterMetricFamily(
            "autostack_log_drain_records",
            "Log records a drain sent or dropped",
            labels=("project", "drain", "outcome"),
        )
        for drain in await LogDrain.all().select_related("project"):
            project = drain.project.name
            drained.add_metric((project, drain.name, "sent"), float(drain.sent))
            drained.add_metric((project, drain.name, "dropped"), float(drain.dropped))
        self.snapshot = [states, running, build, builds, deploy, queued, drained]


def allowed(request: Request, token: str) -> bool:
    """A loopback client, or the operator's bearer token."""
    sent = request.headers.get("authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format; 404 for a client that may not scrape."""
    app: AutoStack = request.app.state.autostack
    metrics = metrics_of(app)
    if not allowed(request, app.settings.plugin_settings.get(TOKEN_SETTING, "")):
        return PlainTextResponse("Not Found", status_code=404)
    await metrics.refresh()
    body = generate_latest(metrics.registry) + "".join(await plugin_metrics(app)).encode()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def plugin_metrics(app: AutoStack) -> list[str]:
    """What each ``extra_metrics`` hook returned; one that raises is logged and skipped."""
    texts = []
    for hookimpl in app.plugin_manager.hook.extra_metrics.get_hookimpls():
        try:
            result = hookimpl.function(app=app)
            if inspect.isawaitable(result):
                result = await result
        except Exception:
            logger.exception("the extra_metrics hook of %s failed", hookimpl.plugin_name)
            continue
        if isinstance(result, str) and result:
            texts.append(result if result.endswith("\n") else result + "\n")
    return texts


_APPS: dict[int, Metrics] = {}


def metrics_of(app: AutoStack) -> Metrics:
    if id(app) not in _APPS:
        _APPS[id(app)] = Metrics(app)
    return _APPS[id(app)]


class RequestMetricsMiddleware:
    """Counts every HTTP request by its route template and status, and times it."""

    def __init__(self, app: ASGIApp, autostack: AutoStack) -> None:
        self.inner = app
        self.metrics = metrics_of(autostack)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                self.metrics.latency.labels(scope["method"], route).observe(
                    time.perf_counter() - started
                )
            await send(message)

        try:
            await self.inner(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
