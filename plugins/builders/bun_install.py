"""Bun, installed on first use into the shared toolchain cache from the npm registry.

The official Bun binary for Linux x64 is the npm package ``@oven/bun-linux-x64``
(its ``bin/bun``), which Bun's own npm installer uses. It is fetched, checked
against the registry's sha512 integrity and unpacked like a Node.js version
(:func:`.node_install.install_binary`) into ``<data dir>/toolchains/bun/<version>/``,
which builds see read-only at ``$AUTOSTACK_TOOLCHAINS``. A version in the cache
is used without asking the registry; a project that needs a newer one deploys
after the operator removes the cached folder. Server apps ship the binary they
were built with in ``server/.autostack-bun``.
"""

from __future__ import annotations

from pathlib import Path

from autostack_core.build.build_errors import BuildError

from . import node_install
from .node_version import Version, parse_version

PACKAGE = "@oven/bun-linux-x64"
TOOL = "bun"
SHIPPED = ".autostack-bun"
"""The folder of ``server/`` holding the Bun binary a server app was built with."""


def ensure(toolchains: Path) -> tuple[Version, bool]:
    """The newest Bun in the cache, else the registry's latest; whether it was installed now."""
    cached = node_install.installed_versions(toolchains, TOOL)
    if cached:
        return cached[0], False
    latest = node_install.npm_json(toolchains, PACKAGE, "view", PACKAGE, "version", "--json")
    version = parse_version(latest) if isinstance(latest, str) else None
    if version is None:
        raise BuildError(f"the npm registry gives no version of {PACKAGE}")
    node_install.install_binary(toolchains, TOOL, PACKAGE, version)
    return version, True


def bin_dir(version: Version) -> str:
    """The folder of ``bun`` in the build sandbox."""
    return f"$AUTOSTACK_TOOLCHAINS/{TOOL}/{node_install.show(version)}/bin"


def ship(toolchains: Path, version: Version, output: Path, server: str) -> str:
    """Copy ``bun`` into the server app; return the start command's PATH prefix."""
    return node_install.ship(toolchains, version, output, server, TOOL, SHIPPED)
