"""Paying for a course over HTTP: declined, then succeeded, enrolled by the saga, lessons open;
a refund closes them again; idempotency keys make retries and races one payment."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.stores.documents import DocumentSpace
from tests.actors import sign_up
from tests.builders import envelopes
from tests.checks import billing_state, expect_error, settled
from tests.harness import Platform
from tests.shop import PRICE, attempt, open_shop, pay
from workers.routing import PROJECTIONS


async def enrollment_of(engine: AsyncEngine, student_id: str) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(text(
            "SELECT status, version FROM learning.enrollments WHERE student_id = :s"),
            {"s": student_id})).all()]


async def event_types(engine: AsyncEngine, prefix: str) -> list[str]:
    return [e["type"] for e in await envelopes(engine) if e["type"].startswith(prefix)]


async def test_pay_declined_then_succeeded_enrolls_and_a_refund_closes_the_lessons(
    platform: Platform, engine: AsyncEngine, redis: Redis
) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "buyer@example.com")
    found = (await student.read("/api/courses", price="paid")).json()
    assert [(c["id"], c["price"]) for c in found["items"]] == [(shop.paid, PRICE)]
    preview, locked = shop.lessons
    await student.read(f"/api/lessons/{preview}")
    await student.read(f"/api/lessons/{locked}", expect=403)
    await student.command("POST", "/api/enrollments", expect=402, json={"course_id": shop.paid})

    declined = (await pay(student, shop.paid, method="test_declined")).json()
    assert (declined["status"], declined["amount"], declined["currency"]) == (
        "declined", PRICE, "USD")
    assert (await student.read(f"/api/payments/{declined['id']}")).json()["status"] == "declined"
    await student.read(f"/api/lessons/{locked}", expect=403)
    assert await enrollment_of(engine, student.id) == []

    paid = (await pay(student, shop.paid)).json()
    assert (paid["status"], paid["amount"]) == ("succeeded", PRICE)
    # The payment's token covers the enrollment the saga made from it.
    lesson = (await student.read(f"/api/lessons/{locked}")).json()
    assert lesson["content_html"] == "<p>Body 1</p>\n"
    assert await enrollment_of(engine, student.id) == [("enrolled", 1)]
    await student.command("POST", "/api/enrollments", expect=409, json={"course_id": shop.paid})
    mine = (await student.read("/api/me/payments")).json()
    assert [(p["id"], p["status"]) for p in mine["items"]] == [
        (paid["id"], "succeeded"), (declined["id"], "declined")]
    assert mine["total"] == 2
    await student.command("POST", f"/api/lessons/{preview}/complete")

    refunded = (await student.command("POST", f"/api/payments/{paid['id']}/refund")).json()

    assert refunded == {**paid, "status": "refunded"}
    await student.read(f"/api/lessons/{locked}", expect=403)
    assert (await student.read(f"/api/payments/{paid['id']}")).json()["status"] == "refunded"
    expect_error(await platform.write.post(f"/api/lessons/{locked}/complete",
                                           headers=student.auth),
                 status=403, code="enrollment_required")
    await student.command("POST", "/api/enrollments", expect=402, json={"course_id": shop.paid})
    assert await enrollment_of(engine, student.id) == [("revoked", 3)]

    # Buying again opens the course where the student left it.
    await pay(student, shop.paid)
    await student.read(f"/api/lessons/{locked}")
    assert await enrollment_of(engine, student.id) == [("in_progress", 4)]
    assert await event_types(engine, "learning.enrol") == [
        "learning.enrolled", "learning.enrollment_revoked", "learning.enrolled"]
    assert await event_types(engine, "billing.") == [
        "billing.payment_started", "billing.payment_declined",
        "billing.payment_started", "billing.payment_succeeded", "billing.payment_refunded",
        "billing.payment_started", "billing.payment_succeeded"]

    # The payments read model is disposable like the others.
    space = DocumentSpace(redis, "payments")
    assert await space.drop_generation(await space.current_generation()) > 0
    stores = Stores(engine, redis)
    await rebuild(PROJECTIONS["payments"], stores, grace_seconds=0)
    assert await verify(PROJECTIONS["payments"], stores) == {}
    student.last_token = None
    assert [p["status"] for p in (await student.read("/api/me/payments")).json()["items"]] == [
        "succeeded", "refunded", "declined"]


async def test_the_same_key_and_body_answer_the_same_payment_once(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "retry@example.com")
    key = str(uuid.uuid4())
    first = await pay(student, shop.paid, key=key)
    await settled(platform)  # reactions to what came before write events of their own
    before = await billing_state(engine)

    again = await attempt(platform, student, shop.paid, key=key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert "X-Consistency-Token" not in again.headers  # nothing new happened
    assert await billing_state(engine) == before


async def test_a_key_reused_with_another_body_or_a_bad_key_changes_nothing(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "reuse@example.com")
    key = str(uuid.uuid4())
    await pay(student, shop.paid, key=key, method="test_declined")
    await settled(platform)  # reactions to what came before write events of their own
    before = await billing_state(engine)

    other_method = await attempt(platform, student, shop.paid, key=key)
    other_course = await attempt(platform, student, shop.free, key=key, method="test_declined")
    missing = await attempt(platform, student, shop.paid, key=None)
    blank = await attempt(platform, student, shop.paid, key="")
    too_long = await attempt(platform, student, shop.paid, key="k" * 256)

    for reused in (other_method, other_course):
        error = expect_error(reused, status=422, code="idempotency_key_reused")
        assert list(error["fields"]) == ["Idempotency-Key"]
    for bad in (missing, blank, too_long):
        assert list(expect_error(bad, status=422, code="invalid_input")["fields"]) == [
            "Idempotency-Key"]
    assert await billing_state(engine) == before


async def test_concurrent_requests_with_one_key_make_one_payment(
    platform: Platform, engine: AsyncEngine
) -> None:
    shop = await open_shop(platform)
    student = await sign_up(platform, "racer@example.com")
    key = str(uuid.uuid4())

    answers = await asyncio.gather(*(attempt(platform, student, shop.paid, key=key)
                                     for _ in range(6)))

    assert [a.status_code for a in answers] == [201] * 6
    assert {(a.json()["id"], a.json()["status"]) for a in answers} == {
        (answers[0].json()["id"], "succeeded")}
    student.last_token = next(a.headers["X-Consistency-Token"] for a in answers
                              if "X-Consistency-Token" in a.headers)
    await student.read(f"/api/lessons/{shop.lessons[1]}")
    assert await event_types(engine, "billing.") == ["billing.payment_started",
                                                     "billing.payment_succeeded"]
    assert await enrollment_of(engine, student.id) == [("enrolled", 1)]
