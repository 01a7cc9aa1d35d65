"""Notification commands: mark one read, mark all read."""

from __future__ import annotations

import uuid

from sqlalchemy import func, update

from common.errors import NotFound
from write.events import NotificationRead, NotificationsAllRead
from write.notifications.commands import NotificationOut, ReadAllOut
from write.notifications.models import Notification
from write.outbox import UnitOfWork


async def mark_read(uow: UnitOfWork, user_id: uuid.UUID, notification_id: uuid.UUID
                    ) -> NotificationOut:
    """Marks the caller's notification read; again changes nothing; anyone else's is unknown."""
    notification = await uow.session.get(Notification, notification_id, with_for_update=True)
    if notification is None or notification.user_id != user_id:
        raise NotFound("no such notification", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = func.now()
        notification.version += 1
        uow.record(NotificationRead(notification_id=notification.id, user_id=user_id,
                                    version=notification.version))
    return NotificationOut(id=notification.id, read=True)


async def mark_all_read(uow: UnitOfWork, user_id: uuid.UUID) -> ReadAllOut:
    """One statement and one event, however many notifications were unread."""
    result = await uow.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=func.now(), version=Notification.version + 1)
        .execution_options(synchronize_session=False))
    marked: int = result.rowcount  # type: ignore[attr-defined]
    if marked:
        uow.record(NotificationsAllRead(user_id=user_id, count=marked))
    return ReadAllOut(marked=marked)
