"""Dead letters: jobs that failed for good, kept for an operator to inspect and replay."""

from __future__ import annotations

import json
import time
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis

from workers.constants import DEAD_LETTERS_KEY
from workers.metrics import DEAD_LETTERS


def letter_id(job: str, body: dict[str, Any]) -> str:
    """The job's id; a poison body without a usable event id gets a unique one."""
    event = str(body.get("event_id", "")).replace("-", "")
    return f"{job}:{event}" if len(event) == 32 else f"{job}:poison-{time.time_ns()}"


async def park(redis: Redis, *, job: str, body: dict[str, Any], error: str, tries: int) -> None:
    """Keeps a failed job with the reason; replaces an earlier letter for the same job."""
    letter = {"job": job, "body": body, "error": error[:2000], "tries": tries,
              "failed_at": time.time()}
    await redis.hset(DEAD_LETTERS_KEY, letter_id(job, body), json.dumps(letter))  # type: ignore[misc]
    DEAD_LETTERS.set(await redis.hlen(DEAD_LETTERS_KEY))  # type: ignore[misc]


async def list_letters(redis: Redis, limit: int = 100) -> list[dict[str, Any]]:
    letters = []
    async for key, raw in redis.hscan_iter(DEAD_LETTERS_KEY, count=limit):
        letters.append({"id": key.decode() if isinstance(key, bytes) else key, **json.loads(raw)})
        if len(letters) >= limit:
            break
    return sorted(letters, key=lambda letter: letter["failed_at"])


async def replay(queue: ArqRedis, queue_name: str, ids: list[str]) -> list[str]:
    """Enqueues the letters again under fresh job ids and removes them; returns those replayed."""
    replayed = []
    for letter_key in ids:
        raw = await queue.hget(DEAD_LETTERS_KEY, letter_key)  # type: ignore[misc]
        if raw is None:
            continue
        letter = json.loads(raw)
        await queue.enqueue_job(
            letter["job"], letter["body"], _queue_name=queue_name,
            _job_id=f"{letter_key}:replay:{time.time_ns()}",
        )
        await queue.hdel(DEAD_LETTERS_KEY, letter_key)  # type: ignore[misc]
        replayed.append(letter_key)
    DEAD_LETTERS.set(await queue.hlen(DEAD_LETTERS_KEY))  # type: ignore[misc]
    return replayed


async def all_letter_ids(redis: Redis) -> list[str]:
    keys = await redis.hkeys(DEAD_LETTERS_KEY)  # type: ignore[misc]
    return [k.decode() if isinstance(k, bytes) else k for k in keys]
