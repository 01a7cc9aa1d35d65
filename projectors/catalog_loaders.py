"""Explicit loader queries for the catalog projections: whole course aggregates, in batches."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from write.catalog.models import Category, Course, Lesson, Module
from write.identity.models import User

Row = dict[str, Any]


@dataclass
class CourseAggregate:
    """One course as the projections need it: rows of the course, its modules and lessons."""

    course: Row
    teacher_name: str
    modules: list[Row] = field(default_factory=list)
    lessons: dict[uuid.UUID, list[Row]] = field(default_factory=dict)  # by module id


def _rows(result: Any) -> list[Row]:
    return [dict(r._mapping) for r in result]


async def load_courses(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                       ) -> dict[uuid.UUID, CourseAggregate]:
    """Current state of the given courses in four queries, whatever their number."""
    if not course_ids:
        return {}
    ids = list(course_ids)
    async with engine.connect() as conn:
        courses = _rows(await conn.execute(select(Course.__table__).where(Course.id.in_(ids))))
        modules = _rows(await conn.execute(
            select(Module.__table__).where(Module.course_id.in_(ids)).order_by(Module.position)))
        lessons = _rows(await conn.execute(
            select(Lesson.__table__).where(Lesson.course_id.in_(ids)).order_by(Lesson.position)))
        # The teacher's display name lives in identity; a second query, never a cross-schema join.
        teacher_ids = {c["teacher_id"] for c in courses}
        names: dict[uuid.UUID, str] = {row[0]: row[1] for row in await conn.execute(
            select(User.id, User.name).where(User.id.in_(teacher_ids)))}
    aggregates = {c["id"]: CourseAggregate(c, names.get(c["teacher_id"], "")) for c in courses}
    by_module: dict[uuid.UUID, list[Row]] = defaultdict(list)
    for lesson in lessons:
        by_module[lesson["module_id"]].append(lesson)
    for module in modules:
        aggregate = aggregates[module["course_id"]]
        aggregate.modules.append(module)
        aggregate.lessons[module["id"]] = by_module.get(module["id"], [])
    return aggregates


async def load_categories(engine: AsyncEngine, category_ids: Sequence[uuid.UUID]
                          ) -> dict[uuid.UUID, Row]:
    async with engine.connect() as conn:
        rows = _rows(await conn.execute(
            select(Category.__table__).where(Category.id.in_(list(category_ids)))))
    return {row["id"]: row for row in rows}


async def stream_ids(engine: AsyncEngine, column: Any, batch_size: int
                     ) -> AsyncIterator[list[uuid.UUID]]:
    """Every id of a table in id order, in batches (keyset pagination, constant memory)."""
    last: uuid.UUID | None = None
    while True:
        query = select(column).order_by(column).limit(batch_size)
        if last is not None:
            query = query.where(column > last)
        async with engine.connect() as conn:
            ids = list((await conn.scalars(query)).all())
        if not ids:
            return
        yield ids
        last = ids[-1]


async def count_rows(engine: AsyncEngine, table: Any) -> int:
    from sqlalchemy import func

    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
