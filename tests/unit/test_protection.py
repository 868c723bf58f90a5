"""Deployment protection settings through the API, and what the edge is told.

The fast tier's null edge records each hostname's protection
(:attr:`NullEdge.protections`): that is what the core asked of the edge.
"""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AliasKind,
    AuditEvent,
    Deployment,
    Project,
    Role,
    Team,
    User,
)
from autostack_core.interfaces.edge import Protection
from autostack_core.services import deployments, protection
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.web_fixtures import Site, site

__all__ = ["api", "owner", "site"]

PREVIEW = "site-git-feature.localhost"
PRODUCTION = "site.localhost"


async def test_admins_protect_previews_and_the_edge_protects_their_hostnames(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    answer = await api.put("/api/v1/projects/site/protection",
                           json={"preview": "password", "password": "open sesame 42"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"protection": {"production": "none", "preview": "password",
                                            "password_set": True, "bypass_set": False},
                             "protected_hostnames": 1}
    assert site.edge.protections == {PREVIEW: Protection(autostack.settings.local_url)}
    project = await Project.get(name="site")
    assert project.protection_password_hash and "open sesame" not in \
        project.protection_password_hash
    event = await AuditEvent.get(action="project.protection_changed")
    assert event.data["fields"] == ["protection_preview", "protection_password_hash"]
    opened = await api.put("/api/v1/projects/site/protection", json={"preview": "none"})
    assert opened.json()["protected_hostnames"] == 0 and site.edge.protections == {}


async def test_bad_input_names_the_field_and_changes_nothing(
    site: Site, api: httpx.AsyncClient
) -> None:
    for body, field in (({"preview": "secret"}, "preview"),
                        ({"production": "password"}, "password"),
                        ({"password": "short"}, "password"),
                        ({"previews": "team"}, "previews")):
        answer = await api.put("/api/v1/projects/site/protection", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["field"] == field, answer.json()
    assert protection.protection_json(await Project.get(name="site"))["production"] == "none"
    assert site.edge.protections == {}


async def test_only_admins_change_protection_and_secrets_never_show(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient, owner: User
) -> None:
    created = await api.post("/api/v1/projects/site/protection/bypass")
    assert created.status_code == 201 and len(created.json()["secret"]) >= 32
    project = await Project.get(name="site")
    assert project.protection_bypass == created.json()["secret"]
    assert created.json()["secret"] not in (project.protection_bypass_sealed or "")
    member = await add_user(await personal_team(owner), "m@example.com", Role.MEMBER)
    async with client_for(autostack, await token_for(member)) as http:
        shown = await http.get("/api/v1/projects/site/protection")
        assert shown.json()["protection"]["bypass_set"] is True
        assert created.json()["secret"] not in shown.text
        refused = await http.put("/api/v1/projects/site/protection", json={"preview": "team"})
        assert refused.status_code == 403
        assert (await http.post("/api/v1/projects/site/protection/bypass")).status_code == 403
    assert (await api.delete("/api/v1/projects/site/protection/bypass")).status_code == 204
    assert (await Project.get(name="site")).protection_bypass is None


async def test_a_new_alias_is_protected_before_it_is_bound(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    await protection.change(autostack, owner, site.project, "127.0.0.1", preview="team")
    order: list[str] = []
    protect, bind = site.edge.protect, site.edge.bind

    async def recording_protect(hostname: str, value: Protection | None) -> None:
        order.append(f"protect {hostname} {value is not None}")
        await protect(hostname, value)

    async def recording_bind(hostname: str, targets: object) -> None:
        order.append(f"bind {hostname}")
        await bind(hostname, targets)  # type: ignore[arg-type]

    site.edge.protect, site.edge.bind = recording_protect, recording_bind  # type: ignore[method-assign]
    await deployments.point_alias(autostack, site.project, site.current, "site-git-next.localhost",
                                  AliasKind.BRANCH, branch="next")
    await deployments.promote(autostack, site.project, site.old)
    aliases = [entry for entry in order if entry.split()[1] in ("site-git-next.localhost",
                                                                 PRODUCTION)]
    assert aliases == ["protect site-git-next.localhost True", "bind site-git-next.localhost",
                       f"protect {PRODUCTION} False", f"bind {PRODUCTION}"]
    own = f"site-{site.old.id}.localhost"
    assert order.index(f"protect {own} False") < order.index(f"bind {PRODUCTION}"), \
        "a deployment's own hostname is guarded before its runtime serves it"


async def test_the_team_default_protects_the_previews_of_new_projects(
    api: httpx.AsyncClient, owner: User
) -> None:
    team = await personal_team(owner)
    answer = await api.put(f"/api/v1/teams/{team.slug}/protection",
                           json={"protect_previews": True})
    assert answer.json() == {"protect_previews": True}
    assert (await Team.get(id=team.id)).protect_previews is True
    created = await api.post("/api/v1/projects", json={"name": "fresh"})
    assert created.status_code == 201, created.text
    shown = await api.get("/api/v1/projects/fresh/protection")
    assert shown.json()["protection"] == {"production": "none", "preview": "team",
                                          "password_set": False, "bypass_set": False}


def test_hostnames_take_the_environment_of_their_kind() -> None:
    preview = Deployment(target="preview")
    production = Deployment(target="production")
    environment = protection.environment_of
    assert environment(AliasKind.PRODUCTION, None, preview) == "production"
    assert environment(AliasKind.CUSTOM, None, preview) == "production"
    assert environment(AliasKind.CUSTOM, "feature", production) == "preview"
    assert environment(AliasKind.BRANCH, "feature", production) == "preview"
    assert environment(AliasKind.PULL_REQUEST, None, production) == "preview"
    assert environment(AliasKind.DEPLOYMENT, None, production) == "production"
    assert environment(AliasKind.DEPLOYMENT, None, preview) == "preview"
