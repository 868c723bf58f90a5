"""Template export (issue 18 item 2): a project's package holds its files, settings and
variable names, never a variable's value; hostile names are left out; the CLI refuses
unsafe archives and a non-empty folder. Real git for the built-in repository."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import tomllib
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from autostack_core.app import AutoStack
from autostack_core.cli.template_export import read_members, templates_export, write_file
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, Role, User
from autostack_core.interfaces import DeploymentTemplate
from autostack_core.services.templates import ensure_repository, repository_path
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

SECRET = "s3cr3t-value-that-must-never-leave"
CRONS = {"crons": [{"path": "/api/tick", "schedule": "*/5 * * * *"}]}
MODULE = "autostack_template_shop"


def git(*args: str, cwd: Path) -> str:
    env = {"HOME": str(cwd), "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


async def push_files(autostack: AutoStack, project: str, work: Path) -> str:
    """Commit a tree with a dotfile, an executable, links in and out, and push it."""
    (work / "public").mkdir(parents=True)
    (work / "public" / "index.html").write_text("<h1>Shop</h1>\n")
    (work / ".gitignore").write_text("node_modules/\n")
    (work / "vercel.json").write_text(json.dumps(CRONS))
    (work / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (work / "run.sh").chmod(0o755)
    (work / "home.html").symlink_to("public/index.html")
    (work / "passwd").symlink_to("../../../../etc/passwd")
    (work / "abs").symlink_to("/etc/hostname")
    repo = await ensure_repository(autostack, await Project.get(name=project))
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "shop", cwd=work)
    git("push", "-q", str(repo), "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def unpack(archive: bytes) -> dict[str, tarfile.TarInfo | bytes]:
    members: dict[str, tarfile.TarInfo | bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            assert member.isreg(), member.name  # regular files only, no links
            handle = tar.extractfile(member)
            assert handle is not None
            members[member.name] = handle.read()
            members[member.name + ":info"] = member
    return members


async def test_the_package_holds_the_files_settings_and_variable_names_but_no_value(
        autostack: AutoStack, api: httpx.AsyncClient, tmp_path: Path) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    assert (await api.patch("/api/v1/projects/shop", json={
        "build_command": "npm run build", "output_directory": "dist",
        "node_version": "22"})).status_code == 200
    for key in ("STRIPE_KEY", "DATABASE_URL"):
        created = await api.post("/api/v1/projects/shop/env", json={
            "key": key, "value": SECRET, "environments": ["production", "preview"]})
        assert created.status_code == 201, created.text
    commit = await push_files(autostack, "shop", tmp_path / "work")

    response = await api.get("/api/v1/projects/shop/template-package")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    assert response.headers["x-autostack-template-source"] == "repository"
    for blob in (response.content, gzip.decompress(response.content)):
        assert SECRET.encode() not in blob

    members = unpack(response.content)
    names = {name for name in members if not name.endswith(":info")}
    files = {name.removeprefix(f"{MODULE}/files/") for name in names
             if name.startswith(f"{MODULE}/files/")}
    assert files == {"public/index.html", ".gitignore", "vercel.json", "run.sh", "home.html"}
    assert names - {f"{MODULE}/files/{name}" for name in files} == {
        "pyproject.toml", "README.md", f"{MODULE}/__init__.py", f"{MODULE}/template.json"}
    assert members[f"{MODULE}/files/home.html"] == b"<h1>Shop</h1>\n"  # the link's file
    info = members[f"{MODULE}/files/run.sh:info"]
    assert isinstance(info, tarfile.TarInfo) and info.mode == 0o755

    metadata = json.loads(members[f"{MODULE}/template.json"])  # type: ignore[arg-type]
    assert metadata["slug"] == "shop" and metadata["name"] == "shop"
    assert metadata["source"] == {"kind": "repository", "branch": "main", "commit": commit}
    assert metadata["variables"] == {"DATABASE_URL": "", "STRIPE_KEY": ""}
    assert metadata["settings"] == {"build_command": "npm run build",
                                    "output_directory": "dist", "node_version": "22"}
    assert metadata["crons"] == CRONS["crons"] and metadata["config_files"] == ["vercel.json"]
    assert sorted(item["path"] for item in metadata["skipped"]) == ["abs", "passwd"]
    assert "STRIPE_KEY" in metadata["description"]

    project = tomllib.loads(members["pyproject.toml"].decode())  # type: ignore[union-attr]
    assert project["project"]["name"] == "autostack-template-shop"
    assert project["project"]["entry-points"]["autostack"] == {"shop": MODULE}
    packaged = project["tool"]["setuptools"]["package-data"][MODULE]
    assert sorted(packaged) == sorted(["template.json", *(f"files/{f}" for f in files)])


async def test_the_last_ready_upload_is_exported_when_there_is_no_repository(
        autostack: AutoStack, api: httpx.AsyncClient) -> None:
    """The deployment is marked ready in the database: this test is about its files."""
    assert (await api.post("/api/v1/projects", json={"name": "docs"})).status_code == 201
    assert (await api.get("/api/v1/projects/docs/template-package")).status_code == 409
    page = b"<h1>Docs</h1>\n"
    sha = hashlib.sha256(page).hexdigest()
    assert (await api.put(f"/api/v1/projects/docs/files/{sha}", content=page)).status_code == 201
    created = await api.post("/api/v1/projects/docs/deployments", json={
        "files": [{"file": "index.html", "sha": sha, "size": len(page)}]})
    assert created.status_code == 201, created.text
    await Deployment.filter(id=created.json()["id"]).update(state=DeploymentState.READY)

    response = await api.get("/api/v1/projects/docs/template-package")
    assert response.status_code == 200, response.text
    members = unpack(response.content)
    assert members["autostack_template_docs/files/index.html"] == page
    metadata = json.loads(members["autostack_template_docs/template.json"])  # type: ignore[arg-type]
    assert metadata["source"] == {"kind": "deployment", "deployment": created.json()["id"]}


async def test_viewers_and_strangers_cannot_export(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/shop/template-package")).status_code == 403
    async with client_for(autostack) as http:
        assert (await http.get("/api/v1/projects/shop/template-package")).status_code == 401


def archive_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["/etc/passwd", "../escape", "a/../../b", "a//b"])
def test_the_cli_refuses_an_archive_with_an_unsafe_path(name: str) -> None:
    with pytest.raises(click.ClickException, match="unsafe path"):
        read_members(archive_with(tarfile.TarInfo(name), b"x"))


def test_the_cli_refuses_links_in_an_archive() -> None:
    link = tarfile.TarInfo("pkg/files/passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    with pytest.raises(click.ClickException, match="not a regular file"):
        read_members(archive_with(link))


def test_the_cli_never_writes_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "dir"
    root.mkdir()
    (root / "pkg").symlink_to(outside)
    with pytest.raises(click.ClickException, match="in the way"):
        write_file(root, "pkg/evil.txt", b"x", 0o644)
    (root / "file").symlink_to(outside / "target")
    with pytest.raises(click.ClickException, match="in the way"):
        write_file(root, "file", b"x", 0o644)
    assert not any(outside.iterdir())


def test_the_cli_refuses_a_non_empty_folder_without_force(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(templates_export, ["shop", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not empty" in result.output and "--force" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


async def test_a_template_deploy_takes_the_template_build_settings_the_project_lacks(
        autostack: AutoStack, api: httpx.AsyncClient, tmp_path: Path) -> None:
    """What an exported package's register_templates hands over: its settings fill the
    project's empty ones, a value of the project's own stays, a bad one is refused first."""
    folder = tmp_path / "template"  # tmp_path holds the server's data folder too
    folder.mkdir()
    (folder / "index.html").write_text("<h1>x</h1>\n")
    autostack.templates["built"] = DeploymentTemplate(
        slug="built", name="Built", description="d", framework="static", source_dir=folder,
        settings={"build_command": "make site", "output_directory": "out",
                  "node_version": "22", "git_url": "https://example.com/not-taken.git"})
    for name in ("fresh", "own"):
        assert (await api.post("/api/v1/projects", json={"name": name})).status_code == 201
    assert (await api.patch("/api/v1/projects/own", json={
        "build_command": "npm run mine"})).status_code == 200
    for name in ("fresh", "own"):
        created = await api.post(f"/api/v1/projects/{name}/deployments",
                                 json={"template": "built"})
        assert created.status_code == 201, created.text
    fresh, own = await Project.get(name="fresh"), await Project.get(name="own")
    assert (fresh.build_command, fresh.output_directory, fresh.node_version, fresh.git_url) \
        == ("make site", "out", "22", None)
    assert (own.build_command, own.output_directory) == ("npm run mine", "out")

    autostack.templates["bad"] = DeploymentTemplate(
        slug="bad", name="Bad", description="d", framework="static", source_dir=folder,
        settings={"output_directory": "../../etc"})
    assert (await api.post("/api/v1/projects", json={"name": "third"})).status_code == 201
    refused = await api.post("/api/v1/projects/third/deployments", json={"template": "bad"})
    assert refused.status_code == 422 and "output_directory" in refused.text
    assert not await Deployment.filter(project__name="third").exists()
    assert (await Project.get(name="third")).output_directory is None


async def test_a_template_deploy_leaves_out_what_pip_compiled(
        autostack: AutoStack, api: httpx.AsyncClient, tmp_path: Path) -> None:
    """pip compiles an installed package's .py files, an exported app's too: the template's
    __pycache__ is not committed even when the project has no .gitignore saying so."""
    folder = tmp_path / "template"  # tmp_path holds the server's data folder too
    (folder / "__pycache__").mkdir(parents=True)
    (folder / "app.py").write_text("print('hi')\n")
    (folder / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00compiled")
    autostack.templates["py"] = DeploymentTemplate(
        slug="py", name="Py", description="d", framework="flask", source_dir=folder)
    assert (await api.post("/api/v1/projects", json={"name": "py"})).status_code == 201
    created = await api.post("/api/v1/projects/py/deployments", json={"template": "py"})
    assert created.status_code == 201, created.text
    repo = repository_path(autostack, "py")
    listed = git("--git-dir", str(repo), "ls-tree", "-r", "--name-only", "main", cwd=tmp_path)
    assert listed.splitlines() == ["app.py"]
