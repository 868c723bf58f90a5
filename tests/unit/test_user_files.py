"""user_files: the host follows a user's symlinks only while they stay inside the tree."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from autostack_core.build import user_file_writes, user_files
from autostack_core.build.user_files import FileTooLargeError, OutsideTreeError

pytestmark = pytest.mark.dbless


@pytest.fixture
def host(tmp_path: Path) -> Path:
    """Files outside every tree: the server's key, its database, a folder of its own."""
    folder = tmp_path / "host"
    (folder / "data").mkdir(parents=True)
    (folder / "secret.key").write_text("the-server-key\n")
    (folder / "data" / "autostack.db").write_bytes(b"SQLite format 3\0rows")
    return folder


@pytest.fixture
def tree(tmp_path: Path, host: Path) -> Path:
    root = tmp_path / "tree"
    (root / "site" / "docs").mkdir(parents=True)
    (root / "site" / "v2.html").write_text("two")
    (root / "site" / "latest.html").symlink_to("v2.html")
    (root / "site" / "docs" / "current.html").symlink_to("../v2.html")
    (root / "site" / "pages").symlink_to("docs")
    (root / "key").symlink_to(host / "secret.key")
    (root / "up").symlink_to("../host/secret.key")
    (root / "site" / "climb").symlink_to("../../host")
    (root / "absolute_inside").symlink_to(root / "site" / "v2.html")
    (root / "loop").symlink_to("loop")
    os.mkfifo(root / "fifo")
    return root


def test_links_inside_the_tree_are_followed(tree: Path) -> None:
    assert user_files.read_text(tree, "site/latest.html") == "two"
    assert user_files.read_text(tree, "site/docs/current.html") == "two"
    assert user_files.read_text(tree, "site/pages/current.html") == "two"
    assert user_files.read_text(tree, "site/docs/../v2.html") == "two"
    assert user_files.resolve(tree, "site/pages/current.html") == tree / "site" / "v2.html"
    assert user_files.is_dir(tree, "site/pages") and user_files.is_file(tree, "site/latest.html")


@pytest.mark.parametrize("path", ["key", "up", "site/climb/secret.key", "../host/secret.key",
                                  "site/../../host/secret.key", "absolute_inside",
                                  "/etc/hostname"])
def test_a_path_leaving_the_tree_is_refused_by_name_without_reading_it(
    tree: Path, path: str
) -> None:
    with pytest.raises(OutsideTreeError) as error:
        user_files.read_text(tree, path)
    assert path in str(error.value) and "the-server-key" not in str(error.value)
    assert not user_files.is_file(tree, path) and not user_files.is_dir(tree, path)


def test_absent_folders_fifos_and_loops_read_as_nothing(tree: Path) -> None:
    """A FIFO must not hang the worker; a loop is no file."""
    assert user_files.read_bytes(tree, "missing") is None
    assert user_files.read_bytes(tree, "site/v2.html/below") is None
    assert user_files.read_bytes(tree, "site") is None
    assert user_files.read_bytes(tree, "fifo") is None
    assert user_files.read_bytes(tree, "loop") is None


def test_a_file_over_the_limit_is_refused_by_name(tree: Path) -> None:
    (tree / "big").write_bytes(b"x" * 2048)
    with pytest.raises(FileTooLargeError, match="big is larger"):
        user_files.read_bytes(tree, "big", limit=1024)
    assert user_files.read_bytes(tree, "big", limit=4096) == b"x" * 2048


