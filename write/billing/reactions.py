"""What the billing context does when other contexts report facts (run by the worker)."""

from __future__ import annotations

from write.billing.models import CourseTerms
from write.copies import keep_newest
from write.events import CourseFactsPublished
from write.outbox import UnitOfWork


async def sync_course_terms(uow: UnitOfWork, event: CourseFactsPublished) -> None:
    """Keeps the newest status, teacher and price of the course (version compare-and-set)."""
    await keep_newest(uow.session, CourseTerms, event.model_dump(include={
        "course_id", "version", "teacher_id", "status", "price", "currency"}))
