"""The catalog publishes a course's facts for other contexts once per change (ADR 0009)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.actors import Actor, admin_of, publish_course, verified_teacher
from tests.builders import envelopes
from tests.checks import course_facts_in_learning
from tests.harness import Platform


async def facts(engine: AsyncEngine) -> list[dict[str, Any]]:
    return [e["payload"] for e in await envelopes(engine) if e["type"] == "catalog.course_facts"]


async def changed(teacher: Actor, engine: AsyncEngine, method: str, path: str,
                  **kwargs: Any) -> list[dict[str, Any]]:
    """The facts events one command recorded."""
    before = len(await facts(engine))
    await teacher.command(method, path, expect=kwargs.pop("expect", 200), **kwargs)
    return (await facts(engine))[before:]


async def test_every_change_publishes_the_courses_facts_once(platform: Platform,
                                                             engine: AsyncEngine) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "facts@example.com", "Facts Teacher")

    created = await changed(teacher, engine, "POST", "/api/courses", expect=201,
                            json={"title": "Facts", "price": "49.90", "currency": "EUR"})
    course_id = created[0]["course_id"]
    assert created == [{"course_id": course_id, "version": 1, "teacher_id": teacher.id,
                        "status": "draft", "price": "49.90", "currency": "EUR",
                        "lesson_ids": []}]
    module = (await teacher.command("POST", f"/api/courses/{course_id}/modules", expect=201,
                                    json={"title": "One"})).json()
    first, second = [(await teacher.command(
        "POST", f"/api/modules/{module['id']}/lessons", expect=201,
        json={"title": title, "content": "text"})).json()["id"] for title in ("A", "B")]
    assert (await facts(engine))[-1]["lesson_ids"] == [first, second]

    reordered = await changed(teacher, engine, "POST", f"/api/modules/{module['id']}/lessons/reorder",
                              json={"ids": [second, first]})
    assert [f["lesson_ids"] for f in reordered] == [[second, first]]
    published = await changed(teacher, engine, "POST", f"/api/courses/{course_id}/publish")
    assert [(f["status"], f["version"]) for f in published] == [("published", reordered[0]["version"] + 1)]
    free = await changed(teacher, engine, "PATCH", f"/api/courses/{course_id}", json={"price": None})
    assert [(f["price"], f["currency"]) for f in free] == [(None, None)]
    removed = await changed(teacher, engine, "DELETE", f"/api/lessons/{first}")
    assert [f["lesson_ids"] for f in removed] == [[second]]

    # Commands that change nothing publish nothing.
    assert await changed(teacher, engine, "POST", f"/api/courses/{course_id}/publish") == []
    assert await changed(teacher, engine, "PATCH", f"/api/courses/{course_id}",
                         json={"title": "Facts"}) == []
    # Nor do refused ones.
    assert await changed(teacher, engine, "PATCH", f"/api/courses/{course_id}", expect=409,
                         json={"title": "Stale"}, headers={"If-Match": '"1"'}) == []
    versions = [f["version"] for f in await facts(engine)]
    assert versions == sorted(set(versions))  # one per version, in order


async def test_learning_keeps_a_copy_of_the_published_facts(platform: Platform,
                                                            engine: AsyncEngine) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "copy@example.com", "Copy Teacher")
    course_id = await publish_course(teacher, title="Copied", price="10.00", lessons=2)
    latest = (await facts(engine))[-1]

    row = await course_facts_in_learning(engine, course_id, version=latest["version"])
    assert (row["version"], row["status"], str(row["price"])) == (latest["version"], "published",
                                                                  "10.00")
    assert [str(i) for i in row["lesson_ids"]] == latest["lesson_ids"]
