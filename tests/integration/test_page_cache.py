"""Course pages kept in the read API's memory, against real Redis: kept while nothing changes,
dropped the moment a projector writes the page (or a category, or switches a generation), never
used while the announcements cannot be heard, and never for a reader who expects their change."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from redis.asyncio import Redis

from read.stores.catalog import CATEGORIES, COURSES, CatalogReadStore
from read.stores.documents import DocumentSpace, encode
from read.stores.page_cache import CoursePageCache

COURSE = uuid.UUID(int=7)
CATEGORY = uuid.UUID(int=8)


def page(title: str, *, status: str = "published") -> dict[str, Any]:
    return {"id": str(COURSE), "title": title, "status": status, "teacher_id": str(uuid.UUID(int=9)),
            "category_id": str(CATEGORY), "version": 1}


class CountingCatalog(CatalogReadStore):
    """The real catalog store, counting the pages it reads from Redis."""

    reads = 0

    async def course_page(self, course_id: uuid.UUID) -> dict[str, Any] | None:
        self.reads += 1
        return await super().course_page(course_id)


async def write_page(redis: Redis, version: int, doc: dict[str, Any],
                     cache: CoursePageCache | None = None) -> None:
    """What the projector does: a versioned write, announced by the script (and, given the
    cache, heard by it)."""
    heard = cache.announcements if cache else 0
    await DocumentSpace(redis, COURSES).upsert_many(1, [(str(COURSE), version, encode(doc), [])])
    if cache is not None:
        assert await eventually(lambda: _true(cache.announcements > heard))


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.fixture
async def kept(redis: Redis) -> AsyncIterator[tuple[CoursePageCache, CountingCatalog]]:
    catalog = CountingCatalog(redis)
    cache = CoursePageCache(redis, catalog, seconds=60, entries=100)
    listening = asyncio.create_task(cache.listen())
    assert await eventually(lambda: _true(cache.listening))
    yield cache, catalog
    listening.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await listening


async def _true(value: bool) -> bool:
    return value


async def title(cache: CoursePageCache, *, fresh: bool = False) -> str:
    kept = await cache.page(COURSE, fresh=fresh)
    assert kept is not None
    return str(orjson.loads(kept.body)["title"])


async def test_a_page_is_kept_until_the_projector_writes_it_again(
        redis: Redis, kept: tuple[CoursePageCache, CountingCatalog]) -> None:
    cache, catalog = kept
    await write_page(redis, 1, page("First"), cache)
    assert await title(cache) == "First"
    assert await title(cache) == "First"
    assert catalog.reads == 1
    # Changed behind the projector's back (no announcement): the kept page still answers.
    space = DocumentSpace(redis, COURSES)
    await redis.set(space.key(1, f"doc:{COURSE}"),
                    '{"v":2,"idx":[],"doc":' + encode(page("Unannounced")) + "}")
    assert await title(cache) == "First"
    # Written by the projector: announced, dropped, read again.
    await write_page(redis, 3, page("Second"))
    assert await eventually(lambda: _equals(title(cache), "Second"))
    # A reader who sent a consistency token reads Redis whatever is kept.
    reads = catalog.reads
    assert await title(cache, fresh=True) == "Second"
    assert catalog.reads == reads + 1


async def test_a_category_change_or_a_generation_switch_drops_every_page(
        redis: Redis, kept: tuple[CoursePageCache, CountingCatalog]) -> None:
    cache, catalog = kept
    await write_page(redis, 1, page("First"), cache)
    await title(cache)
    categories = DocumentSpace(redis, CATEGORIES)
    await categories.upsert_many(1, [(str(CATEGORY), 1, encode(
        {"id": str(CATEGORY), "name": "Renamed", "slug": "renamed", "version": 1}), [])])
    assert await eventually(lambda: _equals(_category_name(cache), "Renamed"))
    reads = catalog.reads
    await title(cache)
    assert catalog.reads == reads  # kept again
    await DocumentSpace(redis, COURSES).switch_to(1)
    assert await eventually(lambda: _read_again(cache, catalog, reads))


async def test_a_rebuild_scan_keeps_pages_until_its_switch(
        redis: Redis, kept: tuple[CoursePageCache, CountingCatalog]) -> None:
    cache, catalog = kept
    await write_page(redis, 1, page("Served"), cache)
    assert await title(cache) == "Served"
    reads, heard = catalog.reads, cache.announcements
    # A rebuild fills generation 2 unannounced: nobody reads it, so nothing kept is dropped.
    space = DocumentSpace(redis, COURSES)
    await space.upsert_many(2, [(str(COURSE), 1, encode(page("Rebuilt")), [])], announce=False)
    assert await title(cache) == "Served"
    assert (catalog.reads, cache.announcements) == (reads, heard)
    # Its switch announces everything at once.
    await space.switch_to(2)
    assert await eventually(lambda: _equals(title(cache), "Rebuilt"))


async def test_nothing_is_kept_while_the_announcements_cannot_be_heard(
        redis: Redis, kept: tuple[CoursePageCache, CountingCatalog]) -> None:
    cache, catalog = kept
    await write_page(redis, 1, page("First"), cache)
    await title(cache)
    await redis.client_kill_filter(_type="pubsub")
    assert await eventually(lambda: _true(not cache.listening))
    # Until it has subscribed again, every read goes to Redis (and an unheard change shows).
    await write_page(redis, 2, page("During the break"))
    assert await title(cache) == "During the break"
    assert await eventually(lambda: _true(cache.listening))
    assert await title(cache) == "During the break"
    reads = catalog.reads
    assert await title(cache) == "During the break"
    assert catalog.reads == reads


async def test_a_page_read_while_it_changed_is_not_kept(redis: Redis) -> None:
    class Racing(CountingCatalog):
        """Reads the page, then the projector writes a newer one before the read returns."""

        async def course_page(self, course_id: uuid.UUID) -> dict[str, Any] | None:
            read = await super().course_page(course_id)
            if self.reads == 1:
                await write_page(redis, 2, page("Newer"), cache)
            return read

    catalog = Racing(redis)
    cache = CoursePageCache(redis, catalog, seconds=60, entries=100)
    listening = asyncio.create_task(cache.listen())
    try:
        assert await eventually(lambda: _true(cache.listening))
        await write_page(redis, 1, page("Older"), cache)
        assert await title(cache) == "Older"  # what the racing read saw ...
        assert await title(cache) == "Newer"  # ... was not kept
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening


async def test_a_draft_is_kept_with_what_deciding_who_sees_it_needs(
        redis: Redis, kept: tuple[CoursePageCache, CountingCatalog]) -> None:
    cache, _ = kept
    await write_page(redis, 1, page("Draft", status="draft"))
    kept_page = await cache.page(COURSE, fresh=False)
    assert kept_page is not None
    assert (kept_page.status, kept_page.teacher_id) == ("draft", str(uuid.UUID(int=9)))
    assert await cache.page(uuid.UUID(int=1), fresh=False) is None


async def _equals(value: Awaitable[str], expected: str) -> bool:
    return await value == expected


async def _category_name(cache: CoursePageCache) -> str:
    kept = await cache.page(COURSE, fresh=False)
    assert kept is not None
    category = orjson.loads(kept.body)["category"]
    return str(category["name"]) if category else ""


async def _read_again(cache: CoursePageCache, catalog: CountingCatalog, reads: int) -> bool:
    await title(cache)
    return catalog.reads > reads


async def test_a_write_returns_the_ids_it_wrote_and_announced(redis: Redis) -> None:
    space = DocumentSpace(redis, COURSES)
    assert await space.upsert_many(1, [(str(COURSE), 2, encode(page("New")), [])]) == {str(COURSE)}
    # The same or an older version is refused: nothing written, nothing to tell anyone.
    assert await space.upsert_many(1, [(str(COURSE), 2, encode(page("Again")), [])]) == set()
    assert await space.upsert_many(1, [(str(COURSE), 1, encode(page("Old")), [])]) == set()
    # A rebuild's scan writes but neither announces nor returns ids.
    assert await space.upsert_many(3, [(str(COURSE), 1, encode(page("Scan")), [])],
                                   announce=False) == set()
    assert [doc["title"] for doc in await space.get_many(3, [str(COURSE)])] == ["Scan"]
