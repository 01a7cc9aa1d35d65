"""The course facts the catalog publishes for other contexts (ADR 0009), once per change."""

from __future__ import annotations

from sqlalchemy import select

from write.catalog.models import Course, Lesson, Module
from write.events import CourseFactsPublished
from write.outbox import UnitOfWork


def publish_facts_on_commit(uow: UnitOfWork, course: Course, *, loaded_version: int | None) -> None:
    """At commit, records the course's facts if the command changed it (its version moved)."""

    async def publish() -> None:
        if course.version == loaded_version:
            return
        lesson_ids = (await uow.session.scalars(
            select(Lesson.id).join(Module, Module.id == Lesson.module_id)
            .where(Lesson.course_id == course.id)
            .order_by(Module.position, Module.id, Lesson.position, Lesson.id))).all()
        uow.record(CourseFactsPublished(
            course_id=course.id, version=course.version, teacher_id=course.teacher_id,
            status=course.status, price=course.price, currency=course.currency,
            lesson_ids=list(lesson_ids)))

    uow.before_commit(("course_facts", course.id), publish)
