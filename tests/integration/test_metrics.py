"""The worker and relay metrics move with what happens: retries, dead letters, the queue's depth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.resources import create_queue
from common.net import free_port
from common.settings import Settings
from tests.builders import envelopes, register
from workers.constants import PROJECT_JOB
from workers.jobs import project_event
from workers.relay import OutboxRelay


def sample(name: str, **labels: str) -> float:
    """A series' value in this process's registry; 0 before it was ever touched."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def queue(settings: Settings, redis: Redis) -> AsyncIterator[ArqRedis]:
    pool = await create_queue(settings)
    yield pool
    await pool.aclose()


async def test_a_failing_job_counts_its_retries_then_one_dead_lettered_event(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await register(engine, settings, email="flaky@example.com")
    body = (await envelopes(engine))[0]
    nowhere = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    retries, dead = sample("edu_job_retries_total", handler=PROJECT_JOB), \
        sample("edu_dead_lettered_events_total")

    def ctx(job_try: int) -> dict[str, Any]:
        return {"settings": settings, "engine": nowhere, "redis": redis, "job_try": job_try}

    try:
        for job_try in (1, 2):
            with pytest.raises(Retry):
                await project_event(ctx(job_try), body)
        assert await project_event(ctx(settings.projection_max_tries), body) == "dead-lettered"
    finally:
        await nowhere.dispose()
    assert sample("edu_job_retries_total", handler=PROJECT_JOB) == retries + 2
    assert sample("edu_dead_lettered_events_total") == dead + 1


async def test_the_relay_samples_the_queue_depth_with_the_backlog(
    settings: Settings, engine: AsyncEngine, queue: ArqRedis
) -> None:
    relay = OutboxRelay(engine, queue, settings)
    await relay.backlog()
    assert sample("edu_queue_depth_jobs", queue=settings.arq_queue_name) == 0
    await register(engine, settings, email="queued@example.com")
    await register(engine, settings, email="queued-too@example.com")
    dispatched = await relay.dispatch_once()
    assert dispatched >= 2
    await relay.backlog()
    depth = sample("edu_queue_depth_jobs", queue=settings.arq_queue_name)
    assert depth == len(await queue.queued_jobs(queue_name=settings.arq_queue_name)) >= dispatched
