"""The deployment page: build log with steps and timings, live hooks, download link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx

from autostack_core.build.buildlog import BuildLog
from autostack_core.build.pipeline import Pipeline
from autostack_core.infrastructure.models import Deployment, DeploymentLog, Project
from autostack_core.interfaces.runtime import ScalePolicy
from autostack_web.deployment_page import steps_of
from autostack_web.formatting import ago, duration, progress
from tests.fixtures_auth import owner
from tests.web_fixtures import Site, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


def test_steps_last_until_the_next_one_starts() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = [DeploymentLog(step=step, line="", timestamp=start + timedelta(seconds=at))
             for at, step in ((0, "clone"), (1, "clone"), (3, "build"), (9, "deploy"),
                              (10, "done"))]
    assert [(s.label, s.seconds) for s in steps_of(lines)] == [
        ("Clone", 3.0), ("Build", 6.0), ("Deploy", 1.0)]


def test_each_step_shows_once_and_a_step_run_again_adds_up() -> None:
    """An upload before and after the build is one Upload chip of both spans' time."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = [DeploymentLog(step=step, line="", timestamp=start + timedelta(seconds=at))
             for at, step in ((0, "upload"), (1, "build"), (5, "upload"), (7, "deploy"),
                              (8, "done"))]
    assert [(s.label, s.seconds) for s in steps_of(lines)] == [
        ("Upload", 3.0), ("Build", 4.0), ("Deploy", 1.0)]


def test_an_error_is_logged_under_the_step_that_failed() -> None:
    """A build that fails logs its error under Build: no Deploy step that never ran."""
    log = BuildLog("d1", None)  # type: ignore[arg-type]
    pipeline = SimpleNamespace(log=log)
    assert Pipeline._step_running(pipeline) == "deploy"  # type: ignore[arg-type]
    log.step = "build"
    assert Pipeline._step_running(pipeline) == "build"  # type: ignore[arg-type]
    log.step = "done"
    assert Pipeline._step_running(pipeline) == "deploy"  # type: ignore[arg-type]


async def test_a_failed_build_shows_its_steps_once_and_code_spans_escaped(
    site: Site, signed_in: Client
) -> None:
    """Issue 17 item 14: no second Build chip, no Deploy 0.0s chip, `code` as <code>."""
    http, _ = signed_in
    failed = await Deployment.create(project=site.project, state="error", branch="main",
                                     error_message="npm run build exited 1")
    moment = datetime.now(UTC) - timedelta(seconds=30)
    for offset, step, line in ((0, "clone", "Cloning"), (2, "build", "Run `npm ci` <b>now</b>"),
                               (3, "build", "`<script>`"), (9, "build", "Error: exited 1"),
                               (9, "done", "Deployment error")):
        row = await DeploymentLog.create(deployment=failed, step=step, line=line)
        await DeploymentLog.filter(id=row.id).update(timestamp=moment + timedelta(seconds=offset))
    text = (await http.get(f"/deployments/{failed.id}")).text
    assert text.count('data-step="build"') == 1 and 'data-step="deploy"' not in text
    assert 'data-step="done"' not in text
    assert "Run <code>npm ci</code> &lt;b&gt;now&lt;/b&gt;" in text
    assert "<code>&lt;script&gt;</code>" in text and "<script>`" not in text


def test_times_durations_and_progress_read_well() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert ago(now - timedelta(seconds=5), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5m ago"
    assert ago(now - timedelta(hours=3), now) == "3h ago"
    assert ago(now - timedelta(days=90), now) == "2025-10-03"
    assert (duration(None), duration(0.42), duration(12.4), duration(184)) == \
        ("—", "0.4s", "12s", "3m 4s")
    assert progress("queued") < progress("building", "build") < progress("deploying") < 100
    assert progress("error") == 100


async def test_running_deployment_page_follows_live(site: Site, signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get(f"/deployments/{site.running.id}")
    assert page.status_code == 200
    text = page.text
    assert f'data-deployment="{site.running.id}"' in text and 'data-last-log="' in text
    assert "compiled &lt;ok&gt;" in text  # log lines are escaped
    assert 'data-step="clone"' in text and 'data-step="build"' in text
    assert "2.0s" in text and "12s" in text  # clone 2 s, build 12 s
    assert f"/api/v1/deployments/{site.running.id}/logs?format=text" in text
    assert ">Cancel</button>" in text and 'role="progressbar"' in text


async def test_a_deployment_waiting_to_build_shows_no_empty_log_box(
    site: Site, signed_in: Client
) -> None:
    """The log box is empty (hidden by .log:empty) until the first line; it was a black bar
    under "Waiting for the build to start"."""
    http, _ = signed_in
    queued = await Deployment.create(project=site.project, state="queued", branch="main")
    text = (await http.get(f"/deployments/{queued.id}")).text
    assert 'aria-label="Log lines" tabindex="0"></ol>' in text
    assert "Waiting for the build to start" in text
    running = (await http.get(f"/deployments/{site.running.id}")).text
    assert running.count('<li class="line stream-') == 3


async def test_ready_deployment_page_is_static(site: Site, signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get(f"/deployments/{site.current.id}")
    assert "data-deployment=" not in page.text  # nothing to follow
    assert "serving production" in page.text and "http://site.localhost" in page.text
    assert ">Redeploy</button>" in page.text


async def test_ready_deployment_shows_its_runtime_status_and_logs(
    site: Site, signed_in: Client
) -> None:
    """The null runtime's own lines (its scale events) show under Runtime logs, oldest first,
    and the page follows new ones; a destroyed release reads as absent."""
    http, _ = signed_in
    await site.runtime.scale(site.current.id, ScalePolicy(min_replicas=0, max_replicas=2))
    await site.runtime.scale(site.current.id, ScalePolicy(min_replicas=1, max_replicas=3))
    text = (await http.get(f"/deployments/{site.current.id}")).text
    assert "Runtime logs" in text and 'class="badge runtime-ready"' in text
    assert text.index("scaled to 0..2 replicas") < text.index("scaled to 1..3 replicas")
    assert f'data-runtime-log="{site.current.id}"' in text
    assert f"/api/v1/deployments/{site.current.id}/runtime-logs" in text
    await site.runtime.destroy(site.current.id)
    text = (await http.get(f"/deployments/{site.current.id}")).text
    assert 'class="badge runtime-absent"' in text and "No runtime log lines yet" in text


async def test_runtime_logs_only_once_ready_and_a_missing_runtime_is_said(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    running = (await http.get(f"/deployments/{site.running.id}")).text
    assert "Runtime logs" not in running and "data-runtime-log=" not in running
    await Project.filter(id=site.project.id).update(provider="gone")
    text = (await http.get(f"/deployments/{site.current.id}")).text
    assert "The runtime gone is not installed" in text and "data-runtime-log=" not in text
