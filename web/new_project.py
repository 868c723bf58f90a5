"""New project: import a git repository, see what AutoStack detects and why, then deploy.

Step one asks for a git URL (or offers the built-in git remote, the CLI, and
the installed templates: one click creates the project and deploys it).
Step two clones the branch shallowly into a temporary folder, runs the same
detection as the pipeline and shows a form with every detected value
editable. Only the values the user changed are saved as project settings, so
detection keeps working when the repository changes later. "Deploy" creates
the project, its environment variables and a production deployment, and lands
on the deployment's live log.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.build.detection import DetectionError, detect
from autostack_core.build.sources import SourceError, check_git_url, checkout
from autostack_core.build.workspaces import detect_apps
from autostack_core.errors import ApiError
from autostack_core.git import git_connections, git_credentials
from autostack_core.infrastructure.models import CreatorType, Environment, Project, User
from autostack_core.interfaces import DeploymentTemplate, SourceTree
from autostack_core.interfaces.git_host import GitHost, GitHostError
from autostack_core.security.auth import client_ip
from autostack_core.security.outbound import Outbound
from autostack_core.services import deployments, templates
from autostack_core.services.checks import validate
from autostack_core.services.environment import VariableBody, add_variables, check_value
from autostack_core.services.projects import NAME_RE, check_framework, create_project, parse_create
from autostack_core.services.teams import teams_json
from autostack_core.utils import slugify
from autostack_web.access import page
from autostack_web.deploy_buttons import deploy_button
from autostack_web.envfile import parse_env
from autostack_web.flash import done
from autostack_web.rendering import form_text, host_of, redirect, render

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

IMPORT_LIMIT = 100
"""Repositories an "Import from ..." card lists, most recently updated first."""
BUILD_FIELDS = ("framework", "root_directory", "install_command", "build_command",
                "output_directory", "start_command", "node_version")
"""The detected settings the configure form shows, each editable."""


@dataclass
class Scan:
    """What detection found in a repository, as the configure form shows it."""

    name: str = "Other"
    reasons: list[str] = field(default_factory=list)
    commit: str = ""
    values: dict[str, str] = field(default_factory=dict)
    apps: list[dict[str, Any]] = field(default_factory=list)


def scan_from(text: str) -> Scan:
    """The scan the configure form carried along (display only, so a bad one is empty)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    known = {item.name for item in fields(Scan)}
    return Scan(**{k: v for k, v in data.items() if k in known}) if isinstance(data, dict) \
        else Scan()


def configure_context(
    teams: list[dict[str, Any]], scan: Scan, values: dict[str, str], detected: dict[str, str],
    error: ApiError | None = None,
) -> dict[str, Any]:
    return {"teams": teams, "scan": scan, "scan_json": json.dumps(asdict(scan)),
            "values": values, "detected": detected, "error": error}


def suggested_name(git_url: str) -> str:
    """A project name from the last part of a git URL (``.../my-app.git`` -> ``my-app``)."""
    tail = git_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return slugify(tail.removesuffix(".git"))


def offer_slug(error: ApiError, typed: str) -> tuple[ApiError, str]:
    """A refused project name and what the form shows instead: its slug, when that is a
    name (``My Site`` -> ``my-site``), said in the message; else the error and the name as
    typed."""
    slug = slugify(typed)
    if error.field != "name" or error.status != 422 or not slug or slug == typed \
            or not NAME_RE.match(slug):
        return error, typed
    message = (f"name: {typed!r} cannot be a project name (it becomes part of the URL); "
               f"{slug!r} is filled in: submit again to use it")
    return ApiError(422, message, "name"), slug


async def scan_repository(request: Request, git_url: str, branch: str, root: str) -> Scan:
    """Clone ``branch`` of ``git_url`` into a temporary folder and detect its framework."""
    host = host_of(request)
    allow_local = host.settings.allow_local_git
    try:
        url = check_git_url(git_url, allow_local)
    except SourceError as error:
        raise ApiError(422, f"git URL: {error}", "git_url") from error
    with tempfile.TemporaryDirectory(prefix="autostack-detect-") as folder:
        workspace = Path(folder)
        try:
            credentials = await git_credentials.env_for_user(host, request.state.user, url)
            result = await checkout(url, branch, workspace, allow_local=allow_local,
                                    extra_env=credentials,
                                    outbound=Outbound.from_settings(host.settings))
        except SourceError as error:
            raise ApiError(422, f"git URL or branch: {error}; check both and that the "
                                "repository is public", "git_url") from error
        overrides = {"root_directory": root} if root else None
        try:
            detection = await detect(SourceTree(workspace), host.plugin_manager, host.settings,
                                     overrides)
        except DetectionError as error:
            raise ApiError(422, f"root directory: {error}", "root_directory") from error
        apps = await detect_apps(workspace, host.plugin_manager, host.settings)
    scan = Scan(commit=f"{result.commit_sha[:7]} {result.commit_message}", apps=apps)
    if detection is None:
        scan.reasons = ["no detector recognised the repository: set the build command and "
                        "output directory, or add an index.html"]
        return scan
    scan.name, scan.reasons = detection.name, detection.reasons
    found = detection.to_dict()
    scan.values = {key: str(found.get(key) or "") for key in BUILD_FIELDS}
    scan.values["framework"] = detection.framework
    scan.values["root_directory"] = root
    return scan


