"""Skew protection: how long a project's previous deployments answer their own pages.

A page loaded before a deploy asks for its hashed assets and calls its
functions afterwards; the edge serves a request pinned to a deployment (the
``x-deployment-id`` header, ``?dpl=`` or the ``__vdpl`` cookie) by that
deployment while the hostname still serves it or served it within the
project's window (:meth:`autostack_core.interfaces.edge.Edge.skew_protection`).
The window is the project setting ``skew_protection_seconds`` (Vercel's default
of 12 hours when unset, 0 turns it off), applied to every hostname an alias of
the project binds: after each bind, and to all of them when it changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, AliasKind, Project, User
from autostack_core.interfaces.edge import DEFAULT_SKEW_SECONDS
from autostack_core.security import accounts

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.skew")

SETTING = "skew_protection_seconds"
MAX_SKEW_SECONDS = 30 * 24 * 3600


def skew_seconds(project: Project) -> int:
    """The project's window in seconds (the default when unset, 0: off)."""
    value = (project.settings or {}).get(SETTING)
    return DEFAULT_SKEW_SECONDS if value is None else int(value)


def skew_json(project: Project) -> dict[str, Any]:
    seconds = skew_seconds(project)
    return {"enabled": seconds > 0, "seconds": seconds, "default_seconds": DEFAULT_SKEW_SECONDS}


async def apply(app: AutoStack, project: Project, hostname: str) -> bool:
    """Give ``hostname`` the project's window at the edge; ``False`` if the edge refuses
    (it then serves without skew protection: a promote never fails for it)."""
    try:
        await app.edge.skew_protection(hostname, skew_seconds(project))
    except NotImplementedError as refused:
        logger.warning("%s: no skew protection on edge %s: %s", hostname, app.edge.name, refused)
        return False
    return True


async def change(app: AutoStack, user: User, project: Project, seconds: int, ip: str) -> int:
    """Apply the window to the project's aliases at the edge, then save it, audited (admin
    role, checked by the caller); how many hostnames got it. 422 out of range; 409, with
    nothing saved, when the edge cannot pin requests."""
    if not 0 <= seconds <= MAX_SKEW_SECONDS:
        raise ApiError(422, f"seconds: use 0 (off) to {MAX_SKEW_SECONDS} (30 days)", "seconds")
    hostnames = await Alias.filter(project=project, deployment_id__isnull=False) \
        .exclude(kind=AliasKind.DEPLOYMENT).order_by("hostname") \
        .values_list("hostname", flat=True)
    for hostname in hostnames:
        try:
            await app.edge.skew_protection(str(hostname), seconds)
        except NotImplementedError as refused:
            raise ApiError(409, f"seconds: the edge {app.edge.name!r} cannot pin requests to "
                                f"a deployment ({refused}); use 0", "seconds") from refused
    project.settings = {**(project.settings or {}), SETTING: seconds}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.updated", user=user, team=await project.team,
                         target=("project", str(project.id)), ip=ip, fields=[SETTING])
    return len(hostnames)
