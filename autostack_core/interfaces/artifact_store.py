"""Where the artifact store keeps its files beyond one machine: a bucket of named objects.

The store (:mod:`autostack_core.infrastructure.store`) is content-addressed on
the local disk of every node; with ``AUTOSTACK_STORE=s3`` every node also
mirrors it to a shared bucket (:mod:`autostack_core.infrastructure.s3_store`),
so a deployment built by one worker can be served by any node. A backend for
another object service implements this protocol.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    """One object of the bucket as a listing gives it."""

    key: str
    size: int
    modified: float
    """When it was written, in seconds since the epoch (garbage collection spares the new)."""


class ArtifactStore(Protocol):
    """A flat namespace of immutable objects, named by ``/``-separated keys."""

    def put(self, key: str, path: Path) -> None:
        """Upload the file at ``path`` as ``key`` (replacing nothing: keys are content names)."""
        ...

    def get(self, key: str, dest: Path) -> bool:
        """Download ``key`` into the file ``dest``; False when there is no such object."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the object ``key`` is stored."""
        ...

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """The objects whose keys start with ``prefix``."""
        ...

    def delete(self, keys: Sequence[str]) -> None:
        """Remove these objects (at most 1000 at a time); a missing one is no error."""
        ...
