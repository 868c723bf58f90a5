"""Aliases for plugins that give a project more hostnames (the domains plugin's custom domains).

Public (:mod:`autostack_core.public`): a hostname such a plugin serves is an
alias of kind ``custom``, moved by the core's own
:func:`autostack_core.services.deployments.point_alias` (persisted, bound at
the edge, put back if the edge refuses, never taken from another project).
The plugin names the alias to follow (the production alias, or a branch's),
and ``extra_hostnames`` keeps its hostnames with that alias as it moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autostack_core.infrastructure.models import Alias, AliasKind
from autostack_core.services import deployments, hostnames

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project


def production_hostname(project: Project, base_domain: str) -> str:
    """The hostname of ``project``'s production alias."""
    return deployments.production_hostname(project.name, base_domain)


async def branch_hostname(project: Project, branch: str, base_domain: str) -> str:
    """The hostname of ``project``'s alias of ``branch`` (claimed for it if new)."""
    return await hostnames.branch_hostname(project, branch, base_domain)


async def point_like(app: AutoStack, project: Project, hostname: str, target: str,
                     branch: str | None = None) -> bool:
    """Point ``hostname`` (a custom alias) at the deployment the alias ``target`` points at.

    False, and nothing changes, when ``target`` points nowhere yet. An
    :class:`~autostack_core.errors.ApiError` when the hostname is another
    project's (409) or the edge refuses it.
    """
    deployment = await deployments.alias_target(target)
    if deployment is None:
        return False
    await deployments.point_alias(app, project, deployment, hostname, AliasKind.CUSTOM,
                                  branch=branch)
    return True


async def drop(hostname: str) -> None:
    """Forget the alias ``hostname`` (unbinding it is the caller's, through ``app.edge``)."""
    await Alias.filter(hostname=hostname).delete()


async def exists(hostname: str) -> bool:
    """Whether ``hostname`` is an alias of some deployment (AutoStack's own or a custom one)."""
    return await Alias.exists(hostname=hostname)
