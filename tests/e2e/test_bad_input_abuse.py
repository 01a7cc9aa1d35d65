"""Abuse of both APIs over real HTTP: deep JSON, invalid UTF-8, odd text, injection strings, path
traversal, huge page sizes and cursors, and generated command bodies. Each refusal is a clear 4xx
in the usual error shape and leaves the write model as it was; text that is accepted is stored as
inert data (HTML sanitized), never interpreted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from read.pagination import MAX_OFFSET, encode_cursor
from tests.catalog_builders import (
    Actor,
    catalog_state,
    create_course,
    make_admin,
    make_verified_teacher,
)
from tests.checks import expect_error
from tests.harness import Platform, running_platform

JSON = {"content-type": "application/json"}
ZERO_ID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    """Both APIs with no relay or worker: only our requests write."""
    async with running_platform(settings, with_processors=False) as running:
        yield running


@pytest.fixture
async def teacher(platform: Platform, engine: AsyncEngine) -> Actor:
    admin = await make_admin(platform)
    return await make_verified_teacher(platform, admin=admin, email="t@example.com")


async def refused(platform: Platform, engine: AsyncEngine, method: str, path: str, *,
                  status: int, code: str, **request: Any) -> dict[str, Any]:
    before = await catalog_state(engine)
    response = await platform.write.request(method, path, **request)
    error = expect_error(response, status=status, code=code)
    assert await catalog_state(engine) == before
    return error


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- bodies -----------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
async def test_deeply_nested_json_is_refused(platform: Platform, engine: AsyncEngine,
                                             teacher: Actor, depth: int) -> None:
    body = '{"title": "Deep", "description": ' + nested(depth) + "}"
    error = await refused(platform, engine, "POST", "/api/courses", status=400,
                          code="json_too_deep", content=body,
                          headers={**JSON, **teacher.headers})
    assert "32" in error["message"]


async def test_nesting_within_the_limit_is_judged_by_the_schema(
        platform: Platform, engine: AsyncEngine, teacher: Actor) -> None:
    # Brackets inside strings are text, not nesting; 32 real levels parse and fail validation.
    body = '{"title": "' + "[" * 200 + '", "description": ' + nested(31) + "}"
    error = await refused(platform, engine, "POST", "/api/courses", status=422,
                          code="invalid_input", content=body, headers={**JSON, **teacher.headers})
    assert list(error["fields"]) == ["description"]


@pytest.mark.parametrize("raw", [
    b'{"title": "\xff\xfe"}',              # not UTF-8 at all
    b'{"title": "\xc0\xaf"}',              # an overlong encoding of "/"
    b'{"title": "\xed\xa0\x80"}',          # a UTF-16 surrogate encoded as UTF-8
    b'{"title": "ok", "x": "\xf4\x90\x80\x80"}',  # beyond U+10FFFF
])
async def test_invalid_utf8_in_a_command_is_refused(platform: Platform, engine: AsyncEngine,
                                                    teacher: Actor, raw: bytes) -> None:
    await refused(platform, engine, "POST", "/api/courses", status=400, code="invalid_json",
                  content=raw, headers={**JSON, **teacher.headers})


def with_text(field: str, escaped: str) -> str:
    """A course (field `title`) or registration (field `name`) body holding a raw JSON escape."""
    body = {"title": "x"} if field == "title" else {
        "email": "ada@example.com", "password": "correct-horse-1", "name": "x", "role": "student"}
    return json.dumps(body).replace('"x"', '"' + escaped + '"', 1)


@pytest.mark.parametrize("escaped", [
    "lone surrogate \\ud800", "\\udfff", "\\uDBFF\\u0041 high then not low",
])
@pytest.mark.parametrize(("path", "field"), [("/api/courses", "title"),
                                             ("/api/auth/register", "name")])
async def test_unpaired_surrogates_are_refused(platform: Platform, engine: AsyncEngine,
                                               teacher: Actor, escaped: str, path: str,
                                               field: str) -> None:
    # Valid JSON, but UTF-8 cannot encode a lone surrogate: these reached the database driver
    # and came back as 500s.
    await refused(platform, engine, "POST", path, status=400, code="invalid_text",
                  content=with_text(field, escaped), headers={**JSON, **teacher.headers})


async def test_a_nul_that_validation_lets_through_is_refused_by_the_database(
        platform: Platform, engine: AsyncEngine) -> None:
    # Registration names have no control-character check; Postgres refuses the NUL, the
    # transaction rolls back, and the client is told (this was a 500).
    await refused(platform, engine, "POST", "/api/auth/register", status=422,
                  code="invalid_text", content=with_text("name", "nul \\u0000 name"),
                  headers=JSON)


@pytest.mark.parametrize("title", ["bell \\u0007", "escape \\u001b[31m", "nul \\u0000"])
async def test_control_characters_in_text_are_refused(
        platform: Platform, engine: AsyncEngine, teacher: Actor, title: str) -> None:
    body = '{"title": "' + title + '"}'
    error = await refused(platform, engine, "POST", "/api/courses", status=422,
                          code="invalid_input", content=body, headers={**JSON, **teacher.headers})
    assert list(error["fields"]) == ["title"]


async def test_text_about_escapes_is_still_text(platform: Platform, engine: AsyncEngine,
                                                teacher: Actor) -> None:
    # An escaped backslash before "u0000" is the six characters a JSON lesson would show, and a
    # surrogate pair is an ordinary emoji: both are accepted.
    body = '{"title": "JSON strings: \\\\u0000 and \\ud83d\\ude00"}'
    response = await platform.write.post("/api/courses", content=body,
                                         headers={**JSON, **teacher.headers})
    assert response.status_code == 201, response.text
    async with engine.connect() as conn:
        title = (await conn.execute(text("SELECT title FROM catalog.courses"))).scalar_one()
    assert title == "JSON strings: \\u0000 and \U0001f600"


INJECTIONS = [
    "'; DROP TABLE catalog.courses; --",
    "Robert'); DELETE FROM identity.users WHERE ('1'='1",
    "\" OR 1=1 --",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}} ${7*7} #{7*7}",
    "%s%s%s%n",
    "../../../../etc/passwd",
]


@pytest.mark.parametrize("attack", INJECTIONS)
async def test_injection_strings_are_stored_as_inert_text(
        platform: Platform, engine: AsyncEngine, teacher: Actor, attack: str) -> None:
    course = await platform.write.post("/api/courses", headers=teacher.headers, json={
        "title": f"T {attack}", "description": f"<p>{attack}</p>"})
    assert course.status_code == 201, course.text
    course_id = course.json()["id"]
    module = await platform.write.post(f"/api/courses/{course_id}/modules",
                                       headers=teacher.headers, json={"title": attack})
    assert module.status_code == 201, module.text
    lesson = await platform.write.post(f"/api/modules/{module.json()['id']}/lessons",
                                       headers=teacher.headers,
                                       json={"title": attack, "content": attack})
    assert lesson.status_code == 201, lesson.text
    async with engine.connect() as conn:
        stored = (await conn.execute(text(
            "SELECT c.title, c.description_html AS description, m.title AS module, "
            "l.title AS lesson, l.content_md AS content "
            "FROM catalog.courses c JOIN catalog.modules m ON m.course_id = c.id "
            "JOIN catalog.lessons l ON l.module_id = m.id WHERE c.id = :id"),
            {"id": course_id})).mappings().one()
        tables = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM catalog.courses) AS courses, "
            "(SELECT count(*) FROM identity.users) AS users"))).mappings().one()
    # Plain-text fields keep the characters as written (bound parameters, never SQL text) ...
    assert stored["title"] == f"T {attack}"
    assert (stored["module"], stored["lesson"], stored["content"]) == (attack, attack, attack)
    # ... the HTML description keeps no script, handler or javascript: URL ...
    lowered = stored["description"].lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "<img" not in lowered
    # ... and nothing else in the database was touched.
    assert dict(tables) == {"courses": 1, "users": 2}


# --- paths and ids ----------------------------------------------------------------------------

@pytest.mark.parametrize("odd", [
    "%2e%2e", "%00", "1%20OR%201%3D1", "%3Cscript%3E", "%E2%80%AE", "%FF", ZERO_ID + "%00",
    "0" * 500,
])
async def test_odd_ids_in_command_paths_are_refused(platform: Platform, engine: AsyncEngine,
                                                    teacher: Actor, odd: str) -> None:
    error = await refused(platform, engine, "PATCH", f"/api/courses/{odd}", status=422,
                          code="invalid_input", json={"title": "x"}, headers=teacher.headers)
    assert list(error["fields"]) == ["course_id"]


@pytest.mark.parametrize("odd", ["..%2F..%2Fetc%2Fpasswd", ZERO_ID + "%2F.."])
async def test_encoded_slashes_in_ids_match_no_route(platform: Platform, engine: AsyncEngine,
                                                     teacher: Actor, odd: str) -> None:
    # %2F is decoded before routing: the path has more segments than any route, so 404.
    await refused(platform, engine, "PATCH", f"/api/courses/{odd}", status=404, code="not_found",
                  json={"title": "x"}, headers=teacher.headers)
    expect_error(await platform.read.get(f"/api/courses/{odd}"), status=404, code="not_found")


@pytest.mark.parametrize("path", [
    "/api/courses/%00", "/api/lessons/%2e%2e", "/api/courses/%FF/reviews",
    "/api/courses/1%20OR%201%3D1",
])
async def test_odd_ids_in_read_paths_are_refused(platform: Platform, path: str) -> None:
    error = expect_error(await platform.read.get(path), status=422, code="invalid_input")
    assert len(error["fields"]) == 1


@pytest.mark.parametrize("name", ["..%2F..%2Fsecret", "%00", "popular%2F..", "x" * 300])
async def test_unknown_list_names_are_not_found(platform: Platform, name: str) -> None:
    response = await platform.read.get(f"/api/catalog/lists/{name}")
    assert 400 <= response.status_code < 500, response.text
    assert list(response.json()) == ["error"]


@pytest.mark.parametrize("slug", ["../admin", "a/b", "a%2Fb", "café", "UPPER", "a--b", "-a",
                                  "a b", "<b>", "x" * 81])
async def test_odd_category_slugs_are_refused(platform: Platform, engine: AsyncEngine,
                                              slug: str) -> None:
    admin = await make_admin(platform)
    error = await refused(platform, engine, "POST", "/api/categories", status=422,
                          code="invalid_input", json={"name": "Odd", "slug": slug},
                          headers=admin.headers)
    assert list(error["fields"]) == ["slug"]


# --- page sizes, offsets and cursors on the read API ------------------------------------------

LISTS = ["/api/courses", "/api/catalog/lists/popular", f"/api/courses/{ZERO_ID}/reviews"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("params", "field"), [
    ({"limit": "51"}, "limit"), ({"limit": "1000000"}, "limit"),
    ({"limit": "99999999999999999999999999"}, "limit"), ({"limit": "-1"}, "limit"),
    ({"limit": "1e3"}, "limit"), ({"cursor": "A" * 65}, "cursor"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": encode_cursor(MAX_OFFSET + 1)}, "cursor"),
    ({"cursor": encode_cursor(10**30)}, "cursor"), ({"cursor": encode_cursor(-1)}, "cursor"),
    ({"offset": "999999999999", "limit": "0"}, "limit"),
])
async def test_huge_or_bad_pages_are_refused(platform: Platform, path: str,
                                             params: dict[str, str], field: str) -> None:
    error = expect_error(await platform.read.get(path, params=params), status=422,
                         code="invalid_input")
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize(("params", "field"), [
    ({"q": "x" * 201}, "q"), ({"price_min": "NaN"}, "price_min"),
    ({"price_max": "Infinity"}, "price_max"), ({"price_min": "1e400"}, "price_min"),
    ({"rating_min": "-0.1"}, "rating_min"), ({"language": "../.."}, "language"),
    ({"sort": "price; DROP TABLE x"}, "sort"), ({"category": "' OR '1'='1"}, "category"),
])
async def test_bad_search_parameters_are_refused(platform: Platform, params: dict[str, str],
                                                 field: str) -> None:
    error = expect_error(await platform.read.get("/api/courses", params=params), status=422,
                         code="invalid_input")
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize("q", ["'; DROP TABLE courses; --", "%", "_", "\x00", "\\", "<script>", "ё" * 200,
                               "a:b AND c|d & !e", "\u202e", "(((((("])
async def test_search_text_is_only_ever_searched_for(platform: Platform, engine: AsyncEngine,
                                                     teacher: Actor, q: str) -> None:
    await create_course(platform, teacher=teacher, title="Intro to Go")
    response = await platform.read.get("/api/courses", params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize("raw", ["%FF", "%ED%A0%80", "%C0%AF", "%00%00"])
async def test_query_text_that_is_not_utf8_finds_nothing(platform: Platform, engine: AsyncEngine,
                                                         teacher: Actor, raw: str) -> None:
    # Starlette decodes query strings leniently (undecodable bytes become U+FFFD): the search
    # runs for that text, finds nothing, and never fails.
    await create_course(platform, teacher=teacher, title="Intro to Go")
    response = await platform.read.get(f"/api/courses?q={raw}")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
