"""Who gets into a protected deployment: the checks behind the edge's question.

A visitor of a protected hostname is let in by one of:

* the bypass secret (automation): the ``x-vercel-protection-bypass`` header or
  query parameter (``x-autostack-protection-bypass`` works as the header too);
  with ``x-vercel-set-bypass-cookie`` (``true``, or ``samesitenone`` for
  frames on other sites, HTTPS only) the answer is a redirect to the same URL
  without the bypass parameters that sets the access cookie, so a browser
  keeps access;
* the access cookie :data:`COOKIE`: signed with a key derived from the
  server's keyring, HttpOnly, for this one hostname (no ``Domain``), naming
  the hostname, the project and the grant it was earned with. The grant is
  checked again on every request: a password grant names a digest of the
  password's hash (a new password signs everyone out), a team grant names the
  user (who must still be in the project's team), a bypass grant names a
  digest of the secret (a new secret signs those out). A cookie earned on
  project A's hostname names that hostname and project, so it opens nothing
  else even when copied.

Team login tickets (:func:`ticket_for`, :func:`redeem`) carry a signed-in
member from the dashboard back to the deployment's hostname: signed, one
hostname, :data:`TICKET_SECONDS` long.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer

from autostack_core.errors import Throttled
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    AuditEvent,
    Deployment,
    Environment,
    Project,
    ProtectionMode,
    TeamMember,
    User,
)
from autostack_core.security import accounts
from autostack_core.security.auth import signer
from autostack_core.security.throttle import seconds_until, utc_now
from autostack_core.services.checks import fits
from autostack_core.services.protection import environment_of, mode_for

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

COOKIE = "autostack_protection"
COOKIE_SECONDS = 7 * 24 * 3600
TICKET_SECONDS = 60
BYPASS_HEADERS = ("x-vercel-protection-bypass", "x-autostack-protection-bypass")
BYPASS_PARAMETER = "x-vercel-protection-bypass"
SET_COOKIE_PARAMETER = "x-vercel-set-bypass-cookie"
SET_COOKIE_VALUES = ("true", "samesitenone")
PASSWORD_FAILURE_LIMIT = 10
PASSWORD_FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Target:
    """A protected hostname as the gate sees it: its project, environment and mode."""

    hostname: str
    project: Project
    environment: Environment
    mode: ProtectionMode
    deployment: Deployment | None = None
    """The deployment the hostname is bound to (the image endpoints read its files)."""


async def target_of(hostname: str, base_domain: str) -> Target | None:
    """The project and environment serving ``hostname``; ``None`` when AutoStack serves
    nothing of a project there (a custom domain that became a redirect, say).

    A new deployment's own hostname is protected before its alias row exists: it is
    found by its name, ``<project>-<deployment id>.<base domain>``.
    """
    hostname = hostname.lower()
    alias = await Alias.get_or_none(hostname=hostname).select_related("project", "deployment")
    if alias is not None:
        environment = environment_of(AliasKind(alias.kind), alias.branch, alias.deployment)
        return Target(hostname, alias.project, environment,
                      mode_for(alias.project, environment), alias.deployment)
    label = hostname.removesuffix(f".{base_domain}")
    project_name, _, deployment_id = label.rpartition("-")
    if label == hostname or not project_name or not fits(Deployment, "id", deployment_id):
        return None
    deployment = await Deployment.get_or_none(
        id=deployment_id, project__name=project_name).select_related("project")
    if deployment is None:
        return None
    environment = Environment(deployment.target)
    return Target(hostname, deployment.project, environment,
                  mode_for(deployment.project, environment), deployment)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _serializer(app: AutoStack, purpose: str) -> URLSafeTimedSerializer:
    return signer(app.keyring, f"deployment-protection-{purpose}")


# -- the grants a cookie carries ---------------------------------------------------------------


def password_grant(project: Project) -> str | None:
    hashed = project.protection_password_hash
    return None if hashed is None else f"password:{_digest(hashed)}"


def bypass_grant(project: Project) -> str | None:
    secret = project.protection_bypass
    return None if secret is None else f"bypass:{_digest(secret)}"


def cookie_value(app: AutoStack, target: Target, grant: str) -> str:
    """The signed access cookie for ``target``'s hostname with ``grant``."""
    return str(_serializer(app, "cookie").dumps(
        {"h": target.hostname, "p": target.project.id, "g": grant}))


