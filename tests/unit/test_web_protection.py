"""Deployment protection on the dashboard: the settings section and the team default.

The same service as the API (tests/unit/test_protection.py); here what an admin
sees and submits, and that the null edge was told.
"""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, Team, User
from autostack_core.interfaces.edge import Protection
from tests.fixtures_auth import owner, personal_team
from tests.web_fixtures import Site, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_admins_protect_previews_from_the_settings_page(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, token = signed_in
    page = (await http.get("/projects/site/settings")).text
    assert 'id="protection"' in page and "No bypass secret yet." in page
    refused = await http.post("/projects/site/settings/protection", data={
        "csrf_token": token, "protection_production": "none",
        "protection_preview": "password", "password": ""})
    assert refused.status_code == 422
    assert "password: password protection needs a password" in refused.text
    assert site.edge.protections == {}
    saved = await http.post("/projects/site/settings/protection", data={
        "csrf_token": token, "protection_production": "none",
        "protection_preview": "password", "password": "open sesame 42"})
    assert saved.status_code == 200
    assert "Protection saved; 1 hostname is protected now." in saved.text
    assert '<option value="password" selected>' in saved.text
    assert site.edge.protections == {
        "site-git-feature.localhost": Protection(autostack.settings.local_url)}
    created = await http.post("/projects/site/settings/protection/bypass",
                              data={"csrf_token": token})
    secret = (await Project.get(name="site")).protection_bypass
    assert secret and f"data-bypass-secret>{secret}<" in created.text
    again = await http.get("/projects/site/settings")
    assert secret not in again.text and "A bypass secret is set." in again.text


async def test_team_admins_choose_the_default_for_new_projects(
    owner: User, signed_in: Client
) -> None:
    http, token = signed_in
    team = await personal_team(owner)
    saved = await http.post(f"/teams/{team.slug}/protection",
                            data={"csrf_token": token, "protect_previews": "on"})
    assert "New projects protect their previews with team login." in saved.text
    assert 'name="protect_previews" checked' in saved.text
    assert (await Team.get(id=team.id)).protect_previews is True
