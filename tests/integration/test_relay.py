"""The relay against real Postgres and Redis: no event skipped, none lost, old rows cleaned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from apps.resources import create_queue
from common.settings import Settings
from tests.builders import outbox_event_ids, outbox_seqs, register
from workers.constants import EMAIL_JOB, PROJECT_JOB, REBUILD_JOB, job_id
from workers.relay import OutboxRelay
from workers.wipes import WipeWatch
from write.events import UserEmailVerified
from write.outbox import UnitOfWork, encode_consistency_token


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
    assert await relay.dispatch_once() == 1
    assert await relay.dispatch_once() == 0
    seqs, (early_event, late_event) = await outbox_seqs(engine), await outbox_event_ids(engine)
    assert seqs[0] < seqs[1]  # the early transaction holds the lower id but committed last
    assert early_token == encode_consistency_token([early_event])
    assert late_token == encode_consistency_token([late_event])
    assert await queued_job_ids(queue, settings) == {
        job_id(PROJECT_JOB, early_event), job_id(PROJECT_JOB, late_event)}


async def test_each_event_becomes_one_job_per_handler_and_redispatch_adds_none(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    await register(engine, settings, email="one@example.com")
    registered, mail = await outbox_event_ids(engine)
    relay = OutboxRelay(engine, queue, settings)
    assert await relay.dispatch_once() == 2
    jobs = await queued_job_ids(queue, settings)
    assert jobs == {job_id(PROJECT_JOB, registered), job_id(PROJECT_JOB, mail),
                    job_id(EMAIL_JOB, mail)}
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


async def wait_dispatched(engine: AsyncEngine, *, within: float) -> bool:
    """True once no outbox row is waiting; gives up after `within` seconds."""
    for _ in range(int(within / 0.05)):
        async with engine.connect() as conn:
            waiting = (await conn.execute(text(
                "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL"))).scalar_one()
        if waiting == 0:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_notify_wakes_the_relay_long_before_its_poll(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    sleepy = settings.model_copy(update={"relay_poll_seconds": 120.0})
    relay = OutboxRelay(engine, queue, sleepy)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.5)  # first cycle done; now it sleeps until woken
        await register(engine, settings, email="wake@example.com")
        woke = await wait_dispatched(engine, within=10)
    finally:
        stop.set()
        await running
    assert woke, "the relay slept through NOTIFY"


async def test_a_dropped_listen_connection_falls_back_to_polling_and_reconnects(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    relay = OutboxRelay(engine, queue, settings.model_copy(update={"relay_poll_seconds": 0.3}))
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.5)
        async with engine.begin() as conn:
            killed = (await conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"))).scalar_one()
        assert killed == 1
        await register(engine, settings, email="poll@example.com")
        dispatched = await wait_dispatched(engine, within=10)
        await asyncio.sleep(0.5)
        async with engine.connect() as conn:
            listening = (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"))).scalar_one()
    finally:
        stop.set()
        await running
    assert dispatched
    assert listening == 1


async def undispatched(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(
            "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL")) or 0)


async def test_a_redis_that_lost_dispatched_events_gets_them_again_and_a_rebuild(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    await register(engine, settings, email="wiped@example.com")
    # A fresh system: nothing was ever dispatched, so an empty Redis is just new.
    assert await WipeWatch(engine, queue, settings).check() is False
    assert await OutboxRelay(engine, queue, settings).dispatch_once() == 2
    await queue.flushdb()  # what a restart without persistence leaves
    # A relay meeting this Redis (restarted, or started itself) finds no sentinel.
    assert await WipeWatch(engine, queue, settings).check() is True
    assert await undispatched(engine) == 2
    assert any(job.startswith(f"{REBUILD_JOB}:after-wipe:")
               for job in await queued_job_ids(queue, settings))
    assert await WipeWatch(engine, queue, settings).check() is False  # the sentinel is back


async def test_a_full_queue_leaves_the_surplus_in_the_outbox_until_there_is_room(
    engine: AsyncEngine, settings: Settings, queue: ArqRedis
) -> None:
    for n in range(4):
        await register(engine, settings, email=f"full-{n}@example.com")
    total = await undispatched(engine)  # a registration records two events, three jobs
    relay = OutboxRelay(engine, queue, settings.model_copy(
        update={"relay_max_queued_jobs": 3, "relay_batch_size": 1}))
    first = await relay.dispatch_while_room()
    depth = await queue.zcard(settings.arq_queue_name)
    assert 3 <= depth <= 4  # stops once full; one event adds at most two jobs
    assert 0 < first < total
    assert await undispatched(engine) == total - first
    await queue.delete(settings.arq_queue_name)  # the workers caught up
    second = await relay.dispatch_while_room()
    assert second > 0
    assert await undispatched(engine) == total - first - second
