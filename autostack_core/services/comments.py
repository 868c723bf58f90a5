"""Comments on deployments, with @mentions that notify, as on Vercel's preview comments.

Any member of the project's team reads them; members and up write (viewers
read only). Authors edit and delete their own comments; admins and owners may
delete anyone's; members and up resolve and reopen. A mention is ``@`` and a
team member's e-mail local part (``@ada`` for ada@example.com) or whole
address; each member newly mentioned gets an in-app notification
(:class:`~autostack_core.infrastructure.models.UserNotification`) and the
``comment.mentioned`` event goes to the project's notifiers that ask for it.
Every change is saved (with its in-app notifications), then announced on the
deployment's presence channel.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError, Forbidden, NotFound
from autostack_core.infrastructure.models import (
    ROLE_RANK,
    Deployment,
    DeploymentComment,
    Project,
    Role,
    TeamMember,
    User,
    UserNotification,
)
from autostack_core.interfaces import Event
from autostack_core.services import audit, presence
from autostack_core.services.access import check_rank

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

MAX_BODY = 5000
"""Characters a comment may hold."""
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+)?)")
EVENT = "comment.mentioned"


def checked_body(body: str) -> str:
    """The body as stored: trimmed; 422 naming ``body`` when empty or too long."""
    body = body.strip()
    if not body:
        raise ApiError(422, "body: write something; a comment cannot be empty", "body")
    if len(body) > MAX_BODY:
        raise ApiError(422, f"body: at most {MAX_BODY} characters (this one has {len(body)})",
                       "body")
    return body


async def team_members(team_id: int) -> list[User]:
    return [member.user for member in
            await TeamMember.filter(team_id=team_id).select_related("user").order_by("id")]


def handles(members: list[User]) -> dict[str, User]:
    """Each member by the names a mention may use: e-mail address and its local part,
    lowercase (the first member keeps a local part two share)."""
    by_handle: dict[str, User] = {}
    for user in members:
        by_handle.setdefault(user.email.lower(), user)
        by_handle.setdefault(user.email.split("@", 1)[0].lower(), user)
    return by_handle


def handle_of(match: re.Match[str]) -> str:
    """The name a :data:`MENTION` match uses, as :func:`handles` keys it."""
    return match.group(1).rstrip(".").lower()


def mentioned(body: str, members: list[User]) -> list[User]:
    """The members ``body`` mentions, each once, in the order first mentioned."""
    by_handle = handles(members)
    found: dict[int, User] = {}
    for match in MENTION.finditer(body):
        member = by_handle.get(handle_of(match))
        if member is not None:
            found.setdefault(member.id, member)
    return list(found.values())


def as_json(comment: DeploymentComment, author: User | None) -> dict[str, Any]:
    return {
        "id": comment.id, "deployment": comment.deployment_id,  # type: ignore[attr-defined]
        "author": None if author is None else {
            "id": author.id, "name": presence.display_name(author), "email": author.email},
        "body": comment.body, "mentions": comment.mentions,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at and comment.edited_at.isoformat(),
        "resolved_at": comment.resolved_at and comment.resolved_at.isoformat(),
        "resolved_by": comment.resolved_by_id,  # type: ignore[attr-defined]
    }


async def listed(deployment: Deployment) -> list[DeploymentComment]:
    """The deployment's comments, oldest first, with their authors."""
    return list(await DeploymentComment.filter(deployment_id=deployment.id)
                .order_by("id").select_related("author"))


async def get(deployment: Deployment, comment_id: int) -> DeploymentComment:
    comment = await DeploymentComment.get_or_none(id=comment_id, deployment_id=deployment.id) \
        .select_related("author")
    if comment is None:
        raise NotFound("comment", "comment_id")
    return comment


