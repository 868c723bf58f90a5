"""Detection before the first deploy: ``POST /api/v1/detect`` clones and reports.

The repository is fetched shallowly into a temporary folder (the same
:func:`autostack_core.build.sources.checkout` as the pipeline, with the user's own
credential on the repository's git host for private repositories), detected like a
build would be, and deleted. The answer has the shape of ``autostack detect --json``
(:mod:`autostack_core.build.detection_report`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.auth import host_of
from autostack_core.api.deps import current_user, read_body
from autostack_core.build.detection import DetectionError, detect
from autostack_core.build.detection_report import detection_report
from autostack_core.build.sources import SourceError, check_git_url, checkout
from autostack_core.build.workspaces import detect_apps
from autostack_core.errors import ApiError
from autostack_core.git import git_credentials
from autostack_core.interfaces import SourceTree
from autostack_core.security.outbound import Outbound


class DetectBody(BaseModel):
    """What to detect: a git URL, the branch, tag or commit, and a root directory."""

    git_url: str = Field(max_length=500)
    ref: str = Field(default="main", max_length=200)
    root_directory: str = Field(default="", max_length=300)


async def detect_repository(request: Request) -> Response:
    """Detect the framework of a git repository without creating a project.
    ---
    summary: Detect a repository's framework, commands and apps before the first deploy
    tags: [projects]
    body: DetectBody
    responses:
      200: {description: "the report of `autostack detect --json`"}
      401: {description: not signed in}
      422: {description: "a bad git URL, ref or root directory, named in error.field"}
    """
    user = current_user(request)
    body = await read_body(request, DetectBody)
    host = host_of(request)
    allow_local = host.settings.allow_local_git
    try:
        url = check_git_url(body.git_url, allow_local)
    except SourceError as error:
        raise ApiError(422, f"git_url: {error}", "git_url") from error
    root = body.root_directory.strip().strip("/")
    if ".." in Path(root).parts:
        raise ApiError(422, "root_directory: use a path inside the repository, without '..'",
                       "root_directory")
    overrides = {"root_directory": root} if root else None
    with tempfile.TemporaryDirectory(prefix="autostack-detect-") as folder:
        workspace = Path(folder)
        try:
            await checkout(url, body.ref, workspace, allow_local=allow_local,
                           extra_env=await git_credentials.env_for_user(host, user, url),
                           outbound=Outbound.from_settings(host.settings))
        except SourceError as error:
            field = "ref" if "invalid git ref" in str(error) else "git_url"
            raise ApiError(422, f"{field}: {error}", field) from error
        try:
            detection = await detect(SourceTree(workspace), host.plugin_manager, host.settings,
                                     overrides)
        except DetectionError as error:
            raise ApiError(422, f"root_directory: {error}", "root_directory") from error
        apps = await detect_apps(workspace, host.plugin_manager, host.settings)
        report = detection_report(workspace, detection, overrides, apps)
    return JSONResponse(report)


routes: list[BaseRoute] = [Route("/api/v1/detect", detect_repository, methods=["POST"])]
