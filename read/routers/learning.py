"""Learning queries: the student's dashboard and progress in a course (Redis only)."""

from __future__ import annotations

from uuid import UUID

import orjson
from fastapi import APIRouter, Response

from common.errors import NotFound
from read.deps import LearningStore, Reader
from read.stores.learning import Dashboard, EnrollmentDoc

router = APIRouter(prefix="/api/me", tags=["learning"])


@router.get("/dashboard", response_model=Dashboard)
async def dashboard(user: Reader, learning: LearningStore) -> Response:
    """The caller's courses with progress, next lesson and last activity, completed ones apart,
    and how many notifications are unread."""
    return Response(orjson.dumps(await learning.dashboard(user.id)),
                    media_type="application/json")


@router.get("/courses/{course_id}/progress", response_model=EnrollmentDoc,
            responses={404: {"description": "the caller is not enrolled in this course"}})
async def progress(course_id: UUID, user: Reader, learning: LearningStore) -> EnrollmentDoc:
    """Where the caller stands in a course: lessons done, the next one, the last one opened."""
    doc = await learning.progress(user.id, course_id)
    if doc is None:
        raise NotFound("you are not enrolled in this course", code="not_enrolled")
    return doc
