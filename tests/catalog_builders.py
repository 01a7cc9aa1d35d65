"""Keyword-only builders for catalog tests: people over the identity API, catalog data over the
write API, and a fingerprint of the catalog write model for "nothing changed" assertions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.cli_admin import create_admin_account
from tests.checks import write_state
from tests.harness import Platform

PASSWORD = "correct-horse-1"
TOKEN = "X-Consistency-Token"


@dataclass(frozen=True)
class Actor:
    """Someone calling the API: their user id (None when anonymous) and request headers."""

    id: str | None
    headers: dict[str, str] = field(default_factory=dict)


ANONYMOUS = Actor(id=None)


def created(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(platform: Platform, *, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = await platform.write.post("/api/auth/login", json={"email": email, "password": password})
    tokens = created(response, 200)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def make_admin(platform: Platform, *, email: str = "root@example.com") -> Actor:
    """The operator's admin (CLI path), logged in over HTTP."""
    admin_id = await create_admin_account(platform.settings, email=email, name="Root",
                                          password=PASSWORD)
    return Actor(id=admin_id, headers=await login(platform, email=email))


async def make_user(platform: Platform, *, email: str, role: str = "student") -> Actor:
    """A self-registered account, logged in."""
    registered = created(await platform.write.post("/api/auth/register", json={
        "email": email, "password": PASSWORD, "name": email.split("@")[0], "role": role}))
    return Actor(id=registered["id"], headers=await login(platform, email=email))


async def change_access(platform: Platform, *, admin: Actor, user: Actor, **access: Any) -> None:
    """PATCH /api/admin/users/{id} as the admin, e.g. teacher_verified=True or blocked=True."""
    created(await platform.write.patch(f"/api/admin/users/{user.id}", json=access,
                                       headers=admin.headers), 200)


async def make_verified_teacher(platform: Platform, *, admin: Actor, email: str) -> Actor:
    teacher = await make_user(platform, email=email, role="teacher")
    await change_access(platform, admin=admin, user=teacher, teacher_verified=True)
    return teacher


async def create_category(platform: Platform, *, admin: Actor, name: str,
                          slug: str | None = None) -> dict[str, Any]:
    body = {"name": name} if slug is None else {"name": name, "slug": slug}
    return created(await platform.write.post("/api/categories", json=body, headers=admin.headers))


async def create_course(platform: Platform, *, teacher: Actor, title: str = "Intro to Go",
                        **fields: Any) -> str:
    """A draft course (free unless price/currency are given); returns its id."""
    response = await platform.write.post("/api/courses", json={"title": title, **fields},
                                         headers=teacher.headers)
    course_id: str = created(response)["id"]
    return course_id


async def add_module(platform: Platform, *, teacher: Actor, course_id: str,
                     title: str = "Basics") -> str:
    response = await platform.write.post(f"/api/courses/{course_id}/modules", json={"title": title},
                                         headers=teacher.headers)
    module_id: str = created(response)["id"]
    return module_id


async def add_lesson(platform: Platform, *, teacher: Actor, module_id: str,
                     title: str = "Hello", **fields: Any) -> str:
    response = await platform.write.post(f"/api/modules/{module_id}/lessons",
                                         json={"title": title, **fields}, headers=teacher.headers)
    lesson_id: str = created(response)["id"]
    return lesson_id


async def publish(platform: Platform, *, teacher: Actor, course_id: str) -> dict[str, Any]:
    return created(await platform.write.post(f"/api/courses/{course_id}/publish",
                                             headers=teacher.headers), 200)


@dataclass(frozen=True)
class Outline:
    """A draft course with modules[i] holding lessons[i] (in position order)."""

    course_id: str
    modules: list[str]
    lessons: list[list[str]]


