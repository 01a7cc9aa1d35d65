"""Platform processes as real OS processes (the `edu` commands) that a test can SIGKILL and
start again, as a supervisor (compose's `restart: unless-stopped`) would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from common.settings import Settings


def child_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    assert settings.jwt_private_key is not None
    return {**os.environ, "ENVIRONMENT": "test", "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url, "ARQ_QUEUE_NAME": settings.arq_queue_name,
            "JWT_PRIVATE_KEY": settings.jwt_private_key.get_secret_value(),
            "DATA_DIR": str(data_dir), "RELAY_POLL_SECONDS": "0.2",
            "PROJECTION_JOB_TIMEOUT_SECONDS": "2", "WORKER_PROBE_PORT": "0",
            "RELAY_PROBE_PORT": "0"}


class Fleet:
    """Named processes, each running `edu <command...>`; by default the command is the name."""

    def __init__(self, env: dict[str, str], logs: Path,
                 commands: Mapping[str, Sequence[str]] | None = None) -> None:
        self.env, self.logs = env, logs
        self.commands = dict(commands or {})
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills = 0

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "apps.cli", *self.commands.get(name, [name])],
                env=self.env, stdout=log, stderr=log)

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()
        self.kills += 1

    def exited(self) -> dict[str, int]:
        """The processes that ended on their own, with their exit codes."""
        return {name: code for name, proc in self.procs.items()
                if (code := proc.poll()) is not None}

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
