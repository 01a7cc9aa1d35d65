"""Every operation of both APIs, called by each of eight callers over real HTTP: the table says who
is allowed, and how everyone else is refused. A refused command changes nothing in the write model;
an operation without a row fails the coverage test, so a new endpoint must be classified here.

The catalog rules in depth (unverified and blocked owners, the exact refusals per command) live
in test_catalog_authorization.py; this is the cross-cutting table.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from apps.read_app import create_read_app
from apps.write_app import create_write_app
from common.rates import Rate
from common.settings import Settings
from tests.authz_table import (
    ADMIN,
    EDITORS,
    EVERYONE,
    SIGNED_IN,
    STUDENT,
    Call,
    Row,
    at,
    on,
    public,
    read,
    unseen,
)
from tests.authz_world import (
    ACTORS,
    PASSWORD,
    PRICE,
    World,
    build_world,
    course_with_a_lesson,
    fresh_category,
    fresh_course,
    fresh_enrolled_course,
    fresh_payment,
    fresh_review,
    fresh_user,
    mailed_token,
    send,
    tokens_of,
    unique,
)
from tests.catalog_builders import (
    COMMANDS,
    Scene,
    change_access,
    create_outline,
    make_verified_teacher,
)
from tests.checks import expect_error, settled, write_model_digest
from tests.conftest import empty_write_model
from tests.harness import running_platform


@pytest.fixture(scope="module")
async def world(settings: Settings, migrated: None) -> AsyncIterator[World]:
    """One world for the whole module (the table's calls make their own one-shot resources);
    owners and admins send hundreds of commands here, more than the per-account limit allows."""
    engine = await empty_write_model(settings)
    redis = Redis.from_url(settings.redis_url)
    await redis.flushdb()
    await redis.aclose()
    unlimited = settings.model_copy(update={"rate_commands_per_account": Rate(1_000_000, 1)})
    try:
        async with running_platform(unlimited) as platform:
            yield await build_world(platform, engine)
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------ identity (public) rows

def _sign_up(_: World) -> dict[str, Any]:
    return {"email": f"{unique('new')}@example.com", "password": PASSWORD, "name": "New Person",
            "role": "student"}


def _spare(world: World) -> dict[str, Any]:
    return {"email": world.spare_email}


async def _session(world: World, _fresh: bool) -> Call:
    return Call("", {"refresh_token": (await tokens_of(world.platform,
                                                       world.spare_email))["refresh_token"]})


async def _verification(world: World, _fresh: bool) -> Call:
    return Call("", {"token": await mailed_token(world, "Confirm your email")})


async def _reset(world: World, _fresh: bool) -> Call:
    return Call("", {"token": await mailed_token(world, "Reset your", forgot=True),
                     "password": "new-battery-2"})


IDENTITY = [
    public("/api/auth/register", at(lambda w: "", _sign_up)),
    public("/api/auth/login", at(lambda w: "", lambda w: {"email": w.spare_email,
                                                          "password": PASSWORD})),
    public("/api/auth/refresh", _session),
    public("/api/auth/logout", _session),
    public("/api/auth/verify-email", _verification),
    public("/api/auth/resend-verification", at(lambda w: "", _spare)),
    public("/api/auth/forgot-password", at(lambda w: "", _spare)),
    public("/api/auth/reset-password", _reset),
    Row("write", "PATCH", "/api/admin/users/{user_id}", ADMIN,
        on("/api/admin/users/{}", fresh_user, lambda w: str(w["other student"].id),
           {"teacher_verified": True}),
        refusal=(403, "admin_required")),
]

# ------------------------------------------------------------------------------- catalog rows

CATALOG_ROUTES = {
    "create category": ("POST", "/api/categories"),
    "change category": ("PATCH", "/api/categories/{category_id}"),
    "delete category": ("DELETE", "/api/categories/{category_id}"),
    "create course": ("POST", "/api/courses"),
    "change course": ("PATCH", "/api/courses/{course_id}"),
    "publish course": ("POST", "/api/courses/{course_id}/publish"),
    "archive course": ("POST", "/api/courses/{course_id}/archive"),
    "add module": ("POST", "/api/courses/{course_id}/modules"),
    "reorder modules": ("POST", "/api/courses/{course_id}/modules/reorder"),
    "change module": ("PATCH", "/api/modules/{module_id}"),
    "remove module": ("DELETE", "/api/modules/{module_id}"),
    "add lesson": ("POST", "/api/modules/{module_id}/lessons"),
    "reorder lessons": ("POST", "/api/modules/{module_id}/lessons/reorder"),
    "change lesson": ("PATCH", "/api/lessons/{lesson_id}"),
    "remove lesson": ("DELETE", "/api/lessons/{lesson_id}"),
}
# The catalog's three rules (tests/catalog_builders.py scopes), as rows of this table.
SCOPES: dict[str, dict[str, Any]] = {
    "category": {"allowed": ADMIN, "refusal": (403, "admin_required")},
    "new_course": {"allowed": frozenset({"teacher", "owner"}), "refusal": (403, "teacher_required"),
                   "besides": {"unverified teacher": (403, "teacher_not_verified")}},
    "course": {"allowed": EDITORS, "refusal": (403, "not_course_owner")},
}


def catalog_row(name: str) -> Row:
    """A catalog command of tests/catalog_builders.py on a scene of the owner's: a new one for an
    allowed call, the world's for a refused one."""
    command = next(c for c in COMMANDS if c.name == name)
    method, route = CATALOG_ROUTES[name]

    async def prepare(world: World, fresh: bool) -> Call:
        scene = world.scene
        if fresh:
            outline = scene.outline
            if command.scope == "course":
                outline = await create_outline(world.platform, teacher=world["owner"],
                                               lessons_per_module=[2, 2],
                                               category_id=world.category)
            scene = Scene(world.category, await fresh_category(world), outline)
        return Call(command.path(scene), command.body(scene))

    return Row("write", method, route, prepare=prepare, **SCOPES[command.scope])


# ---------------------------------------------------------- learning, reviews, billing, ops rows

async def _payment(world: World, fresh: bool) -> Call:
    course = await fresh_course(world, price=PRICE) if fresh else world.paid
    return Call("/api/payments", {"course_id": course}, {"Idempotency-Key": str(uuid.uuid4())})


async def _enrollment(world: World, fresh: bool) -> Call:
    return Call("/api/enrollments", {"course_id": await fresh_course(world) if fresh
                                     else world.free})


BUYERS = SIGNED_IN - {"owner"}
OWN_COURSE = {"owner": (403, "own_course")}
NOT_ENROLLED = (403, "enrollment_required")
COMMANDS_OF_STUDENTS = [
    Row("write", "POST", "/api/enrollments", BUYERS, _enrollment, besides=OWN_COURSE),
    Row("write", "POST", "/api/lessons/{lesson_id}/complete", STUDENT,
        at(lambda w: f"/api/lessons/{w.lesson}/complete"), refusal=NOT_ENROLLED),
    Row("write", "POST", "/api/lessons/{lesson_id}/open", STUDENT,
        at(lambda w: f"/api/lessons/{w.lesson}/open"), refusal=NOT_ENROLLED),
    Row("write", "POST", "/api/notifications/read-all", SIGNED_IN,
        at(lambda w: "/api/notifications/read-all")),
    Row("write", "POST", "/api/notifications/{notification_id}/read", STUDENT,
        at(lambda w: f"/api/notifications/{w.notification}/read"),
        refusal=(404, "notification_not_found")),
    Row("write", "POST", "/api/courses/{course_id}/reviews", STUDENT,
        on("/api/courses/{}/reviews", fresh_enrolled_course, lambda w: w.free,
           {"rating": 5, "comment": "Great"}),
        refusal=NOT_ENROLLED, besides=OWN_COURSE),
    Row("write", "PATCH", "/api/reviews/{review_id}", STUDENT,
        at(lambda w: f"/api/reviews/{w.review}", lambda w: {"comment": unique("Changed")}),
        refusal=(403, "not_review_author")),
    Row("write", "DELETE", "/api/reviews/{review_id}", STUDENT,
        on("/api/reviews/{}", fresh_review, lambda w: w.review), refusal=(403, "not_review_author")),
    Row("write", "POST", "/api/reviews/{review_id}/hide", ADMIN,
        on("/api/reviews/{}/hide", fresh_review, lambda w: w.review), refusal=(403, "admin_required")),
    Row("write", "POST", "/api/payments", BUYERS, _payment, besides=OWN_COURSE),
    Row("write", "POST", "/api/payments/{payment_id}/refund", STUDENT,
        on("/api/payments/{}/refund", fresh_payment, lambda w: w.payment),
        refusal=(404, "payment_not_found")),
    Row("write", "POST", "/api/ops/projections/{name}/rebuild", ADMIN,
        at(lambda w: "/api/ops/projections/categories/rebuild"), refusal=(403, "admin_required")),
]

# ------------------------------------------------------------------------------- read API rows

LOCKED = {"anonymous": NOT_ENROLLED, "blocked": NOT_ENROLLED}
READS = [
    read("/api/me", SIGNED_IN, lambda w: "/api/me"),
    read("/api/admin/users", ADMIN, lambda w: "/api/admin/users", refusal=(403, "admin_required")),
    read("/api/courses", EVERYONE, lambda w: "/api/courses?q=course"),
    read("/api/courses/{course_id}", EVERYONE, lambda w: f"/api/courses/{w.free}",
         variant="published"),
    read("/api/courses/{course_id}", EDITORS, lambda w: f"/api/courses/{w.draft}",
         variant="draft", refusal=(404, "course_not_found"), **unseen("course_not_found")),
    read("/api/catalog/lists/{name}", EVERYONE, lambda w: "/api/catalog/lists/newest"),
    read("/api/categories", EVERYONE, lambda w: "/api/categories"),
    read("/api/teacher/courses", frozenset({"unverified teacher", "teacher", "owner"}),
         lambda w: "/api/teacher/courses", refusal=(403, "teacher_required")),
    read("/api/lessons/{lesson_id}", EVERYONE, lambda w: f"/api/lessons/{w.preview_lesson}",
         variant="preview"),
    # The blocked user was enrolled: the lesson stays closed to them all the same.
    read("/api/lessons/{lesson_id}", frozenset({"student", "owner", "admin"}),
         lambda w: f"/api/lessons/{w.lesson}", variant="enrolled only", refusal=NOT_ENROLLED,
         **LOCKED),
    read("/api/lessons/{lesson_id}", EDITORS, lambda w: f"/api/lessons/{w.draft_lesson}",
         variant="draft", refusal=(404, "lesson_not_found"), **unseen("lesson_not_found")),
    read("/api/me/dashboard", SIGNED_IN, lambda w: "/api/me/dashboard"),
    read("/api/me/courses/{course_id}/progress", STUDENT,
         lambda w: f"/api/me/courses/{w.free}/progress", refusal=(404, "not_enrolled")),
    read("/api/me/notifications", SIGNED_IN, lambda w: "/api/me/notifications"),
    read("/api/me/events", SIGNED_IN, lambda w: "/api/me/events"),
    read("/api/courses/{course_id}/reviews", EVERYONE, lambda w: f"/api/courses/{w.free}/reviews"),
    read("/api/me/payments", SIGNED_IN, lambda w: "/api/me/payments"),
    read("/api/payments/{payment_id}", frozenset({"student", "admin"}),
         lambda w: f"/api/payments/{w.payment}", refusal=(404, "payment_not_found")),
    read("/api/ops/projections", ADMIN, lambda w: "/api/ops/projections",
         refusal=(403, "admin_required")),
]

ROWS = [*IDENTITY, *(catalog_row(name) for name in CATALOG_ROUTES), *COMMANDS_OF_STUDENTS, *READS]


def test_every_operation_of_both_apis_has_a_row(settings: Settings) -> None:
    """A new endpoint fails here until someone decides who may call it."""
    operations = {(api, method.upper(), path)
                  for api, app in (("write", create_write_app(settings)),
                                   ("read", create_read_app(settings)))
                  for path, methods in app.openapi()["paths"].items() for method in methods}
    assert {(row.api, row.method, row.route) for row in ROWS} == operations
    assert len(operations) == 52


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_who_may_call_what(world: World, row: Row, actor: str) -> None:
    refusal = row.expected(actor)
    call = await row.prepare(world, refusal is None)
    # Every test leaves the background quiet (below), so the digest is still.
    before = await write_model_digest(world.engine) if row.api == "write" else None

    response = await send(world, actor, row.method, call.path, body=call.body,
                          headers=call.headers, api=row.api)

    if refusal is None:
        assert 200 <= response.status_code < 300, response.text
        if row.api == "write":
            await settled(world.platform)  # the reactions to it write events of their own
        return
    status, code = refusal
    expect_error(response, status=status, code=code)
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if before is not None:
        assert await write_model_digest(world.engine) == before


async def test_a_blocked_user_can_neither_log_in_nor_refresh(world: World) -> None:
    """The token issued before the block is refused by every command and private read (the
    table); logging in again and the session from before the block are refused too."""
    login = await world.platform.write.post("/api/auth/login", json={
        "email": "blocked@example.com", "password": PASSWORD})
    expect_error(login, status=403, code="account_blocked")
    refresh = await world.platform.write.post("/api/auth/refresh", json={
        "refresh_token": world.blocked_refresh_token})
    expect_error(refresh, status=401, code="session_revoked")


async def test_a_blocked_owner_no_longer_sees_their_drafts(world: World) -> None:
    """The read side's editor check: a blocked teacher's old token counts as anonymous on their
    own draft, and their private reads are refused."""
    platform = world.platform
    owner = await make_verified_teacher(platform, admin=world["admin"],
                                        email=f"{unique('owner')}@example.com")
    draft, _, lesson = await course_with_a_lesson(platform, owner=owner, published=False)
    await settled(platform)
    assert (await platform.read.get(f"/api/courses/{draft}", headers=owner.headers)).is_success

    await change_access(platform, admin=world["admin"], user=owner, blocked=True)
    await settled(platform)
    expect_error(await platform.read.get(f"/api/courses/{draft}", headers=owner.headers),
                 status=404, code="course_not_found")
    expect_error(await platform.read.get(f"/api/lessons/{lesson}", headers=owner.headers),
                 status=404, code="lesson_not_found")
    expect_error(await platform.read.get("/api/teacher/courses", headers=owner.headers),
                 status=403, code="account_blocked")
