"""People who use the platform over real HTTP in end-to-end tests: they send commands and read
their own changes back with the consistency token."""

from __future__ import annotations

from typing import Any

import httpx

from apps.cli_admin import create_admin_account
from tests.harness import Platform

TOKEN = "X-Consistency-Token"


class Actor:
    """A logged-in person who sends commands and reads their own changes back."""

    def __init__(self, platform: Platform, tokens: dict[str, Any], user_id: str) -> None:
        self.p, self.tokens, self.id = platform, tokens, user_id
        self.last_token: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}

    async def command(self, method: str, path: str, *, expect: int = 200,
                      headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        response = await self.p.write.request(method, path, headers={**self.auth, **(headers or {})},
                                              **kwargs)
        assert response.status_code == expect, response.text
        self.last_token = response.headers.get(TOKEN, self.last_token)
        return response

    async def read(self, path: str, *, expect: int = 200, **params: Any) -> httpx.Response:
        headers = dict(self.auth)
        if self.last_token:
            headers[TOKEN] = self.last_token
        response = await self.p.read.get(path, params=params, headers=headers)
        assert response.status_code == expect, response.text
        if self.last_token:
            assert response.headers["X-Consistency"] == "fresh"
        return response


async def sign_up(platform: Platform, email: str, *, role: str = "student",
                  name: str = "Test Person") -> Actor:
    registered = await platform.write.post("/api/auth/register", json={
        "email": email, "password": "correct-horse-1", "name": name, "role": role})
    assert registered.status_code == 201, registered.text
    login = await platform.write.post("/api/auth/login", json={
        "email": email, "password": "correct-horse-1"})
    actor = Actor(platform, login.json(), registered.json()["id"])
    actor.last_token = registered.headers[TOKEN]
    return actor


async def admin_of(platform: Platform) -> Actor:
    user_id = await create_admin_account(platform.settings, email="root@example.com",
                                         name="Root", password="admin-pass-123")
    login = await platform.write.post("/api/auth/login", json={
        "email": "root@example.com", "password": "admin-pass-123"})
    return Actor(platform, login.json(), user_id)


async def verified_teacher(platform: Platform, admin: Actor, email: str, name: str) -> Actor:
    teacher = await sign_up(platform, email, role="teacher", name=name)
    await admin.command("PATCH", f"/api/admin/users/{teacher.id}", json={"teacher_verified": True})
    return teacher


async def publish_course(teacher: Actor, *, title: str, category_id: str | None = None,
                         level: str = "beginner", language: str = "en",
                         price: str | None = None, description: str = "",
                         lessons: int = 1) -> str:
    body: dict[str, Any] = {"title": title, "level": level, "language": language,
                            "description": description, "category_id": category_id}
    if price:
        body |= {"price": price, "currency": "USD"}
    course = (await teacher.command("POST", "/api/courses", json=body, expect=201)).json()
    module = (await teacher.command("POST", f"/api/courses/{course['id']}/modules",
                                    json={"title": "Module 1"}, expect=201)).json()
    for n in range(lessons):
        await teacher.command("POST", f"/api/modules/{module['id']}/lessons", expect=201,
                              json={"title": f"Lesson {n + 1}", "content": f"Body {n}",
                                    "duration_minutes": 10, "preview": n == 0})
    await teacher.command("POST", f"/api/courses/{course['id']}/publish")
    return str(course["id"])
