"""Composition root of the arq worker: projections, reactions, mail, pending payments."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq import cron, func
from arq.worker import Worker
from redis.exceptions import RedisError
from sqlalchemy import text

from apps.resources import arq_settings, create_redis
from common.probe import ProbeServer
from common.settings import Settings
from projectors.base import Stores
from read.search.port import create_search_index
from read.stores.ops import projection_statuses, register_projections
from workers.constants import EMAIL_JOB, PROJECT_JOB, REACT_JOB, REBUILD_JOB, RETRY_PAYMENTS_JOB
from workers.dead_letters import all_letter_ids
from workers.jobs import (
    project_event,
    react_to_event,
    rebuild_projection,
    retry_pending_payments,
    send_email,
    stop_rebuilds,
)
from workers.metrics import DEAD_LETTERS, PROJECTION_LAST_APPLIED
from workers.routing import PROJECTIONS
from write.billing.provider import create_provider
from write.db import create_engine

log = logging.getLogger("edu.worker")
# How long the worker waits before polling again after the queue could not be reached.
QUEUE_RETRY_SECONDS = 1.0


class ResilientWorker(Worker):
    """arq's poll loop ends the worker on the first Redis error (a restart of Redis, a network
    blip); this one logs, waits and polls again, so the worker rides out a Redis restart. Jobs
    lost with an emptied Redis are the relay's to recover (ADR 0018). arq is pinned, so
    overriding its one poll step is safe."""

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisError, OSError) as exc:
            log.warning("queue unreachable, polling again in %.0f s: %r", QUEUE_RETRY_SECONDS,
                        exc)
            await asyncio.sleep(QUEUE_RETRY_SECONDS)


def build_worker(settings: Settings, *, burst: bool = False) -> ResilientWorker:
    # arq gives up on its own after max_tries; leave headroom above our dead-letter threshold
    # so a job whose earlier tries died with a killed worker still reaches the dead-letter store.
    arq_tries = settings.projection_max_tries + 3
    timeout = settings.projection_job_timeout_seconds + 5  # the job's own deadline comes first

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["engine"] = create_engine(settings, pool_size=5)
        ctx["redis"] = create_redis(settings)
        ctx["search"] = await create_search_index(settings)
        await ctx["search"].ensure()
        ctx["stores"] = Stores(ctx["engine"], ctx["redis"], ctx["search"])
        ctx["payment_provider"] = create_provider(settings)
        await register_projections(ctx["redis"], list(PROJECTIONS))
        DEAD_LETTERS.set(len(await all_letter_ids(ctx["redis"])))
        # From where the last worker left off, so a restart does not look like a stall.
        for status in await projection_statuses(ctx["redis"], settings.arq_queue_name,
                                                dead_letter_prefix=f"{PROJECT_JOB}:"):
            if status.last_applied_at is not None:
                PROJECTION_LAST_APPLIED.labels(status.name).set(status.last_applied_at)

        async def postgres() -> None:
            async with ctx["engine"].connect() as conn:
                await conn.execute(text("SELECT 1"))

        async def redis() -> None:
            await ctx["redis"].ping()

        if settings.worker_probe_port and not burst:
            ctx["probe"] = ProbeServer(settings.probe_host, settings.worker_probe_port,
                                       {"postgres": postgres, "redis": redis})
            await ctx["probe"].start()

    async def shutdown(ctx: dict[str, Any]) -> None:
        await stop_rebuilds(ctx)
        if "probe" in ctx:
            await ctx["probe"].stop()
        await ctx["search"].close()
        await ctx["engine"].dispose()
        await ctx["redis"].aclose()

    return ResilientWorker(
        functions=[
            func(project_event, name=PROJECT_JOB, max_tries=arq_tries, timeout=timeout),
            func(send_email, name=EMAIL_JOB, max_tries=arq_tries, timeout=timeout),
            func(react_to_event, name=REACT_JOB, max_tries=arq_tries, timeout=timeout),
            # Starts a rebuild task and returns: every job keeps the short timeout, so arq's
            # in-progress markers (kept for the longest timeout) expire soon after a crash. A
            # rebuild runs once; an operator starts it again if it fails.
            func(rebuild_projection, name=REBUILD_JOB, max_tries=1, timeout=timeout),
        ],
        # The same short timeout: arq keeps a killed worker's in-progress markers for the longest
        # timeout of any function, the cron's included. Payments not asked about when it runs
        # out are asked 15 s later (each answer is committed on its own).
        cron_jobs=[cron(retry_pending_payments, name=RETRY_PAYMENTS_JOB, second={0, 15, 30, 45},
                        timeout=timeout, unique=True)],
        queue_name=settings.arq_queue_name,
        redis_settings=arq_settings(settings),
        on_startup=startup,
        on_shutdown=shutdown,
        burst=burst,
        max_jobs=20,
        keep_result=3600,
        handle_signals=not burst,
        poll_delay=0.05,
    )
