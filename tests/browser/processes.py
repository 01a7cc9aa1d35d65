"""Child processes the browser test starts, each in its own process group and always stopped by
its pid (the group takes its children: next's workers, Chromium's renderers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

STOP_GRACE_SECONDS = 10


def stop_group(pid: int, sig: signal.Signals = signal.SIGTERM) -> None:
    """Signals the process group led by `pid` (or the lone process); gone already is fine."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, sig)
            return


def run_bounded(cmd: list[str], *, cwd: Path, env: Mapping[str, str], timeout: float
                ) -> subprocess.CompletedProcess[str]:
    """Runs a command to its end within `timeout`; on time-out its whole group is killed."""
    with subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return subprocess.CompletedProcess(cmd, proc.returncode, out, None)


@contextlib.asynccontextmanager
async def started(cmd: list[str], *, cwd: Path, env: Mapping[str, str], log: Path,
                  stdin: int | None = None, stdout: int | None = None
                  ) -> AsyncIterator[asyncio.subprocess.Process]:
    """A child in its own session; stderr (and stdout unless piped) go to `log`. Stopped on exit
    of the block whatever happened: SIGTERM to its group, SIGKILL after a grace period."""
    with log.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=cwd, env=dict(env), stdin=stdin,
            stdout=stdout if stdout is not None else log_file, stderr=log_file,
            start_new_session=True)
        try:
            yield proc
        finally:
            stop_group(proc.pid)
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                stop_group(proc.pid, signal.SIGKILL)
                await proc.wait()


async def wait_until_serving(proc: asyncio.subprocess.Process, url: str, *, timeout: float,
                             log: Path) -> None:
    """Polls `url` until it answers 200; fails early if the process exits, late at `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if proc.returncode is not None:
                raise AssertionError(f"{url} exited with {proc.returncode}:\n{tail(log)}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{url} did not answer within {timeout} s:\n{tail(log)}")
            await asyncio.sleep(0.25)


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
