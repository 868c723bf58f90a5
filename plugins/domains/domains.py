"""Custom domains: add, verify, redirect, point at production or a branch, remove.

A domain serves only once verified (:mod:`autostack_plugins.domains.ownership`). Then it
is either an alias (``AliasKind.CUSTOM``) of the deployment its target
points at, the production alias or the alias of ``git_branch``, and follows
that alias when it moves (:func:`followers`, answering the core's
``extra_hostnames`` hook; :mod:`autostack_core.services.aliases` moves it),
or, with ``redirect_to``, a redirect the edge answers itself. Everything a
domain needs from the edge goes through the server's edge (``app.edge``, the
:class:`autostack_core.interfaces.edge.Edge` interface): ``bind`` (through the
alias), ``redirect``, ``unbind`` and ``certificate``. Its certificate is the
edge's business (the local edge issues it on demand the first time it is asked
for, then redirects HTTP to HTTPS); :func:`refresh_certificate` records the
state the edge reports, and a failure (first issuance or renewal) is announced
as ``domain.certificate_failed``.

When the project's team connected a DNS zone holding the domain,
:mod:`autostack_plugins.domains.dns_zones` writes its records there as it is added and
deletes them as it is removed; ownership is then checked as for any domain.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import idna
from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.domains import Domain
from autostack_core.infrastructure.models.enums import SslStatus
from autostack_core.interfaces import Event
from autostack_core.interfaces.edge import REDIRECT_STATUSES
from autostack_core.services import aliases, audit, quotas
from autostack_core.utils import branch_name_problem

from . import dns_zones, ownership

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project

logger = logging.getLogger("autostack.domains")

LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
DEFAULT_REDIRECT_STATUS = 308


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def normalize(name: str, base_domain: str, field: str = "domain") -> str:
    """A lowercase ASCII (punycode) hostname, or a 422 naming what is wrong."""
    name = name.strip().rstrip(".").lower()
    if not name:
        raise ApiError(422, f"{field}: a domain name is required", field)
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise ApiError(422, f"{field}: {name} is an IP address; add a domain name", field)
    if name.startswith("*."):
        raise ApiError(422, f"{field}: wildcard domains are not supported; add each name", field)
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise ApiError(422, f"{field}: {name} is not a valid internationalized domain "
                                f"name ({error})", field) from error
    for reserved in {base_domain, "localhost"}:
        if name == reserved or name.endswith(f".{reserved}"):
            raise ApiError(422, f"{field}: {name} is the platform's own domain; its hostnames "
                                "are assigned automatically", field)
    if len(name) > 253:
        raise ApiError(422, f"{field}: a domain name has at most 253 characters", field)
    labels = name.split(".")
    if len(labels) < 2:
        raise ApiError(422, f"{field}: {name} is not a fully qualified domain name "
                            "(like www.example.com)", field)
    for label in labels:
        if len(label) > 63:
            raise ApiError(422, f"{field}: the label {label[:20]}... is longer than 63 "
                                "characters", field)
        if not LABEL.match(label):
            raise ApiError(422, f"{field}: {label!r} is not a valid label (letters, digits and "
                                "inner hyphens)", field)
    return name


def check_redirect(status: int | None) -> int:
    status = status or DEFAULT_REDIRECT_STATUS
    if status not in REDIRECT_STATUSES:
        allowed = ", ".join(str(code) for code in REDIRECT_STATUSES)
        raise ApiError(422, f"redirect_status: use one of {allowed}", "redirect_status")
    return status


def counterpart(name: str) -> str:
    """``www.example.com`` for ``example.com`` and the other way round."""
    return name.removeprefix("www.") if name.startswith("www.") else f"www.{name}"


# ---------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------


async def target_hostname(app: AutoStack, project: Project, domain: Domain) -> str:
    """The alias a domain follows: production, or its branch's."""
    base = app.settings.base_domain
    if domain.git_branch:
        return await aliases.branch_hostname(project, domain.git_branch, base)
    return aliases.production_hostname(project, base)


