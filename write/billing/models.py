"""Billing write model (schema `billing`). Courses are known from the catalog's published facts
(a local copy, ADR 0009), never from the catalog's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from write.copies import CourseFactsCopy
from write.db import Base

SCHEMA = "billing"


class CourseTerms(CourseFactsCopy, Base):
    """What billing knows of a course: status, teacher and price from `catalog.course_facts`."""

    __tablename__ = "course_terms"
    __table_args__ = {"schema": SCHEMA}


class Payment(Base):
    """One attempt to pay for a course: pending → succeeded | declined; succeeded → refunded."""

    __tablename__ = "payments"
    __table_args__ = (
        # The same key from the same student is the same payment (concurrent requests included).
        UniqueConstraint("student_id", "idempotency_key"),
        # At most one payment of a course per student is under way or paid (two keys, one course).
        Index("ux_payments_student_course_open", "student_id", "course_id", unique=True,
              postgresql_where=text("status IN ('pending', 'succeeded')")),
        Index("ix_payments_pending", "created_at", postgresql_where=text("status = 'pending'")),
        Index("ix_payments_course_id", "course_id"),  # a course's revenue (teacher dashboard)
        CheckConstraint("status IN ('pending', 'succeeded', 'declined', 'refunded')",
                        name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        {"schema": SCHEMA},
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    student_id: Mapped[uuid.UUID] = mapped_column(UUID)  # an identity user id, no foreign key
    course_id: Mapped[uuid.UUID] = mapped_column(UUID)  # a catalog course id, no foreign key
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the request body: the same key with another body is refused.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    payment_method: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
