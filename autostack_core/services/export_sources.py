"""The files a template export takes from a project, and where they came from.

The built-in repository's production branch head comes first (what ``git clone``
of the project gives); without one, the last ready deployment's uploaded files,
read from the store. Every name is checked as hostile input: a path that is not a
plain relative path inside the package (absolute, ``..``, a ``.git`` folder,
control characters) is left out and reported, and so is a symlink whose target
leaves the tree; a symlink that stays inside becomes a copy of the file it names,
so the package holds regular files only.
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autostack_core.build.sources import SourceError, git
from autostack_core.errors import ApiError
from autostack_core.infrastructure.manifests import UnsafePathError, safe_relative_path
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project
from autostack_core.infrastructure.store import Store
from autostack_core.services.templates import repository_path

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

MAX_EXPORT_BYTES = 100 * 1024 * 1024
"""The most file content one export carries (it is built in memory)."""
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent", "PATH": "/usr/bin:/bin"}


@dataclass
class ExportFile:
    path: str
    data: bytes
    executable: bool = False


@dataclass
class ExportSource:
    """A project's files and the metadata's ``source``; ``skipped``: paths left out, why."""

    files: list[ExportFile]
    origin: dict[str, Any]
    skipped: list[dict[str, str]] = field(default_factory=list)


def path_problem(path: str) -> str | None:
    """Why ``path`` may not be a file of the package, or None."""
    try:
        safe_relative_path(path)
    except UnsafePathError as error:
        return error.reason
    if any(ord(char) < 32 or ord(char) == 127 for char in path):
        return "contains a control character"
    if ".git" in path.split("/"):
        return "a .git folder"
    return None


def link_target(link: str, target: str) -> str | None:
    """The tree path a symlink at ``link`` naming ``target`` points to, None if outside."""
    if target.startswith("/") or "\0" in target:
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(link), target))
    if resolved == "." or resolved.startswith("../") or resolved == "..":
        return None
    return resolved


class _Budget:
    def __init__(self) -> None:
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > MAX_EXPORT_BYTES:
            raise ApiError(413, f"project: the files exceed {MAX_EXPORT_BYTES} bytes, "
                                "too large to export", "project")


async def _blobs(repo: str, shas: list[str]) -> list[bytes]:
    """The contents of ``shas`` from one ``git cat-file --batch``."""
    process = await asyncio.create_subprocess_exec(
        "git", "--git-dir", repo, "cat-file", "--batch",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, env=GIT_ENV)
    output, _ = await process.communicate("".join(f"{sha}\n" for sha in shas).encode())
    blobs, offset = [], 0
    for _sha in shas:
        end = output.index(b"\n", offset)
        size = int(output[offset:end].split()[2])
        blobs.append(output[end + 1:end + 1 + size])
        offset = end + 1 + size + 1
    return blobs


async def from_repository(app: AutoStack, project: Project) -> ExportSource | None:
    """The production branch head of the project's built-in repository, if it has one."""
    repo = repository_path(app, project.name)
    if not repo.is_dir():
        return None
    try:
        sha = await git("rev-parse", "--verify", "--quiet",
                        f"refs/heads/{project.branch}^{{commit}}", git_dir=str(repo))
    except SourceError:
        return None
    process = await asyncio.create_subprocess_exec(
        "git", "--git-dir", str(repo), "ls-tree", "-r", "-z", "--full-tree", "--long", sha,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env=GIT_ENV)
    listing, _ = await process.communicate()
    entries: dict[str, tuple[str, str]] = {}
    source = ExportSource(files=[], origin={"kind": "repository", "branch": project.branch,
                                           "commit": sha})
    budget = _Budget()
    for record in filter(None, listing.split(b"\0")):
        info, _, raw_path = record.partition(b"\t")
        mode, kind, blob, size = info.decode().split()
        path = raw_path.decode(errors="surrogateescape")
        problem = path_problem(path)
        if kind != "blob":
            problem = problem or f"a {kind} (submodule), not a file"
        if problem:
            source.skipped.append({"path": path.encode(errors="surrogateescape")
                                   .decode(errors="replace"), "reason": problem})
            continue
        budget.take(int(size) if size.isdigit() else 0)
        entries[path] = (mode, blob)
    links = {path: blob for path, (mode, blob) in entries.items() if mode == "120000"}
    targets = dict(zip(links, await _blobs(str(repo), list(links.values())), strict=True))
    wanted: dict[str, tuple[str, str]] = {}
    for path, (mode, blob) in entries.items():
        if path not in links:
            wanted[path] = (mode, blob)
            continue
        resolved = link_target(path, targets[path].decode(errors="replace"))
        if resolved is None or resolved not in entries or resolved in links:
            source.skipped.append({"path": path, "reason": "a symlink that names no file of "
                                                           "the project (outside it, a folder "
                                                           "or another link)"})
            continue
        wanted[path] = entries[resolved]
    contents = await _blobs(str(repo), [blob for _mode, blob in wanted.values()])
    source.files = [ExportFile(path, data, mode == "100755")
                    for (path, (mode, _blob)), data in zip(wanted.items(), contents, strict=True)]
    return source


async def from_deployment(app: AutoStack, project: Project) -> ExportSource | None:
    """The uploaded files of the project's last ready deployment, if the store still has them."""
    deployment = await Deployment.filter(
        project=project, state=DeploymentState.READY, source_type="upload",
        upload_manifest__isnull=False, deleted_at__isnull=True).order_by("-created_at").first()
    if deployment is None or not deployment.upload_manifest:
        return None
    store = Store.from_settings(app.settings)
    source = ExportSource(files=[], origin={"kind": "deployment", "deployment": deployment.id})
    budget = _Budget()
    for path, entry in sorted(deployment.upload_manifest["files"].items()):
        problem = path_problem(path)
        if problem:
            source.skipped.append({"path": path, "reason": problem})
            continue
        if not store.has(entry["sha256"]):
            return None  # the store let its objects go: this deployment cannot be exported
        budget.take(int(entry.get("size") or 0))
        data = await asyncio.to_thread(store.object_path(entry["sha256"]).read_bytes)
        source.files.append(ExportFile(path, data, bool(int(entry.get("mode", 0o644)) & 0o111)))
    return source


async def export_source(app: AutoStack, project: Project) -> ExportSource:
    """The files to export; 409 naming the project when it has neither."""
    source = await from_repository(app, project) or await from_deployment(app, project)
    if source is None:
        raise ApiError(409, "project: nothing to export: the project's repository has no "
                            f"commits on {project.branch} and no ready deployment of uploaded "
                            "files is left", "project")
    return source
