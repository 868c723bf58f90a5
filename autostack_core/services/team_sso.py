"""A team's single sign-on: its OpenID Connect settings, who may join, with which role,
and whether members must sign in through it.

Like Vercel's and Netlify's team SSO: a person the team's identity provider
vouches for joins the team on their first sign-in (just in time) with the
role its ``role_claim`` maps to, and their role follows the provider at every
sign-in (the team's creator is never demoted). With ``enforced``, a browser
session that did not sign in through the team's provider is refused the
team's pages and API with a link to sign in (:func:`check_access`); owners are
exempt, so a broken provider cannot lock a team out of fixing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from autostack_core.errors import ApiError, Forbidden
from autostack_core.infrastructure.models import ROLE_RANK, Role, Team, TeamMember, User
from autostack_core.infrastructure.models.sso import SsoSession, TeamSso
from autostack_core.interfaces.sign_in import SignInError
from autostack_core.security import accounts, oidc, sign_in_method
from autostack_core.security.outbound import Outbound
from autostack_core.services import audit, quotas

if TYPE_CHECKING:
    from autostack_core.config import Settings

MAX_MAPPINGS = 50
CHECK_SECONDS = 10


class SsoRequired(Forbidden):
    """The team requires its single sign-on and this session did not use it."""

    def __init__(self, team: Team) -> None:
        super().__init__(f"the team {team.slug} requires single sign-on: sign in at "
                         f"{login_path(team.slug)}")
        self.login_url = login_path(team.slug)


def login_path(slug: str) -> str:
    return f"/auth/sso/{slug}/login"


def _issuer(value: str) -> str:
    issuer = value.strip().rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ApiError(422, "the issuer must be an http(s) URL without query or fragment",
                       "issuer")
    return issuer


def _role_map(value: Mapping[str, Any]) -> dict[str, str]:
    if len(value) > MAX_MAPPINGS:
        raise ApiError(422, f"at most {MAX_MAPPINGS} role mappings", "role_map")
    mapped: dict[str, str] = {}
    for claim_value, role in value.items():
        if str(role) not in {str(item) for item in Role}:
            raise ApiError(422, f"{claim_value!r} maps to {role!r}, which is not a role "
                           f"({', '.join(str(item) for item in Role)})", "role_map")
        mapped[str(claim_value)[:255]] = str(role)
    return mapped


def _domains(values: Iterable[str]) -> list[str]:
    domains = [value.strip().lower().lstrip("@") for value in values if value.strip()]
    for domain in domains:
        if "." not in domain or "/" in domain or " " in domain:
            raise ApiError(422, f"{domain!r} is not an e-mail domain", "allowed_domains")
    return domains


async def check_issuer(settings: Settings, issuer: str) -> None:
    """422 on ``issuer`` unless it answers as an OpenID provider (through the outbound
    allow-list), so a typo shows when the settings are saved, not at the first sign-in."""
    try:
        async with Outbound.from_settings(settings).client(timeout=CHECK_SECONDS) as http:
            await oidc.discover(http, _issuer(issuer))
    except SignInError as error:
        raise ApiError(422, f"the issuer does not answer as an OpenID provider: {error}",
                       "issuer") from error


async def configure(team: Team, *, issuer: str, client_id: str, client_secret: str | None,
                    role_claim: str, role_map: Mapping[str, Any], default_role: Role | None,
                    allowed_domains: Iterable[str], enforced: bool) -> TeamSso:
    """Create or replace ``team``'s settings (``client_secret`` None keeps the stored one),
    audited without the secret."""
    config = await TeamSso.get_or_none(team=team)
    before = sso_json(config, team.slug) if config else None
    if config is None and not client_secret:
        raise ApiError(422, "the client secret is required", "client_secret")
    if not client_id.strip():
        raise ApiError(422, "the client id is required", "client_id")
    values = {"issuer": _issuer(issuer), "client_id": client_id.strip(),
              "role_claim": role_claim.strip() or "groups", "role_map": _role_map(role_map),
              "default_role": default_role, "allowed_domains": _domains(allowed_domains),
              "enforced": enforced}
    if config is None:
        config = TeamSso(team=team, **values)
    else:
        config.update_from_dict(values)
    if client_secret:
        config.client_secret = client_secret
    await config.save()
    await audit.record("team.sso_updated", team=team, target=("team", str(team.id)),
                       before=before, after=sso_json(config, team.slug))
    return config


async def remove(team: Team) -> None:
    config = await TeamSso.get_or_none(team=team)
    if config is None:
        raise ApiError(404, "this team has no single sign-on", "slug")
    await config.delete()
    await audit.record("team.sso_removed", team=team, target=("team", str(team.id)),
                       before=sso_json(config, team.slug))


def sso_json(config: TeamSso, slug: str) -> dict[str, Any]:
    """The settings as shown: the secret only as whether it is set."""
    return {"issuer": config.issuer, "client_id": config.client_id,
            "client_secret_set": bool(config.client_secret_sealed),
            "role_claim": config.role_claim, "role_map": dict(config.role_map),
            "default_role": str(config.default_role) if config.default_role else None,
            "allowed_domains": list(config.allowed_domains), "enforced": config.enforced,
            "login_url": login_path(slug)}


def mapped_role(config: TeamSso, claims: Mapping[str, Any]) -> Role:
    """The highest role the claim's values map to, else the default; :class:`SignInError`
    when neither gives one."""
    raw = claims.get(config.role_claim)
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
    roles = [Role(config.role_map[str(value)]) for value in values
             if str(value) in config.role_map]
    if roles:
        return max(roles, key=lambda role: ROLE_RANK[role])
    if config.default_role is None:
        raise SignInError(f"your identity provider gives no role for this team (claim "
                          f"{config.role_claim!r}); ask its administrator")
    return Role(config.default_role)


def check_email(config: TeamSso, claims: Mapping[str, Any]) -> str:
    """The verified e-mail of the claims, in one of the allowed domains."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise SignInError("the identity provider gave no verified e-mail address")
    domain = email.rpartition("@")[2]
    if config.allowed_domains and domain not in config.allowed_domains:
        raise SignInError(f"e-mail addresses at {domain} may not sign in to this team")
    return email


