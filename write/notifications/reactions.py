"""How the notifications context reacts to other contexts' events (run by the worker). Each
reaction is idempotent: a notification exists once per user, kind and subject."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert

from write.events import (
    EnrollmentRevoked,
    LessonAdded,
    LessonAnnounced,
    LessonCompleted,
    NotificationCreated,
    NotificationEmailRequested,
    NotificationKind,
    PaymentEvent,
    PaymentRefunded,
    PaymentSucceeded,
    ReviewPosted,
    StudentEnrolled,
)
from write.notifications.models import CourseStudent, Notification
from write.outbox import UnitOfWork


async def notify(uow: UnitOfWork, *, user_id: uuid.UUID, kind: NotificationKind,
                 course_id: uuid.UUID, subject_id: uuid.UUID, data: dict[str, Any] | None = None,
                 email: bool = False) -> None:
    """Tells the user once; a repeated delivery of the same fact adds nothing."""
    notification_id = await uow.session.scalar(
        insert(Notification).values(id=uuid.uuid4(), user_id=user_id, kind=kind,
                                    course_id=course_id, subject_id=subject_id, data=data or {},
                                    version=1)
        .on_conflict_do_nothing().returning(Notification.id))
    if notification_id is None:
        return
    fields = {"notification_id": notification_id, "user_id": user_id, "version": 1,
              "kind": kind, "course_id": course_id}
    uow.record(NotificationCreated(**fields))
    if email:
        uow.record(NotificationEmailRequested(**fields))


async def student_enrolled(uow: UnitOfWork, event: StudentEnrolled) -> None:
    """Remembers the student for the course's announcements, and welcomes them."""
    await uow.session.execute(insert(CourseStudent).values(
        course_id=event.course_id, student_id=event.student_id).on_conflict_do_nothing())
    await notify(uow, user_id=event.student_id, kind="enrolled", course_id=event.course_id,
                 subject_id=event.course_id)


async def student_left(uow: UnitOfWork, event: EnrollmentRevoked) -> None:
    """A refunded student hears no more of the course's new lessons."""
    await uow.session.execute(delete(CourseStudent).where(
        CourseStudent.course_id == event.course_id, CourseStudent.student_id == event.student_id))


async def course_completed(uow: UnitOfWork, event: LessonCompleted) -> None:
    """Congratulates (in the app and by mail) when the last lesson is done."""
    if event.status == "completed":
        await notify(uow, user_id=event.student_id, kind="course_completed",
                     course_id=event.course_id, subject_id=event.course_id, email=True)


async def lesson_added(uow: UnitOfWork, event: LessonAdded) -> None:
    """Tells every student of the course in one statement, and says so in one event."""
    students = select(
        func.gen_random_uuid(), CourseStudent.student_id, literal("new_lesson"),
        CourseStudent.course_id, literal(event.lesson_id),
        func.jsonb_build_object("lesson_title", event.title), literal(1),
    ).where(CourseStudent.course_id == event.course_id)
    result = await uow.session.execute(
        insert(Notification).from_select(
            ["id", "user_id", "kind", "course_id", "subject_id", "data", "version"], students)
        .on_conflict_do_nothing())
    notified: int = result.rowcount  # type: ignore[attr-defined]
    if notified:
        uow.record(LessonAnnounced(course_id=event.course_id, lesson_id=event.lesson_id,
                                   notified=notified))


def _amount(event: PaymentEvent) -> dict[str, Any]:
    return {"amount": str(event.amount), "currency": event.currency}


async def payment_succeeded(uow: UnitOfWork, event: PaymentSucceeded) -> None:
    """The receipt, in the app and by mail."""
    await notify(uow, user_id=event.student_id, kind="payment_receipt", course_id=event.course_id,
                 subject_id=event.payment_id, data=_amount(event), email=True)


async def payment_refunded(uow: UnitOfWork, event: PaymentRefunded) -> None:
    """The refund confirmation, in the app and by mail."""
    await notify(uow, user_id=event.student_id, kind="payment_refunded",
                 course_id=event.course_id, subject_id=event.payment_id, data=_amount(event),
                 email=True)


async def review_posted(uow: UnitOfWork, event: ReviewPosted) -> None:
    """Tells the teacher of a new review of their course."""
    await notify(uow, user_id=event.teacher_id, kind="new_review", course_id=event.course_id,
                 subject_id=event.review_id, data={"rating": event.rating})
