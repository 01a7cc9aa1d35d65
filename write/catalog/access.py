"""Who may change what in the catalog, and loading an aggregate for a change (locked, versioned)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from common.errors import Conflict, Forbidden, NotFound
from write.catalog.facts import publish_facts_on_commit
from write.catalog.models import Course, Lesson, Module
from write.identity.models import User
from write.outbox import UnitOfWork


def require_verified_teacher(user: User) -> None:
    if user.role != "teacher":
        raise Forbidden("only teachers author courses", code="teacher_required")
    if not user.teacher_verified:
        raise Forbidden("your teacher account is not verified yet", code="teacher_not_verified")


def require_admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("admins only", code="admin_required")


def require_editor(user: User, course: Course) -> None:
    """Admins, and the course's own teacher while their account is verified."""
    if user.role == "admin":
        return
    if course.teacher_id != user.id or user.role != "teacher":
        raise Forbidden("only the course's teacher or an admin may change it", code="not_course_owner")
    require_verified_teacher(user)


async def course_for_change(uow: UnitOfWork, user: User, course_id: uuid.UUID,
                            expected_version: int | None) -> Course:
    """The course, row-locked, if the user may edit it and it is still at the version they saw."""
    course = (await uow.session.scalars(
        select(Course).where(Course.id == course_id).with_for_update())).first()
    if course is None:
        raise NotFound("no such course", code="course_not_found")
    require_editor(user, course)
    if expected_version is not None and course.version != expected_version:
        raise Conflict(f"the course changed since version {expected_version} "
                       f"(now {course.version}); reload and try again", code="version_conflict")
    publish_facts_on_commit(uow, course, loaded_version=course.version)
    return course


async def module_for_change(uow: UnitOfWork, user: User, module_id: uuid.UUID,
                            expected_version: int | None) -> tuple[Course, Module]:
    course_id = await uow.session.scalar(select(Module.course_id).where(Module.id == module_id))
    if course_id is None:
        raise NotFound("no such module", code="module_not_found")
    course = await course_for_change(uow, user, course_id, expected_version)
    module = await uow.session.get(Module, module_id)
    if module is None:  # removed while we waited for the course lock
        raise NotFound("no such module", code="module_not_found")
    return course, module


async def lesson_for_change(uow: UnitOfWork, user: User, lesson_id: uuid.UUID,
                            expected_version: int | None) -> tuple[Course, Lesson]:
    course_id = await uow.session.scalar(select(Lesson.course_id).where(Lesson.id == lesson_id))
    if course_id is None:
        raise NotFound("no such lesson", code="lesson_not_found")
    course = await course_for_change(uow, user, course_id, expected_version)
    lesson = await uow.session.get(Lesson, lesson_id)
    if lesson is None:
        raise NotFound("no such lesson", code="lesson_not_found")
    return course, lesson


async def lesson_count(uow: UnitOfWork, course_id: uuid.UUID) -> int:
    return int(await uow.session.scalar(
        select(func.count()).select_from(Lesson).where(Lesson.course_id == course_id)) or 0)
