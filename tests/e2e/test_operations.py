"""Operators rebuild and verify projections over HTTP and from the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.documents import DocumentSpace
from tests.actors import admin_of, publish_course, sign_up, verified_teacher
from tests.checks import rebuild_done
from tests.harness import Platform, edu
from tools.seed import bulk_seed
from workers.routing import PROJECTIONS


async def test_admin_rebuilds_over_http_and_watches_progress(platform: Platform) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "ops@example.com", "Ops Teacher")
    course_id = await publish_course(teacher, title="Operations 101", lessons=2)
    student = await sign_up(platform, "s@example.com")

    refused = await platform.write.post("/api/ops/projections/courses/rebuild", headers=student.auth)
    assert refused.status_code == 403
    unknown = await platform.write.post("/api/ops/projections/nope/rebuild", headers=admin.auth)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "projection_not_found"

    started = await admin.command("POST", "/api/ops/projections/courses/rebuild", expect=202)
    assert started.json()["projection"] == "courses"
    statuses = await rebuild_done(admin, "courses")
    courses = statuses["courses"]
    assert courses["rebuild"]["done"] == courses["rebuild"]["total"] == "1"
    assert set(statuses) == set(PROJECTIONS)
    assert (await student.read(f"/api/courses/{course_id}")).json()["title"] == "Operations 101"
    forbidden = await platform.read.get("/api/ops/projections", headers=student.auth)
    assert forbidden.status_code == 403


async def test_cli_rebuild_then_verify_finds_no_drift_and_then_finds_planted_drift(
    platform: Platform, redis: Redis, tmp_path: Path
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "cli@example.com", "CLI Teacher")
    course_id = await publish_course(teacher, title="Verify me", lessons=1)
    reader = await sign_up(platform, "r@example.com")
    reader.last_token = teacher.last_token
    await reader.read(f"/api/courses/{course_id}")  # projected

    rebuilt = edu(platform.settings, tmp_path, "projections", "rebuild", "all",
                  "--grace-seconds", "0")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "courses: 1 aggregates" in rebuilt.stdout
    status = edu(platform.settings, tmp_path, "projections", "status", "--json")
    rebuilds = {row["name"]: row["rebuild"] for row in json.loads(status.stdout)}
    assert rebuilds["courses"]["state"] == "done"
    assert float(rebuilds["courses"]["done"]) == 1
    assert "done" in edu(platform.settings, tmp_path, "projections", "status").stdout
    clean = edu(platform.settings, tmp_path, "projections", "verify", "all")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.count("no drift") == len(PROJECTIONS)

    space = DocumentSpace(redis, "courses")
    await redis.delete(space.key(await space.current_generation(), f"doc:{course_id}"))
    drifted = edu(platform.settings, tmp_path, "projections", "verify", "courses")
    assert drifted.returncode == 1
    assert f"{course_id}: missing" in drifted.stdout


async def test_renaming_a_category_leaves_no_drift(platform: Platform, tmp_path: Path) -> None:
    admin = await admin_of(platform)
    category = (await admin.command("POST", "/api/categories", expect=201,
                                    json={"name": "Data"})).json()
    teacher = await verified_teacher(platform, admin, "rename@example.com", "Rename Teacher")
    course_id = await publish_course(teacher, title="Pandas in practice",
                                     category_id=category["id"])
    await teacher.read(f"/api/courses/{course_id}")  # projected under the old name

    await admin.command("PATCH", f"/api/categories/{category['id']}",
                        json={"name": "Data science", "slug": "data-science"})

    page = (await admin.read(f"/api/courses/{course_id}")).json()
    assert page["category"] == {"id": category["id"], "name": "Data science",
                                "slug": "data-science"}
    found = (await admin.read("/api/courses", category=category["id"])).json()
    assert [hit["id"] for hit in found["items"]] == [course_id]
    assert found["items"][0]["category_id"] == category["id"]
    verified = edu(platform.settings, tmp_path, "projections", "verify", "all")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.count("no drift") == len(PROJECTIONS), verified.stdout


@pytest.mark.parametrize("name", ["courses", "search"])
async def test_changes_committed_during_a_rebuild_are_in_the_rebuilt_read_models(
    platform: Platform, engine: AsyncEngine, redis: Redis, name: str
) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "live@example.com", "Live Teacher")
    course_ids = [await publish_course(teacher, title=f"Course {n}") for n in range(6)]
    # Enough other courses that the scan takes a while, one course per batch.
    await bulk_seed(platform.settings, teachers=3, courses=400, modules_per_course=1,
                       lessons_per_module=2, categories=2, random_seed=5, show_progress=False)
    search = await create_search_index(platform.settings)
    stores = Stores(engine, redis, search)
    progress = {"done": 0, "total": 1}
    try:
        scan = asyncio.create_task(rebuild(
            PROJECTIONS[name], stores, batch_size=1, concurrency=1, grace_seconds=0,
            progress=lambda done, total: progress.update(done=done, total=total)))
        rounds = 0
        # Edits during the first half of the scan: each course is read by the scan before or
        # after its last edit, and only the live jobs' writes into the new generation can carry
        # the edits the scan missed.
        while progress["done"] < progress["total"] / 2:
            for course_id in course_ids:
                await teacher.command("PATCH", f"/api/courses/{course_id}",
                                      json={"title": f"Edited in round {rounds}"})
            rounds += 1
        for course_id in course_ids:  # projected (consistency token) ...
            await teacher.read(f"/api/courses/{course_id}")
        assert not scan.done(), "... while the scan still ran: seed more courses"
        result = await scan

        assert rounds >= 2
        if name == "courses":
            assert await DocumentSpace(redis, "courses").current_generation() == \
                result.generations["courses"]
        for course_id in course_ids:
            page = (await teacher.read(f"/api/courses/{course_id}")).json()
            assert page["title"] == f"Edited in round {rounds - 1}"
        assert await verify(PROJECTIONS[name], stores) == {}
        found = (await teacher.read("/api/courses", q=f"round {rounds - 1}")).json()
        assert set(course_ids) <= {hit["id"] for hit in found["items"]}
    finally:
        await search.close()
