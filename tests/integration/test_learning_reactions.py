"""Learning's and billing's copies of the catalog's course facts converge whatever the delivery order
(ADR 0009)."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.builders import delivery
from workers.jobs import react_to_event
from write.events import CourseFactsPublished


async def test_duplicated_and_reordered_facts_leave_the_newest(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    course_id, teacher_id = uuid.uuid4(), uuid.uuid4()
    lessons = [uuid.uuid4() for _ in range(3)]
    history = [
        CourseFactsPublished(course_id=course_id, version=1, teacher_id=teacher_id,
                             status="draft", price=Decimal("49.90"), currency="EUR",
                             lesson_ids=[]),
        CourseFactsPublished(course_id=course_id, version=2, teacher_id=teacher_id,
                             status="draft", price=Decimal("49.90"), currency="EUR",
                             lesson_ids=lessons),
        CourseFactsPublished(course_id=course_id, version=3, teacher_id=teacher_id,
                             status="published", price=None, currency=None,
                             lesson_ids=list(reversed(lessons))),
    ]
    bodies = [delivery(n, event) for n, event in enumerate(history, start=1)]
    schedule = bodies * 3
    random.Random(7).shuffle(schedule)
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}

    outcomes = await asyncio.gather(*(react_to_event(ctx, body) for body in schedule))

    assert set(outcomes) == {"sync_course_facts,sync_course_terms"}
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT course_id, version, teacher_id, status, price, currency, lesson_ids "
            "FROM learning.course_facts WHERE course_id = :id"), {"id": course_id})).all()
        terms = (await conn.execute(text(
            "SELECT course_id, version, teacher_id, status, price, currency "
            "FROM billing.course_terms WHERE course_id = :id"), {"id": course_id})).all()
    assert [tuple(r) for r in rows] == [(course_id, 3, teacher_id, "published", None, None,
                                         list(reversed(lessons)))]
    # Billing keeps its own copy (status, teacher, price) the same way.
    assert [tuple(r) for r in terms] == [(course_id, 3, teacher_id, "published", None, None)]
