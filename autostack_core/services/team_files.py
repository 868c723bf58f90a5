"""Which stored files each team may use, and how much it stores (its quota).

The store keeps one copy of a content however many teams use it, so it
cannot say who may deploy a hash: before this, any user could ask whether a
hash existed and deploy another team's file by hash without having it. A
team gets credit (a :class:`~autostack_core.infrastructure.models.TeamBlob` row) for what
it uploads and what its builds store; the missing-files question and
deployments by file list consult only that. The team's quota counts each
of its distinct files once, whoever else stores the same bytes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from tortoise.functions import Sum

from autostack_core.infrastructure.db import uncancelled
from autostack_core.infrastructure.manifests import StoreError, manifest_objects
from autostack_core.infrastructure.models import Deployment, DeploymentState, TeamBlob
from autostack_core.infrastructure.store import Store


class QuotaExceeded(Exception):
    """Storing these files would take the team past its storage quota (the message says so)."""


async def credited(team_id: int, hashes: Iterable[str]) -> dict[str, int]:
    """``{sha256: size}`` of the given hashes the team has credit for."""
    wanted = sorted(set(hashes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        rows = await TeamBlob.filter(team_id=team_id, sha256__in=wanted[start:start + 500]) \
            .values_list("sha256", "size")
        found.update((str(sha), int(size)) for sha, size in rows)
    return found


async def missing(store: Store, team_id: int, hashes: Iterable[str]) -> list[str]:
    """The hashes the team must upload (no credit, or the store lost them), in order, once."""
    hashes = list(hashes)
    have = await credited(team_id, hashes)
    lacking = set(store.missing(have))
    seen: set[str] = set()
    result = []
    for sha in hashes:
        if sha not in seen and (sha not in have or sha in lacking):
            result.append(sha)
        seen.add(sha)
    return result


async def stored_bytes(team_id: int) -> int:
    """The total size of the team's distinct stored files."""
    rows = await TeamBlob.filter(team_id=team_id).annotate(total=Sum("size")) \
        .group_by("team_id").values("total")
    return int(rows[0]["total"] or 0) if rows else 0


async def check_quota(team_id: int, quota: int, new: Mapping[str, int]) -> None:
    """Raise :class:`QuotaExceeded` if adding ``new`` (``{sha256: size}``, files the team has
    no credit for: :func:`credited`) passes ``quota``."""
    if not new:
        return
    used = await stored_bytes(team_id)
    if used + sum(new.values()) > quota:
        raise QuotaExceeded(
            f"the team's storage quota of {quota} bytes would be exceeded: {used} bytes "
            f"stored, {sum(new.values())} bytes more; delete deployments to free space")


async def record(team_id: int, files: Mapping[str, int]) -> None:
    """Credit the team with ``files`` (``{sha256: size}``), refreshing when it stored them."""
    now = datetime.now(UTC)
    await uncancelled(TeamBlob.bulk_create(
        [TeamBlob(team_id=team_id, sha256=sha, size=size, stored_at=now)
         for sha, size in files.items()],
        batch_size=500, on_conflict=["team_id", "sha256"], update_fields=["size", "stored_at"]))


async def reconcile(store: Store, grace_seconds: float) -> int:
    """Keep each team's rows equal to what its live deployments refer to; return rows dropped.

    Run by gc after the store's collection: a row stays while one of the
    team's deployments keeps the file (its output, or the upload of a
    deployment not final yet) or while it is younger than the grace period
    (an upload whose deployment is not created yet). Rows for files the
    team's deployments refer to but that it has no row for (stored before
    rows existed) are added, so the quota counts them.
    """
    referenced: dict[int, dict[str, int]] = {}
    rows = await Deployment.filter(deleted_at__isnull=True).select_related("project")
    for row in rows:
        files = referenced.setdefault(row.project.team_id, {})  # type: ignore[attr-defined]
        if row.output_manifest_hash:
            with contextlib.suppress(StoreError):
                files.update(manifest_objects(store.load_manifest(row.output_manifest_hash)))
        if row.upload_manifest and not DeploymentState(row.state).is_final:
            files.update(manifest_objects(row.upload_manifest))
    for team_id, files in referenced.items():
        have = await credited(team_id, files)
        unrecorded = {sha: size for sha, size in files.items()
                      if sha not in have and store.has(sha)}
        if unrecorded:
            await record(team_id, unrecorded)
    cutoff = datetime.now(UTC) - timedelta(seconds=grace_seconds)
    stale: dict[int, list[str]] = {}
    for team_id, sha in await TeamBlob.filter(stored_at__lt=cutoff) \
            .values_list("team_id", "sha256"):
        if sha not in referenced.get(team_id, {}) or not store.has(sha):
            stale.setdefault(team_id, []).append(sha)
    dropped = 0
    for team_id, hashes in stale.items():
        for start in range(0, len(hashes), 500):
            dropped += await TeamBlob.filter(
                team_id=team_id, sha256__in=hashes[start:start + 500]).delete()
    return dropped
