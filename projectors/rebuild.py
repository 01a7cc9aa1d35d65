"""Rebuild a projection without downtime, and verify one against the write model.

Rebuild: open a new Redis generation per document space (and a "next" search index); from then
on live events are written to both old and new; stream every aggregate from the write model
into the new one in batches; switch atomically; drop the old generation after a grace period.
Because the new generation is opened before the scan starts, an event committed after the scan
read an aggregate is applied to the new generation by the live projector (see ADR 0005).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from common.errors import Conflict
from projectors.base import Projection, Stores, Targets, WritesScans
from read.stores.documents import DocumentSpace
from read.stores.live import OPS_AUDIENCE, LiveEvent, publish
from read.stores.ops import PROJECTION_NAMES_KEY, REBUILD_STATUS_PREFIX

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RebuildResult:
    projection: str
    documents: int
    seconds: float  # from the start to the switch (the old generation is dropped after that)
    generations: dict[str, int]


async def publish_progress(stores: Stores, name: str, *, state: str, done: int, total: int,
                           started: float) -> None:
    elapsed = max(time.time() - started, 1e-6)
    status: dict[str, str | int | float] = {
        "state": state, "done": done, "total": total, "started_at": started,
        "updated_at": time.time(), "rate_per_second": round(done / elapsed, 1)}
    async with stores.redis.pipeline(transaction=False) as pipe:
        pipe.hset(REBUILD_STATUS_PREFIX + name, mapping=status)
        pipe.sadd(PROJECTION_NAMES_KEY, name)  # listed by `status` even after a flush
        await pipe.execute()
    # The admins' projection panels draw the progress as it goes (strings, like the hash).
    await publish(stores.redis, [LiveEvent(OPS_AUDIENCE, "projection", {
        "projection": name, "rebuild": {key: str(value) for key, value in status.items()}})])


async def _write_all(projection: Projection, stores: Stores, targets: Targets, *,
                     batch_size: int, concurrency: int,
                     on_batch: Callable[[int], Awaitable[None]]) -> None:
    """Streams every aggregate into the targets, a bounded number of batches at a time.

    Batches touch disjoint aggregates, so a few run at once: while one waits for Redis or the
    search database, another builds documents. Bounded, so memory stays flat.
    """
    in_flight: set[asyncio.Task[None]] = set()
    write = projection.write_scanned if isinstance(projection, WritesScans) else projection.write

    async def write_batch(ids: list[uuid.UUID]) -> None:
        await write(stores, ids, targets)
        await on_batch(len(ids))

    try:
        async for ids in projection.stream_ids(stores.engine, batch_size):
            if len(in_flight) >= concurrency:
                finished, in_flight = await asyncio.wait(in_flight,
                                                         return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()
            in_flight.add(asyncio.create_task(write_batch(ids)))
        await asyncio.gather(*in_flight)
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)


async def rebuild(projection: Projection, stores: Stores, *, batch_size: int = 500,
                  progress: Progress | None = None, grace_seconds: float = 5.0,
                  concurrency: int = 3) -> RebuildResult:
    """Rebuilds into fresh stores while the old ones serve, then switches atomically."""
    lock = f"{REBUILD_STATUS_PREFIX}{projection.name}:lock"
    if not await stores.redis.set(lock, 1, nx=True, ex=6 * 3600):
        raise Conflict(f"a rebuild of {projection.name} is already running",
                       code="rebuild_running")
    try:
        return await _rebuild(projection, stores, batch_size=batch_size, progress=progress,
                              grace_seconds=grace_seconds, concurrency=concurrency)
    finally:
        await stores.redis.delete(lock)


async def _rebuild(projection: Projection, stores: Stores, *, batch_size: int,
                   progress: Progress | None, grace_seconds: float, concurrency: int
                   ) -> RebuildResult:
    started = time.time()
    total = await projection.count(stores.engine)
    spaces = {name: DocumentSpace(stores.redis, name) for name in projection.spaces}
    generations = {name: await space.start_generation() for name, space in spaces.items()}
    search = stores.search if projection.uses_search else None
    if search is not None:
        await search.start_rebuild()
    targets = Targets({name: [gen] for name, gen in generations.items()},
                      ["next"] if search is not None else [], announce=False)
    done = 0

    async def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)
        await publish_progress(stores, projection.name, state="running", done=done,
                               total=max(total, done), started=started)

    await publish_progress(stores, projection.name, state="running", done=0, total=total,
                           started=started)
    try:
        await _write_all(projection, stores, targets, batch_size=batch_size,
                         concurrency=concurrency, on_batch=advance)
        if search is not None:
            await search.finish_rebuild()
        previous = {name: await space.switch_to(generations[name]) for name, space in spaces.items()}
        switched = time.time()
    except BaseException:
        for name, space in spaces.items():
            await space.abandon_generation(generations[name])
        if search is not None:
            # Otherwise live jobs would keep writing a "next" index nothing will ever switch to.
            await search.abandon_rebuild()
        await publish_progress(stores, projection.name, state="failed", done=done, total=total,
                               started=started)
        raise
    await publish_progress(stores, projection.name, state="done", done=done,
                           total=max(total, done), started=started)
    # Readers that looked up the old generation a moment ago may still be reading it.
    await asyncio.sleep(grace_seconds)
    for name, space in spaces.items():
        if previous[name] != generations[name]:
            await space.drop_generation(previous[name])
    return RebuildResult(projection.name, done, switched - started, generations)


async def verify(projection: Projection, stores: Stores, *, sample: int | None = None,
                 batch_size: int = 500) -> dict[str, str]:
    """Recomputes documents (all, or `sample` aggregates drawn at random) and reports drift by id."""
    differences: dict[str, str] = {}
    if sample is not None:
        ids = await projection.sample_ids(stores.engine, sample)
        for start in range(0, len(ids), batch_size):
            differences |= await projection.drift(stores, ids[start:start + batch_size])
        return differences
    async for batch in projection.stream_ids(stores.engine, batch_size):
        differences |= await projection.drift(stores, batch)
    return differences
