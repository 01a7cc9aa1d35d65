"""Progress over HTTP: opening and completing lessons move the student's dashboard and course
progress; a changed lesson list re-counts every enrollment of the course."""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import verify
from read.stores.learning import LearningReadStore
from tests.actors import Actor, admin_of, publish_course, sign_up, verified_teacher
from tests.builders import envelopes
from tests.checks import (
    enrollment_state,
    eventually,
    expect_error,
    known_to_learning,
    lesson_ids,
    settled,
)
from tests.harness import Platform
from workers.routing import PROJECTIONS


async def enrolled(platform: Platform, email: str, *course_ids: str) -> Actor:
    student = await sign_up(platform, email)
    for course_id in course_ids:
        await student.command("POST", "/api/enrollments", expect=201,
                              json={"course_id": course_id})
    return student


def titles(section: dict[str, Any]) -> list[str]:
    return [item["title"] for item in section["items"]]


async def progress_reaching(student: Actor, course_id: str, percent: int) -> dict[str, Any]:
    """The student's progress once it shows `percent` (a lesson-list change is re-counted by a
    reaction in the background)."""
    async def probe() -> dict[str, Any] | None:
        response = await student.p.read.get(f"/api/me/courses/{course_id}/progress",
                                            headers=student.auth)
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["progress_percent"] == percent \
            else None

    return await eventually(probe, f"progress never reached {percent}%")


