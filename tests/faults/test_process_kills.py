"""kill -9 of each platform process at a random moment, and a dropped NOTIFY connection, while a
steady mix of commands and reads runs: nothing committed is lost, every read model converges."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.faults.load import Load
from tests.faults.stack import Stack
from tests.faults.verdicts import assert_recovered, summary, unclear
from workers.relay import LISTENER_APPLICATION

pytestmark = pytest.mark.slow  # deselect with -m "not slow"; CI runs them

VICTIMS = ("worker", "relay", "read", "write")


async def listener_pid(stack: Stack) -> int | None:
    async with stack.engine.connect() as conn:
        pid: int | None = await conn.scalar(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": LISTENER_APPLICATION})
    return pid


@pytest.mark.timeout(240)
async def test_kill_9_of_every_process_under_a_steady_mix_loses_nothing(
    stack: Stack, load: Load
) -> None:
    # The worker first, while the relay is up to report the queue; then the others in a random
    # order. Each comes back as a supervisor restarts it, while the next kill may already land.
    victims = ["worker", *load.rng.sample(VICTIMS[1:], len(VICTIMS) - 1)]
    async with load.running():
        for victim in victims:
            await asyncio.sleep(load.rng.uniform(0.5, 1.5))
            await asyncio.to_thread(stack.fleet.kill, victim)
            if victim == "worker":
                # With the worker gone, events wait in the queue, and the relay's metrics show it
                # (EduJobQueueBacklog, besides EduWorkersDown for the missing target).
                await asyncio.sleep(2.0)
                queued_while_worker_down = await stack.metric("relay", "edu_queue_depth_jobs")
            else:
                await asyncio.sleep(load.rng.uniform(0.2, 1.0))
            stack.fleet.start(victim)
        for victim in victims:
            await stack.answering(victim)
        await asyncio.sleep(1.0)  # the mix goes on against the restarted processes
    print(summary(load.answers))
    assert stack.fleet.kills >= len(VICTIMS)
    # Killed APIs refuse connections until restarted (no gateway in front here); nothing hangs,
    # and no answer is a 500.
    assert unclear(load.answers, unanswered_ok=True) == []
    assert queued_while_worker_down is not None
    assert queued_while_worker_down > 0
    await assert_recovered(stack, load)


@pytest.mark.timeout(120)
async def test_a_dropped_notify_connection_is_replaced_and_events_still_flow(
    stack: Stack, load: Load
) -> None:
    before = await listener_pid(stack)
    assert before is not None, "the relay is not listening"
    async with load.running():
        await asyncio.sleep(1.0)
        async with stack.engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        await asyncio.sleep(3.0)
    after = await listener_pid(stack)
    print(summary(load.answers))
    assert after is not None, "the relay never listened again"
    assert after != before
    assert unclear(load.answers) == []
    await assert_recovered(stack, load)
