"""What the learning context does when other contexts report facts (run by the worker)."""

from __future__ import annotations

from write.copies import keep_newest
from write.events import CourseFactsPublished
from write.learning.models import CourseFacts
from write.outbox import UnitOfWork


async def sync_course_facts(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """Keeps the newest facts of the course: an older or repeated delivery changes nothing."""
    await keep_newest(uow.session, CourseFacts, event.model_dump(include={
        "course_id", "version", "teacher_id", "status", "price", "currency", "lesson_ids"}))
