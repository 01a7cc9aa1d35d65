"""Notifications write model (schema `notifications`). Who takes which course is known from
learning's events (its own copy, ADR 0009), never from learning's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from write.db import Base

SCHEMA = "notifications"


class CourseStudent(Base):
    """A student enrolled in a course: who hears of the course's new lessons."""

    __tablename__ = "course_students"
    __table_args__ = {"schema": SCHEMA}

    course_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)


class Notification(Base):
    """One message to one user, about one thing (`subject_id`): once per user, kind and thing."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject_id"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        # A lesson's announcement to everyone in the course, found again by the projection.
        Index("ix_notifications_subject_id", "subject_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID)
    kind: Mapped[str] = mapped_column(String(32))
    course_id: Mapped[uuid.UUID] = mapped_column(UUID)
    subject_id: Mapped[uuid.UUID] = mapped_column(UUID)  # the course, lesson, payment or review
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)  # details for the message
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
