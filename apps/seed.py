"""The small demo data set `edu up` loads: an admin, a verified teacher and a few students.

Everything except the admin goes through the write API, so the demo exercises the real path.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

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
    """Idempotent: accounts that already exist are left as they are."""
    try:
        await create_admin_account(settings, email=ADMIN[0], name=ADMIN[1], password=DEMO_PASSWORD)
    except Conflict:
        log("demo data already present")
        return
    async with httpx.AsyncClient(base_url=write_url, timeout=10) as client:
        ids = {}
        for email, name, role in [TEACHER, *STUDENTS]:
            response = await client.post("/api/auth/register", json={
                "email": email, "password": DEMO_PASSWORD, "name": name, "role": role})
            response.raise_for_status()
            ids[email] = response.json()["id"]
        login = await client.post("/api/auth/login",
                                  json={"email": ADMIN[0], "password": DEMO_PASSWORD})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        verified = await client.patch(f"/api/admin/users/{ids[TEACHER[0]]}",
                                      json={"teacher_verified": True}, headers=headers)
        verified.raise_for_status()
    log(f"demo accounts (password {DEMO_PASSWORD}): {ADMIN[0]} (admin), {TEACHER[0]} "
        f"(verified teacher), " + ", ".join(email for email, _, _ in STUDENTS))
