"""Running git in tests: as a developer named Dev, with the repository's folder as home
(no user's or machine's git configuration but the system's)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(*args: str, cwd: Path) -> str:
    """Run ``git args`` in ``cwd`` and return its standard output, stripped; a failure raises."""
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GIT_AUTHOR_NAME": "Dev",
           "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "Dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def commit_and_push(work: Path, bare: Path, files: dict[str, str], message: str) -> str:
    """Write ``files`` in the clone ``work``, commit them and push ``main`` to ``bare``; the
    commit's id."""
    for relative, text in files.items():
        (work / relative).parent.mkdir(parents=True, exist_ok=True)
        (work / relative).write_text(text)
    git("add", ".", cwd=work)
    git("commit", "-m", message, cwd=work)
    git("push", "--quiet", str(bare), "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def work_and_bare(folder: Path) -> tuple[Path, Path]:
    """A new repository ``folder/work`` to commit in and a new bare one ``folder/site.git`` to
    push to, both on ``main``."""
    work, bare = folder / "work", folder / "site.git"
    work.mkdir()
    git("init", "--initial-branch", "main", cwd=work)
    git("init", "--bare", "--initial-branch", "main", str(bare), cwd=folder)
    return work, bare
