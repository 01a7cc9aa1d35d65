"""Notification answers (what the write API returns)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: uuid.UUID
    read: bool


class ReadAllOut(BaseModel):
    marked: int  # how many were unread
