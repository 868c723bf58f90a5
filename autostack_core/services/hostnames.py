"""Generated hostnames: valid DNS labels, unique, and each owned by one project.

Every generated label starts with a project name, and project names may hold
dashes, so the labels of two projects can meet: project ``alpha``'s branch
``feature`` is ``alpha-git-feature``, which is also the production label of a
project named ``alpha-git-feature`` (and ``alpha-pr-3``, ``alpha-<id>`` the
same way). Whoever came second used to take the other team's preview over.
Three rules keep a hostname with its project:

* a project name that is already the label of an alias is refused
  (:func:`check_project_name`); the production label is the name itself;
* a branch or pull-request label that is another project's alias or name,
  another branch's alias of the same project, or longer than 63 characters,
  is shortened and ends with a hash, as Vercel does (:func:`claim`); the hash
  is seeded with what only the project's own team sees (its id and creation
  time), so other teams cannot occupy the hashed names in advance;
* :func:`autostack_core.services.deployments.point_alias` never moves an alias that
  belongs to another project, whatever the caller computed.

Deployment labels ``<project>-<10 random characters>`` are left to chance
(36**10 ids); a collision would be refused by the last rule, never served.
"""

from __future__ import annotations

import hashlib

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Alias, AliasKind, Project
from autostack_core.utils import slugify

LABEL_LIMIT = 63  # RFC 1035: a DNS label has at most 63 octets
HASH_LENGTH = 6
HASHED_TRIES = 4
NAME_LIMIT: int = Project._meta.fields_map["name"].max_length  # type: ignore[attr-defined]


def branch_label(project_name: str, branch: str) -> str:
    """The label a branch's preview gets when it is free: ``<project>-git-<branch slug>``."""
    return f"{project_name}-git-{slugify(branch, LABEL_LIMIT)}".rstrip("-")


def pull_request_label(project_name: str, number: int) -> str:
    """The label a pull request's preview gets when it is free: ``<project>-pr-<n>``."""
    return f"{project_name}-pr-{number}"


def hashed_label(label: str, seed: str) -> str:
    """``label`` shortened to leave room for ``-<hash of seed>``, within 63 characters."""
    digest = hashlib.sha256(seed.encode()).hexdigest()[:HASH_LENGTH]
    return f"{label[:LABEL_LIMIT - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def candidates(project: Project, kind: AliasKind, key: str, label: str) -> list[str]:
    """The labels ``project``'s alias for ``key`` may take, preferred first."""
    seed = f"{project.id}/{project.created_at.isoformat()}/{kind.value}/{key}"
    hashed = [hashed_label(label, f"{seed}/{attempt}") for attempt in range(HASHED_TRIES)]
    return ([label] if len(label) <= LABEL_LIMIT else []) + hashed


def _is_own(alias: Alias, project: Project, kind: AliasKind, branch: str | None) -> bool:
    same_kind = alias.project_id == project.id and alias.kind == kind  # type: ignore[attr-defined]
    return same_kind and (kind != AliasKind.BRANCH or alias.branch == branch)


async def claim(project: Project, kind: AliasKind, key: str, label: str, base_domain: str,
                branch: str | None = None) -> str:
    """The hostname of ``project``'s ``kind`` alias for ``key`` (a branch, a PR number).

    The one it already has, else the first candidate no other alias and no
    other project's name holds. 409 when every candidate is taken.
    """
    labels = candidates(project, kind, key, label)
    hostnames = [f"{candidate}.{base_domain}" for candidate in labels]
    aliases = {alias.hostname: alias for alias in await Alias.filter(hostname__in=hostnames)}
    for hostname in hostnames:
        alias = aliases.get(hostname)
        if alias is not None and _is_own(alias, project, kind, branch):
            return hostname  # every push of a branch after its first: no second query
    possible_names = [candidate for candidate in labels if len(candidate) <= NAME_LIMIT]
    names = {other.name for other in await Project.filter(name__in=possible_names)
             .exclude(id=project.id).only("id", "name")}
    for candidate, hostname in zip(labels, hostnames, strict=True):
        if hostname not in aliases and candidate not in names:
            return hostname
    raise ApiError(409, f"hostname: every hostname for {label} is taken", "hostname")


async def branch_hostname(project: Project, branch: str, base_domain: str) -> str:
    """The hostname of ``project``'s preview of ``branch``."""
    return await claim(project, AliasKind.BRANCH, branch, branch_label(project.name, branch),
                       base_domain, branch=branch)


async def pull_request_hostname(project: Project, number: int, base_domain: str) -> str:
    """The hostname of ``project``'s preview of pull request ``number``."""
    return await claim(project, AliasKind.PULL_REQUEST, str(number),
                       pull_request_label(project.name, number), base_domain)


async def check_project_name(name: str) -> None:
    """Refuse (422) a project name that is already the label of another project's alias.

    Generated hostnames all read ``<label>.<base domain>`` and custom domains
    never end in the base domain, so a hostname starting with ``<name>.`` is
    a generated one with that label (under this or an earlier base domain).
    """
    taken = await Alias.filter(hostname__startswith=f"{name}.").exclude(kind=AliasKind.CUSTOM) \
        .first()
    if taken is not None:
        raise ApiError(422, f"name: {taken.hostname} is already the address of another "
                            "project's deployment; choose another name", "name")
