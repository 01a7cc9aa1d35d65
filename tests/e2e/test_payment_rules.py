"""Every refused payment or refund changes nothing: free, own, unknown or paid-for courses;
someone else's payment; a refund out of the window, twice, or of a declined or pending payment.
A provider that does not answer leaves the payment pending, never enrolled until it succeeds."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.actors import Actor, sign_up
from tests.checks import billing_state, expect_error, settled
from tests.harness import Platform, running_platform
from tests.shop import Shop, attempt, open_shop, pay
from write.billing.checkout import retry_pending
from write.billing.provider import MockProvider
from write.db import create_sessionmaker


@pytest.mark.parametrize(("course", "status", "code"), [
    ("free", 409, "course_is_free"),
    ("own", 403, "own_course"),
    ("unknown", 404, "course_not_found"),
    ("paid_already", 409, "already_paid"),
])
async def test_a_refused_payment_writes_nothing(platform: Platform, engine: AsyncEngine,
                                                course: str, status: int, code: str) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "refused@example.com")
    await pay(student, shop.paid)
    payer = shop.teacher if course == "own" else student
    course_id = {"free": shop.free, "own": shop.paid, "unknown": str(uuid.uuid4()),
                 "paid_already": shop.paid}[course]
    await settled(platform)  # reactions to what came before write events of their own
    before = await billing_state(engine)

    response = await attempt(platform, payer, course_id, key=str(uuid.uuid4()))

    expect_error(response, status=status, code=code)
    assert "X-Consistency-Token" not in response.headers
    assert await billing_state(engine) == before


async def test_a_student_sees_and_refunds_only_their_own_payments(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    payer = await sign_up(platform, "payer@example.com")
    other = await sign_up(platform, "other@example.com")
    payment = (await pay(payer, shop.paid)).json()
    await payer.read(f"/api/payments/{payment['id']}")
    await settled(platform)  # reactions to what came before write events of their own
    before = await billing_state(engine)

    seen = await platform.read.get(f"/api/payments/{payment['id']}", headers=other.auth)
    refund = await platform.write.post(f"/api/payments/{payment['id']}/refund", headers=other.auth)
    anonymous = await platform.read.get(f"/api/payments/{payment['id']}")

    expect_error(seen, status=404, code="payment_not_found")
    expect_error(refund, status=404, code="payment_not_found")
    expect_error(anonymous, status=401, code="unauthorized")
    assert (await other.read("/api/me/payments")).json() == {"items": [], "total": 0,
                                                              "next_cursor": None}
    assert (await shop.admin.read(f"/api/payments/{payment['id']}")).json()["id"] == payment["id"]
    assert await billing_state(engine) == before
    await payer.read(f"/api/lessons/{shop.lessons[1]}")  # the payer's access is untouched


async def refused_refund(platform: Platform, engine: AsyncEngine, student: Actor,
                         payment_id: str, code: str) -> None:
    await settled(platform)  # reactions to what came before write events of their own
    before = await billing_state(engine)
    response = await platform.write.post(f"/api/payments/{payment_id}/refund",
                                         headers=student.auth)
    expect_error(response, status=409, code=code)
    assert await billing_state(engine) == before


async def test_refunds_outside_the_window_twice_or_of_a_declined_payment_are_refused(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    late = await sign_up(platform, "late@example.com")
    old = (await pay(late, shop.paid)).json()
    async with engine.begin() as conn:  # paid a day longer ago than the window
        await conn.execute(text(
            "UPDATE billing.payments SET paid_at = now() - make_interval(days => :days) "
            "WHERE id = :id"), {"days": platform.settings.refund_window_days + 1, "id": old["id"]})
    await refused_refund(platform, engine, late, old["id"], "refund_window_closed")
    await late.read(f"/api/lessons/{shop.lessons[1]}")

    twice = await sign_up(platform, "twice@example.com")
    declined = (await pay(twice, shop.paid, method="test_declined")).json()
    await refused_refund(platform, engine, twice, declined["id"], "not_refundable")
    paid = (await pay(twice, shop.paid)).json()
    await twice.command("POST", f"/api/payments/{paid['id']}/refund")
    await refused_refund(platform, engine, twice, paid["id"], "already_refunded")


async def lesson_opens(platform: Platform, student: Actor, lesson_id: str) -> None:
    """The saga runs in the background; waits up to ten seconds for the lesson to open."""
    for _ in range(200):
        response = await platform.read.get(f"/api/lessons/{lesson_id}", headers=student.auth)
        if response.status_code == httpx.codes.OK:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"lesson {lesson_id} never opened")


async def test_a_provider_that_does_not_answer_leaves_the_payment_pending_until_asked_again(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    down = settings.model_copy(update={"payment_provider_mode": "timeout",
                                       "payment_provider_timeout_seconds": 0.2})
    async with running_platform(down) as platform:
        shop: Shop = await open_shop(platform)
        student = await sign_up(platform, "patient@example.com")

        pending = (await pay(student, shop.paid)).json()

        assert pending["status"] == "pending"
        assert (await student.read(f"/api/payments/{pending['id']}")).json()["status"] == "pending"
        await student.read(f"/api/lessons/{shop.lessons[1]}", expect=403)
        await student.command("POST", "/api/enrollments", expect=402,
                              json={"course_id": shop.paid})
        await refused_refund(platform, engine, student, pending["id"], "not_refundable")
        # Still down: asking again leaves it pending and changes nothing.
        await settled(platform)  # reactions to what came before write events of their own
        before = await billing_state(engine)
        sessions = create_sessionmaker(engine)
        assert await retry_pending(sessions, MockProvider("timeout"), timeout=0.2,
                                   older_than=timedelta(0)) == 0
        assert await billing_state(engine) == before

        # The provider is back: the reconciliation job's question gets the answer.
        assert await retry_pending(sessions, MockProvider("succeed"), timeout=0.2,
                                   older_than=timedelta(0)) == 1
        await lesson_opens(platform, student, shop.lessons[1])
        assert (await platform.read.get(f"/api/payments/{pending['id']}", headers=student.auth)
                ).json()["status"] == "succeeded"
