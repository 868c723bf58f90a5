"""Template export (``/api/v1/projects/{name}/template-package``): a project as a package.

Members and above download it (it carries the project's files, which viewers may
read too, but exporting is an act of making: as for deploying, ``member``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, project_for
from autostack_core.infrastructure.models import Role
from autostack_core.services.template_export import export_package


async def template_package(request: Request) -> Response:
    """The project as an installable template package (``.tar.gz``): ``pip install`` its
    unpacked folder on another server and the project is a template there. Its files come
    from the built-in repository's production branch, else the last ready deployment of
    uploaded files (``X-AutoStack-Template-Source``: ``repository`` or ``deployment``);
    variable names are listed, their values never leave the server.
    ---
    summary: Export a project as a template package
    tags: [templates]
    responses:
      200:
        description: The package, a gzipped tar of regular files
        content:
          application/gzip: {}
      403: {description: the user is a viewer of the project's team}
      409: {description: no commits on the production branch and no ready upload to export}
      413: {description: the files are too large to export}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    archive, metadata = await export_package(autostack_of(request), project)
    filename = f"autostack-template-{metadata['slug']}.tar.gz"
    return Response(archive, media_type="application/gzip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-AutoStack-Template-Source": metadata["source"]["kind"],
        "X-AutoStack-Template-Slug": metadata["slug"]})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/template-package", template_package, methods=["GET"]),
]
