"""GitHub: webhooks (:mod:`.webhooks`), the REST client and App installation tokens
(:mod:`.rest`), and the git host the core calls (:mod:`.host`)."""

from __future__ import annotations

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.git_host import GitHost

from .host import GitHubHost


@hookimpl
def register_git_hosts(settings: Settings) -> list[GitHost]:
    return [GitHubHost()]
