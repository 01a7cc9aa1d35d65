"""Teachers: read their own dashboard, edit their courses, add lessons, publish drafts (authoring
a new course when they have none), and look at the result."""

from __future__ import annotations

import random
import time

from tools.locust.base import Answer, PlatformUser, weighted

EDITABLE = ("draft", "published")


class Teacher(PlatformUser):
    """A verified teacher; the profiles below choose which of these steps they take."""

    abstract = True
    weight = 10
    role = "teacher"

    def on_start(self) -> None:
        super().on_start()
        self.courses: dict[str, str] = {}  # own course id → status
        self.modules: dict[str, str] = {}  # own course id → the module lessons are added to
        if self.reads:
            self.my_courses()  # where a teacher lands after signing in

    def my_courses(self) -> None:
        """The teacher dashboard: own courses with students, completions, rating and revenue."""
        page = self.call("GET", "/api/teacher/courses?limit=20", "GET /api/teacher/courses")
        if page is not None:
            self.courses = {card["id"]: card["status"] for card in page.body["items"]
                            if card["status"] in EDITABLE}

    def edit_course(self) -> None:
        """Rewrites the description, then opens the course page to see it."""
        if not self.courses:
            return self.publish()
        course_id = random.choice(list(self.courses))
        changed = self.call("PATCH", f"/api/courses/{course_id}", "PATCH /api/courses/{id}", target="write",
                            body={"description": f"<p>Updated {time.strftime('%H:%M:%S')}: "
                                                 "more practice, clearer examples.</p>"})
        if changed is not None:
            self.course_page(course_id, changed.token)
        return None

    def add_lesson(self) -> None:
        """Adds a lesson at the end of a course's last module (its students are told)."""
        if not self.courses:
            return self.publish()
        course_id = random.choice(list(self.courses))
        module_id = self.modules.get(course_id) or self.last_module(course_id)
        if module_id is None:
            return None
        self.lesson(course_id, module_id)
        return None

    def publish(self) -> None:
        """Publishes a draft, authoring one first (course, module, lesson) when there is none."""
        drafts = [course for course, status in self.courses.items() if status == "draft"]
        course_id = random.choice(drafts) if drafts else self.author()
        if course_id is None:
            return
        published = self.call("POST", f"/api/courses/{course_id}/publish", "POST /api/courses/{id}/publish",
                              target="write")
        if published is not None:
            self.courses[course_id] = "published"
            self.course_page(course_id, published.token)

    def author(self) -> str | None:
        made = self.call("POST", "/api/courses", "POST /api/courses", target="write", ok=(201,), body={
            "title": f"Load test course {random.randrange(10**6)}", "level": random.choice(
                ("beginner", "intermediate", "advanced")), "language": random.choice(("ru", "en")),
            "description": "<p>Written during a load test.</p>"})
        if made is None:
            return None
        course_id = str(made.body["id"])
        self.courses[course_id] = "draft"
        module = self.call("POST", f"/api/courses/{course_id}/modules", "POST /api/courses/{id}/modules",
                           target="write", ok=(201,), body={"title": "Getting started"})
        if module is None:
            return None
        self.modules[course_id] = str(module.body["id"])
        return course_id if self.lesson(course_id, self.modules[course_id]) else None

    def lesson(self, course_id: str, module_id: str) -> Answer | None:
        added = self.call("POST", f"/api/modules/{module_id}/lessons", "POST /api/modules/{id}/lessons",
                          target="write", ok=(201,), body={
                              "title": f"Lesson {random.randrange(1000)}", "duration_minutes": 10,
                              "content": "## Practice\n\nWork through the example, then try your own."})
        if added is not None:
            self.course_page(course_id, added.token)
        return added

    def last_module(self, course_id: str) -> str | None:
        """Reads the outline (the teacher sees drafts too) to find where to add."""
        page = self.call("GET", f"/api/courses/{course_id}", "GET /api/courses/{id}")
        if page is None or not page.body["modules"]:
            return None
        self.modules[course_id] = str(page.body["modules"][-1]["id"])
        return self.modules[course_id]

    def course_page(self, course_id: str, token: str | None) -> None:
        self.read_back(f"/api/courses/{course_id}", "GET /api/courses/{id}", token)

    def own_page(self) -> None:
        """One of their course pages, drafts included."""
        if self.courses:
            self.course_page(random.choice(list(self.courses)), None)
        else:
            self.my_courses()


class TeacherUser(Teacher):
    """The original mix's teacher (10 %)."""

    tasks = weighted((Teacher.my_courses, 4), (Teacher.edit_course, 2), (Teacher.add_lesson, 2),
                     (Teacher.publish, 1))


class ReadOnlyTeacherUser(Teacher):
    """The same teacher, reads only: the dashboard and their own course pages."""

    commands = False
    tasks = weighted((Teacher.my_courses, 2), (Teacher.own_page, 3))


class WriteOnlyTeacherUser(Teacher):
    """The same teacher, commands only: authors, edits and publishes what they made in this run."""

    reads = False
    tasks = weighted((Teacher.edit_course, 2), (Teacher.add_lesson, 2), (Teacher.publish, 1))
