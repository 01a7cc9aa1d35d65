"""Course pages kept in the read API's memory, over real HTTP: the answer from memory is the answer
the route gives, changes show at once, and drafts and signed-in readers still take the route."""

from __future__ import annotations

import re

import httpx

from tests.actors import TOKEN, admin_of, publish_course, verified_teacher
from tests.checks import eventually
from tests.harness import Platform

ROUTE = "/api/courses/{course_id}"


async def counted(platform: Platform, outcome: str) -> float:
    """How many course page reads the read API counted with this outcome."""
    text = (await platform.read.get("/metrics")).text
    found = re.search(rf'^edu_page_cache_requests_total{{outcome="{outcome}"}} (\S+)$', text,
                      re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def routed(platform: Platform) -> float:
    """Course page requests the metrics middleware counted under the route's template, any status."""
    text = (await platform.read.get("/metrics")).text
    return sum(float(value) for value in re.findall(
        rf'^edu_http_requests_total{{[^}}]*route="{re.escape(ROUTE)}"[^}}]*}} (\S+)$', text,
        re.MULTILINE))


def same_answer(kept: httpx.Response, routed_answer: httpx.Response) -> None:
    assert kept.status_code == routed_answer.status_code == 200
    assert kept.json() == routed_answer.json()
    for header in ("content-type", "x-content-type-options", "content-security-policy",
                   "referrer-policy"):
        assert kept.headers[header] == routed_answer.headers[header], header


async def test_a_kept_page_answers_like_the_route_and_changes_show_at_once(
        platform: Platform) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "kept@example.com", "Kept Teacher")
    course_id = await publish_course(teacher, title="Kept in memory")
    path = f"/api/courses/{course_id}"
    # The teacher's own read waits for the projection and takes the route (token, consistency);
    # the page it read from Redis is kept.
    through_route = await teacher.read(path)
    before_hits, before_routed = await counted(platform, "hit"), await routed(platform)

    first = await platform.read.get(path)  # from memory, before routing
    second = await platform.read.get(path)
    same_answer(first, through_route)
    same_answer(second, through_route)
    assert await counted(platform, "hit") == before_hits + 2
    assert await routed(platform) == before_routed + 2  # both counted under the template

    await teacher.command("PATCH", path, json={"title": "Changed while kept"})

    async def changed() -> bool | None:
        return (await platform.read.get(path)).json()["title"] == "Changed while kept" or None

    await eventually(changed, "the kept page was not dropped when the course changed")


async def test_drafts_and_signed_in_readers_take_the_route(platform: Platform) -> None:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, "draft@example.com", "Draft Teacher")
    draft = (await teacher.command("POST", "/api/courses", expect=201, json={
        "title": "Still a draft", "level": "beginner", "language": "en",
        "description": ""})).json()
    path = f"/api/courses/{draft['id']}"
    assert (await teacher.read(path)).json()["status"] == "draft"
    for _ in range(2):
        hidden = await platform.read.get(path)
        assert hidden.status_code == 404
        assert hidden.json()["error"]["code"] == "course_not_found"
    # A token is checked even for a page anyone may see.
    course_id = await publish_course(teacher, title="Public page")
    await teacher.read(f"/api/courses/{course_id}")
    await platform.read.get(f"/api/courses/{course_id}")  # kept now
    refused = await platform.read.get(f"/api/courses/{course_id}",
                                      headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    stale_token = await platform.read.get(f"/api/courses/{course_id}",
                                          headers={TOKEN: teacher.last_token or ""})
    assert stale_token.status_code == 200
    assert stale_token.headers["X-Consistency"] == "fresh"
