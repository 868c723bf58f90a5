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

This module reads; :mod:`autostack_core.build.user_file_writes` writes, copies
and removes, on the same walk (:func:`open_root`, :func:`open_beneath`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from autostack_core.build.build_errors import BuildError
from autostack_core.infrastructure.manifests import safe_relative_path

#: Files the host parses (routing files, manifests, lockfiles) are far smaller.
MAX_READ_BYTES = 32 * 1024 * 1024
#: As the kernel: more links than this in one path is a loop.
MAX_LINKS = 40

_ROOT = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
DIR_FLAGS = _ROOT | os.O_NOFOLLOW
FILE_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | os.O_NOFOLLOW


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


def components(relative: str | PurePosixPath) -> list[str]:
    """The components of ``relative`` as a stack (next one last)."""
    text = str(relative)
    if text.startswith("/") or "\0" in text:
        raise OutsideTreeError(text, "is not a relative path")
    return [part for part in reversed(text.split("/")) if part not in ("", ".")]


@contextlib.contextmanager
def open_root(root: Path) -> Iterator[int]:
    fd = os.open(root, _ROOT)
    try:
        yield fd
    finally:
        os.close(fd)


def open_beneath(root_fd: int, relative: str | PurePosixPath, flags: int) -> tuple[int, str]:
    """Open ``relative`` beneath the directory ``root_fd`` with ``flags`` (``O_NOFOLLOW`` set).

    Returns the descriptor and the real path relative to the root (``""`` for the
    root itself). Raises :class:`OutsideTreeError`, or :class:`OSError` as ``open``
    does (``FileNotFoundError``, ``NotADirectoryError``, ``ELOOP`` for a loop).
    """
    shown = str(relative)
    pending = components(relative)
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
            flags_here = flags if not pending else DIR_FLAGS
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
                pending.extend(components(target))
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


def open_file(root: Path, relative: str | PurePosixPath) -> int | None:
    """A descriptor of the regular file ``relative`` beneath ``root``; None when there is none."""
    if _absent(root, relative):
        return None
    try:
        with open_root(root) as root_fd:
            fd, _ = open_beneath(root_fd, relative, FILE_FLAGS)
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
    fd = open_file(root, relative)
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
        with open_root(root) as root_fd:
            fd, _ = open_beneath(root_fd, relative, FILE_FLAGS)
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
        with open_root(root) as root_fd:
            os.close(open_dirs(root_fd, relative, str(relative), create=False))
    except (OSError, OutsideTreeError):
        return False
    return True


def resolve(root: Path, relative: str | PurePosixPath) -> Path:
    """``root`` joined with the real path of ``relative``, links followed only beneath ``root``.

    For handing a path to code that takes paths (a glob, a subprocess). Raises
    :class:`OutsideTreeError` or ``FileNotFoundError``.
    """
    with open_root(root) as root_fd:
        fd, real = open_beneath(root_fd, relative, FILE_FLAGS)
    os.close(fd)
    return root / real if real else root


def open_dirs(root_fd: int, relative: str | PurePosixPath, shown: str,
              create: bool = True) -> int:
    """Open (made as needed) the folders ``relative`` beneath ``root_fd``, following no link."""
    fd = os.dup(root_fd)
    try:
        for name in reversed(components(relative)):
            if name == "..":
                raise OutsideTreeError(shown, "is not a plain relative path")
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o755, dir_fd=fd)
            try:
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR) and is_link(name, fd):
                    raise OutsideTreeError(shown, "goes through a symlink; AutoStack writes "
                                           "through none") from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def is_link(name: str, dir_fd: int) -> bool:
    """Whether ``name`` in the folder ``dir_fd`` is a symlink (not followed)."""
    return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