async def find(project: Project, name: str) -> Domain:
    key = name.strip().lower()
    # Longer than any domain name: no row holds it, and Tortoise refuses to query it.
    domain = await Domain.get_or_none(project=project, domain_name=key) if len(key) <= 253 else None
    if domain is None:
        raise ApiError(404, f"domain {name} not found in project {project.name}", "domain")
    return domain


def audit_fields(domain: Domain) -> dict[str, Any]:
    """What the audit log keeps of a domain's settings."""
    return {"domain": domain.domain_name, "git_branch": domain.git_branch,
            "redirect_to": domain.redirect_to, "redirect_status": domain.redirect_status}


def check_branch(git_branch: str | None) -> None:
    """422 naming ``git_branch`` unless it is a valid git branch name (or empty).

    Like Vercel, a branch that has no deployment yet is accepted: the domain
    follows it once it is pushed.
    """
    problem = branch_name_problem(git_branch) if git_branch else None
    if problem:
        raise ApiError(422, f"git_branch: {problem} (use a git branch name like main or "
                            "feature/login)", "git_branch")


async def add(app: AutoStack, project: Project, name: str, git_branch: str | None = None,
              redirect_to: str | None = None, redirect_status: int | None = None,
              redirect_counterpart: bool = False) -> list[Domain]:
    """Store a new, unverified domain; 409 when any project has it already.

    ``redirect_counterpart`` also adds the ``www``/apex counterpart, redirecting
    to this domain. Returns the domains added.
    """
    name = normalize(name, app.settings.base_domain)
    check_branch(git_branch)
    names = [name, counterpart(name)] if redirect_counterpart else [name]
    for candidate in names:
        existing = await Domain.get_or_none(domain_name=candidate)
        if existing is not None:
            mine = existing.project_id == project.id  # type: ignore[attr-defined]
            where = "this project" if mine else "another project"
            raise ApiError(409, f"domain: {candidate} is already added to {where}", "domain")
    await quotas.check(project.team_id, "custom_domains",  # type: ignore[attr-defined]
                       adding=len(names))
    async with in_transaction():
        redirect = await _redirect_fields(app, project, name, redirect_to, redirect_status)
        added = [await Domain.create(project=project, domain_name=name,
                                     git_branch=git_branch or None,
                                     verification_token=secrets.token_hex(16), **redirect)]
        if redirect_counterpart:
            added.append(await Domain.create(
                project=project, domain_name=names[1], redirect_to=name,
                redirect_status=check_redirect(redirect_status),
                verification_token=secrets.token_hex(16)))
        for domain in added:
            await audit.record("domain.added", team=project.team_id,  # type: ignore[attr-defined]
                               target=("domain", domain.domain_name), project=project.name,
                               after=audit_fields(domain))
    team_id: int = project.team_id  # type: ignore[attr-defined]
    for domain in added:
        zone = await dns_zones.covering(team_id, domain.domain_name)
        if zone is not None:
            # The DNS host may take a minute to apply the records: a queued task writes them.
            domain.dns_zone = zone
            await domain.save(update_fields=["dns_zone_id"])
            app.queue.enqueue("publish_domain_records", domain.id)
    return added


async def publish_records(app: AutoStack, domain_id: int) -> None:
    """The queue task: write a domain's records in its team's zone, then check ownership.

    A DNS host's failure is stored on the domain (``dns_zone_error``), never raised.
    """
    domain = await Domain.get_or_none(id=domain_id).select_related("project")
    if domain is None:
        return
    if not await dns_zones.write_records(app, domain):
        return
    try:
        await verify(app, domain.project, domain)
    except Exception:
        logger.exception("checking %s after writing its records failed", domain.domain_name)


