"""Learning commands: enrolling in a course, opening and completing its lessons."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, Forbidden, NotFound, PaymentRequired
from common.ids import enrollment_id
from write.events import LessonCompleted, LessonOpened, StudentEnrolled
from write.learning.commands import Enroll, EnrollmentOut, ProgressOut
from write.learning.models import CourseFacts, Enrollment, LessonCompletion, status_for
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
    enrollment = Enrollment(id=enrollment_id(student_id, course.course_id),
                            student_id=student_id, course_id=course.course_id,
                            status="enrolled", version=1)
    uow.session.add(enrollment)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent request enrolled first
        raise _already_enrolled() from exc
    uow.record(StudentEnrolled(enrollment_id=enrollment.id, student_id=student_id,
                               course_id=course.course_id, version=enrollment.version))
    return EnrollmentOut(id=enrollment.id, course_id=course.course_id, status=enrollment.status)


async def _lesson_enrollment(uow: UnitOfWork, student_id: uuid.UUID, lesson_id: uuid.UUID
                             ) -> tuple[CourseFacts, Enrollment]:
    """The published course holding the lesson and the caller's enrollment in it, both locked.

    The course facts are share-locked so that a change of the lesson list (which re-counts
    every enrollment of the course) waits for this command, or this command for it.
    """
    course = (await uow.session.scalars(select(CourseFacts).where(
        CourseFacts.lesson_ids.contains([lesson_id]), CourseFacts.status == "published")
        .with_for_update(read=True))).first()
    if course is None:
        raise NotFound("no such lesson", code="lesson_not_found")
    enrollment = await uow.session.get(
        Enrollment, enrollment_id(student_id, course.course_id), with_for_update=True)
    if enrollment is None or enrollment.status == "revoked":  # a refund took the access away
        raise Forbidden("enroll in the course to study its lessons", code="enrollment_required")
    return course, enrollment


def _moved_to(enrollment: Enrollment, lesson_id: uuid.UUID) -> None:
    enrollment.last_lesson_id = lesson_id
    enrollment.last_activity_at = func.now()
    enrollment.version += 1


async def open_lesson(uow: UnitOfWork, student_id: uuid.UUID, lesson_id: uuid.UUID) -> None:
    """Remembers the lesson as the place to continue from."""
    course, enrollment = await _lesson_enrollment(uow, student_id, lesson_id)
    _moved_to(enrollment, lesson_id)
    uow.record(LessonOpened(enrollment_id=enrollment.id, student_id=student_id,
                            course_id=course.course_id, lesson_id=lesson_id,
                            version=enrollment.version))


async def complete_lesson(uow: UnitOfWork, student_id: uuid.UUID, lesson_id: uuid.UUID
                          ) -> ProgressOut:
    """Marks a lesson of a course the student takes as done; doing it again changes nothing."""
    course, enrollment = await _lesson_enrollment(uow, student_id, lesson_id)
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
        enrollment.status = status_for(done, total)
        _moved_to(enrollment, lesson_id)
        uow.record(LessonCompleted(
            enrollment_id=enrollment.id, student_id=student_id, course_id=course.course_id,
            lesson_id=lesson_id, version=enrollment.version, status=enrollment.status,
            completed_lessons=done, total_lessons=total))
    return ProgressOut(course_id=course.course_id, lesson_id=lesson_id, status=enrollment.status,
                       completed_lessons=done, total_lessons=total,
                       progress_percent=done * 100 // total if total else 0)
