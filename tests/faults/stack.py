"""The whole platform on private servers, every part a separate OS process the tests own.

Postgres and Redis are this module's own (tests/faults/servers.py); the write API, read API,
relay and worker run as `edu serve write|read`, `edu relay` and `edu worker` with the probe ports
known, so a test can kill -9 any of them, restart it, and scrape what an operator would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.local_services import ensure_database
from common.net import free_port
from common.settings import Settings
from common.tokens import generate_private_pem
from tests.faults.servers import PrivatePostgres, PrivateRedis
from tests.harness import MailSink, Platform
from tests.processes import Fleet, child_env
from write.migrate import upgrade

PROCESSES = ("write", "read", "relay", "worker")
CLIENT_TIMEOUT_SECONDS = 10.0
# Generous: four Python processes importing the app on a busy 2-core machine.
START_SECONDS = 90.0


@dataclass
class Stack:
    settings: Settings
    postgres: PrivatePostgres
    redis: PrivateRedis
    fleet: Fleet
    ports: dict[str, int]
    platform: Platform
    engine: AsyncEngine

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    async def start(self, name: str) -> None:
        """Starts a process and waits until it answers /healthz (APIs and probes alike)."""
        self.fleet.start(name)
        await self.answering(name)

    async def answering(self, name: str) -> None:
        deadline = asyncio.get_running_loop().time() + START_SECONDS
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                try:
                    if (await client.get(f"{self.url(name)}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                exited = self.fleet.exited().get(name)
                if exited is not None or asyncio.get_running_loop().time() > deadline:
                    log = (self.fleet.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise AssertionError(f"{name} did not start (exit code {exited}):\n{log}")
                await asyncio.sleep(0.1)

    async def heal(self) -> None:
        """Restarts whatever exited, so each test starts from a whole platform."""
        for name in self.fleet.exited():
            await self.start(name)

    async def metric(self, name: str, sample: str) -> float | None:
        """One sample of a process's /metrics, as Prometheus would scrape it (None: absent)."""
        async with httpx.AsyncClient(timeout=5) as client:
            text = (await client.get(f"{self.url(name)}/metrics")).text
        for line in text.splitlines():
            if line.startswith(sample + " ") or line.startswith(sample + "{"):
                return float(line.rsplit(" ", 1)[1])
        return None


def _settings(postgres: PrivatePostgres, redis: PrivateRedis, data_dir: Path) -> Settings:
    return Settings(environment="test", database_url=postgres.url("edu"), redis_url=redis.url(),
                    data_dir=data_dir, jwt_private_key=generate_private_pem(),
                    arq_queue_name="edu:faults:queue", relay_poll_seconds=0.2,
                    projection_job_timeout_seconds=2, search_cache_seconds=0,
                    rate_limits_enabled=False)


def _env(settings: Settings, data_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    # Rate limits off: the load registers and logs in many people from one address.
    return {**child_env(settings, data_dir), "RATE_LIMITS_ENABLED": "false",
            "SEARCH_CACHE_SECONDS": "0", "RELAY_PROBE_PORT": str(ports["relay"]),
            "WORKER_PROBE_PORT": str(ports["worker"])}


@asynccontextmanager
async def running_stack(folder: Path) -> AsyncIterator[Stack]:
    postgres, redis = PrivatePostgres(), PrivateRedis()
    fleet: Fleet | None = None
    try:
        await asyncio.to_thread(postgres.init)
        await asyncio.to_thread(postgres.start)
        await asyncio.to_thread(redis.start)
        settings = _settings(postgres, redis, folder / "data")
        await ensure_database(settings.database_url)
        await asyncio.to_thread(upgrade, settings.database_url)
        ports = {name: free_port() for name in PROCESSES}
        fleet = Fleet(_env(settings, folder / "data", ports), folder, commands={
            "write": ["serve", "write", "--port", str(ports["write"])],
            "read": ["serve", "read", "--port", str(ports["read"])]})
        engine = create_async_engine(settings.database_url, pool_size=3, pool_pre_ping=True)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['write']}",
                                     timeout=CLIENT_TIMEOUT_SECONDS) as write, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['read']}",
                                  timeout=CLIENT_TIMEOUT_SECONDS) as read:
            stack = Stack(settings, postgres, redis, fleet, ports,
                          Platform(settings, write, read, MailSink()), engine)
            for name in PROCESSES:
                fleet.start(name)
            for name in PROCESSES:
                await stack.answering(name)
            try:
                yield stack
            finally:
                await engine.dispose()
    finally:
        if fleet is not None:
            await asyncio.to_thread(fleet.stop_all)
        await asyncio.to_thread(redis.destroy)
        await asyncio.to_thread(postgres.destroy)
