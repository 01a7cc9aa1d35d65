"""`edu backup`: base backups, streamed WAL and point-in-time restore of the write database."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

backup_app = typer.Typer(help="Back up the write database and restore it to a moment.",
                         no_args_is_help=True)

Folder = Annotated[Path, typer.Argument(help="Where backups live (base-* folders and wal/).")]


def _write_database_url() -> str:
    from apps.cli import operator_settings

    return operator_settings().database_url


@backup_app.command("base")
def base(folder: Folder) -> None:
    """Take a base backup (consistent on its own) of the server holding the write database."""
    from apps.backup import BackupError, base_backup

    try:
        target = base_backup(_write_database_url(), folder)
    except BackupError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    typer.echo(f"base backup written to {target}")


@backup_app.command("wal")
def wal(folder: Folder) -> None:
    """Stream WAL into FOLDER/wal until interrupted (run it as a service beside the database)."""
    from apps.backup import BackupError, wal_command

    try:
        command = wal_command(_write_database_url(), folder)
    except BackupError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    typer.echo(f"streaming WAL into {folder / 'wal'} (-v prints each finished segment)")
    os.execvp(command[0], command)  # this process becomes pg_receivewal: signals reach it


@backup_app.command("restore")
def restore(
    base_folder: Annotated[Path, typer.Argument(help="A base-* folder written by `backup base`.")],
    wal_folder: Annotated[Path, typer.Option("--wal", help="The folder `backup wal` fills.")],
    data_dir: Annotated[Path, typer.Option(help="A new, empty folder for the restored server.")],
    until: Annotated[datetime | None, typer.Option(
        help="Replay up to this moment (ISO 8601 with a time zone); default: all WAL.")] = None,
    port: Annotated[int | None, typer.Option(help="Port of the restored server.")] = None,
) -> None:
    """Restore a base backup plus WAL up to a moment into a new server, open for writes."""
    from apps.backup import BackupError
    from apps.backup import restore as restore_backup

    if until is not None and until.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-11-27T23:40:00+00:00",
                                 param_hint="--until")
    try:
        restored = restore_backup(base_folder, wal_folder, data_dir, until=until, port=port,
                                  progress=typer.echo)
    except (BackupError, OSError, subprocess.SubprocessError) as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    typer.echo(f"DATABASE_URL={restored.url}")
    typer.echo("next: point DATABASE_URL at it, then `edu projections rebuild all`")


def _fail(message: str) -> int:
    typer.echo(message, err=True)
    return 1
