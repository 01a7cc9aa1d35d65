"""Noticing a Redis that came back empty, and recovering from it without an operator (ADR 0018).

Redis holds the arq queue and every read model, kept without persistence. When it restarts
empty (or is replaced), three things vanish: the read models, the jobs queued or running for
events the relay had already marked dispatched, and the markers that make jobs idempotent
(applied events, sent mails). Postgres still has every event. The relay, which talks to both,
keeps a sentinel key in Redis; when it finds a new Redis server (a new `run_id`) without the
sentinel while the outbox shows events were dispatched before, it

1. marks the events dispatched within REDELIVERY_WINDOW_SECONDS undispatched again, so their jobs
   (projections, reactions such as the payment saga, mails) run again; every job is idempotent
   against the write model, and a mail may be sent twice (its sent marker vanished too);
2. asks the worker to rebuild every projection (the documents of aggregates no recent event
   touched are gone too);
3. sets the sentinel last, so a relay that dies half-way recovers again on its next start.
"""

from __future__ import annotations

import logging
import time

from arq.connections import ArqRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from workers.constants import REBUILD_JOB
from workers.metrics import REDIS_WIPES

log = logging.getLogger("edu.relay")
SENTINEL_KEY = "edu:redis:intact"
# Jobs for events dispatched this long before the wipe may still have been queued, deferred for a
# retry or running; older ones ran (the queue-depth metric shows when the queue lags this much).
REDELIVERY_WINDOW_SECONDS = 600.0
# The wiped generations hold only what was projected since the restart: readers need little time
# to finish with them.
REBUILD_GRACE_SECONDS = 0.5
# How often the relay asks Redis which server it is talking to.
CHECK_EVERY_SECONDS = 1.0


class WipeWatch:
    """Checks at most every CHECK_EVERY_SECONDS whether Redis restarted empty; recovers if so."""

    def __init__(self, engine: AsyncEngine, queue: ArqRedis, settings: Settings) -> None:
        self.engine, self.queue, self.settings = engine, queue, settings
        self._known_server: str | None = None  # the run_id of the Redis last found intact
        self._checked_at = 0.0

    async def check(self) -> bool:
        """Whether a wipe was found (and recovered from) now."""
        if time.monotonic() - self._checked_at < CHECK_EVERY_SECONDS:
            return False
        self._checked_at = time.monotonic()
        server = str((await self.queue.info("server"))["run_id"])
        if server == self._known_server:
            return False
        wiped = not await self.queue.exists(SENTINEL_KEY) and await self._dispatched_before()
        if wiped:
            await self._recover()
        await self.queue.set(SENTINEL_KEY, time.time())
        self._known_server = server
        return wiped

    async def _dispatched_before(self) -> bool:
        """Whether any event was ever handed to a Redis (a fresh system has nothing to recover)."""
        async with self.engine.connect() as conn:
            return bool(await conn.scalar(text(
                "SELECT EXISTS (SELECT 1 FROM outbox.events WHERE dispatched_at IS NOT NULL)")))

    async def _recover(self) -> None:
        async with self.engine.begin() as conn:
            result = await conn.execute(text(
                "UPDATE outbox.events SET dispatched_at = NULL "
                "WHERE dispatched_at > now() - make_interval(secs => :secs)"),
                {"secs": REDELIVERY_WINDOW_SECONDS})
        await self.queue.enqueue_job(REBUILD_JOB, "all", REBUILD_GRACE_SECONDS,
                                     _queue_name=self.settings.arq_queue_name,
                                     _job_id=f"{REBUILD_JOB}:after-wipe:{time.time_ns()}")
        REDIS_WIPES.inc()
        log.warning("Redis came back empty: %d recent events to deliver again, every projection "
                    "to rebuild", result.rowcount or 0)
