"""Property: whatever the order, duplication or concurrency of deliveries, and late writes of
stale reads, the teacher dashboard's course documents end equal to a recomputation from the three
contexts' tables (ADR 0013: the version is the sum of the sources' versions)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from common.settings import Settings
from projectors.base import Stores, Targets
from projectors.rebuild import verify
from projectors.teacher import TeacherStatsProjection, load_teacher_stats
from read.stores.documents import DocumentSpace, encode
from read.stores.teacher import TEACHER_STATS, CourseStatsDoc
from tests.deliveries import deliver, schedules

COURSES = (uuid.UUID(int=1), uuid.UUID(int=2))
TEACHER = uuid.UUID(int=9)

# What moves a course's numbers, each in its own context's table, as the commands and reactions
# would: enrollments (catalog's count and learning's row), completions, revocations, reviews,
# payments and refunds.
_STEPS = {
    "enroll": [
        "INSERT INTO learning.enrollments (id, student_id, course_id, status, version) "
        "VALUES (gen_random_uuid(), gen_random_uuid(), :course, 'enrolled', 1)",
        "INSERT INTO catalog.course_stats (course_id, students_count, rating_count, rating_sum, "
        "version) VALUES (:course, 1, 0, 0, 1) ON CONFLICT (course_id) DO UPDATE SET "
        "students_count = course_stats.students_count + 1, version = course_stats.version + 1"],
    "complete": [
        "UPDATE learning.enrollments SET status = 'completed', version = version + 1 WHERE id = "
        "(SELECT id FROM learning.enrollments WHERE course_id = :course AND status = 'enrolled' "
        "ORDER BY id LIMIT 1)"],
    "revoke": [
        "UPDATE catalog.course_stats SET students_count = students_count - 1, "
        "version = version + 1 WHERE course_id = :course AND EXISTS (SELECT FROM "
        "learning.enrollments WHERE course_id = :course AND status <> 'revoked')",
        "UPDATE learning.enrollments SET status = 'revoked', version = version + 1 WHERE id = "
        "(SELECT id FROM learning.enrollments WHERE course_id = :course AND status <> 'revoked' "
        "ORDER BY id LIMIT 1)"],
    "review": [
        "UPDATE catalog.course_stats SET rating_count = rating_count + 1, "
        "rating_sum = rating_sum + :rating, version = version + 1 WHERE course_id = :course"],
    "pay": [
        "INSERT INTO billing.payments (id, student_id, course_id, amount, currency, status, "
        "version, idempotency_key, request_fingerprint) VALUES (gen_random_uuid(), "
        "gen_random_uuid(), :course, :amount, :currency, 'succeeded', 2, 'k', 'f')"],
    "refund": [
        "UPDATE billing.payments SET status = 'refunded', version = version + 1 WHERE id = "
        "(SELECT id FROM billing.payments WHERE course_id = :course AND status = 'succeeded' "
        "ORDER BY id LIMIT 1)"],
}

steps = st.lists(st.tuples(st.sampled_from(sorted(_STEPS)), st.sampled_from(COURSES),
                           st.integers(1, 5), st.sampled_from((("49.90", "USD"),
                                                               ("10.00", "EUR")))),
                 min_size=1, max_size=15)


async def _run(engine: AsyncEngine, plan: list[tuple[Any, ...]]
               ) -> tuple[list[uuid.UUID], list[CourseStatsDoc]]:
    """Applies the steps; returns the course each touched and what a job reading right after
    each step would have loaded (a slow job may write that late)."""
    touched, snapshots = [], []
    for name, course, rating, (amount, currency) in plan:
        async with engine.begin() as conn:
            for statement in _STEPS[name]:
                await conn.execute(text(statement), {"course": course, "rating": rating,
                                                     "amount": amount, "currency": currency})
        touched.append(course)
        snapshots += await load_teacher_stats(engine, [course])
    return touched, snapshots


async def _deliver(stores: Stores, touched: list[uuid.UUID], stale: list[CourseStatsDoc],
                   schedule: list[tuple[int, bool, bool]]) -> None:
    """A job per step, shuffled, some twice, some at the same time, among late stale writes."""
    projection = TeacherStatsProjection()
    space = DocumentSpace(stores.redis, TEACHER_STATS)
    targets = Targets({TEACHER_STATS: [1]})

    def action(item: uuid.UUID | CourseStatsDoc) -> Awaitable[Any]:
        if isinstance(item, uuid.UUID):
            return projection.write(stores, [item], targets)
        return space.upsert(1, str(item.id), item.version, encode(item.model_dump(mode="json")),
                            [])

    await deliver([*touched, *stale], action, schedule)


async def _check(settings: Settings, plan: list[tuple[Any, ...]],
                 schedule: list[tuple[int, bool, bool]]) -> None:
    engine = create_async_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.flushdb()
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE catalog.courses, learning.enrollments, "
                                    "billing.payments CASCADE"))
            for course in COURSES:
                await conn.execute(text(
                    "INSERT INTO catalog.courses (id, teacher_id, title, description_html, level, "
                    "language, status, version) VALUES (:id, :teacher, 'Course', '', 'beginner', "
                    "'en', 'published', 1)"), {"id": course, "teacher": TEACHER})
        touched, stale = await _run(engine, plan)
        stores = Stores(engine, redis)
        await _deliver(stores, touched, stale, schedule)

        drift = await verify(TeacherStatsProjection(), stores)
        untouched = {str(course): "missing" for course in COURSES if course not in touched}
        assert drift == untouched
    finally:
        await redis.aclose()
        await engine.dispose()


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, schedule=schedules)
def test_teacher_stats_converge_to_a_recomputation(
    settings: Settings, migrated: None, plan: list[tuple[Any, ...]],
    schedule: list[tuple[int, bool, bool]],
) -> None:
    asyncio.run(_check(settings, plan, schedule))
