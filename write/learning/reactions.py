"""What the learning context does when other contexts report facts (run by the worker)."""

from __future__ import annotations

from sqlalchemy import case, func, select, update

from write.copies import keep_newest
from write.events import CourseFactsPublished, CourseProgressRecomputed
from write.learning.models import CourseFacts, Enrollment, LessonCompletion
from write.outbox import UnitOfWork


async def sync_course_facts(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """Keeps the newest facts of the course: an older or repeated delivery changes nothing.

    When the lesson list changed, every enrollment of the course is re-counted.
    """
    known = await uow.session.get(CourseFacts, event.course_id, with_for_update=True)
    if known is not None and known.version >= event.version:
        return
    lessons_changed = known is not None and list(known.lesson_ids) != event.lesson_ids
    await keep_newest(uow.session, CourseFacts, event.model_dump(include={
        "course_id", "version", "teacher_id", "status", "price", "currency", "lesson_ids"}))
    if lessons_changed:
        await recount_enrollments(uow, event)


async def recount_enrollments(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """One statement for the whole course, and one event however many students take it. Every
    enrollment's version moves (its progress document changes); a revoked one (refunded) keeps
    its status until the student pays again."""
    done = (select(func.count()).select_from(LessonCompletion)
            .where(LessonCompletion.student_id == Enrollment.student_id,
                   LessonCompletion.lesson_id.in_(event.lesson_ids))
            .scalar_subquery())
    total = len(event.lesson_ids)
    # learning.models.status_for, as SQL.
    status = case((Enrollment.status == "revoked", "revoked"),
                  (done >= (total or 1), "completed"), (done > 0, "in_progress"),
                  else_="enrolled")
    result = await uow.session.execute(
        update(Enrollment).where(Enrollment.course_id == event.course_id)
        .values(status=status, version=Enrollment.version + 1)
        .execution_options(synchronize_session=False))
    touched: int = result.rowcount  # type: ignore[attr-defined]
    if touched:
        uow.record(CourseProgressRecomputed(course_id=event.course_id, enrollments=touched))
