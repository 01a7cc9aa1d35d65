"""The world the authorization matrix calls every endpoint in: eight kinds of caller, the courses,
enrollments, payment, review and notification they own or do not, and fresh resources for the
one-shot commands (tests/e2e/test_authorization_matrix.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalog_builders import (
    ANONYMOUS,
    PASSWORD,
    Actor,
    Scene,
    add_lesson,
    add_module,
    change_access,
    create_category,
    create_course,
    create_outline,
    created,
    make_admin,
    make_user,
    make_verified_teacher,
    publish,
)
from tests.checks import settled
from tests.harness import Platform, link_token

ACTORS = ("anonymous", "student", "other student", "unverified teacher", "teacher", "owner",
          "admin", "blocked user")
PRICE = "49.90"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class World:
    """Who calls, and what they call on. `student` is enrolled in `free`, has paid for `paid`
    (`payment`), reviewed `free` (`review`) and has a `notification`; `other student` has none of
    that. `blocked user` was enrolled in `free` and logged in before the admin blocked them.
    `owner` teaches every course here; `draft` is unpublished. Refused catalog commands aim at
    `scene` (a spare category and a draft outline), which therefore never changes."""

    platform: Platform
    engine: AsyncEngine
    actors: dict[str, Actor]
    category: str
    free: str
    paid: str
    draft: str
    preview_lesson: str
    lesson: str
    draft_lesson: str
    payment: str
    review: str
    notification: str
    blocked_refresh_token: str
    spare_email: str
    scene: Scene

    def __getitem__(self, actor: str) -> Actor:
        return self.actors[actor]


async def course_with_a_lesson(platform: Platform, *, owner: Actor, published: bool = True,
                               **course: Any) -> tuple[str, str, str]:
    """A course of one module: a preview lesson and a lesson for enrolled students only;
    returns (course, preview lesson, lesson)."""
    course_id = await create_course(platform, teacher=owner, title=unique("Course"), **course)
    module_id = await add_module(platform, teacher=owner, course_id=course_id)
    preview = await add_lesson(platform, teacher=owner, module_id=module_id, title="Welcome",
                               content="# Welcome", duration_minutes=5, preview=True)
    lesson = await add_lesson(platform, teacher=owner, module_id=module_id, title="Deep dive",
                              content="# Members only", duration_minutes=15)
    if published:
        await publish(platform, teacher=owner, course_id=course_id)
    return course_id, preview, lesson


async def enroll(platform: Platform, actor: Actor, course_id: str) -> None:
    created(await platform.write.post("/api/enrollments", json={"course_id": course_id},
                                      headers=actor.headers))


async def pay(platform: Platform, actor: Actor, course_id: str) -> str:
    response = await platform.write.post(
        "/api/payments", json={"course_id": course_id},
        headers={**actor.headers, "Idempotency-Key": str(uuid.uuid4())})
    payment_id: str = created(response)["id"]
    return payment_id


async def post_review(platform: Platform, actor: Actor, course_id: str) -> str:
    response = await platform.write.post(f"/api/courses/{course_id}/reviews",
                                         json={"rating": 4, "comment": "Clear and useful"},
                                         headers=actor.headers)
    review_id: str = created(response)["id"]
    return review_id


async def tokens_of(platform: Platform, email: str) -> dict[str, str]:
    """A new session (access and refresh token) of the account."""
    return created(await platform.write.post("/api/auth/login", json={
        "email": email, "password": PASSWORD}), 200)


async def first_notification(engine: AsyncEngine, user_id: str) -> str:
    async with engine.connect() as conn:
        found = await conn.scalar(text(
            "SELECT id FROM notifications.notifications WHERE user_id = :id ORDER BY created_at "
            "LIMIT 1"), {"id": user_id})
    assert found is not None, "the student was never notified"
    return str(found)


async def cast(platform: Platform) -> dict[str, Actor]:
    admin = await make_admin(platform)
    return {
        "anonymous": ANONYMOUS,
        "student": await make_user(platform, email="student@example.com"),
        "other student": await make_user(platform, email="other@example.com"),
        "unverified teacher": await make_user(platform, email="newbie@example.com",
                                              role="teacher"),
        "teacher": await make_verified_teacher(platform, admin=admin, email="rival@example.com"),
        "owner": await make_verified_teacher(platform, admin=admin, email="owner@example.com"),
        "admin": admin,
        "blocked user": await make_user(platform, email="blocked@example.com"),
    }


async def build_world(platform: Platform, engine: AsyncEngine) -> World:
    actors = await cast(platform)
    owner, student, blocked = actors["owner"], actors["student"], actors["blocked user"]
    category = (await create_category(platform, admin=actors["admin"], name="Programming"))["id"]
    free, preview, lesson = await course_with_a_lesson(platform, owner=owner, category_id=category)
    paid, _, _ = await course_with_a_lesson(platform, owner=owner, price=PRICE, currency="USD")
    draft, _, draft_lesson = await course_with_a_lesson(platform, owner=owner, published=False)
    await settled(platform)  # learning and billing have their copies of the courses
    await enroll(platform, student, free)
    await enroll(platform, blocked, free)
    payment = await pay(platform, student, paid)
    await settled(platform)  # the catalog counts the student among the course's students
    review = await post_review(platform, student, free)
    blocked_session = await tokens_of(platform, "blocked@example.com")
    await change_access(platform, admin=actors["admin"], user=blocked, blocked=True)
    await make_user(platform, email="spare@example.com")
    scene = Scene(category, await fresh_category_of(platform, actors["admin"]), await create_outline(
        platform, teacher=owner, lessons_per_module=[2, 2], category_id=category))
    await settled(platform)  # notifications written, every read model up to date
    return World(platform, engine, actors, category, free, paid, draft, preview, lesson,
                 draft_lesson, payment, review, await first_notification(engine, student.id or ""),
                 blocked_session["refresh_token"], "spare@example.com", scene)


# ------------------------------------------------------------ fresh resources for one-shot calls

async def fresh_course(world: World, *, price: str | None = None) -> str:
    """A published course of the owner that learning and billing know of."""
    terms = {"price": price, "currency": "USD"} if price else {}
    course_id, _, _ = await course_with_a_lesson(world.platform, owner=world["owner"], **terms)
    await settled(world.platform)
    return course_id


async def fresh_review(world: World) -> str:
    """A review of the student on a course of their own (enrolled, counted by the catalog)."""
    course_id = await fresh_course(world)
    await enroll(world.platform, world["student"], course_id)
    await settled(world.platform)
    return await post_review(world.platform, world["student"], course_id)


async def fresh_enrolled_course(world: World) -> str:
    """A course the student is enrolled in and has not reviewed."""
    course_id = await fresh_course(world)
    await enroll(world.platform, world["student"], course_id)
    await settled(world.platform)
    return course_id


async def fresh_payment(world: World) -> str:
    """A succeeded payment of the student, inside the refund window."""
    payment_id = await pay(world.platform, world["student"], await fresh_course(world, price=PRICE))
    await settled(world.platform)
    return payment_id


async def fresh_user(world: World) -> str:
    user_id = (await make_user(world.platform, email=f"{unique('target')}@example.com",
                               role="teacher")).id
    assert user_id is not None
    return user_id


async def fresh_category_of(platform: Platform, admin: Actor) -> str:
    category_id: str = (await create_category(platform, admin=admin,
                                              name=unique("Category")))["id"]
    return category_id


async def fresh_category(world: World) -> str:
    return await fresh_category_of(world.platform, world["admin"])


async def mailed_token(world: World, subject: str, *, forgot: bool = False) -> str:
    """The token of a verification (or, with `forgot`, reset) mail to a new account."""
    email = f"{unique('mail')}@example.com"
    await make_user(world.platform, email=email)
    if forgot:
        response = await world.platform.write.post("/api/auth/forgot-password",
                                                   json={"email": email})
        assert response.status_code == 204, response.text
    mails = await world.platform.mail.wait_for(email, subject)
    assert mails, f"no mail '{subject}' reached {email}"
    return link_token(mails[0])


async def send(world: World, actor: str, method: str, path: str, *,
               body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
               api: str = "write") -> httpx.Response:
    client = world.platform.write if api == "write" else world.platform.read
    async with client.stream(method, path, json=body,
                             headers={**world[actor].headers, **(headers or {})}) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            # An event stream never ends: its status and headers say whether it was allowed.
            return httpx.Response(response.status_code, headers=response.headers)
        await response.aread()
        return response
