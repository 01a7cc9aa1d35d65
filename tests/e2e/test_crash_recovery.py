"""Killing the relay and the worker at random moments loses no event and duplicates no effect."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.write_app import create_write_app
from common.settings import Settings
from projectors import users
from projectors.base import Stores
from projectors.rebuild import verify
from read.consistency import applied_key
from read.stores.documents import DocumentSpace
from read.stores.users import UserDoc, index_entries
from tests.builders import outbox_event_ids
from tests.harness import serve
from tests.processes import Fleet, child_env

PROCESSES = ("relay", "worker")


async def chaos(fleet: Fleet, rng: random.Random, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.3, 1.2))
        victim = rng.choice(PROCESSES)
        fleet.kill(victim)
        await asyncio.sleep(rng.uniform(0.0, 0.4))
        fleet.start(victim)


async def wait_all_applied(redis: Redis, events: list[UUID], timeout: float) -> list[UUID]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        flags = await redis.mget([applied_key(e) for e in events])
        missing = [event for event, flag in zip(events, flags, strict=True) if flag is None]
        if not missing or asyncio.get_running_loop().time() > deadline:
            return missing
        await asyncio.sleep(0.25)


@pytest.mark.timeout(180)
async def test_random_kills_of_relay_and_worker_lose_nothing(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    seed = random.randrange(1 << 30)
    print(f"chaos seed {seed}")
    rng = random.Random(seed)
    fleet = Fleet(child_env(settings, tmp_path), tmp_path)
    for name in PROCESSES:
        fleet.start(name)
    stop = asyncio.Event()
    try:
        async with serve(create_write_app(settings)) as write_url, \
                httpx.AsyncClient(base_url=write_url, timeout=10) as client:
            killer = asyncio.create_task(chaos(fleet, rng, stop))
            for i in range(40):
                response = await client.post("/api/auth/register", json={
                    "email": f"crash{i}@example.com", "password": "correct-horse-1",
                    "name": f"Crash Test {i}", "role": rng.choice(["student", "teacher"])})
                assert response.status_code == 201, response.text
                await asyncio.sleep(rng.uniform(0, 0.05))
            stop.set()
            await killer
        events = await outbox_event_ids(engine)
        # arq re-runs a job whose worker died once its in-progress lock expires (timeout + 10 s).
        missing = await wait_all_applied(redis, events, timeout=60)
    finally:
        stop.set()
        fleet.stop_all()
    assert fleet.kills >= 3, "the chaos loop did not get to kill anything"
    assert missing == [], f"events never projected (seed {seed}): {missing}"
    assert await verify(users.users, Stores(engine, redis)) == {}

    # Exactly once in effect: every index holds each user once, and nothing else.
    async with engine.connect() as conn:
        user_count = (await conn.execute(text("SELECT count(*) FROM identity.users"))).scalar_one()
    space = DocumentSpace(redis, users.NAME)
    assert await redis.zcard(space.key(1, "all")) == user_count == 40
    expected_lex = 0
    for doc_id in [m.decode() for m in await redis.zrange(space.key(1, "all"), 0, -1)]:
        stored = await space.get_versioned(1, doc_id)
        assert stored is not None
        expected_lex += sum(1 for e in index_entries(UserDoc.model_validate(stored[1]))
                            if e.set_name == "lex")
    assert await redis.zcard(space.key(1, "lex")) == expected_lex
