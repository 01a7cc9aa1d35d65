"""The outbox relay: moves committed events to the arq queue, never skipping or losing one.

The outbox table is the source of truth. The relay selects rows that are *not yet dispatched*
(not `id > last_seen`, which skips ids that commit out of order), enqueues one job per handler
with a deterministic job id, and marks the rows dispatched in the same transaction that locked
them. A crash between enqueue and mark re-enqueues; the job id and idempotent projection make
that harmless. NOTIFY only wakes the relay early; a poll covers notifications lost while nobody
listened.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
from arq.connections import ArqRedis
from sqlalchemy import RowMapping, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from common.outages import dependency_unreachable
from common.settings import Settings
from read.stores.ops import publish_relay_status
from workers.constants import job_id
from workers.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    QUEUE_DEPTH,
    RELAY_CLEANED,
    RELAY_DISPATCHED,
)
from workers.routing import jobs_for
from workers.wipes import WipeWatch
from write.events import EventEnvelope
from write.outbox import NOTIFY_CHANNEL, OutboxEvent

log = logging.getLogger("edu.relay")
CLEANUP_EVERY_SECONDS = 60.0
CLEANUP_BATCH = 5000
# How the LISTEN connection shows in pg_stat_activity (operators and the fault tests find it so).
LISTENER_APPLICATION = "edu-relay-listen"
_ENVELOPE_COLUMNS = (
    OutboxEvent.id, OutboxEvent.event_id, OutboxEvent.type, OutboxEvent.schema_version,
    OutboxEvent.aggregate_type, OutboxEvent.aggregate_id, OutboxEvent.occurred_at,
    OutboxEvent.payload,
)


def envelope_of(row: RowMapping) -> EventEnvelope:
    return EventEnvelope(seq=row["id"], **{k: v for k, v in row.items() if k != "id"})


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, queue: ArqRedis, settings: Settings) -> None:
        self.engine = engine
        self.queue = queue
        self.settings = settings
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._wipes = WipeWatch(engine, queue, settings)

    async def dispatch_once(self) -> int:
        """Dispatches up to one batch of undispatched events; returns how many."""
        async with self.engine.begin() as conn:
            rows = (await conn.execute(
                select(*_ENVELOPE_COLUMNS).where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.id).limit(self.settings.relay_batch_size)
                .with_for_update(skip_locked=True)
            )).mappings().all()
            if not rows:
                return 0
            for row in rows:
                await self._enqueue(envelope_of(row))
            await conn.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_([r["id"] for r in rows]))
                .values(dispatched_at=func.now())
            )
        RELAY_DISPATCHED.inc(len(rows))
        return len(rows)

    async def dispatch_while_room(self) -> int:
        """Dispatches batch after batch while there are events and the queue has room; returns
        how many. A full queue leaves the rest in the outbox until the workers catch up."""
        dispatched = 0
        queue = self.settings.arq_queue_name
        while await self.queue.zcard(queue) < self.settings.relay_max_queued_jobs:
            count = await self.dispatch_once()
            dispatched += count
            if count < self.settings.relay_batch_size:
                break
        return dispatched

    async def _enqueue(self, envelope: EventEnvelope) -> None:
        body = envelope.model_dump(mode="json")
        for job in jobs_for(envelope.type):
            await self.queue.enqueue_job(
                job, body, _job_id=job_id(job, envelope.event_id),
                _queue_name=self.settings.arq_queue_name,
            )

    async def cleanup(self) -> int:
        """Deletes dispatched rows older than the retention period, in bounded batches."""
        retention_seconds = self.settings.outbox_retention_hours * 3600
        deleted = 0
        while True:
            async with self.engine.begin() as conn:
                result = await conn.execute(text(
                    "DELETE FROM outbox.events WHERE id IN (SELECT id FROM outbox.events "
                    "WHERE dispatched_at < now() - make_interval(secs => :secs) LIMIT :batch)"
                ), {"secs": retention_seconds, "batch": CLEANUP_BATCH})
            count = result.rowcount or 0
            deleted += count
            if count < CLEANUP_BATCH:
                break
        RELAY_CLEANED.inc(deleted)
        return deleted

    async def backlog(self) -> tuple[int, float]:
        """Undispatched events and the age in seconds of the oldest one (and, for the metrics,
        the jobs queued for the workers)."""
        async with self.engine.connect() as conn:
            count, oldest = (await conn.execute(text(
                "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0) "
                "FROM outbox.events WHERE dispatched_at IS NULL"
            ))).one()
        OUTBOX_BACKLOG.set(count)
        OUTBOX_OLDEST_AGE.set(float(oldest))
        queue = self.settings.arq_queue_name
        QUEUE_DEPTH.labels(queue).set(await self.queue.zcard(queue))
        await publish_relay_status(self.queue, int(count), float(oldest))
        return int(count), float(oldest)

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatches until `stop` is set: on NOTIFY, on a poll tick, and in a loop while busy."""
        last_cleanup = 0.0
        while not stop.is_set():
            try:
                await self._ensure_listening()
                self._wake.clear()
                await self._wipes.check()
                await self.dispatch_while_room()
                await self.backlog()
                if time.monotonic() - last_cleanup > CLEANUP_EVERY_SECONDS:
                    await self.cleanup()
                    last_cleanup = time.monotonic()
            except Exception as exc:  # the relay outlives any failure and retries each poll
                if dependency_unreachable(exc) or isinstance(exc, asyncpg.PostgresError):
                    log.warning("relay cycle failed, retrying: %r", exc)
                else:
                    log.exception("relay cycle failed unexpectedly, retrying")
            await self._sleep(stop)
        await self._close_listener()

    async def _sleep(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.settings.relay_poll_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _ensure_listening(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        await self._close_listener()
        try:
            self._listener = await asyncpg.connect(
                self.settings.database_url_plain, timeout=5,
                server_settings={"application_name": LISTENER_APPLICATION})
            await self._listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError) as exc:
            self._listener = None
            log.warning("LISTEN unavailable, polling only: %s", exc)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                await asyncio.wait_for(self._listener.close(), timeout=2)
            except (OSError, TimeoutError, asyncpg.PostgresError):
                self._listener.terminate()
            self._listener = None
