"""Reviews over HTTP: an enrolled student's rating moves the course page, the top-rated list and
search; edits, deletions and hiding move them back; every refused command changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.operator import operator_stores
from projectors.rebuild import rebuild, verify
from tests.actors import Actor, admin_of, publish_course, sign_up, verified_teacher
from tests.checks import (
    counted_among_students,
    course_facts_in_learning,
    expect_error,
    review_state,
    settled,
)
from tests.harness import Platform
from workers.routing import PROJECTIONS


@dataclass
class Catalog:
    admin: Actor
    teacher: Actor
    course: str
    other: str


async def published(engine: AsyncEngine, teacher: Actor, title: str) -> str:
    """A published course learning already knows (so students can enroll at once)."""
    course_id = await publish_course(teacher, title=title)
    version = int((await teacher.command("PATCH", f"/api/courses/{course_id}", json={}))
                  .headers["ETag"].strip('"'))
    await course_facts_in_learning(engine, course_id, version=version)
    return course_id


async def enrolled(platform: Platform, engine: AsyncEngine, email: str, course_id: str, *,
                   name: str = "Student") -> Actor:
    """A student enrolled in the course, once the catalog counts them (and may be reviewed by)."""
    student = await sign_up(platform, email, name=name)
    await student.command("POST", "/api/enrollments", expect=201, json={"course_id": course_id})
    student.last_token = await counted_among_students(engine, course_id, student.id)
    return student


@pytest.fixture
async def catalog(platform: Platform, engine: AsyncEngine) -> Catalog:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "owner@example.com", "Owner")
    course = await published(engine, teacher, "Rust for data engineers")
    other = await published(engine, teacher, "Rust for web developers")
    return Catalog(admin, teacher, course, other)


async def stats(reader: Actor, course_id: str) -> tuple[float, int, int]:
    page = (await reader.read(f"/api/courses/{course_id}")).json()
    return page["rating"], page["rating_count"], page["students_count"]


async def ids(reader: Actor, path: str, **params: Any) -> list[str]:
    return [item["id"] for item in (await reader.read(path, **params)).json()["items"]]


async def test_reviews_move_the_rating_of_the_page_the_lists_and_search(
    platform: Platform, engine: AsyncEngine, redis: Redis, catalog: Catalog
) -> None:
    ann = await enrolled(platform, engine, "ann@example.com", catalog.course, name="Ann Lee")
    bob = await enrolled(platform, engine, "bob@example.com", catalog.course, name="Bob Ray")
    reader = await sign_up(platform, "reader@example.com")

    posted = await ann.command("POST", f"/api/courses/{catalog.course}/reviews", expect=201,
                               json={"rating": 4, "comment": "<p>Clear and <b>useful</b></p>"})

    review = posted.json()
    assert review == {"id": review["id"], "course_id": catalog.course, "rating": 4,
                      "comment_html": "<p>Clear and <b>useful</b></p>", "hidden": False,
                      "version": 1}
    assert posted.headers["X-Consistency-Token"].startswith("v1.")
    reader.last_token = ann.last_token
    assert await stats(reader, catalog.course) == (4.0, 1, 2)
    [shown] = (await reader.read(f"/api/courses/{catalog.course}/reviews")).json()["items"]
    assert {k: shown[k] for k in ("id", "author_id", "author_name", "rating", "comment_html")} == {
        "id": review["id"], "author_id": ann.id, "author_name": "Ann Lee", "rating": 4,
        "comment_html": "<p>Clear and <b>useful</b></p>"}
    assert shown["created_at"] == shown["updated_at"]
    assert await ids(reader, "/api/catalog/lists/top-rated") == [catalog.course, catalog.other]
    assert (await ids(reader, "/api/courses", sort="rating"))[0] == catalog.course
    assert await ids(reader, "/api/courses", rating_min=3.5) == [catalog.course]

    second = (await bob.command("POST", f"/api/courses/{catalog.course}/reviews", expect=201,
                                json={"rating": 2})).json()
    reader.last_token = bob.last_token
    assert await stats(reader, catalog.course) == (3.0, 2, 2)
    assert await ids(reader, "/api/courses", rating_min=3.5) == []
    assert await ids(reader, f"/api/courses/{catalog.course}/reviews") == [second["id"],
                                                                          review["id"]]

    changed = await bob.command("PATCH", f"/api/reviews/{second['id']}", json={"rating": 5})
    assert changed.json()["version"] == 2
    reader.last_token = bob.last_token
    assert await stats(reader, catalog.course) == (4.5, 2, 2)
    assert await ids(reader, "/api/courses", rating_min=4.5) == [catalog.course]

    await bob.command("DELETE", f"/api/reviews/{second['id']}", expect=204)
    reader.last_token = bob.last_token
    assert await stats(reader, catalog.course) == (4.0, 1, 2)
    assert await ids(reader, f"/api/courses/{catalog.course}/reviews") == [review["id"]]

    hidden = await catalog.admin.command("POST", f"/api/reviews/{review['id']}/hide")
    assert hidden.json()["hidden"] is True
    reader.last_token = catalog.admin.last_token
    assert await stats(reader, catalog.course) == (0.0, 0, 2)
    listed = (await reader.read(f"/api/courses/{catalog.course}/reviews")).json()
    assert listed == {"items": [], "total": 0, "next_cursor": None}
    assert await ids(reader, "/api/courses", rating_min=1) == []

    async with operator_stores(platform.settings) as stores:
        for name in ("courses", "reviews"):
            assert await verify(PROJECTIONS[name], stores) == {}, name
            await rebuild(PROJECTIONS[name], stores, grace_seconds=0)
            assert await verify(PROJECTIONS[name], stores) == {}, name
    reader.last_token = None
    assert await stats(reader, catalog.course) == (0.0, 0, 2)
    # Stats never move the course version a teacher's If-Match names.
    page = (await reader.read(f"/api/courses/{catalog.course}")).json()
    await catalog.teacher.command("PATCH", f"/api/courses/{catalog.course}", json={"title": "Go"},
                                  headers={"If-Match": f'"{page["version"]}"'})


async def test_the_reviews_list_is_newest_first_in_pages(
    platform: Platform, engine: AsyncEngine, catalog: Catalog
) -> None:
    posted = []
    for n in range(3):
        student = await enrolled(platform, engine, f"s{n}@example.com", catalog.course)
        posted.append((await student.command("POST", f"/api/courses/{catalog.course}/reviews",
                                             expect=201, json={"rating": 5})).json()["id"])

    first = (await student.read(f"/api/courses/{catalog.course}/reviews", limit=2)).json()
    rest = (await student.read(f"/api/courses/{catalog.course}/reviews", limit=2,
                               cursor=first["next_cursor"])).json()

    assert [r["id"] for r in first["items"] + rest["items"]] == posted[::-1]
    assert (first["total"], rest["next_cursor"]) == (3, None)
    assert (await student.read(f"/api/courses/{uuid.uuid4()}/reviews")).json()["total"] == 0


async def test_refused_review_commands_change_nothing(
    platform: Platform, engine: AsyncEngine, catalog: Catalog
) -> None:
    author = await enrolled(platform, engine, "author@example.com", catalog.course)
    review = (await author.command("POST", f"/api/courses/{catalog.course}/reviews", expect=201,
                                   json={"rating": 3, "comment": "fine"})).json()
    other = await enrolled(platform, engine, "other@example.com", catalog.course)
    outsider = await sign_up(platform, "outsider@example.com")
    post = f"/api/courses/{catalog.course}/reviews"
    mine = f"/api/reviews/{review['id']}"
    await settled(platform)  # reactions to what came before write events of their own
    before = await review_state(engine)

    refusals = [
        (await platform.write.post(post, json={"rating": 5}, headers=outsider.auth),
         403, "enrollment_required"),
        (await platform.write.post(post, json={"rating": 5}, headers=author.auth),
         409, "already_reviewed"),
        (await platform.write.post(post, json={"rating": 5}, headers=catalog.teacher.auth),
         403, "own_course"),
        (await platform.write.post(f"/api/courses/{uuid.uuid4()}/reviews", json={"rating": 5},
                                   headers=other.auth), 404, "course_not_found"),
        (await platform.write.patch(mine, json={"rating": 1}, headers=other.auth),
         403, "not_review_author"),
        (await platform.write.delete(mine, headers=other.auth), 403, "not_review_author"),
        (await platform.write.delete(mine, headers=catalog.admin.auth), 403, "not_review_author"),
        (await platform.write.post(f"{mine}/hide", headers=author.auth), 403, "admin_required"),
        (await platform.write.patch(f"/api/reviews/{uuid.uuid4()}", json={"rating": 1},
                                    headers=author.auth), 404, "review_not_found"),
        (await platform.write.post(post, json={"rating": 5}), 401, "unauthorized"),
    ]
    for rating in (0, 6, 4.5, "5", None):
        refusals.append((await platform.write.post(post, json={"rating": rating},
                                                   headers=other.auth), 422, "invalid_input"))
        refusals.append((await platform.write.patch(mine, json={"rating": rating},
                                                    headers=author.auth), 422, "invalid_input"))
    refusals.append((await platform.write.post(post, json={"rating": 5, "hidden": True},
                                               headers=other.auth), 422, "invalid_input"))
    refusals.append((await platform.write.post(post, json={"rating": 5, "comment": "x" * 5001},
                                               headers=other.auth), 422, "invalid_input"))

    for response, status, code in refusals:
        expect_error(response, status=status, code=code)
        assert "X-Consistency-Token" not in response.headers
    assert await review_state(engine) == before
    author.last_token = None
    assert (await author.read(f"/api/courses/{catalog.course}")).json()["rating"] == 3.0


async def test_enrollment_raises_students_count_and_popularity(
    platform: Platform, engine: AsyncEngine, catalog: Catalog
) -> None:
    first = await enrolled(platform, engine, "first@example.com", catalog.other)
    assert (await stats(first, catalog.other))[2] == 1
    assert await ids(first, "/api/catalog/lists/popular") == [catalog.other, catalog.course]
    assert await ids(first, "/api/courses", sort="popular") == [catalog.other, catalog.course]

    await enrolled(platform, engine, "second@example.com", catalog.course)
    third = await enrolled(platform, engine, "third@example.com", catalog.course)

    assert await stats(third, catalog.course) == (0.0, 0, 2)
    assert await ids(third, "/api/catalog/lists/popular") == [catalog.course, catalog.other]
    assert await ids(third, "/api/courses", sort="popular") == [catalog.course, catalog.other]
    hit = (await third.read("/api/courses", q="engineers")).json()["items"][0]
    assert (hit["id"], hit["students_count"]) == (catalog.course, 2)
