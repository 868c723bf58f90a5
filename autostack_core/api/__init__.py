"""The JSON API under ``/api/v1``; each module exports its ``routes``."""

from __future__ import annotations

from starlette.routing import BaseRoute

from autostack_core.api import (
    audit,
    auth,
    build_logs,
    comments,
    deploy_hooks,
    deployments,
    detect,
    environment,
    git_connections,
    health,
    marketplace,
    notifiers,
    openapi,
    pipeline,
    plans,
    project_events,
    project_health,
    project_logs,
    project_runtime,
    projects,
    protection,
    provider_settings,
    rollback_advice,
    rolling_releases,
    runtime_logs,
    teams,
    template_export,
    tokens,
    traffic,
    uploads,
    user_notifications,
    webhooks,
)

API_MODULES = (
    health, auth, teams, audit, tokens, projects, environment, deployments, build_logs, uploads,
    webhooks,
    deploy_hooks, notifiers, runtime_logs, git_connections, detect, project_events,
    project_runtime, project_logs, traffic, openapi, pipeline,
    protection, rolling_releases, provider_settings, rollback_advice,
    project_health, comments, user_notifications, plans, marketplace, template_export,
)


def api_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for module in API_MODULES:
        routes.extend(module.routes)
    return routes
