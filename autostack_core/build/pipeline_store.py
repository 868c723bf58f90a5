"""The pipeline's store step: the build output into the store, within the limits.

Refused unstored when it is over the deployment size limit or the team's storage
quota. Only the files the team has no credit for count against its quota and are
credited once stored: a warm push's unchanged files are neither read again (their
inodes name their store objects) nor written again as the team's rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.build.build_errors import BuildError
from autostack_core.infrastructure.manifests import manifest_bytes, manifest_objects
from autostack_core.infrastructure.store import LaidOut, ScannedTree, Store
from autostack_core.services import quotas, releases, team_files

if TYPE_CHECKING:
    from autostack_core.build.pipeline import Pipeline


async def store_output(pipeline: Pipeline) -> str:
    """Store the pipeline's output folder and its manifest; return the manifest's hash."""
    store = pipeline.store
    scanned = await asyncio.to_thread(scan_output, store, pipeline.output_dir,
                                      pipeline.linked_objects)
    new_files = await check_output_limits(pipeline, scanned.manifest)
    # No command ran (a site with nothing to build): only the host wrote the output, so
    # the deploy step may move it into place rather than link every file again.
    manifest_hash = await asyncio.to_thread(
        store_and_lay_out, store, scanned,
        partial(releases.laid_out_output, pipeline.settings, pipeline.deployment.id)
        if pipeline.sandbox is None else None)
    if new_files:
        await team_files.record(pipeline.project.team_id,  # type: ignore[attr-defined]
                                new_files)
    pipeline.log.write("upload", f"Stored {len(scanned.manifest['files'])} files", "system")
    return manifest_hash


def store_and_lay_out(store: Store, scanned: ScannedTree,
                      laid_out: Callable[[str], LaidOut] | None) -> str:
    """Store the scanned output (:meth:`Store.store_tree`); with ``laid_out`` (where the
    layout of a manifest goes) leave it there laid out (:meth:`Store.lay_out_in_place`).
    One thread."""
    manifest_hash = store.store_tree(scanned)
    if laid_out is not None:
        store.lay_out_in_place(scanned, manifest_hash, laid_out(manifest_hash).folder)
    return manifest_hash


def scan_output(store: Store, output_dir: Path, linked_objects: list[str]) -> ScannedTree:
    """The output folder scanned (:meth:`Store.scan_tree`), its files that are links to
    ``linked_objects`` recognised unread; one call, so one thread."""
    return store.scan_tree(output_dir, store.object_inodes(linked_objects))


async def check_output_limits(pipeline: Pipeline, manifest: dict[str, Any]) -> dict[str, int]:
    """Refuse an output over the deployment size limit or the team's quota, unstored;
    return the files the team has no credit for yet (``{sha256: size}``)."""
    total, limit = manifest_bytes(manifest), pipeline.settings.max_deployment_bytes
    if total > limit:
        raise BuildError(f"the build output is {total} bytes, more than the deployment "
                         f"size limit of {limit} bytes")
    team_id: int = pipeline.project.team_id  # type: ignore[attr-defined]
    files = manifest_objects(manifest)
    have = await team_files.credited(team_id, files)
    new = {sha: size for sha, size in files.items() if sha not in have}
    if not new:
        return new
    try:
        await team_files.check_quota(team_id,
                                     await quotas.storage_quota(pipeline.settings, team_id), new)
    except team_files.QuotaExceeded as error:
        raise BuildError(f"the build output cannot be stored: {error}") from error
    return new
