"""Many files in one upload (``POST /projects/{name}/files``, a tar named by sha256): what
is stored and credited, and what hostile tars are refused with nothing stored."""

from __future__ import annotations

import hashlib
import io
import tarfile

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import User
from autostack_core.infrastructure.store import Store
from autostack_core.security import accounts
from autostack_core.services import team_files
from tests.fixtures_auth import PASSWORD, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

URL = "/api/v1/projects/site/files"
ONE, TWO = b"<h1>one</h1>\n", b"body { color: red }\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tar_of(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def folder(name: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, None


async def post(http: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await http.post(URL, content=body, headers={"Content-Type": "application/octet-stream"})


async def make_site(http: httpx.AsyncClient) -> None:
    assert (await http.post("/api/v1/projects", json={"name": "site"})).status_code == 201


async def test_a_batch_stores_and_credits_every_file_and_nothing_is_missing_after(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    await make_site(api)
    response = await post(api, tar_of(regular(sha(ONE), ONE), regular(sha(TWO), TWO)))
    assert response.status_code == 201, response.text
    assert response.json() == {"files": [{"sha256": sha(ONE), "size": len(ONE)},
                                         {"sha256": sha(TWO), "size": len(TWO)}]}
    store = Store.from_settings(autostack.settings)
    assert store.object_path(sha(ONE)).read_bytes() == ONE
    team = await personal_team(owner)
    assert await team_files.credited(team.id, [sha(ONE), sha(TWO)]) == {
        sha(ONE): len(ONE), sha(TWO): len(TWO)}
    asked = await api.post(f"{URL}/missing", json={"sha256": [sha(ONE), sha(TWO)]})
    assert asked.json() == {"missing": []}


async def test_hostile_batches_are_refused_and_store_nothing(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await make_site(api)
    good = regular(sha(ONE), ONE)
    hostile = {
        "a symlink": tar_of(good, link(sha(TWO), "/etc/passwd")),
        "a hard link": tar_of(good, link(sha(TWO), sha(ONE), tarfile.LNKTYPE)),
        "a path name": tar_of(good, regular("../../etc/cron.d/x", TWO)),
        "a digest in a folder": tar_of(good, regular(f"a/{sha(TWO)}", TWO)),
        "an uppercase digest": tar_of(good, regular(sha(TWO).upper(), TWO)),
        "a folder": tar_of(good, folder(sha(TWO))),
        "not a tar": b"PK\x03\x04 this is a zip",
        "a truncated tar": tar_of(good, regular(sha(TWO), TWO))[:700],
        "bytes under another digest": tar_of(good, regular(sha(TWO), ONE)),
    }
    store = Store.from_settings(autostack.settings)
    for what, body in hostile.items():
        response = await post(api, body)
        assert response.status_code == 400, (what, response.text)
        assert response.json()["error"]["field"] == "body", what
        if what != "bytes under another digest":  # headers are all checked first
            assert not store.object_path(sha(ONE)).exists(), what
        assert not store.object_path(sha(TWO)).exists(), what
    assert not list(store.tmp.iterdir()), "no spool or partial object is left behind"


async def test_a_batch_past_the_quota_is_refused_before_anything_is_stored(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    object.__setattr__(autostack.settings, "team_storage_quota_bytes", len(ONE) + 5)
    await make_site(api)
    response = await post(api, tar_of(regular(sha(ONE), ONE), regular(sha(TWO), TWO)))
    assert response.status_code == 413
    assert not Store.from_settings(autostack.settings).object_path(sha(ONE)).exists()


async def test_a_batch_larger_than_the_upload_limit_is_refused(
    autostack: AutoStack, owner: User
) -> None:
    object.__setattr__(autostack.settings, "max_upload_bytes", 4096)
    big = b"x" * 5000
    async with client_for(autostack, await token_for(owner)) as http:
        await make_site(http)
        response = await post(http, tar_of(regular(sha(big), big)))
    assert response.status_code == 413
    assert not Store.from_settings(autostack.settings).object_path(sha(big)).exists()


async def test_another_teams_project_cannot_take_a_batch(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await make_site(api)
    intruder = await accounts.create_user("mallory@example.com", PASSWORD)
    async with client_for(autostack, await token_for(intruder)) as http:
        response = await post(http, tar_of(regular(sha(ONE), ONE)))
    assert response.status_code == 404
