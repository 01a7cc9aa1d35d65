"""Learning write model (schema `learning`). Courses are known from the catalog's published facts
(a local copy, ADR 0009), never from the catalog's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from write.copies import CourseFactsCopy
from write.db import Base

SCHEMA = "learning"


class CourseFacts(CourseFactsCopy, Base):
    """What learning knows of a course: the newest `catalog.course_facts` it has seen."""

    __tablename__ = "course_facts"
    __table_args__ = (
        # Which course a lesson belongs to: `lesson_ids @> ARRAY[id]`.
        Index("ix_course_facts_lesson_ids", "lesson_ids", postgresql_using="gin"),
        {"schema": SCHEMA},
    )

    lesson_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID))


class Enrollment(Base):
    """A student in a course: enrolled → in_progress (a lesson done) → completed (all done);
    revoked when the payment that gave access is refunded (kept, not deleted: see ADR 0010)."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("student_id", "course_id"),
        Index("ix_enrollments_course_id", "course_id"),  # every enrollment of a course
        CheckConstraint("status IN ('enrolled', 'in_progress', 'completed', 'revoked')",
                        name="status"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID)  # an identity user id, no foreign key
    course_id: Mapped[uuid.UUID] = mapped_column(UUID)  # a catalog course id, no foreign key
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    # "Continue where you left off": the lesson last opened or completed, and when.
    last_lesson_id: Mapped[uuid.UUID | None] = mapped_column(UUID)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                       server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class LessonCompletion(Base):
    """A lesson a student finished; once per student and lesson, whatever happens to the lesson."""

    __tablename__ = "lesson_completions"
    __table_args__ = (
        Index("ix_lesson_completions_course_id", "course_id"),
        {"schema": SCHEMA},
    )

    student_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    lesson_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    course_id: Mapped[uuid.UUID] = mapped_column(UUID)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaidAccess(Base):
    """What learning knows of a payment for a course: the newest billing event it has seen.

    Written only by the payment reactions (`write/learning/payments.py`); a student may read a paid
    course while one of their payments for it is `active`.
    """

    __tablename__ = "paid_access"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
        Index("ix_paid_access_student_id", "student_id", "course_id"),
        {"schema": SCHEMA},
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)  # a billing payment id
    student_id: Mapped[uuid.UUID] = mapped_column(UUID)
    course_id: Mapped[uuid.UUID] = mapped_column(UUID)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # the payment's version
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


def status_for(done: int, total: int) -> str:
    """An active enrollment's status from how many of the course's current lessons are done:
    completed when all are (a course without lessons never is), in progress once one is."""
    if total and done >= total:
        return "completed"
    return "in_progress" if done else "enrolled"
