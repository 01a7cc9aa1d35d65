"""Rows a context keeps as its copy of facts another context publishes (ADR 0009).

Each row carries the version of the facts it holds; a delivery only ever moves it to a newer
version, so duplicated, late or concurrent deliveries of the same events converge.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column


class CourseFactsCopy:
    """The columns every context's copy of `catalog.course_facts` has (a mapped-class mixin)."""

    course_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)  # no foreign key
    version: Mapped[int] = mapped_column(Integer)
    teacher_id: Mapped[uuid.UUID] = mapped_column(UUID)
    status: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


async def keep_newest(session: AsyncSession, model: Any, values: dict[str, Any]) -> None:
    """Inserts the row, or replaces it when the stored version is older; otherwise nothing.

    `model` is a mapped class with a primary key, an integer `version` and an `updated_at`.
    """
    table = model.__table__
    keys = [column.name for column in table.primary_key]
    statement = insert(model).values(values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=keys,
        set_={**{name: statement.excluded[name] for name in values if name not in keys},
              "updated_at": statement.excluded.updated_at},
        where=table.c.version < statement.excluded.version))
