"""What the Marketplace page and ``autostack plugins --json`` show: the same document.

Installed plugins with their versions, hooks and kinds; installed templates; the catalog
searched by kind, framework and words, each entry marked when its package is installed.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces import DeploymentTemplate
from autostack_core.plugins import LoadedPlugins, describe_plugins
from autostack_core.services import catalog
from autostack_core.utils import await_me_maybe

HOOK_KINDS = {
    "detect_framework": "detector",
    "register_builders": "builder",
    "register_runtimes": "runtime",
    "register_edges": "edge",
    "register_notifiers": "notifier",
    "register_templates": "template",
    "register_services": "service",
}
"""The marketplace kind a plugin is listed under, by the hooks it implements."""
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9._-]+")


def plugins_json(loaded: LoadedPlugins) -> list[dict[str, Any]]:
    """Every registered plugin: name, version, hooks, built-in or not, and its kinds."""
    return [{**info.__dict__,
             "kinds": sorted({HOOK_KINDS[hook] for hook in info.hooks if hook in HOOK_KINDS})}
            for info in describe_plugins(loaded)]


def templates_json(templates: Iterable[DeploymentTemplate]) -> list[dict[str, Any]]:
    """The installed deployment templates, by name (``GET /api/v1/templates`` lists these)."""
    return [{"slug": t.slug, "name": t.name, "description": t.description,
             "framework": t.framework}
            for t in sorted(templates, key=lambda template: template.name)]


async def registered_templates(settings: Settings,
                               plugins: LoadedPlugins) -> list[DeploymentTemplate]:
    """Every plugin's templates, as ``register_templates`` hands them to the server."""
    results = plugins.manager.hook.register_templates(settings=settings)
    return [template for result in results
            for template in (await await_me_maybe(result)) or []]


def installed_version(package: str) -> str | None:
    """The installed version of ``package``; with extras (``autostack[gcp]``), only when
    every requirement of those extras is installed too."""
    name, _, extras = package.rstrip("]").partition("[")
    try:
        version = importlib.metadata.version(name)
        wanted = [f'extra == "{extra}"' for extra in extras.split(",") if extra]
        for requirement in importlib.metadata.requires(name) or []:
            needed = _REQUIREMENT_NAME.match(requirement)
            if needed and any(marker in requirement for marker in wanted):
                importlib.metadata.version(needed[0])
    except importlib.metadata.PackageNotFoundError:
        return None
    return version


async def marketplace_json(settings: Settings, loaded: LoadedPlugins,
                           templates: Iterable[DeploymentTemplate], kind: str = "",
                           framework: str = "", query: str = "") -> dict[str, Any]:
    """The whole marketplace document, its catalog searched by ``kind``, ``framework``
    and the words of ``query``."""
    index = await catalog.load_catalog(settings)
    installed_templates = templates_json(templates)
    slugs = {template["slug"] for template in installed_templates}
    entries = []
    for entry in catalog.search(index.entries, kind, framework, query):
        version = installed_version(entry.package)
        if entry.kind == "template":
            version = version if entry.template in slugs else None
        entries.append({**entry.to_json(), "installed_version": version})
    return {
        "plugins": plugins_json(loaded),
        "templates": installed_templates,
        "catalog": {
            "source": index.source, "error": index.error, "entries": entries,
            "kinds": list(catalog.KINDS), "frameworks": catalog.frameworks_of(index.entries),
            "search": {"kind": kind, "framework": framework, "q": query},
        },
    }
