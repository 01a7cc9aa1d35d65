"""Learning read models in Redis: enrollments with progress, and the student dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import orjson
from pydantic import BaseModel
from redis.asyncio import Redis

from common.ids import enrollment_id
from read.stores.catalog import COURSES, LUA_DOCS_WITH_COURSE_PAGES
from read.stores.documents import DocumentSpace, IndexEntry
from read.stores.notifications import NOTIFICATIONS

ENROLLMENTS = "enrollments"
DASHBOARD_LIMIT = 50  # courses per dashboard section; the totals say how many there are

# One round trip: is the student enrolled in the course, in the serving generation?
_IS_ENROLLED = """
local gen = redis.call('GET', KEYS[1]) or '1'
return redis.call('ZSCORE', ARGV[1] .. gen .. ':student:' .. ARGV[2], ARGV[3])
"""

# One round trip for the whole dashboard, however many courses: for the active and the completed
# section, the size, the most recent enrollments and their courses' pages; then the number of
# unread notifications.
_READ_DASHBOARD = LUA_DOCS_WITH_COURSE_PAGES + """
local enrollments = ARGV[1] .. (redis.call('GET', KEYS[1]) or '1') .. ':'
local courses = ARGV[3] .. (redis.call('GET', KEYS[2]) or '1') .. ':doc:'
local reply = {}
for _, section in ipairs({'active:', 'done:'}) do
  local set = enrollments .. section .. ARGV[2]
  local docs, pages = docs_with_course_pages(enrollments, courses, set, 0, tonumber(ARGV[4]) - 1)
  reply[#reply + 1] = {redis.call('ZCARD', set), docs, pages}
end
local inbox = ARGV[5] .. (redis.call('GET', KEYS[3]) or '1') .. ':unread:' .. ARGV[2]
reply[#reply + 1] = redis.call('ZCARD', inbox)
return reply
"""

EnrollmentStatus = Literal["enrolled", "in_progress", "completed", "revoked"]


class EnrollmentDoc(BaseModel):
    """One student in one course, with their progress through its current lessons."""

    id: UUID
    student_id: UUID
    course_id: UUID
    status: EnrollmentStatus
    version: int
    enrolled_at: datetime
    last_activity_at: datetime
    last_lesson_id: UUID | None
    next_lesson_id: UUID | None
    completed_lesson_ids: list[UUID]
    completed_lessons: int
    total_lessons: int
    progress_percent: int


def enrollment_entries(doc: EnrollmentDoc) -> list[IndexEntry]:
    """The student's courses (by enrollment time), and their active or completed enrollments
    (by last activity, for the dashboard). A revoked enrollment (its payment refunded) is in no
    set: its lessons close and it leaves the dashboard."""
    if doc.status == "revoked":
        return []
    section = "done" if doc.status == "completed" else "active"
    return [IndexEntry(f"student:{doc.student_id}", doc.enrolled_at.timestamp(),
                       str(doc.course_id)),
            IndexEntry(f"{section}:{doc.student_id}", doc.last_activity_at.timestamp(),
                       str(doc.id))]


class LessonRef(BaseModel):
    id: UUID
    title: str


class DashboardCourse(BaseModel):
    """A course on the student's dashboard."""

    course_id: UUID
    title: str
    cover_url: str | None
    teacher_name: str
    status: EnrollmentStatus
    progress_percent: int
    completed_lessons: int
    total_lessons: int
    next_lesson: LessonRef | None
    last_lesson: LessonRef | None  # "continue where you left off"
    last_activity_at: datetime
    enrolled_at: datetime


class DashboardSection(BaseModel):
    items: list[DashboardCourse]
    total: int


class Dashboard(BaseModel):
    in_progress: DashboardSection  # enrolled or started, most recent activity first
    completed: DashboardSection
    unread_notifications: int


def _lesson_ref(page: dict[str, Any], lesson_id: str | None) -> dict[str, str] | None:
    if lesson_id is None:
        return None
    for module in page["modules"]:
        for lesson in module["lessons"]:
            if lesson["id"] == lesson_id:
                return {"id": lesson_id, "title": lesson["title"]}
    return None  # removed from the course since


def _dashboard_course(raw_enrollment: bytes, raw_page: bytes | None) -> dict[str, Any] | None:
    """A `DashboardCourse` as JSON-ready data: the stored documents were written from the
    models, and the hot read path should not validate them into objects to serialize again."""
    enrollment = orjson.loads(raw_enrollment)["doc"]
    page = orjson.loads(raw_page)["doc"] if raw_page else None
    if page is None:  # the course page is being rebuilt or was never projected
        return None
    return {"course_id": enrollment["course_id"], "title": page["title"],
            "cover_url": page["cover_url"], "teacher_name": page["teacher_name"],
            "status": enrollment["status"], "progress_percent": enrollment["progress_percent"],
            "completed_lessons": enrollment["completed_lessons"],
            "total_lessons": enrollment["total_lessons"],
            "next_lesson": _lesson_ref(page, enrollment["next_lesson_id"]),
            "last_lesson": _lesson_ref(page, enrollment["last_lesson_id"]),
            "last_activity_at": enrollment["last_activity_at"],
            "enrolled_at": enrollment["enrolled_at"]}


class LearningReadStore:
    """Learning queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.enrollments = DocumentSpace(redis, ENROLLMENTS)
        self.courses = DocumentSpace(redis, COURSES)
        self.notifications = DocumentSpace(redis, NOTIFICATIONS)
        self._is_enrolled = redis.register_script(_IS_ENROLLED)
        self._read_dashboard = redis.register_script(_READ_DASHBOARD)

    async def is_enrolled(self, student_id: UUID, course_id: UUID) -> bool:
        score = await self._is_enrolled(keys=[self.enrollments.generation_key],
                                        args=[self.enrollments.key_prefix, str(student_id),
                                              str(course_id)])
        return score is not None

    async def progress(self, student_id: UUID, course_id: UUID) -> EnrollmentDoc | None:
        """The student's enrollment in the course, unless there is none or it was revoked."""
        doc = await self.enrollments.get_current(str(enrollment_id(student_id, course_id)))
        return EnrollmentDoc.model_validate(doc) if doc and doc["status"] != "revoked" else None

    async def dashboard(self, student_id: UUID, *, limit: int = DASHBOARD_LIMIT
                        ) -> dict[str, Any]:
        """The student's active and completed courses, most recent activity first, as
        JSON-ready data (shape: `Dashboard`)."""
        active, done, unread = await self._read_dashboard(
            keys=[self.enrollments.generation_key, self.courses.generation_key,
                  self.notifications.generation_key],
            args=[self.enrollments.key_prefix, str(student_id), self.courses.key_prefix, limit,
                  self.notifications.key_prefix])
        return {"in_progress": _section(active), "completed": _section(done),
                "unread_notifications": int(unread)}


def _section(reply: list[Any]) -> dict[str, Any]:
    total, enrollments, pages = reply
    items = [course for raw, page in zip(enrollments, pages, strict=True)
             if raw and (course := _dashboard_course(raw, page)) is not None]
    return {"items": items, "total": int(total)}
