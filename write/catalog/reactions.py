"""What the catalog does when learning reports enrollments (run by the worker, ADR 0011)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from write.catalog.review_models import CourseStudent
from write.catalog.stats import adjust_stats
from write.events import CourseStudentsChanged, EnrollmentRevoked, StudentEnrolled
from write.outbox import UnitOfWork


async def _students_changed(uow: UnitOfWork, course_id: uuid.UUID, delta: int) -> None:
    stats = await adjust_stats(uow, course_id, students=delta)
    uow.record(CourseStudentsChanged(course_id=course_id, students_count=stats.students_count,
                                     stats_version=stats.version))


async def add_course_student(uow: UnitOfWork, event: StudentEnrolled) -> None:
    """Remembers the student as one of the course's; a repeated delivery changes nothing."""
    added = await uow.session.scalar(
        insert(CourseStudent).values(course_id=event.course_id, student_id=event.student_id)
        .on_conflict_do_nothing().returning(CourseStudent.student_id))
    if added is not None:
        await _students_changed(uow, event.course_id, +1)


async def remove_course_student(uow: UnitOfWork, student_id: uuid.UUID,
                                course_id: uuid.UUID) -> None:
    """The hook for an enrollment that ends (a refund): the student no longer counts nor may
    post a review; a review already posted stays. Removing twice changes nothing."""
    removed = await uow.session.scalar(
        delete(CourseStudent).where(CourseStudent.course_id == course_id,
                                    CourseStudent.student_id == student_id)
        .returning(CourseStudent.student_id))
    if removed is not None:
        await _students_changed(uow, course_id, -1)


async def course_student_left(uow: UnitOfWork, event: EnrollmentRevoked) -> None:
    """A refunded student no longer counts among the course's students."""
    await remove_course_student(uow, event.student_id, event.course_id)
