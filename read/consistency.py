"""Read-your-writes: wait (bounded) until the events named by a consistency token are projected."""

from __future__ import annotations

import asyncio
import base64
import string
import time
import uuid

from redis.asyncio import Redis

from common.errors import BadRequest

APPLIED_PREFIX = "edu:applied:"
# How long a "this event is projected" mark is kept; a token is meant to be used at once.
APPLIED_TTL_SECONDS = 24 * 3600
MAX_EVENTS_PER_TOKEN = 50
_URLSAFE = frozenset(string.ascii_letters + string.digits + "-_")
# 16 bytes are 128 bits; the 22nd base64 character carries only 2 of them, so it is one of these.
_LAST_OF_16_BYTES = frozenset("AQgw")


def applied_key(event_id: uuid.UUID) -> str:
    return f"{APPLIED_PREFIX}{event_id.hex}"


def parse_token(token: str) -> list[uuid.UUID]:
    """`v1.<event>.<event>…` as issued by the write API: event UUIDs in URL-safe base64."""
    version, _, rest = token.partition(".")
    parts = rest.split(".") if version == "v1" and rest else []
    if not parts or len(parts) > MAX_EVENTS_PER_TOKEN or not all(map(_is_encoded_uuid, parts)):
        raise BadRequest("X-Consistency-Token is malformed", code="invalid_consistency_token",
                         fields={"X-Consistency-Token": "not a token issued by the write API"})
    return [uuid.UUID(bytes=base64.urlsafe_b64decode(part + "==")) for part in parts]


def _is_encoded_uuid(part: str) -> bool:
    return len(part) == 22 and _URLSAFE.issuperset(part) and part[-1] in _LAST_OF_16_BYTES


async def wait_until_applied(redis: Redis, event_ids: list[uuid.UUID], timeout_ms: int) -> bool:
    """True once every event is projected; False if the wait ran out first."""
    keys = [applied_key(e) for e in event_ids]
    deadline = time.monotonic() + timeout_ms / 1000
    delay = 0.005
    while True:
        if await redis.exists(*keys) == len(keys):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, 0.05)
