"""Catalog command rules over real HTTP, checked against what the write model stores.

There is no catalog read model yet, so outcomes are read from the catalog tables and the outbox.
Every refusal asserts the error and that nothing at all changed in the write model.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.catalog_builders import (
    COMMANDS,
    TOKEN,
    Actor,
    CatalogCommand,
    add_lesson,
    add_module,
    build_scene,
    catalog_state,
    category_row,
    course_row,
    create_category,
    create_course,
    create_outline,
    created,
    events_after,
    last_event_seq,
    lesson_order,
    make_admin,
    make_verified_teacher,
    module_order,
    publish,
)
from tests.checks import expect_error
from tests.harness import Platform, running_platform
from write.outbox import encode_consistency_token

COURSE_COMMANDS = [c for c in COMMANDS if c.scope == "course"]


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    """Write API over HTTP without relay or worker: only the test's requests write."""
    async with running_platform(settings, with_processors=False) as running:
        yield running


@dataclass(frozen=True)
class Authors:
    admin: Actor
    teacher: Actor


@pytest.fixture
async def authors(platform: Platform, engine: AsyncEngine) -> Authors:
    """An admin and a verified teacher, on the empty write model `engine` leaves."""
    admin = await make_admin(platform)
    return Authors(admin, await make_verified_teacher(platform, admin=admin, email="tea@example.com"))


