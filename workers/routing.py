"""Which jobs an event becomes, and which projectors a projection job runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors import users
from workers.constants import EMAIL_JOB, PROJECT_JOB
from write.events import (
    Event,
    PasswordResetEmailRequested,
    VerificationEmailRequested,
)


@dataclass(frozen=True)
class Projector:
    name: str
    handles: Callable[[Event], bool]
    apply: Callable[..., Awaitable[None]]


PROJECTORS: tuple[Projector, ...] = (
    Projector(users.NAME, users.handles, users.apply),
)

EMAIL_EVENTS = {VerificationEmailRequested.event_type, PasswordResetEmailRequested.event_type}


def jobs_for(event_type: str) -> list[str]:
    """Every event gets a projection job (it marks the event applied for read-your-writes)."""
    jobs = [PROJECT_JOB]
    if event_type in EMAIL_EVENTS:
        jobs.append(EMAIL_JOB)
    return jobs


async def run_projectors(event: Event, *, engine: AsyncEngine, redis: Redis) -> list[str]:
    """Applies the event to every projection that subscribes to it; returns their names."""
    names = []
    for projector in PROJECTORS:
        if projector.handles(event):
            await projector.apply(event, engine=engine, redis=redis)
            names.append(projector.name)
    return names
