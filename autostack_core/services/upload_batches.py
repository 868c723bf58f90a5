"""Many files in one upload: an uncompressed tar whose members are named by their sha256.

The tar is hostile input. Nothing is extracted to a path: each member's
bytes go into the store under its name, which must be a lowercase sha256
digest the bytes hash to. Only regular files are taken; links, folders,
devices, sparse files and names that are not digests are refused before
anything is stored, and so are more than :data:`MAX_MEMBERS` members.
"""

from __future__ import annotations

import tarfile
from typing import IO

from autostack_core.infrastructure.manifests import HASH_RE, StoreError
from autostack_core.infrastructure.store import Store

MAX_MEMBERS = 20_000
CHUNK = 1 << 20


class BatchError(ValueError):
    """The body is not a tar of files named by their sha256 (the message says which member)."""


def open_batch(spool: IO[bytes]) -> tuple[tarfile.TarFile, dict[str, int]]:
    """The tar in ``spool`` and its members' ``{sha256: size}``, every header checked."""
    spool.seek(0)
    try:
        archive = tarfile.open(fileobj=spool, mode="r:")  # noqa: SIM115 (the caller's)
        sizes: dict[str, int] = {}
        for index, member in enumerate(archive):
            if index >= MAX_MEMBERS:
                raise BatchError(f"more than {MAX_MEMBERS} files in one upload")
            if not HASH_RE.match(member.name):
                raise BatchError(f"member {index}: its name must be the file's lowercase "
                                 "sha256 hex digest")
            if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
                raise BatchError(f"member {index} ({member.name}): only regular files "
                                 "are accepted (no links, folders, devices or sparse files)")
            sizes[member.name] = member.size
    except tarfile.TarError as error:
        raise BatchError(f"not a readable tar: {error}") from error
    return archive, sizes


def store_batch(store: Store, archive: tarfile.TarFile) -> dict[str, int]:
    """Store every member of ``archive`` (from :func:`open_batch`); ``{sha256: size}``.

    :class:`BatchError` names the first member whose bytes do not hash to its name.
    """
    stored: dict[str, int] = {}
    try:
        for member in archive.getmembers():
            source = archive.extractfile(member)
            if source is None:  # open_batch let only regular files through
                raise BatchError(f"{member.name}: not a regular file")
            with store.receive() as incoming:
                while chunk := source.read(CHUNK):
                    incoming.write(chunk)
                try:
                    incoming.commit(member.name)
                except StoreError as error:
                    raise BatchError(f"{member.name}: the bytes do not match the sha256 "
                                     "in the name") from error
            stored[member.name] = incoming.size
    except tarfile.TarError as error:
        raise BatchError(f"not a readable tar: {error}") from error
    return stored
