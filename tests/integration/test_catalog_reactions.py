"""The catalog's copy of enrollments and the students count converge whatever the delivery order,
and the hook for an ending enrollment undoes one enrollment exactly once (ADR 0011)."""

from __future__ import annotations

import asyncio
import random
import uuid

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from common.settings import Settings
from tests.builders import delivery
from workers.jobs import react_to_event
from write.catalog.reactions import remove_course_student
from write.events import StudentEnrolled
from write.outbox import UnitOfWork


async def a_course(engine: AsyncEngine) -> uuid.UUID:
    course_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO catalog.courses (id, teacher_id, title, description_html, level, "
            "language, status, version) VALUES (:id, :teacher, 'Go', '', 'beginner', 'en', "
            "'published', 3)"), {"id": course_id, "teacher": uuid.uuid4()})
    return course_id


async def students_of(engine: AsyncEngine, course_id: uuid.UUID) -> dict[str, object]:
    async with engine.connect() as conn:
        return dict((await conn.execute(text(
            "SELECT (SELECT count(*) FROM catalog.course_students WHERE course_id = :c) AS copies,"
            " (SELECT students_count FROM catalog.course_stats WHERE course_id = :c) AS counted,"
            " (SELECT count(*) FROM outbox.events "
            "  WHERE type = 'catalog.course_students_changed') AS events"),
            {"c": course_id})).mappings().one())


async def test_repeated_and_concurrent_enrollment_deliveries_count_each_student_once(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    course_id = await a_course(engine)
    students = [uuid.uuid4() for _ in range(3)]
    bodies = [delivery(n, StudentEnrolled(enrollment_id=uuid.uuid4(), student_id=student,
                                          course_id=course_id, version=1))
              for n, student in enumerate(students, start=1)]
    schedule = bodies * 3
    random.Random(11).shuffle(schedule)
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}

    outcomes = await asyncio.gather(*(react_to_event(ctx, body) for body in schedule))

    assert set(outcomes) == {"add_course_student,student_enrolled"}  # and the notifications'
    assert await students_of(engine, course_id) == {"copies": 3, "counted": 3, "events": 3}


async def test_an_ending_enrollment_is_taken_out_once(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    course_id = await a_course(engine)
    student = uuid.uuid4()
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}
    await react_to_event(ctx, delivery(1, StudentEnrolled(
        enrollment_id=uuid.uuid4(), student_id=student, course_id=course_id, version=1)))

    for _ in range(2):
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            uow = UnitOfWork(session)
            await remove_course_student(uow, student, course_id)
            await uow.commit()

    assert await students_of(engine, course_id) == {"copies": 0, "counted": 0, "events": 2}
