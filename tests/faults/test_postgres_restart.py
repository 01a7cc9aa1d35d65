"""Postgres stopped (fast shutdown) and started again under a steady mix: commands are refused
with 503 + Retry-After while it is down, the read API keeps serving course pages and lists from
Redis, and the relay and the worker carry on afterwards without losing an event."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.load import Load
from tests.faults.stack import Stack
from tests.faults.verdicts import assert_recovered, summary, unclear

pytestmark = pytest.mark.slow  # deselect with -m "not slow"; CI runs them


@pytest.mark.timeout(150)
async def test_postgres_restart_refuses_commands_cleanly_and_reads_keep_serving(
    stack: Stack, load: Load
) -> None:
    loop = asyncio.get_running_loop()
    async with load.running():
        await asyncio.sleep(1.5)
        await asyncio.to_thread(stack.postgres.stop)
        down = loop.time()
        await asyncio.sleep(3.0)
        back = loop.time()
        await asyncio.to_thread(stack.postgres.start)
        await asyncio.sleep(4.0)
    outage = load.during(down, back)
    print("during the outage:", summary(outage))
    print("whole run:", summary(load.answers))
    assert unclear(load.answers) == []
    refused = [a for a in outage if a.status == 503]
    assert refused, "no command was even tried while Postgres was down"
    assert {a.code for a in refused if a.op not in ("search", "page", "list")} \
        <= {"database_unavailable", "dependency_unavailable"}
    # The read API never needed the write database: pages and lists were answered from Redis.
    reads = [a for a in outage if a.op in ("page", "list")]
    assert reads
    assert {a.status for a in reads} == {200}
    await assert_recovered(stack, load)
