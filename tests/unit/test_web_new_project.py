"""New project: detection shown with its reasons before deploying, edits kept, deploy."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Deployment,
    EnvironmentVariable,
    Project,
    Role,
    User,
)
from autostack_web.envfile import parse_env
from autostack_web.new_project import changed_settings, suggested_name
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import csrf_of, log_in, signed_in

__all__ = ["owner", "signed_in"]

Client = tuple[httpx.AsyncClient, str]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Local repositories are allowed, as on a developer's machine."""
    return replace(settings, allow_local_git=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository of a Vite app (package.json with vite and a build script)."""
    root = tmp_path / "my-app"
    root.mkdir()
    (root / "package.json").write_text(
        '{"name": "my-app", "scripts": {"build": "vite build"},'
        ' "devDependencies": {"vite": "^5.0.0"}}')
    (root / "index.html").write_text("<h1>hi</h1>")
    env = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "first page"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    return root


def test_suggested_name_and_changed_settings() -> None:
    assert suggested_name("https://github.com/acme/My_App.git") == "my-app"
    assert suggested_name("git@github.com:acme/site") == "site"
    detected = {"build_command": "npm run build", "output_directory": "dist"}
    values = {"build_command": "npm run build", "output_directory": "public", "framework": ""}
    assert changed_settings(values, detected) == {"output_directory": "public"}


def test_env_lines_are_parsed_and_errors_name_the_line() -> None:
    text = "# comment\nAPI_URL=https://x.example\n\nexport TOKEN='a b'\n"
    assert parse_env(text) == [("API_URL", "https://x.example"), ("TOKEN", "a b")]
    with pytest.raises(Exception, match="line 2: write KEY=value"):
        parse_env("A=1\nnot a pair")


async def test_detection_is_shown_with_its_reasons(repo: Path, signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get("/new", params={"git_url": f"file://{repo}", "branch": "main"})
    assert page.status_code == 200, page.text
    assert "AutoStack detected: Vite" in page.text
    assert "<code>npm run build</code>" in page.text and "<code>dist</code>" in page.text
    assert "first page" in page.text  # the commit detected
    assert 'value="my-app"' in page.text
    assert '<label for="f-build_command">Build command</label>' in page.text


async def test_clone_errors_name_the_field(signed_in: Client, tmp_path: Path) -> None:
    http, _ = signed_in
    page = await http.get("/new", params={"git_url": f"file://{tmp_path}/nothing"})
    assert page.status_code == 422
    assert 'aria-describedby="e-git_url"' in page.text and "git URL or branch" in page.text
    bad = await http.get("/new", params={"git_url": "ftp://example.com/x"})
    assert bad.status_code == 422 and "git URL: git URL must start with" in bad.text


async def test_deploy_creates_project_variables_and_a_deployment(
    repo: Path, signed_in: Client, owner: User
) -> None:
    http, token = signed_in
    form = {"csrf_token": token, "name": "my-app", "git_url": f"file://{repo}",
            "branch": "main", "team": (await personal_team(owner)).slug,
            "build_command": "npm run build", "detected_build_command": "npm run build",
            "output_directory": "public", "detected_output_directory": "dist",
            "env": "API_URL=https://api.example.com", "scan": '{"name": "Vite"}'}
    bad = await http.post("/new", data={**form, "env": "oops"})
    assert bad.status_code == 422 and 'aria-describedby="e-env"' in bad.text
    assert "AutoStack detected: Vite" in bad.text  # the form keeps what was detected
    assert not await Project.exists(name="my-app")
    response = await http.post("/new", data=form)
    assert response.status_code == 303, response.text
    project = await Project.get(name="my-app")
    assert project.output_directory == "public" and project.build_command is None
    deployment = await Deployment.get(project=project)
    assert response.headers["location"] == \
        f"/deployments/{deployment.id}?done=webhook-manual&id=my-app"
    assert deployment.target == "production" and deployment.branch == "main"
    # No git host account reads a file:// repository: the page says pushes need a webhook
    # set up by hand, and where.
    landed = await http.get(response.headers["location"])
    assert "no webhook could be created with your access" in landed.text
    assert 'href="/projects/my-app/settings#git">Settings → Git</a>' in landed.text
    assert await EnvironmentVariable.filter(project=project, key="API_URL").count() == 3
    taken = await http.post("/new", data=form)
    assert taken.status_code == 409 and "is taken" in taken.text


async def test_empty_project_for_git_push(signed_in: Client) -> None:
    http, token = signed_in
    bad = await http.post("/new/git-push", data={"csrf_token": token, "name": "Bad Name"})
    assert bad.status_code == 422 and 'aria-describedby="e-name"' in bad.text
    created = await http.post("/new/git-push", data={"csrf_token": token, "name": "pushed"})
    assert created.headers["location"] == "/projects/pushed"
    page = await http.get("/projects/pushed")
    assert "/git/pushed.git" in page.text and "git push autostack main" in page.text
    # Which credentials git wants: the e-mail as the username, an API token as the password.
    for instructions in (page, await http.get("/new")):
        assert "as the username" in instructions.text and "as the password" in instructions.text


async def test_a_name_that_cannot_be_one_is_offered_as_a_slug(signed_in: Client) -> None:
    """``My Site`` is refused with ``my-site`` filled in; submitting again creates it."""
    http, token = signed_in
    offered = await http.post("/new/git-push", data={"csrf_token": token, "name": "My Site"})
    assert offered.status_code == 422
    assert "&#39;my-site&#39; is filled in: submit again to use it" in offered.text
    assert 'value="my-site"' in offered.text
    template = await http.post("/new/template", data={
        "csrf_token": token, "template": "static-starter", "name": "Launch Page!"})
    assert template.status_code == 422 and 'value="launch-page"' in template.text
    created = await http.post("/new/git-push", data={"csrf_token": token, "name": "my-site"})
    assert created.headers["location"] == "/projects/my-site"
    nothing = await http.post("/new/git-push", data={"csrf_token": token, "name": "!!!"})
    assert nothing.status_code == 422 and "filled in" not in nothing.text


async def test_viewers_cannot_create_projects(autostack: AutoStack, owner: User) -> None:
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        await log_in(http, "viewer@example.com")
        page = await http.get("/new")
        assert "+ New Project" not in page.text
        token = csrf_of(page)
        refused = await http.post("/new/git-push", data={
            "csrf_token": token, "name": "x", "team": (await personal_team(owner)).slug})
        assert refused.status_code == 403


def checked_templates(html: str) -> list[str]:
    """The slugs of the template radios the page checks."""
    return re.findall(r'name="template" value="([^"]+)" checked', html)


async def test_a_template_becomes_a_project_deployed_to_production(
    autostack: AutoStack, signed_in: Client
) -> None:
    http, token = signed_in
    page = await http.get("/new")
    assert "Start from a template" in page.text and "Static starter" in page.text
    # Preselected: the static starter (live in seconds), not the first by name (Astro).
    assert "astro" in autostack.templates
    assert checked_templates(page.text) == ["static-starter"]
    assert 'placeholder="static-starter"' in page.text
    slug = next(iter(autostack.templates))
    unknown = await http.post("/new/template", data={"csrf_token": token, "template": "nope"})
    assert unknown.status_code == 422 and "choose one of the templates" in unknown.text
    bad_name = await http.post("/new/template", data={
        "csrf_token": token, "template": slug, "name": "Bad Name!"})
    assert bad_name.status_code == 422 and 'id="e-template-name"' in bad_name.text
    assert checked_templates(bad_name.text) == [slug]  # the choice is kept
    created = await http.post("/new/template", data={
        "csrf_token": token, "template": slug, "name": "starter"})
    assert created.status_code == 303
    deployment = await Deployment.get(project__name="starter")
    assert created.headers["location"] == f"/deployments/{deployment.id}"
    assert deployment.target == "production" and deployment.source_type == "template"
    assert deployment.commit_sha and deployment.branch == "main"
    page = await http.get(f"/deployments/{deployment.id}")
    assert ">Template</span>" in page.text and "CLI upload" not in page.text


async def test_a_monorepo_offers_its_apps_with_their_frameworks(tmp_path: Path,
                                                                 signed_in: Client) -> None:
    """The root directory picker lists each app of the workspace with what it is."""
    root = tmp_path / "mono"
    (root / "apps" / "web").mkdir(parents=True)
    (root / "package.json").write_text('{"private": true, "workspaces": ["apps/*"]}')
    (root / "apps" / "web" / "package.json").write_text(
        '{"name": "web", "scripts": {"build": "vite build"},'
        ' "devDependencies": {"vite": "^5.0.0"}}')
    env = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "monorepo"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    http, _ = signed_in
    page = await http.get("/new", params={"git_url": f"file://{root}", "branch": "main"})
    assert page.status_code == 200, page.text
    assert '<option value="apps/web">web (vite)</option>' in page.text
