"""The small demo data set `edu up` loads: an admin, a verified teacher and a few students.

Everything except the admin goes through the write API, so the demo exercises the real path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
import jwt

from apps.cli_admin import create_admin_account
from common.errors import Conflict
from common.settings import Settings

DEMO_PASSWORD = "demo-pass-2026"
ADMIN = ("admin@example.com", "Demo Admin")
TEACHER = ("teacher@example.com", "Мария Иванова", "teacher")
STUDENTS = [("student@example.com", "Alex Student", "student"),
            ("ivan@example.com", "Иван Петров", "student"),
            ("new.teacher@example.com", "Pending Teacher", "teacher")]


async def seed_demo(write_url: str, settings: Settings, *, log: Callable[[str], None]) -> None:
    """Idempotent: accounts that already exist are left as they are; missing ones are added."""
    with contextlib.suppress(Conflict):
        await create_admin_account(settings, email=ADMIN[0], name=ADMIN[1], password=DEMO_PASSWORD)
    async with httpx.AsyncClient(base_url=write_url, timeout=10) as client:
        created = 0
        for email, name, role in [TEACHER, *STUDENTS]:
            response = await client.post("/api/auth/register", json={
                "email": email, "password": DEMO_PASSWORD, "name": name, "role": role})
            if response.status_code != 409:
                response.raise_for_status()
                created += 1
        if created == 0:
            log("demo data already present")
            return
        login = await client.post("/api/auth/login",
                                  json={"email": ADMIN[0], "password": DEMO_PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        teacher = await client.post("/api/auth/login",
                                    json={"email": TEACHER[0], "password": DEMO_PASSWORD})
        teacher.raise_for_status()
        teacher_id = _subject(teacher.json()["access_token"])
        verified = await client.patch(f"/api/admin/users/{teacher_id}",
                                      json={"teacher_verified": True}, headers=headers)
        verified.raise_for_status()
    log(f"demo accounts (password {DEMO_PASSWORD}): {ADMIN[0]} (admin), {TEACHER[0]} "
        f"(verified teacher), " + ", ".join(email for email, _, _ in STUDENTS))


def _subject(access_token: str) -> str:
    """The user id in our own freshly issued token (only read, never trusted for access)."""
    return str(jwt.decode(access_token, options={"verify_signature": False})["sub"])
