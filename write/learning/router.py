"""Learning commands over HTTP (write API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from write.deps import CurrentUser, WriteSession
from write.learning import handlers
from write.learning.commands import Enroll, EnrollmentOut, ProgressOut

router = APIRouter(prefix="/api", tags=["learning"])


@router.post("/enrollments", status_code=201, response_model=EnrollmentOut,
             responses={402: {"description": "the course is paid: pay first"},
                        404: {"description": "no published course with this id"},
                        409: {"description": "already enrolled"}})
async def enroll(cmd: Enroll, user: CurrentUser, uow: WriteSession,
                 response: Response) -> EnrollmentOut:
    """Enroll in a published free course (a paid one answers 402 until it is paid for)."""
    result = await handlers.enroll(uow, user.id, cmd)
    await uow.commit_into(response)
    return result


@router.post("/lessons/{lesson_id}/complete", response_model=ProgressOut,
             responses={403: {"description": "not enrolled in the lesson's course"},
                        404: {"description": "no lesson of a published course with this id"}})
async def complete_lesson(lesson_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                          response: Response) -> ProgressOut:
    """Mark a lesson done (idempotent); answers the course progress."""
    result = await handlers.complete_lesson(uow, user.id, lesson_id)
    await uow.commit_into(response)
    return result


@router.post("/lessons/{lesson_id}/open", status_code=204,
             responses={403: {"description": "not enrolled in the lesson's course"},
                        404: {"description": "no lesson of a published course with this id"}})
async def open_lesson(lesson_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                      response: Response) -> None:
    """Remember this lesson as where the student continues the course ("continue where you left
    off" on the dashboard)."""
    await handlers.open_lesson(uow, user.id, lesson_id)
    await uow.commit_into(response)
