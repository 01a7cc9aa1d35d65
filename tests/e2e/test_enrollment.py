"""Enrolling over HTTP: free courses at once; paid (402), twice (409), own course (403), courses
not in the catalog (404) refused with nothing written."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.stores.documents import DocumentSpace
from tests.actors import Actor, admin_of, publish_course, sign_up, verified_teacher
from tests.builders import envelopes
from tests.checks import (
    enrollment_state,
    expect_error,
    known_to_learning,
    lesson_ids,
    settled,
)
from tests.harness import Platform
from workers.routing import PROJECTIONS


@dataclass
class Catalog:
    admin: Actor
    teacher: Actor
    free: str
    paid: str
    draft: str
    archived: str


@pytest.fixture
async def catalog(platform: Platform, engine: AsyncEngine) -> Catalog:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "owner@example.com", "Owner")
    free = await publish_course(teacher, title="Free course", lessons=2)
    paid = await publish_course(teacher, title="Paid course", price="19.99")
    archived = await publish_course(teacher, title="Old course")
    await teacher.command("POST", f"/api/courses/{archived}/archive")
    draft = (await teacher.command("POST", "/api/courses", expect=201,
                                   json={"title": "Draft"})).json()["id"]
    for course_id in (free, paid, archived, draft):
        await known_to_learning(engine, teacher, course_id)
    return Catalog(admin, teacher, free, paid, draft, archived)


async def test_a_student_enrolls_in_a_free_course(platform: Platform, engine: AsyncEngine,
                                                   catalog: Catalog) -> None:
    student = await sign_up(platform, "student@example.com")

    response = await student.command("POST", "/api/enrollments", expect=201,
                                     json={"course_id": catalog.free})

    body = response.json()
    assert body == {"id": body["id"], "course_id": catalog.free, "status": "enrolled"}
    assert response.headers["X-Consistency-Token"].startswith("v1.")
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT student_id, course_id, status, version FROM learning.enrollments "
            "WHERE id = :id"), {"id": body["id"]})).one()
    assert tuple(map(str, row)) == (student.id, catalog.free, "enrolled", "1")
    [event] = [e for e in await envelopes(engine) if e["type"] == "learning.enrolled"]
    assert event["payload"] == {"enrollment_id": body["id"], "student_id": student.id,
                                "course_id": catalog.free, "version": 1}
    # Another teacher may enroll too; only the course's own teacher may not.
    other = await verified_teacher(platform, catalog.admin, "other@example.com", "Other Teacher")
    await other.command("POST", "/api/enrollments", expect=201, json={"course_id": catalog.free})


@pytest.mark.parametrize(("course", "status", "code"), [
    ("paid", 402, "payment_required"),
    ("draft", 404, "course_not_found"),
    ("archived", 404, "course_not_found"),
    ("unknown", 404, "course_not_found"),
])
async def test_a_refused_enrollment_writes_nothing(platform: Platform, engine: AsyncEngine,
                                                   catalog: Catalog, course: str, status: int,
                                                   code: str) -> None:
    student = await sign_up(platform, "refused@example.com")
    course_id = str(uuid.uuid4()) if course == "unknown" else getattr(catalog, course)
    before = await enrollment_state(engine)

    response = await platform.write.post("/api/enrollments", json={"course_id": course_id},
                                         headers=student.auth)

    expect_error(response, status=status, code=code)
    assert "X-Consistency-Token" not in response.headers
    assert await enrollment_state(engine) == before


async def test_twice_own_course_anonymous_and_malformed_are_refused(
    platform: Platform, engine: AsyncEngine, catalog: Catalog
) -> None:
    student = await sign_up(platform, "twice@example.com")
    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": catalog.free})
    await settled(platform)  # the reactions to the enrollment write events of their own
    before = await enrollment_state(engine)

    twice = await platform.write.post("/api/enrollments", json={"course_id": catalog.free},
                                      headers=student.auth)
    own = await platform.write.post("/api/enrollments", json={"course_id": catalog.free},
                                    headers=catalog.teacher.auth)
    anonymous = await platform.write.post("/api/enrollments", json={"course_id": catalog.free})
    extra = await platform.write.post("/api/enrollments", headers=student.auth,
                                      json={"course_id": catalog.free, "status": "completed"})
    not_an_id = await platform.write.post("/api/enrollments", headers=student.auth,
                                          json={"course_id": "../etc/passwd"})

    expect_error(twice, status=409, code="already_enrolled")
    expect_error(own, status=403, code="own_course")
    expect_error(anonymous, status=401, code="unauthorized")
    expect_error(extra, status=422, code="invalid_input")
    expect_error(not_an_id, status=422, code="invalid_input")
    assert await enrollment_state(engine) == before


async def test_concurrent_double_enrollment_enrolls_once(platform: Platform, engine: AsyncEngine,
                                                         catalog: Catalog) -> None:
    student = await sign_up(platform, "racer@example.com")
    before = await enrollment_state(engine)

    answers = await asyncio.gather(*(
        platform.write.post("/api/enrollments", json={"course_id": catalog.free},
                            headers=student.auth) for _ in range(6)))

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            expect_error(answer, status=409, code="already_enrolled")
    after = await enrollment_state(engine)
    assert after["enrollments"] == before["enrollments"] + 1


async def test_enrolled_students_read_every_lesson_others_only_previews(
    platform: Platform, engine: AsyncEngine, redis: Redis, catalog: Catalog
) -> None:
    preview, locked = await lesson_ids(catalog.teacher, catalog.free)
    student = await sign_up(platform, "reader@example.com")
    outsider = await sign_up(platform, "outsider@example.com")
    await student.read(f"/api/lessons/{preview}")
    expect_error(await platform.read.get(f"/api/lessons/{locked}", headers=student.auth),
                 status=403, code="enrollment_required")

    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": catalog.free})

    lesson = (await student.read(f"/api/lessons/{locked}")).json()  # with the consistency token
    assert lesson["content_html"] == "<p>Body 1</p>\n"
    assert "content_md" not in lesson  # the Markdown source is for the teacher and admins
    expect_error(await platform.read.get(f"/api/lessons/{locked}", headers=outsider.auth),
                 status=403, code="enrollment_required")
    expect_error(await platform.read.get(f"/api/lessons/{locked}"),
                 status=403, code="enrollment_required")

    # The enrollments read model is disposable like the others.
    space = DocumentSpace(redis, "enrollments")
    assert await space.drop_generation(await space.current_generation()) > 0
    expect_error(await platform.read.get(f"/api/lessons/{locked}", headers=student.auth),
                 status=403, code="enrollment_required")
    stores = Stores(engine, redis)
    await rebuild(PROJECTIONS["enrollments"], stores, grace_seconds=0)
    assert await verify(PROJECTIONS["enrollments"], stores) == {}
    student.last_token = None
    assert (await student.read(f"/api/lessons/{locked}")).json()["id"] == locked


async def test_completing_lessons_moves_the_enrollment_to_completed_once(
    platform: Platform, engine: AsyncEngine, redis: Redis, catalog: Catalog
) -> None:
    first, second = await lesson_ids(catalog.teacher, catalog.free)
    student = await sign_up(platform, "learner@example.com")
    outsider = await sign_up(platform, "nosy@example.com")
    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": catalog.free})
    await settled(platform)  # the reactions to the enrollment write events of their own
    before = await enrollment_state(engine)

    refused = await platform.write.post(f"/api/lessons/{first}/complete", headers=outsider.auth)
    unknown = await platform.write.post(f"/api/lessons/{uuid.uuid4()}/complete",
                                        headers=student.auth)
    expect_error(refused, status=403, code="enrollment_required")
    expect_error(unknown, status=404, code="lesson_not_found")
    assert await enrollment_state(engine) == before

    halfway = await student.command("POST", f"/api/lessons/{first}/complete")
    assert halfway.json() == {"course_id": catalog.free, "lesson_id": first,
                              "status": "in_progress", "completed_lessons": 1,
                              "total_lessons": 2, "progress_percent": 50}
    again = await platform.write.post(f"/api/lessons/{first}/complete", headers=student.auth)
    assert again.status_code == 200
    assert again.json() == halfway.json()
    assert "X-Consistency-Token" not in again.headers  # nothing new happened
    done = (await student.command("POST", f"/api/lessons/{second}/complete")).json()
    assert (done["status"], done["progress_percent"]) == ("completed", 100)

    completed = [e["payload"] for e in await envelopes(engine)
                 if e["type"] == "learning.lesson_completed"]
    assert [(c["lesson_id"], c["status"], c["version"]) for c in completed] == [
        (first, "in_progress", 2), (second, "completed", 3)]
    async with engine.connect() as conn:
        status = await conn.scalar(text(
            "SELECT status FROM learning.enrollments WHERE student_id = :s"), {"s": student.id})
    assert status == "completed"
    await student.read(f"/api/lessons/{second}")  # the last completion is projected
    assert await verify(PROJECTIONS["enrollments"], Stores(engine, redis)) == {}
