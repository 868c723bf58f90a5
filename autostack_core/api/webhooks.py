"""Git webhooks (``/api/v1/webhooks/{host}``, one per registered git host) and their secrets.

A delivery is read in this order: no signature header -> 401; body not a JSON
object (or nested too deeply to parse) or missing a required field -> 400; an
event type or ref AutoStack does not act on -> 202 and ignored; a signature
that matches no project's secret, or a repository no project uses (the same
answer, so a sender without a secret cannot probe which repositories are
connected) -> 401 and nothing changes; a delivery id seen before -> 200 with
``duplicate`` and nothing changes. Otherwise every project whose secret signed
the delivery acts on it (:mod:`autostack_core.git.git_triggers`).
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.errors import ApiError, NotFound, Unauthorized
from autostack_core.git import git_triggers, webhook_setup
from autostack_core.infrastructure.models import Project, Role, WebhookDelivery
from autostack_core.interfaces.git_host import GitEvent, GitHost, PayloadError
from autostack_core.security.auth import client_ip
from autostack_core.services.webhooks import webhook_info, webhook_urls

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

UNKNOWN_SECRET = secrets.token_hex(32)
"""Checked against when no project uses the repository (never matches: nobody knows it)."""


class SecretBody(BaseModel):
    secret: str | None = Field(default=None, min_length=16, max_length=200)


def git_host(request: Request) -> GitHost:
    """The registered git host the path names (``register_git_hosts``), or 404."""
    app: AutoStack = request.app.state.autostack
    host = app.git_hosts.get(request.path_params["provider"])
    if host is None:
        raise NotFound("webhook provider", "provider")
    return host


def parse_events(fmt: GitHost, request: Request, body: bytes) -> list[GitEvent]:
    try:
        payload: Any = json.loads(body)
    except ValueError as error:
        raise ApiError(400, f"webhook body is not valid JSON: {error}") from error
    except RecursionError as error:
        raise ApiError(400, "webhook body is nested too deeply to be a git host's event") \
            from error
    if not isinstance(payload, dict):
        raise ApiError(400, "webhook body must be a JSON object")
    try:
        return fmt.parse(request.headers, payload)
    except (PayloadError, TypeError, ValueError) as error:
        raise ApiError(400, f"webhook payload is not a {fmt.name} event: {error}") from error


async def claim_delivery(provider: str, delivery_id: str | None) -> bool:
    """Record the delivery id; ``False`` if it was handled before."""
    if delivery_id is None:
        return True
    try:
        await WebhookDelivery.create(provider=provider, delivery_id=delivery_id[:128])
    except IntegrityError:
        return False
    return True


def ignored(reason: str) -> Response:
    return JSONResponse({"ignored": reason}, status_code=202)


async def receive(request: Request) -> Response:
    """Receive a push, pull request or branch deletion from a git host.
    ---
    summary: Receive a git webhook
    tags: [webhooks]
    security: []
    parameters:
      - {name: provider, in: path, required: true, description: "a registered git host
         (built in: github, gitlab, bitbucket, gitea)", schema: {type: string}}
    responses:
      200: {description: "{delivery, results: [{project, result, reason, deployment}]}"}
      202: {description: "{ignored: reason}: not an event AutoStack acts on"}
      400: {description: "not JSON, nested too deeply, or not this host's payload shape"}
      401: {description: "missing or wrong signature, or a repository no project uses"}
    """
    app: AutoStack = request.app.state.autostack
    fmt = git_host(request)
    if not fmt.has_signature(request.headers):
        raise Unauthorized(f"sign the webhook: {fmt.name} sends "
                           f"{fmt.signature_headers[0]} when a secret is set")
    body = await request.body()
    events = parse_events(fmt, request, body)
    if not events:
        return ignored("AutoStack does not act on this event")
    projects = await git_triggers.projects_for(events[0])
    signed = [project for project in projects if project.webhook_secret
              and fmt.verify(request.headers, body, project.webhook_secret)]
    if not projects:
        # The same work and answer as a wrong signature: a sender without a
        # secret learns nothing about which repositories are connected.
        fmt.verify(request.headers, body, UNKNOWN_SECRET)
    if not signed:
        raise Unauthorized("the webhook signature matches no project's secret")
    delivery_id = fmt.delivery_id(request.headers)
    if not await claim_delivery(fmt.name, delivery_id):
        return JSONResponse({"delivery": delivery_id, "duplicate": True, "results": []})
    try:
        outcomes = [await git_triggers.handle(app, project, event)
                    for project in signed for event in events]
    except Exception:
        # Let the host's redelivery retry what failed half-way.
        await WebhookDelivery.filter(provider=fmt.name, delivery_id=delivery_id).delete()
        raise
    return JSONResponse({"delivery": delivery_id,
                         "results": [outcome.to_dict() for outcome in outcomes]})


async def set_secret(request: Request) -> Response:
    """Set or rotate the project's webhook secret (admin); it is shown only in this answer.

    A webhook AutoStack created on the host gets the new secret too; ``warning`` says
    when it could not be updated.
    ---
    summary: Set or rotate the webhook secret
    tags: [webhooks]
    body: SecretBody
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{secret, urls: {<git host>: webhook URL}, warning}"}
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, SecretBody)
    secret, warning = await webhook_setup.rotate_secret(app, project, current_user(request),
                                                        client_ip(request), body.secret)
    return JSONResponse({"secret": secret, "urls": webhook_urls(app), "warning": warning})


async def create_webhook(request: Request) -> Response:
    """Create the connected repository's webhook on its host with your own access (admin).
    ---
    summary: Create the repository webhook
    tags: [webhooks]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{webhook: {id, url, active, events, last_response}} when created or
        updated; {webhook: {error}, setup: [steps per host]} when the host refused (add it
        by hand)"}
      409: {description: "the repository is not connected (code not_connected), or your
        account on its host is not connected (code {host}_not_connected)"}
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    webhook = await webhook_setup.create_webhook(app, project, current_user(request),
                                                 client_ip(request))
    answer: dict[str, Any] = {"webhook": webhook}
    if "error" in webhook:
        answer["setup"] = (await webhook_info(app, project))["setup"]
    return JSONResponse(answer)


async def webhook_status(request: Request) -> Response:
    """The project's webhook: repository, whether a secret is set, the last deliveries.
    ---
    summary: Webhook status
    tags: [webhooks]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{repository, secret_set, urls, webhook: {host, id} or null,
        can_create, setup: [{host, title, where, url, url_label, secret_label, fields}],
        deliveries: [...]}"}
    """
    app: AutoStack = request.app.state.autostack
    project: Project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(await webhook_info(app, project))


routes: list[BaseRoute] = [
    Route("/api/v1/webhooks/{provider}", receive, methods=["POST"]),
    Route("/api/v1/projects/{name}/webhook", webhook_status, methods=["GET"]),
    Route("/api/v1/projects/{name}/webhook", create_webhook, methods=["POST"]),
    Route("/api/v1/projects/{name}/webhook-secret", set_secret, methods=["POST"]),
]
