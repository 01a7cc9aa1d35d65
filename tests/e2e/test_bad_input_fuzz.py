"""Generated command bodies (hypothesis) sent over real HTTP to the write API: whatever the body,
the answer is never a 5xx, a refusal is the usual JSON error, and a refused command writes
nothing. Bounded: a few dozen examples per command."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.catalog_builders import (
    Actor,
    add_module,
    catalog_state,
    create_course,
    make_admin,
    make_user,
    make_verified_teacher,
)
from tests.harness import Platform, running_platform

EXAMPLES = 30

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False) | st.text(max_size=40)
           | st.sampled_from(["", " ", "student", "teacher", "admin", "beginner", "en", "49.90",
                              "USD", "-1", "1e9", "<script>x</script>", "' OR 1=1 --",
                              "00000000-0000-0000-0000-000000000000", "a@b.co"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=8)


def bodies(fields: list[str]) -> st.SearchStrategy[Any]:
    """Any JSON document, or an object over the command's own field names (plus strays)."""
    names = st.sampled_from(fields) | st.text(max_size=8)
    return json_values | st.dictionaries(names, json_values, max_size=len(fields) + 1)


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    """Both APIs with no relay or worker: only our requests write."""
    async with running_platform(settings, with_processors=False) as running:
        yield running


async def fuzz(platform: Platform, engine: AsyncEngine, method: str, path: str,
               fields: list[str], actor: Actor | None = None,
               headers: Callable[[], dict[str, str]] = dict) -> None:
    """Runs hypothesis in a thread (its examples are synchronous) against the APIs this event
    loop serves; write-model fingerprints are taken back on this loop."""
    loop = asyncio.get_running_loop()
    seen: dict[int, int] = {}

    def state() -> dict[str, Any]:
        return asyncio.run_coroutine_threadsafe(catalog_state(engine), loop).result(timeout=30)

    @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(body=bodies(fields))
    def example(body: Any) -> None:
        before = state()
        response = client.request(method, path, content=json.dumps(body),
                                  headers={"content-type": "application/json",
                                           **(actor.headers if actor else {}), **headers()})
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            error = response.json()["error"]
            assert isinstance(error["code"], str)
            assert isinstance(error["message"], str)
            assert state() == before, (body, response.text)

    with httpx.Client(base_url=str(platform.write.base_url), timeout=10) as client:
        await asyncio.to_thread(example)
    # Generated bodies reached the handlers' validation, not only the JSON parser.
    assert 422 in seen, seen


async def test_generated_registrations(platform: Platform, engine: AsyncEngine) -> None:
    await fuzz(platform, engine, "POST", "/api/auth/register",
               ["email", "password", "name", "role"])


async def test_generated_logins(platform: Platform, engine: AsyncEngine) -> None:
    await fuzz(platform, engine, "POST", "/api/auth/login", ["email", "password"])


async def test_generated_courses(platform: Platform, engine: AsyncEngine) -> None:
    admin = await make_admin(platform)
    teacher = await make_verified_teacher(platform, admin=admin, email="t@example.com")
    await fuzz(platform, engine, "POST", "/api/courses",
               ["title", "description", "category_id", "level", "language", "price", "currency",
                "cover_url"], teacher)


async def test_generated_course_changes(platform: Platform, engine: AsyncEngine) -> None:
    admin = await make_admin(platform)
    teacher = await make_verified_teacher(platform, admin=admin, email="t@example.com")
    course_id = await create_course(platform, teacher=teacher)
    await fuzz(platform, engine, "PATCH", f"/api/courses/{course_id}",
               ["expected_version", "title", "description", "level", "price", "currency"],
               teacher)


async def test_generated_lessons(platform: Platform, engine: AsyncEngine) -> None:
    admin = await make_admin(platform)
    teacher = await make_verified_teacher(platform, admin=admin, email="t@example.com")
    module_id = await add_module(platform, teacher=teacher,
                                 course_id=await create_course(platform, teacher=teacher))
    await fuzz(platform, engine, "POST", f"/api/modules/{module_id}/lessons",
               ["title", "content", "video_url", "duration_minutes", "preview"], teacher)


async def test_generated_categories(platform: Platform, engine: AsyncEngine) -> None:
    await fuzz(platform, engine, "POST", "/api/categories", ["name", "slug"],
               await make_admin(platform))


async def test_generated_enrollments_and_payments(platform: Platform, engine: AsyncEngine) -> None:
    student = await make_user(platform, email="s@example.com")
    await fuzz(platform, engine, "POST", "/api/enrollments", ["course_id"], student)
    keys = iter(range(1_000_000))
    await fuzz(platform, engine, "POST", "/api/payments", ["course_id", "method"], student,
               headers=lambda: {"Idempotency-Key": f"fuzz-{next(keys)}"})
