"""The host's only way into files a user controls: checkouts, workspaces, build output.

A repository or a build step can make any symlink: to the server's key file,
its database, ``/proc/self/environ``. The sandbox hides those from the build,
but the host reads and copies the same trees after the build, as root, and
one ``open()`` that follows such a link hands over what the sandbox hid
(issue 12: a ``_headers`` linked to the key file put the key in the build
error; ``api/_db`` linked to the database was copied into a function and
served). So host code reads, copies and writes a user's tree only here:

- A path is walked one component at a time from a descriptor of the tree's
  root, each component opened with ``O_NOFOLLOW``. A symlink is followed only
  when it is relative and stays beneath the root (Linux's ``openat2`` calls
  this ``RESOLVE_BENEATH``); an absolute link or one climbing out raises
  :class:`OutsideTreeError`. The check is the open, so nothing can swap a
  component in between. Absolute links are refused even when they look like
  they point inside: the build made them in the sandbox, where ``/`` is not
  the host's.
- Only regular files are read (a FIFO would hang the worker, a device never
  ends), and only up to :data:`MAX_READ_BYTES`.
- Copies never dereference a link inside the copied folder: a link that
  stays inside it is copied as a link (the store resolves it beneath the
  output), any other is skipped and reported, so the caller can warn.
  Nothing is written through a link already in the target.
- Messages name the path inside the tree, never what a file holds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from autostack_core.build.build_errors import BuildError
from autostack_core.infrastructure.manifests import safe_relative_path

#: Files the host parses (routing files, manifests, lockfiles) are far smaller.
MAX_READ_BYTES = 32 * 1024 * 1024
COPY_CHUNK = 1024 * 1024
#: As the kernel: more links than this in one path is a loop.
MAX_LINKS = 40

_ROOT = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_DIR = _ROOT | os.O_NOFOLLOW
_FILE = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW

Ignore = Callable[[str, list[str]], set[str]]


class OutsideTreeError(BuildError):
    """A path that leaves its tree through a symlink; ``path`` is the path inside the tree."""

    def __init__(self, path: str, reason: str = "is a symlink that points outside the project; "
                 "AutoStack does not follow it") -> None:
        super().__init__(f"{path} {reason}")
        self.path = path


class FileTooLargeError(BuildError):
    """A file larger than the host reads (:data:`MAX_READ_BYTES`, or the caller's limit)."""


def check_relative(path: str) -> str:
    """``path`` if it is a plain relative POSIX path that names something inside its folder.

    The content store's rule (:func:`autostack_core.infrastructure.manifests.safe_relative_path`),
    public here for builders checking a path a user typed (an output directory):
    a :class:`ValueError` saying why for an empty or absolute path, ``.`` or
    ``..`` segments, empty segments, NUL bytes, backslashes or an overlong name.
    """
    return safe_relative_path(path)


def _components(relative: str | PurePosixPath) -> list[str]:
    """The components of ``relative`` as a stack (next one last)."""
    text = str(relative)
    if text.startswith("/") or "\0" in text:
        raise OutsideTreeError(text, "is not a relative path")
    return [part for part in reversed(text.split("/")) if part not in ("", ".")]


@contextlib.contextmanager
def _open_root(root: Path) -> Iterator[int]:
    fd = os.open(root, _ROOT)
    try:
        yield fd
    finally:
        os.close(fd)


def _open_beneath(root_fd: int, relative: str | PurePosixPath, flags: int) -> tuple[int, str]:
    """Open ``relative`` beneath the directory ``root_fd`` with ``flags`` (``O_NOFOLLOW`` set).

    Returns the descriptor and the real path relative to the root (``""`` for the
    root itself). Raises :class:`OutsideTreeError`, or :class:`OSError` as ``open``
    does (``FileNotFoundError``, ``NotADirectoryError``, ``ELOOP`` for a loop).
    """
    shown = str(relative)
    pending = _components(relative)
    fds = [os.dup(root_fd)]
    names: list[str] = []
    links = 0
    try:
        while pending:
            name = pending.pop()
            if name == "..":
                if not names:
                    raise OutsideTreeError(shown) if links else \
                        OutsideTreeError(shown, "leaves the project folder")
                os.close(fds.pop())
                names.pop()
                continue
            flags_here = flags if not pending else _DIR
            try:
                fd = os.open(name, flags_here, dir_fd=fds[-1])
            except OSError as error:
                if error.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                try:
                    target = os.readlink(name, dir_fd=fds[-1])
                except OSError:
                    raise error from None
                links += 1
                if target.startswith("/"):
                    raise OutsideTreeError(shown) from None
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many levels of symbolic links", shown) \
                        from None
                pending.extend(_components(target))
                continue
            if not pending:
                return fd, "/".join([*names, name])
            fds.append(fd)
            names.append(name)
        # The path ends on a folder reached by ".." or a link to ".": open it as asked.
        return os.open(".", flags & ~os.O_NOFOLLOW, dir_fd=fds[-1]), "/".join(names)
    finally:
        for fd in fds:
            os.close(fd)


def _absent(root: Path, relative: str | PurePosixPath) -> bool:
    """Whether nothing is at ``relative``, even following every link: the cheap answer first.

    Most probes (detectors asking for config files) miss; one ``lstat`` settles
    those. A hit still goes through the careful walk.
    """
    try:
        os.lstat(root / relative)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _open_file(root: Path, relative: str | PurePosixPath) -> int | None:
    """A descriptor of the regular file ``relative`` beneath ``root``; None when there is none."""
    if _absent(root, relative):
        return None
    try:
        with _open_root(root) as root_fd:
            fd, _ = _open_beneath(root_fd, relative, _FILE)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        if error.errno in (errno.ENXIO, errno.ELOOP):  # a socket; a link loop
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def read_bytes(root: Path, relative: str | PurePosixPath,
               limit: int = MAX_READ_BYTES) -> bytes | None:
    """The content of the regular file ``relative`` beneath ``root``, or None when absent.

    Absent means missing, a folder or anything else that is not a regular file;
    a link leaving ``root`` raises :class:`OutsideTreeError`, a file over
    ``limit`` bytes :class:`FileTooLargeError`.
    """
    fd = _open_file(root, relative)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        shown = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit} bytes"
        raise FileTooLargeError(f"{relative} is larger than {shown}; AutoStack does not read it")
    return data


