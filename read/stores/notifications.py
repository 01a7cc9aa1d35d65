"""The inbox read model in Redis: each user's notifications, all and unread, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel
from redis.asyncio import Redis

from read.stores.catalog import COURSES, LUA_DOCS_WITH_COURSE_PAGES
from read.stores.documents import DocumentSpace, IndexEntry
from write.events import NotificationKind

NOTIFICATIONS = "notifications"

# One round trip for a page of the inbox: the unread count, the size of the chosen set, one page
# of it and the pages of the courses the notifications are about (for their titles).
_READ_INBOX = LUA_DOCS_WITH_COURSE_PAGES + """
local base = ARGV[1] .. (redis.call('GET', KEYS[1]) or '1') .. ':'
local courses = ARGV[2] .. (redis.call('GET', KEYS[2]) or '1') .. ':doc:'
local set = base .. ARGV[3] .. ':' .. ARGV[4]
local docs, pages = docs_with_course_pages(base, courses, set, ARGV[5], ARGV[6])
return {redis.call('ZCARD', base .. 'unread:' .. ARGV[4]), redis.call('ZCARD', set), docs, pages}
"""


class NotificationDoc(BaseModel):
    id: UUID
    user_id: UUID
    kind: NotificationKind
    course_id: UUID
    subject_id: UUID
    data: dict[str, Any]
    created_at: datetime
    read: bool
    version: int


def notification_entries(doc: NotificationDoc) -> list[IndexEntry]:
    entries = [IndexEntry(f"all:{doc.user_id}", doc.created_at.timestamp(), str(doc.id))]
    if not doc.read:
        entries.append(IndexEntry(f"unread:{doc.user_id}", doc.created_at.timestamp(),
                                  str(doc.id)))
    return entries


class NotificationView(BaseModel):
    id: UUID
    kind: NotificationKind
    message: str
    course_id: UUID
    course_title: str | None  # None while the course page is being rebuilt
    data: dict[str, Any]
    created_at: datetime
    read: bool


def message_of(kind: str, title: str, data: dict[str, Any]) -> str:
    """The notification as one English sentence (the web app may word it from kind and data)."""
    if kind == "enrolled":
        return f"You are enrolled in «{title}»."
    if kind == "course_completed":
        return f"You completed «{title}». Well done!"
    if kind == "payment_receipt":
        return f"Payment of {data['amount']} {data['currency']} received for «{title}»."
    if kind == "payment_refunded":
        return f"Your payment of {data['amount']} {data['currency']} for «{title}» was refunded."
    if kind == "new_review":
        return f"A new {data['rating']}★ review of «{title}»."
    return f"New lesson in «{title}»: {data.get('lesson_title', '')}"


def _view(raw: bytes, raw_page: bytes | None) -> NotificationView:
    doc = orjson.loads(raw)["doc"]
    title = orjson.loads(raw_page)["doc"]["title"] if raw_page else None
    return NotificationView(
        id=doc["id"], kind=doc["kind"], course_id=doc["course_id"], course_title=title,
        message=message_of(doc["kind"], title or "a course", doc["data"]), data=doc["data"],
        created_at=doc["created_at"], read=doc["read"])


class InboxPage(BaseModel):
    items: list[NotificationView]
    total: int
    unread: int


class NotificationsReadStore:
    """Inbox queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.space = DocumentSpace(redis, NOTIFICATIONS)
        self.courses = DocumentSpace(redis, COURSES)
        self._read_inbox = redis.register_script(_READ_INBOX)

    async def inbox(self, user_id: UUID, *, unread_only: bool, limit: int, offset: int
                    ) -> InboxPage:
        unread, total, docs, pages = await self._read_inbox(
            keys=[self.space.generation_key, self.courses.generation_key],
            args=[self.space.key_prefix, self.courses.key_prefix,
                  "unread" if unread_only else "all", str(user_id), offset, offset + limit - 1])
        items = [_view(raw, page) for raw, page in zip(docs, pages, strict=True) if raw]
        return InboxPage(items=items, total=int(total), unread=int(unread))
