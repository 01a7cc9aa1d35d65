"""The Locust scenarios (tools/locust) against the running test platform: each profile runs
headless for a few seconds in a Locust subprocess (never imported here: Locust patches the
process with gevent), and its CSV statistics must show every expected endpoint group, no
failure, and, for the profiles that send commands, changes the read API then shows."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.cli_admin import create_admin_account
from apps.naive_app import create_naive_app
from apps.seed import seed_demo
from common.settings import Settings
from projectors.base import Stores
from projectors.rebuild import rebuild
from read.search.port import create_search_index
from tests.checks import eventually
from tests.harness import Platform, running_platform, serve
from tools.locust.accounts import REGISTER_PASSWORD
from tools.seed import SEED_PASSWORD, bulk_seed
from workers.routing import PROJECTIONS

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "tools" / "locust" / "locustfile.py"
# Long enough that every kind of user gets past its sign-in and through a few tasks even when the
# in-process platform is still projecting what the test seeded: a 7 s run in CI once recorded no
# completed request at all (every sign-in still in flight when the run stopped).
SECONDS = 15
USERS = 10
TEACHERS, STUDENTS = 3, 10
ADMIN = ("load-admin@example.com", "load-admin-pass-1")
AUTH = {"POST /api/auth/login", "POST /api/auth/refresh", "POST /api/auth/register",
        "PATCH /api/admin/users/{id}"}


@pytest.fixture
async def platform(settings: Settings, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Platform]:
    """Access tokens live 30 s (the shortest allowed), so a few seconds of load see refreshes.
    Everything runs in this one process, so projections lag more than on a real deployment: reads
    with a consistency token may wait up to 10 s (the most allowed) instead of 2 s."""
    async with running_platform(settings.model_copy(update={
            "access_token_ttl_seconds": 30, "consistency_wait_ms": 10_000})) as running:
        yield running


@pytest.fixture
async def seeded(platform: Platform, engine: AsyncEngine, redis: Redis) -> Platform:
    """A small `edu seed` catalog with students, enrollments, payments and reviews, projected."""
    await bulk_seed(platform.settings, teachers=TEACHERS, courses=12, modules_per_course=1,
                    lessons_per_module=3, categories=3, students=STUDENTS, enrollments=15, payments=4,
                    reviews=5, random_seed=11, show_progress=False)
    search = await create_search_index(platform.settings)
    try:
        for projection in PROJECTIONS.values():
            await rebuild(projection, Stores(engine, redis, search), batch_size=50, grace_seconds=0)
    finally:
        await search.close()
    return platform


@pytest.fixture
async def naive_url(platform: Platform) -> AsyncIterator[str]:
    async with serve(create_naive_app(platform.settings)) as url:
        yield url


async def run_locust(platform: Platform, naive_url: str, out: Path, scenario: str, accounts: str,
                     *, users: int = USERS, seconds: int = SECONDS) -> dict[str, dict[str, str]]:
    """Runs one profile headless; returns the CSV statistics by request name."""
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "5",
        "--csv", str(out / scenario), "--scenario", scenario, "--accounts", accounts,
        "--write-host", str(platform.write.base_url), "--read-host", str(platform.read.base_url),
        "--naive-host", naive_url, "--seed-students", str(STUDENTS), "--seed-teachers", str(TEACHERS),
        "--admin-email", ADMIN[0], "--admin-password", ADMIN[1],
        "--think-time", "0.1", "--refresh-margin", "27", "--decline-share", "0.25"]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + 40)
    failures = (out / f"{scenario}_failures.csv")
    assert process.returncode == 0, (output.decode()[-3000:],
                                     failures.read_text() if failures.exists() else "")
    with (out / f"{scenario}_stats.csv").open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    assert rows["Aggregated"]["Failure Count"] == "0", failures.read_text()
    return rows


def made(rows: dict[str, dict[str, str]]) -> set[str]:
    """The request names with at least one request."""
    return {name for name, row in rows.items() if name != "Aggregated" and int(row["Request Count"])}


async def rows_of(engine: AsyncEngine, query: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in await conn.execute(text(query), params)]


async def progress_shows_new_work(platform: Platform, engine: AsyncEngine, since: datetime,
                                  password: str) -> None:
    """A lesson some student completed during the run is in their progress on the read API."""
    done = await rows_of(engine, """
        SELECT u.email, c.course_id, c.lesson_id FROM learning.lesson_completions c
        JOIN identity.users u ON u.id = c.student_id
        WHERE c.completed_at >= :since ORDER BY c.completed_at DESC LIMIT 1""", since=since)
    assert done, "no lesson was completed during the run"
    login = await platform.write.post("/api/auth/login", json={"email": done[0]["email"],
                                                               "password": password})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def completed() -> bool | None:
        answer = await platform.read.get(f"/api/me/courses/{done[0]['course_id']}/progress", headers=auth)
        return True if answer.status_code == 200 and str(done[0]["lesson_id"]) in \
            answer.json()["completed_lesson_ids"] else None

    await eventually(completed, "the completed lesson never reached the read API")


async def test_the_original_mix_browses_buys_studies_and_authors(
    seeded: Platform, engine: AsyncEngine, naive_url: str, tmp_path: Path
) -> None:
    since = datetime.now(UTC)
    rows = await run_locust(seeded, naive_url, tmp_path, "mix", "seed")

    assert {"POST /api/auth/login", "POST /api/auth/refresh", "GET /api/catalog/lists/{name}",
            "GET /api/courses/{id}", "GET /api/courses?q=…", "GET /api/categories",
            "GET /api/me/dashboard", "POST /api/lessons/{id}/complete",
            "GET /api/teacher/courses"} <= made(rows)
    assert made(rows) & {"POST /api/enrollments", "POST /api/payments"}
    await progress_shows_new_work(seeded, engine, since, SEED_PASSWORD)


async def test_the_read_profile_only_reads(platform: Platform, naive_url: str, tmp_path: Path) -> None:
    await seed_demo(str(platform.write.base_url), platform.settings, log=lambda _: None)

    async def demo_catalog_searchable() -> bool | None:
        found = (await platform.read.get("/api/courses", params={"q": "pandas"})).json()
        return True if found["total"] else None

    await eventually(demo_catalog_searchable, "the demo catalog never reached search")
    rows = await run_locust(platform, naive_url, tmp_path, "read", "demo")

    assert {"POST /api/auth/login", "GET /api/catalog/lists/{name}", "GET /api/courses/{id}",
            "GET /api/courses?q=…", "GET /api/categories", "GET /api/me/dashboard",
            "GET /api/teacher/courses"} <= made(rows)
    assert {name for name in made(rows) if not name.startswith("GET ")} <= AUTH


async def test_the_write_profile_only_sends_commands_that_take_effect(
    seeded: Platform, engine: AsyncEngine, naive_url: str, tmp_path: Path
) -> None:
    await create_admin_account(seeded.settings, email=ADMIN[0], name="Load Admin", password=ADMIN[1])
    since = datetime.now(UTC)
    # Fewer people for longer: each registration and sign-in hashes a password on the test
    # server, and a bought course takes a few steps (pay, confirm, study).
    rows = await run_locust(seeded, naive_url, tmp_path, "write", "register", users=6, seconds=10)

    assert {"POST /api/auth/register", "PATCH /api/admin/users/{id}", "POST /api/lessons/{id}/complete",
            "POST /api/notifications/read-all", "POST /api/courses", "POST /api/courses/{id}/modules",
            "POST /api/modules/{id}/lessons", "POST /api/courses/{id}/publish"} <= made(rows)
    assert made(rows) & {"POST /api/enrollments", "POST /api/payments"}
    assert not {name for name in made(rows) if name.startswith("GET ")}
    await progress_shows_new_work(seeded, engine, since, REGISTER_PASSWORD)
    authored = await rows_of(engine, "SELECT id FROM catalog.courses WHERE status = 'published' "
                                     "AND title LIKE 'Load test course %' LIMIT 1")
    assert authored, "no course was authored and published"

    async def listed() -> bool | None:
        answer = await seeded.read.get(f"/api/courses/{authored[0]['id']}")
        return True if answer.status_code == 200 else None

    await eventually(listed, "the authored course never reached the read API")


async def test_the_naive_profile_reads_only_the_naive_baseline(
    seeded: Platform, naive_url: str, tmp_path: Path
) -> None:
    rows = await run_locust(seeded, naive_url, tmp_path, "naive", "seed")

    assert {"GET /api/naive/courses", "GET /api/naive/courses/{id}", "GET /api/naive/courses?q=…",
            "GET /api/naive/students/{id}/dashboard", "GET /api/naive/teachers/{id}/courses"} <= made(rows)
    assert made(rows) - {"POST /api/auth/login"} == {name for name in made(rows)
                                                     if name.startswith("GET /api/naive/")}

