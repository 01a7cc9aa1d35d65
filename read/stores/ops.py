"""Operator views read from Redis only: projection status, relay backlog, rebuild progress.

The relay, the worker and rebuilds write these keys; the read API and the CLI read them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from redis.asyncio import Redis

from read.stores.documents import as_str

RELAY_STATUS_KEY = "edu:relay:status"
PROJECTION_STATUS_PREFIX = "edu:proj:status:"
PROJECTION_NAMES_KEY = "edu:proj:names"
REBUILD_STATUS_PREFIX = "edu:proj:rebuild:"
DEAD_LETTERS_KEY = "edu:deadletters"


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    last_seq: int | None
    last_type: str | None
    last_applied_at: float | None
    last_lag_seconds: float | None
    applied_total: int
    outbox_backlog: int
    oldest_undispatched_age_seconds: float
    relay_reported_at: float | None
    queued_jobs: int
    dead_letters: int
    rebuild: dict[str, str] = field(default_factory=dict)


async def publish_relay_status(redis: Redis, backlog: int, oldest_age: float) -> None:
    await redis.hset(RELAY_STATUS_KEY, mapping={  # type: ignore[misc]
        "backlog": backlog, "oldest_age_seconds": oldest_age, "updated_at": time.time()})


async def register_projections(redis: Redis, names: list[str]) -> None:
    """The worker announces its projections so readers can list them without importing them."""
    await redis.sadd(PROJECTION_NAMES_KEY, *names)  # type: ignore[misc]


async def _hash(redis: Redis, key: str) -> dict[str, str]:
    raw = await redis.hgetall(key)  # type: ignore[misc]
    return {as_str(k): as_str(v) for k, v in raw.items()}


async def projection_statuses(redis: Redis, queue_name: str, *, dead_letter_prefix: str
                              ) -> list[ProjectionStatus]:
    relay = await _hash(redis, RELAY_STATUS_KEY)
    queued = await redis.zcard(queue_name)
    dead = sum(1 for key in await redis.hkeys(DEAD_LETTERS_KEY)  # type: ignore[misc]
               if as_str(key).startswith(dead_letter_prefix))
    names = sorted(as_str(n) for n in await redis.smembers(PROJECTION_NAMES_KEY))  # type: ignore[misc]
    statuses = []
    for name in names:
        raw = await _hash(redis, PROJECTION_STATUS_PREFIX + name)
        statuses.append(ProjectionStatus(
            name=name,
            last_seq=int(raw["last_seq"]) if "last_seq" in raw else None,
            last_type=raw.get("last_type"),
            last_applied_at=float(raw["last_applied_at"]) if "last_applied_at" in raw else None,
            last_lag_seconds=float(raw["last_lag_seconds"]) if "last_lag_seconds" in raw else None,
            applied_total=int(raw.get("applied_total", 0)),
            outbox_backlog=int(relay.get("backlog", 0)),
            oldest_undispatched_age_seconds=float(relay.get("oldest_age_seconds", 0)),
            relay_reported_at=float(relay["updated_at"]) if "updated_at" in relay else None,
            queued_jobs=queued,
            dead_letters=dead,
            rebuild=await _hash(redis, REBUILD_STATUS_PREFIX + name),
        ))
    return statuses
