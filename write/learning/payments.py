"""Learning's part of the payment saga (run by the worker on billing's events): a succeeded
payment gives access to the course and enrolls the student; a refund takes the access away.

Every reaction records the payment's newest state it has seen (a version compare-and-set), then
brings the enrollment in line with the access the student holds now. So duplicated, late or
reordered deliveries converge, and a retried reaction never enrolls twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from common.ids import enrollment_id
from write.copies import keep_newest
from write.events import (
    EnrollmentRevoked,
    PaymentEvent,
    PaymentRefunded,
    PaymentSucceeded,
    StudentEnrolled,
)
from write.learning.models import CourseFacts, Enrollment, LessonCompletion, PaidAccess, status_for
from write.outbox import UnitOfWork


async def has_paid_access(uow: UnitOfWork, student_id: uuid.UUID, course_id: uuid.UUID) -> bool:
    """Whether a succeeded, unrefunded payment of the student covers the course."""
    return bool(await uow.session.scalar(select(func.count()).select_from(PaidAccess).where(
        PaidAccess.student_id == student_id, PaidAccess.course_id == course_id,
        PaidAccess.status == "active")))


async def grant_paid_access(uow: UnitOfWork, event: PaymentSucceeded) -> None:
    await _record_access(uow, event, "active")


async def revoke_paid_access(uow: UnitOfWork, event: PaymentRefunded) -> None:
    await _record_access(uow, event, "revoked")


async def _record_access(uow: UnitOfWork, event: PaymentEvent, status: str) -> None:
    # One student's payments for one course are handled one at a time (a refund of one and a new
    # purchase may arrive together); the lock ends with the transaction.
    await uow.session.execute(select(func.pg_advisory_xact_lock(
        func.hashtextextended(f"paid_access:{event.student_id}:{event.course_id}", 0))))
    await keep_newest(uow.session, PaidAccess, {
        "payment_id": event.payment_id, "student_id": event.student_id,
        "course_id": event.course_id, "status": status, "version": event.version})
    await _align_enrollment(uow, event.student_id, event.course_id)


async def _align_enrollment(uow: UnitOfWork, student_id: uuid.UUID, course_id: uuid.UUID) -> None:
    """Enrolls, re-admits or revokes so the enrollment matches the paid access held now."""
    paid = await has_paid_access(uow, student_id, course_id)
    enrollment = (await uow.session.scalars(select(Enrollment).where(
        Enrollment.student_id == student_id, Enrollment.course_id == course_id)
        .with_for_update())).first()
    if not paid:
        if enrollment is not None and enrollment.status != "revoked":
            enrollment.status = "revoked"
            enrollment.version += 1
            uow.record(EnrollmentRevoked(enrollment_id=enrollment.id, student_id=student_id,
                                         course_id=course_id, version=enrollment.version))
        return
    if enrollment is None:
        enrollment = Enrollment(id=enrollment_id(student_id, course_id), student_id=student_id,
                                course_id=course_id, status="enrolled", version=1)
        uow.session.add(enrollment)
        await uow.session.flush()
    elif enrollment.status == "revoked":
        enrollment.status = await _status_on_return(uow, enrollment)
        enrollment.version += 1
    else:
        return  # enrolled already (an earlier delivery, or another payment)
    uow.record(StudentEnrolled(enrollment_id=enrollment.id, student_id=student_id,
                               course_id=course_id, version=enrollment.version))


async def _status_on_return(uow: UnitOfWork, enrollment: Enrollment) -> str:
    """A student who buys the course again keeps the lessons they had completed."""
    facts = await uow.session.get(CourseFacts, enrollment.course_id)
    lesson_ids = facts.lesson_ids if facts is not None else []
    done = await uow.session.scalar(select(func.count()).select_from(LessonCompletion).where(
        LessonCompletion.student_id == enrollment.student_id,
        LessonCompletion.lesson_id.in_(lesson_ids))) or 0
    return status_for(done, len(lesson_ids))
