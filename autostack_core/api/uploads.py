"""File uploads for folder deployments: ask which hashes are missing, then send only those.

They are sent one per ``PUT``, or many in one ``POST`` of a tar whose members
are named by their sha256 (see :mod:`autostack_core.services.upload_batches`).

Both belong to a project, and the credit to its team: a hash another team
uploaded is still missing for this one (see :mod:`autostack_core.services.team_files`).
The body limit (``max_upload_bytes``) is enforced by the body-limit middleware
while the file is read; the team's storage quota here, before it is stored.
"""

from __future__ import annotations

import asyncio
import tempfile

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.infrastructure.manifests import HASH_RE, StoreError
from autostack_core.infrastructure.models import Role
from autostack_core.infrastructure.store import Store
from autostack_core.services import quotas, team_files, upload_batches


class MissingQuery(BaseModel):
    sha256: list[str] = Field(max_length=20_000)


def store_of(request: Request) -> Store:
    return Store.from_settings(request.app.state.autostack.settings)


async def missing_files(request: Request) -> Response:
    """Which of these sha256 digests must be uploaded for a deployment of this project?

    The answer is per team: a file counts as present only when the project's
    team uploaded it (or one of its deployments keeps it).
    ---
    summary: Ask which files to upload
    tags: [uploads]
    body: MissingQuery
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{missing: [sha256, ...]}: the ones to PUT"}
      404: {description: Unknown project}
      422: {description: A digest is not a lowercase sha256}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, MissingQuery)
    for index, digest in enumerate(body.sha256):
        if not HASH_RE.match(digest):
            raise ApiError(422, f"sha256.{index}: not a lowercase sha256 hex digest",
                           f"sha256.{index}")
    lacking = await team_files.missing(store_of(request), project.team.id, body.sha256)
    return JSONResponse({"missing": lacking})


async def upload_file(request: Request) -> Response:
    """Upload one file's bytes under its sha256 digest (checked), for the project's team.
    ---
    summary: Upload a file
    tags: [uploads]
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
    requestBody:
      required: true
      content:
        application/octet-stream:
          schema: {type: string, format: binary}
    responses:
      201: {description: Stored}
      400: {description: The body does not match the digest}
      404: {description: Unknown project}
      413: {description: Larger than the upload limit, or past the team's storage quota}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    settings = request.app.state.autostack.settings
    digest = request.path_params["sha"]  # a sha256 digest: the route's converter says so
    team_id = project.team.id
    credited = digest in await team_files.credited(team_id, [digest])
    quota = await quotas.storage_quota(settings, team_id)
    room = quota - await team_files.stored_bytes(team_id)
    declared = request.headers.get("content-length", "")
    if not credited and declared.isdigit():
        _check_room(room, int(declared), quota)
    store = store_of(request)
    with store.receive() as incoming:
        async for chunk in request.stream():
            incoming.write(chunk)
            if not credited:
                _check_room(room, incoming.size, quota)
        try:
            incoming.commit(digest)
        except StoreError as error:
            raise ApiError(400, "the uploaded bytes do not match the sha256 in the URL",
                           "sha") from error
    await team_files.record(team_id, {digest: incoming.size})
    return JSONResponse({"sha256": digest, "size": incoming.size}, status_code=201)


async def upload_batch(request: Request) -> Response:
    """Upload many files in one request: an uncompressed tar (sent as
    ``application/octet-stream``), each member named by its sha256.

    Only regular files whose names are lowercase sha256 digests are taken; each
    member's bytes must hash to its name. Nothing is stored unless every header
    is valid and the new files fit in the team's storage quota.
    ---
    summary: Upload many files at once
    tags: [uploads]
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
    requestBody:
      required: true
      content:
        application/octet-stream:
          schema: {type: string, format: binary}
    responses:
      201: {description: "{files: [{sha256, size}, ...]}: stored"}
      400: {description: Not a tar, a member not a regular file named by its sha256, or its
              bytes do not match the name}
      404: {description: Unknown project}
      413: {description: Larger than the upload limit, or past the team's storage quota}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    settings = request.app.state.autostack.settings
    team_id = project.team.id
    store = store_of(request)
    with tempfile.TemporaryFile(dir=store.tmp) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        try:
            archive, sizes = await asyncio.to_thread(upload_batches.open_batch, spool)
        except upload_batches.BatchError as error:
            raise ApiError(400, f"body: {error}", "body") from error
        credited = await team_files.credited(team_id, sizes)
        new = sum(size for sha, size in sizes.items() if sha not in credited)
        if new:
            quota = await quotas.storage_quota(settings, team_id)
            _check_room(quota - await team_files.stored_bytes(team_id), new, quota)
        try:
            stored = await asyncio.to_thread(upload_batches.store_batch, store, archive)
        except upload_batches.BatchError as error:
            raise ApiError(400, f"body: {error}", "body") from error
    if stored:
        await team_files.record(team_id, stored)
    return JSONResponse({"files": [{"sha256": sha, "size": size} for sha, size in stored.items()]},
                        status_code=201)


def _check_room(room: int, size: int, quota: int) -> None:
    if size > room:
        raise ApiError(413, f"file: the team's storage quota of {quota} bytes would be "
                            f"exceeded ({max(room, 0)} bytes left); delete deployments to "
                            "free space", "file", code="quota_exceeded")


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/files/missing", missing_files, methods=["POST"]),
    Route("/api/v1/projects/{name}/files/{sha:sha256}", upload_file, methods=["PUT"]),
    Route("/api/v1/projects/{name}/files", upload_batch, methods=["POST"]),
]
