"""What the learning context does when other contexts report facts (run by the worker)."""

from __future__ import annotations

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert

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
    values = {"course_id": event.course_id, "version": event.version,
              "teacher_id": event.teacher_id, "status": event.status, "price": event.price,
              "currency": event.currency, "lesson_ids": event.lesson_ids}
    statement = insert(CourseFacts).values(values)
    await uow.session.execute(statement.on_conflict_do_update(
        index_elements=[CourseFacts.course_id],
        set_={**{k: statement.excluded[k] for k in values if k != "course_id"},
              "updated_at": statement.excluded.updated_at},
        where=CourseFacts.version < statement.excluded.version))
    if lessons_changed:
        await recount_enrollments(uow, event)


async def recount_enrollments(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """One statement for the whole course, and one event however many students take it."""
    done = (select(func.count()).select_from(LessonCompletion)
            .where(LessonCompletion.student_id == Enrollment.student_id,
                   LessonCompletion.lesson_id.in_(event.lesson_ids))
            .scalar_subquery())
    total = len(event.lesson_ids)
    # A course without lessons is never completed.
    status = case((done >= (total or 1), "completed"), (done > 0, "in_progress"),
                  else_="enrolled")
    result = await uow.session.execute(
        update(Enrollment).where(Enrollment.course_id == event.course_id)
        .values(status=status, version=Enrollment.version + 1)
        .execution_options(synchronize_session=False))
    touched: int = result.rowcount  # type: ignore[attr-defined]
    if touched:
        uow.record(CourseProgressRecomputed(course_id=event.course_id, enrollments=touched))
