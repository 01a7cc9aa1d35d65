"""Assertions shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.actors import Actor
from tests.harness import Platform
from workers.constants import EMAIL_JOB, PROJECT_JOB, REACT_JOB
from write.models import metadata
from write.outbox import encode_consistency_token

EVENT_JOBS = {PROJECT_JOB, REACT_JOB, EMAIL_JOB}
T = TypeVar("T")

# Counters that any accepted command would move: rows, flags and aggregate versions.
_WRITE_STATE = """
SELECT (SELECT count(*) FROM identity.users) AS users,
       (SELECT coalesce(sum(version), 0) FROM identity.users) AS user_versions,
       (SELECT count(*) FROM identity.users WHERE blocked) AS blocked_users,
       (SELECT count(*) FROM identity.refresh_families) AS sessions,
       (SELECT count(*) FROM identity.refresh_families WHERE revoked_at IS NOT NULL) AS revoked,
       (SELECT count(*) FROM identity.refresh_tokens) AS refresh_tokens,
       (SELECT count(*) FROM identity.refresh_tokens WHERE rotated_at IS NOT NULL) AS rotated,
       (SELECT count(*) FROM identity.email_tokens) AS email_tokens,
       (SELECT count(*) FROM identity.email_tokens WHERE used_at IS NOT NULL) AS used_email_tokens,
       (SELECT count(*) FROM outbox.events) AS events
"""


async def write_state(engine: AsyncEngine) -> dict[str, int]:
    """A fingerprint of the write model: identity rows, their flags, and outbox events."""
    async with engine.connect() as conn:
        row = (await conn.execute(text(_WRITE_STATE))).mappings().one()
    return dict(row)


def expect_error(response: httpx.Response, *, status: int, code: str) -> dict[str, Any]:
    """Asserts the one error shape {"error": {"code", "message", "fields"?}}; returns the error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"], body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert set(error) <= {"code", "message", "fields"}, error
    return error


async def enrollment_state(engine: AsyncEngine) -> dict[str, int]:
    """Enrollments and outbox events: what an accepted enrollment command would move."""
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM learning.enrollments) AS enrollments, "
            "(SELECT coalesce(sum(version), 0) FROM learning.enrollments) AS versions, "
            "(SELECT count(*) FROM outbox.events) AS events"))).mappings().one()
    return dict(row)


async def eventually(probe: Callable[[], Awaitable[T | None]], failure: str, *,
                     seconds: float = 10.0, every: float = 0.05) -> T:
    """The first answer of `probe` that is not None (the background catches up meanwhile);
    fails with `failure` after about `seconds`."""
    for _ in range(max(1, round(seconds / every))):
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(every)
    raise AssertionError(failure)


async def rebuild_done(admin: Actor, projection: str) -> dict[str, dict[str, Any]]:
    """Waits until the projection's last rebuild (one an admin started over HTTP) says `done`;
    returns every projection's status (`GET /api/ops/projections`)."""
    admin.last_token = None  # the status read waits for nothing

    async def statuses() -> dict[str, dict[str, Any]] | None:
        found = {s["name"]: s for s in (await admin.read("/api/ops/projections")).json()}
        return found if found[projection]["rebuild"].get("state") == "done" else None

    return await eventually(statuses, f"the rebuild of {projection} never finished")


async def course_facts_in_learning(engine: AsyncEngine, course_id: str, *, version: int
                                   ) -> dict[str, Any]:
    """Learning's copy of a course's facts once it has reached `version` (the reaction runs in the
    background)."""
    async def probe() -> dict[str, Any] | None:
        async with engine.connect() as conn:
            found = (await conn.execute(text(
                "SELECT version, status, price, currency, lesson_ids FROM learning.course_facts "
                "WHERE course_id = :id"), {"id": course_id})).mappings().first()
        return dict(found) if found is not None and found["version"] >= version else None

    return await eventually(probe, f"learning never saw version {version} of course {course_id}")


async def known_to_learning(engine: AsyncEngine, teacher: Actor, course_id: str) -> None:
    """Waits until learning's copy of the course has its current version."""
    version = int((await teacher.command("PATCH", f"/api/courses/{course_id}", json={}))
                  .headers["ETag"].strip('"'))
    await course_facts_in_learning(engine, course_id, version=version)


async def lesson_ids(actor: Actor, course_id: str) -> list[str]:
    """The course's lessons in outline order, from its page."""
    page = (await actor.read(f"/api/courses/{course_id}")).json()
    return [lesson["id"] for module in page["modules"] for lesson in module["lessons"]]


