"""The read API answers from Redis alone; readiness names the dependency that is down."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.read_app import create_read_app
from apps.relay import run_relay
from apps.worker import build_worker
from apps.write_app import create_write_app
from common.net import free_port
from common.settings import Settings
from tests.harness import running_platform, serve

UNREACHABLE_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def test_me_after_register_is_served_without_any_postgres(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    # The read app gets a database URL that cannot work; it must never need it.
    blind = settings.model_copy(update={"database_url": UNREACHABLE_POSTGRES})
    read_app = create_read_app(blind)
    async with running_platform(settings) as platform, serve(read_app) as read_url, \
            httpx.AsyncClient(base_url=read_url) as read:
        resources = read_app.state.resources
        assert not any("engine" in name or "session" in name for name in vars(resources))
        registered = await platform.write.post("/api/auth/register", json={
            "email": "fresh@example.com", "password": "correct-horse-1", "name": "Fresh"})
        login = await platform.write.post("/api/auth/login", json={
            "email": "fresh@example.com", "password": "correct-horse-1"})
        me = await read.get("/api/me", headers={
            "Authorization": f"Bearer {login.json()['access_token']}",
            "X-Consistency-Token": registered.headers["X-Consistency-Token"]})
    assert me.status_code == 200, me.text
    assert me.headers["X-Consistency"] == "fresh"
    assert me.json()["email"] == "fresh@example.com"
    assert me.json()["id"] == registered.json()["id"]


async def test_consistency_wait_ends_with_a_staleness_marker_when_nothing_projects(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    quick = settings.model_copy(update={"consistency_wait_ms": 300})
    async with running_platform(quick, with_processors=False) as platform:
        registered = await platform.write.post("/api/auth/register", json={
            "email": "slow@example.com", "password": "correct-horse-1", "name": "Slow"})
        login = await platform.write.post("/api/auth/login", json={
            "email": "slow@example.com", "password": "correct-horse-1"})
        me = await platform.read.get("/api/me", headers={
            "Authorization": f"Bearer {login.json()['access_token']}",
            "X-Consistency-Token": registered.headers["X-Consistency-Token"]})
    assert me.headers["X-Consistency"] == "stale"
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "unknown_account"


@pytest.mark.parametrize(("api", "override", "dependency"), [
    ("write", {"database_url": UNREACHABLE_POSTGRES}, "postgres"),
    ("read", {"redis_url": UNREACHABLE_REDIS}, "redis"),
])
async def test_readyz_names_the_unreachable_dependency(
    settings: Settings, api: str, override: dict[str, str], dependency: str
) -> None:
    factory = create_write_app if api == "write" else create_read_app
    async with serve(factory(settings.model_copy(update=override))) as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        healthy = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert healthy.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["Retry-After"]
    assert dependency in ready.json()["error"]["fields"]
    assert dependency in ready.json()["error"]["message"]


async def test_both_apps_expose_prometheus_metrics(settings: Settings, engine: AsyncEngine,
                                                   redis: Redis) -> None:
    async with running_platform(settings) as platform:
        await platform.write.post("/api/auth/login", json={"email": "x@example.com",
                                                           "password": "whatever-123"})
        write_metrics = (await platform.write.get("/metrics")).text
        read_metrics = (await platform.read.get("/metrics")).text
    assert 'edu_http_requests_total{method="POST",route="/api/auth/login",service="write",' \
           'status="401"}' in write_metrics
    assert "edu_http_request_duration_seconds_bucket" in read_metrics


async def probe_answers(port: int) -> dict[str, httpx.Response]:
    """/readyz, /healthz and /metrics of a probe port, once it accepts connections."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as probe:
        for _ in range(200):
            try:
                ready = await probe.get("/readyz")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        return {"ready": ready, "health": await probe.get("/healthz"),
                "metrics": await probe.get("/metrics")}


async def test_relay_probe_serves_health_readiness_and_outbox_metrics(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    port = free_port()
    stop = asyncio.Event()
    relay = asyncio.create_task(run_relay(settings.model_copy(update={"relay_probe_port": port}),
                                          stop))
    try:
        answers = await probe_answers(port)
    finally:
        stop.set()
        await relay
    assert answers["health"].status_code == 200
    assert answers["ready"].status_code == 200
    assert "edu_outbox_backlog_events" in answers["metrics"].text
    assert "edu_outbox_oldest_undispatched_age_seconds" in answers["metrics"].text


async def test_worker_probe_serves_health_readiness_and_job_metrics(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    port = free_port()
    worker = build_worker(settings.model_copy(update={"worker_probe_port": port}))
    running = asyncio.create_task(worker.async_run())
    try:
        answers = await probe_answers(port)
    finally:
        await worker.close()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert answers["health"].status_code == 200
    assert answers["ready"].status_code == 200
    assert "edu_dead_letters" in answers["metrics"].text
    assert "edu_jobs_total" in answers["metrics"].text
