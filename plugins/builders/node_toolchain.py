"""Make the project's Node package manager runnable in the build sandbox.

npm ships with Node.js. pnpm and Yarn, when not installed on the server, run
through Corepack: a shim in the project's cache (``$HOME`` in the sandbox)
calls ``corepack <manager>``, which honours the ``packageManager`` field. Bun
cannot come from Corepack: the builder takes it from the toolchain cache
(:mod:`.bun_install`). Both pnpm
and Yarn Berry are told to write a flat ``node_modules`` (no symlink farm, no
Plug'n'Play), which is what the build output and its content store can ship.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autostack_core.build import user_file_writes
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import SANDBOX_PATH

SHIM_FOLDER = ".autostack-bin"
COREPACK_MANAGERS = ("pnpm", "yarn")
FLAT_NODE_MODULES = {
    "pnpm": "npm_config_node_linker=hoisted",
    "yarn": "YARN_NODE_LINKER=node-modules",
}
COREPACK_ENV = "COREPACK_ENABLE_DOWNLOAD_PROMPT=0"
# Corepack checks the package manager's npm signature against npm's keys. A registry
# mirror that strips ``dist.signatures`` fails that check for every version, so the
# operator may turn it off (AUTOSTACK_COREPACK_INTEGRITY=0); the tarball is then still
# checked against the registry's integrity hash. A project's own build variable
# COREPACK_INTEGRITY_KEYS (its registry's keys, or 0) wins in both cases.
UNSIGNED_ENV = 'COREPACK_INTEGRITY_KEYS="${COREPACK_INTEGRITY_KEYS-0}"'


def corepack_integrity(settings: object) -> bool:
    """Whether Corepack checks signatures: the ``corepack_integrity`` setting, on by default."""
    return bool(getattr(settings, "corepack_integrity", True))


def installed(program: str) -> bool:
    """Whether ``program`` is on the PATH the sandbox sees."""
    return shutil.which(program, path=SANDBOX_PATH) is not None


def toolchain_prefix(manager: str | None, cache_dir: Path, integrity: bool = True) -> str:
    """A shell prefix (``export ...;``) that makes ``manager`` work, or ``""`` for npm.

    ``integrity``: Corepack checks the package manager's signature (see above).
    """
    if manager in (None, "npm"):
        return ""
    if manager not in COREPACK_MANAGERS:
        return ""
    exports = [FLAT_NODE_MODULES[manager]]
    if not installed(manager):
        if not installed("corepack"):
            raise BuildError(f"this project uses {manager}, which is not installed on this "
                             "server, and Corepack (shipped with Node.js) is missing too; "
                             f"install {manager} on the server")
        # The cache is writable by every build of the project: never write through its links.
        user_file_writes.write_text(cache_dir, f"{SHIM_FOLDER}/{manager}",
                              f'#!/bin/sh\nexec corepack {manager} "$@"\n', mode=0o755)
        exports += [f'PATH="$HOME/{SHIM_FOLDER}:$PATH"', COREPACK_ENV]
        if not integrity:
            exports.append(UNSIGNED_ENV)
    return f"export {' '.join(exports)}; "
