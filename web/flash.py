"""What an action did, shown on the page it redirects to (post/redirect/get).

The redirect carries a key and the names involved in its query
(``?done=promoted&id=...&undo=...``); the page words the message itself, so a
link can make it say nothing but one of these sentences, and the names are
checked to be ids or variable keys. Where undoing is cheap (promote, rollback:
production moves back), the message offers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

MESSAGES = {
    "promoted": "{id} is now production.",
    "rolled-back": "Production rolled back to {id}.",
    "canceled": "Canceling {id}: the build stops at its next step.",
    "deleted": "Deployment {id} deleted.",
    "variable-deleted": "{id} deleted; deployments from now on do not get it.",
    "webhook-created": "Repository imported and its webhook created: every push deploys.",
    "webhook-unreachable": "Repository imported and its webhook created, but the git host "
                           "cannot reach this server's address: pushes will not deploy until "
                           "AUTOSTACK_PUBLIC_URL is set and the webhook updated.",
    "webhook-manual": "Repository imported; no webhook could be created with your access, "
                      "so pushes do not deploy yet: set it up by hand.",
    "database-created": "Database {id} created; it is starting. Deployments from now on "
                        "get its URL: redeploy to use it now.",
    "database-linked": "Database {id} linked: deployments from now on get its URL; "
                       "redeploy to use it now.",
    "database-unlinked": "Database {id} unlinked: deployments from now on do not get its URL.",
    "database-backed-up": "Database {id} backed up.",
    "database-restored": "Database {id} restored from the backup.",
    "database-deleted": "Database {id} deleted with its data and backups.",
}
LINKS = {
    "webhook-unreachable": ("Settings → Git", "/projects/{id}/settings#git"),
    "webhook-manual": ("Settings → Git", "/projects/{id}/settings#git"),
}
"""Where a message sends the reader next (label, URL), for the messages that need a step."""
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass
class Flash:
    """A message for the page, and the deployment to promote again to undo the action."""

    message: str
    undo: str | None = None
    link: tuple[str, str] | None = None


def done(url: str, key: str, name: str, undo: str | None = None) -> str:
    """``url`` with the message ``key`` about ``name`` (and what undoing promotes)."""
    query = {"done": key, "id": name, **({"undo": undo} if undo else {})}
    return f"{url}?{urlencode(query)}"


def flash_of(request: Request) -> Flash | None:
    """The message the query names, if it is one of ours about a well-formed name."""
    params = request.query_params
    template = MESSAGES.get(params.get("done", ""))
    name = params.get("id", "")
    if template is None or not NAME.fullmatch(name):
        return None
    undo = params.get("undo")
    link = LINKS.get(params["done"])
    return Flash(template.format(id=name), undo if undo and NAME.fullmatch(undo) else None,
                 (link[0], link[1].format(id=name)) if link else None)


def message_of(request: Request) -> str | None:
    """Just the message, for pages that offer no undo."""
    flash = flash_of(request)
    return flash.message if flash else None
