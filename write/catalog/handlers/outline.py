"""Modules and lessons: add, change, remove, reorder. Each bumps the course's version."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from common.errors import Conflict, Invalid
from write.catalog.access import (
    course_for_change,
    lesson_count,
    lesson_for_change,
    module_for_change,
)
from write.catalog.commands import AddLesson, AddModule, ChangeLesson, ChangeModule, Created, Reorder
from write.catalog.models import Course, Lesson, Module
from write.events import (
    LessonAdded,
    LessonChanged,
    LessonRemoved,
    LessonsReordered,
    ModuleAdded,
    ModuleChanged,
    ModuleRemoved,
    ModulesReordered,
)
from write.identity.models import User
from write.outbox import UnitOfWork


async def _next_position(uow: UnitOfWork, column: InstrumentedAttribute[int],
                         parent: InstrumentedAttribute[uuid.UUID], parent_id: uuid.UUID) -> int:
    last = await uow.session.scalar(select(func.max(column)).where(parent == parent_id))
    return int(last) + 1 if last is not None else 0


def _keep_a_lesson(course: Course, remaining: int) -> None:
    if course.status == "published" and remaining == 0:
        raise Conflict("a published course cannot lose its last lesson; archive it instead",
                       code="last_lesson")


async def add_module(uow: UnitOfWork, user: User, course_id: uuid.UUID, cmd: AddModule,
                     expected_version: int | None) -> Created:
    course = await course_for_change(uow, user, course_id, expected_version)
    module = Module(id=uuid.uuid4(), course_id=course.id, title=cmd.title,
                    position=await _next_position(uow, Module.position, Module.course_id, course.id))
    uow.session.add(module)
    course.touch()
    uow.record(ModuleAdded(course_id=course.id, version=course.version, module_id=module.id,
                           title=module.title))
    return Created(id=module.id, version=course.version)


async def change_module(uow: UnitOfWork, user: User, module_id: uuid.UUID, cmd: ChangeModule,
                        expected_version: int | None) -> Created:
    course, module = await module_for_change(uow, user, module_id, expected_version)
    if module.title != cmd.title:
        module.title = cmd.title
        course.touch()
        uow.record(ModuleChanged(course_id=course.id, version=course.version, module_id=module.id,
                                 title=module.title))
    return Created(id=module.id, version=course.version)


async def remove_module(uow: UnitOfWork, user: User, module_id: uuid.UUID,
                        expected_version: int | None) -> Created:
    course, module = await module_for_change(uow, user, module_id, expected_version)
    lesson_ids = list(await uow.session.scalars(select(Lesson.id).where(Lesson.module_id == module.id)))
    _keep_a_lesson(course, await lesson_count(uow, course.id) - len(lesson_ids))
    await uow.session.delete(module)
    course.touch()
    uow.record(ModuleRemoved(course_id=course.id, version=course.version, module_id=module_id,
                             lesson_ids=lesson_ids))
    return Created(id=module_id, version=course.version)


async def _apply_order(uow: UnitOfWork, rows: list[Module] | list[Lesson], wanted: list[uuid.UUID]
                       ) -> None:
    if sorted(wanted) != sorted(row.id for row in rows) or len(set(wanted)) != len(wanted):
        raise Invalid("send every id of the list exactly once",
                      fields={"ids": "must be a permutation of the current ids"})
    by_id = {row.id: row for row in rows}
    for position, row_id in enumerate(wanted):
        by_id[row_id].position = position
    await uow.session.flush()


async def reorder_modules(uow: UnitOfWork, user: User, course_id: uuid.UUID, cmd: Reorder,
                          expected_version: int | None) -> Created:
    course = await course_for_change(uow, user, course_id, expected_version)
    modules = list(await uow.session.scalars(select(Module).where(Module.course_id == course.id)))
    await _apply_order(uow, modules, cmd.ids)
    course.touch()
    uow.record(ModulesReordered(course_id=course.id, version=course.version, module_ids=cmd.ids))
    return Created(id=course.id, version=course.version)


async def add_lesson(uow: UnitOfWork, user: User, module_id: uuid.UUID, cmd: AddLesson,
                     expected_version: int | None) -> Created:
    course, module = await module_for_change(uow, user, module_id, expected_version)
    lesson = Lesson(
        id=uuid.uuid4(), module_id=module.id, course_id=course.id, title=cmd.title,
        content_md=cmd.content, video_url=cmd.video_url, duration_minutes=cmd.duration_minutes,
        preview=cmd.preview,
        position=await _next_position(uow, Lesson.position, Lesson.module_id, module.id),
    )
    uow.session.add(lesson)
    course.touch()
    uow.record(LessonAdded(course_id=course.id, version=course.version, module_id=module.id,
                           lesson_id=lesson.id, title=lesson.title, preview=lesson.preview))
    return Created(id=lesson.id, version=course.version)


_LESSON_FIELDS = {"title": "title", "content": "content_md", "video_url": "video_url",
                  "duration_minutes": "duration_minutes", "preview": "preview"}


async def change_lesson(uow: UnitOfWork, user: User, lesson_id: uuid.UUID, cmd: ChangeLesson,
                        expected_version: int | None) -> Created:
    course, lesson = await lesson_for_change(uow, user, lesson_id, expected_version)
    changed = sorted(field for field in cmd.model_fields_set
                     if getattr(lesson, _LESSON_FIELDS[field]) != getattr(cmd, field))
    if any(getattr(cmd, f) is None for f in changed if f != "video_url"):
        raise Invalid("only video_url may be cleared", fields={
            f: "may not be null" for f in changed if f != "video_url" and getattr(cmd, f) is None})
    for field in changed:
        setattr(lesson, _LESSON_FIELDS[field], getattr(cmd, field))
    if changed:
        course.touch()
        uow.record(LessonChanged(course_id=course.id, version=course.version, lesson_id=lesson.id,
                                 changed=changed))
    return Created(id=lesson.id, version=course.version)


async def remove_lesson(uow: UnitOfWork, user: User, lesson_id: uuid.UUID,
                        expected_version: int | None) -> Created:
    course, lesson = await lesson_for_change(uow, user, lesson_id, expected_version)
    _keep_a_lesson(course, await lesson_count(uow, course.id) - 1)
    await uow.session.delete(lesson)
    course.touch()
    uow.record(LessonRemoved(course_id=course.id, version=course.version, lesson_id=lesson_id))
    return Created(id=lesson_id, version=course.version)


async def reorder_lessons(uow: UnitOfWork, user: User, module_id: uuid.UUID, cmd: Reorder,
                          expected_version: int | None) -> Created:
    course, module = await module_for_change(uow, user, module_id, expected_version)
    lessons = list(await uow.session.scalars(select(Lesson).where(Lesson.module_id == module.id)))
    await _apply_order(uow, lessons, cmd.ids)
    course.touch()
    uow.record(LessonsReordered(course_id=course.id, version=course.version, module_id=module.id,
                                lesson_ids=cmd.ids))
    return Created(id=module.id, version=course.version)
