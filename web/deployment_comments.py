"""The deployment page's comment forms: post, edit and delete your own, resolve and reopen
(:mod:`autostack_core.services.comments` decides who may). A refused comment is shown
at its field on the page, with what was typed kept."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import User
from autostack_core.services import comments
from autostack_web.access import deployment_access, page, path_id
from autostack_web.deployment_page import deployment_page
from autostack_web.rendering import form_text, host_of, redirect


async def post(request: Request, user: User) -> Response:
    deployment, project, role = await deployment_access(user, request.path_params["id"])
    async with request.form() as form:
        body = form_text(form, "body")
    try:
        comment = await comments.create(host_of(request), deployment, project, user, role, body)
    except ApiError as error:
        if error.status != 422:
            raise
        return await deployment_page(request, user, error.status, comment_error=error,
                                     draft=body)
    return redirect(f"/deployments/{deployment.id}#comment-{comment.id}")


async def change(request: Request, user: User) -> Response:
    """``/edit`` (a new body), ``/resolve`` (``resolved`` on or off) or ``/delete``."""
    if request.path_params["action"] not in ("edit", "resolve", "delete"):
        raise NotFound("page")
    deployment, project, role = await deployment_access(user, request.path_params["id"])
    comment = await comments.get(deployment, path_id(request, "comment", "comment_id"))
    action, app = request.path_params["action"], host_of(request)
    async with request.form() as form:
        body, resolved = form_text(form, "body"), form_text(form, "resolved") == "on"
    if action == "delete":
        await comments.delete(app, comment, deployment, project, user, role)
        return redirect(f"/deployments/{deployment.id}#comments")
    try:
        if action == "edit":
            await comments.edit(app, comment, deployment, project, user, role, body)
        else:
            await comments.resolve(app, comment, deployment, project, user, role, resolved)
    except ApiError as error:
        if error.status != 422:
            raise
        return await deployment_page(request, user, error.status, comment_error=error)
    return redirect(f"/deployments/{deployment.id}#comment-{comment.id}")


routes: list[BaseRoute] = [
    Route("/deployments/{id}/comments", page(post), methods=["POST"], include_in_schema=False),
    Route("/deployments/{id}/comments/{comment_id:int}/{action:str}", page(change),
          methods=["POST"], include_in_schema=False),
]