async def _notify(app: AutoStack, comment: DeploymentComment, deployment: Deployment,
                  project: Project, author: User, users: list[User]) -> None:
    """Tell each of ``users`` (not the author) they were mentioned: in the app, then the
    project's notifiers."""
    users = [user for user in users if user.id != author.id]
    if not users:
        return
    link = f"/deployments/{deployment.id}#comment-{comment.id}"
    excerpt = comment.body if len(comment.body) <= 140 else comment.body[:139] + "…"
    name = presence.display_name(author)
    for user in users:
        await UserNotification.create(
            user=user, kind=EVENT, link=link,
            text=f"{name} mentioned you on {project.name} ({deployment.id}): {excerpt}"[:500])
    await app.notify(Event(kind=EVENT, project=project.name, deployment=deployment.id, data={
        "author": name, "comment": comment.body, "comment_path": link,
        "mentioned": [user.email for user in users]}))


async def create(app: AutoStack, deployment: Deployment, project: Project, author: User,
                 role: Role, body: str) -> DeploymentComment:
    check_rank(role, Role.MEMBER)
    body = checked_body(body)
    users = mentioned(body, await team_members(project.team_id))  # type: ignore[attr-defined]
    comment = await DeploymentComment.create(
        deployment=deployment, author=author, body=body, mentions=[user.id for user in users])
    comment.author = author
    await audit.record("comment.created", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       actor=author, details={"comment": comment.id})
    await _notify(app, comment, deployment, project, author, users)
    await presence.announce(app, presence.deployment_target(deployment.id))
    return comment


def _check_author(comment: DeploymentComment, user: User, doing: str) -> None:
    if comment.author_id != user.id:  # type: ignore[attr-defined]
        raise Forbidden(f"only its author may {doing} a comment")


async def edit(app: AutoStack, comment: DeploymentComment, deployment: Deployment,
               project: Project, user: User, role: Role, body: str) -> DeploymentComment:
    """Change the author's own comment; members it newly mentions are notified."""
    check_rank(role, Role.MEMBER)
    _check_author(comment, user, "edit")
    body = checked_body(body)
    users = mentioned(body, await team_members(project.team_id))  # type: ignore[attr-defined]
    before = set(comment.mentions)
    comment.body, comment.mentions = body, [u.id for u in users]
    comment.edited_at = datetime.now(UTC)
    await comment.save(update_fields=["body", "mentions", "edited_at"])
    await audit.record("comment.edited", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       actor=user, details={"comment": comment.id})
    await _notify(app, comment, deployment, project, user,
                  [u for u in users if u.id not in before])
    await presence.announce(app, presence.deployment_target(deployment.id))
    return comment


async def delete(app: AutoStack, comment: DeploymentComment, deployment: Deployment,
                 project: Project, user: User, role: Role) -> None:
    """Delete a comment: its author (member and up), or an admin or owner."""
    check_rank(role, Role.MEMBER)
    if ROLE_RANK[role] < ROLE_RANK[Role.ADMIN]:
        _check_author(comment, user, "delete")
    await comment.delete()
    await audit.record("comment.deleted", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       actor=user, details={"comment": comment.id})
    await presence.announce(app, presence.deployment_target(deployment.id))


async def resolve(app: AutoStack, comment: DeploymentComment, deployment: Deployment,
                  project: Project, user: User, role: Role, resolved: bool) -> DeploymentComment:
    """Mark a comment resolved (or open again); members and up."""
    check_rank(role, Role.MEMBER)
    comment.resolved_at = datetime.now(UTC) if resolved else None
    comment.resolved_by = user if resolved else None
    await comment.save(update_fields=["resolved_at", "resolved_by_id"])
    await audit.record("comment.resolved" if resolved else "comment.reopened",
                       team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       actor=user, details={"comment": comment.id})
    await presence.announce(app, presence.deployment_target(deployment.id))
    return comment


async def signature(deployment_id: str) -> list[tuple[Any, ...]]:
    """What the live view compares to see that the comments changed."""
    rows = await DeploymentComment.filter(deployment_id=deployment_id).order_by("id") \
        .values_list("id", "edited_at", "resolved_at")
    return [tuple(row) for row in rows]
