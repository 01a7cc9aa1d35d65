"""A rebuild that fails part-way leaves the serving read models as they were and nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from projectors.base import Projection, Stores, Targets
from projectors.catalog import CoursesProjection, SearchProjection
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.documents import DocumentSpace
from read.stores.ops import REBUILD_STATUS_PREFIX
from tools.seed import bulk_seed


class DiesOnThirdBatch:
    """Counts the batches a rebuild writes; on the third, a store goes away."""

    batches = 0

    def next_batch(self) -> None:
        self.batches += 1
        if self.batches == 3:
            raise ConnectionError("the store went away")


class CoursesDieOnThirdBatch(DiesOnThirdBatch, CoursesProjection):
    async def write_scanned(self, stores: Stores, ids: Sequence[uuid.UUID],
                            targets: Targets) -> None:
        self.next_batch()
        await super().write_scanned(stores, ids, targets)


class SearchDiesOnThirdBatch(DiesOnThirdBatch, SearchProjection):
    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        self.next_batch()
        await super().write(stores, ids, targets)


@pytest.fixture
async def stores(settings: Settings, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Stores]:
    """Forty seeded courses, and every store."""
    await bulk_seed(settings, teachers=2, courses=40, modules_per_course=1,
                    lessons_per_module=2, categories=2, random_seed=3, show_progress=False)
    search = await create_search_index(settings)
    yield Stores(engine, redis, search)
    await search.close()


async def dying_rebuild(projection: Projection, stores: Stores) -> bytes:
    """Runs a rebuild that must fail; returns the state it left in its status."""
    with pytest.raises(ConnectionError):
        await rebuild(projection, stores, batch_size=10, concurrency=1, grace_seconds=0)
    status = await stores.redis.hgetall(  # type: ignore[misc]
        REBUILD_STATUS_PREFIX + projection.name)
    state: bytes = status[b"state"]
    return state


async def test_a_failed_rebuild_is_abandoned_and_the_old_read_models_keep_serving(
    stores: Stores, redis: Redis
) -> None:
    await rebuild(CoursesProjection(), stores, batch_size=10, grace_seconds=0)
    pages = DocumentSpace(redis, "courses")
    serving = await pages.current_generation()
    keys_before = len(await redis.keys(pages.key(serving, "*")))

    assert await dying_rebuild(CoursesDieOnThirdBatch(), stores) == b"failed"

    assert await pages.current_generation() == serving
    assert await redis.get(pages.building_key) is None
    assert await redis.keys(pages.key(serving + 1, "*")) == []
    assert len(await redis.keys(pages.key(serving, "*"))) == keys_before
    assert await verify(CoursesProjection(), stores) == {}
    # The next rebuild is not blocked by the failed one.
    result = await rebuild(CoursesProjection(), stores, batch_size=10, grace_seconds=0)
    assert result.documents == 40


async def test_a_failed_search_rebuild_drops_its_next_index_and_the_live_one_keeps_serving(
    stores: Stores
) -> None:
    assert stores.search is not None
    await rebuild(SearchProjection(), stores, batch_size=10, grace_seconds=0)
    listed = await stores.search.count()
    assert listed > 0

    assert await dying_rebuild(SearchDiesOnThirdBatch(), stores) == b"failed"

    assert not await stores.search.rebuilding()
    assert await stores.search.count() == listed
    assert await verify(SearchProjection(), stores) == {}
