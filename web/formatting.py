"""How the dashboard words times, durations, commits and deployment progress.

Registered as Jinja filters and globals by :mod:`autostack_web.rendering`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

from autostack_core.infrastructure.models import ROLE_RANK, Deployment, DeploymentState, Role

PROGRESS = {"queued": 5, "clone": 15, "upload": 25, "build": 45, "deploying": 90}
"""Percent done by state or by the step being run; ``static/live.js`` uses the same numbers,
and ``static/app.css`` has a ``.done-<n>`` width class for each."""


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago``, or a date for older moments."""
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 45:
        return "just now"
    for unit, size in (("m", 60), ("h", 3600), ("d", 86400)):
        next_size = {"m": 3600, "h": 86400, "d": 30 * 86400}[unit]
        if seconds < next_size:
            return f"{int(seconds // size)}{unit} ago"
    return moment.strftime("%Y-%m-%d")


def duration(seconds: float | None) -> str:
    """``0.4s``, ``12s``, ``3m 4s``; an em dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{round(seconds)}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest}s"


def elapsed(deployment: Deployment) -> float | None:
    """How long a deployment took from creation to its final state (None while it runs)."""
    end = deployment.ready_at or deployment.error_at or deployment.canceled_at
    return None if end is None else (end - deployment.created_at).total_seconds()


def short_sha(sha: str | None) -> str:
    return (sha or "")[:7]


def progress(state: str, step: str | None = None) -> int:
    """Percent done of a deployment in ``state`` whose log is at ``step``."""
    if DeploymentState(state).is_final:
        return 100
    if state == DeploymentState.BUILDING:
        return PROGRESS.get(step or "clone", PROGRESS["clone"])
    return PROGRESS.get(state, 0)


def allowed(role: str | None, minimum: str) -> bool:
    """Whether ``role`` is at least ``minimum`` (templates hide what a role cannot do)."""
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role(minimum)]


def is_final(state: str) -> bool:
    return DeploymentState(state).is_final


CODE_SPAN = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """``text`` escaped, its Markdown code spans (```npm run build```) as ``<code>``: detection
    reasons are written with backticks."""
    return Markup(CODE_SPAN.sub(lambda match: f"<code>{match.group(1)}</code>", str(escape(text))))


def team_label(team: dict[str, Any], teams: list[dict[str, Any]]) -> str:
    """A team's name in a list of the user's teams, with its slug when another has the same
    name (two teams called Acme must not look identical)."""
    twins = sum(1 for other in teams if other["name"] == team["name"])
    return f"{team['name']} · {team['slug']}" if twins > 1 else str(team["name"])
