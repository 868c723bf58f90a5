"""Loading plugins: entry points of the group ``autostack`` plus the built-ins.

Loading is a function called when the app is built, never an import side
effect. A plugin that fails to import is recorded by name with its error and
the others keep working; ``AUTOSTACK_STRICT_PLUGINS=1`` makes it fatal, and
``AUTOSTACK_LOAD_PLUGINS`` (comma-separated names) is an allowlist for
third-party plugins.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from dataclasses import dataclass, field

import pluggy

from autostack_core import hookspecs

ENTRY_POINT_GROUP = "autostack"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "autostack_plugins.detectors.node",
    "autostack_plugins.detectors.ssg",
    "autostack_plugins.detectors.python",
    "autostack_plugins.detectors.runtimes",
    "autostack_plugins.detectors.docker",
    "autostack_plugins.detectors.static",
    "autostack_plugins.builders.static",
    "autostack_plugins.builders.functions",
    "autostack_plugins.builders.node",
    "autostack_plugins.builders.python",
    "autostack_plugins.builders.go",
    "autostack_plugins.builders.ruby",
    "autostack_plugins.builders.rust",
    "autostack_plugins.builders.dockerfile",
    "autostack_plugins.builders.image_package",
    "autostack_plugins.providers.local.plugin",
    "autostack_plugins.providers.local.wildcard_plugin",
    "autostack_plugins.providers.local.checks",
    "autostack_plugins.providers.kubernetes.plugin",
    "autostack_plugins.providers.cloudrun.plugin",
    "autostack_plugins.providers.aci.plugin",
    "autostack_plugins.providers.null",
    "autostack_plugins.notifiers.webhook",
    "autostack_plugins.notifiers.slack",
    "autostack_plugins.notifiers.email",
    "autostack_plugins.notifiers.github",
    "autostack_plugins.dns_hosts.route53",
    "autostack_plugins.domains.plugin",
    "autostack_plugins.crons.plugin",
    "autostack_plugins.forms.plugin",
    "autostack_plugins.log_drains.plugin",
    "autostack_plugins.analytics.plugin",
    "autostack_plugins.uptime.plugin",
    "autostack_plugins.services.plugin",
    "autostack_plugins.git_hosts.github",
    "autostack_plugins.git_hosts.gitlab",
    "autostack_plugins.git_hosts.bitbucket",
    "autostack_plugins.git_hosts.gitea",
    "autostack_plugins.sign_in.github",
    "autostack_plugins.sign_in.google",
    "autostack_web.plugin",
)


@dataclass
class PluginFailure:
    name: str
    error: str


@dataclass
class PluginInfo:
    name: str
    version: str | None
    hooks: list[str]
    builtin: bool


@dataclass
class LoadedPlugins:
    manager: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def _allowlist() -> set[str] | None:
    raw = os.environ.get("AUTOSTACK_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def strict() -> bool:
    """Whether a failing plugin is fatal (``AUTOSTACK_STRICT_PLUGINS=1``)."""
    return os.environ.get("AUTOSTACK_STRICT_PLUGINS", "") not in ("", "0", "false")


def get_plugin_manager(
    default_plugins: tuple[str, ...] = DEFAULT_PLUGINS, load_entry_points: bool = True
) -> LoadedPlugins:
    """Build a plugin manager with the entry-point plugins and the built-ins."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    loaded = LoadedPlugins(manager=manager)
    if load_entry_points:
        _load_entry_points(loaded)
    for module_name in default_plugins:
        module = importlib.import_module(module_name)
        manager.register(module, name=module_name)
    return loaded


def _load_entry_points(loaded: LoadedPlugins) -> None:
    allowed = _allowlist()
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and entry_point.name not in allowed:
            continue
        try:
            plugin = entry_point.load()
            loaded.manager.register(plugin, name=entry_point.name)
        except Exception as error:
            if strict():
                raise
            loaded.failures.append(
                PluginFailure(entry_point.name, f"{type(error).__name__}: {error}")
            )
            continue
        if entry_point.dist is not None:
            loaded.versions[entry_point.name] = entry_point.dist.version


def describe_plugins(loaded: LoadedPlugins) -> list[PluginInfo]:
    """Every registered plugin with its version and the hooks it implements."""
    infos = []
    for name, plugin in loaded.manager.list_name_plugin():
        builtin = name in DEFAULT_PLUGINS
        hooks = sorted(
            caller.name for caller in loaded.manager.get_hookcallers(plugin) or []
        )
        version = loaded.versions.get(name)
        if builtin:
            from autostack_core import __version__

            version = __version__
        infos.append(PluginInfo(name=name, version=version, hooks=hooks, builtin=builtin))
    return sorted(infos, key=lambda info: (info.builtin, info.name))
