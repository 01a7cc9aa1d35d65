"""Property (issue 4): random interleavings of enrolling, completing lessons, reviewing, paying
(succeeded or declined), refunding and adding or removing lessons, with each event's jobs
(reactions and projections) delivered late, duplicated, shuffled and partly concurrent between
the commands, end with every read model of the journey equal to a fresh rebuild. Along the way,
after every step, no progress exceeds 100 % and no student is enrolled in a paid course without a
succeeded payment that was not refunded."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from common.errors import AppError
from common.settings import Settings
from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.documents import DocumentSpace
from tests.builders import envelopes
from tests.conftest import WRITE_TABLES
from tests.integration.test_catalog_convergence import space_snapshot
from tests.review_builders import people
from workers.jobs import project_event, react_to_event
from workers.routing import PROJECTIONS, REACTIONS
from write.billing import checkout, refunds
from write.billing.commands import Pay
from write.billing.provider import MockProvider
from write.catalog import commands as c
from write.catalog.handlers import courses, outline, reviews
from write.catalog.review_commands import PostReview
from write.identity.models import User
from write.learning import handlers as learning
from write.learning.commands import Enroll
from write.outbox import UnitOfWork

JOURNEY = ("enrollments", "notifications", "payments", "reviews", "courses", "lessons", "search")
ACTIONS = ("enroll", "complete", "complete", "complete", "review", "pay", "decline", "refund",
           "refund", "add_lesson", "add_lesson", "remove_lesson", "deliver", "deliver", "deliver")
# Every plan starts with two students paying for the paid course and one enrolling in the free
# one, so refunds, completions and reviews have something to act on.
OPENING = [("pay", 0, 1), ("pay", 1, 1), ("enroll", 2, 0), ("deliver", 0, 7)]
steps = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 11), st.integers(0, 7)),
                 min_size=5, max_size=30).map(lambda drawn: OPENING + drawn)


class Journey:
    """Runs the commands as their handlers would for HTTP requests; a refused one changes
    nothing. Remembers what exists, and which events' jobs were delivered."""

    def __init__(self, engine: AsyncEngine, settings: Settings, redis: Redis, search: Any,
                 rng: random.Random) -> None:
        self.engine, self.rng = engine, rng
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.ctx = {"settings": settings, "engine": engine, "redis": redis, "search": search,
                    "job_try": 1}
        self.delivered: set[str] = set()
        self.provider = MockProvider("succeed")
        self.teacher = User(id=uuid.uuid4(), email="teach@example.com", name="Teacher",
                            password_hash="x", role="teacher", teacher_verified=True,
                            email_verified=True, blocked=False, version=1)
        self.students = people(3)
        self.courses: list[uuid.UUID] = []  # free, paid
        self.modules: dict[uuid.UUID, uuid.UUID] = {}
        self.payments: list[tuple[User, uuid.UUID]] = []

    async def command(self, step: Any) -> None:
        async with self.sessions() as session:
            uow = UnitOfWork(session)
            try:
                await step(uow)
            except AppError:
                return
            await uow.commit()

    async def setup(self) -> None:
        async with self.sessions() as session:
            session.add_all([self.teacher, *self.students])
            await session.commit()
        for price in (None, "10.00"):
            async def author(uow: UnitOfWork, price: str | None = price) -> None:
                made = await courses.create_course(uow, self.teacher, c.CreateCourse(
                    title=f"Course {price}", price=price, currency="USD" if price else None))
                module = await outline.add_module(uow, self.teacher, made.id,
                                                  c.AddModule(title="M"), None)
                for n in range(2):
                    await outline.add_lesson(uow, self.teacher, module.id,
                                             c.AddLesson(title=f"L{n}", content="x"), None)
                await courses.publish_course(uow, self.teacher, made.id, None)
                self.courses.append(made.id)
                self.modules[made.id] = module.id
            await self.command(author)
        await self.deliver(everything=True)

    async def lessons_of(self, course: uuid.UUID) -> list[uuid.UUID]:
        async with self.engine.connect() as conn:
            return list(await conn.scalars(text(
                "SELECT id FROM catalog.lessons WHERE course_id = :c ORDER BY position"),
                {"c": course}))

    async def act(self, action: str, pick: int, other: int) -> None:
        student = self.students[pick % len(self.students)]
        course = self.courses[other % 2]
        if action == "deliver":
            await self.deliver(count=other + 1)
        elif action == "enroll":
            await self.command(lambda uow: learning.enroll(uow, student.id, Enroll(course_id=course)))
        elif action == "complete":
            lessons = await self.lessons_of(course)
            lesson = lessons[pick % len(lessons)]
            await self.command(lambda uow: learning.complete_lesson(uow, student.id, lesson))
        elif action == "review":
            await self.command(lambda uow: reviews.post_review(
                uow, student, course, PostReview(rating=pick % 5 + 1, comment="ok")))
        elif action in ("pay", "decline"):
            await self.pay(student, "test_succeeded" if action == "pay" else "test_declined")
        elif action == "refund":
            await self.refund(pick)
        else:
            await self.change_lessons(action, course, pick)

    async def pay(self, student: User, method: str) -> None:
        cmd = Pay(course_id=self.courses[1], payment_method=method)  # type: ignore[arg-type]
        async with self.sessions() as session:
            uow = UnitOfWork(session)
            try:
                payment = await checkout.start_payment(uow, student.id, uuid.uuid4().hex, cmd)
            except AppError:
                return
            await uow.commit()
            payment = await checkout.settle(uow, self.provider, 1.0, payment)
            await uow.commit()
        self.payments.append((student, payment.id))

    async def refund(self, pick: int) -> None:
        if not self.payments:
            return
        student, payment_id = self.payments[pick % len(self.payments)]
        await self.command(lambda uow: refunds.refund(
            uow, self.provider, student.id, payment_id, window=timedelta(days=14), timeout=1.0))

    async def change_lessons(self, action: str, course: uuid.UUID, pick: int) -> None:
        if action == "add_lesson":
            await self.command(lambda uow: outline.add_lesson(
                uow, self.teacher, self.modules[course], c.AddLesson(title=f"New {pick}",
                                                                    content="y"), None))
        else:
            lessons = await self.lessons_of(course)
            lesson = lessons[pick % len(lessons)]
            await self.command(lambda uow: outline.remove_lesson(uow, self.teacher, lesson, None))

    async def deliver(self, *, count: int = 0, everything: bool = False) -> None:
        """Runs the jobs of up to `count` (or all, until none is left) undelivered events in a
        shuffled order, some twice, some at the same time as the next."""
        while True:
            pending = [e for e in await envelopes(self.engine)
                       if e["event_id"] not in self.delivered]
            if not pending:
                return
            self.rng.shuffle(pending)
            chosen = pending if everything else pending[:count]
            jobs = []
            for body in chosen:
                self.delivered.add(body["event_id"])
                for _ in range(self.rng.choice((1, 1, 2))):
                    if body["type"] in REACTIONS:
                        jobs.append(react_to_event(self.ctx, body))
                    jobs.append(project_event(self.ctx, body))
            self.rng.shuffle(jobs)
            while jobs:
                together = self.rng.randint(1, 3)
                await asyncio.gather(*jobs[:together])
                jobs = jobs[together:]
            if not everything:
                return

    async def assert_invariants(self, *, settled: bool = False) -> None:
        """No enrollment in a paid course without a payment that succeeded; once every event is
        delivered, none without one that was not refunded either (in between, a refund is
        committed a moment before learning revokes the access: see docs/billing.md)."""
        paid = "('succeeded')" if settled else "('succeeded', 'refunded')"
        async with self.engine.connect() as conn:
            unpaid = await conn.scalar(text(f"""
                SELECT count(*) FROM learning.enrollments e
                JOIN learning.course_facts f ON f.course_id = e.course_id
                WHERE f.price IS NOT NULL AND e.status <> 'revoked' AND NOT EXISTS (
                    SELECT 1 FROM billing.payments p WHERE p.student_id = e.student_id
                    AND p.course_id = e.course_id AND p.status IN {paid})"""))
        assert unpaid == 0, "a student is enrolled in a paid course without a payment"
        space = DocumentSpace(self.ctx["redis"], "enrollments")
        for doc in await space.get_many(await space.current_generation(), [
                str(i) for i in await self.enrollment_ids()]):
            assert 0 <= doc["progress_percent"] <= 100, doc
            assert doc["completed_lessons"] <= doc["total_lessons"], doc

    async def enrollment_ids(self) -> list[uuid.UUID]:
        async with self.engine.connect() as conn:
            return list(await conn.scalars(text("SELECT id FROM learning.enrollments")))


