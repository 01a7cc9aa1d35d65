"""Catalog write model (schema `catalog`). Teachers are referenced by id only: no join to identity."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from write.db import Base

SCHEMA = "catalog"
Level = Literal["beginner", "intermediate", "advanced"]
CourseStatus = Literal["draft", "published", "archived"]


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Course(Base):
    """The aggregate root: every change to its modules or lessons bumps its version."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        CheckConstraint("level IN ('beginner', 'intermediate', 'advanced')", name="level"),
        CheckConstraint("(price IS NULL) = (currency IS NULL)", name="price_currency"),
        CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
        Index("ix_courses_teacher", "teacher_id"),
        Index("ix_courses_category", "category_id"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    teacher_id: Mapped[uuid.UUID] = mapped_column(UUID)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(f"{SCHEMA}.categories.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[Level] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    cover_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[CourseStatus] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def touch(self) -> None:
        """Bumps the aggregate version after any change to the course, its modules or lessons.

        The row update also refreshes `updated_at` (its `onupdate`).
        """
        self.version += 1


class Module(Base):
    __tablename__ = "modules"
    __table_args__ = (Index("ix_modules_course_position", "course_id", "position"),
                      {"schema": SCHEMA})

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_module_position", "module_id", "position"),
        # Covering what a course page's outline and a search row read of each lesson, so the
        # projectors scan this index instead of the wide rows that hold the content.
        Index("ix_lessons_course", "course_id",
              postgresql_include=["module_id", "position", "id", "title", "duration_minutes",
                                  "preview"]),
        CheckConstraint("duration_minutes >= 0", name="duration"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.modules.id", ondelete="CASCADE"))
    # Denormalized from the module so course-wide lesson queries need no join.
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{SCHEMA}.courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    content_md: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(500))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