async def refused(platform: Platform, engine: AsyncEngine, method: str, url: str, *, actor: Actor,
                  status: int, code: str, json: Any = None,
                  headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Sends a command that must be refused; asserts the error and an untouched write model."""
    before = await catalog_state(engine)
    response = await platform.write.request(method, url, json=json,
                                            headers={**actor.headers, **(headers or {})})
    error = expect_error(response, status=status, code=code)
    assert await catalog_state(engine) == before
    return error


def etag(version: int) -> str:
    return f'"{version}"'


# ------------------------------------------------------------------------------ creating courses

async def test_a_valid_course_is_stored_as_sent(platform: Platform, engine: AsyncEngine,
                                                authors: Authors) -> None:
    category = await create_category(platform, admin=authors.admin, name="Programming")
    response = await platform.write.post("/api/courses", headers=authors.teacher.headers, json={
        "title": "  Intro \t to   Go ", "description": "<p>Learn <strong>Go</strong></p>",
        "category_id": category["id"], "level": "intermediate", "language": "ru",
        "price": "49.90", "currency": "USD", "cover_url": "https://cdn.example.com/go.png"})
    body = created(response)
    assert body["version"] == 1
    assert response.headers["ETag"] == etag(1)
    row = await course_row(engine, course_id=body["id"])
    assert {k: row[k] for k in ("title", "description_html", "level", "language", "price",
                                "currency", "cover_url", "status", "version")} == {
        "title": "Intro to Go", "description_html": "<p>Learn <strong>Go</strong></p>",
        "level": "intermediate", "language": "ru", "price": Decimal("49.90"), "currency": "USD",
        "cover_url": "https://cdn.example.com/go.png", "status": "draft", "version": 1}
    assert str(row["teacher_id"]) == authors.teacher.id
    assert str(row["category_id"]) == category["id"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": None}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "Intro\x00"}, "title"),
    ({"title": "Ring the bell\x07"}, "title"),
    ({"title": "\x1b[31mRed\x1b[0m"}, "title"),
    ({"title": "Delete\x7f"}, "title"),
    ({"title": "C1 escape \x9b31m"}, "title"),
    ({"price": "49.90"}, "currency"),
    ({"price": "49.90", "currency": "usd"}, "currency"),
    ({"price": "49.90", "currency": "XYZ"}, "currency"),
    ({"price": "49.90", "currency": "US"}, "currency"),
    ({"price": "0", "currency": "USD"}, "price"),
    ({"price": "0.00", "currency": "USD"}, "price"),
    ({"price": "-5.00", "currency": "USD"}, "price"),
    ({"price": "49.999", "currency": "USD"}, "price"),
    ({"price": "0.001", "currency": "USD"}, "price"),
    ({"price": "forty", "currency": "USD"}, "price"),
    ({"price": "NaN", "currency": "USD"}, "price"),
    ({"price": "100000.01", "currency": "USD"}, "price"),
    ({"cover_url": "javascript:alert(1)"}, "cover_url"),
    ({"cover_url": "JavaScript:alert(document.cookie)//https://x.example"}, "cover_url"),
    ({"cover_url": "data:image/png;base64,iVBORw0KGgo="}, "cover_url"),
    ({"cover_url": "ftp://files.example.com/go.png"}, "cover_url"),
    ({"cover_url": "//cdn.example.com/go.png"}, "cover_url"),
    ({"cover_url": "cdn.example.com/go.png"}, "cover_url"),
    ({"cover_url": "https://cdn.example.com/go\n.png"}, "cover_url"),
    ({"cover_url": "https://cdn.example.com/\x00.png"}, "cover_url"),
    ({"cover_url": " https://cdn.example.com/go.png"}, "cover_url"),
    ({"category_id": str(uuid.uuid4())}, "category_id"),
    ({"category_id": "programming"}, "category_id"),
    ({"level": "expert"}, "level"),
    ({"language": "english"}, "language"),
    ({"status": "published"}, "status"),
    ({"teacher_id": str(uuid.uuid4())}, "teacher_id"),
])
async def test_an_invalid_course_is_refused(platform: Platform, engine: AsyncEngine,
                                            authors: Authors, fields: dict[str, Any],
                                            field: str) -> None:
    error = await refused(platform, engine, "POST", "/api/courses", actor=authors.teacher,
                          status=422, code="invalid_input", json={"title": "Intro to Go", **fields})
    assert list(error["fields"]) == [field]


DIRTY_HTML = (
    '<p onclick="steal()">Hello <strong>bold</strong> <em>it</em></p>'
    '<script>alert(1)</script><a href="javascript:alert(2)">bad</a> '
    '<a href="https://example.com/x" onmouseover="x()" target="_blank">good</a>'
    '<img src=x onerror=alert(3)><ul><li>one</li></ul><h3>T</h3>'
    '<iframe src="https://evil.example"></iframe><style>body{}</style><div>kept text</div>'
)
CLEAN_HTML = (
    '<p>Hello <strong>bold</strong> <em>it</em></p>'
    '<a rel="noopener noreferrer nofollow">bad</a> '
    '<a href="https://example.com/x" rel="noopener noreferrer nofollow">good</a>'
    '<ul><li>one</li></ul><h3>T</h3>kept text'
)


async def test_description_html_is_sanitized(platform: Platform, engine: AsyncEngine,
                                             authors: Authors) -> None:
    course_id = await create_course(platform, teacher=authors.teacher, description=DIRTY_HTML)
    assert (await course_row(engine, course_id=course_id))["description_html"] == CLEAN_HTML

    changed = await platform.write.patch(f"/api/courses/{course_id}", headers=authors.teacher.headers,
                                         json={"description": '<h4 style="x">New</h4><script>'
                                                              'fetch("//evil")</script><b>ok</b>'})
    assert changed.status_code == 200, changed.text
    assert (await course_row(engine, course_id=course_id))["description_html"] == "<h4>New</h4><b>ok</b>"


# ---------------------------------------------------------------------------- changing a course

async def test_price_null_makes_a_course_free(platform: Platform, engine: AsyncEngine,
                                              authors: Authors) -> None:
    course_id = await create_course(platform, teacher=authors.teacher, price="49.90", currency="EUR")
    seq = await last_event_seq(engine)
    response = await platform.write.patch(f"/api/courses/{course_id}", json={"price": None},
                                          headers=authors.teacher.headers)
    assert created(response, 200) == {"id": course_id, "version": 2, "status": "draft"}
    row = await course_row(engine, course_id=course_id)
    assert (row["price"], row["currency"], row["version"]) == (None, None, 2)
    [event, facts] = await events_after(engine, seq)
    assert event["type"] == "catalog.course_changed"
    assert event["payload"]["changed"] == ["currency", "price"]  # the currency goes with the price
    assert event["payload"]["version"] == 2
    assert facts["type"] == "catalog.course_facts"
    assert (facts["payload"]["price"], facts["payload"]["currency"]) == (None, None)


async def test_a_free_course_gets_a_price_only_with_a_currency(platform: Platform,
                                                               engine: AsyncEngine,
                                                               authors: Authors) -> None:
    course_id = await create_course(platform, teacher=authors.teacher)
    error = await refused(platform, engine, "PATCH", f"/api/courses/{course_id}",
                          actor=authors.teacher, status=422, code="invalid_input",
                          json={"price": "19.90"})
    assert list(error["fields"]) == ["currency"]
    response = await platform.write.patch(f"/api/courses/{course_id}", headers=authors.teacher.headers,
                                          json={"price": "19.90", "currency": "EUR"})
    assert response.status_code == 200, response.text
    row = await course_row(engine, course_id=course_id)
    assert (row["price"], row["currency"]) == (Decimal("19.90"), "EUR")


@pytest.mark.parametrize("field", ["title", "description", "level", "language"])
async def test_a_required_course_field_cannot_be_cleared(platform: Platform, engine: AsyncEngine,
                                                         authors: Authors, field: str) -> None:
    course_id = await create_course(platform, teacher=authors.teacher, description="<p>x</p>")
    error = await refused(platform, engine, "PATCH", f"/api/courses/{course_id}",
                          actor=authors.teacher, status=422, code="invalid_input",
                          json={field: None})
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize(("fields", "field"), [
    ({"content": "# Hello\x00world"}, "content"),
    ({"video_url": "javascript:alert(1)"}, "video_url"),
    ({"video_url": "https://video.example.com/\x00"}, "video_url"),
    ({"title": "Tab\x0bbed"}, "title"),
    ({"duration_minutes": -1}, "duration_minutes"),
])
async def test_an_invalid_lesson_is_refused(platform: Platform, engine: AsyncEngine,
                                            authors: Authors, fields: dict[str, Any],
                                            field: str) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1])
    body = {"title": "Hello", **fields}
    error = await refused(platform, engine, "POST", f"/api/modules/{outline.modules[0]}/lessons",
                          actor=authors.teacher, status=422, code="invalid_input", json=body)
    assert list(error["fields"]) == [field]
    error = await refused(platform, engine, "PATCH", f"/api/lessons/{outline.lessons[0][0]}",
                          actor=authors.teacher, status=422, code="invalid_input", json=fields)
    assert list(error["fields"]) == [field]


# ------------------------------------------------------------------------- publish and archive

async def test_a_course_without_lessons_cannot_be_published(platform: Platform, engine: AsyncEngine,
                                                            authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[0])
    await refused(platform, engine, "POST", f"/api/courses/{outline.course_id}/publish",
                  actor=authors.teacher, status=409, code="no_lessons")
    assert (await course_row(engine, course_id=outline.course_id))["status"] == "draft"


async def test_a_course_with_one_lesson_is_published(platform: Platform, engine: AsyncEngine,
                                                     authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1])
    before = (await course_row(engine, course_id=outline.course_id))["version"]
    seq = await last_event_seq(engine)

    response = await platform.write.post(f"/api/courses/{outline.course_id}/publish",
                                         headers=authors.teacher.headers)

    body = created(response, 200)
    assert body == {"id": outline.course_id, "version": before + 1, "status": "published"}
    assert response.headers["ETag"] == etag(before + 1)
    row = await course_row(engine, course_id=outline.course_id)
    assert (row["status"], row["version"]) == ("published", before + 1)
    assert row["published_at"] is not None
    [event, facts] = await events_after(engine, seq)
    assert (event["type"], event["payload"]["version"]) == ("catalog.course_published", before + 1)
    assert (facts["payload"]["status"], facts["payload"]["version"]) == ("published", before + 1)
    assert response.headers[TOKEN] == encode_consistency_token([event["event_id"],
                                                                facts["event_id"]])

    again = await platform.write.post(f"/api/courses/{outline.course_id}/publish",
                                      headers=authors.teacher.headers)
    assert created(again, 200) == body
    assert TOKEN not in again.headers
    assert await events_after(engine, seq) == [event, facts]


async def test_a_published_course_keeps_its_last_lesson(platform: Platform, engine: AsyncEngine,
                                                        authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1])
    await publish(platform, teacher=authors.teacher, course_id=outline.course_id)
    await refused(platform, engine, "DELETE", f"/api/lessons/{outline.lessons[0][0]}",
                  actor=authors.teacher, status=409, code="last_lesson")
    await refused(platform, engine, "DELETE", f"/api/modules/{outline.modules[0]}",
                  actor=authors.teacher, status=409, code="last_lesson")
    # The admin is held to the same rule.
    await refused(platform, engine, "DELETE", f"/api/lessons/{outline.lessons[0][0]}",
                  actor=authors.admin, status=409, code="last_lesson")


async def test_a_published_course_keeps_the_module_holding_all_its_lessons(
        platform: Platform, engine: AsyncEngine, authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[2, 0])
    await publish(platform, teacher=authors.teacher, course_id=outline.course_id)
    full, empty = outline.modules
    await refused(platform, engine, "DELETE", f"/api/modules/{full}", actor=authors.teacher,
                  status=409, code="last_lesson")

    for url in (f"/api/modules/{empty}", f"/api/lessons/{outline.lessons[0][0]}"):
        response = await platform.write.delete(url, headers=authors.teacher.headers)
        assert response.status_code == 200, response.text
    await refused(platform, engine, "DELETE", f"/api/lessons/{outline.lessons[0][1]}",
                  actor=authors.teacher, status=409, code="last_lesson")
    assert await module_order(engine, course_id=outline.course_id) == [full]
    assert await lesson_order(engine, module_id=full) == [outline.lessons[0][1]]


async def test_a_draft_may_lose_every_lesson(platform: Platform, engine: AsyncEngine,
                                             authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1, 1])
    for url in (f"/api/lessons/{outline.lessons[0][0]}", f"/api/modules/{outline.modules[1]}"):
        response = await platform.write.delete(url, headers=authors.teacher.headers)
        assert response.status_code == 200, response.text
    state = await catalog_state(engine)
    assert (state["modules"], state["lessons"], state["statuses"]) == (1, 0, "draft")


async def test_a_published_course_is_archived(platform: Platform, engine: AsyncEngine,
                                              authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1])
    published = await publish(platform, teacher=authors.teacher, course_id=outline.course_id)
    seq = await last_event_seq(engine)

    response = await platform.write.post(f"/api/courses/{outline.course_id}/archive",
                                         headers=authors.teacher.headers)

    version = published["version"] + 1
    assert created(response, 200) == {"id": outline.course_id, "version": version,
                                      "status": "archived"}
    assert response.headers["ETag"] == etag(version)
    row = await course_row(engine, course_id=outline.course_id)
    assert (row["status"], row["version"]) == ("archived", version)
    [event, facts] = await events_after(engine, seq)
    assert (event["type"], event["payload"]["version"]) == ("catalog.course_archived", version)
    assert (facts["payload"]["status"], facts["payload"]["version"]) == ("archived", version)


# ---------------------------------------------------------------------------------- If-Match

@pytest.mark.parametrize("if_match", ['"{v}"', 'W/"{v}"', "*"])
async def test_if_match_with_the_current_version_is_accepted(platform: Platform, engine: AsyncEngine,
                                                             authors: Authors, if_match: str) -> None:
    course_id = await create_course(platform, teacher=authors.teacher)
    response = await platform.write.patch(
        f"/api/courses/{course_id}", json={"title": "Go in practice"},
        headers={**authors.teacher.headers, "If-Match": if_match.format(v=1)})
    assert created(response, 200)["version"] == 2
    assert response.headers["ETag"] == etag(2)
    assert (await course_row(engine, course_id=course_id))["title"] == "Go in practice"


@pytest.mark.parametrize("command", COURSE_COMMANDS, ids=lambda c: c.name)
async def test_a_stale_if_match_is_a_version_conflict(platform: Platform, engine: AsyncEngine,
                                                      authors: Authors,
                                                      command: CatalogCommand) -> None:
    scene = await build_scene(platform, admin=authors.admin, owner=authors.teacher)
    current = (await course_row(engine, course_id=scene.outline.course_id))["version"]
    before = await catalog_state(engine)
    response = await command.send(platform, scene, actor=authors.teacher,
                                  headers={"If-Match": etag(current - 1)})
    expect_error(response, status=409, code="version_conflict")
    assert await catalog_state(engine) == before

    response = await command.send(platform, scene, actor=authors.teacher,
                                  headers={"If-Match": etag(current)})
    assert response.status_code == command.success, response.text
    assert response.headers["ETag"] == etag(current + 1)


@pytest.mark.parametrize("if_match", [
    "abc", '"abc"', '"1", "2"', '"-1"', '"1.0"', '""', "W/", '"12345678901"', '"0x1"',
])
async def test_a_malformed_if_match_is_refused(platform: Platform, engine: AsyncEngine,
                                               authors: Authors, if_match: str) -> None:
    course_id = await create_course(platform, teacher=authors.teacher)
    await refused(platform, engine, "PATCH", f"/api/courses/{course_id}", actor=authors.teacher,
                  status=400, code="invalid_if_match", json={"title": "Go in practice"},
                  headers={"If-Match": if_match})


# ----------------------------------------------------------------------------------- reorder

async def test_modules_and_lessons_keep_a_new_order(platform: Platform, engine: AsyncEngine,
                                                    authors: Authors) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[3, 1, 1])
    m0, m1, m2 = outline.modules
    l0, l1, l2 = outline.lessons[0]

    response = await platform.write.post(f"/api/courses/{outline.course_id}/modules/reorder",
                                         json={"ids": [m2, m0, m1]}, headers=authors.teacher.headers)
    assert response.status_code == 200, response.text
    response = await platform.write.post(f"/api/modules/{m0}/lessons/reorder",
                                         json={"ids": [l2, l0, l1]}, headers=authors.teacher.headers)
    assert response.status_code == 200, response.text

    assert await module_order(engine, course_id=outline.course_id) == [m2, m0, m1]
    assert await lesson_order(engine, module_id=m0) == [l2, l0, l1]
    # New modules and lessons go after the reordered ones.
    m3 = await add_module(platform, teacher=authors.teacher, course_id=outline.course_id)
    l3 = await add_lesson(platform, teacher=authors.teacher, module_id=m0)
    assert await module_order(engine, course_id=outline.course_id) == [m2, m0, m1, m3]
    assert await lesson_order(engine, module_id=m0) == [l2, l0, l1, l3]


@pytest.mark.parametrize("kind", ["missing", "duplicate", "foreign", "unknown", "empty", "repeated"])
@pytest.mark.parametrize("children", ["modules", "lessons"])
async def test_a_reorder_that_is_not_a_permutation_is_refused(
        platform: Platform, engine: AsyncEngine, authors: Authors, children: str,
        kind: str) -> None:
    outline = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[3, 1, 1])
    other = await create_outline(platform, teacher=authors.teacher, lessons_per_module=[1])
    if children == "modules":
        url, ids = f"/api/courses/{outline.course_id}/modules/reorder", outline.modules
        foreign = other.modules[0]
    else:
        url, ids = f"/api/modules/{outline.modules[0]}/lessons/reorder", outline.lessons[0]
        foreign = outline.lessons[1][0]  # same course, another module
    wanted = {
        "missing": ids[:-1], "duplicate": [ids[0], *ids[:-1]], "foreign": [*ids[:-1], foreign],
        "unknown": [*ids[:-1], str(uuid.uuid4())], "empty": [], "repeated": [*ids, ids[0]],
    }[kind]
    error = await refused(platform, engine, "POST", url, actor=authors.teacher, status=422,
                          code="invalid_input", json={"ids": wanted})
    assert list(error["fields"]) == ["ids"]


# ------------------------------------------------------------------------------------ events

@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
async def test_each_command_records_its_event_and_answers_with_a_token(
        platform: Platform, engine: AsyncEngine, authors: Authors,
        command: CatalogCommand) -> None:
    scene = await build_scene(platform, admin=authors.admin, owner=authors.teacher)
    seq = await last_event_seq(engine)
    actor = authors.admin if command.scope == "category" else authors.teacher

    response = await command.send(platform, scene, actor=actor)

    assert response.status_code == command.success, response.text
    events = await events_after(engine, seq)
    # A course command also publishes the course's facts for other contexts (ADR 0009).
    facts = [] if command.scope == "category" else ["catalog.course_facts"]
    assert [e["type"] for e in events] == [command.event, *facts]
    assert response.headers[TOKEN] == encode_consistency_token([e["event_id"] for e in events])
    event = events[0]
    payload = event["payload"]
    if command.scope == "category":
        category_id = response.json()["id"] if command.success == 201 else scene.spare_category
        assert event["aggregate_type"] == "category"
        assert payload["category_id"] == event["aggregate_id"] == category_id
        return
    course_id = response.json()["id"] if command.scope == "new_course" else scene.outline.course_id
    version = (await course_row(engine, course_id=course_id))["version"]
    assert event["aggregate_type"] == "course"
    assert payload["course_id"] == event["aggregate_id"] == course_id
    assert payload["version"] == version == response.json()["version"]
    assert events[1]["payload"]["version"] == version
    assert response.headers["ETag"] == etag(version)
    if command.name == "remove module":
        assert sorted(payload["lesson_ids"]) == sorted(scene.outline.lessons[0])


# -------------------------------------------------------------------------------- categories

@pytest.mark.parametrize(("name", "slug"), [
    ("Программирование на Python", "programmirovanie-na-python"),
    ("Шахматы и щи", "shahmaty-i-schi"),
    ("Объёмная съёмка", "obemnaya-semka"),
    ("  Café   Crème ", "cafe-creme"),
    # Transliteration lengthens the name past the 80-character cut, which falls on a dash.
    ("Ж" * 39 + "а б", "zh" * 39 + "a"),
])
async def test_a_category_slug_is_made_from_its_name(platform: Platform, engine: AsyncEngine,
                                                     authors: Authors, name: str,
                                                     slug: str) -> None:
    category = await create_category(platform, admin=authors.admin, name=name)
    assert category["slug"] == slug
    row = await category_row(engine, category_id=category["id"])
    assert row is not None
    assert (row["name"], row["slug"]) == (" ".join(name.split()), slug)


async def test_a_taken_slug_is_refused(platform: Platform, engine: AsyncEngine,
                                       authors: Authors) -> None:
    await create_category(platform, admin=authors.admin, name="Music")
    other = await create_category(platform, admin=authors.admin, name="Art")
    for body in ({"name": "MUSIC!"}, {"name": "Sound", "slug": "music"}):
        error = await refused(platform, engine, "POST", "/api/categories", actor=authors.admin,
                              status=409, code="slug_taken", json=body)
        assert list(error["fields"]) == ["slug"]
    await refused(platform, engine, "PATCH", f"/api/categories/{other['id']}", actor=authors.admin,
                  status=409, code="slug_taken", json={"slug": "music"})


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "漢字"}, "slug"),
    ({"name": "!!!"}, "slug"),
    ({"name": "x" * 81}, "name"),
    ({"name": ""}, "name"),
    ({"name": "Music\x00"}, "name"),
    ({"name": "Music", "slug": "Music"}, "slug"),
    ({"name": "Music", "slug": "mu--sic"}, "slug"),
])
async def test_an_invalid_category_is_refused(platform: Platform, engine: AsyncEngine,
                                              authors: Authors, body: dict[str, Any],
                                              field: str) -> None:
    error = await refused(platform, engine, "POST", "/api/categories", actor=authors.admin,
                          status=422, code="invalid_input", json=body)
    assert list(error["fields"]) == [field]


async def test_a_category_in_use_cannot_be_deleted(platform: Platform, engine: AsyncEngine,
                                                   authors: Authors) -> None:
    category = await create_category(platform, admin=authors.admin, name="Music")
    course_id = await create_course(platform, teacher=authors.teacher, category_id=category["id"])
    await refused(platform, engine, "DELETE", f"/api/categories/{category['id']}",
                  actor=authors.admin, status=409, code="category_in_use")

    moved = await platform.write.patch(f"/api/courses/{course_id}", json={"category_id": None},
                                       headers=authors.teacher.headers)
    assert moved.status_code == 200, moved.text
    deleted = await platform.write.delete(f"/api/categories/{category['id']}",
                                          headers=authors.admin.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert deleted.headers[TOKEN]
    assert await category_row(engine, category_id=category["id"]) is None
    await refused(platform, engine, "DELETE", f"/api/categories/{category['id']}",
                  actor=authors.admin, status=404, code="category_not_found")
