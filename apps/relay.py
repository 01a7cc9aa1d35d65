"""Composition root of the outbox relay."""

from __future__ import annotations

import asyncio
import signal

from sqlalchemy import text

from apps.resources import create_queue
from common.probe import ProbeServer
from common.settings import Settings
from workers.relay import OutboxRelay
from write.db import create_engine


async def run_relay(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs until SIGINT/SIGTERM (or `stop`), then closes its connections."""
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    engine = create_engine(settings, pool_size=2)
    queue = await create_queue(settings)
    relay = OutboxRelay(engine, queue, settings)

    async def postgres() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def redis() -> None:
        await queue.ping()

    probe = ProbeServer(settings.probe_host, settings.relay_probe_port,
                        {"postgres": postgres, "redis": redis})
    if settings.relay_probe_port:
        await probe.start()
    try:
        await relay.run(stop)
    finally:
        await probe.stop()
        await queue.aclose()
        await engine.dispose()
