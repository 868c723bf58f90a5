"""A push's ref advertisement made from the ref files is the one git makes, byte for byte."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from autostack_core.git import advertisement
from tests.git_commands import git

pytestmark = pytest.mark.dbless


@pytest.fixture(autouse=True)
def nothing_learnt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts before git answered (every test's repository has the same config)."""
    monkeypatch.setattr(advertisement, "_capabilities", {})


def gits_answer(repo: Path) -> bytes:
    """What ``git http-backend`` answers to ``GET info/refs?service=git-receive-pack``."""
    environ = {"PATH": "/usr/bin:/bin", "GIT_PROJECT_ROOT": str(repo.parent),
               "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": f"/{repo.name}/info/refs",
               "REQUEST_METHOD": "GET", "QUERY_STRING": "service=git-receive-pack",
               "REMOTE_USER": "dev@example.com"}
    output = subprocess.run(["git", "http-backend"], env=environ, check=True,
                            capture_output=True).stdout
    head, _, body = output.partition(b"\r\n\r\n")
    assert advertisement.CONTENT_TYPE.encode() in head
    return body


def bare(tmp_path: Path) -> Path:
    repo = tmp_path / "site.git"
    git("init", "--bare", "--initial-branch", "main", str(repo), cwd=tmp_path)
    git("config", "http.receivepack", "true", cwd=repo)
    return repo


def test_nothing_is_made_before_git_answered_once(tmp_path: Path) -> None:
    assert advertisement.advertise(bare(tmp_path)) is None


def test_empty_packed_loose_nested_and_tags_match_git(tmp_path: Path) -> None:
    repo, work = bare(tmp_path), tmp_path / "work"
    advertisement.learn(repo, gits_answer(repo))
    assert advertisement.advertise(repo) == gits_answer(repo)  # no refs: capabilities^{}
    work.mkdir()
    git("init", "--initial-branch", "main", cwd=work)
    (work / "index.html").write_text("v1")
    git("add", ".", cwd=work)
    git("commit", "-m", "v1", cwd=work)
    git("tag", "-a", "-m", "release", "v1", cwd=work)
    git("push", str(repo), "main", "main:feature/nested", "main:old", "v1", cwd=work)
    git("pack-refs", "--all", cwd=repo)  # packed, with the tag's peeled line
    (work / "index.html").write_text("v2")
    git("commit", "-am", "v2", cwd=work)
    git("push", str(repo), "main", "main:a-first", ":old", cwd=work)  # loose ones win
    assert advertisement.advertise(repo) == gits_answer(repo)


def test_git_answers_again_when_the_configuration_changes(tmp_path: Path) -> None:
    repo = bare(tmp_path)
    advertisement.learn(repo, gits_answer(repo))
    git("config", "receive.advertisePushOptions", "true", cwd=repo)
    assert advertisement.advertise(repo) is None
    advertisement.learn(repo, gits_answer(repo))
    assert b"push-options" in (advertisement.advertise(repo) or b"")
    assert advertisement.advertise(repo) == gits_answer(repo)


def test_hidden_refs_and_symbolic_refs_are_left_to_git(tmp_path: Path) -> None:
    repo = bare(tmp_path)
    advertisement.learn(repo, gits_answer(repo))
    (repo / "refs" / "heads" / "alias").write_text("ref: refs/heads/main\n")
    assert advertisement.advertise(repo) is None
    (repo / "refs" / "heads" / "alias").unlink()
    git("config", "receive.hideRefs", "refs/heads/secret", cwd=repo)
    advertisement.learn(repo, gits_answer(repo))
    assert advertisement.advertise(repo) is None
