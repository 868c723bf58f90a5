"""Restoring what is not a backup of this AutoStack is refused, naming why, writing nothing."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autostack_core.cli import main
from autostack_core.infrastructure.backup import INFO

pytestmark = pytest.mark.dbless


def archive_with(path: Path, info: dict[str, object]) -> Path:
    raw = json.dumps(info).encode()
    with tarfile.open(path, "w") as archive:
        member = tarfile.TarInfo(INFO)
        member.size = len(raw)
        archive.addfile(member, io.BytesIO(raw))
    return path


@pytest.mark.parametrize(("content", "message"), [
    (None, "is not a readable backup"),
    ({"format": 99, "autostack": "9.0.0", "created_at": "x", "database": "sqlite"},
     "backup format 99 is not 1: restore it with the AutoStack that made it (9.0.0)"),
    ({"format": 1, "autostack": "0.1.0", "created_at": "x", "database": "postgresql"},
     "the backup holds a postgresql database and this server uses sqlite"),
])
def test_restore_refuses_what_it_cannot_restore(
        tmp_path: Path, content: dict[str, object] | None, message: str) -> None:
    archive = tmp_path / "backup.tar"
    if content is None:
        archive.write_text("not a tar file")
    else:
        archive_with(archive, content)
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["backup", "restore", str(archive),
                                       "--data-dir", str(data_dir)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert not data_dir.exists()
