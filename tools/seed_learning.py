"""Bulk-load students and what they did: enrollments with progress, payments (succeeded,
declined, refunded) and reviews, straight into the write tables with COPY, plus the copies of
other contexts' facts the event reactions would have made.

Like the catalog seed it bypasses the write API and the outbox (the reactions of ADR 0009 never
see these rows), so it writes what those reactions would have written: learning's course facts
and paid access, billing's course terms, the catalog's and the notifications context's course
students, the catalog's course stats. The read models are rebuilt afterwards.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate

import asyncpg

from common.ids import enrollment_id
from tools.seed import ANCHOR, EMAIL_DOMAIN, Row, TableLoader

# What learning's and billing's reactions to `catalog.course_facts` would hold for every course
# they never heard of: the course's state (and for learning its lessons in outline order).
COPY_COURSE_FACTS = """
INSERT INTO learning.course_facts (course_id, version, teacher_id, status, price, currency,
                                   lesson_ids)
SELECT c.id, c.version, c.teacher_id, c.status, c.price, c.currency,
       coalesce(outline.lesson_ids, '{}')
FROM catalog.courses c
LEFT JOIN (SELECT m.course_id, array_agg(l.id ORDER BY m.position, l.position) AS lesson_ids
           FROM catalog.modules m JOIN catalog.lessons l ON l.module_id = m.id
           GROUP BY m.course_id) AS outline ON outline.course_id = c.id
WHERE NOT EXISTS (SELECT 1 FROM learning.course_facts f WHERE f.course_id = c.id)
ON CONFLICT (course_id) DO NOTHING;
INSERT INTO billing.course_terms (course_id, version, teacher_id, status, price, currency)
SELECT c.id, c.version, c.teacher_id, c.status, c.price, c.currency FROM catalog.courses c
WHERE NOT EXISTS (SELECT 1 FROM billing.course_terms t WHERE t.course_id = c.id)
ON CONFLICT (course_id) DO NOTHING;
"""
ADD_COURSE_STATS = """
INSERT INTO catalog.course_stats (course_id, students_count, rating_count, rating_sum, version)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (course_id) DO UPDATE SET
    students_count = course_stats.students_count + excluded.students_count,
    rating_count = course_stats.rating_count + excluded.rating_count,
    rating_sum = course_stats.rating_sum + excluded.rating_sum,
    version = course_stats.version + 1
"""
RATINGS = (5, 4, 3, 2, 1)
RATING_WEIGHTS = (45, 30, 13, 7, 5)
COMMENTS = ("Отличный курс, всё по делу.", "Понятные объяснения и хорошие задания.",
            "Хотелось бы больше практики.", "Great course, clear and to the point.",
            "Good pace, useful exercises.", "Too basic for me, but well made.", "")


@dataclass(frozen=True)
class Course:
    id: uuid.UUID
    lesson_ids: Sequence[uuid.UUID]
    price: Decimal | None
    currency: str | None


@dataclass
class LearningBatch:
    """Rows for every table the students' activity touches."""

    enrollments: list[Row] = field(default_factory=list)
    completions: list[Row] = field(default_factory=list)
    course_students: list[Row] = field(default_factory=list)  # (course, student, enrolled at)
    payments: list[Row] = field(default_factory=list)
    paid_access: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)

    def course_stats(self) -> list[Row]:
        """Students and visible ratings per course, as the catalog keeps them (version 1)."""
        students = Counter(course for course, _, _ in self.course_students)
        ratings: dict[uuid.UUID, list[int]] = {}
        for review in self.reviews:
            ratings.setdefault(review[1], []).append(review[3])
        return [(course, students[course], len(ratings.get(course, [])),
                 sum(ratings.get(course, [])), 1) for course in students.keys() | ratings.keys()]


def student_email(number: int, run: str) -> str:
    return f"student{number:06d}{'.' + run if run != 'r1' else ''}@{EMAIL_DOMAIN}"


async def published_courses(conn: asyncpg.Connection) -> list[Course]:
    """Published courses with lessons, free and paid, in a stable order."""
    rows = await conn.fetch(
        "SELECT course_id, lesson_ids, price, currency FROM learning.course_facts "
        "WHERE status = 'published' AND cardinality(lesson_ids) > 0 ORDER BY course_id")
    return [Course(r["course_id"], r["lesson_ids"], r["price"], r["currency"]) for r in rows]


class Popularity:
    """Draws courses with a Zipf-like weight by a random rank: a few are very popular."""

    def __init__(self, rng: random.Random, courses: Sequence[Course]) -> None:
        self.rng = rng
        self.courses = list(courses)
        rng.shuffle(self.courses)
        self.cum_weights = list(accumulate(1 / (rank + 1) ** 0.9
                                           for rank in range(len(self.courses))))

    def draw(self) -> Course:
        return self.rng.choices(self.courses, cum_weights=self.cum_weights)[0]


