"""``autostack backup create | restore``: the server's data in one archive, and back."""

from __future__ import annotations

from pathlib import Path

import click

from autostack_core.cli.options import data_dir_option, settings_from

archive_argument = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))


@click.group(name="backup")
def backup_group() -> None:
    """Back up the database, key file, store and settings; restore onto a new data dir."""


@backup_group.command(name="create")
@archive_argument
@data_dir_option
def create(path: Path, data_dir: Path | None) -> None:
    """Write the archive PATH (.tar, or .tar.gz), while the server runs."""
    from autostack_core.infrastructure import backup

    try:
        info = backup.create(settings_from(data_dir), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"wrote {path} ({info.database} database, AutoStack {info.autostack}, "
               "mode 0600: it holds the key to every secret)")


@backup_group.command(name="restore")
@archive_argument
@data_dir_option
def restore(path: Path, data_dir: Path | None) -> None:
    """Restore PATH onto a new, empty data dir (and an empty database), then route it."""
    from autostack_core.infrastructure import backup

    settings = settings_from(data_dir)
    try:
        info, routed = backup.restore(settings, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored the backup of {info.created_at} (AutoStack {info.autostack}) into "
               f"{settings.data_dir}; {routed} hostnames routed")
    click.echo(f"the backed-up server's settings are in "
               f"{settings.path(backup.RESTORED_SETTINGS)}; start it with `autostack up`")


commands: list[click.Command] = [backup_group]
