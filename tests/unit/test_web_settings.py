"""Settings: build settings, environment variables revealed one at a time, hooks, delete."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.git import git_triggers
from autostack_core.infrastructure.models import (
    AuditEvent,
    DeployHook,
    Environment,
    EnvironmentVariable,
    Project,
    Role,
    User,
)
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_build_settings_are_saved_and_errors_name_the_field(
    site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    page = await http.get("/projects/site/settings")
    assert "Build &amp; development" in page.text
    bad = await http.post("/projects/site/settings/build", data={
        "csrf_token": token, "root_directory": "../up", "framework": ""})
    assert bad.status_code == 422 and 'aria-describedby="e-root_directory"' in bad.text
    saved = await http.post("/projects/site/settings/build", data={
        "csrf_token": token, "build_command": "npm run build:prod", "node_version": "20",
        "root_directory": "apps/web/"})
    assert "Build settings saved" in saved.text
    project = await Project.get(name="site")
    assert (project.build_command, project.node_version, project.root_directory) == \
        ("npm run build:prod", "20", "apps/web")
    assert project.framework is None
    unknown = await http.post("/projects/site/settings/build", data={
        "csrf_token": token, "framework": "nosuchframework", "build_command": "make"})
    assert unknown.status_code == 422 and 'aria-describedby="e-framework"' in unknown.text
    assert "no detector knows" in unknown.text and "nextjs" in unknown.text
    assert (await Project.get(name="site")).build_command == "npm run build:prod"
    no_branch = await http.post("/projects/site/settings/general", data={
        "csrf_token": token, "git_url": "https://example.com/s.git", "branch": ""})
    assert no_branch.status_code == 422 and "production branch: enter" in no_branch.text


async def test_variables_hidden_until_revealed(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    added = await http.post("/projects/site/settings/env", data={
        "csrf_token": token, "key": "API_KEY", "value": "s3cret",
        "environments": ["production", "preview"]})
    assert added.status_code == 201 and "API_KEY added" in added.text
    assert "s3cret" not in added.text
    variable = await EnvironmentVariable.get(project=site.project, key="API_KEY",
                                             environment="production")
    revealed = await http.post(f"/projects/site/settings/env/{variable.id}/reveal",
                               data={"csrf_token": token})
    assert revealed.text.count("s3cret") == 1  # only the one asked for
    bad = await http.post("/projects/site/settings/env", data={
        "csrf_token": token, "key": "1BAD", "value": "x", "environments": ["preview"]})
    assert bad.status_code == 422 and 'aria-describedby="e-key"' in bad.text
    none = await http.post("/projects/site/settings/env", data={
        "csrf_token": token, "key": "OK", "value": "x"})
    assert none.status_code == 422 and "tick at least one" in none.text
    deleted = await http.post(f"/projects/site/settings/env/{variable.id}/delete",
                              data={"csrf_token": token})
    assert deleted.status_code == 303
    after = await http.get(deleted.headers["location"])
    assert f"{variable.key} deleted; deployments from now on do not get it." in after.text
    assert await EnvironmentVariable.filter(project=site.project).count() == 1


async def test_variables_are_edited_in_place(site: Site, signed_in: Client) -> None:
    """Item 10 of issue 17: a new value and/or environments without delete and re-add."""
    http, token = signed_in
    await http.post("/projects/site/settings/env", data={
        "csrf_token": token, "key": "API_URL", "value": "https://old.example",
        "environments": ["production"]})
    await http.post("/projects/site/settings/env", data={
        "csrf_token": token, "key": "API_URL", "value": "https://dev.example",
        "environments": ["development"]})
    variable = await EnvironmentVariable.get(project=site.project, key="API_URL",
                                             environment="production")
    page = await http.get("/projects/site/settings")
    assert f'action="/projects/site/settings/env/{variable.id}/edit"' in page.text
    assert "https://old.example" not in page.text
    edited = await http.post(f"/projects/site/settings/env/{variable.id}/edit", data={
        "csrf_token": token, "value": "https://new.example",
        "environments": ["production", "preview"]})
    assert edited.status_code == 200
    assert "API_URL saved for production, preview" in edited.text
    assert "https://new.example" not in edited.text
    rows = {row.environment: row for row in
            await EnvironmentVariable.filter(project=site.project, key="API_URL")}
    assert rows[Environment.PRODUCTION].id == variable.id
    assert {env: row.value for env, row in rows.items()} == {
        Environment.PRODUCTION: "https://new.example", Environment.PREVIEW: "https://new.example",
        Environment.DEVELOPMENT: "https://dev.example"}
    audit = await AuditEvent.filter(action="env.updated").order_by("-id").first()
    assert audit is not None and audit.target_id == "API_URL"
    assert audit.user_id is not None  # type: ignore[attr-defined]
    clash = await http.post(f"/projects/site/settings/env/{rows[Environment.PREVIEW].id}/edit",
                            data={"csrf_token": token, "value": "x",
                                  "environments": ["development"]})
    assert clash.status_code == 409 and "API_URL already exists in development" in clash.text
    none = await http.post(f"/projects/site/settings/env/{variable.id}/edit",
                           data={"csrf_token": token, "value": "y"})
    assert none.status_code == 422 and "tick at least one" in none.text
    # Environments only: an empty value keeps the sealed one and the row moves.
    await http.post(f"/projects/site/settings/env/{rows[Environment.PREVIEW].id}/delete",
                    data={"csrf_token": token})
    moved = await http.post(
        f"/projects/site/settings/env/{rows[Environment.DEVELOPMENT].id}/edit",
        data={"csrf_token": token, "value": "", "environments": ["preview"]})
    assert moved.status_code == 200 and "API_URL saved for preview" in moved.text
    assert {(row.id, row.environment, row.value) for row in
            await EnvironmentVariable.filter(project=site.project, key="API_URL")} == {
        (variable.id, Environment.PRODUCTION, "https://new.example"),
        (rows[Environment.DEVELOPMENT].id, Environment.PREVIEW, "https://dev.example")}


async def test_a_bad_key_is_shown_inline_next_to_the_key_field(
    site: Site, signed_in: Client
) -> None:
    """A key of spaces or longer than a column used to answer a raw JSON 500."""
    http, token = signed_in
    for key, message in (("   ", "key: "), ("K" * 300, "key: ")):
        page = await http.post("/projects/site/settings/env", data={
            "csrf_token": token, "key": key, "value": "x", "environments": ["preview"]})
        assert page.status_code == 422, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert 'id="f-key"' in page.text and 'aria-describedby="e-key"' in page.text
        assert f'<p class="error" id="e-key">{message}' in page.text
    assert await EnvironmentVariable.filter(project=site.project).count() == 0


async def test_ids_beyond_64_bits_are_a_not_found_page(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    beyond = 2**63
    for path in (f"/projects/site/settings/env/{beyond}/reveal",
                 f"/projects/site/settings/env/{beyond}/delete",
                 f"/projects/site/settings/deploy-hooks/{beyond}/delete",
                 f"/account/tokens/{beyond}/revoke", f"/account/sessions/{beyond}/revoke",
                 f"/teams/olivia/invitations/{beyond}/withdraw",
                 f"/teams/olivia/members/{beyond}/remove",
                 f"/teams/olivia/dns-zones/{beyond}/disconnect"):
        page = await http.post(path, data={"csrf_token": token})
        assert page.status_code == 404, (path, page.text)
        assert page.headers["content-type"].startswith("text/html"), path
    for path in ("/projects/" + "a" * 300 + "/settings", "/teams/" + "a" * 300,
                 "/deployments/" + "a" * 300):
        page = await http.get(path)
        assert page.status_code == 404, (path, page.text)


async def test_viewers_cannot_reveal_or_change(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    variable = EnvironmentVariable(project=site.project, key="TOKEN", environment="production")
    variable.value = "hidden-value"
    await variable.save()
    await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, "viewer@example.com")
        page = await http.get("/projects/site/settings")
        assert "TOKEN" in page.text and ">Reveal</button>" not in page.text
        assert "read-only for you" in page.text and "Danger zone" not in page.text
        reveal = await http.post(f"/projects/site/settings/env/{variable.id}/reveal",
                                 data={"csrf_token": token})
        assert reveal.status_code == 403 and "hidden-value" not in reveal.text
        save = await http.post("/projects/site/settings/build", data={
            "csrf_token": token, "build_command": "rm -rf /"})
        assert save.status_code == 403


async def test_deploy_hooks_and_delete_with_typed_confirmation(
    site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    created = await http.post("/projects/site/settings/deploy-hooks", data={
        "csrf_token": token, "hook_name": "CMS", "hook_branch": ""})
    assert created.status_code == 201 and "/api/v1/deploy-hooks/" in created.text
    hook = await DeployHook.get(project=site.project)
    assert hook.branch == "main"
    unnamed = await http.post("/projects/site/settings/deploy-hooks", data={
        "csrf_token": token, "hook_name": ""})
    assert unnamed.status_code == 422 and 'aria-describedby="e-hook_name"' in unnamed.text
    wrong = await http.post("/projects/site/settings/delete", data={
        "csrf_token": token, "confirm": "sit"})
    assert wrong.status_code == 422 and "type the project name, site" in wrong.text
    deleted = await http.post("/projects/site/settings/delete", data={
        "csrf_token": token, "confirm": "site"})
    assert deleted.status_code == 303 and deleted.headers["location"].startswith("/dashboard")
    assert not await Project.exists(name="site")


async def test_git_section_shows_the_repository_webhook_deliveries_and_previews(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    page = await http.get("/projects/site/settings")
    assert "https://example.com/s.git" in page.text and "No secret" in page.text
    assert "No deliveries yet" in page.text
    assert "site-git-feature.localhost" in page.text  # the branch preview
    site.project.webhook_secret = "s" * 32
    await site.project.save()
    await AuditEvent.create(
        action=git_triggers.AUDIT_ACTION, target_type="project", target_id=str(site.project.id),
        data={"provider": "github", "event": "push", "branch": "feature", "commit_sha": "c" * 40,
              "pull_request": None, "result": "deployed", "reason": "push to feature",
              "deployment": site.running.id})
    page = await http.get("/projects/site/settings")
    assert "Active" in page.text and "github push" in page.text
    assert "deployed" in page.text and f"/deployments/{site.running.id}" in page.text
