"""Web vitals (LCP, INP, CLS, TTFB) that visitors' browsers send, per page.

The opt-in beacon script (:data:`SCRIPT`, served at :data:`SCRIPT_PATH` of every
hostname the edge serves; a site opts in by loading it) measures the vitals
with the browser's ``PerformanceObserver`` and posts them once, when the page
is hidden, to :data:`BEACON_PATH`, which the edge proxies to the control plane
with the visitor's ``Host``. The body is hostile input: :func:`parse_beacon`
takes at most :data:`MAX_BODY_BYTES`, the four known metrics with finite
values in their ranges, and a path of at most :data:`MAX_PATH` characters; the
hostname decides the project and deployment (:func:`deployment_of`), never
the body. No address, user agent or cookie is kept.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, Deployment, Project, WebVital

INSIGHTS_PREFIX = "/_autostack/insights/"
SCRIPT_PATH = f"{INSIGHTS_PREFIX}script.js"
BEACON_PATH = f"{INSIGHTS_PREFIX}vitals"
MAX_BODY_BYTES = 2048
MAX_PATH = 200
METRIC_RANGES: dict[str, tuple[float, float]] = {
    "LCP": (0, 120_000),
    "INP": (0, 60_000),
    "CLS": (0, 100),
    "TTFB": (0, 120_000),
}
"""The metrics kept and the values accepted (milliseconds; CLS has no unit)."""
PAGES_SHOWN = 20

SCRIPT = """(function () {
  if (!("PerformanceObserver" in window) || !navigator.sendBeacon) return;
  var m = {}, sent = false;
  function watch(type, fn) {
    try { new PerformanceObserver(function (l) { l.getEntries().forEach(fn); })
      .observe({type: type, buffered: true}); } catch (e) {}
  }
  watch("largest-contentful-paint", function (e) { m.LCP = e.startTime; });
  watch("layout-shift", function (e) { if (!e.hadRecentInput) m.CLS = (m.CLS || 0) + e.value; });
  watch("event", function (e) { if (e.interactionId) m.INP = Math.max(m.INP || 0, e.duration); });
  var nav = performance.getEntriesByType("navigation")[0];
  if (nav) m.TTFB = nav.responseStart;
  function send() {
    if (sent || !Object.keys(m).length) return;
    sent = true;
    navigator.sendBeacon("/_autostack/insights/vitals",
      JSON.stringify({path: location.pathname, metrics: m}));
  }
  addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send();
  });
  addEventListener("pagehide", send);
})();
"""


def parse_beacon(body: bytes) -> tuple[str, dict[str, float]]:
    """The page path and the valid metrics of a beacon; a 4xx naming the field otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except ValueError:
        raise ApiError(422, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object")
    path = data.get("path")
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or len(path) > MAX_PATH
        or not path.isprintable()
    ):
        raise ApiError(
            422, f"path must be a printable path of at most {MAX_PATH} characters", "path"
        )
    metrics = data.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise ApiError(422, "metrics must be an object of LCP, INP, CLS, TTFB", "metrics")
    kept: dict[str, float] = {}
    for name, value in metrics.items():
        bounds = METRIC_RANGES.get(name)
        if (
            bounds is None
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not bounds[0] <= value <= bounds[1]
        ):
            raise ApiError(
                422, f"metrics.{str(name)[:20]}: not a known metric in its range", "metrics"
            )
        kept[name] = float(value)
    return path.split("?", 1)[0], kept


async def deployment_of(hostname: str, base_domain: str) -> Deployment | None:
    """The deployment serving ``hostname``: its alias's, or the one it names."""
    hostname = hostname.lower()
    alias = await Alias.get_or_none(hostname=hostname)
    target = None if alias is None else alias.deployment_id  # type: ignore[attr-defined]
    if target:
        return await Deployment.get_or_none(id=target)
    label = hostname.removesuffix(f".{base_domain}")
    project_name, _, deployment_id = label.rpartition("-")
    if label == hostname or not project_name or len(deployment_id) > 16:
        return None
    return await Deployment.get_or_none(id=deployment_id, project__name=project_name)


async def record(hostname: str, base_domain: str, body: bytes) -> int:
    """Store a beacon sent from ``hostname``; how many metrics were kept."""
    path, metrics = parse_beacon(body)
    deployment = await deployment_of(hostname, base_domain)
    if deployment is None:
        raise ApiError(404, "no deployment at this hostname")
    now = datetime.now(UTC)
    await WebVital.bulk_create(
        [
            WebVital(
                project_id=deployment.project_id,  # type: ignore[attr-defined]
                deployment_id=deployment.id,
                path=path,
                metric=name,
                value=value,
                created_at=now,
            )
            for name, value in metrics.items()
        ]
    )
    return len(metrics)


def p75(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, -(-len(ordered) * 75 // 100) - 1)], 3)


async def vitals_json(
    project: Project, start: datetime, deployment_id: str | None = None
) -> dict[str, Any]:
    """The 75th percentile of each metric since ``start``, overall and for the busiest pages."""
    scope: dict[str, Any] = {"project_id": project.id, "created_at__gte": start}
    if deployment_id is not None:
        scope["deployment_id"] = deployment_id
    busiest = (
        await WebVital.filter(**scope)
        .annotate(n=Count("id"))
        .group_by("path")
        .order_by("-n", "path")
        .limit(PAGES_SHOWN)
        .values("path", "n")
    )
    paths = [row["path"] for row in busiest]
    rows = await WebVital.filter(**scope).values_list("path", "metric", "value")
    overall: dict[str, list[float]] = {}
    pages: dict[str, dict[str, list[float]]] = {path: {} for path in paths}
    for path, metric, value in rows:
        overall.setdefault(metric, []).append(value)
        if path in pages:
            pages[path].setdefault(metric, []).append(value)
    return {
        "p75": {metric: p75(values) for metric, values in sorted(overall.items())},
        "pages": [
            {
                "path": path,
                "samples": sum(len(v) for v in pages[path].values()),
                "p75": {metric: p75(values) for metric, values in sorted(pages[path].items())},
            }
            for path in paths
        ],
    }
