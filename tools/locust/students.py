"""Students: browse the catalog lists, open course pages and their curriculum, enroll in free
courses and pay for paid ones, study lesson by lesson, and read the dashboard, the inbox and
their payments."""

from __future__ import annotations

import random
from typing import Any

from tools.locust.base import Answer, PlatformUser, run_options, weighted
from tools.locust.sample import SAMPLE

LISTS = ("newest", "popular", "top-rated")
PAYMENT_ATTEMPTS = 3
KNOWN_COURSES = 200


class Student(PlatformUser):
    """A signed-in student; the profiles below choose which of these steps they take."""

    abstract = True
    weight = 70

    def on_start(self) -> None:
        super().on_start()
        self.paid: dict[str, bool] = {}  # courses seen in lists: id → paid?
        self.lessons: dict[str, list[str]] = {}  # course outlines, lesson ids in course order
        self.enrolled: set[str] = set()
        self.bought: set[str] = set()
        self.next_lesson: dict[str, str] = {}
        self.done: set[str] = set()
        if self.reads:
            self.dashboard()  # where a student lands after signing in

    def remember(self, cards: list[dict[str, Any]]) -> None:
        for card in cards:
            if len(self.paid) < KNOWN_COURSES:
                self.paid[card["id"]] = card["price"] is not None

    def browse(self) -> None:
        """A catalog list: newest, popular or top rated."""
        kind = random.choice(LISTS)
        page = self.call("GET", f"/api/catalog/lists/{kind}?limit=12", "GET /api/catalog/lists/{name}")
        if page is not None:
            self.remember(page.body["items"])

    def open_course(self) -> None:
        """A course page with its curriculum; often the reviews, sometimes a preview lesson."""
        if not self.paid:
            return self.browse()
        course_id = random.choice(list(self.paid))
        page = self.call("GET", f"/api/courses/{course_id}", "GET /api/courses/{id}")
        if page is None:
            return None
        outline = [lesson for module in page.body["modules"] for lesson in module["lessons"]]
        self.lessons[course_id] = [lesson["id"] for lesson in outline]
        if random.random() < 0.5:
            self.call("GET", f"/api/courses/{course_id}/reviews?limit=10", "GET /api/courses/{id}/reviews")
        previews = [lesson["id"] for lesson in outline if lesson["preview"]]
        if previews and random.random() < 0.5:
            self.call("GET", f"/api/lessons/{random.choice(previews)}", "GET /api/lessons/{id}")
        return None

    def enroll(self) -> None:
        """Buys a paid course or enrolls in a free one, then looks at it in "my courses"."""
        candidates = [course for course in self.paid if course not in self.enrolled]
        if not candidates:
            return self.browse() if self.reads else None
        course_id = random.choice(candidates)
        if self.paid[course_id] and course_id not in self.bought:
            return self.buy(course_id)
        # A free course, or a bought one the saga enrolled in (409), or is about to (402).
        answer = self.call("POST", "/api/enrollments", "POST /api/enrollments", target="write", ok=(201,),
                           tolerated={409: ("already_enrolled",), 402: ("payment_required",)},
                           body={"course_id": course_id})
        if answer is not None and answer.status != 402:
            self.enrolled.add(course_id)
            if answer.token:
                self.progress(course_id, answer.token)
        return None

    def buy(self, course_id: str) -> None:
        """Pays with a fresh Idempotency-Key per attempt; a declined card is tried again, as a
        person would after fixing it (the first attempt declines in --decline-share of cases).
        The payment's token shows the enrollment the saga makes; without reads, the student
        confirms it on a later visit with POST /api/enrollments."""
        for attempt in range(PAYMENT_ATTEMPTS):
            body = {"course_id": course_id}
            if attempt == 0 and random.random() < run_options().decline_share:
                body["payment_method"] = "test_declined"
            answer = self.call("POST", "/api/payments", "POST /api/payments", target="write", ok=(201,),
                               tolerated={409: ("already_paid", "payment_pending")}, body=body,
                               headers={"Idempotency-Key": self.idempotency_key()})
            if answer is None or answer.status == 409 or answer.body["status"] != "declined":
                break
        if answer is None or (answer.status == 201 and answer.body["status"] != "succeeded"):
            return
        self.bought.add(course_id)
        if answer.token and self.progress(course_id, answer.token):
            self.enrolled.add(course_id)

    def study(self) -> None:
        """Open the next lesson of a course in progress and mark it done."""
        course_id, lesson_id = self.lesson_to_study()
        if lesson_id is None:
            return self.dashboard() if self.reads else None
        if self.reads:
            self.call("GET", f"/api/lessons/{lesson_id}", "GET /api/lessons/{id}")
        if not self.commands:
            return None
        done = self.call("POST", f"/api/lessons/{lesson_id}/complete", "POST /api/lessons/{id}/complete",
                         target="write")
        if done is None:
            return None
        self.done.add(lesson_id)
        self.next_lesson.pop(course_id, None)
        if done.token:
            self.progress(course_id, done.token)
        return None

    def lesson_to_study(self) -> tuple[str, str | None]:
        """The next lesson the dashboard or the progress page showed, else the first lesson of
        the outline not done yet."""
        if not self.enrolled:
            return "", None
        course_id = random.choice(list(self.enrolled))
        if course_id in self.next_lesson:
            return course_id, self.next_lesson[course_id]
        remaining = [lesson for lesson in self.lessons.get(course_id, []) if lesson not in self.done]
        if not remaining:
            self.enrolled.discard(course_id)
            return course_id, None
        return course_id, remaining[0]

    def progress(self, course_id: str, token: str | None = None) -> Answer | None:
        page = self.read_back(f"/api/me/courses/{course_id}/progress", "GET /api/me/courses/{id}/progress",
                              token)
        if page is not None and page.body["next_lesson_id"]:
            self.next_lesson[course_id] = page.body["next_lesson_id"]
        return page

    def dashboard(self) -> None:
        """My courses: in progress with the next lesson, and completed ones."""
        page = self.call("GET", "/api/me/dashboard", "GET /api/me/dashboard")
        if page is None:
            return
        for item in page.body["in_progress"]["items"]:
            self.enrolled.add(item["course_id"])
            if item["next_lesson"]:
                self.next_lesson[item["course_id"]] = item["next_lesson"]["id"]

    def inbox(self) -> None:
        """The notifications; an unread one gets opened (marked read) now and then."""
        if not self.reads:
            self.call("POST", "/api/notifications/read-all", "POST /api/notifications/read-all",
                      target="write")
            return
        page = self.call("GET", "/api/me/notifications?limit=10", "GET /api/me/notifications")
        unread = [item["id"] for item in page.body["items"] if not item["read"]] if page else []
        if not unread or not self.commands or random.random() < 0.5:
            return
        marked = self.call("POST", f"/api/notifications/{unread[0]}/read",
                           "POST /api/notifications/{id}/read", target="write")
        if marked is not None and marked.token:
            self.read_back("/api/me/notifications?limit=10", "GET /api/me/notifications", marked.token)

    def payments(self) -> None:
        self.call("GET", "/api/me/payments?limit=10", "GET /api/me/payments")


class StudentUser(Student):
    """The original mix's student (70 %): browses, enrolls or buys, studies, reads what changed."""

    tasks = weighted((Student.browse, 3), (Student.open_course, 4), (Student.enroll, 2), (Student.study, 3),
                     (Student.dashboard, 2), (Student.inbox, 2), (Student.payments, 1))


class ReadOnlyStudentUser(Student):
    """The same student, reads only: lists, pages, lessons, dashboard, inbox, payments."""

    commands = False
    tasks = weighted((Student.browse, 3), (Student.open_course, 4), (Student.study, 3),
                     (Student.dashboard, 2), (Student.inbox, 2), (Student.payments, 1))


class WriteOnlyStudentUser(Student):
    """The same student, commands only; its courses come from a sample read before the run."""

    reads = False
    tasks = weighted((Student.enroll, 2), (Student.study, 4), (Student.inbox, 1))

    def on_start(self) -> None:
        super().on_start()
        options = run_options()
        for course in SAMPLE.courses(options.targets.read, options.sample_courses):
            self.paid[course.id] = course.paid
            self.lessons[course.id] = list(course.lessons)
