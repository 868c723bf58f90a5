"""Sources of a deployment: a git repository at a ref, or an uploaded manifest."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from autostack_core.security.outbound import Outbound, OutboundError

GIT_TIMEOUT_SECONDS = 300
REMOTE_SCHEMES = ("https", "http", "ssh", "git")
FULL_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


class SourceError(Exception):
    """The source could not be fetched; the message is shown to the user."""


@dataclass
class Checkout:
    commit_sha: str
    commit_message: str
    tree_sha: str


def check_git_url(url: str, allow_local: bool) -> str:
    """Accept remote git URLs; local paths and file:// only when the server allows them."""
    url = url.strip()
    scheme = urlparse(url).scheme
    scp_like = "@" in url.split("/", 1)[0] and ":" in url and "://" not in url
    if scheme in REMOTE_SCHEMES or scp_like:
        return url
    if allow_local and (scheme == "file" or url.startswith("/")):
        return url
    raise SourceError(
        f"git URL must start with https://, http://, ssh:// or git@ (got {url[:100]!r})"
    )


def git_env(allow_local: bool) -> dict[str, str]:
    """The environment git runs with: no prompt, no system config, allowed protocols only."""
    allowed = ":".join((*REMOTE_SCHEMES, "file")) if allow_local else ":".join(REMOTE_SCHEMES)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/nonexistent",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": allowed,
        "GIT_CONFIG_NOSYSTEM": "1",
        "LANG": "C",
    }


async def git(
    *args: str, cwd: Path | None = None, allow_local: bool = False, git_dir: str | None = None,
    extra_env: Mapping[str, str] | None = None, config: Sequence[str] = (),
) -> str:
    """Run git (``config``: ``key=value`` items for ``-c``); return stdout, raise
    :class:`SourceError` with git's own message."""
    env = {**git_env(allow_local), **(extra_env or {})}
    if git_dir is not None:
        env["GIT_DIR"] = git_dir
    options = [option for item in config for option in ("-c", item)]
    process = await asyncio.create_subprocess_exec(
        "git", *options, *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), GIT_TIMEOUT_SECONDS)
    except TimeoutError as error:
        process.kill()
        await process.wait()
        raise SourceError(f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS} s") from error
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        message = stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"git {args[0]} failed: {message[-1] if message else 'no output'}")
    return stdout.decode(errors="replace").strip()


def _check_ref(ref: str) -> None:
    if not ref or ref.startswith("-") or any(char.isspace() for char in ref):
        raise SourceError(f"invalid git ref {ref!r}")


async def checkout_local(repository: Path, ref: str, dest: Path, index: Path) -> Checkout:
    """Check ``ref`` of the server's own bare ``repository`` out into ``dest``, in two git runs.

    For the built-in remote (nothing to fetch, nothing to pin): the commit is read
    straight from the bare repository (``git log``), and ``read-tree -u`` writes its
    files into ``dest`` with git's own checkout (which writes through no symlink of
    the tree), through ``index``, a fresh index file of the caller's (the
    repository's own index and ``HEAD`` are left alone). ``dest`` gets no ``.git``.
    Both run at once when ``ref`` is a full commit id (a push's). Four git runs fewer
    than :func:`checkout`: 0.3 s of a push on a busy machine (``bench/push_bench.py``).
    """
    _check_ref(ref)
    repo = str(repository)
    dest.mkdir(parents=True, exist_ok=True)
    index.unlink(missing_ok=True)

    async def write_files(commit: str) -> None:
        await git("read-tree", "--reset", "-u", commit, git_dir=repo, allow_local=True,
                  extra_env={"GIT_WORK_TREE": str(dest), "GIT_INDEX_FILE": str(index)})

    if FULL_SHA.match(ref):  # a commit cannot move: both runs at once
        described, _ = await asyncio.gather(describe_local(repo, ref),
                                            write_files(f"{ref}^{{commit}}"))
    else:
        described = await describe_local(repo, ref)
        await write_files(described.commit_sha)
    index.unlink(missing_ok=True)
    return described


async def describe_local(repository: str, ref: str) -> Checkout:
    """The commit ``ref`` names in the server's own bare ``repository``, read in one git run."""
    _check_ref(ref)
    described = await git("log", "-1", "--no-show-signature", "--format=%H%x00%T%x00%s",
                          f"{ref}^{{commit}}", "--", git_dir=repository, allow_local=True)
    sha, tree, message = [*described.split("\0", 2), "", ""][:3]
    return Checkout(commit_sha=sha, commit_message=message[:500], tree_sha=tree)


async def checkout(
    url: str, ref: str, dest: Path, *, outbound: Outbound, allow_local: bool = False,
    extra_env: Mapping[str, str] | None = None,
) -> Checkout:
    """Fetch ``ref`` (branch, tag or commit) of ``url`` into ``dest`` and check it out.

    The remote's host must resolve to addresses ``outbound`` allows, and the
    fetch is pinned to them. ``extra_env`` goes to the fetch only: credentials
    (:mod:`autostack_core.git.git_credentials`).
    """
    _check_ref(ref)
    try:
        pinned = await outbound.git_config(url)
    except OutboundError as error:
        raise SourceError(str(error)) from error
    dest.mkdir(parents=True, exist_ok=True)
    await git("init", "--quiet", str(dest), allow_local=allow_local)
    await git("fetch", "--quiet", "--depth", "1", "--no-tags", url, ref, cwd=dest,
              allow_local=allow_local, extra_env=extra_env, config=pinned)
    await git("-c", "advice.detachedHead=false", "checkout", "--quiet", "FETCH_HEAD",
              cwd=dest, allow_local=allow_local)
    sha = await git("rev-parse", "HEAD", cwd=dest)
    message = await git("log", "-1", "--format=%s", cwd=dest)
    tree = await git("rev-parse", "HEAD^{tree}", cwd=dest)
    return Checkout(commit_sha=sha, commit_message=message[:500], tree_sha=tree)
