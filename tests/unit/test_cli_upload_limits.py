"""A batch larger than the server's upload limit (a small ``max_upload_bytes``, or a server
older than the batch route, whose default body limit applies): the server answers 413 before
reading the body and closes the connection; the CLI sends the files one ``PUT`` each."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from autostack_core.app import AutoStack
from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.folder_scan import collect
from autostack_core.cli.upload import send_files, tar_of
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Project, Team, User
from tests.fixtures_auth import owner, token_for
from tests.serving import serving

__all__ = ["owner"]

LIMIT = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, max_upload_bytes=LIMIT)


async def test_a_batch_over_the_upload_limit_goes_one_file_at_a_time(
    autostack: AutoStack, owner: User, tmp_path: Path,
) -> None:
    await Project.create(team=await Team.get(owner=owner, is_personal=True), user=owner,
                         name="site")
    folder = tmp_path / "site"
    folder.mkdir()
    for number in range(100):
        (folder / f"asset-{number}.bin").write_bytes(bytes([number]) * (LIMIT // 2))
    files = collect(folder)
    assert len(tar_of(files)) > 40 * LIMIT
    async with serving(autostack.asgi()) as url:
        client = ApiClient(url)
        client.headers["Authorization"] = f"Bearer {await token_for(owner)}"
        await asyncio.to_thread(send_files, client, "site", files, True)
        answer = await asyncio.to_thread(client.post, "/api/v1/projects/site/files/missing",
                                         {"sha256": [file.sha for file in files]})
        client.close()
    assert answer["missing"] == []
