"""The Node builder's cache: keyed by the lockfile, moved in before the build and out after it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autostack_core.build.build_cache import clear
from autostack_core.build.build_errors import BuildError
from autostack_plugins.builders import node_cache as build_cache

pytestmark = pytest.mark.dbless


def workspace_with(root: Path, lockfile: str = "lock-1") -> Path:
    workspace = root / "src"
    workspace.mkdir(parents=True)
    (workspace / "package.json").write_text('{"dependencies": {"vite": "^5"}}')
    (workspace / "package-lock.json").write_text(lockfile)
    return workspace


def build_output(workspace: Path) -> None:
    """What an install and a build leave behind."""
    (workspace / "node_modules" / "vite").mkdir(parents=True)
    (workspace / "node_modules" / "vite" / "index.js").write_text("vite")
    (workspace / "node_modules" / ".vite" / "deps").mkdir(parents=True)
    (workspace / ".next" / "cache").mkdir(parents=True)
    (workspace / ".next" / "cache" / "webpack").write_text("chunks")
    (workspace / ".next" / "server").mkdir()


def test_a_saved_build_is_restored_with_the_same_lockfile(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = workspace_with(tmp_path / "one")
    key = build_cache.cache_key(build_cache.Layout(first), "npm ci", "20.11.0")
    assert build_cache.restore(build_cache.Layout(first), cache, key).folders == []
    build_output(first)
    saved = build_cache.save(build_cache.Layout(first), cache, key)
    assert saved == [".next/cache", "node_modules"]
    assert not (first / "node_modules").exists() and (first / ".next" / "server").is_dir()
    second = workspace_with(tmp_path / "two")
    assert build_cache.cache_key(build_cache.Layout(second), "npm ci", "20.11.0") == key
    restored = build_cache.restore(build_cache.Layout(second), cache, key)
    assert restored.folders == [".next/cache", "node_modules"] and restored.skip_install
    assert (second / "node_modules" / ".vite" / "deps").is_dir()
    assert (second / ".next" / "cache" / "webpack").read_text() == "chunks"
    assert not (cache / build_cache.ENTRIES / key).exists(), "a build consumes its entry"


@pytest.mark.parametrize(("change", "value"), [
    ("lockfile", "lock-2"), ("install", "npm install"), ("runtime", "22.1.0")])
def test_a_changed_lockfile_install_or_runtime_misses(tmp_path: Path, change: str,
                                                      value: str) -> None:
    cache = tmp_path / "cache"
    first = workspace_with(tmp_path / "one")
    key = build_cache.cache_key(build_cache.Layout(first), "npm ci", "20.11.0")
    build_output(first)
    build_cache.save(build_cache.Layout(first), cache, key)
    second = workspace_with(tmp_path / "two", value if change == "lockfile" else "lock-1")
    other = build_cache.cache_key(build_cache.Layout(second),
                                  value if change == "install" else "npm ci",
                                  value if change == "runtime" else "20.11.0")
    assert other != key
    assert build_cache.restore(build_cache.Layout(second), cache, other).folders == []
    build_output(second)
    build_cache.save(build_cache.Layout(second), cache, other)
    assert [entry.name for entry in (cache / build_cache.ENTRIES).iterdir()] == [other]


def test_without_a_lockfile_the_install_still_runs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    workspace = workspace_with(tmp_path / "one")
    (workspace / "package-lock.json").unlink()
    key = build_cache.cache_key(build_cache.Layout(workspace), "npm install", "20.11.0")
    build_output(workspace)
    build_cache.save(build_cache.Layout(workspace), cache, key)
    restored = build_cache.restore(build_cache.Layout(workspace), cache, key)
    assert "node_modules" in restored.folders and not restored.skip_install


def test_folders_in_the_source_win_over_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    workspace = workspace_with(tmp_path / "one")
    key = build_cache.cache_key(build_cache.Layout(workspace), "npm ci", "20")
    build_output(workspace)
    build_cache.save(build_cache.Layout(workspace), cache, key)
    (workspace / ".astro").mkdir()
    (workspace / "node_modules").mkdir()
    restored = build_cache.restore(build_cache.Layout(workspace), cache, key)
    assert restored.folders == [".next/cache"] and not restored.skip_install


def test_clear_empties_the_project_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / ".npm" / "_cacache").mkdir(parents=True)
    (cache / ".autostack-bin").mkdir()
    (cache / "file").write_text("x")
    clear(cache)
    assert list(cache.iterdir()) == []
    clear(tmp_path / "missing")


def host_folder(root: Path) -> Path:
    """A folder outside the workspace and the cache, standing for the server's own files."""
    host = root / "host"
    (host / "node_modules" / "left-pad").mkdir(parents=True)
    (host / "etc").mkdir()
    (host / "etc" / "passwd").write_text("root:x:0:0")
    (host / "cache").mkdir()
    (host / "cache" / "keep").write_text("keep")
    return host


