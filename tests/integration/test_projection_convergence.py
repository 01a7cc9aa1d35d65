"""Property: whatever the delivery order, duplication or concurrency, the users read model
converges to exactly what a recomputation from the write model gives (DESIGN §3.2)."""

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
from projectors import users
from projectors.base import Stores
from projectors.loaders import load_user
from projectors.rebuild import verify
from read.stores.documents import DocumentSpace
from read.stores.users import UserFilter, UsersReadStore
from tests.builders import admin, change_access, envelopes, register
from tests.deliveries import deliver, schedules
from workers.jobs import project_event

ROLES = ("student", "teacher", "admin")

commands = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.sampled_from(("student", "teacher"))),
        st.tuples(st.just("access"), st.integers(0, 5), st.sampled_from((*ROLES, None)),
                  st.booleans(), st.sampled_from((True, False, None))),
    ),
    min_size=1, max_size=12,
)


async def _run_commands(engine: AsyncEngine, settings: Settings, plan: list[tuple[Any, ...]]
                        ) -> list[dict[str, object]]:
    """Runs the commands; returns a snapshot of the touched user after each one.

    Each snapshot is what a slow projector that loaded state at that moment would later write.
    """
    root = await admin(engine)
    people: list[uuid.UUID] = []
    snapshots = []
    for step in plan:
        if step[0] == "register":
            target = await register(engine, settings, email=f"u{len(people)}@example.com",
                                    role=step[1])
            people.append(target)
        elif people:
            _, who, role, verify, blocked = step
            target = people[who % len(people)]
            await change_access(engine, admin_id=root, user_id=target, role=role, blocked=blocked,
                                teacher_verified=True if verify and role == "teacher" else None)
        else:
            continue
        snapshot = await load_user(engine, target)
        assert snapshot is not None
        snapshots.append(snapshot)
    return snapshots


async def _deliver(ctx: dict[str, Any], bodies: list[dict[str, Any]],
                   stale: list[dict[str, object]], schedule: list[tuple[int, bool, bool]]) -> None:
    """Every event at least once, shuffled, some twice, some concurrently, with late stale writes."""
    space = DocumentSpace(ctx["redis"], users.NAME)

    def action(item: dict[str, Any] | dict[str, object], is_job: bool) -> Awaitable[Any]:
        if is_job:
            return project_event(ctx, item)  # type: ignore[arg-type]
        return users.write_doc(space, 1, users.build_doc(item))

    items = [(body, True) for body in bodies] + [(row, False) for row in stale]
    await deliver(items, lambda item: action(*item), schedule)


async def _check(settings: Settings, plan: list[tuple[Any, ...]],
                 schedule: list[tuple[int, bool, bool]]) -> None:
    engine = create_async_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.flushdb()
        async with engine.begin() as conn:
            await conn.execute(text("TRUNCATE identity.users, outbox.events CASCADE"))
        stale = await _run_commands(engine, settings, plan)
        ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}
        await _deliver(ctx, await envelopes(engine), stale, schedule)

        assert await verify(users.users, Stores(engine, redis)) == {}
        store = UsersReadStore(redis)
        async with engine.connect() as conn:
            expected = {role: set(map(str, (await conn.scalars(text(
                "SELECT id FROM identity.users WHERE role = :r"), {"r": role})).all()))
                for role in ROLES}
        for role in ROLES:
            page = await store.list(UserFilter(role=role), limit=100, offset=0)
            assert {str(u.id) for u in page.items} == expected[role]
    finally:
        await redis.aclose()
        await engine.dispose()


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=commands, schedule=schedules)
def test_users_projection_converges_to_a_recomputation(
    settings: Settings, migrated: None, plan: list[tuple[Any, ...]],
    schedule: list[tuple[int, bool, bool]],
) -> None:
    asyncio.run(_check(settings, plan, schedule))