async def deploy_teams(user: User) -> list[dict[str, Any]]:
    """The user's teams in which they may create projects."""
    return [team for team in await teams_json(user)
            if team["role"] != "viewer" and not team.get("sso_required")]


def oauth_configured(host: AutoStack, git_host: GitHost) -> bool:
    """Whether the admin configured the OAuth app that connects ``git_host``'s accounts."""
    oauth = git_host.oauth_app(host.settings)
    return oauth is not None and oauth.configured


async def git_imports(request: Request, user: User) -> list[dict[str, Any]]:
    """An "Import from ..." card per git host whose accounts connect: the user's
    repositories there, or a link to connect them."""
    host = host_of(request)
    cards = []
    for name in git_connections.connecting_hosts(host):
        git_host = host.git_hosts[name]
        credential = await git_connections.account_credential(user, name)
        card: dict[str, Any] = {
            "host": name, "title": git_host.title,
            "connect_path": git_connections.connect_path(git_host),
            "enabled": bool(credential) or oauth_configured(host, git_host),
            "connected": bool(credential), "repositories": [], "error": None}
        if credential:
            try:
                card["repositories"] = await git_host.repositories(host.settings, credential,
                                                                   IMPORT_LIMIT)
            except GitHostError as error:
                card["error"] = error.message
        cards.append(card)
    return cards


def templates_of(request: Request) -> list[DeploymentTemplate]:
    """The installed deployment templates (the marketplace), by name."""
    return sorted(host_of(request).templates.values(), key=lambda template: template.name)


def default_template(listed: list[DeploymentTemplate]) -> str:
    """The template ``/new`` preselects: a static one (nothing to install or build, so it
    is live in seconds), else the first listed; "" when none is installed."""
    static = [template for template in listed if template.framework == "static"]
    return (static or listed)[0].slug if listed else ""


def step_one(request: Request, teams: list[dict[str, Any]], team: str,
             template: str = "") -> dict[str, Any]:
    """The context of the first step with no values and no errors; ``template`` is the one
    chosen (the form shown again after an error keeps it), else the default."""
    listed = templates_of(request)
    chosen = template if template in {item.slug for item in listed} else \
        default_template(listed)
    return {"teams": teams, "team": team, "import_error": None, "push_error": None,
            "push_name": "", "template_error": None, "template_name": "",
            "templates": listed, "template_choice": chosen, "values": {"branch": "main"}}


async def start(request: Request, user: User) -> Response:
    """Step one, or step two once a git URL is given."""
    query = request.query_params
    git_url = query.get("git_url", "").strip()
    branch = query.get("branch", "").strip() or "main"
    teams = await deploy_teams(user)
    context = step_one(request, teams, query.get("team", ""), query.get("template", ""))
    context["values"] = {"git_url": git_url, "branch": branch}
    if not git_url or not teams:
        status = deploy_button(request, context)
        context["imports"] = await git_imports(request, user)
        return await render(request, "new_project.html", context, status_code=status)
    try:
        scan = await scan_repository(request, git_url, branch, query.get("root_directory", ""))
    except ApiError as error:
        context["import_error"] = error
        context["imports"] = await git_imports(request, user)
        return await render(request, "new_project.html", context, status_code=error.status)
    values = {**scan.values, "git_url": git_url, "branch": branch,
              "name": suggested_name(git_url), "team": query.get("team", "")}
    return await render(request, "configure_project.html",
                        configure_context(teams, scan, values, scan.values))


def changed_settings(values: dict[str, str], detected: dict[str, str]) -> dict[str, str]:
    """The build settings the user set or changed; unchanged ones stay to detection."""
    return {key: values[key] for key in BUILD_FIELDS
            if values.get(key) and values[key] != detected.get(key, "")}


