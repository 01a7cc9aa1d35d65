"""Course pages kept in the read API's memory, dropped the moment the projector changes them.

A course page read from Redis costs the read API a round trip (socket write, read, parse) that is
most of its CPU per page. Hot pages are therefore kept here, as the response bytes, and dropped on
the change announcements the document scripts publish in the same atomic step as the write
(`<space>:changed` channels, see `read.stores.documents`). Rules that keep it honest (ADR 0017):

- it serves only while its subscription is up; on any break it empties itself and reads Redis
  until it has subscribed again (announcements during the gap are lost);
- an entry is stored only if no announcement arrived while its page was being read, so a read
  that raced a write cannot keep the older page;
- every entry also expires after `seconds`, a bound on staleness should all else fail;
- a reader who sent a consistency token never gets a kept page.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from redis.asyncio import Redis

from common.metrics import PAGE_CACHE
from read.stores.catalog import CATEGORIES, COURSES, CatalogReadStore
from read.stores.documents import DocumentSpace
from read.stores.subscriptions import follow_forever

log = logging.getLogger("edu.read.pages")


@dataclass(frozen=True)
class KeptPage:
    """A course page as the API answers it, with what deciding who may see it needs."""

    body: bytes
    status: str
    teacher_id: str
    expires: float


class CoursePageCache:
    """Course pages by id, at most `entries` of them, each for at most `seconds`."""

    def __init__(self, redis: Redis, catalog: CatalogReadStore, *, seconds: float,
                 entries: int) -> None:
        self._redis = redis
        self._catalog = catalog
        self._seconds = seconds
        self._entries = entries
        self._pages: OrderedDict[UUID, KeptPage] = OrderedDict()
        self._listening = False
        # Grows with every announcement: a page read while it changed is not kept.
        self._announcements = 0
        self._channels = [DocumentSpace(redis, COURSES).changes_channel,
                          DocumentSpace(redis, CATEGORIES).changes_channel]

    @property
    def enabled(self) -> bool:
        return self._seconds > 0 and self._entries > 0

    @property
    def listening(self) -> bool:
        """Whether kept pages are served (every channel followed)."""
        return self._listening

    @property
    def announcements(self) -> int:
        """How many announcements this process has heard."""
        return self._announcements

    def published(self, course_id: UUID) -> bytes | None:
        """A kept page that anyone may see, without touching Redis (None: ask `page`)."""
        kept = self._servable(course_id)
        if kept is None or kept.status != "published":
            return None
        PAGE_CACHE.labels("hit").inc()
        return kept.body

    def _servable(self, course_id: UUID) -> KeptPage | None:
        """The kept page, if one may be served now."""
        kept = self._pages.get(course_id) if self._listening else None
        if kept is None or kept.expires <= time.monotonic():
            return None
        self._pages.move_to_end(course_id)
        return kept

    async def page(self, course_id: UUID, *, fresh: bool) -> KeptPage | None:
        """The page (None: no such course); from memory unless `fresh` or not listening."""
        kept = None if fresh else self._servable(course_id)
        if kept is not None:
            PAGE_CACHE.labels("hit").inc()
            return kept
        PAGE_CACHE.labels("bypass" if fresh or not self._listening else "miss").inc()
        seen = self._announcements
        page = await self._catalog.course_page(course_id)
        if page is None:
            return None
        read = _kept(page, time.monotonic() + self._seconds)
        if self._listening and seen == self._announcements and self.enabled:
            self._pages[course_id] = read
            self._pages.move_to_end(course_id)
            while len(self._pages) > self._entries:
                self._pages.popitem(last=False)
        return read

    async def listen(self) -> None:
        """Follows the announcements until cancelled, resubscribing after any break."""
        if not self.enabled:
            return
        await follow_forever(self._follow, after_break=self._stop_serving,
                             what="course page announcements", log=log)

    async def _follow(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(*self._channels)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=5.0)
                if message is None:
                    await pubsub.ping()  # a dead connection shows itself as an error here
                    continue
                self._on_message(message)
        finally:
            self._stop_serving()
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "subscribe":
            # Serve only once every channel is followed; whatever is kept is from before.
            if message["data"] == len(self._channels):
                self._pages.clear()
                self._listening = True
            return
        if kind != "message":
            return
        self._announcements += 1
        channel = _text(message["channel"])
        ids = orjson.loads(message["data"])
        if channel != self._channels[0] or ids == "*":
            self._pages.clear()  # a category renamed, or a generation switched: all pages
            return
        for course_id in ids:
            self._pages.pop(UUID(course_id), None)

    def _stop_serving(self) -> None:
        self._listening = False
        self._pages.clear()


def _kept(page: dict[str, Any], expires: float) -> KeptPage:
    return KeptPage(orjson.dumps(page), page["status"], page["teacher_id"], expires)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
