"""The users read model's queries: pagination, filters and prefix search (Cyrillic too)."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from read.pagination import decode_cursor
from read.stores.users import UserFilter, UsersReadStore
from tests.builders import envelopes, register
from workers.jobs import project_event


async def project_all(settings: Settings, engine: AsyncEngine, redis: Redis) -> None:
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}
    for body in await envelopes(engine):
        await project_event(ctx, body)


async def test_pages_cover_every_user_once_newest_first(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    for i in range(25):
        await register(engine, settings, email=f"p{i:02}@example.com")
    await project_all(settings, engine, redis)
    store = UsersReadStore(redis)
    seen, cursor, pages = [], None, 0
    while True:
        page = await store.list(UserFilter(), limit=10, offset=decode_cursor(cursor))
        assert page.total == 25
        seen += [u.email for u in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"p{i:02}@example.com" for i in reversed(range(25))]


async def test_prefix_search_matches_email_and_any_name_word_in_cyrillic(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await register(engine, settings, email="ivan@example.com", name="Иван Петров")
    await register(engine, settings, email="maria@example.com", name="Мария Иванова",
                   role="teacher")
    await register(engine, settings, email="john@example.com", name="John Smith")
    await project_all(settings, engine, redis)
    store = UsersReadStore(redis)

    async def emails(**flt: object) -> list[str]:
        page = await store.list(UserFilter(**flt), limit=20, offset=0)  # type: ignore[arg-type]
        return sorted(u.email for u in page.items)

    assert await emails(q="ив") == ["ivan@example.com", "maria@example.com"]
    assert await emails(q="Пет") == ["ivan@example.com"]
    assert await emails(q="jo") == ["john@example.com"]
    assert await emails(q="ив", role="teacher") == ["maria@example.com"]
    assert await emails(pending_teacher=True) == ["maria@example.com"]
    assert await emails(q="zz") == []
