"""Backups: a base backup plus streamed WAL bring the write database back to the moment before a
mistake, with the operator's own commands, and the read side is rebuilt from what came back."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from apps.local_services import LocalService, start_embedded_postgres
from common.settings import Settings
from tests.actors import sign_up
from tests.harness import edu, running_platform

pytestmark = pytest.mark.timeout(240)


async def emails(url: str) -> set[str]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return {row[0] for row in await conn.fetch("SELECT email FROM identity.users")}
    finally:
        await conn.close()


async def received_everything(url: str) -> None:
    """Waits until the WAL streamer has flushed everything the server has written so far."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        written = await conn.fetchval("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            flushed = await conn.fetchval(
                "SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'edu_backup'")
            if flushed is not None and flushed >= written:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"WAL up to {written} was never received")
    finally:
        await conn.close()


def stop_server(data_dir: Path) -> None:
    pidfile = data_dir / "postmaster.pid"
    if not pidfile.exists():
        return
    os.kill(int(pidfile.read_text().split()[0]), signal.SIGINT)
    deadline = time.monotonic() + 30
    while pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def line_after(output: str, prefix: str) -> str:
    return next(line.removeprefix(prefix) for line in output.splitlines() if line.startswith(prefix))


async def test_a_restore_to_a_moment_keeps_what_came_before_and_the_read_side_rebuilds(
        settings: Settings, tmp_path: Path) -> None:
    source: LocalService = await asyncio.to_thread(start_embedded_postgres, tmp_path / "source",
                                                   database="edu")
    restored_dir = tmp_path / "restored"
    streamer: asyncio.subprocess.Process | None = None
    try:
        live = settings.model_copy(update={"database_url": source.url})
        assert edu(live, tmp_path, "migrate").returncode == 0
        backups = tmp_path / "backups"
        streamer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "apps.cli", "backup", "wal", str(backups),
            env={**os.environ, "DATABASE_URL": source.url, "DATA_DIR": str(tmp_path)},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        taken = edu(live, tmp_path, "backup", "base", str(backups))
        assert taken.returncode == 0, taken.stderr
        base = Path(line_after(taken.stdout, "base backup written to "))

        async with running_platform(live, with_processors=False) as platform:
            for name in ("ann", "bob"):
                await sign_up(platform, f"{name}@example.com")
            await asyncio.sleep(1.0)
            moment = datetime.now(UTC)
            await asyncio.sleep(1.0)
            # The mistake the restore undoes.
            await sign_up(platform, "mallory@example.com")
        assert await emails(source.url) == {"ann@example.com", "bob@example.com",
                                            "mallory@example.com"}
        await received_everything(source.url)
        streamer.send_signal(signal.SIGINT)
        await asyncio.wait_for(streamer.wait(), 30)
        source.stop()  # the restore needs nothing from the damaged server

        restored = edu(live, tmp_path, "backup", "restore", str(base), "--wal",
                       str(backups / "wal"), "--data-dir", str(restored_dir),
                       "--until", moment.isoformat())
        assert restored.returncode == 0, restored.stderr
        url = line_after(restored.stdout, "DATABASE_URL=")
        assert await emails(url) == {"ann@example.com", "bob@example.com"}

        # The read side comes back from the restored write model alone.
        redis = Redis.from_url(settings.redis_url)
        await redis.flushdb()
        await redis.aclose()
        back = settings.model_copy(update={"database_url": url})
        rebuilt = edu(back, tmp_path, "projections", "rebuild", "all", "--grace-seconds", "0")
        assert rebuilt.returncode == 0, rebuilt.stderr
        verified = edu(back, tmp_path, "projections", "verify", "all")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        async with running_platform(back, with_processors=False) as platform:
            login = await platform.write.post("/api/auth/login", json={
                "email": "ann@example.com", "password": "correct-horse-1"})
            assert login.status_code == 200, login.text
            me = await platform.read.get("/api/me", headers={
                "Authorization": f"Bearer {login.json()['access_token']}"})
            assert me.status_code == 200, me.text
            assert me.json()["email"] == "ann@example.com"
            refused = await platform.write.post("/api/auth/login", json={
                "email": "mallory@example.com", "password": "correct-horse-1"})
            assert refused.status_code == 401
    finally:
        if streamer is not None and streamer.returncode is None:
            streamer.kill()
        source.stop()
        stop_server(restored_dir)
