"""How the CLI uploads a folder: one tar per batch, a large file alone, a redeploy without
asking first what is missing, one ``PUT`` per file to a server older than the batch route."""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path

import click
import pytest
from starlette.routing import Route

from autostack_core import __version__
from autostack_core.app import AutoStack
from autostack_core.cli import upload
from autostack_core.cli.api_client import ApiClient
from autostack_core.cli.client import deploy_changed
from autostack_core.cli.folder_scan import LocalFile, collect
from autostack_core.cli.upload import (
    BATCH_BYTES,
    batch_refused,
    batches,
    send_files,
    tar_of,
    upload_missing,
)
from autostack_core.infrastructure.models import Project, Team, User
from tests.fixtures_auth import owner, token_for
from tests.serving import serving

__all__ = ["owner"]


def local(path: Path, size: int) -> LocalFile:
    return LocalFile(path.name, path, f"{size:064x}", size, 0o644)


@pytest.mark.dbless
def test_files_are_grouped_up_to_the_batch_size_and_a_large_one_goes_alone(
    tmp_path: Path,
) -> None:
    small, large = BATCH_BYTES // 4, BATCH_BYTES + 1
    files = [local(tmp_path / f"f{n}", small) for n in range(5)]
    files.insert(2, local(tmp_path / "big", large))
    groups = [[file.path for file in group] for group in batches(files)]
    assert groups == [["f0", "f1"], ["big"], ["f2", "f3", "f4"]]
    assert sum(map(len, groups)) == len(files)


@pytest.mark.dbless
def test_the_tar_holds_each_files_bytes_under_its_sha256(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "run.sh").write_text("echo hi\n")
    (tmp_path / "run.sh").chmod(0o755)
    files = collect(tmp_path)
    with tarfile.open(fileobj=io.BytesIO(tar_of(files))) as archive:
        members = {member.name: member for member in archive}
        assert set(members) == {file.sha for file in files}
        for file in files:
            assert members[file.sha].isreg()
            extracted = archive.extractfile(file.sha)
            assert extracted is not None and extracted.read() == file.absolute.read_bytes()


# -- against a real server: the redeploy's guess, and an older server ---------------------------


@pytest.fixture
async def server(autostack: AutoStack, owner: User) -> AsyncIterator[ApiClient]:
    """A client of the app served on the loopback; the owner has a project ``site``."""
    await Project.create(team=await Team.get(owner=owner, is_personal=True), user=owner,
                         name="site")
    async with serving(autostack.asgi()) as url:
        client = ApiClient(url)
        client.headers["Authorization"] = f"Bearer {await token_for(owner)}"
        yield client
        client.close()


async def missing(client: ApiClient, files: list[LocalFile]) -> list[str]:
    answer = await asyncio.to_thread(client.post, "/api/v1/projects/site/files/missing",
                                     {"sha256": [file.sha for file in files]})
    return list(answer["missing"])


def site(root: Path, count: int) -> Path:
    folder = root / "site"  # beside the test's data folder, not around it
    folder.mkdir()
    for number in range(count):
        (folder / f"page-{number}.html").write_text(f"<p>{number}</p>")
    return folder


async def test_a_redeploy_sends_what_changed_and_creates_the_deployment_without_asking_first(
    server: ApiClient, tmp_path: Path,
) -> None:
    folder = site(tmp_path, 3)
    files = collect(folder)
    assert await asyncio.to_thread(upload_missing, server, "site", files, True) == 3
    (folder / "page-0.html").write_text("<p>changed</p>")
    again = collect(folder)
    body = {"target": "preview", "files": [{"file": f.path, "sha": f.sha, "size": f.size,
                                             "mode": f.mode} for f in again]}
    deployment, sent = await asyncio.to_thread(
        deploy_changed, server, "site", again, {f.sha for f in files}, body, True)
    assert sent == 1 and deployment is not None and deployment["state"] == "queued"
    assert await missing(server, again) == []
    # A guess the server does not share (it never had this file): ask it instead.
    (folder / "page-1.html").write_text("<p>never sent</p>")
    unknown = collect(folder)
    body["files"] = [{"file": f.path, "sha": f.sha, "size": f.size} for f in unknown]
    assert await asyncio.to_thread(deploy_changed, server, "site", unknown,
                                   {f.sha for f in unknown}, body, True) == (None, 0)


async def test_an_older_server_without_the_batch_route_gets_one_put_per_file(
    autostack: AutoStack, owner: User, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The real app minus ``POST /projects/{name}/files``: what a server from before the
    batch route answers (404, no field named)."""
    await Project.create(team=await Team.get(owner=owner, is_personal=True), user=owner,
                         name="site")
    app = autostack.asgi()
    app.router.routes = [route for route in app.router.routes if not (
        isinstance(route, Route) and route.path == "/api/v1/projects/{name}/files")]
    files = collect(site(tmp_path, 4))
    async with serving(app) as url:
        client = ApiClient(url)
        client.headers["Authorization"] = f"Bearer {await token_for(owner)}"
        refused = await asyncio.to_thread(client.response, "POST", "/api/v1/projects/site/files",
                                          content=tar_of(files))
        assert refused.status_code in (404, 405) and batch_refused(refused)
        assert await asyncio.to_thread(upload_missing, client, "site", files, False) == 4
        assert await missing(client, files) == []
        client.close()
    told = capsys.readouterr().err
    assert f"(AutoStack {__version__}) takes no batch uploads: sending the files one by one" \
        in told


async def test_an_unknown_project_or_the_quota_is_not_taken_for_an_older_server(
    server: ApiClient, tmp_path: Path,
) -> None:
    files = collect(site(tmp_path, 1))
    gone = await asyncio.to_thread(server.response, "POST", "/api/v1/projects/nope/files",
                                   content=tar_of(files))
    assert gone.status_code == 404 and not batch_refused(gone)
    with pytest.raises(click.ClickException, match="project not found"):
        await asyncio.to_thread(send_files, server, "nope", files, True)


async def test_several_batches_are_sent_side_by_side_and_all_stored(
    server: ApiClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Upload threads share one client: each takes a connection of its own from it."""
    monkeypatch.setattr(upload, "BATCH_BYTES", 20)
    files = collect(site(tmp_path, 12))
    assert len(list(batches(files))) > 3
    await asyncio.to_thread(send_files, server, "site", files, True)
    assert await missing(server, files) == []
