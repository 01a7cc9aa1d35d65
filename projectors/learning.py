"""The enrollments projection: each enrollment with its progress, and each student's sets of
courses (all of them; active ones and completed ones by last activity) for the dashboard."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.rows import RowDocuments
from projectors.scan import stream_ids
from read.stores.documents import IndexEntry
from read.stores.learning import ENROLLMENTS, EnrollmentDoc, enrollment_entries
from write.events import CourseProgressRecomputed, EnrollmentEvent, Event
from write.learning.models import CourseFacts, Enrollment, LessonCompletion


def _progress(lesson_ids: Sequence[uuid.UUID], done: set[uuid.UUID]
              ) -> tuple[list[uuid.UUID], uuid.UUID | None]:
    """The course's lessons the student completed (course order), and the first one left."""
    completed = [lesson for lesson in lesson_ids if lesson in done]
    upcoming = next((lesson for lesson in lesson_ids if lesson not in done), None)
    return completed, upcoming


async def load_enrollments(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[EnrollmentDoc]:
    """The enrollments' current state with their progress through the course's current lessons."""
    if not ids:
        return []
    done = (select(func.array_agg(LessonCompletion.lesson_id))
            .where(LessonCompletion.student_id == Enrollment.student_id,
                   LessonCompletion.course_id == Enrollment.course_id)
            .scalar_subquery())
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(Enrollment.__table__, CourseFacts.lesson_ids, done.label("done"))
            .outerjoin(CourseFacts, CourseFacts.course_id == Enrollment.course_id)
            .where(Enrollment.id.in_(list(ids))))).all()
    docs = []
    for row in rows:
        lesson_ids = row.lesson_ids or []
        completed, upcoming = _progress(lesson_ids, set(row.done or ()))
        total = len(lesson_ids)
        docs.append(EnrollmentDoc(
            id=row.id, student_id=row.student_id, course_id=row.course_id, status=row.status,
            version=row.version, enrolled_at=row.created_at, last_activity_at=row.last_activity_at,
            last_lesson_id=row.last_lesson_id, next_lesson_id=upcoming,
            completed_lesson_ids=completed, completed_lessons=len(completed), total_lessons=total,
            progress_percent=len(completed) * 100 // total if total else 0))
    return docs


class EnrollmentsProjection(RowDocuments[EnrollmentDoc]):
    """State-based like the others: re-reads the enrollment and writes its newest version."""

    name = ENROLLMENTS
    id_column = Enrollment.__table__.c.id
    live_kind = "dashboard"

    def handles(self, event: Event) -> bool:
        return isinstance(event, EnrollmentEvent | CourseProgressRecomputed)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, EnrollmentEvent)
        return [event.enrollment_id]

    def fans_out(self, event: Event) -> bool:
        return isinstance(event, CourseProgressRecomputed)

    def affected_ids(self, engine: AsyncEngine, event: Event, batch_size: int
                     ) -> AsyncIterator[list[uuid.UUID]]:
        assert isinstance(event, CourseProgressRecomputed)
        return stream_ids(engine, self.id_column, batch_size,
                          where=Enrollment.__table__.c.course_id == event.course_id)

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[EnrollmentDoc]:
        return await load_enrollments(engine, ids)

    def entries(self, doc: EnrollmentDoc) -> list[IndexEntry]:
        return enrollment_entries(doc)

    def audience(self, doc: EnrollmentDoc) -> uuid.UUID:
        return doc.student_id
