"""Notifications over HTTP: workers turn learning and catalog events into each user's inbox (and
a mail on completion); a new lesson reaches every student of the course through one event; only
the owner marks a notification read."""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from tests.actors import Actor, admin_of, publish_course, sign_up, verified_teacher
from tests.builders import envelopes
from tests.checks import expect_error, inbox_reaching, known_to_learning, lesson_ids
from tests.harness import Platform
from workers.routing import PROJECTIONS


async def notification_state(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM notifications.notifications) AS notifications, "
            "(SELECT count(*) FROM notifications.notifications WHERE read_at IS NOT NULL) AS read, "
            "(SELECT count(*) FROM outbox.events) AS events"))).mappings().one()
    return dict(row)


async def student_in(platform: Platform, email: str, course_id: str) -> Actor:
    student = await sign_up(platform, email)
    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
    return student


async def test_a_student_hears_of_enrollment_new_lessons_and_completion(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    course_id = await publish_course(teacher, title="Python <b>basics</b>", lessons=1)
    await known_to_learning(engine, teacher, course_id)
    [first] = await lesson_ids(teacher, course_id)
    student = await student_in(platform, "learner@example.com", course_id)
    bystander = await sign_up(platform, "bystander@example.com")

    inbox = await inbox_reaching(student, 1)
    [welcome] = inbox["items"]
    assert (welcome["kind"], welcome["message"], welcome["course_title"], welcome["read"]) == (
        "enrolled", "You are enrolled in «Python <b>basics</b>».", "Python <b>basics</b>", False)

    page = (await teacher.read(f"/api/courses/{course_id}")).json()
    second = (await teacher.command("POST", f"/api/modules/{page['modules'][0]['id']}/lessons",
                                    expect=201, json={"title": "Loops", "content": "for x in y"})
              ).json()["id"]
    inbox = await inbox_reaching(student, 2)
    assert inbox["items"][0]["message"] == "New lesson in «Python <b>basics</b>»: Loops"
    assert inbox["items"][0]["data"] == {"lesson_title": "Loops"}

    await known_to_learning(engine, teacher, course_id)
    for lesson in (first, second):
        await student.command("POST", f"/api/lessons/{lesson}/complete")
    inbox = await inbox_reaching(student, 3)
    assert [n["kind"] for n in inbox["items"]] == ["course_completed", "new_lesson", "enrolled"]
    assert inbox["unread"] == 3
    [mail] = await platform.mail.wait_for("learner@example.com", "You completed")
    assert str(make_header(decode_header(mail["Subject"]))) == (
        "You completed «Python <b>basics</b>»")
    assert (await student.read("/api/me/dashboard")).json()["unread_notifications"] == 3
    assert (await bystander.read("/api/me/notifications")).json() == {
        "items": [], "total": 0, "unread": 0, "next_cursor": None}

    stores = Stores(engine, redis)
    assert await verify(PROJECTIONS["notifications"], stores) == {}
    await rebuild(PROJECTIONS["notifications"], stores, grace_seconds=0)
    student.last_token = None
    assert (await student.read("/api/me/notifications")).json() == inbox


async def test_only_the_owner_marks_notifications_read(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    courses = [await publish_course(teacher, title=f"Course {n}") for n in range(3)]
    for course_id in courses:
        await known_to_learning(engine, teacher, course_id)
    student = await sign_up(platform, "learner@example.com")
    for course_id in courses:
        await student.command("POST", "/api/enrollments", expect=201,
                              json={"course_id": course_id})
    other = await student_in(platform, "other@example.com", courses[0])
    newest, middle, _ = (await inbox_reaching(student, 3))["items"]
    await inbox_reaching(other, 1)
    before = await notification_state(engine)

    expect_error(await platform.write.post(f"/api/notifications/{newest['id']}/read",
                                           headers=other.auth),
                 status=404, code="notification_not_found")
    expect_error(await platform.write.post(f"/api/notifications/{uuid.uuid4()}/read",
                                           headers=student.auth),
                 status=404, code="notification_not_found")
    expect_error(await platform.write.post(f"/api/notifications/{newest['id']}/read"),
                 status=401, code="unauthorized")
    assert await notification_state(engine) == before

    marked = await student.command("POST", f"/api/notifications/{middle['id']}/read")
    assert marked.json() == {"id": middle["id"], "read": True}
    again = await platform.write.post(f"/api/notifications/{middle['id']}/read",
                                      headers=student.auth)
    assert (again.status_code, again.json()) == (200, marked.json())
    assert "X-Consistency-Token" not in again.headers  # nothing new happened
    unread = (await student.read("/api/me/notifications", unread="true")).json()
    assert ([n["id"] for n in unread["items"]], unread["unread"]) == ([newest["id"], _["id"]], 2)

    assert (await student.command("POST", "/api/notifications/read-all")).json() == {"marked": 2}
    assert (await student.read("/api/me/notifications", unread="true")).json()["total"] == 0
    assert (await student.read("/api/me/dashboard")).json()["unread_notifications"] == 0
    assert (await other.read("/api/me/notifications")).json()["unread"] == 1  # untouched
    nothing_left = await student.command("POST", "/api/notifications/read-all")
    assert nothing_left.json() == {"marked": 0}
    assert await verify(PROJECTIONS["notifications"], Stores(engine, redis)) == {}


async def test_a_new_lesson_reaches_every_student_through_one_event(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "teach@example.com", "Ada Teacher")
    course_id = await publish_course(teacher, title="Popular")
    await known_to_learning(engine, teacher, course_id)
    students = [await student_in(platform, f"s{n}@example.com", course_id) for n in range(8)]
    for student in students:
        await inbox_reaching(student, 1)

    page = (await teacher.read(f"/api/courses/{course_id}")).json()
    await teacher.command("POST", f"/api/modules/{page['modules'][0]['id']}/lessons",
                          expect=201, json={"title": "Bonus", "content": "More"})

    for student in students:
        inbox = await inbox_reaching(student, 2)
        assert inbox["items"][0]["message"] == "New lesson in «Popular»: Bonus"
    events = await envelopes(engine)
    announced = [e["payload"] for e in events if e["type"] == "notifications.lesson_announced"]
    assert [a["notified"] for a in announced] == [8]
    created = [e["payload"]["kind"] for e in events if e["type"] == "notifications.created"]
    assert "new_lesson" not in created  # not one event (and job) per student
    assert await verify(PROJECTIONS["notifications"], Stores(engine, redis)) == {}
