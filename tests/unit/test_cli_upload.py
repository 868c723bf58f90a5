"""How the CLI groups the files it uploads: one tar per batch, a large file alone."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from autostack_core.cli.upload import BATCH_BYTES, LocalFile, batches, collect, tar_of


def local(path: Path, size: int) -> LocalFile:
    return LocalFile(path.name, path, f"{size:064x}", size, 0o644)


@pytest.mark.dbless
def test_files_are_grouped_up_to_the_batch_size_and_a_large_one_goes_alone(
    tmp_path: Path,
) -> None:
    small, large = BATCH_BYTES // 4, BATCH_BYTES + 1
    files = [local(tmp_path / f"f{n}", small) for n in range(5)]
    files.insert(2, local(tmp_path / "big", large))
    groups = [[file.path for file in group] for group in batches(files)]
    assert groups == [["f0", "f1"], ["big"], ["f2", "f3", "f4"]]
    assert sum(map(len, groups)) == len(files)


@pytest.mark.dbless
def test_the_tar_holds_each_files_bytes_under_its_sha256(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "run.sh").write_text("echo hi\n")
    (tmp_path / "run.sh").chmod(0o755)
    files = collect(tmp_path)
    with tarfile.open(fileobj=io.BytesIO(tar_of(files))) as archive:
        members = {member.name: member for member in archive}
        assert set(members) == {file.sha for file in files}
        for file in files:
            assert members[file.sha].isreg()
            extracted = archive.extractfile(file.sha)
            assert extracted is not None and extracted.read() == file.absolute.read_bytes()
