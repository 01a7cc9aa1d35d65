"""Applying one event to a projection while the platform runs (and while a rebuild runs)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from common.errors import Unavailable
from projectors.base import FansOut, Projection, SearchTarget, Stores, Targets
from read.stores.documents import DocumentSpace
from write.events import Event

LOCK_TTL_MS = 30_000
FAN_OUT_BATCH = 500
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@asynccontextmanager
async def aggregate_lock(stores: Stores, projection: str, ids: Sequence[uuid.UUID],
                         *, wait_seconds: float = 10.0) -> AsyncIterator[None]:
    """Serializes projections of one aggregate across workers.

    The Redis documents are safe without it (versioned compare-and-set), but a search engine
    without conditional writes (Meilisearch) would keep whichever write arrived last.
    """
    token = uuid.uuid4().hex
    keys = [f"edu:lock:{projection}:{i}" for i in sorted(ids)]
    held: list[str] = []
    deadline = asyncio.get_running_loop().time() + wait_seconds
    release = stores.redis.register_script(_RELEASE)
    try:
        for key in keys:
            while not await stores.redis.set(key, token, nx=True, px=LOCK_TTL_MS):
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{key} stayed locked for {wait_seconds}s")
                await asyncio.sleep(0.01)
            held.append(key)
        yield
    finally:
        for key in held:
            await release(keys=[key], args=[token])


async def live_targets(projection: Projection, stores: Stores) -> Targets:
    """The serving generation of each space, plus the one a rebuild is filling."""
    generations = {space: await DocumentSpace(stores.redis, space).write_generations()
                   for space in projection.spaces}
    search: list[SearchTarget] = []
    if projection.uses_search and stores.search is not None:
        try:
            rebuilding = await stores.search.rebuilding()
        except Unavailable:
            rebuilding = False  # the Redis read models must not wait for search to come back
        # "next" first: if the rebuild switches between the two writes, the document is already
        # in the index that just went live, and the write to "live" lands there too.
        search = ["next", "live"] if rebuilding else ["live"]
    return Targets(generations, search)


async def apply_live(projection: Projection, event: Event, stores: Stores) -> None:
    """Re-reads the aggregates the event touched and writes their newest state everywhere."""
    if isinstance(projection, FansOut) and projection.fans_out(event):
        targets = await live_targets(projection, stores)
        async for batch in projection.affected_ids(stores.engine, event, FAN_OUT_BATCH):
            await projection.write(stores, batch, targets)
        return
    ids = projection.ids_of(event)
    if projection.uses_search:
        async with aggregate_lock(stores, projection.name, ids):
            await projection.write(stores, ids, await live_targets(projection, stores))
    else:
        await projection.write(stores, ids, await live_targets(projection, stores))
