"""The Node builder's cache: dependencies and framework caches kept between builds.

The project's cache folder (``settings.path("cache", <project id>)``, the
sandbox's ``/cache`` and ``HOME``) already holds the package managers' own
caches (npm's ``_cacache``, pip's, Corepack's). This module adds what lives in
the workspace: ``node_modules`` and the frameworks' caches (``.next/cache``,
``node_modules/.vite``, ``.astro``, ``.svelte-kit``, Gatsby's ``.cache``).

They are stored under ``build/<key>/`` of the cache folder, where the key
hashes the lockfile, ``package.json``, the install command and the runtime
version: a changed lockfile means a different key, so nothing stale is
restored and the old entry is dropped on the next save. Restoring and saving
move folders (a rename, whatever their size) rather than copy them: a build
consumes the entry, and only a successful build puts one back. A deployment
with ``force`` clears the whole cache folder first (the core's
:func:`autostack_core.build.build_cache.clear`).

An app of a monorepo installs at its workspace root (the detection's
``workspace_root``): there the key hashes the root's lockfile and package.json
with the app's, and the entry keeps the root's ``node_modules`` and each
workspace package's (pnpm and Yarn link them there), as :class:`Layout` says.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.workspaces import list_apps

#: Lockfiles whose content decides the key (all that are present count).
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
             "bun.lock", "bun.lockb")
#: Framework caches, relative to the project's root directory, restored when present.
FRAMEWORK_CACHES = (".next/cache", ".astro", ".svelte-kit", ".cache")
NODE_MODULES = "node_modules"
#: npm lockfiles of large monorepos reach tens of MB; hashed, never parsed.
LOCKFILE_LIMIT = 512 * 1024 * 1024
ENTRIES = "build"


@dataclass
class Restored:
    """What :func:`restore` put back into the workspace."""

    key: str
    folders: list[str] = field(default_factory=list)
    locked: bool = False

    @property
    def skip_install(self) -> bool:
        """Installed dependencies of the very same lockfile are back: installing again is a no-op.

        Without a lockfile the install step still runs, to resolve the ranges again.
        """
        return self.locked and NODE_MODULES in self.folders


#: How many folders above the app a workspace root may be (the detectors' limit).
WORKSPACE_DEPTH = 4


@dataclass(frozen=True)
class Layout:
    """Where a build's dependencies live: ``root`` (the app's folder, or its monorepo's
    workspace root), the app's folder from there, and the workspace packages' folders."""

    root: Path
    app: str = "."
    members: tuple[str, ...] = ()

    def folders(self) -> list[str]:
        """The folders cached, from ``root``: the app's framework caches, then every
        ``node_modules`` (nested ones before the root's, so each is moved whole)."""
        caches = [_join(self.app, cache) for cache in FRAMEWORK_CACHES]
        owners = dict.fromkeys((self.app, *self.members))
        owners.pop(".", None)
        return caches + [_join(owner, NODE_MODULES) for owner in owners] + [NODE_MODULES]


def _join(folder: str, relative: str) -> str:
    return relative if folder == "." else f"{folder}/{relative}"


def layout(workspace: Path, workspace_root: str | None) -> Layout:
    """The :class:`Layout` of the app in ``workspace`` (its root directory), installed at
    ``workspace_root`` (``../..``, from the detection) when it is a monorepo's app.

    ``workspace_root`` must be nothing but a few ``..``: the detectors found it inside the
    source, and anything else is ignored (the app is then cached alone).
    """
    parts = PurePosixPath(workspace_root or ".").parts
    if not parts or len(parts) > WORKSPACE_DEPTH or any(part != ".." for part in parts):
        return Layout(workspace)
    root = workspace.parents[len(parts) - 1]
    members = tuple(app["directory"] for app in list_apps(root))
    return Layout(root, workspace.relative_to(root).as_posix(), members)


def cache_key(place: Layout, install_command: str | None, runtime_version: str) -> str:
    """The key of the dependencies: the root's lockfiles and package.json, the app's
    package.json, the install command and the runtime version."""
    digest = hashlib.sha256()
    names = ["package.json", *LOCKFILES]
    if place.app != ".":
        names.append(f"{place.app}/package.json")
    for name in names:
        data = user_files.read_bytes(place.root, name, LOCKFILE_LIMIT)
        if data is not None:
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    digest.update(f"\0{install_command or ''}\0{runtime_version}".encode())
    return digest.hexdigest()[:32]


def _move(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` (a copy only across file systems)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
    except OSError:
        shutil.move(str(source), str(target))


def restore(place: Layout, cache_dir: Path, key: str) -> Restored:
    """Move the cache entry ``key`` into the workspace; folders the source has are kept.

    Builds can write to the cache and the workspace, so both sides of a move
    must be reached through no symlink (:func:`user_files.is_plain_dir`): a
    linked ``build/<key>`` would move a host folder into the build.
    """
    workspace = place.root
    restored = Restored(key=key, locked=any(user_files.is_file(workspace, n) for n in LOCKFILES))
    entry = f"{ENTRIES}/{key}"
    for relative in place.folders():
        target = workspace / relative
        if not user_files.is_plain_dir(cache_dir, f"{entry}/{relative}"):
            continue
        try:
            user_file_writes.make_dirs(workspace, str(PurePosixPath(relative).parent))
        except user_files.OutsideTreeError:
            continue
        if not os.path.lexists(target):
            _move(cache_dir / entry / relative, target)
            restored.folders.append(relative)
    _remove(cache_dir, entry)
    return restored


def save(place: Layout, cache_dir: Path, key: str) -> list[str]:
    """Move ``node_modules`` and the framework caches of a successful build into the cache.

    Every other entry is deleted: only the current lockfile's is worth keeping.
    Returns the folders saved.
    """
    workspace = place.root
    if not user_files.is_plain_dir(cache_dir, ENTRIES):
        # A build replaced the folder (by a link to "/", say): drop it, never follow it.
        _remove(cache_dir, ENTRIES)
    entries = cache_dir / ENTRIES
    scratch = entries / f".new-{uuid.uuid4().hex[:8]}"
    saved = []
    for relative in place.folders():
        if user_files.is_plain_dir(workspace, relative):
            _move(workspace / relative, scratch / relative)
            saved.append(relative)
    for old in entries.iterdir() if entries.is_dir() else ():
        if old != scratch:
            _remove(cache_dir, f"{ENTRIES}/{old.name}")
    if saved:
        os.rename(scratch, entries / key)
    return sorted(saved)


def _remove(root: Path, relative: str) -> None:
    """Delete ``relative`` under ``root``: a link itself (never its target), a folder's tree."""
    path = root / relative
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
