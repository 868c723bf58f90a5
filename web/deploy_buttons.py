"""Deploy buttons, like Vercel's: a README links ``/new?template=NAME`` or
``/new?repository-url=URL`` behind the badge ``/deploy-button.svg``.

``/new`` preselects the template (an unknown one says so) or fills in the repository
to import (an https:// repository URL only); nothing is created before the user
confirms on the page, signed in like any other visit to ``/new``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_web.rendering import host_of

_REPOSITORY_PATH = re.compile(r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)+/?$")
BADGE = """<svg xmlns="http://www.w3.org/2000/svg" width="168" height="32" \
viewBox="0 0 168 32" role="img" aria-label="Deploy to AutoStack">
<title>Deploy to AutoStack</title>
<rect width="168" height="32" rx="6" fill="#000"/>
<path d="M16 8l9 16H7z" fill="#fff"/>
<text x="32" y="21" fill="#fff" font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,\
sans-serif" font-size="13" font-weight="600">Deploy to AutoStack</text>
</svg>
"""


def check_repository_url(url: str) -> str:
    """A deploy button's ``repository-url``: an https:// URL of a repository on a host,
    with no credentials, query or fragment (``https://github.com/owner/app``)."""
    parts = urlsplit(url)
    if (len(url) > 500 or parts.scheme != "https" or not parts.hostname
            or parts.username or parts.password or parts.query or parts.fragment
            or not _REPOSITORY_PATH.match(parts.path)):
        raise ApiError(422, "repository-url: give the https:// URL of a git repository "
                            "(https://host/owner/name), without credentials", "repository_url")
    return url


def button_markdown(base: str, query: dict[str, str]) -> str:
    """The Markdown of a deploy button: the badge linking to ``/new`` with ``query``."""
    return f"[![Deploy to AutoStack]({base}/deploy-button.svg)]({base}/new?{urlencode(query)})"


def deploy_button(request: Request, context: dict[str, Any]) -> int:
    """Apply a deploy button's ``template`` or ``repository-url`` to the context of
    ``/new``'s first step; the page's status code (an unknown template or a refused URL
    is explained on the page)."""
    query = request.query_params
    template = query.get("template", "").strip()
    if template and template not in host_of(request).templates:
        context["template_error"] = ApiError(
            404, f"template: no template {template[:100]!r} is installed on this server; "
                 "choose one below", "template")
        return 404
    repository = query.get("repository-url", "").strip()
    if repository:
        try:
            context["values"]["git_url"] = check_repository_url(repository)
        except ApiError as error:
            context["import_error"] = error
            return error.status
        context["from_button"] = True
    return 200


async def badge(request: Request) -> Response:
    """The button's image: public, as READMEs on other sites embed it."""
    return Response(BADGE, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


routes: list[BaseRoute] = [
    Route("/deploy-button.svg", badge, methods=["GET"], include_in_schema=False),
]