def test_a_cache_folder_replaced_by_a_link_is_never_followed_when_saving(tmp_path: Path) -> None:
    """A build may turn ``/cache/build`` into a link to ``/``: saving used to empty its target."""
    host = host_folder(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / build_cache.ENTRIES).symlink_to(host)
    workspace = workspace_with(tmp_path / "one")
    key = build_cache.cache_key(build_cache.Layout(workspace), "npm ci", "20")
    build_output(workspace)
    saved = build_cache.save(build_cache.Layout(workspace), cache, key)
    assert saved == [".next/cache", "node_modules"]
    assert (host / "etc" / "passwd").read_text() == "root:x:0:0"
    assert (host / "node_modules" / "left-pad").is_dir()
    assert sorted(p.name for p in host.iterdir()) == ["cache", "etc", "node_modules"]
    assert (cache / build_cache.ENTRIES / key / "node_modules" / "vite").is_dir()


def test_a_cache_entry_linked_to_a_host_folder_is_not_moved_into_the_build(
    tmp_path: Path
) -> None:
    host = host_folder(tmp_path)
    cache = tmp_path / "cache"
    workspace = workspace_with(tmp_path / "one")
    key = build_cache.cache_key(build_cache.Layout(workspace), "npm ci", "20")
    (cache / build_cache.ENTRIES).mkdir(parents=True)
    (cache / build_cache.ENTRIES / key).symlink_to(host)
    assert build_cache.restore(build_cache.Layout(workspace), cache, key).folders == []
    assert not (workspace / "node_modules").exists()
    assert (host / "node_modules" / "left-pad").is_dir()


def test_a_workspace_folder_linked_outside_is_not_saved_from_its_target(tmp_path: Path) -> None:
    """``.next -> <host>``: ``.next/cache`` is the host's ``cache``, which must stay put."""
    host = host_folder(tmp_path)
    cache = tmp_path / "cache"
    workspace = workspace_with(tmp_path / "one")
    (workspace / ".next").symlink_to(host)
    key = build_cache.cache_key(build_cache.Layout(workspace), "npm ci", "20")
    assert build_cache.save(build_cache.Layout(workspace), cache, key) == []
    assert (host / "cache" / "keep").read_text() == "keep"


def test_a_lockfile_linked_outside_the_workspace_is_refused_by_name(tmp_path: Path) -> None:
    host = host_folder(tmp_path)
    workspace = workspace_with(tmp_path / "one")
    (workspace / "yarn.lock").symlink_to(host / "etc" / "passwd")
    with pytest.raises(BuildError, match=r"yarn\.lock is a symlink") as error:
        build_cache.cache_key(build_cache.Layout(workspace), "yarn", "20")
    assert "root:x" not in str(error.value)


def npm_workspace(root: Path, lockfile: str = "lock-1") -> Path:
    """An npm workspace (apps/web using packages/ui) as its install leaves it; the app's
    folder is returned, as the builder gets it."""
    files = {
        "package.json": '{"workspaces": ["apps/*", "packages/*"]}',
        "package-lock.json": lockfile,
        "apps/web/package.json": '{"name": "web", "dependencies": {"ui": "*"}}',
        "packages/ui/package.json": '{"name": "ui", "dependencies": {"react": "^19"}}',
        "node_modules/react/index.js": "react",
        "apps/web/node_modules/.bin/vite": "vite",
        "packages/ui/node_modules/left-pad/index.js": "pad",
        "apps/web/.next/cache/webpack": "chunks",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    (root / "node_modules" / "ui").symlink_to("../packages/ui")
    return root / "apps" / "web"


def test_a_workspace_app_caches_the_root_node_modules_keyed_on_the_root_lockfile(
    tmp_path: Path
) -> None:
    """A monorepo app installs at its workspace root: the root's node_modules (and each
    workspace package's) come back, and the install is skipped, while the root's lockfile
    is the same; a changed root lockfile misses."""
    cache = tmp_path / "cache"
    first = build_cache.layout(npm_workspace(tmp_path / "one"), "../..")
    assert (first.root, first.app) == (tmp_path / "one", "apps/web")
    key = build_cache.cache_key(first, "npm ci --prefix=../..", "22")
    assert build_cache.save(first, cache, key) == [
        "apps/web/.next/cache", "apps/web/node_modules", "node_modules",
        "packages/ui/node_modules"]
    second = build_cache.layout(npm_workspace(tmp_path / "two"), "../..")
    for folder in ("node_modules", "apps/web/node_modules", "packages/ui/node_modules",
                   "apps/web/.next"):
        shutil.rmtree(second.root / folder)
    assert build_cache.cache_key(second, "npm ci --prefix=../..", "22") == key
    restored = build_cache.restore(second, cache, key)
    assert restored.skip_install
    assert (second.root / "node_modules" / "ui").readlink() == Path("../packages/ui")
    assert (second.root / "packages/ui/node_modules/left-pad/index.js").read_text() == "pad"
    assert (second.root / "apps/web/.next/cache/webpack").read_text() == "chunks"
    third = build_cache.layout(npm_workspace(tmp_path / "three", "lock-2"), "../..")
    assert build_cache.cache_key(third, "npm ci --prefix=../..", "22") != key


@pytest.mark.parametrize("workspace_root", [None, ".", "../x", "/etc", "../../../../.."])
def test_anything_but_a_few_dot_dots_caches_the_app_alone(tmp_path: Path,
                                                          workspace_root: str | None) -> None:
    app = npm_workspace(tmp_path / "one")
    assert build_cache.layout(app, workspace_root) == build_cache.Layout(app)
