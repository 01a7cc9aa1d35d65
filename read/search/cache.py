"""Recent search answers, kept in Redis for a few seconds and shared by every read-API process.

Search is the read API's one expensive query (with the embedded Postgres index, tens of
milliseconds of database CPU, most of it counting facets over every match), and people search
alike: the same words typed letter by letter, the same filters. An answer is kept for
`SEARCH_CACHE_SECONDS`; catalog changes reach search at most that much later than they reach the
index. A request that carries a consistency token always asks the index (and refreshes the
kept answer), so a person still sees their own change at once. Within one process, concurrent
identical misses share one index query.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib

from redis.asyncio import Redis
from redis.exceptions import RedisError

from read.search.documents import SearchQuery, SearchResult
from read.search.port import SearchIndex

PREFIX = "edu:search:answer:"


class SearchAnswers:
    """`search` through a short-lived cache in front of the search index."""

    def __init__(self, redis: Redis, index: SearchIndex, *, seconds: float) -> None:
        self.redis = redis
        self.index = index
        self.seconds = seconds
        self._pending: dict[str, asyncio.Future[SearchResult]] = {}

    @staticmethod
    def key(query: SearchQuery) -> str:
        return PREFIX + hashlib.blake2b(query.model_dump_json().encode(), digest_size=16).hexdigest()

    async def search(self, query: SearchQuery, *, fresh: bool = False) -> SearchResult:
        if self.seconds <= 0:
            return await self.index.search(query)
        key = self.key(query)
        if not fresh:
            kept = await self._kept(key)
            if kept is not None:
                return kept
            pending = self._pending.get(key)
            if pending is not None:
                return await asyncio.shield(pending)
        return await self._ask_index(key, query)

    async def _kept(self, key: str) -> SearchResult | None:
        try:
            raw = await self.redis.get(key)
        except RedisError:
            return None  # the index can still answer
        return SearchResult.model_validate_json(raw) if raw is not None else None

    async def _ask_index(self, key: str, query: SearchQuery) -> SearchResult:
        future: asyncio.Future[SearchResult] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, future)
        try:
            result = await self.index.search(query)
        except BaseException as exc:
            if self._pending.get(key) is future:
                del self._pending[key]
            future.set_exception(exc)
            future.exception()  # retrieved: followers get it, nobody else must
            raise
        if self._pending.get(key) is future:
            del self._pending[key]
        future.set_result(result)
        with contextlib.suppress(RedisError):  # answered anyway; the next request asks again
            await self.redis.set(key, result.model_dump_json(), px=int(self.seconds * 1000))
        return result
