"""Read-your-writes: wait (bounded) until the events named by a consistency token are projected."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from common.errors import BadRequest

APPLIED_PREFIX = "edu:applied:"
# How long a "this event is projected" mark is kept; a token is meant to be used at once.
APPLIED_TTL_SECONDS = 24 * 3600
MAX_EVENTS_PER_TOKEN = 50


def applied_key(seq: int) -> str:
    return f"{APPLIED_PREFIX}{seq}"


def parse_token(token: str) -> list[int]:
    """`v1.<seq>.<seq>…` as issued by the write API."""
    version, _, rest = token.partition(".")
    parts = rest.split(".") if version == "v1" and rest else []
    seqs = [int(part) for part in parts] if all(p.isascii() and p.isdecimal() for p in parts) else []
    if not seqs or len(seqs) > MAX_EVENTS_PER_TOKEN or min(seqs) < 1:
        raise BadRequest("X-Consistency-Token is malformed", code="invalid_consistency_token",
                         fields={"X-Consistency-Token": "not a token issued by the write API"})
    return seqs


async def wait_until_applied(redis: Redis, seqs: list[int], timeout_ms: int) -> bool:
    """True once every event is projected; False if the wait ran out first."""
    keys = [applied_key(s) for s in seqs]
    deadline = time.monotonic() + timeout_ms / 1000
    delay = 0.005
    while True:
        if await redis.exists(*keys) == len(keys):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 0.05)
