"""The naive baseline answers what the read API answers, so the benchmark compares like with like."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.naive_app import create_naive_app
from tests.actors import admin_of, publish_course, sign_up, verified_teacher
from tests.checks import (
    counted_among_students,
    inbox_reaching,
    known_to_learning,
    lesson_ids,
    settled,
)
from tests.harness import Platform, serve
from tests.shop import open_shop, pay


@pytest.fixture
async def naive(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_naive_app(platform.settings)) as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


async def test_naive_course_page_equals_the_read_api_page(
    platform: Platform, naive: httpx.AsyncClient
) -> None:
    admin = await admin_of(platform)
    category = (await admin.command("POST", "/api/categories", expect=201,
                                    json={"name": "Программирование"})).json()
    maria = await verified_teacher(platform, admin, "maria@example.com", "Мария Иванова")
    course_id = await publish_course(
        maria, title="Python для начинающих", category_id=category["id"], language="ru",
        price="49.90", description="<p>Программирование на <strong>Python</strong></p>", lessons=2)
    module = (await maria.command("POST", f"/api/courses/{course_id}/modules", expect=201,
                                  json={"title": "Второй модуль"})).json()
    await maria.command("POST", f"/api/modules/{module['id']}/lessons", expect=201,
                        json={"title": "Функции", "content": "# Функции", "duration_minutes": 25})

    read_page = (await maria.read(f"/api/courses/{course_id}")).json()
    naive_page = (await naive.get(f"/api/naive/courses/{course_id}")).json()

    shared = read_page.keys() & naive_page.keys()
    assert {"teacher_name", "category", "modules", "lessons_count", "duration_minutes",
            "description_html", "price", "version"} <= shared
    assert {key: naive_page[key] for key in shared} == {key: read_page[key] for key in shared}
    assert [len(m["lessons"]) for m in naive_page["modules"]] == [2, 1]
    assert naive_page["teacher_name"] == "Мария Иванова"


async def test_naive_search_and_visibility_follow_the_catalog(
    platform: Platform, naive: httpx.AsyncClient
) -> None:
    admin = await admin_of(platform)
    john = await verified_teacher(platform, admin, "john@example.com", "John Smith")
    older = await publish_course(john, title="Python basics", description="<p>Start here</p>")
    newer = await publish_course(john, title="Typography", description="<p>Fonts in Python 100%</p>")
    draft = (await john.command("POST", "/api/courses", expect=201,
                                json={"title": "Secret Python draft"})).json()

    found = (await naive.get("/api/naive/courses", params={"q": "PYTHON"})).json()
    assert [hit["id"] for hit in found["items"]] == [newer, older]
    assert found["total"] == 2
    assert found["items"][0]["teacher_name"] == "John Smith"
    literal = (await naive.get("/api/naive/courses", params={"q": "100%"})).json()
    assert [hit["id"] for hit in literal["items"]] == [newer]
    assert (await naive.get("/api/naive/courses", params={"q": "1_0"})).json()["total"] == 0
    missing = await naive.get(f"/api/naive/courses/{draft['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "course_not_found"


async def test_naive_dashboard_equals_the_read_api_dashboard(
    platform: Platform, engine: AsyncEngine, naive: httpx.AsyncClient
) -> None:
    admin = await admin_of(platform)
    maria = await verified_teacher(platform, admin, "maria@example.com", "Мария Иванова")
    courses = [await publish_course(maria, title=f"Курс {n}", lessons=2) for n in range(3)]
    for course_id in courses:
        await known_to_learning(engine, maria, course_id)
    student = await sign_up(platform, "student@example.com")
    for course_id in courses:
        await student.command("POST", "/api/enrollments", expect=201,
                              json={"course_id": course_id})
    first, second = await lesson_ids(maria, courses[0])
    await student.command("POST", f"/api/lessons/{first}/complete")
    await student.command("POST", f"/api/lessons/{second}/complete")
    opened = (await lesson_ids(maria, courses[1]))[1]
    await student.command("POST", f"/api/lessons/{opened}/open", expect=204)
    await inbox_reaching(student, 4)  # three enrollments and a completed course

    read_board = (await student.read("/api/me/dashboard")).json()
    naive_board = (await naive.get(f"/api/naive/students/{student.id}/dashboard")).json()

    assert naive_board == read_board
    assert [len(read_board[s]["items"]) for s in ("in_progress", "completed")] == [2, 1]
    assert read_board["unread_notifications"] == 4


async def test_naive_teacher_dashboard_equals_the_read_api_dashboard(
    platform: Platform, engine: AsyncEngine, naive: httpx.AsyncClient
) -> None:
    shop = await open_shop(platform)
    buyer = await sign_up(platform, "buyer@example.com")
    await pay(buyer, shop.paid)
    undecided = await sign_up(platform, "undecided@example.com")
    refunded = (await pay(undecided, shop.paid)).json()
    learner = await sign_up(platform, "learner@example.com")
    await learner.command("POST", "/api/enrollments", expect=201, json={"course_id": shop.free})
    learner.last_token = await counted_among_students(engine, shop.free, learner.id)
    for lesson in await lesson_ids(learner, shop.free):
        await learner.command("POST", f"/api/lessons/{lesson}/complete")
    await learner.command("POST", f"/api/courses/{shop.free}/reviews", expect=201,
                          json={"rating": 4, "comment": "Nice"})
    await undecided.command("POST", f"/api/payments/{refunded['id']}/refund")
    await settled(platform)

    read = (await shop.teacher.read("/api/teacher/courses")).json()
    naive_body = (await naive.get(f"/api/naive/teachers/{shop.teacher.id}/courses")).json()

    assert naive_body == {
        "items": [{"id": item["id"], "title": item["title"], "stats": item["stats"]}
                  for item in read["items"]],
        "total": read["total"], "totals": read["totals"]}
    assert read["totals"]["revenue"] == {"USD": "49.90"}
    assert read["totals"]["completions"] == 1
