"""The teacher dashboard's projection: one document per course with its students, completions,
rating and revenue, assembled from three contexts' tables (ADR 0013).

No single aggregate version covers the document, so its version is the sum of its sources':
the course's stats version (catalog), and the versions of every enrollment (learning) and every
payment (billing) of the course, read in one snapshot. Rows are never deleted and each version
only grows, so the sum only grows, and it grows with every change any source makes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projectors.rows import RowDocuments
from read.stores.documents import IndexEntry
from read.stores.teacher import TEACHER_STATS, CourseStatsDoc, average_rating
from write.catalog.models import Course
from write.events import (
    CourseCreated,
    CourseProgressRecomputed,
    CourseStudentsChanged,
    EnrollmentEvent,
    Event,
    LessonCompleted,
    LessonOpened,
    PaymentRefunded,
    PaymentSucceeded,
    ReviewEvent,
)

# One query per context: contexts are never joined in SQL (each may move to its own database).
_CATALOG = text("""
SELECT c.id, c.teacher_id, coalesce(s.students_count, 0), coalesce(s.rating_count, 0),
       coalesce(s.rating_sum, 0), coalesce(s.version, 0)
FROM catalog.courses AS c LEFT JOIN catalog.course_stats AS s ON s.course_id = c.id
WHERE c.id = ANY(CAST(:ids AS uuid[]))
""")
_LEARNING = text("""
SELECT course_id, count(*) FILTER (WHERE status = 'completed'), sum(version)
FROM learning.enrollments WHERE course_id = ANY(CAST(:ids AS uuid[]))
GROUP BY course_id
""")
_BILLING = text("""
SELECT course_id, currency, sum(amount) FILTER (WHERE status = 'succeeded'), sum(version)
FROM billing.payments WHERE course_id = ANY(CAST(:ids AS uuid[]))
GROUP BY course_id, currency
""")


@dataclass
class _Sources:
    """What one course's document is built from, and the sum of the versions it was read at."""

    teacher_id: uuid.UUID
    students: int
    rating_count: int
    rating_sum: int
    version: int
    completions: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)


async def _read_sources(conn: AsyncConnection, ids: list[uuid.UUID]) -> dict[uuid.UUID, _Sources]:
    found = {row[0]: _Sources(*row[1:]) for row in await conn.execute(_CATALOG, {"ids": ids})}
    for course_id, completions, versions in await conn.execute(_LEARNING, {"ids": ids}):
        if course_id in found:
            found[course_id].completions = completions
            found[course_id].version += int(versions)
    for course_id, currency, revenue, versions in await conn.execute(_BILLING, {"ids": ids}):
        if course_id in found:
            found[course_id].version += int(versions)
            if revenue is not None:
                found[course_id].revenue[currency] = revenue
    return found


async def load_teacher_stats(engine: AsyncEngine, ids: Sequence[uuid.UUID]
                             ) -> list[CourseStatsDoc]:
    """The courses' current stats, each versioned by the sum of its sources' versions."""
    if not ids:
        return []
    # One snapshot for the three queries: a version then stands for one moment of the write
    # model, so a read that saw any change before the last one carries a smaller sum (ADR 0013).
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            found = await _read_sources(conn, list(ids))
    return [CourseStatsDoc(
        id=course_id, teacher_id=s.teacher_id, students=s.students,
        completions=s.completions, rating=average_rating(s.rating_sum, s.rating_count),
        rating_count=s.rating_count, rating_sum=s.rating_sum, revenue=s.revenue,
        version=s.version) for course_id, s in found.items()]


_COURSE_EVENTS = (CourseCreated, CourseStudentsChanged, CourseProgressRecomputed, ReviewEvent,
                  EnrollmentEvent, PaymentSucceeded, PaymentRefunded)


class TeacherStatsProjection(RowDocuments[CourseStatsDoc]):
    """Re-reads a course's stats on every event that can move them."""

    name = TEACHER_STATS
    id_column = Course.__table__.c.id

    def handles(self, event: Event) -> bool:
        if isinstance(event, LessonOpened):
            return False  # where a student left off: no number here moves
        if isinstance(event, LessonCompleted):
            return event.status == "completed"
        return isinstance(event, _COURSE_EVENTS)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, _COURSE_EVENTS)
        return [event.course_id]

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]
                   ) -> list[CourseStatsDoc]:
        return await load_teacher_stats(engine, ids)

    def entries(self, doc: CourseStatsDoc) -> list[IndexEntry]:
        return []  # read by course id, alongside the courses projection's teacher list
