"""Assertions shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

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


async def course_facts_in_learning(engine: AsyncEngine, course_id: str, *, version: int
                                   ) -> dict[str, Any]:
    """Learning's copy of a course's facts once it has reached `version` (the reaction runs in the
    background); fails after about ten seconds."""
    for _ in range(200):
        async with engine.connect() as conn:
            found = (await conn.execute(text(
                "SELECT version, status, price, currency, lesson_ids FROM learning.course_facts "
                "WHERE course_id = :id"), {"id": course_id})).mappings().first()
        if found is not None and found["version"] >= version:
            return dict(found)
        await asyncio.sleep(0.05)
    raise AssertionError(f"learning never saw version {version} of course {course_id}")


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
