"""Poison events go to the dead-letter store at once; failing ones after their tries; replay works."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.resources import create_queue
from common.settings import Settings
from projectors import users
from projectors.base import Stores
from projectors.rebuild import verify
from tests.builders import envelopes, register
from workers import dead_letters
from workers.constants import PROJECT_JOB
from workers.jobs import project_event


@pytest.fixture
async def queue(settings: Settings, redis: Redis) -> AsyncIterator[ArqRedis]:
    pool = await create_queue(settings)
    yield pool
    await pool.aclose()


def ctx_for(settings: Settings, engine: AsyncEngine, redis: Redis, *, job_try: int = 1
            ) -> dict[str, Any]:
    return {"settings": settings, "engine": engine, "redis": redis, "job_try": job_try}


async def test_unknown_event_type_is_dead_lettered_without_retry(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    body = {"seq": 7, "event_id": "6f0e2c9e-3c2c-4d3f-9a59-1c1d7f0e0001", "type": "identity.nope",
            "schema_version": 1, "aggregate_type": "user", "aggregate_id": "x",
            "occurred_at": "2026-01-01T00:00:00+00:00", "payload": {}}
    assert await project_event(ctx_for(settings, engine, redis), body) == "dead-lettered"
    letters = await dead_letters.list_letters(redis)
    assert [letter["id"] for letter in letters] == [f"{PROJECT_JOB}:6f0e2c9e3c2c4d3f9a591c1d7f0e0001"]
    assert "poison" in letters[0]["error"]


async def test_failing_projection_retries_then_parks_and_replay_projects_it(
    settings: Settings, engine: AsyncEngine, redis: Redis, queue: ArqRedis
) -> None:
    await register(engine, settings, email="late@example.com")
    body = (await envelopes(engine))[0]
    broken = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        with pytest.raises(Retry):
            await project_event(ctx_for(settings, broken, redis, job_try=1), body)
        last_try = settings.projection_max_tries
        outcome = await project_event(ctx_for(settings, broken, redis, job_try=last_try), body)
    finally:
        await broken.dispose()
    assert outcome == "dead-lettered"
    assert await verify(users.users, Stores(engine, redis)) != {}

    replayed = await dead_letters.replay(queue, settings.arq_queue_name,
                                         await dead_letters.all_letter_ids(redis))
    assert replayed == [f"{PROJECT_JOB}:{body['event_id'].replace('-', '')}"]
    assert await dead_letters.list_letters(redis) == []
    jobs = await queue.queued_jobs(queue_name=settings.arq_queue_name)
    assert len(jobs) == 1
    assert await project_event(ctx_for(settings, engine, redis), jobs[0].args[0]) == "users"
    assert await verify(users.users, Stores(engine, redis)) == {}


async def test_a_hanging_projection_is_retried_not_dropped(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await register(engine, settings, email="hang@example.com")
    body = (await envelopes(engine))[0]

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    blackhole = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = blackhole.sockets[0].getsockname()[1]
    hanging = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/db",
                                  connect_args={"timeout": 60})
    quick = settings.model_copy(update={"projection_job_timeout_seconds": 1})
    try:
        with pytest.raises(Retry):
            await project_event(ctx_for(quick, hanging, redis), body)
    finally:
        blackhole.close()
        await hanging.dispose()
    assert await dead_letters.list_letters(redis) == []
