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
        await _demo_catalog(client, admin=headers, teacher={
            "Authorization": f"Bearer {teacher.json()['access_token']}"})
        log(f"demo catalog: {len(DEMO_COURSES)} courses in {len(DEMO_CATEGORIES)} categories")
    log(f"demo accounts (password {DEMO_PASSWORD}): {ADMIN[0]} (admin), {TEACHER[0]} "
        f"(verified teacher), " + ", ".join(email for email, _, _ in STUDENTS))


DEMO_CATEGORIES = ["Программирование", "Design", "Data"]
# (title, category index, language, level, price, description, [(module, [(lesson, preview)])])
DEMO_COURSES = [
    ("Python для начинающих", 0, "ru", "beginner", None,
     "<p>Программирование на <strong>Python</strong> с нуля: переменные, функции, модули.</p>",
     [("Основы", [("Установка и первый скрипт", True), ("Переменные и типы", False)]),
      ("Функции", [("Функции и аргументы", False)])]),
    ("Asynchronous Python in practice", 0, "en", "advanced", "49.90",
     "<p>asyncio, task groups and back-pressure for real services.</p>",
     [("Event loop", [("How the loop schedules work", True), ("Cancellation", False)])]),
    ("Typography basics", 1, "en", "beginner", "19.00",
     "<p>Type, rhythm and hierarchy for interfaces.</p>",
     [("Type", [("Choosing a typeface", True), ("Line length and leading", False)])]),
    ("Анализ данных с pandas", 2, "ru", "intermediate", "29.00",
     "<p>Таблицы, группировки и графики.</p>",
     [("Таблицы", [("DataFrame за десять минут", True), ("Группировки", False)])]),
]


async def _demo_catalog(client: httpx.AsyncClient, *, admin: dict[str, str],
                        teacher: dict[str, str]) -> None:
    """A few published courses authored through the write API, as a teacher would."""
    categories = []
    for name in DEMO_CATEGORIES:
        made = await client.post("/api/categories", json={"name": name}, headers=admin)
        made.raise_for_status()
        categories.append(made.json()["id"])
    for title, category, language, level, price, description, modules in DEMO_COURSES:
        body = {"title": title, "category_id": categories[category], "language": language,
                "level": level, "description": description}
        if price:
            body |= {"price": price, "currency": "USD"}
        course = (await client.post("/api/courses", json=body, headers=teacher)).json()["id"]
        for module_title, lessons in modules:
            module = await client.post(f"/api/courses/{course}/modules",
                                       json={"title": module_title}, headers=teacher)
            module.raise_for_status()
            for lesson_title, preview in lessons:
                lesson = await client.post(
                    f"/api/modules/{module.json()['id']}/lessons", headers=teacher,
                    json={"title": lesson_title, "preview": preview, "duration_minutes": 12,
                          "content": f"## {lesson_title}\n\nКонтент урока / lesson content."})
                lesson.raise_for_status()
        (await client.post(f"/api/courses/{course}/publish", headers=teacher)).raise_for_status()


def _subject(access_token: str) -> str:
    """The user id in our own freshly issued token (only read, never trusted for access)."""
    return str(jwt.decode(access_token, options={"verify_signature": False})["sub"])
