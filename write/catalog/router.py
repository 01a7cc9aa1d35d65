"""Catalog commands over HTTP (write API)."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Response, status

from common.errors import BadRequest
from write.catalog.commands import (
    AddLesson,
    AddModule,
    CategoryOut,
    ChangeCategory,
    ChangeCourse,
    ChangeLesson,
    ChangeModule,
    CourseVersion,
    CreateCategory,
    CreateCourse,
    Created,
    Reorder,
)
from write.catalog.handlers import categories, courses, outline
from write.deps import CurrentUser, WriteSession
from write.outbox import UnitOfWork

router = APIRouter(prefix="/api", tags=["catalog"])
Versioned = TypeVar("Versioned", Created, CourseVersion)


def _expected_version(if_match: Annotated[str | None, Header(
        alias="If-Match", description='The course version the client saw, e.g. "3"')] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdecimal() or len(value) > 9:
        raise BadRequest("If-Match must be a course version such as \"3\"", code="invalid_if_match",
                         fields={"If-Match": "not a version"})
    return int(value)


ExpectedVersion = Annotated[int | None, Depends(_expected_version)]


async def _committed(uow: UnitOfWork, response: Response, result: Versioned) -> Versioned:
    """Commits the command; answers with its consistency token and the course's new ETag."""
    await uow.commit_into(response)
    response.headers["ETag"] = f'"{result.version}"'
    return result


@router.post("/categories", status_code=201, response_model=CategoryOut)
async def create_category(cmd: CreateCategory, user: CurrentUser, uow: WriteSession,
                          response: Response) -> CategoryOut:
    """Create a category (admins only)."""
    result = await categories.create_category(uow, user, cmd)
    await uow.commit_into(response)
    return result


@router.patch("/categories/{category_id}", response_model=CategoryOut)
async def change_category(category_id: uuid.UUID, cmd: ChangeCategory, user: CurrentUser,
                          uow: WriteSession, response: Response) -> CategoryOut:
    """Rename a category or change its slug (admins only)."""
    result = await categories.change_category(uow, user, category_id, cmd)
    await uow.commit_into(response)
    return result


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(category_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                          response: Response) -> None:
    """Delete a category no course uses (admins only)."""
    await categories.delete_category(uow, user, category_id)
    await uow.commit_into(response)


@router.post("/courses", status_code=201, response_model=Created)
async def create_course(cmd: CreateCourse, user: CurrentUser, uow: WriteSession,
                        response: Response) -> Created:
    """Create a draft course (verified teachers)."""
    return await _committed(uow, response, await courses.create_course(uow, user, cmd))


@router.patch("/courses/{course_id}", response_model=CourseVersion)
async def change_course(course_id: uuid.UUID, cmd: ChangeCourse, user: CurrentUser,
                        uow: WriteSession, expected: ExpectedVersion,
                        response: Response) -> CourseVersion:
    """Change a course's fields (its teacher or an admin); If-Match guards against lost updates."""
    return await _committed(uow, response, await courses.change_course(uow, user, course_id, cmd, expected))


@router.post("/courses/{course_id}/publish", response_model=CourseVersion)
async def publish_course(course_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                         expected: ExpectedVersion, response: Response) -> CourseVersion:
    """Publish a course with at least one lesson."""
    return await _committed(uow, response, await courses.publish_course(uow, user, course_id, expected))


@router.post("/courses/{course_id}/archive", response_model=CourseVersion)
async def archive_course(course_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                         expected: ExpectedVersion, response: Response) -> CourseVersion:
    """Archive a course: it leaves the catalog and search."""
    return await _committed(uow, response, await courses.archive_course(uow, user, course_id, expected))


@router.post("/courses/{course_id}/modules", status_code=201, response_model=Created)
async def add_module(course_id: uuid.UUID, cmd: AddModule, user: CurrentUser, uow: WriteSession,
                     expected: ExpectedVersion, response: Response) -> Created:
    """Add a module at the end of the course."""
    return await _committed(uow, response, await outline.add_module(uow, user, course_id, cmd, expected))


@router.post("/courses/{course_id}/modules/reorder", response_model=Created)
async def reorder_modules(course_id: uuid.UUID, cmd: Reorder, user: CurrentUser,
                          uow: WriteSession, expected: ExpectedVersion,
                          response: Response) -> Created:
    """Put the course's modules in the given order (every module id once)."""
    return await _committed(uow, response, await outline.reorder_modules(uow, user, course_id, cmd, expected))


@router.patch("/modules/{module_id}", response_model=Created)
async def change_module(module_id: uuid.UUID, cmd: ChangeModule, user: CurrentUser,
                        uow: WriteSession, expected: ExpectedVersion,
                        response: Response) -> Created:
    """Rename a module."""
    return await _committed(uow, response, await outline.change_module(uow, user, module_id, cmd, expected))


@router.delete("/modules/{module_id}", response_model=Created)
async def remove_module(module_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                        expected: ExpectedVersion, response: Response) -> Created:
    """Remove a module and its lessons (a published course keeps at least one lesson)."""
    return await _committed(uow, response, await outline.remove_module(uow, user, module_id, expected))


@router.post("/modules/{module_id}/lessons", status_code=201, response_model=Created)
async def add_lesson(module_id: uuid.UUID, cmd: AddLesson, user: CurrentUser, uow: WriteSession,
                     expected: ExpectedVersion, response: Response) -> Created:
    """Add a lesson at the end of the module."""
    return await _committed(uow, response, await outline.add_lesson(uow, user, module_id, cmd, expected))


@router.post("/modules/{module_id}/lessons/reorder", response_model=Created)
async def reorder_lessons(module_id: uuid.UUID, cmd: Reorder, user: CurrentUser,
                          uow: WriteSession, expected: ExpectedVersion,
                          response: Response) -> Created:
    """Put the module's lessons in the given order (every lesson id once)."""
    return await _committed(uow, response, await outline.reorder_lessons(uow, user, module_id, cmd, expected))


@router.patch("/lessons/{lesson_id}", response_model=Created)
async def change_lesson(lesson_id: uuid.UUID, cmd: ChangeLesson, user: CurrentUser,
                        uow: WriteSession, expected: ExpectedVersion,
                        response: Response) -> Created:
    """Change a lesson's title, content, video, duration or preview flag."""
    return await _committed(uow, response, await outline.change_lesson(uow, user, lesson_id, cmd, expected))


@router.delete("/lessons/{lesson_id}", response_model=Created)
async def remove_lesson(lesson_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                        expected: ExpectedVersion, response: Response) -> Created:
    """Remove a lesson (a published course keeps at least one)."""
    return await _committed(uow, response, await outline.remove_lesson(uow, user, lesson_id, expected))
