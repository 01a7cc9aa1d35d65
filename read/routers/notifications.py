"""The caller's inbox (Redis only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from read.deps import NotificationsStore, Reader
from read.pagination import Cursor, Limit, next_cursor, offset_from
from read.stores.notifications import NotificationView

router = APIRouter(prefix="/api/me", tags=["notifications"])


class Inbox(BaseModel):
    items: list[NotificationView]
    total: int
    unread: int
    next_cursor: str | None


@router.get("/notifications", response_model=Inbox)
async def notifications(
    user: Reader,
    inbox: NotificationsStore,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Inbox:
    """The caller's notifications, newest first, with the number still unread."""
    offset = offset_from(cursor)
    page = await inbox.inbox(user.id, unread_only=unread, limit=limit, offset=offset)
    return Inbox(items=page.items, total=page.total, unread=page.unread,
                 next_cursor=next_cursor(offset, limit, page.total))
