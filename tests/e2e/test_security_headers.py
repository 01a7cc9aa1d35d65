"""Hardening headers on every answer of both APIs, no server banner from `edu serve`, and a
production process that refuses to start with generated development keys."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from common.http import SECURITY_HEADERS
from common.net import free_port
from common.settings import Settings
from tests.harness import Platform, running_platform


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    async with running_platform(settings, with_processors=False) as running:
        yield running


def hardened(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "server" not in response.headers


@pytest.mark.parametrize(("api", "method", "path", "status"), [
    ("read", "GET", "/api/categories", 200),
    ("read", "GET", "/api/courses/not-an-id", 422),
    ("read", "GET", "/api/me", 401),
    ("read", "GET", "/no/such/page", 404),
    ("read", "GET", "/healthz", 200),
    ("read", "GET", "/metrics", 200),
    ("write", "POST", "/api/auth/login", 422),
    ("write", "POST", "/api/courses", 401),
    ("write", "DELETE", "/api/auth/login", 405),
])
async def test_every_answer_is_hardened(platform: Platform, api: str, method: str, path: str,
                                        status: int) -> None:
    client = platform.read if api == "read" else platform.write
    response = await client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == status, response.text
    hardened(response)


async def test_the_docs_page_keeps_working_without_the_json_policy(platform: Platform) -> None:
    # The interactive docs are HTML that loads scripts: a JSON-only CSP would blank them.
    response = await platform.read.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def cli_env(settings: Settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
            "DATA_DIR": str(tmp_path), "ENVIRONMENT": "test", **extra}


async def test_edu_serve_sends_no_server_banner(settings: Settings, migrated: None,
                                                tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "apps.cli", "serve", "write", "--port", str(port),
        env=cli_env(settings, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(300):
                try:
                    response = await client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert process.returncode is None, "edu serve exited"
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("edu serve did not answer")
        assert response.status_code == 200
        hardened(response)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=15)


@pytest.mark.parametrize("api", ["write", "read"])
def test_production_refuses_to_start_with_development_keys(settings: Settings, tmp_path: Path,
                                                           api: str) -> None:
    env = cli_env(settings, tmp_path, ENVIRONMENT="production")
    for name in ("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "apps.cli", "serve", api, "--port",
                           str(free_port())], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "refusing to start with generated development keys" in done.stderr
