"""A small shop for the payment tests: a teacher's paid and free courses, known to billing and
learning, and paying for them over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from tests.actors import Actor, admin_of, publish_course, verified_teacher
from tests.harness import Platform

PRICE = "49.90"


@dataclass
class Shop:
    admin: Actor
    teacher: Actor
    paid: str
    free: str
    lessons: list[str]  # the paid course's lessons: the first is a preview


SELLER = "seller@example.com"


async def open_shop(platform: Platform) -> Shop:
    admin = await admin_of(platform)
    teacher = await verified_teacher(platform, admin, SELLER, "Seller")
    paid = await publish_course(teacher, title="Paid course", price=PRICE, lessons=2)
    free = await publish_course(teacher, title="Free course")
    # The publish command's token covers the course facts, and it counts as applied once both
    # billing and learning have taken their copy (the reactions mark it).
    page = (await teacher.read(f"/api/courses/{paid}")).json()
    lessons = [lesson["id"] for module in page["modules"] for lesson in module["lessons"]]
    return Shop(admin, teacher, paid, free, lessons)


def payment_body(course_id: str, method: str | None = None) -> dict[str, str]:
    return {"course_id": course_id} | ({"payment_method": method} if method else {})


async def pay(actor: Actor, course_id: str, *, key: str | None = None, method: str | None = None,
              expect: int = 201) -> httpx.Response:
    """Sends a payment as a checkout page would, with a fresh idempotency key unless given."""
    return await actor.command("POST", "/api/payments", expect=expect,
                               json=payment_body(course_id, method),
                               headers={"Idempotency-Key": key or str(uuid.uuid4())})


async def attempt(platform: Platform, actor: Actor, course_id: str, *, key: str | None,
                  method: str | None = None) -> httpx.Response:
    """A payment request whose answer the test inspects (no status expected)."""
    headers = dict(actor.auth) | ({"Idempotency-Key": key} if key is not None else {})
    return await platform.write.post("/api/payments", json=payment_body(course_id, method),
                                     headers=headers)
