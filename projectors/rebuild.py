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
from collections.abc import Callable
from dataclasses import dataclass

from projectors.base import Projection, Stores, Targets
from read.stores.documents import DocumentSpace
from read.stores.ops import REBUILD_STATUS_PREFIX

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RebuildResult:
    projection: str
    documents: int
    seconds: float
    generations: dict[str, int]


async def publish_progress(stores: Stores, name: str, *, state: str, done: int, total: int,
                           started: float) -> None:
    elapsed = max(time.time() - started, 1e-6)
    await stores.redis.hset(REBUILD_STATUS_PREFIX + name, mapping={  # type: ignore[misc]
        "state": state, "done": done, "total": total, "started_at": started,
        "updated_at": time.time(), "rate_per_second": round(done / elapsed, 1)})


async def rebuild(projection: Projection, stores: Stores, *, batch_size: int = 500,
                  progress: Progress | None = None, grace_seconds: float = 5.0) -> RebuildResult:
    """Rebuilds into fresh stores while the old ones serve, then switches atomically."""
    started = time.time()
    total = await projection.count(stores.engine)
    spaces = {name: DocumentSpace(stores.redis, name) for name in projection.spaces}
    generations = {name: await space.start_generation() for name, space in spaces.items()}
    use_search = projection.uses_search and stores.search is not None
    if use_search:
        assert stores.search is not None
        await stores.search.start_rebuild()
    targets = Targets({name: [gen] for name, gen in generations.items()},
                      ["next"] if use_search else [])
    done = 0
    await publish_progress(stores, projection.name, state="running", done=0, total=total,
                           started=started)
    try:
        async for ids in projection.stream_ids(stores.engine, batch_size):
            await projection.write(stores, ids, targets)
            done += len(ids)
            if progress:
                progress(done, total)
            await publish_progress(stores, projection.name, state="running", done=done,
                                   total=max(total, done), started=started)
        if use_search:
            assert stores.search is not None
            await stores.search.finish_rebuild()
        previous = {name: await space.switch_to(generations[name]) for name, space in spaces.items()}
    except BaseException:
        for name, space in spaces.items():
            await space.abandon_generation(generations[name])
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
    return RebuildResult(projection.name, done, time.time() - started, generations)


async def verify(projection: Projection, stores: Stores, *, sample: int | None = None,
                 batch_size: int = 500) -> dict[str, str]:
    """Recomputes documents (all, or the first `sample` aggregates) and reports drift by id."""
    differences: dict[str, str] = {}
    checked = 0
    async for ids in projection.stream_ids(stores.engine, batch_size):
        if sample is not None:
            ids = ids[: max(sample - checked, 0)]
        differences |= await projection.drift(stores, ids)
        checked += len(ids)
        if sample is not None and checked >= sample:
            break
    return differences
