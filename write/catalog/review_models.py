"""Reviews and the numbers a course page shows about its students and ratings (schema `catalog`).

Who is enrolled where is learning's fact; the catalog keeps its own copy (`course_students`),
fed by a reaction to `learning.enrolled` (ADR 0009, ADR 0011), and never reads learning's tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from write.catalog.models import SCHEMA
from write.db import Base


class CourseStudent(Base):
    """The catalog's copy of one enrollment: enough to know who may review a course."""

    __tablename__ = "course_students"
    __table_args__ = {"schema": SCHEMA}

    course_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)  # an identity user id
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Review(Base):
    """One student's review of one course; hidden ones stay (and still block a second review)."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("course_id", "author_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.courses.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(UUID)  # an identity user id, no foreign key
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment_html: Mapped[str] = mapped_column(Text, default="")  # sanitized on the way in
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class CourseStats(Base):
    """Students and visible ratings of a course, kept in the transaction that changes them.

    `version` grows with every change; the course documents are versioned by the course version
    plus this one (ADR 0011), so a stats change outranks the page it updates.
    """

    __tablename__ = "course_stats"
    __table_args__ = (
        CheckConstraint("students_count >= 0 AND rating_count >= 0", name="counts"),
        {"schema": SCHEMA},
    )

    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.courses.id", ondelete="CASCADE"), primary_key=True)
    students_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
