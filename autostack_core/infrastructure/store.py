"""The content-addressed artifact store shared by every deployment.

Files are stored once, named by their sha256, under ``objects/ab/cdef...``
(read-only, mode 0444; an executable file also as ``objects/ab/cdef...+x``,
mode 0555, so a deployment's files are all hard links, executables included);
a deployment's build output is a manifest,
``manifests/<sha256>.json``, mapping relative paths to object hashes, sizes
and modes. Writes go to a temporary file first and are renamed into place, so
a reader never sees half an object and concurrent writers of the same content
are harmless.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.manifests import (
    Manifest,
    StoreError,
    check_hash,
    safe_relative_path,
)

if TYPE_CHECKING:
    from autostack_core.config import Settings
    from autostack_core.infrastructure.store_gc import GcReport

CHUNK = 1024 * 1024
EXECUTABLE_SUFFIX = "+x"

Inode = tuple[int, int]
"""A file's (device, inode number): a file with a store object's is that object."""


@dataclass(frozen=True)
class ScannedTree:
    """A folder's files hashed but not stored yet: what a limit looks at before any write."""

    paths: dict[str, Path]
    manifest: Manifest
    root: str = ""
    """The scanned folder's real path."""
    linked: frozenset[str] = frozenset()
    """The files found to be hard links to the objects the manifest names."""
    plain: bool = False
    """No link was followed and every folder holds a file: once its other files are links
    to their objects too, the folder is its manifest laid out (:meth:`Store.lay_out_in_place`)."""


@dataclass(frozen=True)
class LaidOut:
    """Where a folder that is the stored manifest ``manifest_hash`` laid out as links to the
    store may be (:meth:`Store.lay_out_in_place`): :meth:`Store.materialize` moves it into
    place when it is there. Only the host may write where ``folder`` is."""

    manifest_hash: str
    folder: Path


def _file_mode(st_mode: int) -> int:
    return 0o755 if st_mode & 0o111 else 0o644


def _manifest_bytes(manifest: Manifest) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


