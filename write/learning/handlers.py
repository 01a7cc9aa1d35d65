"""Learning commands: enrolling in a course."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, Forbidden, NotFound, PaymentRequired
from write.events import StudentEnrolled
from write.learning.commands import Enroll, EnrollmentOut
from write.learning.models import CourseFacts, Enrollment
from write.outbox import UnitOfWork


def _already_enrolled() -> Conflict:
    return Conflict("you are already enrolled in this course", code="already_enrolled",
                    fields={"course_id": "already enrolled"})


async def enroll(uow: UnitOfWork, student_id: uuid.UUID, cmd: Enroll) -> EnrollmentOut:
    """Enrolls the caller in a published free course; a paid one needs a payment (402)."""
    course = await uow.session.get(CourseFacts, cmd.course_id)
    # Drafts and archived courses are as unknown as missing ones; a course published a moment
    # ago may not have reached learning's copy yet, and enrolling again then works (ADR 0009).
    if course is None or course.status != "published":
        raise NotFound("no such course", code="course_not_found")
    if course.teacher_id == student_id:
        raise Forbidden("teachers cannot enroll in their own course", code="own_course")
    if await uow.session.scalar(select(Enrollment.id).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course.course_id)):
        raise _already_enrolled()
    if course.price is not None:
        raise PaymentRequired(f"this course costs {course.price} {course.currency}; pay first",
                              code="payment_required", fields={"course_id": "paid course"})
    enrollment = Enrollment(id=uuid.uuid4(), student_id=student_id, course_id=course.course_id,
                            status="enrolled", version=1)
    uow.session.add(enrollment)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent request enrolled first
        raise _already_enrolled() from exc
    uow.record(StudentEnrolled(enrollment_id=enrollment.id, student_id=student_id,
                               course_id=course.course_id, version=enrollment.version))
    return EnrollmentOut(id=enrollment.id, course_id=course.course_id, status=enrollment.status)
