"""Projection status for operators, read from Redis only (the relay publishes the outbox backlog)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis

from workers.constants import DEAD_LETTERS_KEY, PROJECT_JOB, PROJECTION_STATUS_PREFIX
from workers.routing import PROJECTORS

RELAY_STATUS_KEY = "edu:relay:status"


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


async def publish_relay_status(redis: Redis, backlog: int, oldest_age: float) -> None:
    await redis.hset(RELAY_STATUS_KEY, mapping={  # type: ignore[misc]
        "backlog": backlog, "oldest_age_seconds": oldest_age, "updated_at": time.time()})


async def projection_statuses(redis: Redis, queue_name: str) -> list[ProjectionStatus]:
    relay = await redis.hgetall(RELAY_STATUS_KEY)  # type: ignore[misc]
    queued = await redis.zcard(queue_name)
    dead = sum(1 for key in await redis.hkeys(DEAD_LETTERS_KEY)  # type: ignore[misc]
               if _s(key).startswith(f"{PROJECT_JOB}:"))
    statuses = []
    for projector in PROJECTORS:
        raw = {_s(k): _s(v) for k, v in (await redis.hgetall(  # type: ignore[misc]
            PROJECTION_STATUS_PREFIX + projector.name)).items()}
        statuses.append(ProjectionStatus(
            name=projector.name,
            last_seq=int(raw["last_seq"]) if "last_seq" in raw else None,
            last_type=raw.get("last_type"),
            last_applied_at=float(raw["last_applied_at"]) if "last_applied_at" in raw else None,
            last_lag_seconds=float(raw["last_lag_seconds"]) if "last_lag_seconds" in raw else None,
            applied_total=int(raw.get("applied_total", 0)),
            outbox_backlog=int(_s(relay.get(b"backlog", b"0"))),
            oldest_undispatched_age_seconds=float(_s(relay.get(b"oldest_age_seconds", b"0"))),
            relay_reported_at=float(_s(relay[b"updated_at"])) if b"updated_at" in relay else None,
            queued_jobs=queued,
            dead_letters=dead,
        ))
    return statuses


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
