"""XSS payloads (course texts, reviews) never come back executable; a flushed Redis and a dropped
index rebuild exactly."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.operator import operator_stores
from projectors.rebuild import rebuild, verify
from tests.actors import admin_of, publish_course, sign_up, verified_teacher
from tests.checks import counted_among_students, course_facts_in_learning
from tests.harness import Platform
from workers.routing import PROJECTIONS

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
]
DANGEROUS_TAGS = {"script", "iframe", "svg", "object", "embed", "style", "base", "form"}


class ExecutableParts(HTMLParser):
    """Collects what a browser would run if the HTML were inserted into a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag}[{name}={value}]")


def executable_parts(html: str) -> list[str]:
    parser = ExecutableParts()
    parser.feed(html)
    return parser.found


def html_fields(value: object, path: str = "") -> list[tuple[str, str]]:
    """Every string meant to be rendered as HTML (by name) in a JSON answer."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_html") and isinstance(item, str):
                found.append((f"{path}.{key}", item))
            found += html_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += html_fields(item, f"{path}[{index}]")
    return found


async def test_xss_payloads_are_never_returned_executable(platform: Platform,
                                                         engine: AsyncEngine) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "t@example.com", "Teacher")
    payload = " ".join(PAYLOADS)
    course = (await teacher.command("POST", "/api/courses", expect=201, json={
        "title": f"Safe {payload}", "description": f"<p>Intro</p>{payload}"})).json()
    module = (await teacher.command("POST", f"/api/courses/{course['id']}/modules", expect=201,
                                    json={"title": f"M {payload}"})).json()
    lesson = (await teacher.command("POST", f"/api/modules/{module['id']}/lessons", expect=201,
                                    json={"title": "L", "preview": True,
                                          "content": f"# Lesson\n\n{payload}\n\n"
                                                     "[click](javascript:alert(1))"})).json()
    published = await teacher.command("POST", f"/api/courses/{course['id']}/publish")
    reader = await sign_up(platform, "reader@example.com", name=f"R {PAYLOADS[0]} {PAYLOADS[1]}")
    await course_facts_in_learning(engine, course["id"], version=published.json()["version"])
    await reader.command("POST", "/api/enrollments", expect=201, json={"course_id": course["id"]})
    reader.last_token = await counted_among_students(engine, course["id"], reader.id)
    await reader.command("POST", f"/api/courses/{course['id']}/reviews", expect=201,
                         json={"rating": 5, "comment": f"<p>Great</p>{payload}"})

    answers = [
        await reader.read(f"/api/courses/{course['id']}"),
        await reader.read(f"/api/lessons/{lesson['id']}"),
        await reader.read("/api/courses", q="safe"),
        await reader.read("/api/catalog/lists/newest"),
        await teacher.read("/api/teacher/courses"),
        await reader.read(f"/api/courses/{course['id']}/reviews"),
    ]
    rendered = [field for answer in answers for field in html_fields(answer.json())]
    assert {name.rsplit(".", 1)[-1] for name, _ in rendered} == {"description_html",
                                                                  "content_html", "comment_html"}
    for name, html in rendered:
        assert executable_parts(html) == [], f"{name} is executable: {html}"
    for answer in answers:
        # Plain-text fields keep the characters, but only ever as JSON strings.
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["x-content-type-options"] == "nosniff"
    hit = answers[2].json()["items"][0]
    assert hit["title"] == f"Safe {payload}"
    assert "<p>Intro</p>" in answers[0].json()["description_html"]
    [review] = answers[-1].json()["items"]
    assert review["comment_html"].startswith("<p>Great</p>")
    assert review["author_name"] == f"R {PAYLOADS[0]} {PAYLOADS[1]}"


async def test_flushed_redis_and_dropped_index_rebuild_to_identical_documents(
    platform: Platform, redis: Redis
) -> None:
    admin = await admin_of(platform)
    category = (await admin.command("POST", "/api/categories", expect=201,
                                    json={"name": "Data"})).json()
    teacher = await verified_teacher(platform, admin, "d@example.com", "Data Teacher")
    for n in range(3):
        await publish_course(teacher, title=f"Data course {n}", category_id=category["id"],
                             lessons=2)
    reader = await sign_up(platform, "r@example.com")
    reader.last_token = teacher.last_token
    before = {
        "search": (await reader.read("/api/courses", sort="newest")).json(),
        "categories": (await reader.read("/api/categories")).json(),
        "list": (await reader.read("/api/catalog/lists/newest")).json(),
    }
    reader.last_token = None  # the flush below also forgets which events were applied
    async with operator_stores(platform.settings) as stores:
        assert stores.search is not None
        await redis.flushdb()
        await stores.search.drop()
        await stores.search.ensure()
        assert (await reader.read("/api/courses")).json()["total"] == 0
        for name in PROJECTIONS:
            await rebuild(PROJECTIONS[name], stores, grace_seconds=0)
        for name in PROJECTIONS:
            assert await verify(PROJECTIONS[name], stores) == {}, name
    after = {
        "search": (await reader.read("/api/courses", sort="newest")).json(),
        "categories": (await reader.read("/api/categories")).json(),
        "list": (await reader.read("/api/catalog/lists/newest")).json(),
    }
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
