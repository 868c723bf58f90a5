"""Template deploys: a template's files become the first commit of the project's repository.

As on Vercel, a project made from a template is a repository the user owns: the
template's files are committed to the project's built-in git remote (an initial
commit on its production branch, authored by the user who deployed it), and the
deployment builds that commit. ``git clone`` of the remote then gives the files, and
a ``git push`` deploys the edits like any other push.

The commit is made with git's plumbing and a throwaway index, straight from the
installed template's folder: nothing is copied, and the template's own
``.gitignore`` applies; Python's ``__pycache__`` folders, which pip writes next to a
package's ``.py`` files on install (an exported Python project's too), always stay out.
The branch is created only if it does not exist yet (``update-ref`` against the
zero hash), so a template never overwrites commits a user already pushed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.build.sources import SourceError, git
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, Project, User
from autostack_core.interfaces import DeploymentTemplate
from autostack_core.services import deployments
from autostack_core.services.projects import SETTING_FIELDS, check_settings

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

ZERO_SHA = "0" * 40
TEMPLATE_SETTINGS = tuple(key for key in SETTING_FIELDS if key not in ("git_url", "branch"))
"""The project settings a template may bring (its build settings)."""
COMMITTER = ("AutoStack", "autostack@localhost")


def repository_path(app: AutoStack, project_name: str) -> Path:
    """The bare repository behind the project's built-in git remote."""
    return app.settings.path("git", f"{project_name}.git")


async def ensure_repository(app: AutoStack, project: Project) -> Path:
    """The project's bare repository, created (accepting pushes) on first use."""
    repo = repository_path(app, project.name)
    if not repo.exists():
        await git("init", "--quiet", "--bare", "--initial-branch", project.branch, str(repo))
        await git("config", "http.receivepack", "true", git_dir=str(repo))
    return repo


def commit_message(template: DeploymentTemplate) -> str:
    """The initial commit's message: its first line is the deployment's commit message."""
    return (f"Initial commit from the {template.name} template\n\n"
            f"Created by AutoStack from the template `{template.slug}`.\n")


def find_template(app: AutoStack, slug: str) -> DeploymentTemplate:
    """The installed template ``slug``; 422 naming the field if there is none."""
    template = app.templates.get(slug)
    if template is None:
        raise ApiError(422, f"template: no template {slug!r}; see /api/v1/templates", "template")
    return template


async def seed_repository(app: AutoStack, project: Project, template: DeploymentTemplate,
                          user: User | None) -> str:
    """Commit ``template``'s files as the first commit of the project's production branch.

    Returns the commit's sha; 409 if the branch already has commits.
    """
    repo = str(await ensure_repository(app, project))
    ref = f"refs/heads/{project.branch}"
    if await git("for-each-ref", ref, git_dir=repo):
        raise ApiError(409, f"template: the project's repository already has commits on "
                            f"{project.branch}; start a new project from the template",
                       "template")
    author = (user.name or user.email, user.email) if user is not None else COMMITTER
    with tempfile.TemporaryDirectory(dir=app.settings.path("git")) as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch, "index")),
               "GIT_WORK_TREE": str(template.source_dir),
               "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": COMMITTER[0], "GIT_COMMITTER_EMAIL": COMMITTER[1]}
        excludes = Path(scratch, "exclude")  # pip compiles a package's .py files on install
        excludes.write_text("__pycache__/\n")
        await git("add", "--all", ".", cwd=template.source_dir, git_dir=repo, extra_env=env,
                  config=[f"core.excludesFile={excludes}"])
        tree = await git("write-tree", git_dir=repo, extra_env=env)
        sha = await git("commit-tree", tree, "-m", commit_message(template), git_dir=repo,
                        extra_env=env)
    try:
        await git("update-ref", "-m", f"template {template.slug}", ref, sha, ZERO_SHA,
                  git_dir=repo)
    except SourceError as error:  # a push or another template won the race
        raise ApiError(409, f"template: the project's repository already has commits on "
                            f"{project.branch}", "template") from error
    return sha


async def adopt_settings(project: Project, template: DeploymentTemplate) -> dict[str, Any]:
    """Give the project the template's build settings it has no value for; returns the
    values they replaced, to put back if the deploy fails."""
    adopted = {key: value for key, value in template.settings.items()
               if key in TEMPLATE_SETTINGS and value and not getattr(project, key)}
    previous = {key: getattr(project, key) for key in adopted}
    if adopted:
        project.update_from_dict(adopted)
        await project.save(update_fields=list(adopted))
    return previous


async def deploy(app: AutoStack, project: Project, slug: str, user: User | None,
                 force: bool = False, **fields: Any) -> Deployment:
    """Seed the project's repository with the template ``slug`` and deploy that commit
    (422 for an unknown template; ``fields``: the deployment's target, creator type).

    The template's build settings fill the project's empty ones before the build. A
    deployment refused after the seeding (a plan's quota) takes the seeded branch and
    those settings away again, so nothing is left half-done and the template can be
    deployed later.
    """
    template = find_template(app, slug)
    check_settings({key: template.settings.get(key) for key in TEMPLATE_SETTINGS})
    sha = await seed_repository(app, project, template, user)
    previous = await adopt_settings(project, template)
    try:
        return await deployments.create_deployment(
            app, project, force=force, user=user, source_type="template", commit_sha=sha,
            branch=project.branch, commit_message=commit_message(template).splitlines()[0],
            **fields)
    except ApiError:  # refused before the deployment was stored
        if previous:
            project.update_from_dict(previous)
            await project.save(update_fields=list(previous))
        await git("update-ref", "-d", f"refs/heads/{project.branch}", sha,
                  git_dir=str(repository_path(app, project.name)))
        raise
