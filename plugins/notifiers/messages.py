"""How the notifiers word an event for people, the same way in every channel."""

from __future__ import annotations

from autostack_core.interfaces import Event

_VERBS = {
    "deployment.created": "is queued",
    "deployment.building": "is building",
    "deployment.ready": "is ready",
    "deployment.error": "failed",
    "deployment.canceled": "was canceled",
    "deployment.promoted": "is now production",
    "deployment.rolled_back": "is production again (rollback)",
    "rollout.running": "is rolling out to production",
    "rollout.awaiting_approval": "is rolling out and waits for approval of its next stage",
    "rollout.completed": "is now production (rolling release completed)",
    "rollout.aborted": "was aborted in its rolling release; production is back on the "
                       "previous deployment",
}
_UPTIME = {
    "uptime.down": "is down",
    "uptime.up": "is up again",
    "uptime.errors": "answers many 5xx",
    "uptime.errors_recovered": "is back to its usual 5xx",
}


def title(event: Event) -> str:
    """One line: ``site: preview of feature (abc1234) is ready``, or for the uptime
    plugin's events ``site: site.example.com is down (answered 503)``."""
    data = event.data
    if event.kind == "comment.mentioned":
        return f"{event.project}: {data.get('author')} mentioned " \
               f"{', '.join(data.get('mentioned') or [])} on deployment {event.deployment}"
    if event.kind in _UPTIME:
        return f"{event.project}: {data.get('hostname')} {_UPTIME[event.kind]} " \
               f"({data.get('detail')})"
    what = f"{data.get('target') or 'deployment'}"
    if data.get("branch"):
        what += f" of {data['branch']}"
    if data.get("commit_sha"):
        what += f" ({str(data['commit_sha'])[:7]})"
    verb = _VERBS.get(event.kind, event.kind.removeprefix("deployment."))
    return f"{event.project}: {what} {verb}"


def body(event: Event) -> str:
    """A few lines: the title, the URLs, the error if any."""
    data = event.data
    lines = [title(event)]
    for label, key in (("URL", "url"), ("Branch URL", "branch_url"),
                       ("Pull request URL", "pull_request_url")):
        if data.get(key):
            lines.append(f"{label}: {data[key]}")
    if data.get("error"):
        lines.append(f"Error: {data['error']}")
    if data.get("comment"):
        lines.append(f"Comment: {data['comment']}")
    return "\n".join(lines)
