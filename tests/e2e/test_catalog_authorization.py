"""Who may send which catalog command, over real HTTP; a refused command changes nothing.

Categories are admin business; any verified teacher may create a course (admins own none); only the
course's teacher, while verified, and admins may change a course, its modules and its lessons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from tests.catalog_builders import (
    ANONYMOUS,
    COMMANDS,
    TOKEN,
    Actor,
    CatalogCommand,
    build_scene,
    catalog_state,
    change_access,
    make_admin,
    make_user,
    make_verified_teacher,
)
from tests.checks import expect_error
from tests.harness import Platform, running_platform


@pytest.fixture(scope="module")
async def platform(settings: Settings, migrated: None) -> AsyncIterator[Platform]:
    """Write API over HTTP without relay or worker: only the test's requests write."""
    async with running_platform(settings, with_processors=False) as running:
        yield running


@dataclass(frozen=True)
class Cast:
    admin: Actor
    owner: Actor
    other_teacher: Actor
    unverified_teacher: Actor
    student: Actor


async def cast(platform: Platform) -> Cast:
    admin = await make_admin(platform)
    return Cast(
        admin=admin,
        owner=await make_verified_teacher(platform, admin=admin, email="owner@example.com"),
        other_teacher=await make_verified_teacher(platform, admin=admin, email="rival@example.com"),
        unverified_teacher=await make_user(platform, email="newbie@example.com", role="teacher"),
        student=await make_user(platform, email="student@example.com"),
    )


async def caller(platform: Platform, people: Cast, actor: str) -> Actor:
    """The actor as the test names it; the owner's variants are made here, after the scene."""
    if actor == "unverified owner":
        await change_access(platform, admin=people.admin, user=people.owner, teacher_verified=False)
        return people.owner
    if actor == "blocked owner":
        await change_access(platform, admin=people.admin, user=people.owner, blocked=True)
        return people.owner
    return {"anonymous": ANONYMOUS, "student": people.student, "admin": people.admin,
            "unverified teacher": people.unverified_teacher, "owner": people.owner,
            "other teacher": people.other_teacher}[actor]


ALLOWED = None
ADMINS_ONLY = (403, "admin_required")
NOT_OWNER = (403, "not_course_owner")
NOT_VERIFIED = (403, "teacher_not_verified")
EXPECTED: dict[str, dict[str, tuple[int, str] | None]] = {
    "category": {
        "anonymous": (401, "unauthorized"), "student": ADMINS_ONLY,
        "unverified teacher": ADMINS_ONLY, "other teacher": ADMINS_ONLY,
        "unverified owner": ADMINS_ONLY, "blocked owner": (403, "account_blocked"),
        "owner": ADMINS_ONLY, "admin": ALLOWED,
    },
    "new_course": {
        "anonymous": (401, "unauthorized"), "student": (403, "teacher_required"),
        "unverified teacher": NOT_VERIFIED, "other teacher": ALLOWED,
        "unverified owner": NOT_VERIFIED, "blocked owner": (403, "account_blocked"),
        "owner": ALLOWED, "admin": (403, "teacher_required"),
    },
    "course": {
        "anonymous": (401, "unauthorized"), "student": NOT_OWNER,
        "unverified teacher": NOT_OWNER, "other teacher": NOT_OWNER,
        "unverified owner": NOT_VERIFIED, "blocked owner": (403, "account_blocked"),
        "owner": ALLOWED, "admin": ALLOWED,
    },
}
ACTORS = list(EXPECTED["course"])


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
async def test_who_may_send_a_catalog_command(platform: Platform, engine: AsyncEngine,
                                              command: CatalogCommand, actor: str) -> None:
    people = await cast(platform)
    scene = await build_scene(platform, admin=people.admin, owner=people.owner)
    acting = await caller(platform, people, actor)
    before = await catalog_state(engine)

    response = await command.send(platform, scene, actor=acting)

    refusal = EXPECTED[command.scope][actor]
    if refusal is None:
        assert response.status_code == command.success, response.text
        assert response.headers[TOKEN].startswith("v1.")
        assert await catalog_state(engine) != before
    else:
        status, code = refusal
        expect_error(response, status=status, code=code)
        if status == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
        assert await catalog_state(engine) == before
