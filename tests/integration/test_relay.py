"""The relay against real Postgres and Redis: no event skipped, none lost, old rows cleaned."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from apps.resources import create_queue
from common.settings import Settings
from tests.builders import outbox_seqs, register
from workers.constants import EMAIL_JOB, PROJECT_JOB, job_id
from workers.relay import OutboxRelay
from write.events import UserEmailVerified
from write.outbox import UnitOfWork


@pytest.fixture
async def queue(settings: Settings, redis: Redis) -> AsyncIterator[ArqRedis]:
    pool = await create_queue(settings)
    yield pool
    await pool.aclose()


async def queued_job_ids(queue: ArqRedis, settings: Settings) -> set[str]:
    return {job.job_id for job in await queue.queued_jobs(queue_name=settings.arq_queue_name)}


async def test_transactions_committing_out_of_id_order_are_both_dispatched(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    relay = OutboxRelay(engine, queue, settings)
    sessions = async_sessionmaker(engine)
    async with sessions() as first, sessions() as second:
        early, late = UnitOfWork(first), UnitOfWork(second)
        early.record(UserEmailVerified(user_id="00000000-0000-4000-8000-000000000001"))
        await first.flush()  # takes the lower id, stays uncommitted
        late.record(UserEmailVerified(user_id="00000000-0000-4000-8000-000000000002"))
        late_token = await late.commit()
        assert await relay.dispatch_once() == 1
        early_token = await early.commit()
    assert early_token is not None
    assert late_token is not None
    early_seq, late_seq = int(early_token.split(".")[1]), int(late_token.split(".")[1])
    assert early_seq < late_seq
    assert await relay.dispatch_once() == 1
    assert await relay.dispatch_once() == 0
    assert await queued_job_ids(queue, settings) == {
        job_id(PROJECT_JOB, early_seq), job_id(PROJECT_JOB, late_seq)}


async def test_each_event_becomes_one_job_per_handler_and_redispatch_adds_none(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    await register(engine, settings, email="one@example.com")
    seqs = await outbox_seqs(engine)
    relay = OutboxRelay(engine, queue, settings)
    assert await relay.dispatch_once() == len(seqs) == 2
    jobs = await queued_job_ids(queue, settings)
    assert jobs == {job_id(PROJECT_JOB, seqs[0]), job_id(PROJECT_JOB, seqs[1]),
                    job_id(EMAIL_JOB, seqs[1])}
    # A relay that crashed after enqueueing but before marking would send the rows again:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE outbox.events SET dispatched_at = NULL"))
    assert await relay.dispatch_once() == 2
    assert await queued_job_ids(queue, settings) == jobs


async def test_backlog_counts_undispatched_and_cleanup_keeps_recent_rows(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    await register(engine, settings, email="two@example.com")
    relay = OutboxRelay(engine, queue, settings)
    backlog, oldest = await relay.backlog()
    assert backlog == 2
    assert oldest >= 0
    await relay.dispatch_once()
    assert (await relay.backlog())[0] == 0
    assert await relay.cleanup() == 0  # dispatched just now: inside the retention period
    async with engine.begin() as conn:
        await conn.execute(text(
            "UPDATE outbox.events SET dispatched_at = now() - interval '100 hours'"))
    assert await relay.cleanup() == 2
    assert await outbox_seqs(engine) == []