async def create_outline(platform: Platform, *, teacher: Actor, lessons_per_module: list[int],
                         **course: Any) -> Outline:
    course_id = await create_course(platform, teacher=teacher, **course)
    modules: list[str] = []
    lessons: list[list[str]] = []
    for number, count in enumerate(lessons_per_module, start=1):
        module_id = await add_module(platform, teacher=teacher, course_id=course_id,
                                     title=f"Module {number}")
        modules.append(module_id)
        lessons.append([await add_lesson(platform, teacher=teacher, module_id=module_id,
                                         title=f"Lesson {number}.{n}") for n in range(1, count + 1)])
    return Outline(course_id, modules, lessons)


# ---------------------------------------------------------------------------------------- reading

async def course_row(engine: AsyncEngine, *, course_id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM catalog.courses WHERE id = :id"),
                                  {"id": course_id})).mappings().one()
    return dict(row)


async def category_row(engine: AsyncEngine, *, category_id: str) -> dict[str, Any] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM catalog.categories WHERE id = :id"),
                                  {"id": category_id})).mappings().first()
    return dict(row) if row else None


async def module_order(engine: AsyncEngine, *, course_id: str) -> list[str]:
    async with engine.connect() as conn:
        ids = await conn.scalars(text(
            "SELECT id FROM catalog.modules WHERE course_id = :id ORDER BY position"),
            {"id": course_id})
        return [str(i) for i in ids]


async def lesson_order(engine: AsyncEngine, *, module_id: str) -> list[str]:
    async with engine.connect() as conn:
        ids = await conn.scalars(text(
            "SELECT id FROM catalog.lessons WHERE module_id = :id ORDER BY position"),
            {"id": module_id})
        return [str(i) for i in ids]


async def last_event_seq(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT coalesce(max(id), 0) FROM outbox.events")) or 0)


async def events_after(engine: AsyncEngine, seq: int) -> list[dict[str, Any]]:
    """Outbox rows recorded after `seq`, oldest first."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT id, event_id, type, aggregate_type, aggregate_id, payload FROM outbox.events "
            "WHERE id > :seq ORDER BY id"), {"seq": seq})).mappings().all()
    return [dict(row) for row in rows]


# Everything an accepted catalog command could move: row counts, versions, statuses, positions,
# and a digest of every column of every catalog row (titles, prices, flags, timestamps, ...).
_CATALOG_STATE = """
SELECT (SELECT count(*) FROM catalog.categories) AS categories,
       (SELECT coalesce(sum(version), 0) FROM catalog.categories) AS category_versions,
       (SELECT count(*) FROM catalog.courses) AS courses,
       (SELECT coalesce(sum(version), 0) FROM catalog.courses) AS course_versions,
       (SELECT coalesce(string_agg(status, ',' ORDER BY id), '') FROM catalog.courses) AS statuses,
       (SELECT count(*) FROM catalog.modules) AS modules,
       (SELECT coalesce(string_agg(id || ':' || position, ',' ORDER BY id), '')
          FROM catalog.modules) AS module_positions,
       (SELECT count(*) FROM catalog.lessons) AS lessons,
       (SELECT coalesce(string_agg(id || ':' || module_id || ':' || position, ',' ORDER BY id), '')
          FROM catalog.lessons) AS lesson_positions,
       (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))
          FROM catalog.categories t) AS categories_digest,
       (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))
          FROM catalog.courses t) AS courses_digest,
       (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))
          FROM catalog.modules t) AS modules_digest,
       (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), ''))
          FROM catalog.lessons t) AS lessons_digest
