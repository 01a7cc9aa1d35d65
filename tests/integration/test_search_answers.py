"""Kept search answers against the real Postgres index and Redis: one index query for a crowd of
identical misses, answers still given when Redis is gone, nothing kept when turned off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.net import free_port
from common.settings import Settings
from read.search.cache import SearchAnswers
from read.search.documents import SearchQuery, SearchResult
from read.search.port import SearchIndex, create_search_index


@dataclass
class Counted:
    """The real index, counting the searches that reach it."""

    index: SearchIndex
    queries: list[SearchQuery] = field(default_factory=list)

    async def search(self, query: SearchQuery) -> SearchResult:
        self.queries.append(query)
        return await self.index.search(query)


@pytest.fixture
async def index(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Counted]:
    search = await create_search_index(settings)
    yield Counted(search)
    await search.close()


def answers(redis: Redis, index: Counted, seconds: float) -> SearchAnswers:
    return SearchAnswers(redis, index, seconds=seconds)  # type: ignore[arg-type]


async def test_identical_misses_share_one_index_query(redis: Redis, index: Counted) -> None:
    cache = answers(redis, index, 30)
    query = SearchQuery(q="python", limit=5)
    results = await asyncio.gather(*(cache.search(query) for _ in range(20)))
    assert len(index.queries) == 1
    assert all(result == results[0] for result in results)
    await cache.search(query)  # now kept in Redis
    assert len(index.queries) == 1
    await cache.search(query, fresh=True)
    assert len(index.queries) == 2
    await cache.search(SearchQuery(q="python", limit=6))  # another query, another answer
    assert len(index.queries) == 3


async def test_answers_expire_and_can_be_turned_off(redis: Redis, index: Counted) -> None:
    query = SearchQuery(q="go")
    short = answers(redis, index, 0.2)
    await short.search(query)
    await asyncio.sleep(0.4)
    await short.search(query)
    assert len(index.queries) == 2
    off = answers(redis, index, 0)
    other = SearchQuery(q="rust")
    await off.search(other)
    await off.search(other)
    assert len(index.queries) == 4
    assert not await redis.exists(off.key(other))


async def test_the_index_answers_when_redis_is_gone(index: Counted) -> None:
    gone = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    try:
        cache = answers(gone, index, 30)
        result = await cache.search(SearchQuery(q="python"))
        assert result.total == 0  # an empty index, but an answer
        assert len(index.queries) == 1
    finally:
        await gone.aclose()
