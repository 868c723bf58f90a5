"""Git hosting webhooks turned into one normalized :class:`GitEvent`.

``event`` holds the normalized shape, ``signatures`` the constant-time checks,
and one module per host (``github``, ``gitlab``, ``bitbucket``, ``gitea``)
reads that host's headers and payloads. :data:`FORMATS` maps the name used in
``/api/v1/webhooks/{name}`` to its :class:`WebhookFormat`.
"""

from __future__ import annotations

from autostack_core.gitevents import bitbucket, gitea, github, gitlab
from autostack_core.gitevents.event import EventKind, GitEvent, PayloadError, WebhookFormat

FORMATS: dict[str, WebhookFormat] = {
    fmt.name: fmt for fmt in (github.FORMAT, gitlab.FORMAT, bitbucket.FORMAT, gitea.FORMAT)
}

__all__ = ["FORMATS", "EventKind", "GitEvent", "PayloadError", "WebhookFormat"]
