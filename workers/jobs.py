"""arq jobs: project an event into every read model, send an email. Both idempotent."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from arq import Retry
from pydantic import ValidationError
from redis.asyncio import Redis

from common.outages import dependency_unreachable
from common.settings import Settings
from projectors.base import Stores
from read.consistency import APPLIED_TTL_SECONDS, applied_key
from read.stores.ops import PROJECTION_NAMES_KEY
from workers import dead_letters, mail
from workers.constants import (
    EMAIL_JOB,
    EMAIL_SENT_PREFIX,
    PROJECT_JOB,
    PROJECTED_PREFIX,
    PROJECTION_STATUS_PREFIX,
    REACT_JOB,
)
from workers.metrics import (
    DEAD_LETTERED,
    JOB_DURATION,
    JOB_RETRIES,
    JOBS,
    PROJECTION_LAG,
    PROJECTION_LAG_SECONDS,
    PROJECTION_LAST_APPLIED,
    REBUILD_DOCUMENTS,
    REBUILD_PROGRESS,
)
from workers.routing import REACTIONS, run_projectors, subscribers
from write.billing.checkout import retry_pending
from write.db import create_sessionmaker
from write.events import Event, EventEnvelope, UnknownEvent
from write.outbox import UnitOfWork

log = logging.getLogger("edu.worker")
Context = dict[str, Any]


def stores_of(ctx: Context) -> Stores:
    """The stores the worker built at start-up (tests may hand in just an engine and Redis)."""
    stores: Stores | None = ctx.get("stores")
    return stores or Stores(ctx["engine"], ctx["redis"], ctx.get("search"))


def _decode(body: dict[str, Any]) -> tuple[EventEnvelope, Event]:
    envelope = EventEnvelope.model_validate(body)
    return envelope, envelope.event()


async def _guarded(ctx: Context, job: str, body: dict[str, Any],
                   work: Callable[[EventEnvelope, Event], Awaitable[str]]) -> str:
    """Runs a job: poison → dead letter at once; other failures retry, then dead letter."""
    settings: Settings = ctx["settings"]
    started = time.perf_counter()
    try:
        try:
            envelope, event = _decode(body)
        except (ValidationError, UnknownEvent) as exc:
            await dead_letters.park(ctx["redis"], job=job, body=body, error=f"poison: {exc}",
                                    tries=ctx["job_try"])
            _count_dead_letter(job)
            return "dead-lettered"
        try:
            # Our deadline fires before arq's: arq neither retries nor reports a job it times out.
            async with asyncio.timeout(settings.projection_job_timeout_seconds):
                outcome = await work(envelope, event)
        except Exception as exc:
            if ctx["job_try"] >= settings.projection_max_tries:
                log.exception("%s %s failed for good, dead-lettered", job, envelope.seq)
                await dead_letters.park(ctx["redis"], job=job, body=body, error=repr(exc),
                                        tries=ctx["job_try"])
                _count_dead_letter(job)
                return "dead-lettered"
            JOBS.labels(job, "retry").inc()
            JOB_RETRIES.labels(job).inc()
            log.warning("%s %s failed (try %s), retrying: %r", job, envelope.seq,
                        ctx["job_try"], exc)
            raise Retry(defer=retry_delay(exc, ctx["job_try"])) from exc
        JOBS.labels(job, "ok").inc()
        return outcome
    except asyncio.CancelledError:
        # arq's own timeout or the worker stopping: counted, since arq does not retry a job its
        # timeout cancelled (our deadline above exists so that this does not happen).
        JOBS.labels(job, "cancelled").inc()
        raise
    finally:
        JOB_DURATION.labels(job).observe(time.perf_counter() - started)


def retry_delay(exc: BaseException, job_try: int) -> float:
    """Seconds before the next try. A dependency that is down (Postgres or Redis restarting, the
    search index unreachable) gets a longer backoff, 2 + 4 + 8 + 16 s before the last try, so an
    outage of half a minute does not use up the tries meant for a bug (ADR 0019)."""
    if dependency_unreachable(exc):
        return min(2.0 ** job_try, 16.0)
    return min(0.2 * 2.0 ** job_try, 10.0)


def _count_dead_letter(job: str) -> None:
    JOBS.labels(job, "dead_letter").inc()
    DEAD_LETTERED.inc()


async def project_event(ctx: Context, body: dict[str, Any]) -> str:
    """Applies one event to every subscribed projection, then marks it applied."""

    async def work(envelope: EventEnvelope, event: Event) -> str:
        if await ctx["redis"].exists(applied_key(envelope.event_id)):
            # Projected after its commit already (by the reaction that recorded it, or by an
            # earlier delivery): the state-based projections have nothing newer to write.
            return "already applied"
        names = await run_projectors(event, stores_of(ctx))
        if envelope.type in REACTIONS:
            # react_to_event marks those applied once it has acted; it need not project the
            # event again if this job got there first.
            await ctx["redis"].set(_projected_key(envelope.event_id), 1, ex=APPLIED_TTL_SECONDS)
        else:
            await _mark_applied(ctx["redis"], envelope, names)
        return ",".join(names) or "no projection"

    return await _guarded(ctx, PROJECT_JOB, body, work)


async def react_to_event(ctx: Context, body: dict[str, Any]) -> str:
    """Runs each command-side reaction to one event, each in its own transaction (idempotent),
    then marks the event applied."""

    async def work(envelope: EventEnvelope, event: Event) -> str:
        reactions = REACTIONS[envelope.type]
        sessions = create_sessionmaker(ctx["engine"])
        derived: list[tuple[uuid.UUID, Event]] = []
        for reaction in reactions:
            async with sessions() as session:
                uow = UnitOfWork(session)
                await reaction(uow, event)
                await uow.commit()
                derived += zip(uow.recorded_ids, uow.recorded, strict=True)
        # Read-your-writes through a reaction: a sender's token names the event that started it
        # (a payment), and counts it applied only once what the reactions did (an enrollment) is
        # projected too. The events the reactions recorded are marked applied as well, so their
        # own project_event jobs find nothing left to do.
        stores = stores_of(ctx)
        if await ctx["redis"].exists(_projected_key(envelope.event_id)):
            names = subscribers(event)  # its projection job projected it after its commit
        else:
            names = await run_projectors(event, stores)
        for derived_id, derived_event in derived:
            await _mark_derived(ctx["redis"], derived_id, await run_projectors(derived_event,
                                                                               stores),
                                since=envelope.occurred_at.timestamp())
        await _mark_applied(ctx["redis"], envelope, names)
        return ",".join(reaction.__name__ for reaction in reactions)

    return await _guarded(ctx, REACT_JOB, body, work)


def _projected_key(event_id: uuid.UUID) -> str:
    """Set once the projection job has projected an event that a reaction job marks applied."""
    return f"{PROJECTED_PREFIX}{event_id.hex}"


async def _mark_derived(redis: Redis, event_id: uuid.UUID, names: list[str], *,
                        since: float) -> None:
    """Marks an event a reaction recorded as applied; its delay counts from the event that
    caused it (the command a person is waiting on)."""
    await redis.set(applied_key(event_id), 1, ex=APPLIED_TTL_SECONDS)
    now = time.time()
    delay = max(now - since, 0.0)
    for name in names:
        PROJECTION_LAG_SECONDS.labels(name).observe(delay)
        PROJECTION_LAST_APPLIED.labels(name).set(now)


async def _mark_applied(redis: Redis, envelope: EventEnvelope, names: list[str]) -> None:
    now = time.time()
    lag = max(now - envelope.occurred_at.timestamp(), 0.0)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(applied_key(envelope.event_id), 1, ex=APPLIED_TTL_SECONDS)
        if names:  # so status lists them even after the keys were flushed
            pipe.sadd(PROJECTION_NAMES_KEY, *names)
        for name in names:
            pipe.hset(PROJECTION_STATUS_PREFIX + name, mapping={
                "last_seq": envelope.seq, "last_type": envelope.type,
                "last_occurred_at": envelope.occurred_at.timestamp(), "last_applied_at": now,
                "last_lag_seconds": round(lag, 4),
            })
            pipe.hincrby(PROJECTION_STATUS_PREFIX + name, "applied_total", 1)
        await pipe.execute()
    for name in names:
        PROJECTION_LAG.labels(name).set(lag)
        PROJECTION_LAG_SECONDS.labels(name).observe(lag)
        PROJECTION_LAST_APPLIED.labels(name).set(now)


async def send_email(ctx: Context, body: dict[str, Any]) -> str:
    """Sends the mail an event asks for, at most once per event unless sending fails."""

    async def work(envelope: EventEnvelope, event: Event) -> str:
        redis: Redis = ctx["redis"]
        sent_key = f"{EMAIL_SENT_PREFIX}{envelope.event_id.hex}"
        if not await redis.set(sent_key, 1, nx=True, ex=7 * 24 * 3600):
            return "already sent"
        try:
            message = await mail.message_for(event, ctx["settings"], ctx["engine"])
            where = await mail.deliver(message, ctx["settings"])
        except BaseException:
            await redis.delete(sent_key)
            raise
        return where

    return await _guarded(ctx, EMAIL_JOB, body, work)


async def rebuild_projection(ctx: Context, name: str, grace_seconds: float = 5.0) -> str:
    """Starts a rebuild of one projection (or all) on an operator's request from the ops API.

    The rebuild runs as a task of this worker, not inside the job: arq keeps every job's
    in-progress marker for the longest job timeout of the worker, so a rebuild-sized timeout
    (an hour) would leave a killed worker's projection jobs untouched for an hour. Progress is
    published as the rebuild goes (`edu:proj:rebuild:<name>`, the rebuild metrics); a worker that
    stops cancels it, which abandons the new generation; the operator starts it again.
    `grace_seconds`: how long each replaced generation stays readable (the relay's rebuild after
    a Redis wipe replaces next to nothing, and waits less).
    """
    from workers.routing import PROJECTIONS

    names = [n for n in (list(PROJECTIONS) if name == "all" else [name]) if n in PROJECTIONS]
    running: set[asyncio.Task[None]] = ctx.setdefault("rebuilds", set())
    task = asyncio.create_task(_rebuild(ctx, names, grace_seconds), name=f"rebuild {name}")
    running.add(task)
    task.add_done_callback(running.discard)
    return f"started: {', '.join(names)}"


async def _rebuild(ctx: Context, names: list[str], grace_seconds: float) -> None:
    from projectors.rebuild import rebuild
    from workers.routing import PROJECTIONS

    for projection in names:
        REBUILD_PROGRESS.labels(projection).set(0)
        try:
            result = await rebuild(PROJECTIONS[projection], stores_of(ctx),
                                   progress=_rebuild_metrics(projection),
                                   grace_seconds=grace_seconds)
        except Exception:  # not a cancellation: that stops the task
            log.exception("rebuild of %s failed", projection)
            continue
        REBUILD_PROGRESS.labels(projection).set(1)
        log.info("rebuilt %s: %d documents in %.1fs", result.projection, result.documents,
                 result.seconds)


async def stop_rebuilds(ctx: Context) -> None:
    """Cancels the rebuilds this worker runs (each abandons its new generation) and waits."""
    running: set[asyncio.Task[None]] = ctx.get("rebuilds", set())
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


def _rebuild_metrics(projection: str) -> Callable[[int, int], None]:
    """A rebuild progress callback (documents done of total) that feeds the rebuild metrics."""
    ratio, documents = REBUILD_PROGRESS.labels(projection), REBUILD_DOCUMENTS.labels(projection)
    counted = 0

    def report(done: int, total: int) -> None:
        nonlocal counted
        documents.inc(done - counted)
        counted = done
        ratio.set(done / max(total, done, 1))

    return report


async def retry_pending_payments(ctx: Context) -> str:
    """Asks the provider again about payments still pending (cron): an answer lost to a timeout,
    or a write API that died between committing the payment and calling the provider."""
    settings: Settings = ctx["settings"]
    answered = await retry_pending(
        create_sessionmaker(ctx["engine"]), ctx["payment_provider"],
        timeout=settings.payment_provider_timeout_seconds,
        older_than=timedelta(seconds=settings.payment_retry_after_seconds))
    return f"{answered} answered"
