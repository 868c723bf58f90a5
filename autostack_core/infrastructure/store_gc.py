"""Garbage collection of the artifact store: what no kept build refers to goes.

One policy for the node's local store and for the bucket every node mirrors it to
(``AUTOSTACK_STORE=s3``): before, only the local copy was collected, and the
bucket kept every build ever stored.

* A manifest goes unless it is kept (a live deployment's output) or was written
  within the grace period: a build storing its output while gc runs has written
  its manifest before its deployment names it.
* An object goes unless a kept or spared manifest lists it, it is one of
  ``keep_objects`` (the upload of a deployment not final yet), or it was written
  (or, locally, stored again) within the grace period: an upload or a build on
  any node while gc runs.

In the bucket, "written" is the object's ``LastModified``, and a manifest there
is read without pulling its objects. Manifests are deleted before objects, the
reverse of a push, so a manifest in the bucket never lacks a file.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autostack_core.infrastructure.manifests import StoreError, check_hash
from autostack_core.infrastructure.store import EXECUTABLE_SUFFIX

if TYPE_CHECKING:
    from autostack_core.infrastructure.store import Store
    from autostack_core.interfaces.artifact_store import ArtifactStore

TMP_MAX_AGE_SECONDS = 24 * 3600
DELETE_BATCH = 1000
"""S3's DeleteObjects takes at most 1000 keys."""


@dataclass(frozen=True)
class GcReport:
    """What a garbage collection removed (``bucket_*``: from the shared bucket)."""

    objects_removed: int
    bytes_freed: int
    manifests_removed: int
    bucket_objects_removed: int = 0
    bucket_bytes_freed: int = 0
    bucket_manifests_removed: int = 0


def _listed_objects(manifest_bytes: bytes) -> set[str]:
    manifest = json.loads(manifest_bytes)
    return {str(entry["sha256"]) for entry in manifest["files"].values()}


def collect_local(store: Store, keep_manifest_hashes: set[str],
                  keep_objects: Iterable[str] = (), grace_seconds: float = 0.0) -> GcReport:
    """Collect ``store``'s own folder by the module's policy."""
    cutoff = time.time() - grace_seconds
    keep = {check_hash(sha) for sha in keep_objects}
    kept_manifests = set(keep_manifest_hashes)
    manifests_removed = 0
    for path in store.manifests.glob("*.json"):
        with contextlib.suppress(FileNotFoundError):
            if path.stem not in kept_manifests and not (grace_seconds
                                                        and path.stat().st_mtime > cutoff):
                path.unlink()
                manifests_removed += 1
                continue
            kept_manifests.add(path.stem)
            keep.update(_listed_objects(path.read_bytes()))
    objects_removed = bytes_freed = 0
    for path in store.objects.glob("??/*"):
        sha = path.parent.name + path.name.removesuffix(EXECUTABLE_SUFFIX)
        with contextlib.suppress(FileNotFoundError):
            st = path.stat()
            if sha in keep or (grace_seconds and st.st_mtime > cutoff):
                continue
            path.unlink()
            objects_removed += 1
            bytes_freed += st.st_size
    for path in store.tmp.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < time.time() - TMP_MAX_AGE_SECONDS:
                path.unlink()
    return GcReport(objects_removed, bytes_freed, manifests_removed)


def collect_bucket(remote: ArtifactStore, keep_manifest_hashes: set[str],
                   keep_objects: Iterable[str] = (),
                   grace_seconds: float = 0.0) -> tuple[int, int, int]:
    """Collect the bucket by the module's policy: (objects removed, bytes, manifests removed)."""
    cutoff = time.time() - grace_seconds
    keep = {check_hash(sha) for sha in keep_objects}
    doomed_manifests = []
    for item in remote.list("manifests/"):
        manifest_hash = item.key.removeprefix("manifests/").removesuffix(".json")
        if manifest_hash in keep_manifest_hashes or item.modified > cutoff:
            keep.update(_bucket_manifest(remote, item.key))
        else:
            doomed_manifests.append(item.key)
    doomed_objects, freed = [], 0
    for item in remote.list("objects/"):
        sha = item.key.removeprefix("objects/").replace("/", "", 1)
        if sha not in keep and item.modified <= cutoff:
            doomed_objects.append(item.key)
            freed += item.size
    for start in range(0, len(doomed_manifests), DELETE_BATCH):
        remote.delete(doomed_manifests[start:start + DELETE_BATCH])
    for start in range(0, len(doomed_objects), DELETE_BATCH):
        remote.delete(doomed_objects[start:start + DELETE_BATCH])
    return len(doomed_objects), freed, len(doomed_manifests)


def _bucket_manifest(remote: ArtifactStore, key: str) -> set[str]:
    """The objects a manifest in the bucket lists (read, not pulled into the store)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "manifest.json"
        if not remote.get(key, path):
            return set()
        try:
            return _listed_objects(path.read_bytes())
        except (ValueError, KeyError, TypeError) as error:
            raise StoreError(f"{key} in the bucket is not a manifest: {error}") from error
