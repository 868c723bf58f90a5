"""``autostack templates export PROJECT DIR``: a project as an installable template package.

The server sends a ``.tar.gz``; every member is checked before anything is
written (regular files and folders only, plain relative paths: the archive is
treated as hostile), then the files are written into ``DIR``, which must be empty
or new unless ``--force``. With ``--force`` existing files are overwritten, never
through a symlink: the package's ``pyproject.toml`` lists its files, so a stale
file left in ``DIR`` is not packaged.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import click

from autostack_core.cli.api_client import ApiClient, error_message
from autostack_core.cli.options import emit, json_option
from autostack_core.infrastructure.manifests import UnsafePathError, safe_relative_path


def read_members(archive: bytes) -> dict[str, tuple[bytes | None, int]]:
    """Path -> (content, mode) of every member (None for a folder); ClickException if unsafe."""
    members: dict[str, tuple[bytes | None, int]] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for member in tar:
                try:
                    name = safe_relative_path(member.name.rstrip("/") if member.isdir()
                                              else member.name)
                except UnsafePathError as error:
                    raise click.ClickException(f"the package holds an unsafe path: {error}") \
                        from error
                if member.isdir():
                    members.setdefault(name, (None, 0o755))
                elif member.isreg():
                    handle = tar.extractfile(member)
                    assert handle is not None
                    members[name] = (handle.read(), 0o755 if member.mode & 0o111 else 0o644)
                else:
                    raise click.ClickException(f"the package holds {name!r}, which is not a "
                                               "regular file (links are refused)")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise click.ClickException(f"the server's package is not a readable .tar.gz: {error}") \
            from error
    return members


def write_file(root: Path, name: str, data: bytes, mode: int) -> None:
    """Write ``root/name``, refusing to pass through or replace a symlink."""
    target = root
    for part in name.split("/")[:-1]:
        target = target / part
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise click.ClickException(f"{target} is in the way (a symlink or a file)")
        target.mkdir(exist_ok=True)
    target = target / name.split("/")[-1]
    if target.is_symlink() or target.is_dir():
        raise click.ClickException(f"{target} is in the way (a symlink or a folder)")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(target, mode)


@click.command(name="export")
@click.argument("project")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into DIR even if it is not empty")
@json_option
def templates_export(project: str, directory: Path, force: bool, as_json: bool) -> None:
    """Write PROJECT as a template package into DIR; `pip install DIR` on another server
    makes it a template there (files, build settings, variable names without values)."""
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise click.ClickException(f"{directory} is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise click.ClickException(f"{directory} is not empty; choose an empty folder or "
                                   "pass --force to write over its files")
    client = ApiClient()
    response = client.response("GET", f"/api/v1/projects/{project}/template-package")
    if response.status_code >= 400:
        raise click.ClickException(error_message(response))
    members = read_members(response.content)
    metadata_name = next((name for name in members if name.endswith("/template.json")), None)
    if "pyproject.toml" not in members or metadata_name is None:
        raise click.ClickException("the server's package has no pyproject.toml or template.json")
    directory.mkdir(parents=True, exist_ok=True)
    for name, (data, mode) in sorted(members.items()):
        if data is not None:
            write_file(directory, name, data, mode)
    metadata = json.loads(members[metadata_name][0] or b"{}")
    source = metadata["source"]
    where = (f"the repository's {source['branch']} at {source['commit'][:12]}"
             if source["kind"] == "repository" else f"deployment {source['deployment']}")
    lines = [f"Wrote the template {metadata['slug']} ({len(members)} entries) to {directory}",
             f"  files from {where}",
             f"  variables to set: {', '.join(metadata['variables']) or 'none'}"]
    lines += [f"  left out {item['path']!r}: {item['reason']}" for item in metadata["skipped"]]
    lines.append(f"Install it on a server with: pip install {directory}")
    emit(as_json, {"directory": str(directory), **metadata}, "\n".join(lines))
