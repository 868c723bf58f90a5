"""Settings → Git's webhook part through the ASGI app: the secret generated and shown once,
"Create webhook", the hand set-up steps, Disconnect, and that only admins change anything.

GitHub's servers cannot be reached from here: the repository and its webhooks live
on a local stand-in on 127.0.0.1 (:mod:`tests.github_standin`) speaking GitHub's
documented REST shapes; like GitHub it answers 404 to a token whose account may
not manage the repository's webhooks.
"""

from __future__ import annotations

import html

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import GitConnection, Project, Role, User
from autostack_core.services.projects import ProjectCreate, create_project
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.github_standin import Account, StandIn, grant, settings, standin
from tests.unit.test_webhook_setup import HOOK_URL
from tests.web_fixtures import csrf_of, log_in

__all__ = ["owner", "settings", "standin"]

SETTINGS = "/projects/site/settings"


async def connected_site(autostack: AutoStack, owner: User, standin: StandIn,
                         account: Account | None = None) -> str:
    """Project ``site`` connected (through the dashboard's Connect button) to a public
    repository of ``account`` (default the owner's own); returns its full name."""
    assert standin.approving is not None
    await grant(owner, standin.issue(standin.approving))
    full_name = standin.add_repository(account or standin.approving, "site", private=False)
    await create_project(owner, ProjectCreate(name="site",
                                              git_url=f"{standin.url}/{full_name}.git"), "")
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        response = await http.post(f"{SETTINGS}/git/connect", data={"csrf_token": csrf})
    assert response.status_code == 200, response.text
    return full_name


async def test_secret_is_generated_shown_once_and_the_steps_carry_it(
    autostack: AutoStack, owner: User
) -> None:
    await create_project(owner, ProjectCreate(
        name="site", git_url="https://gitlab.example.com/group/site.git"), "")
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        before = await http.get(SETTINGS)
        assert "Generate secret" in before.text and "Create webhook" not in before.text
        assert 'id="hook-url-gitlab"' in before.text and "Secret token" in before.text
        response = await http.post(f"{SETTINGS}/git/secret", data={"csrf_token": csrf})
        assert response.status_code == 200, response.text
        secret = (await Project.get(name="site")).webhook_secret
        assert secret and len(secret) >= 32
        page = html.unescape(response.text)
        assert f'id="webhook-secret" class="mono" readonly value="{secret}"' in page
        assert f'id="hook-secret-gitlab" class="mono" readonly value="{secret}"' in page
        assert "shown only this once" in page
        again = await http.get(SETTINGS)
    assert secret not in html.unescape(again.text)
    assert "Rotate secret" in again.text


async def test_create_webhook_button_creates_it_on_github(
    autostack: AutoStack, owner: User, standin: StandIn
) -> None:
    full_name = await connected_site(autostack, owner, standin)
    standin.hooks[full_name].clear()
    await GitConnection.filter(project__name="site").update(webhook_id=None)
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        page = await http.get(SETTINGS)
        assert "Create webhook</button>" in page.text
        assert f'value="{HOOK_URL}"' in page.text
        response = await http.post(f"{SETTINGS}/git/webhook", data={"csrf_token": csrf})
    assert response.status_code == 200, response.text
    assert "Webhook created" in response.text
    [hook] = standin.hooks[full_name]
    assert hook["secret"] == (await Project.get(name="site")).webhook_secret
    assert f"id <code>{hook['json']['id']}</code>" in response.text
    assert "Update webhook</button>" in response.text


async def test_a_refused_webhook_shows_the_hand_steps(
    autostack: AutoStack, owner: User, standin: StandIn
) -> None:
    someone = Account(id=7, login="someone", email="s@example.com")
    full_name = await connected_site(autostack, owner, standin, account=someone)
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        response = await http.post(f"{SETTINGS}/git/webhook", data={"csrf_token": csrf})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "may not manage this repository's webhooks" in text
    assert "Set up on GitHub by hand" in text and "Payload URL" in text
    assert "application/json" in text
    assert standin.hooks[full_name] == []


async def test_members_change_nothing(autostack: AutoStack, owner: User) -> None:
    await create_project(owner, ProjectCreate(
        name="site", git_url="https://gitlab.example.com/group/site.git"), "")
    await add_user(await personal_team(owner), "m@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        await log_in(http, "m@example.com")
        page = await http.get(SETTINGS)
        assert "Generate secret" not in page.text
        csrf = csrf_of(page)
        for path in ("secret", "webhook", "disconnect"):
            response = await http.post(f"{SETTINGS}/git/{path}", data={"csrf_token": csrf})
            assert response.status_code == 403, path
    project = await Project.get(name="site")
    assert project.webhook_secret is None
    assert project.git_url == "https://gitlab.example.com/group/site.git"


async def test_disconnect_unlinks_the_repository_and_deletes_its_webhook(
    autostack: AutoStack, owner: User, standin: StandIn
) -> None:
    full_name = await connected_site(autostack, owner, standin)
    assert len(standin.hooks[full_name]) == 1
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        response = await http.post(f"{SETTINGS}/git/disconnect", data={"csrf_token": csrf})
    assert response.status_code == 200, response.text
    assert "is disconnected" in response.text and "Note:" not in response.text
    assert standin.hooks[full_name] == []
    project = await Project.get(name="site")
    assert project.git_url is None
    assert await GitConnection.filter(project=project).count() == 0
