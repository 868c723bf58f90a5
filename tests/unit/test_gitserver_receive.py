"""The built-in remote's own receive-pack keeps git's checks with the server's configuration."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from autostack_core.git.gitserver import RECEIVE_CONFIG
from tests.git_commands import commit_and_push, git, work_and_bare

pytestmark = pytest.mark.dbless
ZERO = "0" * 40


def pkt_line(text: str) -> bytes:
    return f"{len(text) + 4:04x}".encode() + text.encode()


def receive(repo: Path, ref: str, new: str, pack: bytes, trace: Path) -> str:
    """What the server's ``git receive-pack --stateless-rpc`` answers to a push of ``pack``
    moving ``ref`` from nothing to ``new`` (report-status, no side band)."""
    request = pkt_line(f"{ZERO} {new} {ref}\0 report-status\n")
    answer = subprocess.run(
        ["git", *RECEIVE_CONFIG, "receive-pack", "--stateless-rpc", "."], cwd=repo,
        input=request + b"0000" + pack, capture_output=True, check=True,
        env={"PATH": "/usr/bin:/bin", "GIT_TRACE2_EVENT": str(trace)})
    return answer.stdout.decode()


def pack_of(work: Path, *objects: str) -> bytes:
    """A pack holding exactly ``objects`` (no thin-pack bases, nothing reachable added)."""
    return subprocess.run(["git", "pack-objects", "--stdout", "-q"], cwd=work,
                          input="\n".join(objects).encode() + b"\n", capture_output=True,
                          check=True).stdout


def started_gits(trace: Path) -> list[list[str]]:
    """The command lines of the processes git started, from its trace2 events."""
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    return [event["argv"] for event in events if event.get("event") == "child_start"]


@pytest.fixture
def repositories(tmp_path: Path) -> tuple[Path, Path]:
    work, repo = work_and_bare(tmp_path)
    commit_and_push(work, repo, {"index.html": "v1"}, "v1")
    (work / "index.html").write_text("v2")
    git("commit", "-am", "v2", cwd=work)
    return work, repo


def test_a_complete_push_is_received_without_listing_the_refs_again(
        repositories: tuple[Path, Path], tmp_path: Path) -> None:
    work, repo = repositories
    new = git("rev-parse", "HEAD", cwd=work)
    objects = [new, git("rev-parse", "HEAD^{tree}", cwd=work),
               git("rev-parse", "HEAD:index.html", cwd=work)]
    answer = receive(repo, "refs/heads/v2", new, pack_of(work, *objects), tmp_path / "trace")
    assert "ok refs/heads/v2" in answer
    assert git("rev-parse", "refs/heads/v2", cwd=repo) == new
    started = [" ".join(argv) for argv in started_gits(tmp_path / "trace")]
    # unpack-objects and the connectivity check's rev-list; no for-each-ref of the
    # repository through its quarantine's alternate.
    assert any(" rev-list " in command for command in started)
    assert not any("for-each-ref" in command for command in started)


def test_a_push_missing_an_object_is_still_refused(repositories: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    work, repo = repositories
    new = git("rev-parse", "HEAD", cwd=work)
    # The commit and its tree, not the changed file: the connectivity check must notice.
    pack = pack_of(work, new, git("rev-parse", "HEAD^{tree}", cwd=work))
    answer = receive(repo, "refs/heads/v2", new, pack, tmp_path / "trace")
    assert "ng refs/heads/v2" in answer
    assert not git("for-each-ref", "refs/heads/v2", cwd=repo)