async def test_the_dashboard_follows_opened_and_completed_lessons(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    python = await publish_course(teacher, title="Python", lessons=3)
    sql = await publish_course(teacher, title="SQL", lessons=1)
    for course_id in (python, sql):
        await known_to_learning(engine, teacher, course_id)
    first, second, third = await lesson_ids(teacher, python)
    [only] = await lesson_ids(teacher, sql)
    student = await enrolled(platform, "learner@example.com", python, sql)

    board = (await student.read("/api/me/dashboard")).json()
    assert titles(board["in_progress"]) == ["SQL", "Python"]  # last enrolled first
    assert board["completed"] == {"items": [], "total": 0}
    fresh = board["in_progress"]["items"][1]
    assert fresh | {"last_activity_at": None, "enrolled_at": None} == {
        "course_id": python, "title": "Python", "cover_url": None, "teacher_name": "Ada Teacher",
        "status": "enrolled", "progress_percent": 0, "completed_lessons": 0, "total_lessons": 3,
        "next_lesson": {"id": first, "title": "Lesson 1"}, "last_lesson": None,
        "last_activity_at": None, "enrolled_at": None}

    opened = await student.command("POST", f"/api/lessons/{second}/open", expect=204)
    assert opened.headers["X-Consistency-Token"].startswith("v1.")
    board = (await student.read("/api/me/dashboard")).json()
    assert titles(board["in_progress"]) == ["Python", "SQL"]  # most recent activity first
    assert board["in_progress"]["items"][0]["last_lesson"] == {"id": second, "title": "Lesson 2"}

    await student.command("POST", f"/api/lessons/{first}/complete")
    await student.command("POST", f"/api/lessons/{only}/complete")
    board = (await student.read("/api/me/dashboard")).json()
    [started] = board["in_progress"]["items"]
    assert (started["title"], started["status"], started["progress_percent"],
            started["next_lesson"], started["last_lesson"]) == (
        "Python", "in_progress", 33, {"id": second, "title": "Lesson 2"},
        {"id": first, "title": "Lesson 1"})
    assert (titles(board["completed"]), board["completed"]["total"]) == (["SQL"], 1)
    assert board["completed"]["items"][0]["next_lesson"] is None

    progress = (await student.read(f"/api/me/courses/{python}/progress")).json()
    assert {k: progress[k] for k in ("status", "completed_lesson_ids", "completed_lessons",
                                     "total_lessons", "progress_percent", "next_lesson_id",
                                     "last_lesson_id")} == {
        "status": "in_progress", "completed_lesson_ids": [first], "completed_lessons": 1,
        "total_lessons": 3, "progress_percent": 33, "next_lesson_id": second,
        "last_lesson_id": first}
    await student.command("POST", f"/api/lessons/{third}/complete")
    progress = (await student.read(f"/api/me/courses/{python}/progress")).json()
    assert (progress["completed_lesson_ids"], progress["next_lesson_id"]) == ([first, third],
                                                                             second)
    assert await verify(PROJECTIONS["enrollments"], Stores(engine, redis)) == {}


async def test_progress_and_position_are_the_students_own(
    platform: Platform, engine: AsyncEngine
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    course_id = await publish_course(teacher, title="Python", lessons=2)
    await known_to_learning(engine, teacher, course_id)
    [first, _] = await lesson_ids(teacher, course_id)
    await enrolled(platform, "learner@example.com", course_id)
    outsider = await sign_up(platform, "outsider@example.com")
    await settled(platform)  # the reactions to the enrollment write events of their own
    before = await enrollment_state(engine)

    expect_error(await platform.write.post(f"/api/lessons/{first}/open", headers=outsider.auth),
                 status=403, code="enrollment_required")
    expect_error(await platform.write.post(f"/api/lessons/{uuid.uuid4()}/open",
                                           headers=outsider.auth),
                 status=404, code="lesson_not_found")
    expect_error(await platform.write.post(f"/api/lessons/{first}/open"),
                 status=401, code="unauthorized")
    assert await enrollment_state(engine) == before

    expect_error(await platform.read.get(f"/api/me/courses/{course_id}/progress",
                                         headers=outsider.auth),
                 status=404, code="not_enrolled")
    board = (await outsider.read("/api/me/dashboard")).json()
    assert board == {"in_progress": {"items": [], "total": 0},
                     "completed": {"items": [], "total": 0}, "unread_notifications": 0}
    expect_error(await platform.read.get("/api/me/dashboard"), status=401, code="unauthorized")


async def test_a_changed_lesson_list_recounts_every_enrollment_of_the_course(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    course_id = await publish_course(teacher, title="Python", lessons=2)
    await known_to_learning(engine, teacher, course_id)
    first, second = await lesson_ids(teacher, course_id)
    finisher, halfway, idle = [await enrolled(platform, f"s{n}@example.com", course_id)
                               for n in range(3)]
    for lesson in (first, second):
        await finisher.command("POST", f"/api/lessons/{lesson}/complete")
    await halfway.command("POST", f"/api/lessons/{first}/complete")

    page = (await teacher.read(f"/api/courses/{course_id}")).json()
    added = (await teacher.command("POST", f"/api/modules/{page['modules'][0]['id']}/lessons",
                                   expect=201, json={"title": "Lesson 3", "content": "More"})
             ).json()["id"]

    assert (await progress_reaching(finisher, course_id, 66))["status"] == "in_progress"
    assert (await progress_reaching(halfway, course_id, 33))["next_lesson_id"] == second
    assert (await progress_reaching(idle, course_id, 0))["total_lessons"] == 3
    board = (await finisher.read("/api/me/dashboard")).json()
    assert board["completed"]["total"] == 0
    assert board["in_progress"]["items"][0]["next_lesson"] == {"id": added, "title": "Lesson 3"}
    recounts = [e["payload"] for e in await envelopes(engine)
                if e["type"] == "learning.course_progress_recomputed"]
    assert recounts == [{"course_id": course_id, "enrollments": 3}]  # one event for everyone

    await teacher.command("DELETE", f"/api/lessons/{added}")
    assert (await progress_reaching(finisher, course_id, 100))["status"] == "completed"
    await progress_reaching(halfway, course_id, 50)
    async with engine.connect() as conn:
        statuses = dict((await conn.execute(text(
            "SELECT student_id::text, status FROM learning.enrollments"))).all())
    assert statuses == {finisher.id: "completed", halfway.id: "in_progress", idle.id: "enrolled"}
    assert await verify(PROJECTIONS["enrollments"], Stores(engine, redis)) == {}


class CountingRedis(Redis):
    """Counts the commands sent (a script call is one)."""

    calls = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.calls += 1
        return await super().execute_command(*args, **options)


async def test_the_dashboard_is_one_redis_round_trip_however_many_courses(
    platform: Platform, engine: AsyncEngine
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    courses = [await publish_course(teacher, title=f"Course {n}") for n in range(6)]
    for course_id in courses:
        await known_to_learning(engine, teacher, course_id)
    one = await enrolled(platform, "one@example.com", courses[0])
    six = await enrolled(platform, "six@example.com", *courses)
    await six.read("/api/me/dashboard")  # projected
    client = CountingRedis.from_url(platform.settings.redis_url)
    store = LearningReadStore(client)
    try:
        await store.dashboard(uuid.UUID(one.id))  # loads the script once
        calls = []
        for student, expected in ((one, 1), (six, 6)):
            client.calls = 0
            board = await store.dashboard(uuid.UUID(student.id))
            assert len(board["in_progress"]["items"]) == expected
            calls.append(client.calls)
    finally:
        await client.aclose()
    assert calls == [1, 1]