class Store:
    """A content-addressed store rooted at one folder (``<data dir>/store``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self._objects = str(self.objects)
        self.manifests = root / "manifests"
        self.tmp = root / "tmp"
        for folder in (self.objects, self.manifests, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """This node's store: local, or mirrored to a bucket (``AUTOSTACK_STORE=s3``)."""
        from autostack_core.infrastructure.s3_store import open_store

        return open_store(settings)

    # -- objects -----------------------------------------------------------

    def object_path(self, sha: str, executable: bool = False) -> Path:
        return Path(self._object_file(sha, executable))

    def _object_file(self, sha: str, executable: bool = False) -> str:
        """:meth:`object_path` as text: a store step calls it for every file of a tree, and
        a :class:`Path` costs several times the system call it names."""
        check_hash(sha)
        return f"{self._objects}/{sha[:2]}/{sha[2:]}{EXECUTABLE_SUFFIX if executable else ''}"

    def has(self, sha: str) -> bool:
        try:
            return stat.S_ISREG(os.stat(self._object_file(sha)).st_mode)
        except FileNotFoundError:
            return False

    def size(self, sha: str) -> int | None:
        """The stored object's size in bytes, or None when the store lacks it."""
        try:
            return os.stat(self._object_file(sha)).st_size
        except FileNotFoundError:
            return None

    def missing(self, hashes: Iterable[str]) -> list[str]:
        """The hashes the store lacks, in the given order, without duplicates."""
        seen: set[str] = set()
        lacking = []
        for sha in hashes:
            if sha not in seen and not self.has(sha):
                lacking.append(sha)
            seen.add(sha)
        return lacking

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` and return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        if self._touch(sha):
            return sha
        tmp = self._tmp_path()
        tmp.write_bytes(data)
        self._commit(tmp, sha)
        return sha

    def put_file(self, path: Path) -> str:
        """Store the file at ``path`` and return its sha256.

        Known content is only hashed, never copied again; new content is hashed
        while it is copied, and that copy's hash is the one that counts.
        """
        known = _sha256_of(path)
        if self._touch(known):
            return known
        return self._copy_in(path)

    def _copy_in(self, path: Path) -> str:
        """Copy the file at ``path`` in, hashed while copied; return that copy's sha256."""
        digest = hashlib.sha256()
        tmp = self._tmp_path()
        try:
            with path.open("rb") as source, tmp.open("wb") as target:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
            sha = digest.hexdigest()
            self._commit(tmp, sha)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return sha

    @contextlib.contextmanager
    def receive(self) -> Iterator[IncomingObject]:
        """An object written chunk by chunk (an upload); ``commit`` stores it, nothing else does."""
        incoming = IncomingObject(self, self._tmp_path())
        try:
            yield incoming
        finally:
            incoming.discard()

    def _tmp_path(self) -> Path:
        return self.tmp / f"{uuid.uuid4().hex}.part"

    def _touch(self, sha: str) -> bool:
        """Whether the object exists; refresh its mtime so a running gc's grace period keeps it."""
        try:
            os.utime(self._object_file(sha))
        except FileNotFoundError:
            return False
        return True

    def _commit(self, tmp: Path, sha: str, executable: bool = False) -> None:
        target = self.object_path(sha, executable)
        target.parent.mkdir(exist_ok=True)
        os.chmod(tmp, 0o555 if executable else 0o444)
        os.replace(tmp, target)

    def _executable_object(self, sha: str) -> Path:
        """The 0555 twin of object ``sha``, made once, for executables to hard-link to."""
        target = self.object_path(sha, executable=True)
        try:
            os.utime(target)
        except FileNotFoundError:
            tmp = self._tmp_path()
            try:
                shutil.copyfile(self.object_path(sha), tmp)
                self._commit(tmp, sha, executable=True)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return target

    # -- manifests -----------------------------------------------------------

    def put_tree(self, folder: Path) -> tuple[str, Manifest]:
        """Store every file under ``folder``; return the manifest's hash and the manifest."""
        scanned = self.scan_tree(folder)
        return self.store_tree(scanned), scanned.manifest

    def scan_tree(self, folder: Path, known: Mapping[Inode, str] | None = None) -> ScannedTree:
        """Hash every file under ``folder`` without storing anything (limits are checked first).

        A symlink is stored as the file (or folder) it points to when the target
        stays inside ``folder``; any other symlink raises :class:`StoreError`.
        ``known`` (from :meth:`object_inodes`) names files that are hard links to
        store objects: their hash is the object's name, read without hashing.
        """
        root = folder.resolve()
        known = known or {}
        paths: dict[str, Path] = {}
        files: dict[str, dict[str, Any]] = {}
        linked: set[str] = set()
        folders: list[str] = []
        followed = False
        for relative, path, st in _walk(root, str(root), (str(root),), folders=folders):
            paths[relative] = Path(path)
            followed = followed or path != f"{root}/{relative}"
            sha = known.get((st.st_dev, st.st_ino))
            if sha is not None:
                linked.add(relative)
            files[relative] = {
                "sha256": sha or _sha256_of(paths[relative]),
                "size": st.st_size,
                "mode": _file_mode(st.st_mode),
            }
        plain = not followed and set(folders) <= _folders_of(files)
        return ScannedTree(paths, {"files": dict(sorted(files.items()))}, str(root),
                           frozenset(linked), plain)

    def store_tree(self, scanned: ScannedTree) -> str:
        """Store a scanned tree's files and its manifest; return the manifest's hash.

        A file whose object the store has (a static site's upload linked through the
        build, or an unchanged file of a push) is neither read nor copied again: the
        manifest then names content the store holds and the scan saw. A new file is
        hashed while it is copied in, and must still hash as scanned."""
        for relative, path in scanned.paths.items():
            sha = scanned.manifest["files"][relative]["sha256"]
            if not self._touch(sha) and self._copy_in(path) != sha:
                raise StoreError(f"{relative!r} changed while it was being stored")
        return self.put_manifest(scanned.manifest)

    def lay_out_in_place(self, scanned: ScannedTree, manifest_hash: str, moved_to: Path) -> bool:
        """Make the scanned folder, stored as ``manifest_hash`` (:meth:`store_tree`), that
        manifest laid out and rename it to ``moved_to``, for :meth:`materialize` to move into
        place rather than link every file again (:class:`LaidOut`): its files not linked to
        their objects yet are replaced, each atomically, by links. Only for a folder
        nothing but the host writes to (a build with no command). False, the folder left
        where it is, when it cannot be: a link was followed, a folder holds no file, or
        links cannot be made there."""
        if not scanned.plain:
            return False
        files = scanned.manifest["files"]
        for relative, path in scanned.paths.items():
            if relative in scanned.linked:
                continue
            sha, executable = files[relative]["sha256"], bool(files[relative]["mode"] & 0o111)
            source = self._executable_object(sha) if executable else self._object_file(sha)
            link = f"{path.parent}/.{uuid.uuid4().hex}.link"
            if not _link(source, link):
                return False
            try:
                os.replace(link, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(link)
                raise
        os.chmod(scanned.root, 0o755)
        os.rename(scanned.root, moved_to)
        return True

    def object_inodes(self, hashes: Iterable[str]) -> dict[Inode, str]:
        """The inodes of the objects ``hashes`` (and of their executable twins) that exist,
        for :meth:`scan_tree` to recognise files linked to them."""
        inodes: dict[Inode, str] = {}
        for sha in set(hashes):
            for executable in (False, True):
                with contextlib.suppress(FileNotFoundError):
                    st = os.stat(self._object_file(sha, executable))
                    inodes[(st.st_dev, st.st_ino)] = sha
        return inodes

    def put_manifest(self, manifest: Manifest) -> str:
        """Store a manifest whose objects are all present; return its hash."""
        for relative, entry in manifest["files"].items():
            safe_relative_path(relative)
            if not self.has(entry["sha256"]):
                raise StoreError(f"manifest refers to a missing object for {relative!r}")
        data = _manifest_bytes(manifest)
        sha = hashlib.sha256(data).hexdigest()
        target = self.manifests / f"{sha}.json"
        if not target.exists():
            tmp = self._tmp_path()
            tmp.write_bytes(data)
            os.replace(tmp, target)
        return sha

    def has_manifest(self, manifest_hash: str) -> bool:
        return (self.manifests / f"{check_hash(manifest_hash)}.json").is_file()

    def load_manifest(self, manifest_hash: str) -> Manifest:
        path = self.manifests / f"{check_hash(manifest_hash)}.json"
        try:
            manifest: Manifest = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise StoreError(f"no manifest {manifest_hash}") from None
        return manifest

    def materialize(self, manifest_hash: str, dest: Path, *, link_store: bool = False,
                    laid_out: LaidOut | None = None) -> None:
        """Lay out a manifest's files in ``dest``, atomically.

        With ``link_store`` every file is a read-only hard link to its store
        object (0444, or the 0555 twin for executables), so a deployment takes
        no space of its own; only for folders nothing writes to (served by the
        edge, bound read-only into apps); copies where links cannot be made.
        Without it (a build's workspace) every path is a writable copy of its
        own (0644, 0755): builds write their own source files (Next.js rewrites
        ``next-env.d.ts`` and ``tsconfig.json``), and a link into the store
        would let a build rewrite that object for every deployment of every
        team, a link between two paths of the same content would change both.
        The copies are bounded by the upload's size limit. The tree is built
        beside ``dest`` and renamed into place; an existing ``dest`` is replaced.
        ``laid_out`` (links only), when it is this manifest, is renamed into place
        instead; once it is gone (moved already) or on another file system, the tree is
        laid out as without it.
        """
        dest.parent.mkdir(parents=True, exist_ok=True)
        if link_store and laid_out is not None and laid_out.manifest_hash == manifest_hash \
                and _move_into_place(laid_out.folder, dest):
            return
        manifest = self.load_manifest(manifest_hash)
        staging = tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        placed: dict[tuple[str, bool], str] = {}
        folders = {""}  # made already, relative to staging
        try:
            os.chmod(staging, 0o755)
            for relative, entry in manifest["files"].items():
                folder = safe_relative_path(relative).rpartition("/")[0]
                if folder not in folders:
                    os.makedirs(f"{staging}/{folder}", exist_ok=True)
                    folders.add(folder)
                target = f"{staging}/{relative}"
                key = (entry["sha256"], bool(entry["mode"] & 0o111))
                if not link_store:
                    shutil.copyfile(self._object_file(key[0]), target)
                    os.chmod(target, 0o755 if key[1] else 0o644)
                    continue
                if key not in placed:
                    placed[key] = str(self._executable_object(key[0])) if key[1] \
                        else self._object_file(key[0])
                if _link(placed[key], target):
                    continue
                shutil.copyfile(self._object_file(key[0]), target)
                os.chmod(target, 0o555 if key[1] else 0o444)
                placed[key] = target
            _swap_into_place(Path(staging), dest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    # -- garbage collection ----------------------------------------------------

    def gc(
        self,
        keep_manifest_hashes: set[str],
        keep_objects: Iterable[str] = (),
        grace_seconds: float = 0.0,
    ) -> GcReport:
        """Remove every manifest and object the policy of :mod:`.store_gc` does not keep."""
        from autostack_core.infrastructure.store_gc import collect_local

        return collect_local(self, keep_manifest_hashes, keep_objects, grace_seconds)


class IncomingObject:
    """An object being received (see :meth:`Store.receive`): hashed while written to tmp."""

    def __init__(self, store: Store, tmp: Path) -> None:
        self.store = store
        self.tmp = tmp
        self.size = 0
        self._digest = hashlib.sha256()
        self._handle = tmp.open("wb")

    def write(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self._handle.write(chunk)
        self.size += len(chunk)

    def commit(self, expected: str) -> None:
        """Store what was written under ``expected``; :class:`StoreError` if it hashes otherwise."""
        self._handle.close()
        if self._digest.hexdigest() != expected:
            raise StoreError("the bytes do not match their sha256")
        if not self.store._touch(expected):
            self.store._commit(self.tmp, expected)

    def discard(self) -> None:
        self._handle.close()
        self.tmp.unlink(missing_ok=True)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _link(source: Path | str, target: Path | str) -> bool:
    """Hard-link ``target`` to ``source``; False where links cannot be made (then copy)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EMLINK, errno.EPERM):
            raise
        return False
    return True


def _folders_of(paths: Iterable[str]) -> set[str]:
    """Every folder holding one of the relative ``paths``, at any depth."""
    folders: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders


def _walk(
    root: Path, folder: str, ancestors: tuple[str, ...], prefix: str = "",
    folders: list[str] | None = None,
) -> Iterator[tuple[str, str, os.stat_result]]:
    """Yield (relative path, real file, its stat) under ``folder``, following symlinks inside
    ``root``; the relative path of every folder beneath it goes to ``folders``. Paths are
    text: a :class:`Path` per file cost more than the file's stat."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        path = entry.path
        relative = prefix + entry.name
        if entry.is_symlink():
            real = Path(path).resolve()
            if not real.is_relative_to(root) or not real.exists():
                raise StoreError(f"symlink {relative!r} points outside the output")
            path = str(real)
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            if path in ancestors:
                raise StoreError(f"symlink loop at {relative!r}")
            if folders is not None:
                folders.append(relative)
            yield from _walk(root, path, (*ancestors, path), f"{relative}/", folders)
        elif stat.S_ISREG(st.st_mode):
            yield relative, path, st


def _move_into_place(folder: Path, dest: Path) -> bool:
    """Rename ``folder`` beside ``dest`` and then into place; False, nothing changed, when
    it is gone or on another file system."""
    staging = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        os.rename(folder, staging)
    except OSError:
        return False
    try:
        _swap_into_place(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True


def _swap_into_place(staging: Path, dest: Path) -> None:
    if not dest.exists():
        os.rename(staging, dest)
        return
    old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.old")
    os.rename(dest, old)
    os.rename(staging, dest)
    shutil.rmtree(old, ignore_errors=True)