def read_text(root: Path, relative: str | PurePosixPath,
              limit: int = MAX_READ_BYTES) -> str | None:
    """:func:`read_bytes` decoded as UTF-8 (undecodable bytes replaced)."""
    data = read_bytes(root, relative, limit)
    return None if data is None else data.decode("utf-8", errors="replace")


def _kind(root: Path, relative: str | PurePosixPath) -> int | None:
    """The ``st_mode`` of what ``relative`` is beneath ``root``; None when absent or outside."""
    if _absent(root, relative):
        return None
    try:
        with _open_root(root) as root_fd:
            fd, _ = _open_beneath(root_fd, relative, _FILE)
    except (OutsideTreeError, OSError):
        return None
    try:
        return os.fstat(fd).st_mode
    finally:
        os.close(fd)


def exists(root: Path, relative: str | PurePosixPath) -> bool:
    """Whether ``relative`` is anything beneath ``root`` (links followed only inside)."""
    return _kind(root, relative) is not None


def is_file(root: Path, relative: str | PurePosixPath) -> bool:
    """Whether ``relative`` is a regular file beneath ``root`` (links followed only inside)."""
    mode = _kind(root, relative)
    return mode is not None and stat.S_ISREG(mode)


def is_dir(root: Path, relative: str | PurePosixPath) -> bool:
    """Whether ``relative`` is a folder beneath ``root`` (links followed only inside)."""
    mode = _kind(root, relative)
    return mode is not None and stat.S_ISDIR(mode)


