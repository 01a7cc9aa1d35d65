"""Notification commands over HTTP (write API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from write.deps import CurrentUser, WriteSession
from write.notifications import handlers
from write.notifications.commands import NotificationOut, ReadAllOut

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.post("/read-all", response_model=ReadAllOut)
async def read_all(user: CurrentUser, uow: WriteSession, response: Response) -> ReadAllOut:
    """Mark every notification of the caller read."""
    result = await handlers.mark_all_read(uow, user.id)
    await uow.commit_into(response)
    return result


@router.post("/{notification_id}/read", response_model=NotificationOut,
             responses={404: {"description": "no notification of the caller with this id"}})
async def read(notification_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
               response: Response) -> NotificationOut:
    """Mark one of the caller's notifications read (idempotent)."""
    result = await handlers.mark_read(uow, user.id, notification_id)
    await uow.commit_into(response)
    return result
