"""Learning's side of the payment saga converges whatever the delivery order: duplicated,
reordered and concurrent deliveries of billing's events enroll at most once and end enrolled
exactly when a payment that was not refunded covers the course."""

from __future__ import annotations

import asyncio
import random
import uuid
from decimal import Decimal

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.integration.test_learning_reactions import delivery
from workers.jobs import react_to_event
from write.events import PaymentEvent, PaymentRefunded, PaymentSucceeded

STUDENT, COURSE = uuid.uuid4(), uuid.uuid4()


def payment_events(payment_id: uuid.UUID, *, refunded: bool) -> list[PaymentEvent]:
    common = {"payment_id": payment_id, "student_id": STUDENT, "course_id": COURSE,
              "amount": Decimal("49.90"), "currency": "EUR"}
    events: list[PaymentEvent] = [PaymentSucceeded(version=2, **common)]
    if refunded:
        events.append(PaymentRefunded(version=3, **common))
    return events


async def outcome(engine: AsyncEngine) -> tuple[list[str], int]:
    """The student's enrollment statuses, and how many times they were enrolled."""
    async with engine.connect() as conn:
        statuses = list((await conn.scalars(text(
            "SELECT status FROM learning.enrollments WHERE student_id = :s"),
            {"s": STUDENT})).all())
        enrolled = await conn.scalar(text(
            "SELECT count(*) FROM outbox.events WHERE type = 'learning.enrolled'"))
    return statuses, int(enrolled or 0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("history", "enrolled"), [
    ("paid", True),
    ("paid, refunded", False),
    ("paid, refunded, paid again", True),
])
async def test_any_delivery_order_converges(settings: Settings, engine: AsyncEngine,
                                            redis: Redis, seed: int, history: str,
                                            enrolled: bool) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    events = payment_events(first, refunded="refunded" in history)
    if "again" in history:
        events += payment_events(second, refunded=False)
    schedule = [delivery(n, event) for n, event in enumerate(events, start=1)] * 3
    random.Random(seed).shuffle(schedule)
    ctx = {"settings": settings, "engine": engine, "redis": redis, "job_try": 1}

    await asyncio.gather(*(react_to_event(ctx, body) for body in schedule))

    statuses, enrolled_events = await outcome(engine)
    assert len(statuses) <= 1  # one enrollment row per student and course, whatever happened
    assert (statuses in (["enrolled"], ["in_progress"])) is enrolled
    # Enrolled at most once per payment that gave access (a re-purchase after a refund re-admits).
    assert enrolled_events <= len({e.payment_id for e in events if isinstance(e, PaymentSucceeded)})