def is_plain_dir(root: Path, relative: str | PurePosixPath) -> bool:
    """Whether ``relative`` is a folder beneath ``root`` reached through no symlink at all.

    For trees a build can rearrange that the host then renames or deletes in
    (the build cache): a link anywhere on the way could point it at the host's folders.
    """
    try:
        with _open_root(root) as root_fd:
            os.close(_open_dirs(root_fd, relative, str(relative), create=False))
    except (OSError, OutsideTreeError):
        return False
    return True


def resolve(root: Path, relative: str | PurePosixPath) -> Path:
    """``root`` joined with the real path of ``relative``, links followed only beneath ``root``.

    For handing a path to code that takes paths (a glob, a subprocess). Raises
    :class:`OutsideTreeError` or ``FileNotFoundError``.
    """
    with _open_root(root) as root_fd:
        fd, real = _open_beneath(root_fd, relative, _FILE)
    os.close(fd)
    return root / real if real else root


# -- writing into a tree ------------------------------------------------------------


def _open_dirs(root_fd: int, relative: str | PurePosixPath, shown: str,
               create: bool = True) -> int:
    """Open (made as needed) the folders ``relative`` beneath ``root_fd``, following no link."""
    fd = os.dup(root_fd)
    try:
        for name in reversed(_components(relative)):
            if name == "..":
                raise OutsideTreeError(shown, "is not a plain relative path")
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
            try:
                child = os.open(name, _DIR, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, fd):
                    raise OutsideTreeError(shown, "goes through a symlink; AutoStack writes "
                                           "through none") from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_link(name: str, dir_fd: int) -> bool:
    return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)


def make_dirs(root: Path, relative: str | PurePosixPath) -> None:
    """``mkdir -p root/relative`` that refuses to go through a symlink."""
    with _open_root(root) as root_fd:
        os.close(_open_dirs(root_fd, relative, str(relative)))


@contextlib.contextmanager
def _new_file(root: Path, relative: str | PurePosixPath, mode: int) -> Iterator[BinaryIO]:
    """A new file ``relative`` beneath ``root`` (replacing one) to write, never through a link."""
    parent, _, name = str(relative).rpartition("/")
    if name in ("", ".", ".."):
        raise OutsideTreeError(str(relative), "is not a file path")
    with _open_root(root) as root_fd:
        dir_fd = _open_dirs(root_fd, parent, str(relative))
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dir_fd)
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     mode, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def write_bytes(root: Path, relative: str | PurePosixPath, data: bytes, mode: int = 0o644) -> None:
    """Write a new file ``relative`` beneath ``root`` (replacing one), never through a link."""
    with _new_file(root, relative, mode) as handle:
        handle.write(data)


def copy_file(source_root: Path, source: str | PurePosixPath, target_root: Path,
              target: str | PurePosixPath) -> bool:
    """Copy the file ``source`` beneath ``source_root`` to ``target`` beneath ``target_root``.

    Links on the way to ``source`` are followed only beneath ``source_root``
    (:class:`OutsideTreeError` otherwise); False when ``source`` is not a regular file.
    """
    fd = _open_file(source_root, source)
    if fd is None:
        return False
    with os.fdopen(fd, "rb") as reader:
        mode = stat.S_IMODE(os.fstat(fd).st_mode) & 0o777
        with _new_file(target_root, target, mode) as writer:
            shutil.copyfileobj(reader, writer, COPY_CHUNK)
    return True


def remove(root: Path, relative: str | PurePosixPath) -> None:
    """Remove the file (or link) ``relative`` beneath ``root`` if there is one.

    Nothing is removed through a link: a path going through one is left alone.
    """
    parent, _, name = str(relative).rpartition("/")
    try:
        with _open_root(root) as root_fd:
            dir_fd = _open_dirs(root_fd, parent, str(relative), create=False)
    except (FileNotFoundError, NotADirectoryError, OutsideTreeError):
        return
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def write_text(root: Path, relative: str | PurePosixPath, text: str, mode: int = 0o644) -> None:
    """:func:`write_bytes` of ``text`` in UTF-8."""
    write_bytes(root, relative, text.encode(), mode)


# -- copying a folder -----------------------------------------------------------------


