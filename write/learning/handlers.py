"""Learning commands: enrolling in a course, completing its lessons."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, Forbidden, NotFound, PaymentRequired
from write.events import LessonCompleted, StudentEnrolled
from write.learning.commands import Enroll, EnrollmentOut, ProgressOut
from write.learning.models import CourseFacts, Enrollment, LessonCompletion
from write.learning.payments import has_paid_access
from write.outbox import UnitOfWork


def _already_enrolled() -> Conflict:
    return Conflict("you are already enrolled in this course", code="already_enrolled",
                    fields={"course_id": "already enrolled"})


async def enroll(uow: UnitOfWork, student_id: uuid.UUID, cmd: Enroll) -> EnrollmentOut:
    """Enrolls the caller in a published free course; a paid one needs a payment (402), which
    enrolls the student by itself (write/learning/payments.py)."""
    course = await uow.session.get(CourseFacts, cmd.course_id)
    # Drafts and archived courses are as unknown as missing ones; a course published a moment
    # ago may not have reached learning's copy yet, and enrolling again then works (ADR 0009).
    if course is None or course.status != "published":
        raise NotFound("no such course", code="course_not_found")
    if course.teacher_id == student_id:
        raise Forbidden("teachers cannot enroll in their own course", code="own_course")
    if await uow.session.scalar(select(Enrollment.id).where(
            Enrollment.student_id == student_id, Enrollment.course_id == course.course_id,
            Enrollment.status != "revoked")):
        raise _already_enrolled()
    if course.price is not None and not await has_paid_access(uow, student_id, course.course_id):
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


async def complete_lesson(uow: UnitOfWork, student_id: uuid.UUID, lesson_id: uuid.UUID
                          ) -> ProgressOut:
    """Marks a lesson of a course the student takes as done; doing it again changes nothing."""
    course = (await uow.session.scalars(select(CourseFacts).where(
        CourseFacts.lesson_ids.contains([lesson_id]), CourseFacts.status == "published"))).first()
    if course is None:
        raise NotFound("no such lesson", code="lesson_not_found")
    enrollment = (await uow.session.scalars(select(Enrollment).where(
        Enrollment.student_id == student_id, Enrollment.course_id == course.course_id)
        .with_for_update())).first()
    if enrollment is None or enrollment.status == "revoked":
        raise Forbidden("enroll in the course to complete its lessons", code="enrollment_required")
    inserted = await uow.session.scalar(
        insert(LessonCompletion).values(student_id=student_id, lesson_id=lesson_id,
                                        course_id=course.course_id)
        .on_conflict_do_nothing().returning(LessonCompletion.lesson_id))
    # Progress counts the course's current lessons only (one removed since does not count).
    done = await uow.session.scalar(select(func.count()).select_from(LessonCompletion).where(
        LessonCompletion.student_id == student_id,
        LessonCompletion.lesson_id.in_(course.lesson_ids))) or 0
    total = len(course.lesson_ids)
    if inserted is not None:
        enrollment.status = "completed" if done >= total else "in_progress"
        enrollment.version += 1
        uow.record(LessonCompleted(
            enrollment_id=enrollment.id, student_id=student_id, course_id=course.course_id,
            lesson_id=lesson_id, version=enrollment.version, status=enrollment.status,
            completed_lessons=done, total_lessons=total))
    return ProgressOut(course_id=course.course_id, lesson_id=lesson_id, status=enrollment.status,
                       completed_lessons=done, total_lessons=total,
                       progress_percent=done * 100 // total if total else 0)