async def grant_holds(target: Target, grant: str) -> bool:
    """Whether ``grant`` still lets a visitor into ``target`` (re-checked every request)."""
    kind, _, value = grant.partition(":")
    if kind == "bypass":
        return grant == bypass_grant(target.project)
    if kind == "password":
        return target.mode == ProtectionMode.PASSWORD and grant == password_grant(target.project)
    if kind == "team" and value.isdigit():
        return target.mode == ProtectionMode.TEAM and await TeamMember.exists(
            team_id=target.project.team_id, user_id=int(value))  # type: ignore[attr-defined]
    return False


async def cookie_admits(app: AutoStack, target: Target, cookie: str | None) -> bool:
    """Whether the access cookie is signed, fresh, for this hostname and project, and holds."""
    if not cookie:
        return False
    try:
        payload = _serializer(app, "cookie").loads(cookie, max_age=COOKIE_SECONDS)
    except BadSignature:
        return False
    if not isinstance(payload, dict) or payload.get("h") != target.hostname \
            or payload.get("p") != target.project.id or not isinstance(payload.get("g"), str):
        return False
    return await grant_holds(target, payload["g"])


def bypass_matches(project: Project, sent: str | None) -> bool:
    """Whether ``sent`` is the project's bypass secret (compared in constant time)."""
    secret = project.protection_bypass
    return bool(sent) and secret is not None and hmac.compare_digest(
        str(sent).encode(), secret.encode())


# -- the request's parts ------------------------------------------------------------------------


def sent_bypass(headers: dict[str, str], uri: str) -> tuple[str | None, str | None]:
    """The bypass secret and the set-cookie wish a request carries (header, else query)."""
    query = dict(parse_qsl(urlsplit(uri).query))
    secret = next((headers[name] for name in BYPASS_HEADERS if headers.get(name)), None)
    wish = headers.get(SET_COOKIE_PARAMETER) or query.get(SET_COOKIE_PARAMETER)
    return secret or query.get(BYPASS_PARAMETER), wish


def without_bypass(uri: str) -> str:
    """``uri`` (a path and query) without the bypass query parameters."""
    parts = urlsplit(uri)
    kept = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key not in (BYPASS_PARAMETER, SET_COOKIE_PARAMETER)]
    return urlunsplit(("", "", local_path(parts.path), urlencode(kept), ""))


def local_path(path: str) -> str:
    """``path`` if it is a path on this hostname, else ``/``: never a way to another host."""
    if not path.startswith("/") or path.startswith(("//", "/\\")) or "\\" in path:
        return "/"
    return path


# -- password ---------------------------------------------------------------------------------


async def check_password_attempt(project: Project, ip: str) -> None:
    """Refuse (429) a password attempt from an address that failed many times lately."""
    since = utc_now() - PASSWORD_FAILURE_WINDOW
    recent = await AuditEvent.filter(
        action="protection.password_failed", target_type="project",
        target_id=str(project.id), ip=ip[:64], created_at__gte=since,
    ).order_by("-created_at").limit(PASSWORD_FAILURE_LIMIT).values_list("created_at", flat=True)
    if len(recent) >= PASSWORD_FAILURE_LIMIT:
        oldest: Any = recent[-1]
        raise Throttled("wrong passwords from your address",
                        seconds_until(oldest + PASSWORD_FAILURE_WINDOW), "password")


async def password_admits(target: Target, password: str, ip: str) -> bool:
    """Whether ``password`` is the project's; a wrong one is recorded for the throttle."""
    await check_password_attempt(target.project, ip)
    if target.mode == ProtectionMode.PASSWORD and accounts.verify_password(
            target.project.protection_password_hash, password):
        return True
    await accounts.audit("protection.password_failed", team=await target.project.team,
                         target=("project", str(target.project.id)), ip=ip,
                         hostname=target.hostname)
    return False


# -- team login tickets -------------------------------------------------------------------------


async def is_member(user: User, project: Project) -> bool:
    return await TeamMember.exists(team_id=project.team_id,  # type: ignore[attr-defined]
                                   user=user)


def ticket_for(app: AutoStack, target: Target, user: User) -> str:
    """A short-lived signed ticket: ``user`` may enter ``target``'s hostname."""
    return str(_serializer(app, "ticket").dumps({"h": target.hostname, "u": user.id}))


async def redeem(app: AutoStack, target: Target, ticket: str) -> str | None:
    """The team grant a fresh ticket for this hostname gives, if its user is still a member."""
    try:
        payload = _serializer(app, "ticket").loads(ticket, max_age=TICKET_SECONDS)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("h") != target.hostname \
            or not isinstance(payload.get("u"), int):
        return None
    grant = f"team:{payload['u']}"
    return grant if await grant_holds(target, grant) else None
