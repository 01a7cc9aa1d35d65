"""The teacher dashboard over HTTP: students, completions, rating and revenue per course and in
total, from enrollments, payments (one refunded), completions and reviews; only for teachers;
verified and rebuilt like every read model."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.stores.documents import DocumentSpace
from read.stores.teacher import TEACHER_STATS
from tests.actors import TOKEN, Actor, sign_up
from tests.checks import counted_among_students, expect_error, lesson_ids, settled
from tests.harness import Platform
from tests.shop import open_shop, pay
from workers.routing import PROJECTIONS


async def buyer(platform: Platform, engine: AsyncEngine, email: str, course_id: str) -> Actor:
    """A student who paid for the course, once the catalog counts them (they may review it)."""
    student = await sign_up(platform, email)
    await pay(student, course_id)
    student.last_token = await counted_among_students(engine, course_id, student.id)
    return student


async def learner(platform: Platform, engine: AsyncEngine, email: str, course_id: str) -> Actor:
    student = await sign_up(platform, email)
    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
    student.last_token = await counted_among_students(engine, course_id, student.id)
    return student


async def finish(student: Actor, course_id: str, *, rating: int) -> None:
    """Completes every lesson of the course, then reviews it."""
    for lesson in await lesson_ids(student, course_id):
        await student.command("POST", f"/api/lessons/{lesson}/complete")
    await student.command("POST", f"/api/courses/{course_id}/reviews", expect=201,
                          json={"rating": rating, "comment": "Worth it"})


def dashboard_of(body: dict[str, Any]) -> dict[str, Any]:
    return {"courses": {item["title"]: item["stats"] for item in body["items"]},
            "total": body["total"], "totals": body["totals"]}


async def test_the_dashboard_counts_students_completions_ratings_and_revenue(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    shop = await open_shop(platform)
    ann = await buyer(platform, engine, "ann@example.com", shop.paid)
    bob = await buyer(platform, engine, "bob@example.com", shop.paid)
    cat = await buyer(platform, engine, "cat@example.com", shop.paid)
    dan = await learner(platform, engine, "dan@example.com", shop.free)
    await learner(platform, engine, "eve@example.com", shop.free)

    await finish(ann, shop.paid, rating=5)
    await cat.command("POST", f"/api/courses/{shop.paid}/reviews", expect=201,
                      json={"rating": 4, "comment": "Good"})
    paid_by_bob = (await bob.read("/api/me/payments")).json()["items"][0]["id"]
    await bob.command("POST", f"/api/payments/{paid_by_bob}/refund")
    await finish(dan, shop.free, rating=3)
    await settled(platform)  # the students' changes reach the teacher's read model in the background

    body = (await shop.teacher.read("/api/teacher/courses")).json()

    assert dashboard_of(body) == {
        "courses": {
            "Paid course": {"students": 2, "completions": 1, "rating": 4.5, "rating_count": 2,
                            "rating_sum": 9, "revenue": {"USD": "99.80"}},
            "Free course": {"students": 2, "completions": 1, "rating": 3.0, "rating_count": 1,
                            "rating_sum": 3, "revenue": {}}},
        "total": 2,
        "totals": {"students": 4, "completions": 2, "rating": 4.0, "rating_count": 3,
                   "rating_sum": 12, "revenue": {"USD": "99.80"}}}
    # The cards are the ones the teacher saw before: last changed first, drafts included.
    assert [item["id"] for item in body["items"]] == [shop.free, shop.paid]
    assert body["items"][1]["price"] == "49.90"

    # The totals cover every course, not just the page shown.
    first = (await shop.teacher.read("/api/teacher/courses", limit=1)).json()
    assert [item["id"] for item in first["items"]] == [shop.free]
    assert first["totals"] == body["totals"]
    assert first["next_cursor"] is not None

    stores = Stores(engine, redis)
    projection = PROJECTIONS[TEACHER_STATS]
    assert await verify(projection, stores) == {}
    space = DocumentSpace(redis, TEACHER_STATS)
    assert await space.drop_generation(await space.current_generation()) > 0
    await rebuild(projection, stores, grace_seconds=0)
    assert await verify(projection, stores) == {}
    assert (await shop.teacher.read("/api/teacher/courses")).json() == body


async def test_only_teachers_see_a_dashboard(platform: Platform) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "nosy@example.com")

    assert student.last_token is not None
    refused = await platform.read.get("/api/teacher/courses", headers={
        **student.auth, TOKEN: student.last_token})
    anonymous = await platform.read.get("/api/teacher/courses")

    expect_error(refused, status=403, code="teacher_required")
    assert anonymous.status_code == 401
    newcomer = await sign_up(platform, "new@example.com", role="teacher")
    body = (await newcomer.read("/api/teacher/courses")).json()
    assert body == {"items": [], "total": 0, "next_cursor": None,
                    "totals": {"students": 0, "completions": 0, "rating": 0.0,
                               "rating_count": 0, "rating_sum": 0, "revenue": {}}}
    assert (await shop.teacher.read("/api/teacher/courses")).json()["total"] == 2


async def test_a_new_lesson_takes_back_the_completions_and_removing_it_restores_them(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    finisher = await learner(platform, engine, "fin@example.com", shop.free)
    for lesson in await lesson_ids(finisher, shop.free):
        await finisher.command("POST", f"/api/lessons/{lesson}/complete")
    await settled(platform)

    async def completions() -> int:
        body = (await shop.teacher.read("/api/teacher/courses")).json()
        return int(next(item["stats"]["completions"] for item in body["items"]
                        if item["id"] == shop.free))

    assert await completions() == 1
    page = (await shop.teacher.read(f"/api/courses/{shop.free}")).json()
    added = (await shop.teacher.command(
        "POST", f"/api/modules/{page['modules'][0]['id']}/lessons", expect=201,
        json={"title": "Bonus", "content": "More"})).json()["id"]
    await settled(platform)  # learning recounts every enrollment of the course in the background
    assert await completions() == 0
    await shop.teacher.command("DELETE", f"/api/lessons/{added}")
    await settled(platform)
    assert await completions() == 1
