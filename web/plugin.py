"""The dashboard as a built-in plugin: its pages and static files (``register_routes``), and
the page a browser gets for a path nothing answers (``not_found_page``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from autostack_core import hookimpl


@hookimpl
def register_routes(settings: Any) -> list[BaseRoute]:
    # The pages (and the models they read) load here, not when the plugin is imported:
    # every CLI command imports the plugins to find its subcommands.
    from autostack_web import (
        account,
        analytics_page,
        cron_settings,
        dashboard,
        database_pages,
        deploy_buttons,
        deployment_comments,
        deployment_page,
        dns_zone_settings,
        domain_settings,
        drain_settings,
        env_settings,
        form_endpoint,
        forms_page,
        git_settings,
        hook_settings,
        image_endpoint,
        logs_page,
        marketplace_page,
        new_project,
        notifications_page,
        pages,
        pipeline_settings,
        plans_pages,
        project_settings,
        projects,
        protection_gate,
        protection_settings,
        provider_settings,
        scale_settings,
        split_settings,
        team_audit,
        team_sso_settings,
        teams,
        thumbnails,
    )
    from autostack_web.rendering import STATIC_DIR

    return [
        *pages.routes,
        *dashboard.routes,
        *new_project.routes,
        *deploy_buttons.routes,
        *marketplace_page.routes,
        *deployment_comments.routes,  # before projects' /deployments/{id}/{action}
        *pipeline_settings.routes,  # the same
        *projects.routes,
        *deployment_page.routes,
        *thumbnails.routes,
        *analytics_page.routes,
        *logs_page.routes,
        *project_settings.routes,
        *git_settings.routes,
        *env_settings.routes,
        *domain_settings.routes,
        *dns_zone_settings.routes,
        *provider_settings.routes,
        *hook_settings.routes,
        *scale_settings.routes,
        *split_settings.routes,
        *protection_settings.routes,
        *cron_settings.routes,
        *drain_settings.routes,
        *protection_gate.routes,
        *image_endpoint.routes,
        *form_endpoint.routes,
        *forms_page.routes,
        *teams.routes,
        *team_audit.routes,
        *database_pages.routes,
        *plans_pages.routes,
        *team_sso_settings.routes,
        *notifications_page.routes,
        *account.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]


@hookimpl
async def not_found_page(request: Request) -> Response:
    """A browser opening a path nothing answers gets a page with the way back, not JSON."""
    from autostack_web.rendering import render

    return await render(request, "not_found.html", {"what": "page"}, status_code=404)
