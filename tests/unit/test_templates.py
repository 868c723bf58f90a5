"""Marketplace templates: every package under marketplace/ is installed, listed and well
formed (AutoStack's own detection finds its framework), and a template deploy seeds the
project's built-in repository with the template's files as its first commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build.detection import detect
from autostack_core.infrastructure.models import Deployment, Plan, Team, User
from autostack_core.interfaces import SourceTree
from autostack_core.services.templates import repository_path
from tests.fixtures_auth import api, owner, personal_team

__all__ = ["api", "owner"]

MARKETPLACE = Path(__file__).resolve().parents[2] / "marketplace"
# The template slug and the framework AutoStack must detect in its files.
EXPECTED = {"static-starter": "static", "vite-react": "vite", "nextjs": "nextjs",
            "astro": "astro", "sveltekit": "sveltekit", "express": "express",
            "fastapi": "fastapi", "flask": "flask"}


def files_of(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


async def test_every_marketplace_package_is_installed_and_listed(
        autostack: AutoStack, api: httpx.AsyncClient) -> None:
    packages = {folder.name for folder in MARKETPLACE.iterdir() if folder.is_dir()}
    assert set(EXPECTED) <= packages
    assert packages <= set(autostack.templates), "run ./dev to install marketplace/*/"
    listed = (await api.get("/api/v1/templates")).json()["templates"]
    by_slug = {template["slug"]: template for template in listed}
    for slug, framework in EXPECTED.items():
        assert by_slug[slug]["framework"] == framework
        assert by_slug[slug]["name"] and by_slug[slug]["description"]


@pytest.mark.parametrize("slug", sorted(EXPECTED))
async def test_a_template_is_a_starter_its_framework_is_detected_in(
        autostack: AutoStack, slug: str) -> None:
    template = autostack.templates[slug]
    files = files_of(template.source_dir)
    assert files and not any(name.startswith("node_modules/") for name in files)
    detection = await detect(SourceTree(template.source_dir), autostack.plugins.manager,
                             autostack.settings)
    assert detection is not None and detection.framework == EXPECTED[slug] == template.framework
    if (template.source_dir / "package.json").exists():
        assert ".gitignore" in files  # the new repository ignores node_modules from the start


def git(*args: str, cwd: Path) -> str:
    env = {"HOME": str(cwd), "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


async def test_a_template_deploy_seeds_the_repository_and_builds_its_commit(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User, tmp_path: Path) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    created = await api.post("/api/v1/projects/shop/deployments",
                             json={"template": "express", "target": "production"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["source"] == "template" and body["branch"] == "main"
    assert body["commit_message"] == "Initial commit from the Express template"

    clone = tmp_path / "clone"
    git("clone", "-q", str(repository_path(autostack, "shop")), str(clone), cwd=tmp_path)
    assert files_of(clone) - {name for name in files_of(clone) if name.startswith(".git/")} \
        == files_of(autostack.templates["express"].source_dir)
    assert git("rev-parse", "HEAD", cwd=clone) == body["commit_sha"]
    assert git("log", "--format=%an <%ae>|%s", cwd=clone) == \
        f"{owner.name or owner.email} <{owner.email}>|Initial commit from the Express template"
    deployment = await Deployment.get(id=body["id"])
    assert deployment.commit_sha == body["commit_sha"] and deployment.source_type == "template"

    again = await api.post("/api/v1/projects/shop/deployments", json={"template": "flask"})
    assert again.status_code == 409 and "already has commits on main" in again.text
    assert await Deployment.filter(project__name="shop").count() == 1
    assert git("ls-remote", str(repository_path(autostack, "shop")), cwd=tmp_path) \
        .split()[0] == body["commit_sha"]


async def test_an_unknown_template_is_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    refused = await api.post("/api/v1/projects/shop/deployments", json={"template": "nope"})
    assert refused.status_code == 422 and "template" in refused.text
    assert await Deployment.filter(project__name="shop").count() == 0


async def test_a_template_deploy_the_plan_refuses_leaves_no_seeded_branch(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User, tmp_path: Path) -> None:
    team = await personal_team(owner)
    paused = await Plan.create(slug="none-today", name="Paused", deployments_per_day=0)
    await Team.filter(id=team.id).update(plan_id=paused.id)
    assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    refused = await api.post("/api/v1/projects/shop/deployments", json={"template": "flask"})
    assert refused.status_code == 402 and "deployments_per_day" in refused.text
    repo = repository_path(autostack, "shop")
    assert git("for-each-ref", "refs/heads", cwd=repo) == ""
    assert await Deployment.filter(project__name="shop").count() == 0

    await Team.filter(id=team.id).update(plan_id=None)
    later = await api.post("/api/v1/projects/shop/deployments", json={"template": "flask"})
    assert later.status_code == 201 and later.json()["source"] == "template"
