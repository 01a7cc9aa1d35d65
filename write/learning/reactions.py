"""What the learning context does when other contexts report facts (run by the worker)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from write.events import CourseFactsPublished
from write.learning.models import CourseFacts
from write.outbox import UnitOfWork


async def sync_course_facts(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """Keeps the newest facts of the course: an older or repeated delivery changes nothing."""
    values = {"course_id": event.course_id, "version": event.version,
              "teacher_id": event.teacher_id, "status": event.status, "price": event.price,
              "currency": event.currency, "lesson_ids": event.lesson_ids}
    statement = insert(CourseFacts).values(values)
    await uow.session.execute(statement.on_conflict_do_update(
        index_elements=[CourseFacts.course_id],
        set_={**{k: statement.excluded[k] for k in values if k != "course_id"},
              "updated_at": statement.excluded.updated_at},
        where=CourseFacts.version < statement.excluded.version))