"""


async def catalog_state(engine: AsyncEngine) -> dict[str, Any]:
    """A fingerprint of the whole write model: identity and outbox (tests.checks) plus catalog."""
    async with engine.connect() as conn:
        catalog = (await conn.execute(text(_CATALOG_STATE))).mappings().one()
    return {**await write_state(engine), **catalog}


# ---------------------------------------------------------------------------- the command table

@dataclass(frozen=True)
class Scene:
    """What every catalog command can act on: a used and a spare category, and a draft course
    (in the used category) with two modules of two lessons each, owned by `owner`."""

    used_category: str
    spare_category: str
    outline: Outline


async def build_scene(platform: Platform, *, admin: Actor, owner: Actor) -> Scene:
    used = await create_category(platform, admin=admin, name="Programming")
    spare = await create_category(platform, admin=admin, name="Music")
    outline = await create_outline(platform, teacher=owner, lessons_per_module=[2, 2],
                                   category_id=used["id"])
    return Scene(used["id"], spare["id"], outline)


Scope = Literal["category", "new_course", "course"]


@dataclass(frozen=True)
class CatalogCommand:
    name: str
    scope: Scope  # who may: admins only / verified teachers / the course's teacher and admins
    method: str
    path: Callable[[Scene], str]
    body: Callable[[Scene], dict[str, Any] | None]
    success: int
    event: str

    async def send(self, platform: Platform, scene: Scene, *, actor: Actor,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        return await platform.write.request(self.method, self.path(scene), json=self.body(scene),
                                            headers={**actor.headers, **(headers or {})})


def _no_body(_: Scene) -> None:
    return None


def _course(scene: Scene) -> str:
    return f"/api/courses/{scene.outline.course_id}"


def _first_module(scene: Scene) -> str:
    return f"/api/modules/{scene.outline.modules[0]}"


def _first_lesson(scene: Scene) -> str:
    return f"/api/lessons/{scene.outline.lessons[0][0]}"


COMMANDS = [
    CatalogCommand("create category", "category", "POST", lambda s: "/api/categories",
                   lambda s: {"name": "Шахматы"}, 201, "catalog.category_created"),
    CatalogCommand("change category", "category", "PATCH",
                   lambda s: f"/api/categories/{s.spare_category}",
                   lambda s: {"name": "Music theory"}, 200, "catalog.category_changed"),
    CatalogCommand("delete category", "category", "DELETE",
                   lambda s: f"/api/categories/{s.spare_category}", _no_body, 204,
                   "catalog.category_deleted"),
    CatalogCommand("create course", "new_course", "POST", lambda s: "/api/courses",
                   lambda s: {"title": "Advanced Go", "category_id": s.used_category,
                              "price": "19.90", "currency": "EUR"}, 201, "catalog.course_created"),
    CatalogCommand("change course", "course", "PATCH", _course,
                   lambda s: {"title": "Intro to Go, 2nd edition"}, 200, "catalog.course_changed"),
    CatalogCommand("publish course", "course", "POST", lambda s: f"{_course(s)}/publish", _no_body,
                   200, "catalog.course_published"),
    CatalogCommand("archive course", "course", "POST", lambda s: f"{_course(s)}/archive", _no_body,
                   200, "catalog.course_archived"),
    CatalogCommand("add module", "course", "POST", lambda s: f"{_course(s)}/modules",
                   lambda s: {"title": "Extras"}, 201, "catalog.module_added"),
    CatalogCommand("reorder modules", "course", "POST", lambda s: f"{_course(s)}/modules/reorder",
                   lambda s: {"ids": s.outline.modules[::-1]}, 200, "catalog.modules_reordered"),
    CatalogCommand("change module", "course", "PATCH", _first_module,
                   lambda s: {"title": "The basics"}, 200, "catalog.module_changed"),
    CatalogCommand("remove module", "course", "DELETE", _first_module, _no_body, 200,
                   "catalog.module_removed"),
    CatalogCommand("add lesson", "course", "POST", lambda s: f"{_first_module(s)}/lessons",
                   lambda s: {"title": "Goroutines", "content": "# Goroutines\n\n`go f()`",
                              "video_url": "https://video.example.com/1", "duration_minutes": 12,
                              "preview": True}, 201, "catalog.lesson_added"),
    CatalogCommand("reorder lessons", "course", "POST",
                   lambda s: f"{_first_module(s)}/lessons/reorder",
                   lambda s: {"ids": s.outline.lessons[0][::-1]}, 200, "catalog.lessons_reordered"),
    CatalogCommand("change lesson", "course", "PATCH", _first_lesson,
                   lambda s: {"title": "Hello, world", "preview": True}, 200,
                   "catalog.lesson_changed"),
    CatalogCommand("remove lesson", "course", "DELETE", _first_lesson, _no_body, 200,
                   "catalog.lesson_removed"),
]
