"""Learning read models in Redis: who is enrolled in what."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel
from redis.asyncio import Redis

from read.stores.documents import DocumentSpace, IndexEntry

ENROLLMENTS = "enrollments"

# One round trip: is the student enrolled in the course, in the serving generation?
_IS_ENROLLED = """
local gen = redis.call('GET', KEYS[1]) or '1'
return redis.call('ZSCORE', ARGV[1] .. gen .. ':student:' .. ARGV[2], ARGV[3])
"""


class EnrollmentDoc(BaseModel):
    id: UUID
    student_id: UUID
    course_id: UUID
    status: str
    version: int


def enrollment_entries(doc: EnrollmentDoc, *, enrolled_at: float) -> list[IndexEntry]:
    """The student's set of courses (scored by when they enrolled); a revoked enrollment (its
    payment refunded) is in no set, so its lessons close."""
    if doc.status == "revoked":
        return []
    return [IndexEntry(f"student:{doc.student_id}", enrolled_at, str(doc.course_id))]


class LearningReadStore:
    """Learning queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.enrollments = DocumentSpace(redis, ENROLLMENTS)
        self._is_enrolled = redis.register_script(_IS_ENROLLED)

    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool:
        score = await self._is_enrolled(keys=[self.enrollments.generation_key],
                                        args=[self.enrollments.key_prefix, str(student_id),
                                              str(course_id)])
        return score is not None
