"""Courses: create (verified teachers), change, publish, archive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from common.errors import Conflict, Invalid
from write.catalog.access import course_for_change, lesson_count, require_verified_teacher
from write.catalog.commands import ChangeCourse, CourseVersion, CreateCourse, Created
from write.catalog.facts import publish_facts_on_commit
from write.catalog.models import Category, Course
from write.events import CourseArchived, CourseChanged, CourseCreated, CoursePublished
from write.identity.models import User
from write.outbox import UnitOfWork


async def _check_category(uow: UnitOfWork, category_id: uuid.UUID | None) -> None:
    if category_id is not None and await uow.session.get(Category, category_id) is None:
        raise Invalid("no such category", fields={"category_id": "unknown category"})


def _check_price(course: Course) -> None:
    if course.price is not None and course.currency is None:
        raise Invalid("a price needs a currency", fields={"currency": "required with a price"})
    if course.price is None:
        course.currency = None


async def create_course(uow: UnitOfWork, teacher: User, cmd: CreateCourse) -> Created:
    require_verified_teacher(teacher)
    await _check_category(uow, cmd.category_id)
    course = Course(
        id=uuid.uuid4(), teacher_id=teacher.id, category_id=cmd.category_id, title=cmd.title,
        description_html=cmd.description, level=cmd.level, language=cmd.language,
        price=cmd.price, currency=cmd.currency, cover_url=cmd.cover_url, status="draft",
        version=1,
    )
    _check_price(course)
    uow.session.add(course)
    await uow.session.flush()
    uow.record(CourseCreated(course_id=course.id, version=course.version, teacher_id=teacher.id,
                             title=course.title))
    publish_facts_on_commit(uow, course, loaded_version=None)
    return Created(id=course.id, version=course.version)


_FIELDS = {"title": "title", "description": "description_html", "category_id": "category_id",
           "level": "level", "language": "language", "price": "price", "currency": "currency",
           "cover_url": "cover_url"}


async def change_course(uow: UnitOfWork, user: User, course_id: uuid.UUID, cmd: ChangeCourse,
                        expected_version: int | None) -> CourseVersion:
    course = await course_for_change(uow, user, course_id, expected_version)
    sent = cmd.model_fields_set
    if "category_id" in sent:
        await _check_category(uow, cmd.category_id)
    before = {field: getattr(course, column) for field, column in _FIELDS.items()}
    for field in sent:
        setattr(course, _FIELDS[field], getattr(cmd, field))
    _check_price(course)
    # What really changed, after the price rules (a currency on a free course is dropped).
    changed = sorted(f for f, column in _FIELDS.items() if getattr(course, column) != before[f])
    if changed:
        course.touch()
        uow.record(CourseChanged(course_id=course.id, version=course.version, changed=changed))
    return CourseVersion(id=course.id, version=course.version, status=course.status)


async def publish_course(uow: UnitOfWork, user: User, course_id: uuid.UUID,
                         expected_version: int | None) -> CourseVersion:
    course = await course_for_change(uow, user, course_id, expected_version)
    if course.status == "published":
        return CourseVersion(id=course.id, version=course.version, status=course.status)
    if await lesson_count(uow, course.id) == 0:
        raise Conflict("a course needs at least one lesson to be published", code="no_lessons")
    course.status = "published"
    course.published_at = course.published_at or datetime.now(UTC)
    course.touch()
    uow.record(CoursePublished(course_id=course.id, version=course.version))
    return CourseVersion(id=course.id, version=course.version, status=course.status)


async def archive_course(uow: UnitOfWork, user: User, course_id: uuid.UUID,
                         expected_version: int | None) -> CourseVersion:
    course = await course_for_change(uow, user, course_id, expected_version)
    if course.status != "archived":
        course.status = "archived"
        course.touch()
        uow.record(CourseArchived(course_id=course.id, version=course.version))
    return CourseVersion(id=course.id, version=course.version, status=course.status)
