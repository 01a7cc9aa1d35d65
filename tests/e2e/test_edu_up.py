"""`edu up` starts the whole platform, with given servers or embedded ones, and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from apps.local_services import port_answers
from apps.seed import ADMIN, DEMO_PASSWORD
from common.net import free_port
from common.settings import Settings
from tests.conftest import fresh_database

UP_BANNER = "EduPlatform is up"


def start_up(env: dict[str, str], log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int, int]:
    write_port, read_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apps.cli", "up", "--write-port", str(write_port),
         "--read-port", str(read_port), *extra],
        env={**env, "COLUMNS": "200"}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    return process, write_port, read_port


def wait_for_banner(process: subprocess.Popen[bytes], log: Path, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while UP_BANNER not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"edu up did not come up:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


async def demo_admin_sees_itself(write_port: int, read_port: int) -> dict[str, object]:
    async with httpx.AsyncClient(timeout=10) as client:
        login = await client.post(f"http://127.0.0.1:{write_port}/api/auth/login",
                                  json={"email": ADMIN[0], "password": DEMO_PASSWORD})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for _ in range(50):
            me = await client.get(f"http://127.0.0.1:{read_port}/api/me", headers=headers)
            courses = await client.get(f"http://127.0.0.1:{read_port}/api/courses",
                                       params={"q": "pyth"})
            if me.status_code == 200 and courses.json()["total"] == 2:
                users = await client.get(f"http://127.0.0.1:{read_port}/api/admin/users",
                                         headers=headers)
                return {"me": me.json(), "users": users.json(), "courses": courses.json()}
            await asyncio.sleep(0.2)
    raise AssertionError(f"the demo data never appeared in the read models: {me.text} "
                         f"{courses.text}")


def stop(process: subprocess.Popen[bytes], log: Path) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"edu up did not stop on Ctrl-C:\n{log.read_text()}") from None


async def run_up(env: dict[str, str], log: Path, *extra: str) -> tuple[dict[str, object], int]:
    """Starts `edu up`, checks the demo admin end to end, presses Ctrl-C; returns what it saw."""
    process, write_port, read_port = start_up(env, log, *extra)
    try:
        await asyncio.to_thread(wait_for_banner, process, log)
        seen = await demo_admin_sees_itself(write_port, read_port)
    finally:
        code = stop(process, log)
    assert not port_answers("127.0.0.1", write_port)
    assert not port_answers("127.0.0.1", read_port)
    return seen, code


def path_without(*programs: str) -> str:
    """PATH less the folders holding any of the programs."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(folder for folder in folders
                           if not any((Path(folder) / p).exists() for p in programs))


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST", "JWT_PRIVATE_KEY")}
    return {**env, "DATA_DIR": str(tmp_path / "data"), "WORKER_PROBE_PORT": str(free_port()),
            "RELAY_PROBE_PORT": str(free_port())}


@pytest.mark.timeout(240)
async def test_edu_up_with_given_servers(settings: Settings, tmp_path: Path) -> None:
    database_url = settings.database_url.rsplit("/", 1)[0] + "/edu_up_test"
    await fresh_database(database_url)
    await fresh_database(Settings(database_url=database_url).search_database)
    redis_url = settings.redis_url.rsplit("/", 1)[0] + "/14"
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()

    # No Node.js on the PATH: the platform comes up without the web app and says why.
    env = {**base_env(tmp_path), "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "PATH": path_without("node", "npm")}
    log = tmp_path / "up.log"
    seen, code = await run_up(env, log)
    output = log.read_text(errors="replace")
    assert "postgres (env)" in output
    assert "redis (env)" in output
    assert "web | not served: Node.js and npm are not installed" in output
    assert seen["me"]["role"] == "admin"  # type: ignore[index]
    assert seen["users"]["total"] == 5  # type: ignore[index]
    assert seen["courses"]["total"] == 2  # type: ignore[index]  # the demo catalog is searchable
    assert code == 0, output


@pytest.mark.timeout(300)
async def test_edu_up_embedded_without_any_server(tmp_path: Path) -> None:
    log = tmp_path / "up.log"
    seen, code = await run_up(base_env(tmp_path), log, "--embedded", "--no-web")
    output = log.read_text(errors="replace")
    assert "postgres (embedded)" in output
    assert "redis (embedded)" in output
    assert seen["me"]["email"] == ADMIN[0]  # type: ignore[index]
    assert code == 0, output
    assert list((tmp_path / "data" / "mail").glob("*.eml")), "verification mails were not kept"