async def update(app: AutoStack, project: Project, domain: Domain, changes: dict[str, Any]) -> None:
    """Change ``git_branch``, ``redirect_to`` or ``redirect_status`` and apply it."""
    before = audit_fields(domain)
    if "git_branch" in changes:
        check_branch(changes["git_branch"])
        domain.git_branch = changes["git_branch"] or None
    if "redirect_to" in changes or "redirect_status" in changes:
        fields = await _redirect_fields(
            app, project, domain.domain_name,
            changes.get("redirect_to", domain.redirect_to),
            changes.get("redirect_status", domain.redirect_status))
        domain.redirect_to, domain.redirect_status = fields["redirect_to"], \
            fields["redirect_status"]
    await domain.save()
    await audit.record("domain.updated", team=project.team_id,  # type: ignore[attr-defined]
                       target=("domain", domain.domain_name), project=project.name,
                       before=before, after=audit_fields(domain))
    if domain.is_verified:
        await activate(app, project, domain)


async def _redirect_fields(app: AutoStack, project: Project, name: str,
                           redirect_to: str | None, status: int | None) -> dict[str, Any]:
    """``redirect_to`` must be another domain of the project (``www``/apex included)."""
    if not redirect_to:
        return {"redirect_to": None, "redirect_status": None}
    target = normalize(redirect_to, app.settings.base_domain, "redirect_to")
    if target == name:
        raise ApiError(422, "redirect_to: a domain cannot redirect to itself", "redirect_to")
    if not await Domain.exists(project=project, domain_name=target):
        raise ApiError(422, f"redirect_to: {target} is not a domain of this project; add it "
                            "first", "redirect_to")
    return {"redirect_to": target, "redirect_status": check_redirect(status)}


def in_zone(domain: Domain) -> bool:
    """Whether AutoStack writes the domain's records in a connected DNS zone."""
    return bool(domain.dns_zone_id)  # type: ignore[attr-defined]


async def verify(app: AutoStack, project: Project, domain: Domain) -> dict[str, Any]:
    """Check the TXT record, then the HTTP token; serve the domain once either is right.

    For a domain verified already, this re-checks its records and refreshes its
    certificate state (the dashboard's and the CLI's "check again").
    """
    records = await ownership.dns_records(app.settings, domain.domain_name,
                                          domain.verification_token, in_zone(domain))
    by_type = {record.type: record for record in records}
    method = "dns" if by_type["TXT"].ok else None
    if method is None and await ownership.http_token_ok(app.settings, domain.domain_name,
                                                        domain.verification_token):
        method = "http"
    domain.dns_configured = ownership.routed(records)
    newly_verified = method is not None and not domain.is_verified
    if newly_verified:
        domain.is_verified, domain.verified_at = True, datetime.now(UTC)
        domain.ssl_status = SslStatus.PENDING
    await domain.save()
    if newly_verified:
        await activate(app, project, domain)
    if domain.is_verified:
        app.queue.enqueue("refresh_domain_certificate", domain.id)
    return {"verified": domain.is_verified, "method": method,
            "records": [record.as_dict() for record in records]}


async def activate(app: AutoStack, project: Project, domain: Domain) -> None:
    """Serve a verified domain as it is now: a redirect, or an alias of its target's deployment.

    Each replaces whatever the edge served for it; a domain whose target has no
    deployment (yet) is not served.
    """
    if domain.redirect_to:
        await aliases.drop(domain.domain_name)
        await app.edge.redirect(domain.domain_name, domain.redirect_to,
                                domain.redirect_status or DEFAULT_REDIRECT_STATUS)
        return
    if not await aliases.point_like(app, project, domain.domain_name,
                                    await target_hostname(app, project, domain),
                                    branch=domain.git_branch):
        await deactivate(app, project, domain)


async def deactivate(app: AutoStack, project: Project, domain: Domain) -> None:
    """Stop serving a domain (its alias or its redirect, and its HTTPS redirect)."""
    await aliases.drop(domain.domain_name)
    await app.edge.unbind(domain.domain_name)


async def remove(app: AutoStack, project: Project, domain: Domain) -> None:
    """Delete the domain and the records AutoStack wrote; the edge stops serving it."""
    await dns_zones.delete_records(app, domain)
    await domain.delete()
    await audit.record("domain.removed", team=project.team_id,  # type: ignore[attr-defined]
                       target=("domain", domain.domain_name), project=project.name,
                       before=audit_fields(domain))
    await deactivate(app, project, domain)


