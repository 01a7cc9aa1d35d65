"""Property: random catalog commands (enrollments and reviews too), then deliveries duplicated,
reordered, concurrent, crashed mid-way and interleaved with late writes of stale state, always end
equal to a fresh rebuild (DESIGN §3.2): Redis documents and lists key by key, and the search index
document by document."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from common.errors import AppError
from common.settings import Settings
from projectors.base import Stores, Targets
from projectors.catalog import CoursesProjection, LessonsProjection, SearchProjection
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.catalog import COURSES, LESSONS
from read.stores.documents import DocumentSpace
from read.stores.reviews import REVIEWS
from tests.builders import envelopes
from tests.review_builders import AUDIENCE_ACTIONS, Audience, people
from workers.jobs import project_event
from workers.routing import PROJECTIONS
from write.catalog import commands as c
from write.catalog.handlers import categories, courses, outline
from write.identity.models import User
from write.outbox import UnitOfWork

ACTIONS = ("course", "module", "lesson", "change", "lesson_change", "remove_lesson",
           "remove_module", "publish", "archive", "reorder", *AUDIENCE_ACTIONS)
# Every plan starts with a published course that has a lesson and a student, so later steps have
# something to act on.
OPENING = [("course", 0, True), ("module", 0, False), ("lesson", 0, True), ("publish", 0, True),
           ("enroll", 0, True)]
steps = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 7), st.booleans()),
                 min_size=3, max_size=25).map(lambda drawn: OPENING + drawn)
# Per delivery: an ordering key, duplicated?, concurrent with the next?, and crashed mid-way?
deliveries = st.lists(st.tuples(st.integers(0, 10_000), st.booleans(), st.booleans(),
                                st.booleans()), min_size=40, max_size=40)
Schedule = list[tuple[int, bool, bool, bool]]


class DyingSearch:
    """The search index as a worker that dies while writing it sees it: the Redis writes made
    before it stay, the search write never happens, and the job is delivered again later."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def upsert(self, docs: Any, *, target: str = "live") -> None:
        raise ConnectionResetError("the worker died in the middle of the job")


async def _crashing(job: Awaitable[Any]) -> None:
    with contextlib.suppress(Exception):
        await job


class Author:
    """Runs catalog commands as one verified teacher, remembering what exists."""

    def __init__(self, engine: AsyncEngine, teacher: User, category: uuid.UUID,
                 audience: Audience) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.teacher, self.category, self.audience = teacher, category, audience
        self.courses: list[uuid.UUID] = []
        self.modules: list[uuid.UUID] = []
        self.lessons: list[uuid.UUID] = []

    async def run(self, action: str, pick: int, flag: bool) -> uuid.UUID | None:
        """Runs one command; a refused one (e.g. publishing an empty course) changes nothing."""
        async with self.sessions() as session:
            uow = UnitOfWork(session)
            try:
                touched = await self._dispatch(uow, action, pick, flag)
            except AppError:
                return None
            await uow.commit()
            return touched

    def _one(self, items: list[uuid.UUID], pick: int) -> uuid.UUID:
        if not items:
            raise AppError("nothing to pick")
        return items[pick % len(items)]

    async def _dispatch(self, uow: UnitOfWork, action: str, pick: int, flag: bool
                        ) -> uuid.UUID | None:
        t = self.teacher
        if action == "course":
            made = await courses.create_course(uow, t, c.CreateCourse(
                title=f"Курс python {pick}", category_id=self.category if flag else None,
                price="10.00" if flag else None, currency="USD" if flag else None))
            self.courses.append(made.id)
            return made.id
        course = self._one(self.courses, pick)
        if action in AUDIENCE_ACTIONS:
            return await self.audience.act(uow, action, course, pick, flag)
        if action in ("change", "publish", "archive", "reorder"):
            return await self._course_action(uow, action, course, pick, flag)
        if action == "module":
            made = await outline.add_module(uow, t, course, c.AddModule(title=f"M{pick}"), None)
            self.modules.append(made.id)
        elif action == "lesson":
            made = await outline.add_lesson(uow, t, self._one(self.modules, pick), c.AddLesson(
                title=f"L{pick}", content=f"*text* {pick}", preview=flag,
                duration_minutes=pick), None)
            self.lessons.append(made.id)
        elif action == "lesson_change":
            await outline.change_lesson(uow, t, self._one(self.lessons, pick),
                                        c.ChangeLesson(preview=flag, title=f"L{pick}!"), None)
        elif action == "remove_lesson":
            await outline.remove_lesson(uow, t, self._one(self.lessons, pick), None)
        else:
            await outline.remove_module(uow, t, self._one(self.modules, pick), None)
        return course

    async def _course_action(self, uow: UnitOfWork, action: str, course: uuid.UUID, pick: int,
                             flag: bool) -> uuid.UUID | None:
        t = self.teacher
        if action == "change":
            await courses.change_course(uow, t, course, c.ChangeCourse(
                title=f"Python course v{pick}", level="advanced" if flag else "beginner"), None)
        elif action == "publish":
            await courses.publish_course(uow, t, course, None)
        elif action == "archive":
            await courses.archive_course(uow, t, course, None)
        else:
            ids = list(await uow.session.scalars(text(
                "SELECT id FROM catalog.modules WHERE course_id = :c ORDER BY position DESC"),
                {"c": course}))
            if not ids:
                return None
            await outline.reorder_modules(uow, t, course, c.Reorder(ids=ids), None)
        return course