async def check_room(team: Team, user: User | None) -> None:
    """Refuse (402, :class:`~autostack_core.services.quotas.QuotaExceeded`) a sign-in that
    would make a new member of a team whose plan has no room for one; ``user`` is the
    account the sign-in resolves to (None: a new one). Called before any account is
    created, so a refused sign-in leaves nothing behind."""
    if user is None or not await TeamMember.exists(team=team, user=user):
        await quotas.check(team.id, "members")


async def join(team: Team, user: User, role: Role) -> TeamMember:
    """Make ``user`` a member of ``team`` with ``role`` (the team's creator keeps owner); a
    new member only while the team's plan has room (:func:`check_room`)."""
    member = await TeamMember.get_or_none(team=team, user=user)
    if member is None:
        await check_room(team, None)
        member = await TeamMember.create(team=team, user=user, role=role)
        await audit.record("member.joined_sso", team=team, actor=user,
                           target=("user", str(user.id)), after={"role": str(role)})
        return member
    creator = user.id == team.owner_id  # type: ignore[attr-defined]
    if member.role != role and not creator:
        before, member.role = str(member.role), role
        await member.save(update_fields=["role"])
        await audit.record("member.role_changed_sso", team=team, actor=user,
                           target=("user", str(user.id)), before={"role": before},
                           after={"role": str(role)})
    return member


async def record_session(session_id: int, team: Team, subject: str) -> None:
    """Remember that the browser session ``session_id`` signed in through ``team``'s SSO."""
    await SsoSession.create(session_id=session_id, team=team, subject=subject[:255])


async def check_access(team: Team, role: Role) -> None:
    """Refuse (:class:`SsoRequired`) a request the SSO ``team`` enforces does not cover.

    A browser session must have signed in through the team's provider; an API
    token works while its user has such a session alive (signed in through the
    provider within the session lifetime, and not logged out). Owners, and
    work outside requests, pass.
    """
    if _exempt(role):
        return
    if await TeamSso.exists(team_id=team.id, enforced=True) and not await _covered(team.id):
        raise SsoRequired(team)


def _exempt(role: Role) -> bool:
    """Owners, and work outside requests, need no SSO sign-in."""
    return sign_in_method.current() is None or role == Role.OWNER


async def _covered(team_id: int) -> bool:
    """Whether this request's sign-in went through the team's SSO (see :func:`check_access`)."""
    sign_in = sign_in_method.current()
    if sign_in is None:
        return True
    if sign_in.session_id is not None:
        return await SsoSession.exists(session_id=sign_in.session_id, team_id=team_id)
    return await SsoSession.exists(team_id=team_id, session__user_id=sign_in.token_user_id,
                                   session__expires_at__gt=accounts.now())


async def refused_teams(roles: Mapping[int, Role]) -> set[int]:
    """Of the teams given (id: the user's role there), those whose enforced SSO this request's
    sign-in does not cover. As on Vercel, listings still name them, marked so the user
    is asked to sign in through the team's provider (:func:`login_path`)."""
    if sign_in_method.current() is None:
        return set()
    enforced: list[int] = await TeamSso.filter(  # type: ignore[assignment]
        team_id__in=list(roles), enforced=True).values_list("team_id", flat=True)
    return {team_id for team_id in enforced
            if not _exempt(roles[team_id]) and not await _covered(team_id)}
