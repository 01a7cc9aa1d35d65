"""The notifications projection: each user's inbox (all and unread, newest first)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.rows import RowDocuments
from projectors.scan import stream_ids
from read.stores.documents import IndexEntry
from read.stores.notifications import NOTIFICATIONS, NotificationDoc, notification_entries
from write.events import Event, LessonAnnounced, NotificationEvent, NotificationsAllRead
from write.notifications.models import Notification

_TABLE = Notification.__table__


async def load_notifications(engine: AsyncEngine, ids: Sequence[uuid.UUID]
                             ) -> list[NotificationDoc]:
    if not ids:
        return []
    async with engine.connect() as conn:
        rows = (await conn.execute(select(_TABLE).where(_TABLE.c.id.in_(list(ids))))).all()
    return [NotificationDoc(id=r.id, user_id=r.user_id, kind=r.kind, course_id=r.course_id,
                            subject_id=r.subject_id, data=r.data, created_at=r.created_at,
                            read=r.read_at is not None, version=r.version) for r in rows]


class NotificationsProjection(RowDocuments[NotificationDoc]):
    """State-based; a lesson announced to a whole course, or "mark all read", touches many
    notifications with one event, so those are re-read in batches."""

    name = NOTIFICATIONS
    id_column = _TABLE.c.id
    live_kind = "notifications"

    def handles(self, event: Event) -> bool:
        return isinstance(event, NotificationEvent | LessonAnnounced | NotificationsAllRead)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, NotificationEvent)
        return [event.notification_id]

    def fans_out(self, event: Event) -> bool:
        return isinstance(event, LessonAnnounced | NotificationsAllRead)

    def affected_ids(self, engine: AsyncEngine, event: Event, batch_size: int
                     ) -> AsyncIterator[list[uuid.UUID]]:
        where: ColumnElement[bool]
        if isinstance(event, LessonAnnounced):
            where = (_TABLE.c.subject_id == event.lesson_id) & (_TABLE.c.kind == "new_lesson")
        else:
            assert isinstance(event, NotificationsAllRead)
            where = _TABLE.c.user_id == event.user_id
        return stream_ids(engine, self.id_column, batch_size, where=where)

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]
                   ) -> list[NotificationDoc]:
        return await load_notifications(engine, ids)

    def entries(self, doc: NotificationDoc) -> list[IndexEntry]:
        return notification_entries(doc)

    def audience(self, doc: NotificationDoc) -> uuid.UUID:
        return doc.user_id