async def _check(settings: Settings, plan: list[tuple[str, int, int]], seed: int) -> None:
    engine = create_async_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    search = await create_search_index(settings)
    stores = Stores(engine, redis, search)
    try:
        await redis.flushdb()
        await search.drop()
        await search.ensure()
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(WRITE_TABLES)} CASCADE"))
        journey = Journey(engine, settings, redis, search, random.Random(seed))
        await journey.setup()
        for action, pick, other in plan:
            await journey.act(action, pick, other)
            await journey.assert_invariants()
        await journey.deliver(everything=True)
        await journey.assert_invariants(settled=True)

        for name in JOURNEY:
            assert await verify(PROJECTIONS[name], stores) == {}, name
        spaces = [space for name in JOURNEY for space in PROJECTIONS[name].spaces]
        before = {s: await space_snapshot(redis, DocumentSpace(redis, s)) for s in spaces}
        for name in JOURNEY:
            await rebuild(PROJECTIONS[name], stores, grace_seconds=0)
        after = {s: await space_snapshot(redis, DocumentSpace(redis, s)) for s in spaces}
        assert before == after
    finally:
        await search.close()
        await redis.aclose()
        await engine.dispose()


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, seed=st.integers(0, 2**16))
def test_the_journey_converges_and_keeps_its_invariants(
    settings: Settings, migrated: None, plan: list[tuple[str, int, int]], seed: int
) -> None:
    asyncio.run(_check(settings, plan, seed))