async def deploy(request: Request, user: User) -> Response:
    """Create the project, its variables and its first production deployment."""
    async with request.form() as form:
        values = {name: form_text(form, name)
                  for name in ("name", "team", "git_url", "branch", "env", *BUILD_FIELDS)}
        detected = {key: form_text(form, f"detected_{key}") for key in BUILD_FIELDS}
        scan = scan_from(form_text(form, "scan"))
    context = configure_context(await deploy_teams(user), scan, values, detected)
    try:
        variables = [validate(VariableBody, {"key": key, "value": value})
                     for key, value in parse_env(values["env"])]
        for variable in variables:
            check_value(variable.value)
        body = parse_create({"name": values["name"], "team": values["team"] or None,
                             "git_url": values["git_url"], "branch": values["branch"] or "main",
                             **changed_settings(values, detected)})
        check_framework(host_of(request), body.framework)
        check_git_url(values["git_url"], host_of(request).settings.allow_local_git)
        project = await create_project(user, body, client_ip(request))
    except SourceError as error:
        context["error"] = ApiError(422, f"git URL: {error}", "git_url")
        return await render(request, "configure_project.html", context, status_code=422)
    except ApiError as error:
        context["error"], context["values"]["name"] = offer_slug(error, values["name"])
        return await render(request, "configure_project.html", context, status_code=error.status)
    for variable in variables:
        await add_variables(project, variable)
    webhook = await connect_own_repository(host_of(request), project, user)
    deployment = await deployments.create_deployment(
        host_of(request), project, user=user, target=Environment.PRODUCTION,
        creator_type=CreatorType.MANUAL, source_type="git", git_url=project.git_url,
        branch=project.branch,
    )
    return redirect(done(f"/deployments/{deployment.id}", webhook, project.name))


async def connect_own_repository(host: AutoStack, project: Project, user: User) -> str:
    """Connect an imported repository with the importer's own access, as Vercel does, and
    say what became of its webhook: the :data:`autostack_web.flash.MESSAGES` key
    ``webhook-created``, ``webhook-unreachable`` (the host's servers cannot reach this
    server's address) or ``webhook-manual`` (to be set up by hand in Settings → Git).

    One their credential cannot read (or any, without a credential on its host) stays
    unconnected: it is cloned without credentials, which works for a public repository.
    """
    found = git_credentials.repository_at(host, project.git_url)
    if found is None or not await git_connections.account_credential(user, found[0].name):
        return "webhook-manual"
    try:
        connected = await git_connections.connect(host, project, user, found[0], found[1])
    except ApiError:
        return "webhook-manual"
    if "error" in connected.webhook:
        return "webhook-manual"
    return "webhook-unreachable" if connected.warning else "webhook-created"


async def for_git_push(request: Request, user: User) -> Response:
    """Create an empty project to ``git push`` to, then show its remote."""
    async with request.form() as form:
        values = {"name": form_text(form, "name"), "team": form_text(form, "team")}
    teams = await deploy_teams(user)
    try:
        body = parse_create({"name": values["name"], "team": values["team"] or None})
        project: Project = await create_project(user, body, client_ip(request))
    except ApiError as error:
        shown, name = offer_slug(error, values["name"])
        context = {**step_one(request, teams, values["team"]), "push_error": shown,
                   "push_name": name}
        return await render(request, "new_project.html", context, status_code=error.status)
    return redirect(f"/projects/{project.name}")


async def from_template(request: Request, user: User) -> Response:
    """Create a project from an installed template and deploy it to production at once."""
    async with request.form() as form:
        values = {name: form_text(form, name) for name in ("template", "name", "team")}
    host = host_of(request)
    try:
        if values["template"] not in host.templates:
            raise ApiError(422, "template: choose one of the templates listed", "template")
        body = parse_create({"name": values["name"] or values["template"],
                             "team": values["team"] or None})
        project = await create_project(user, body, client_ip(request))
    except ApiError as error:
        shown, name = offer_slug(error, values["name"])
        context = {**step_one(request, await deploy_teams(user), values["team"],
                            values["template"]),
                   "template_error": shown, "template_name": name}
        return await render(request, "new_project.html", context, status_code=error.status)
    deployment = await templates.deploy(host, project, values["template"], user,
                                        target=Environment.PRODUCTION,
                                        creator_type=CreatorType.MANUAL)
    return redirect(f"/deployments/{deployment.id}")


routes: list[BaseRoute] = [
    Route("/new", page(start), methods=["GET"], include_in_schema=False),
    Route("/new", page(deploy), methods=["POST"], include_in_schema=False),
    Route("/new/git-push", page(for_git_push), methods=["POST"], include_in_schema=False),
    Route("/new/template", page(from_template), methods=["POST"], include_in_schema=False),
]