async def inbox_reaching(actor: Actor, count: int, **params: Any) -> dict[str, Any]:
    """The actor's inbox once it holds `count` notifications (reactions and projections run in
    the background)."""
    async def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = (await actor.read("/api/me/notifications", **params)).json()
        return body if body["total"] == count else None

    return await eventually(probe, f"the inbox never held {count} notifications")


async def review_state(engine: AsyncEngine) -> dict[str, Any]:
    """Reviews, the course stats and outbox events: what an accepted review command would move."""
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM catalog.reviews) AS reviews, "
            "(SELECT coalesce(sum(version), 0) FROM catalog.reviews) AS versions, "
            "(SELECT coalesce(string_agg(rating || comment_html || hidden, '|' ORDER BY id), '') "
            " FROM catalog.reviews) AS contents, "
            "(SELECT coalesce(sum(version), 0) FROM catalog.course_stats) AS stats_versions, "
            "(SELECT count(*) FROM outbox.events) AS events"))).mappings().one()
    return dict(row)


async def counted_among_students(engine: AsyncEngine, course_id: str, student_id: str) -> str:
    """A consistency token for the catalog counting the student in the course (its reaction to
    the enrollment runs in the background)."""
    async def probe() -> str | None:
        async with engine.connect() as conn:
            event_id = await conn.scalar(text(
                "SELECT e.event_id FROM catalog.course_students AS s "
                "JOIN outbox.events AS e ON e.type = 'catalog.course_students_changed' "
                " AND e.payload->>'course_id' = s.course_id::text "
                "WHERE s.course_id = :course AND s.student_id = :student "
                "ORDER BY e.id DESC LIMIT 1"), {"course": course_id, "student": student_id})
        return encode_consistency_token([event_id]) if event_id is not None else None

    return await eventually(probe, f"the catalog never counted {student_id} in {course_id}")


async def settled(platform: Platform) -> None:
    """Waits until the background has done everything the commands so far started: every outbox
    event dispatched, the queue empty and no event job running (reactions write events of their
    own, which a "nothing changed" check must not mistake for the refused command's; cron jobs
    do not count); fails after about ten seconds."""
    redis = Redis.from_url(platform.settings.redis_url)
    engine = create_async_engine(platform.settings.database_url)
    try:
        quiet = 0
        for _ in range(400):
            async with engine.connect() as conn:
                undispatched = await conn.scalar(text(
                    "SELECT count(*) FROM outbox.events WHERE dispatched_at IS NULL"))
            queued = [job_id.split(b":")[0] for job_id
                      in await redis.zrange(platform.settings.arq_queue_name, 0, -1)]
            running = [key.split(b":")[2] for key in await redis.keys("arq:in-progress:*")]
            busy = [job for job in queued + running if job.decode() in EVENT_JOBS]
            quiet = quiet + 1 if undispatched == 0 and not busy else 0
            if quiet == 3:  # still nothing after 50 ms: the last job did not record more
                return
            await asyncio.sleep(0.025)
    finally:
        await redis.aclose()
        await engine.dispose()
    raise AssertionError("background work never settled")


async def billing_state(engine: AsyncEngine) -> dict[str, int]:
    """Payments, paid access, enrollments and outbox events: what any payment or refund moves."""
    async with engine.connect() as conn:
        row = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM billing.payments) AS payments, "
            "(SELECT coalesce(sum(version), 0) FROM billing.payments) AS payment_versions, "
            "(SELECT count(*) FROM learning.paid_access) AS paid_access, "
            "(SELECT coalesce(sum(version), 0) FROM learning.paid_access) AS access_versions, "
            "(SELECT count(*) FROM learning.enrollments) AS enrollments, "
            "(SELECT coalesce(sum(version), 0) FROM learning.enrollments) AS enrollment_versions, "
            "(SELECT count(*) FROM outbox.events) AS events"))).mappings().one()
    return dict(row)


async def write_model_digest(engine: AsyncEngine) -> dict[str, str]:
    """Per write-model table, a digest of every row: a refused call must leave each one as it was,
    whichever context it belongs to. The relay's `dispatched_at` stamp is left out (it moves in
    the background, not because of a command)."""
    parts = [f"SELECT '{table.schema}.{table.name}' AS name, md5(coalesce(string_agg("
             f"(to_jsonb(t) - 'dispatched_at')::text, ',' ORDER BY (to_jsonb(t) - 'dispatched_at')"
             f"::text), '')) AS digest FROM {table.schema}.{table.name} AS t"
             for table in metadata.sorted_tables]
    async with engine.connect() as conn:
        rows = (await conn.execute(text(" UNION ALL ".join(parts)))).all()
    return {name: digest for name, digest in rows}
