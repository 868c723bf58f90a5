"""Deployment thumbnails: a screenshot of each ready deployment, kept in the data directory.

When a deployment becomes ready the pipeline enqueues :data:`TASK`; the job
fetches the deployment's own URL through the edge with headless Chromium
(:mod:`.screenshot_capture`), shrinks the PNG with Pillow to a
:data:`THUMBNAIL_SIZE` WebP and writes it to ``thumbnails/<id>.webp``
(atomically, so a page never reads half a file). The dashboard's cards and the
project page's production card show it through
``/deployments/{id}/thumbnail`` (team members only); without one they show
the project's initial. Retention removes a deployment's thumbnail with it.
Every hour :data:`SWEEP_TASK` asks for the production deployments that have
none (served before screenshots were on, or whose job was lost with a
worker); a page Chromium could not take is marked (``<id>.failed``) and not
tried again.

Nothing is taken when the ``screenshots`` setting is off
(``AUTOSTACK_SCREENSHOTS=0``), or when the edge is the null edge, which
serves no pages; when Chromium or bubblewrap is missing the job logs why once
per process and ``autostack doctor`` says so.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from autostack_core.infrastructure.models import Alias, AliasKind, Deployment, DeploymentState
from autostack_core.services.screenshot_capture import (
    ScreenshotError,
    capture,
    unavailable_reason,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings

    Capture = Callable[[str], Awaitable[bytes]]

logger = logging.getLogger(__name__)

TASK = "screenshot_deployment"
SWEEP_TASK = "screenshot_sweep"
THUMBNAIL_SIZE = (640, 400)
WEBP_QUALITY = 80
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_warned: set[str] = set()


def folder(settings: Settings) -> Path:
    return settings.path("thumbnails")


def path_of(settings: Settings, deployment_id: str) -> Path:
    """Where ``deployment_id``'s thumbnail lives; an id that is no file name is refused."""
    if not _ID.fullmatch(deployment_id):
        raise ValueError(f"not a deployment id: {deployment_id!r}")
    return folder(settings) / f"{deployment_id}.webp"


def stored(settings: Settings, deployment_ids: Iterable[str]) -> set[str]:
    """The ids among ``deployment_ids`` that have a thumbnail (one stat each)."""
    return {deployment_id for deployment_id in deployment_ids
            if _ID.fullmatch(deployment_id) and path_of(settings, deployment_id).is_file()}


def failed_marker(settings: Settings, deployment_id: str) -> Path:
    return path_of(settings, deployment_id).with_suffix(".failed")


def remove(settings: Settings, deployment_id: str) -> None:
    """Forget ``deployment_id``'s thumbnail (nothing to do when it has none)."""
    path_of(settings, deployment_id).unlink(missing_ok=True)
    failed_marker(settings, deployment_id).unlink(missing_ok=True)


async def missing(settings: Settings) -> list[str]:
    """Production deployments with no thumbnail and no failed attempt, in id order."""
    served = await Alias.filter(kind=AliasKind.PRODUCTION, deployment_id__isnull=False) \
        .values_list("deployment_id", flat=True)
    ids = sorted({str(deployment_id) for deployment_id in served})
    return [deployment_id for deployment_id in ids if _ID.fullmatch(deployment_id)
            and not path_of(settings, deployment_id).exists()
            and not failed_marker(settings, deployment_id).exists()]


async def sweep(app: AutoStack) -> int:
    """The hourly job: ask for the thumbnails production deployments lack."""
    if not enabled(app) or unavailable_reason(app.settings.allow_unsandboxed) is not None:
        return 0
    found = await missing(app.settings)
    for deployment_id in found:
        app.queue.enqueue(TASK, deployment_id)
    return len(found)


def enabled(app: AutoStack) -> bool:
    return app.settings.screenshots and app.edge.name != "null"


def enqueue(app: AutoStack, deployment: Deployment) -> None:
    """Ask for ``deployment``'s screenshot, when screenshots are taken on this server.

    A thumbnail is optional: a queue that refuses the job is logged, and the
    deployment, ready already, stays so (the hourly sweep asks again).
    """
    if not enabled(app):
        return
    try:
        app.queue.enqueue(TASK, deployment.id)
    except Exception:
        logger.exception("could not ask for a screenshot of deployment %s", deployment.id)


def thumbnail(png: bytes) -> bytes:
    """``png`` shrunk to fit :data:`THUMBNAIL_SIZE`, as WebP."""
    with Image.open(io.BytesIO(png)) as opened:
        image = opened.convert("RGB")
    image.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


async def take(app: AutoStack, deployment_id: str, shoot: Capture | None = None) -> bool:
    """The queue task: screenshot a ready deployment and store its thumbnail.

    Returns whether a thumbnail was stored. A deployment deleted (or no longer
    ready) by then is skipped, and a thumbnail written while it was being
    deleted is removed again. ``shoot`` replaces Chromium in fast tests.
    """
    deployment = await Deployment.get_or_none(id=deployment_id)
    if deployment is None or deployment.deleted_at is not None \
            or deployment.state != DeploymentState.READY or not deployment.deployment_url:
        return False
    if shoot is None:
        reason = unavailable_reason(app.settings.allow_unsandboxed)
        if reason is not None:
            if reason not in _warned:
                _warned.add(reason)
                logger.warning("no deployment screenshots: %s", reason)
            return False
    try:
        png = await (shoot or _chromium(app))(deployment.deployment_url)
        data = await asyncio.to_thread(thumbnail, png)
    except (ScreenshotError, OSError, ValueError) as error:
        logger.warning("no screenshot of deployment %s: %s", deployment_id, error)
        await asyncio.to_thread(_write, failed_marker(app.settings, deployment_id), b"")
        return False
    path = path_of(app.settings, deployment_id)
    await asyncio.to_thread(_write, path, data)
    if not await Deployment.exists(id=deployment_id, deleted_at__isnull=True):
        path.unlink(missing_ok=True)
        return False
    return True


def _chromium(app: AutoStack) -> Capture:
    async def shoot(url: str) -> bytes:
        return await capture(url, app.settings.allow_unsandboxed)

    return shoot
