"""Bulk-load students and their learning: enrollments with progress, straight into the write
tables with COPY, plus the copies of other contexts' facts the event reactions would have made.

Like the catalog seed it bypasses the write API and the outbox (ADR 0009's reactions never see
these rows), so it writes what those reactions would have written — learning's course facts,
the notifications context's course students — and the read models are rebuilt afterwards.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

import asyncpg

from common.ids import enrollment_id
from tools.seed import ANCHOR, EMAIL_DOMAIN, Row, TableLoader

# What learning's `sync_course_facts` reaction would hold for every course it never heard of:
# the course's state and its lessons in outline order.
COPY_COURSE_FACTS = """
INSERT INTO learning.course_facts (course_id, version, teacher_id, status, price, currency,
                                   lesson_ids)
SELECT c.id, c.version, c.teacher_id, c.status, c.price, c.currency,
       coalesce((SELECT array_agg(l.id ORDER BY m.position, l.position)
                 FROM catalog.modules m JOIN catalog.lessons l ON l.module_id = m.id
                 WHERE m.course_id = c.id), '{}')
FROM catalog.courses c
WHERE NOT EXISTS (SELECT 1 FROM learning.course_facts f WHERE f.course_id = c.id)
"""


@dataclass(frozen=True)
class Course:
    id: uuid.UUID
    lesson_ids: Sequence[uuid.UUID]


def student_email(number: int, run: str) -> str:
    return f"student{number:06d}{'.' + run if run != 'r1' else ''}@{EMAIL_DOMAIN}"


async def free_courses(conn: asyncpg.Connection) -> list[Course]:
    """Published free courses (a paid one needs a payment first), most recent first."""
    rows = await conn.fetch(
        "SELECT course_id, lesson_ids FROM learning.course_facts "
        "WHERE status = 'published' AND price IS NULL AND cardinality(lesson_ids) > 0 "
        "ORDER BY course_id")
    return [Course(row["course_id"], row["lesson_ids"]) for row in rows]


class LearningRows:
    """Deterministic students and enrollments: popular courses draw many more students (a
    Zipf-like weight by a random rank), and each student is somewhere in each course."""

    def __init__(self, random_seed: int, run: str, courses: Sequence[Course]) -> None:
        self.rng = random.Random(f"{random_seed}/{run}/learning")
        self.run = run
        self.courses = list(courses)
        self.rng.shuffle(self.courses)  # the rank of popularity
        self.cum_weights = list(accumulate(1 / (rank + 1) ** 0.9
                                           for rank in range(len(self.courses))))

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _ago(self, days: float) -> datetime:
        return ANCHOR - timedelta(days=self.rng.uniform(0, days))

    def students(self, count: int, password_hash: str, names: Sequence[str]) -> list[Row]:
        rows = []
        for n in range(count):
            created = self._ago(2 * 365)
            rows.append((self.new_id(), student_email(n, self.run), self.rng.choice(names),
                         password_hash, "student", False, True, False, 1, created, created))
        return rows

    def enrollments(self, student_ids: Sequence[uuid.UUID], total: int
                    ) -> tuple[list[Row], list[Row], list[Row]]:
        """About `total` enrollments spread over the students (never twice in one course)."""
        enrollments: list[Row] = []
        completions: list[Row] = []
        students: list[Row] = []
        if not self.courses or not student_ids:
            return enrollments, completions, students
        per_student = total / len(student_ids)
        for n, student in enumerate(student_ids):
            # Spread the remainder evenly so the total comes out exact.
            wanted = int((n + 1) * per_student) - int(n * per_student)
            for course in self._distinct_courses(min(wanted, len(self.courses))):
                self._enrollment(student, course, enrollments, completions, students)
        return enrollments, completions, students

    def _distinct_courses(self, count: int) -> list[Course]:
        """`count` different courses, popular ones more likely."""
        picks: dict[uuid.UUID, Course] = {}
        while len(picks) < count:
            for course in self.rng.choices(self.courses, cum_weights=self.cum_weights,
                                           k=count - len(picks)):
                picks.setdefault(course.id, course)
        return list(picks.values())

    def _enrollment(self, student: uuid.UUID, course: Course, enrollments: list[Row],
                    completions: list[Row], students: list[Row]) -> None:
        rng = self.rng
        lessons = course.lesson_ids
        roll = rng.random()
        done = 0 if roll < 0.3 else len(lessons) if roll < 0.5 else rng.randrange(1, len(lessons))
        enrolled = self._ago(365)
        moment = enrolled
        for lesson in lessons[:done]:
            moment += timedelta(hours=rng.uniform(1, 72))
            completions.append((student, lesson, course.id, moment))
        status = ("completed" if done == len(lessons) else "in_progress" if done else "enrolled")
        enrollments.append((enrollment_id(student, course.id), student, course.id, status,
                            1 + done, lessons[done - 1] if done else None, moment, enrolled,
                            moment))
        students.append((course.id, student))


async def seed_learning(loader: TableLoader, rows: LearningRows, *,
                        students: int, enrollments: int, password_hash: str,
                        names: Sequence[str]) -> tuple[int, int, int]:
    """Students, their enrollments and completions; returns the three counts."""
    student_rows = rows.students(students, password_hash, names)
    await loader.copy("identity.users", student_rows)
    enrolled, completed, course_students = rows.enrollments([r[0] for r in student_rows],
                                                           enrollments)
    await loader.copy("learning.enrollments", enrolled)
    await loader.copy("learning.lesson_completions", completed)
    await loader.copy("notifications.course_students", course_students)
    return len(student_rows), len(enrolled), len(completed)