class LearningRows:
    """Deterministic students and their activity: each student is somewhere in each course."""

    def __init__(self, random_seed: int, run: str, courses: Sequence[Course]) -> None:
        self.rng = random.Random(f"{random_seed}/{run}/learning")
        self.run = run
        self.free = Popularity(self.rng, [c for c in courses if c.price is None])
        self.paid = Popularity(self.rng, [c for c in courses if c.price is not None])

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

    def activity(self, student_ids: Sequence[uuid.UUID], *, enrollments: int, payments: int,
                 reviews: int) -> LearningBatch:
        """About `enrollments` enrollments spread over the students, `payments` of them (or of
        declined attempts before one) paid for, and `reviews` reviews by enrolled students."""
        batch = LearningBatch()
        if not student_ids or not (self.free.courses or self.paid.courses):
            return batch
        declined = payments // 20  # a declined attempt, then a successful one
        paid_share = (payments - declined) / enrollments if enrollments else 0.0
        per_student = enrollments / len(student_ids)
        for n, student in enumerate(student_ids):
            # Spread the remainder evenly so the total comes out exact.
            wanted = int((n + 1) * per_student) - int(n * per_student)
            taken: set[uuid.UUID] = set()
            for _ in range(wanted):
                paid = bool(self.paid.courses) and (not self.free.courses
                                                    or self.rng.random() < paid_share)
                course = self._new_course(self.paid if paid else self.free, taken)
                if course is not None:
                    self._enrollment(student, course, batch)
        self._declined_first(batch, declined)
        self._reviews(batch, reviews)
        return batch

    def _new_course(self, pool: Popularity, taken: set[uuid.UUID]) -> Course | None:
        """A course of the pool the student does not take yet (None when they take them all)."""
        for _ in range(50):
            course = pool.draw()
            if course.id not in taken:
                taken.add(course.id)
                return course
        return None

    def _enrollment(self, student: uuid.UUID, course: Course, batch: LearningBatch) -> None:
        rng = self.rng
        lessons = course.lesson_ids
        roll = rng.random()
        done = 0 if roll < 0.3 else len(lessons) if roll < 0.5 else rng.randrange(1, len(lessons))
        enrolled = self._ago(365)
        moment = enrolled
        for lesson in lessons[:done]:
            moment += timedelta(hours=rng.uniform(1, 72))
            batch.completions.append((student, lesson, course.id, moment))
        status = ("completed" if done == len(lessons) else "in_progress" if done else "enrolled")
        version = 1 + done
        if course.price is not None:
            refunded = rng.random() < 0.03
            self._payment(student, course, enrolled, refunded, batch)
            if refunded:
                status, version = "revoked", version + 1
        batch.enrollments.append((enrollment_id(student, course.id), student, course.id, status,
                                  version, lessons[done - 1] if done else None, moment, enrolled,
                                  moment))
        if status != "revoked":
            batch.course_students.append((course.id, student, enrolled))

    def _payment(self, student: uuid.UUID, course: Course, paid_at: datetime, refunded: bool,
                 batch: LearningBatch) -> None:
        """A succeeded payment (started, succeeded: version 2), perhaps refunded (version 3)."""
        payment_id = self.new_id()
        refunded_at = paid_at + timedelta(days=self.rng.uniform(0.1, 10)) if refunded else None
        status, version = ("refunded", 3) if refunded else ("succeeded", 2)
        batch.payments.append(self._payment_row(payment_id, student, course, status, version,
                                                paid_at, paid_at, refunded_at))
        batch.paid_access.append((payment_id, student, course.id,
                                  "revoked" if refunded else "active", version))

    def _payment_row(self, payment_id: uuid.UUID, student: uuid.UUID, course: Course,
                     status: str, version: int, created: datetime, paid_at: datetime | None,
                     refunded_at: datetime | None) -> Row:
        fingerprint = f"{self.rng.getrandbits(256):064x}"
        return (payment_id, student, course.id, course.price, course.currency, status, version,
                f"seed-{payment_id}", fingerprint, None, created, refunded_at or created,
                paid_at, refunded_at)

    def _declined_first(self, batch: LearningBatch, count: int) -> None:
        """Declined attempts a few minutes before some of the succeeded payments."""
        paid = [row for row in batch.payments if row[5] != "declined"]
        for row in self.rng.sample(paid, min(count, len(paid))):
            course = Course(row[2], (), row[3], row[4])
            attempt = row[10] - timedelta(minutes=self.rng.uniform(1, 30))
            batch.payments.append(self._payment_row(self.new_id(), row[1], course, "declined", 2,
                                                    attempt, None, None))

    def _reviews(self, batch: LearningBatch, count: int) -> None:
        """Reviews by students still enrolled, mostly good, some with a comment."""
        eligible = [row for row in batch.enrollments if row[3] != "revoked"]
        for row in self.rng.sample(eligible, min(count, len(eligible))):
            student, course, last_activity = row[1], row[2], row[8]
            written = last_activity + timedelta(hours=self.rng.uniform(1, 200))
            rating = self.rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
            batch.reviews.append((self.new_id(), course, student, rating,
                                  self.rng.choice(COMMENTS), False, 1, written, written))


async def seed_learning(loader: TableLoader, rows: LearningRows, *, students: int,
                        enrollments: int, payments: int, reviews: int, password_hash: str,
                        names: Sequence[str]) -> dict[str, int]:
    """Students and their activity; returns how many rows of each kind were added."""
    student_rows = rows.students(students, password_hash, names)
    await loader.copy("identity.users", student_rows)
    batch = rows.activity([r[0] for r in student_rows], enrollments=enrollments,
                          payments=payments, reviews=reviews)
    for table, table_rows in (
            ("learning.enrollments", batch.enrollments),
            ("learning.lesson_completions", batch.completions),
            ("learning.paid_access", batch.paid_access),
            ("billing.payments", batch.payments),
            ("catalog.course_students", batch.course_students),
            ("notifications.course_students", [r[:2] for r in batch.course_students]),
            ("catalog.reviews", batch.reviews)):
        await loader.copy(table, table_rows)
    # A course of an earlier run may have stats already: they grow, as the reactions would.
    await loader.conn.executemany(ADD_COURSE_STATS, batch.course_stats())
    return {"students": len(student_rows), "enrollments": len(batch.enrollments),
            "completions": len(batch.completions), "payments": len(batch.payments),
            "reviews": len(batch.reviews)}
