"""A project's traffic API on the null pair: skew protection.

The server runs with ``edge = "null"`` and the project on the ``null``
runtime (plugins/providers/null/), so what the API asked of the edge is
what a visitor of the null edge gets. Deployments go through the real
pipeline (upload, detection, sandboxed static build, store).
"""

from __future__ import annotations

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.infrastructure.models import Deployment, Project, Role, User
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces.edge import DEFAULT_SKEW_SECONDS
from autostack_core.services import deployments
from autostack_plugins.providers import null
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.null_pair import autostack, site

__all__ = ["api", "autostack", "owner", "site"]


def null_edge(app: AutoStack) -> null.NullEdge:
    assert isinstance(app.edge, null.NullEdge)
    return app.edge


async def deploy(app: AutoStack, project: Project, files: dict[str, str]) -> Deployment:
    """A production upload of ``files``, built and deployed by the pipeline."""
    root = app.settings.path(f"upload-{project.name}")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    _, manifest = Store(app.settings.path("store")).put_tree(root)
    deployment = await deployments.create_deployment(
        app, project, source_type="upload", upload_manifest=manifest, target="production")
    await run_deployment(app, deployment.id)
    return await Deployment.get(id=deployment.id)


# -- skew protection -----------------------------------------------------------


async def test_every_production_alias_gets_the_default_skew_window(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    first = await deploy(autostack, site, {"index.html": "one"})
    await deploy(autostack, site, {"index.html": "two"})
    edge = null_edge(autostack)
    assert edge.skew["site.localhost"] == DEFAULT_SKEW_SECONDS
    assert (await edge.fetch("site.localhost", "/")).text == "two"
    assert (await edge.fetch("site.localhost", f"/?dpl={first.id}")).text == "one"
    answer = await api.get("/api/v1/projects/site/skew-protection")
    assert answer.json() == {"skew_protection": {
        "enabled": True, "seconds": DEFAULT_SKEW_SECONDS, "default_seconds": DEFAULT_SKEW_SECONDS}}


async def test_turning_skew_protection_off_unpins_at_once(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    first = await deploy(autostack, site, {"index.html": "one"})
    await deploy(autostack, site, {"index.html": "two"})
    answer = await api.put("/api/v1/projects/site/skew-protection", json={"seconds": 0})
    assert answer.status_code == 200, answer.text
    assert answer.json()["skew_protection"]["enabled"] is False
    assert answer.json()["hostnames"] == 1
    assert (await null_edge(autostack).fetch("site.localhost", f"/?dpl={first.id}")).text \
        == "two"
    await site.refresh_from_db()
    assert site.settings["skew_protection_seconds"] == 0


async def test_skew_changes_are_for_admins_and_checked(
    autostack: AutoStack, site: Project, owner: User, api: httpx.AsyncClient
) -> None:
    for bad in (-1, 31 * 24 * 3600):
        refused = await api.put("/api/v1/projects/site/skew-protection", json={"seconds": bad})
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == "seconds"
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/site/skew-protection")).status_code == 200
        refused = await http.put("/api/v1/projects/site/skew-protection", json={"seconds": 60})
    assert refused.status_code == 403


async def test_an_edge_that_cannot_pin_refuses_the_window_and_still_promotes(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The null edge pins; one that cannot is played by refusing in its place."""

    async def refuse(hostname: str, seconds: int) -> None:
        if seconds:
            raise NotImplementedError("no pins here")

    monkeypatch.setattr(null_edge(autostack), "skew_protection", refuse)
    deployment = await deploy(autostack, site, {"index.html": "one"})
    assert deployment.state == "ready"
    refused = await api.put("/api/v1/projects/site/skew-protection", json={"seconds": 60})
    assert refused.status_code == 409
    assert "cannot pin" in refused.json()["error"]["message"]
    await site.refresh_from_db()
    assert "skew_protection_seconds" not in (site.settings or {})


# -- split testing ---------------------------------------------------------------


async def test_a_split_is_saved_bound_and_counted_per_variant(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    control = await deploy(autostack, site, {"index.html": "control"})
    variant = await deploy(autostack, site, {"index.html": "variant"})
    await deployments.promote(autostack, site, control)
    answer = await api.put("/api/v1/projects/site/split", json={"variants": [
        {"deployment": control.id, "weight": 75}, {"deployment": variant.id, "weight": 25}]})
    assert answer.status_code == 200, answer.text
    await site.refresh_from_db()
    assert [v["deployment"] for v in site.settings["split"]["variants"]] == \
        [control.id, variant.id], "saved before it is announced"
    edge = null_edge(autostack)
    texts = [(await edge.fetch("site.localhost", "/")).text for _ in range(8)]
    assert texts.count("control") == 6 and texts.count("variant") == 2
    split = (await api.get("/api/v1/projects/site/split")).json()["split"]
    assert split["hostnames"] == ["site.localhost"]
    assert [(v["deployment"], v["weight"], v["requests"], v["errors"])
            for v in split["variants"]] == [(control.id, 75, 6, 0), (variant.id, 25, 2, 0)]
    ended = await api.delete("/api/v1/projects/site/split")
    assert ended.json() == {"split": None}
    assert {(await edge.fetch("site.localhost", "/")).text for _ in range(4)} == {"control"}
    assert (await api.get("/api/v1/projects/site/split")).json() == {"split": None}


async def test_a_promote_ends_the_split(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient
) -> None:
    control = await deploy(autostack, site, {"index.html": "control"})
    variant = await deploy(autostack, site, {"index.html": "variant"})
    await deployments.promote(autostack, site, control)
    await api.put("/api/v1/projects/site/split", json={"variants": [
        {"deployment": control.id, "weight": 50}, {"deployment": variant.id, "weight": 50}]})
    await deployments.promote(autostack, site, variant)
    assert (await api.get("/api/v1/projects/site/split")).json() == {"split": None}


@pytest.mark.parametrize(("weights", "field", "message"), [
    ((60, 30), "weight", "add up to 100"),
    ((100, 0), "weight", "weight of 1 or more"),
    ((100,), "variants", "2 to 10"),
])
async def test_split_weights_are_checked(
    autostack: AutoStack, site: Project, api: httpx.AsyncClient,
    weights: tuple[int, ...], field: str, message: str
) -> None:
    rows = [await deploy(autostack, site, {"index.html": str(n)}) for n in range(2)]
    variants = [{"deployment": row.id, "weight": weight} for row, weight in zip(rows, weights,
                                                                               strict=False)]
    refused = await api.put("/api/v1/projects/site/split", json={"variants": variants})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    assert message in refused.json()["error"]["message"]


async def test_a_split_takes_ready_deployments_of_the_project_only(
    autostack: AutoStack, site: Project, owner: User, api: httpx.AsyncClient
) -> None:
    mine = await deploy(autostack, site, {"index.html": "mine"})
    other_project = await Project.create(name="other", team=await personal_team(owner),
                                         user=owner, provider="null")
    theirs = await deploy(autostack, other_project, {"index.html": "theirs"})
    failed = await Deployment.create(project=site, source_type="upload", state="error",
                                     target="production")
    for stranger in (theirs.id, failed.id, "nope"):
        refused = await api.put("/api/v1/projects/site/split", json={"variants": [
            {"deployment": mine.id, "weight": 50}, {"deployment": stranger, "weight": 50}]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == "deployment"
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/site/split")).status_code == 200
        refused = await http.put("/api/v1/projects/site/split", json={"variants": [
            {"deployment": mine.id, "weight": 50}, {"deployment": theirs.id, "weight": 50}]})
        assert refused.status_code == 403
        assert (await http.delete("/api/v1/projects/site/split")).status_code == 403
