"""Kept search answers over real HTTP: reused for a while, never for a reader's own change."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from read.search.cache import PREFIX
from tests.actors import TOKEN, admin_of, publish_course, verified_teacher
from tests.checks import eventually
from tests.harness import Platform, running_platform


@pytest.fixture
async def platform(settings: Settings, engine: AsyncEngine, redis: Redis
                   ) -> AsyncIterator[Platform]:
    async with running_platform(settings.model_copy(update={"search_cache_seconds": 30})) as running:
        yield running


def titles(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_answers_are_reused_until_a_reader_asks_for_their_own_change(
        platform: Platform, redis: Redis) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "t@example.com", "Teacher One")
    course_id = await publish_course(teacher, title="Alpha astronomy")
    published = teacher.last_token

    async def anonymous(q: str, **headers: str) -> httpx.Response:
        return await platform.read.get("/api/courses", params={"q": q}, headers=headers)

    # A first search (waiting for the publication) asks the index; its answer is kept.
    assert titles(await anonymous("alpha", **{TOKEN: published or ""})) == ["Alpha astronomy"]
    assert [key async for key in redis.scan_iter(f"{PREFIX}*")]

    await teacher.command("PATCH", f"/api/courses/{course_id}", json={"title": "Omega optics"})
    renamed = teacher.last_token or ""
    # The teacher's own read carries the token: the index's answer, at once.
    assert titles(await anonymous("omega", **{TOKEN: renamed})) == ["Omega optics"]
    # Another reader without a token gets the kept answer, though the index moved on
    # (the course page, read from Redis, already shows the new title).
    await eventually(lambda: _page_title_is(platform, course_id, "Omega optics"),
                     "the rename never reached the course page")
    assert titles(await anonymous("alpha")) == ["Alpha astronomy"]
    # A reader with the token gets the current answer, which replaces the kept one.
    assert titles(await anonymous("alpha", **{TOKEN: renamed})) == []
    assert titles(await anonymous("alpha")) == []


async def _page_title_is(platform: Platform, course_id: str, title: str) -> bool | None:
    page = await platform.read.get(f"/api/courses/{course_id}")
    return True if page.status_code == 200 and page.json()["title"] == title else None