async def space_snapshot(redis: Redis, space: DocumentSpace) -> dict[str, Any]:
    """Every key of the serving generation (generation number stripped) with its content."""
    generation = await space.current_generation()
    prefix = space.key(generation, "")
    snapshot: dict[str, Any] = {}
    async for raw_key in redis.scan_iter(match=prefix + "*", count=1000):
        key = raw_key.decode()
        if await redis.type(key) == b"zset":
            snapshot[key.removeprefix(prefix)] = await redis.zrange(key, 0, -1, withscores=True)
        else:
            stored = json.loads(await redis.get(key))
            if not isinstance(stored, dict):  # a children version guard
                snapshot[key.removeprefix(prefix)] = stored
                continue
            if stored["doc"] is None:
                continue  # a tombstone only guards against late writes; to readers it is absent
            # Index entries name their own generation's keys; compare them without it.
            stored["idx"] = sorted([e[0].removeprefix(prefix), e[1], e[2]] for e in stored["idx"])
            snapshot[key.removeprefix(prefix)] = stored
    return snapshot


async def _setup(engine: AsyncEngine, settings: Settings) -> Author:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        teacher = User(id=uuid.uuid4(), email="prop@example.com", name="Prop Teacher",
                       password_hash="x", role="teacher", teacher_verified=True,
                       email_verified=True, blocked=False, version=1)
        admin = User(id=uuid.uuid4(), email="padmin@example.com", name="Admin",
                     password_hash="x", role="admin", teacher_verified=False,
                     email_verified=True, blocked=False, version=1)
        students = people(3)
        session.add_all([teacher, admin, *students])
        await session.flush()
        uow = UnitOfWork(session)
        category = await categories.create_category(uow, admin, c.CreateCategory(name="Data"))
        await uow.commit()
    return Author(engine, teacher, category.id, Audience(students, admin))


async def _check(settings: Settings, plan: list[tuple[str, int, bool]],
                 schedule: Schedule) -> None:
    engine = create_async_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    search = await create_search_index(settings)
    stores = Stores(engine, redis, search)
    try:
        await redis.flushdb()
        await search.drop()
        await search.ensure()
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE identity.users, outbox.events, catalog.categories, "
                                    "catalog.courses, catalog.course_students CASCADE"))
        author = await _setup(engine, settings)
        stale: list[Awaitable[Any]] = []
        for action, pick, flag in plan:
            touched = await author.run(action, pick, flag)
            if touched is not None:
                # What a slow worker that read the course now would write much later.
                stale.append(_late_write(stores, await _snapshot(stores, touched)))
        ctx = {"settings": settings, "engine": engine, "redis": redis, "search": search,
               "job_try": 1}
        jobs = [project_event(ctx, body) for body in await envelopes(engine)]
        duplicates = [project_event(ctx, body) for body, (_, dup, _, _) in
                      zip(await envelopes(engine), schedule * 10, strict=False) if dup]
        dying = {**ctx, "search": DyingSearch(search)}
        crashes = [_crashing(project_event(dying, body)) for body, (*_, crash) in
                   zip(await envelopes(engine), schedule * 10, strict=False) if crash]
        await _deliver([*jobs, *duplicates, *crashes, *stale], schedule)

        # Users were made without events.
        projections = ("courses", "lessons", "search", "categories", "reviews")
        for name in projections:
            assert await verify(PROJECTIONS[name], stores) == {}, name
        spaces = (COURSES, LESSONS, REVIEWS)
        before = {s: await space_snapshot(redis, DocumentSpace(redis, s)) for s in spaces}
        for name in projections:
            await rebuild(PROJECTIONS[name], stores, grace_seconds=0)
        after = {s: await space_snapshot(redis, DocumentSpace(redis, s)) for s in spaces}
        assert before == after
    finally:
        await search.close()
        await redis.aclose()
        await engine.dispose()


Snapshot = tuple[list[Any], list[Any], list[Any]]


async def _snapshot(stores: Stores, course_id: uuid.UUID) -> Snapshot:
    """The course's documents as each of its projections would write them now."""
    return (await CoursesProjection().expected(stores, [course_id]),
            await LessonsProjection().expected(stores, [course_id]),
            await SearchProjection().expected(stores, [course_id]))


async def _late_write(stores: Stores, snapshot: Snapshot) -> None:
    pages, lessons, search = snapshot
    await CoursesProjection().write_loaded(stores, pages, Targets({COURSES: [1]}))
    await LessonsProjection().write_loaded(stores, lessons, Targets({LESSONS: [1]}))
    await SearchProjection().write_loaded(stores, search, Targets({}, ["live"]))


async def _deliver(actions: list[Awaitable[Any]], schedule: Schedule) -> None:
    """Shuffled by the schedule; runs of actions marked concurrent are awaited together."""
    order = sorted(range(len(actions)),
                   key=lambda i: (schedule[i % len(schedule)][0] * 31 + i) % 1009)
    pending: list[Awaitable[Any]] = []
    for position, index in enumerate(order):
        pending.append(actions[index])
        if not schedule[position % len(schedule)][2]:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)


@hypothesis_settings(max_examples=30, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps, schedule=deliveries)
def test_catalog_read_models_converge_to_a_fresh_rebuild(
    settings: Settings, migrated: None, plan: list[tuple[str, int, bool]],
    schedule: Schedule,
) -> None:
    asyncio.run(_check(settings, plan, schedule))
