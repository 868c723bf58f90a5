"""What every bubblewrap sandbox on this machine sees of the system, and where cgroups live.

Public (:mod:`autostack_core.public`) for runtimes that run apps in bubblewrap,
as the local runtime does: the build sandbox (:mod:`autostack_core.build.sandbox`)
and a runtime's sandbox mount the same read-only system with the same files
of ``/etc`` hidden, so what a build may read and what an app may read are
decided in one place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
"""Where the cgroup file system is mounted (v2, or v1 with its controllers below)."""
_FOR_OTHERS = stat.S_IROTH | stat.S_IXOTH
PRIVATE_FILES_SECONDS = 60.0
_private_files: tuple[float, list[tuple[str, bool]]] | None = None


SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
"""Debian's bundle of the certificate authorities the system trusts (``ca-certificates``)."""


def system_ca_env() -> dict[str, str]:
    """Node.js trusts the system's certificate authorities, as the other tools do.

    Debian's ``node`` reads the system's store; the official binaries that
    builds and apps may run (``node_install.py``) trust only the list compiled
    into them, so behind a proxy or registry mirror with a company's
    authority, ``npm install`` failed with ``SELF_SIGNED_CERT_IN_CHAIN``.
    ``/etc`` is visible read-only in the sandboxes.
    """
    return {"NODE_EXTRA_CA_CERTS": str(SYSTEM_CA_BUNDLE)} if SYSTEM_CA_BUNDLE.is_file() else {}


def system_layout() -> list[str]:
    """bwrap arguments for the read-only system, ``/proc``, ``/dev`` and a private ``/tmp``.

    Shared by the build sandbox and the local runtime's run sandbox.
    What in ``/etc`` is not for everyone is hidden (:func:`private_system_files`).
    """
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    args += ["--ro-bind", "/etc", "/etc"]
    for path, is_dir in _recent_private_system_files():
        args += ["--tmpfs", path] if is_dir else ["--ro-bind", "/dev/null", path]
    # /tmp as on any system (sticky, for everyone): apps write there as nobody.
    return [*args, "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]


def _recent_private_system_files() -> list[tuple[str, bool]]:
    """:func:`private_system_files`, looked for again once a minute.

    Walking ``/etc`` (about 1,300 entries here) took 2 ms on an idle machine
    and 30-160 ms on a loaded one, on the control plane's event loop, for
    every build command and every app start; a file made private in ``/etc``
    while the server runs is hidden at most a minute later.
    """
    global _private_files
    now = time.monotonic()
    if _private_files is None or now - _private_files[0] > PRIVATE_FILES_SECONDS:
        _private_files = (now, private_system_files())
    return _private_files[1]


def private_system_files(etc: Path = Path("/etc")) -> list[tuple[str, bool]]:
    """What in ``etc`` a sandbox must not read: ``(path, is a folder)``, outermost only.

    Builds run as root (in their namespaces), so file modes alone do not keep
    them out: every file or folder of ``/etc`` that others may not read (the
    shadow files and their ``-`` backups, TLS private keys, database and Redis
    configurations with their passwords) is covered with an empty file or
    folder. The shadow files are covered whatever their mode.
    """
    found: list[tuple[str, bool]] = []
    for folder, folders, files in os.walk(etc):
        for name in sorted(files):
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if stat.S_ISREG(mode) and (not mode & stat.S_IROTH or "shadow" in name):
                    found.append((str(path), False))
        for name in sorted(folders):
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                mode = path.lstat().st_mode
                if stat.S_ISDIR(mode) and mode & _FOR_OTHERS != _FOR_OTHERS:
                    found.append((str(path), True))
        folders[:] = [name for name in folders if (str(Path(folder) / name), True) not in found]
    return found
