"""`edu backup`: base backups, streamed WAL and point-in-time restore of the write database."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

backup_app = typer.Typer(help="Back up the write database and restore it to a moment.",
                         no_args_is_help=True)

Folder = Annotated[Path, typer.Argument(help="Where backups live (base-* folders and wal/).")]


def _write_database_dsn() -> str:
    from apps.cli import operator_settings

    return operator_settings().database_url_plain


@contextmanager
def _reported() -> Iterator[None]:
    """A failed step ends the command with its message and status 1, not a traceback."""
    from asyncpg import PostgresError

    from apps.backup import BackupError

    try:
        yield
    except (BackupError, OSError, PostgresError, subprocess.SubprocessError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@backup_app.command("base")
def base(folder: Folder) -> None:
    """Take a base backup (consistent on its own) of the server holding the write database."""
    from apps.backup import base_backup

    with _reported():
        typer.echo(f"base backup written to {base_backup(_write_database_dsn(), folder)}")


@backup_app.command("wal")
def wal(folder: Folder) -> None:
    """Stream WAL into FOLDER/wal until interrupted (run it as a service beside the database)."""
    from apps.backup import wal_command

    with _reported():
        command = wal_command(_write_database_dsn(), folder)
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
    from apps.backup import restore as restore_backup

    if until is not None and until.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-11-27T23:40:00+00:00",
                                 param_hint="--until")
    with _reported():
        restored = restore_backup(base_folder, wal_folder, data_dir, until=until, port=port,
                                  progress=typer.echo)
    typer.echo(f"DATABASE_URL={restored.url}")
    typer.echo("next: point DATABASE_URL at it, then `edu projections rebuild all`")
