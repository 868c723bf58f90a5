"""File uploads for folder deployments: ask which hashes are missing, then PUT only those."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, read_body
from autostack_core.errors import ApiError
from autostack_core.store import Store

SHA256_HEX = r"^[0-9a-f]{64}$"


class MissingQuery(BaseModel):
    sha256: list[str] = Field(max_length=20_000)


def store_of(request: Request) -> Store:
    return Store(request.app.state.autostack.settings.path("store"))


async def missing_files(request: Request) -> Response:
    """Which of these sha256 digests does the server not have yet?
    ---
    summary: Ask which files to upload
    tags: [uploads]
    """
    current_user(request)
    body = await read_body(request, MissingQuery)
    for index, digest in enumerate(body.sha256):
        if len(digest) != 64 or not all(char in "0123456789abcdef" for char in digest):
            raise ApiError(422, f"sha256.{index}: not a lowercase sha256 hex digest",
                           f"sha256.{index}")
    return JSONResponse({"missing": store_of(request).missing(body.sha256)})


async def upload_file(request: Request) -> Response:
    """Upload one file's bytes under its sha256 digest (checked).
    ---
    summary: Upload a file
    tags: [uploads]
    responses:
      201: {description: Stored}
      400: {description: The body does not match the digest}
      413: {description: Larger than the server's upload limit}
    """
    current_user(request)
    digest = request.path_params["sha"]
    if len(digest) != 64 or not all(char in "0123456789abcdef" for char in digest):
        raise ApiError(422, "sha: not a lowercase sha256 hex digest", "sha")
    limit = request.app.state.autostack.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"file is larger than the upload limit of {limit} bytes", "file")
    hasher = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"file is larger than the upload limit of {limit} bytes", "file")
        hasher.update(chunk)
        chunks.append(chunk)
    if hasher.hexdigest() != digest:
        raise ApiError(400, "the uploaded bytes do not match the sha256 in the URL", "sha")
    store_of(request).put_bytes(b"".join(chunks))
    return JSONResponse({"sha256": digest, "size": size}, status_code=201)


routes: list[BaseRoute] = [
    Route("/api/v1/files/missing", missing_files, methods=["POST"]),
    Route("/api/v1/files/{sha}", upload_file, methods=["PUT"]),
]
