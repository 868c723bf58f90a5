"""A project's forms (``/api/v1/projects/{name}/forms``): list, submissions, delete, CSV.

Mounted by :mod:`autostack_plugins.forms.plugin` through ``register_routes``;
access is checked with the core's public :mod:`autostack_core.api.deps`:
members read and export, admins delete a submission.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import audit, project_for
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.enums import Role
from autostack_core.services import forms


async def list_forms(request: Request) -> Response:
    """The project's forms with their submission counts.
    ---
    summary: List forms
    tags: [forms]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"forms": await forms.form_names(project)})


async def list_submissions(request: Request) -> Response:
    """A form's latest 100 submissions, newest first.
    ---
    summary: List a form's submissions
    tags: [forms]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    rows = await forms.submissions_of(project, request.path_params["form"])
    return JSONResponse({"submissions": [forms.submission_json(row) for row in rows]})


async def export_csv(request: Request) -> Response:
    """Every submission of a form as CSV (formula-looking cells prefixed with ').
    ---
    summary: Export a form's submissions as CSV
    tags: [forms]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    form = request.path_params["form"]
    body = await forms.csv_of(project, form)
    filename = "".join(
        char if (char.isascii() and char.isalnum()) or char in "-_" else "_" for char in form
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{project.name}-{filename}.csv"',
            "Cache-Control": "no-store",
        },
    )


async def delete_submission(request: Request) -> Response:
    """Delete one submission (admin).
    ---
    summary: Delete a form submission
    tags: [forms]
    responses:
      204: {description: Deleted}
      404: {description: The project has no such submission}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    submission = request.path_params["submission"]
    if not await forms.delete_submission(project, submission):
        raise ApiError(404, f"no submission {submission} in this project", "submission")
    await audit(
        request,
        "form_submission.deleted",
        team=await project.team,
        target=("project", str(project.id)),
        project=project.name,
        submission=submission,
    )
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/forms", list_forms, methods=["GET"]),
    Route("/api/v1/projects/{name}/forms/{form}/submissions", list_submissions, methods=["GET"]),
    Route("/api/v1/projects/{name}/forms/{form}/submissions.csv", export_csv, methods=["GET"]),
    Route(
        "/api/v1/projects/{name}/forms/{form}/submissions/{submission:int}",
        delete_submission,
        methods=["DELETE"],
    ),
]
