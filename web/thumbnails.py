"""A deployment's thumbnail (:mod:`autostack_core.services.screenshots`), for its team only.

Non-members get 404 as for the deployment's page; a deployment without a
thumbnail (not taken yet, no Chromium here) is a 404 too, and the cards that
link here show the project's initial instead.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import User
from autostack_core.services import screenshots
from autostack_web.access import deployment_access, page
from autostack_web.rendering import host_of

CACHE_CONTROL = "private, max-age=300"


async def thumbnail(request: Request, user: User) -> Response:
    deployment, _, _ = await deployment_access(user, request.path_params["id"])
    path = screenshots.path_of(host_of(request).settings, deployment.id)
    if not path.is_file():
        raise NotFound("thumbnail")
    return FileResponse(path, media_type="image/webp", headers={"Cache-Control": CACHE_CONTROL})


routes: list[BaseRoute] = [
    Route("/deployments/{id}/thumbnail", page(thumbnail), methods=["GET"],
          include_in_schema=False),
]
