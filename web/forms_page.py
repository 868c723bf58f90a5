"""Netlify forms in the dashboard: ``/projects/{name}/forms`` (the project's Forms tab).

The same service as ``/api/v1/projects/{name}/forms``
(:mod:`autostack_core.services.forms`): anyone in the team sees the forms
the project's deployments declared with their submission counts, a form's
latest submissions and its CSV export; admins delete a submission.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.infrastructure.models import Project, Role, User
from autostack_core.services import audit, forms
from autostack_web.access import page, project_access
from autostack_web.rendering import form_text, render


async def forms_page(
    request: Request, project: Project, role: Role, status_code: int = 200, **context: Any
) -> Response:
    """The forms page, the form named by ``?form=`` (else the first) opened."""
    summaries = await forms.form_names(project)
    names = [summary["name"] for summary in summaries]
    chosen = request.query_params.get("form") or context.pop("form", None)
    current = chosen if chosen in names else (names[0] if names else None)
    rows = [] if current is None else await forms.submissions_of(project, current)
    values = {
        "project": project,
        "role": role,
        "forms": summaries,
        "current": current,
        "submissions": [forms.submission_json(row) for row in rows],
        "notice": None,
        **context,
    }
    return await render(request, "forms.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await forms_page(request, project, role)


async def delete(request: Request, user: User) -> Response:
    """Delete one submission (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        submission = form_text(form, "submission")
        form_name = form_text(form, "form")
    deleted = submission.isdigit() and await forms.delete_submission(project, int(submission))
    if deleted:
        await audit.record(
            "form_submission.deleted",
            team=await project.team,
            target=("project", str(project.id)),
            actor=user,
            project=project.name,
            details={"submission": int(submission)},
        )
    notice = "The submission is deleted." if deleted else "That submission is already gone."
    return await forms_page(request, project, role, form=form_name, notice=notice)


routes: list[BaseRoute] = [
    Route("/projects/{name}/forms", page(show), methods=["GET"], include_in_schema=False),
    Route("/projects/{name}/forms/delete", page(delete), methods=["POST"], include_in_schema=False),
]
