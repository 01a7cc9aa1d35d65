"""A rebuild that fails part-way leaves the serving read models as they were and nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from projectors.base import Stores, Targets
from projectors.catalog import CoursesProjection, SearchProjection
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.documents import DocumentSpace
from read.stores.ops import REBUILD_STATUS_PREFIX
from tools.seed import bulk_seed


class FailsAfterFirstBatches(CoursesProjection):
    """The courses projection, until its third batch: then the database goes away."""

    def __init__(self) -> None:
        self.batches = 0

    async def write_scanned(self, stores: Stores, ids: Sequence[uuid.UUID],
                            targets: Targets) -> None:
        self.batches += 1
        if self.batches == 3:
            raise ConnectionError("the write database went away")
        await super().write_scanned(stores, ids, targets)


async def test_a_failed_rebuild_is_abandoned_and_the_old_read_models_keep_serving(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await bulk_seed(settings, teachers=2, courses=40, modules_per_course=1,
                       lessons_per_module=2, categories=2, random_seed=3, show_progress=False)
    search = await create_search_index(settings)
    try:
        stores = Stores(engine, redis, search)
        await rebuild(CoursesProjection(), stores, batch_size=10, grace_seconds=0)
        pages = DocumentSpace(redis, "courses")
        serving = await pages.current_generation()
        keys_before = len(await redis.keys(pages.key(serving, "*")))

        with pytest.raises(ConnectionError):
            await rebuild(FailsAfterFirstBatches(), stores, batch_size=10, concurrency=1,
                          grace_seconds=0)

        assert await pages.current_generation() == serving
        assert await redis.get(pages.building_key) is None
        assert await redis.keys(pages.key(serving + 1, "*")) == []
        assert len(await redis.keys(pages.key(serving, "*"))) == keys_before
        assert not await search.rebuilding()
        status = await redis.hgetall(REBUILD_STATUS_PREFIX + "courses")  # type: ignore[misc]
        assert status[b"state"] == b"failed"
        assert await verify(CoursesProjection(), stores) == {}
        # The next rebuild is not blocked by the failed one.
        result = await rebuild(CoursesProjection(), stores, batch_size=10, grace_seconds=0)
        assert result.documents == 40
    finally:
        await search.close()


class SearchFailsAfterFirstBatches(SearchProjection):
    """The search projection, until its third batch: then the search database goes away."""

    def __init__(self) -> None:
        self.batches = 0

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        self.batches += 1
        if self.batches == 3:
            raise ConnectionError("the search database went away")
        await super().write(stores, ids, targets)


async def test_a_failed_search_rebuild_drops_its_next_index_and_the_live_one_keeps_serving(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await bulk_seed(settings, teachers=2, courses=40, modules_per_course=1,
                    lessons_per_module=2, categories=2, random_seed=3, show_progress=False)
    search = await create_search_index(settings)
    try:
        stores = Stores(engine, redis, search)
        await rebuild(SearchProjection(), stores, batch_size=10, grace_seconds=0)
        listed = await search.count()
        assert listed > 0

        with pytest.raises(ConnectionError):
            await rebuild(SearchFailsAfterFirstBatches(), stores, batch_size=10, concurrency=1,
                          grace_seconds=0)

        assert not await search.rebuilding()
        assert await search.count() == listed
        status = await redis.hgetall(REBUILD_STATUS_PREFIX + "search")  # type: ignore[misc]
        assert status[b"state"] == b"failed"
        assert await verify(SearchProjection(), stores) == {}
    finally:
        await search.close()