def copy_tree(source_root: Path, source: str | PurePosixPath, target_root: Path,
              target: str | PurePosixPath, ignore: Ignore | None = None) -> list[str]:
    """Copy the folder ``source`` beneath ``source_root`` into ``target`` beneath ``target_root``.

    ``source`` itself may be reached through links inside ``source_root``. In
    the folder, no link is dereferenced: one that stays inside the copied
    folder is copied as a link, any other is left out and returned (paths in
    the source, for the build log). Files are hard links where the file system allows
    (a build output is never written to in place), else copies. ``ignore``
    works as for :func:`shutil.copytree`, called with the source folder's path.
    """
    skipped: list[str] = []
    with _open_root(source_root) as root_fd:
        folder_fd, _ = _open_beneath(root_fd, source, _DIR)
    try:
        with _open_root(target_root) as target_root_fd:
            into_fd = _open_dirs(target_root_fd, target, str(target))
        try:
            _copy_folder(folder_fd, into_fd, source_root / source, PurePosixPath(source),
                         0, ignore, skipped)
        finally:
            os.close(into_fd)
    finally:
        os.close(folder_fd)
    return skipped


def _copy_folder(src_fd: int, dst_fd: int, path: Path, shown: PurePosixPath, depth: int,
                 ignore: Ignore | None, skipped_links: list[str]) -> None:
    with os.scandir(src_fd) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    skipped = ignore(str(path), [entry.name for entry in entries]) if ignore else set()
    for entry in entries:
        name = entry.name
        if name in skipped:
            continue
        # The file type comes from the listing: no stat, and no link followed.
        if entry.is_symlink():
            link = os.readlink(name, dir_fd=src_fd)
            if _stays_inside(link, depth):
                _replace(name, dst_fd, partial(os.symlink, link, name, dir_fd=dst_fd))
            else:
                skipped_links.append(str(shown / name))
        elif entry.is_dir(follow_symlinks=False):
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=dst_fd)
            child_src = os.open(name, _DIR, dir_fd=src_fd)
            try:
                try:
                    child_dst = os.open(name, _DIR, dir_fd=dst_fd)
                except OSError as error:
                    if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(name, dst_fd):
                        raise OutsideTreeError(str(shown / name), "is a symlink in the output; "
                                               "AutoStack writes through none") from None
                    raise
                try:
                    _copy_folder(child_src, child_dst, path / name, shown / name, depth + 1,
                                 ignore, skipped_links)
                finally:
                    os.close(child_dst)
            finally:
                os.close(child_src)
        elif entry.is_file(follow_symlinks=False):
            _copy_file(entry, src_fd, dst_fd)


def _stays_inside(link: str, depth: int) -> bool:
    """Whether a link at ``depth`` folders below the copied folder points inside it.

    Judged on the text alone, so the copy means the same wherever it lands; a
    link through another link is resolved later, beneath the output, by the store.
    """
    if link.startswith("/"):
        return False
    level = depth
    for part in link.split("/"):
        if part == "..":
            level -= 1
            if level < 0:
                return False
        elif part not in ("", "."):
            level += 1
    return True


def _replace(name: str, dst_fd: int, create: Callable[[], object]) -> None:
    """Run ``create`` (which makes ``name``); an entry already there is removed first."""
    try:
        create()
    except FileExistsError:
        os.unlink(name, dir_fd=dst_fd)
        create()


def _copy_file(entry: os.DirEntry[str], src_fd: int, dst_fd: int) -> None:
    name = entry.name
    try:
        _replace(name, dst_fd, partial(os.link, name, name, src_dir_fd=src_fd,
                                       dst_dir_fd=dst_fd, follow_symlinks=False))
        return
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EMLINK, errno.EPERM):
            raise
    mode = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) & 0o777
    source = os.open(name, _FILE, dir_fd=src_fd)
    with os.fdopen(source, "rb") as reader:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dst_fd)
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, mode, dir_fd=dst_fd)
        with os.fdopen(target, "wb") as writer:
            shutil.copyfileobj(reader, writer, COPY_CHUNK)