async def redirects() -> list[tuple[str, str, int]]:
    """Every verified domain that redirects: ``(domain, target, status)`` (each node's edge
    sync serves them: ``extra_redirects``)."""
    rows = await Domain.filter(is_verified=True, redirect_to__isnull=False) \
        .values_list("domain_name", "redirect_to", "redirect_status")
    return [(str(name), str(target), int(status or DEFAULT_REDIRECT_STATUS))
            for name, target, status in rows if target]


async def followers(app: AutoStack, project: Project, hostname: str) -> list[str]:
    """The verified domains that follow the alias ``hostname`` and redirect nowhere
    (``extra_hostnames``: the core points them where ``hostname`` now points)."""
    found = []
    for domain in await Domain.filter(project=project, is_verified=True,
                                      redirect_to__isnull=True):
        if await target_hostname(app, project, domain) == hostname:
            found.append(domain.domain_name)
    return found


async def refresh_certificate(app: AutoStack, domain_id: int) -> None:
    """Record the certificate state the edge reports; announce a new failure (issuance or
    renewal). Asking is what makes the local edge request one, and serve HTTPS once issued."""
    domain = await Domain.get_or_none(id=domain_id).prefetch_related("project")
    if domain is None or not domain.is_verified:
        return
    state = await app.edge.certificate(domain.domain_name)
    new_error = state.error is not None and state.error != domain.ssl_error
    domain.ssl_status = SslStatus(state.status.value)
    domain.ssl_error = state.error  # type: ignore[assignment]  # nullable column
    domain.cert_expires_at = state.expires_at or domain.cert_expires_at
    await domain.save(update_fields=["ssl_status", "ssl_error", "cert_expires_at"])
    if new_error:
        await app.notify(Event(kind="domain.certificate_failed", project=domain.project.name,
                               data={"domain": domain.domain_name, "error": state.error,
                                     "still_serving": domain.ssl_status == SslStatus.ISSUED}))


async def recheck(app: AutoStack) -> None:
    """Background pass: verify unverified domains, refresh every certificate state."""
    for domain in await Domain.all().prefetch_related("project"):
        try:
            if not domain.is_verified:
                await verify(app, domain.project, domain)
            else:
                await refresh_certificate(app, domain.id)
        except Exception:
            logger.exception("re-checking domain %s failed", domain.domain_name)
        await asyncio.sleep(0)


async def allowed_hostname(hostname: str) -> bool:
    """Whether the edge may get a certificate for ``hostname``: verified, or AutoStack's own."""
    hostname = hostname.strip().rstrip(".").lower()
    if await Domain.exists(domain_name=hostname, is_verified=True):
        return True
    return await aliases.exists(hostname)


async def domain_json(app: AutoStack, project: Project, domain: Domain,
                      records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The API's view of a domain; ``records`` (DNS state) when already looked up."""
    if records is None:
        found = await ownership.dns_records(app.settings, domain.domain_name,
                                            domain.verification_token, in_zone(domain))
        records = [record.as_dict() for record in found]
    return {
        "name": domain.domain_name,
        "project": project.name,
        "target": f"branch:{domain.git_branch}" if domain.git_branch else "production",
        "git_branch": domain.git_branch,
        "redirect_to": domain.redirect_to,
        "redirect_status": domain.redirect_status,
        "verified": domain.is_verified,
        "verified_at": domain.verified_at.isoformat() if domain.verified_at else None,
        "dns_configured": domain.dns_configured,
        "verification": {
            "txt": {"name": ownership.challenge_name(domain.domain_name),
                    "value": domain.verification_token},
            "http": {"url": f"http://{domain.domain_name}{ownership.CHALLENGE_PATH}"
                            f"{domain.verification_token}",
                     "body": domain.verification_token},
        },
        "records": records,
        "dns_zone": await dns_zones.domain_zone_json(domain),
        "ssl": {"status": str(domain.ssl_status), "error": domain.ssl_error,
                "expires_at": domain.cert_expires_at.isoformat()
                if domain.cert_expires_at else None},
        "created_at": domain.created_at.isoformat(),
    }
