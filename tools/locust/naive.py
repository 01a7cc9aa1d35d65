"""The naive-read profile: the reads the naive baseline (apps/naive_app.py) can answer, assembled
from the write tables on every request, with the same people as the read profile.

The baseline has a course page, a text search (no filters, sorts or cursor), a student's
dashboard and a teacher's courses, addressed by user id: people still sign in through the write
API, to learn their id.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from tools.locust.base import Answer, PlatformUser, weighted
from tools.locust.searchers import PAGE, Searcher

KNOWN_COURSES = 200


def naive_get(user: PlatformUser, path: str, name: str) -> Answer | None:
    """A read of the baseline, which takes no token: the id in the path says whose data."""
    return user.call("GET", path, name, target="naive", signed=False)


class NaiveSearchUser(Searcher):
    """The searcher, typing queries into the baseline's ILIKE search."""

    def on_start(self) -> None:
        self.rng = random.Random()
        self.categories = []

    def search(self, params: dict[str, str], name: str) -> Any:
        query = urlencode({"q": params.get("q", ""), "limit": PAGE})
        page = naive_get(self, f"/api/naive/courses?{query}", "GET /api/naive/courses?q=…")
        return page.body if page is not None else None

    def open(self, course_id: str) -> None:
        naive_get(self, f"/api/naive/courses/{course_id}", "GET /api/naive/courses/{id}")

    tasks = weighted((Searcher.type_query, 1))


class NaiveStudentUser(PlatformUser):
    """The student's reads: newest courses, course pages, the dashboard."""

    weight = 70

    def on_start(self) -> None:
        super().on_start()
        self.course_ids: list[str] = []

    def newest(self) -> None:
        page = naive_get(self, f"/api/naive/courses?limit={PAGE}", "GET /api/naive/courses")
        if page is not None:
            known = set(self.course_ids)
            self.course_ids += [card["id"] for card in page.body["items"] if card["id"] not in known]
            del self.course_ids[KNOWN_COURSES:]

    def course_page(self) -> None:
        if not self.course_ids:
            return self.newest()
        course_id = random.choice(self.course_ids)
        naive_get(self, f"/api/naive/courses/{course_id}", "GET /api/naive/courses/{id}")
        return None

    def dashboard(self) -> None:
        naive_get(self, f"/api/naive/students/{self.user_id}/dashboard",
                  "GET /api/naive/students/{id}/dashboard")

    tasks = weighted((newest, 2), (course_page, 4), (dashboard, 3))


class NaiveTeacherUser(PlatformUser):
    """The teacher's dashboard, counted in the write tables."""

    weight = 10
    role = "teacher"

    def my_courses(self) -> None:
        naive_get(self, f"/api/naive/teachers/{self.user_id}/courses",
                  "GET /api/naive/teachers/{id}/courses")

    tasks = weighted((my_courses, 1))