def test_copy_tree_keeps_inside_links_and_leaves_out_the_others(tree: Path, tmp_path: Path,
                                                                 host: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    skipped = user_file_writes.copy_tree(tree, "site", output, "static")
    static = output / "static"
    assert os.readlink(static / "latest.html") == "v2.html"
    assert os.readlink(static / "docs" / "current.html") == "../v2.html"
    assert (static / "pages" / "current.html").read_text() == "two"
    assert not os.path.lexists(static / "climb")
    assert skipped == ["site/climb"]
    assert sorted(os.listdir(host)) == ["data", "secret.key"]


def test_copy_tree_refuses_a_source_folder_reached_through_an_outside_link(
    tree: Path, tmp_path: Path
) -> None:
    (tree / "public").symlink_to(tmp_path / "host" / "data")
    with pytest.raises(OutsideTreeError, match="public"):
        user_file_writes.copy_tree(tree, "public", tmp_path / "output", ".")


def test_nothing_is_written_through_a_link_in_the_target(tree: Path, tmp_path: Path,
                                                          host: Path) -> None:
    """An output ``server/.python -> <host>`` must not let the host write into ``<host>``."""
    output = tmp_path / "output"
    (output / "server").mkdir(parents=True)
    (output / "server" / ".python").symlink_to(host)
    with pytest.raises(OutsideTreeError, match=r"server/\.python/bin/python"):
        user_file_writes.write_text(output, "server/.python/bin/python", "#!/bin/sh\n")
    with pytest.raises(OutsideTreeError):
        user_file_writes.copy_tree(tree, "site/docs", output, "server/.python")
    with pytest.raises(OutsideTreeError):
        user_file_writes.copy_file(tree, "site/v2.html", output, "server/.python/v2.html")
    assert sorted(os.listdir(host)) == ["data", "secret.key"]


def test_write_replaces_a_link_with_a_file_instead_of_writing_through_it(
    tmp_path: Path, host: Path
) -> None:
    output = tmp_path / "output"
    output.mkdir()
    (output / "config.json").symlink_to(host / "secret.key")
    user_file_writes.write_text(output, "config.json", "{}", mode=0o600)
    assert not (output / "config.json").is_symlink()
    assert (output / "config.json").read_text() == "{}"
    assert (output / "config.json").stat().st_mode & 0o777 == 0o600
    assert (host / "secret.key").read_text() == "the-server-key\n"


def test_copy_file_follows_inside_links_and_refuses_outside_ones(tree: Path,
                                                                  tmp_path: Path) -> None:
    output = tmp_path / "output"
    output.mkdir()
    assert user_file_writes.copy_file(tree, "site/latest.html", output, "f/latest.html")
    assert (output / "f" / "latest.html").read_text() == "two"
    assert not (output / "f" / "latest.html").is_symlink()
    assert not user_file_writes.copy_file(tree, "missing", output, "f/missing")
    with pytest.raises(OutsideTreeError, match="key"):
        user_file_writes.copy_file(tree, "key", output, "f/key")
    assert sorted(os.listdir(output / "f")) == ["latest.html"]


def test_is_plain_dir_refuses_any_link_on_the_way(tree: Path) -> None:
    assert user_files.is_plain_dir(tree, "site/docs")
    assert not user_files.is_plain_dir(tree, "site/pages")
    assert not user_files.is_plain_dir(tree, "site/climb")
    assert not user_files.is_plain_dir(tree, "site/v2.html")


def test_remove_deletes_a_link_not_its_target(tree: Path, host: Path) -> None:
    user_file_writes.remove(tree, "key")
    user_file_writes.remove(tree, "site/climb/secret.key")
    user_file_writes.remove(tree, "missing/file")
    assert not os.path.lexists(tree / "key")
    assert (host / "secret.key").read_text() == "the-server-key\n"


FILE_CALLS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "copy2",
              "copyfile", "copytree", "symlink_to", "rename", "unlink", "rmtree", "mkdir"}
#: Receivers that are the checked ways in: user_files and user_file_writes, a SourceTree,
#: an in-memory tar.
CHECKED = {"user_files", "user_file_writes", "tree", "tarfile"}
#: oci_layout writes image blobs it made itself into the fresh folder ``image/``;
#: node_cache renames folders between the workspace and the cache once
#: ``user_files.is_plain_dir`` says no link is on their way (tests/unit/test_build_cache.py);
#: image_build writes only the server's containers.conf and buildah's digest file (the
#: workspace is buildah's build context, which it reads itself);
#: node_install fetches, checks and unpacks Node.js into the server's toolchain cache (its
#: ship() copies into the build output through user_file_writes);
#: image_package moves the build output as a whole into a fresh image context (a rename
#: follows no link) beside its own launcher and Containerfile, and reads the output's
#: function configs through user_files; image_launcher runs inside the packaged image,
#: never on the host.
OWN_FILES = {"oci_layout.py", "node_cache.py", "image_build.py", "node_install.py",
             "image_package.py", "image_launcher.py"}


def test_builders_touch_user_files_only_through_user_files() -> None:
    """A builder that opens or copies a workspace path directly would follow its links again."""
    builders = Path(__file__).resolve().parents[2] / "plugins" / "builders"
    direct = []
    for module in sorted(builders.glob("*.py")):
        if module.name in OWN_FILES:
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in FILE_CALLS):
                continue
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in CHECKED:
                continue
            if isinstance(receiver, ast.Call) and getattr(receiver.func, "id", "") == "SourceTree":
                continue
            direct.append(f"{module.name}:{node.lineno} {ast.unparse(node.func)}")
    assert direct == []
