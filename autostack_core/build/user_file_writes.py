"""Writing, copying and removing in a user's tree, never through a link in it.

The other half of :mod:`autostack_core.build.user_files` (read its docstring
for why): folders are opened one component at a time with ``O_NOFOLLOW`` from
a descriptor of the tree's root, so nothing is written through a link already
in the target, and a copy never dereferences a link inside the copied folder
(one that stays inside is copied as a link, any other is skipped and reported).
Builders write their output only through here.
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

from autostack_core.build.user_files import (
    DIR_FLAGS,
    FILE_FLAGS,
    OutsideTreeError,
    is_link,
    open_beneath,
    open_dirs,
    open_file,
    open_root,
)

COPY_CHUNK = 1024 * 1024

Ignore = Callable[[str, list[str]], set[str]]
"""An ignore function as :func:`shutil.copytree` takes: (folder, names) -> names to skip."""


def make_dirs(root: Path, relative: str | PurePosixPath) -> None:
    """``mkdir -p root/relative`` that refuses to go through a symlink."""
    with open_root(root) as root_fd:
        os.close(open_dirs(root_fd, relative, str(relative)))


@contextlib.contextmanager
def _new_file(root: Path, relative: str | PurePosixPath, mode: int) -> Iterator[BinaryIO]:
    """A new file ``relative`` beneath ``root`` (replacing one) to write, never through a link."""
    parent, _, name = str(relative).rpartition("/")
    if name in ("", ".", ".."):
        raise OutsideTreeError(str(relative), "is not a file path")
    with open_root(root) as root_fd:
        dir_fd = open_dirs(root_fd, parent, str(relative))
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
    fd = open_file(source_root, source)
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
        with open_root(root) as root_fd:
            dir_fd = open_dirs(root_fd, parent, str(relative), create=False)
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
    with open_root(source_root) as root_fd:
        folder_fd, _ = open_beneath(root_fd, source, DIR_FLAGS)
    try:
        with open_root(target_root) as target_root_fd:
            into_fd = open_dirs(target_root_fd, target, str(target))
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
            child_src = os.open(name, DIR_FLAGS, dir_fd=src_fd)
            try:
                try:
                    child_dst = os.open(name, DIR_FLAGS, dir_fd=dst_fd)
                except OSError as error:
                    if error.errno in (errno.ELOOP, errno.ENOTDIR) and is_link(name, dst_fd):
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
    source = os.open(name, FILE_FLAGS, dir_fd=src_fd)
    with os.fdopen(source, "rb") as reader:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dst_fd)
        target = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                         | os.O_CLOEXEC, mode, dir_fd=dst_fd)
        with os.fdopen(target, "wb") as writer:
            shutil.copyfileobj(reader, writer, COPY_CHUNK)
