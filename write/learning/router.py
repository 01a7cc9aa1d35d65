"""Learning commands over HTTP (write API)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from write.deps import CurrentUser, WriteSession
from write.learning import handlers
from write.learning.commands import Enroll, EnrollmentOut

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
