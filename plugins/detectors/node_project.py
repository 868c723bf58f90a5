"""The facts of a Node project that every node detector needs, read once.

Commands follow Vercel's zero-config rule: a ``package.json`` script of the
right name wins (``npm run build``); otherwise the framework's own command runs
through the package manager (``npx next build``), so the binary is found
whether it lives in ``node_modules/.bin`` or a Yarn Plug'n'Play cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from autostack_core.interfaces import SourceTree

from .package_managers import PackageManager, node_package_manager

_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


@dataclass
class NodeProject:
    """``package.json``, its dependencies and scripts, and the package manager."""

    tree: SourceTree
    package: dict[str, Any]
    dependencies: dict[str, tuple[str, str]] = field(default_factory=dict)
    """package name -> (version range, the package.json field naming it)."""
    scripts: dict[str, str] = field(default_factory=dict)
    package_manager: PackageManager | None = None

    @classmethod
    def load(cls, tree: SourceTree) -> NodeProject | None:
        package = tree.package_json()
        if package is None:
            return None
        project = cls(tree=tree, package=package)
        for field_name in reversed(_DEPENDENCY_FIELDS):
            section = package.get(field_name)
            if isinstance(section, dict):
                for name, version in section.items():
                    project.dependencies[name] = (str(version), field_name)
        scripts = package.get("scripts")
        if isinstance(scripts, dict):
            project.scripts = {k: v for k, v in scripts.items() if isinstance(v, str)}
        project.package_manager = node_package_manager(tree)
        return project

    @property
    def pm(self) -> PackageManager:
        assert self.package_manager is not None
        return self.package_manager

    def has(self, name: str) -> bool:
        return name in self.dependencies

    def cite(self, name: str) -> str:
        """``next@^14.2.3` in dependencies``: the evidence for a package."""
        version, where = self.dependencies[name]
        return f"`{name}@{version}` in {where}"

    def major(self, name: str) -> int | None:
        """The major version a dependency range asks for, when it says one."""
        if name not in self.dependencies:
            return None
        match = re.search(r"(\d+)", self.dependencies[name][0])
        return int(match.group(1)) if match else None

    def first_file(self, *paths: str) -> str | None:
        """The first of ``paths`` that exists, for config-file evidence."""
        return next((path for path in paths if self.tree.exists(path)), None)

    def script_command(self, script: str, default: str | None) -> str | None:
        """``<pm> run <script>`` when the script exists, else the framework default.

        A default that is a framework binary runs through the package manager
        (``npx next build``); one that runs ``node`` directly stays as it is.
        """
        if script in self.scripts:
            return f"{self.pm.run} {script}"
        if default is None or default.startswith("node "):
            return default
        return f"{self.pm.exec} {default}"

    def node_version_reason(self) -> str | None:
        found = self.tree.node_version()
        if found is None:
            return None
        version, source = found
        return f"Node.js `{version}` requested by {source}"


def config_files(stem: str, *extensions: str) -> tuple[str, ...]:
    """``next.config.js``, ``next.config.mjs``, ... for one config stem."""
    extensions = extensions or ("js", "mjs", "cjs", "ts", "mts", "cts")
    return tuple(f"{stem}.{extension}" for extension in extensions)
