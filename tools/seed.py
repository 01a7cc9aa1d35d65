"""Bulk-load realistic catalog data with COPY straight into the write tables, in streamed chunks.

Rows bypass the write API and the outbox on purpose (a load test needs 100,000 courses in a
minute, not hours of commands), so the read models are rebuilt afterwards. Content comes from one
random stream and ids from another keyed by the run label: the same `random_seed` gives the same
catalog, and seeding again adds a new run (`r2`, `r3`, …) whose emails, slugs and ids are fresh.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from common.settings import Settings
from tools import seed_data as words
from write.catalog.text import slugify
from write.identity.secrets import hash_password

SEED_PASSWORD = "seed-pass-2026"
EMAIL_DOMAIN = "seed.example"
# Dates are spread back from a fixed moment, not from "now", so a seed is reproducible.
ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
CHUNK_COURSES = 2_000
Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "identity.users": ("id", "email", "name", "password_hash", "role", "teacher_verified",
                       "email_verified", "blocked", "version", "created_at", "updated_at"),
    "catalog.categories": ("id", "name", "slug", "version", "created_at"),
    "catalog.courses": ("id", "teacher_id", "category_id", "title", "description_html", "level",
                        "language", "price", "currency", "cover_url", "status", "version",
                        "created_at", "updated_at", "published_at"),
    "catalog.modules": ("id", "course_id", "title", "position"),
    "catalog.lessons": ("id", "module_id", "course_id", "title", "content_md", "video_url",
                        "duration_minutes", "preview", "position"),
    "learning.enrollments": ("id", "student_id", "course_id", "status", "version",
                             "last_lesson_id", "last_activity_at", "created_at", "updated_at"),
    "learning.lesson_completions": ("student_id", "lesson_id", "course_id", "completed_at"),
    "learning.paid_access": ("payment_id", "student_id", "course_id", "status", "version"),
    "billing.payments": ("id", "student_id", "course_id", "amount", "currency", "status", "version",
                         "idempotency_key", "request_fingerprint", "payment_method", "created_at",
                         "updated_at", "paid_at", "refunded_at"),
    "catalog.course_students": ("course_id", "student_id", "enrolled_at"),
    "notifications.course_students": ("course_id", "student_id"),
    "catalog.reviews": ("id", "course_id", "author_id", "rating", "comment_html", "hidden",
                        "version", "created_at", "updated_at"),
    "catalog.course_stats": ("course_id", "students_count", "rating_count", "rating_sum",
                             "version"),
}
CATALOG_TABLES = ("catalog.courses", "catalog.modules", "catalog.lessons")
# A random 128-bit number becomes a version-4 UUID with these bits (as uuid.uuid4 sets them).
_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62)) & (2**128 - 1)
_UUID_V4 = (4 << 76) | (0x2 << 62)
_RU_PRICES = [Decimal(p) for p in words.RU_PRICES]
_FOREIGN_PRICES = [Decimal(p) for p in words.FOREIGN_PRICES]


@dataclass(frozen=True)
class SeedResult:
    """What one seed run added, and how long it took."""

    run: str
    teachers: int
    categories: int
    courses: int
    modules: int
    lessons: int
    seconds: float
    students: int = 0
    enrollments: int = 0
    completions: int = 0
    payments: int = 0
    reviews: int = 0

    def __str__(self) -> str:
        rows = (self.teachers + self.categories + self.courses + self.modules + self.lessons
                + self.students + self.enrollments + self.completions + self.payments
                + self.reviews)
        return (f"run {self.run}: {self.teachers:,} teachers, {self.categories:,} categories, "
                f"{self.courses:,} courses, {self.modules:,} modules, {self.lessons:,} lessons, "
                f"{self.students:,} students, {self.enrollments:,} enrollments, "
                f"{self.completions:,} completed lessons, {self.payments:,} payments, "
                f"{self.reviews:,} reviews "
                f"in {self.seconds:.1f}s ({rows / max(self.seconds, 1e-9):,.0f} rows/s)")


def _forms(topic: words.Topic, tool: str) -> dict[str, str]:
    """Every placeholder a Russian or English template may use."""
    return {"nom": topic.nom, "Nom": topic.nom[0].upper() + topic.nom[1:], "gen": topic.gen,
            "dat": topic.dat, "acc": topic.acc, "ins": topic.ins, "topic": topic.en,
            "Topic": " ".join(w[0].upper() + w[1:] for w in topic.en.split()), "tool": tool}


class CatalogRows:
    """Deterministic row generator: content from `random_seed`, ids from the seed and run label."""

    def __init__(self, random_seed: int, run: str, *, modules_per_course: int,
                 lessons_per_module: int) -> None:
        self.rng = random.Random(random_seed)
        self.id_rng = random.Random(f"{random_seed}/{run}")
        self.run = run
        self.modules_per_course = modules_per_course
        self.lessons_per_module = lessons_per_module
        self.teacher_ids: list[str] = []
        self.category_ids: list[str] = []
        # Lesson bodies come from a pool (composing 1.2M texts would dominate the seed) but each
        # gets its own heading and task number: no two lessons are equal, as in a real catalog,
        # so a rebuild cannot look faster by caching rendered content.
        self.lesson_bodies = {(lang, topic): [self._lesson_md(lang, topic) for _ in range(16)]
                              for lang in ("ru", "en") for topic in words.TOPICS}

    def new_id(self) -> str:
        return f"{self.id_rng.getrandbits(128) & _UUID_CLEAR | _UUID_V4:032x}"

    def _ago(self, days: float) -> datetime:
        return ANCHOR - timedelta(days=self.rng.uniform(0, days))

    def teachers(self, count: int, password_hash: str) -> list[Row]:
        rows = []
        for n in range(count):
            created = self._ago(3 * 365)
            row = (self.new_id(), teacher_email(n, self.run), self.person_name(), password_hash,
                   "teacher", True, True, False, 1, created, created)
            rows.append(row)
        self.teacher_ids += [row[0] for row in rows]
        return rows

    def person_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            if rng.random() < 0.5:
                return f"{rng.choice(words.RU_MALE_FIRST)} {rng.choice(words.RU_SURNAMES)}"
            return f"{rng.choice(words.RU_FEMALE_FIRST)} {rng.choice(words.RU_SURNAMES)}а"
        return f"{rng.choice(words.EN_FIRST)} {rng.choice(words.EN_SURNAMES)}"

    def categories(self, count: int) -> list[Row]:
        rows = [(self.new_id(), name, slug, 1, self._ago(3 * 365))
                for name, slug in category_names(count, self.run)]
        self.category_ids += [row[0] for row in rows]
        return rows

    def courses(self, count: int) -> tuple[list[Row], list[Row], list[Row]]:
        """`count` courses with their modules and lessons, ready for COPY."""
        courses: list[Row] = []
        modules: list[Row] = []
        lessons: list[Row] = []
        for _ in range(count):
            self._course(courses, modules, lessons)
        return courses, modules, lessons

    def _course(self, courses: list[Row], modules: list[Row], lessons: list[Row]) -> None:
        rng = self.rng
        course_id = self.new_id()
        language = "ru" if rng.random() < 0.55 else "en"
        topic = rng.choice(words.TOPICS)
        forms = _forms(topic, rng.choice(words.TOOLS))
        templates = words.RU_TITLES if language == "ru" else words.EN_TITLES
        price, currency = self._price(language)
        status, created, published = self._lifecycle()
        category = (rng.choice(self.category_ids)
                    if self.category_ids and rng.random() < 0.95 else None)
        cover = f"https://cdn.{EMAIL_DOMAIN}/covers/{rng.randrange(500)}.jpg" \
            if rng.random() < 0.7 else None
        courses.append((course_id, rng.choice(self.teacher_ids), category,
                        rng.choice(templates).format(**forms), self._description(language, forms),
                        self._level(), language, price, currency, cover, status, 1, created,
                        published or created, published))
        self._outline(course_id, language, topic, forms, modules, lessons)

    def _level(self) -> str:
        roll = self.rng.random()
        return "beginner" if roll < 0.5 else "intermediate" if roll < 0.85 else "advanced"

    def _price(self, language: str) -> tuple[Decimal | None, str | None]:
        rng = self.rng
        if rng.random() < 0.4:
            return None, None
        if language == "ru" and rng.random() < 0.8:
            return rng.choice(_RU_PRICES), "RUB"
        return rng.choice(_FOREIGN_PRICES), "USD" if rng.random() < 0.7 else "EUR"

    def _lifecycle(self) -> tuple[str, datetime, datetime | None]:
        """Status, created_at and published_at (drafts were never published)."""
        roll = self.rng.random()
        status = "published" if roll < 0.85 else "draft" if roll < 0.93 else "archived"
        if status == "draft":
            return status, self._ago(2 * 365), None
        published = self._ago(2 * 365)
        return status, published - timedelta(days=self.rng.uniform(1, 60)), published

    def _description(self, language: str, forms: dict[str, str]) -> str:
        """Simple HTML that the write side's sanitizer leaves as it is."""
        rng = self.rng
        sentences = words.RU_SENTENCES if language == "ru" else words.EN_SENTENCES
        highlights = words.RU_HIGHLIGHTS if language == "ru" else words.EN_HIGHLIGHTS
        first, second, third = (s.format(**forms) for s in rng.sample(sentences, 3))
        items = "".join(f"<li>{item}</li>" for item in rng.sample(highlights, 2))
        return f"<p>{first} <strong>{second}</strong></p><p>{third}</p><ul>{items}</ul>"

    def _outline(self, course_id: str, language: str, topic: words.Topic, forms: dict[str, str],
                 modules: list[Row], lessons: list[Row]) -> None:
        rng = self.rng
        ru = language == "ru"
        module_titles = words.RU_MODULES if ru else words.EN_MODULES
        lesson_titles = words.RU_LESSONS if ru else words.EN_LESSONS
        bodies = self.lesson_bodies[language, topic]
        tasks = words.RU_NOTES if ru else words.EN_NOTES
        number = 0
        for m in range(self.modules_per_course):
            module_id = self.new_id()
            title = rng.choice(module_titles).format(**forms)
            modules.append((module_id, course_id,
                            f"Модуль {m + 1}. {title}" if ru else f"Module {m + 1}: {title}", m))
            for position in range(self.lessons_per_module):
                number += 1
                lesson_id = self.new_id()
                title = rng.choice(lesson_titles).format(**forms)
                video = f"https://video.{EMAIL_DOMAIN}/{lesson_id}.mp4" \
                    if rng.random() < 0.6 else None
                title = f"Урок {number}. {title}" if ru else f"Lesson {number}: {title}"
                task = f"Задание № {rng.randrange(10**6)}" if ru else f"Task #{rng.randrange(10**6)}"
                body = f"## {title}\n\n{rng.choice(bodies)}\n\n**{task}**: {rng.choice(tasks)}\n"
                lessons.append((lesson_id, module_id, course_id, title, body, video,
                                rng.randint(3, 40), number == 1, position))

    def _lesson_md(self, language: str, topic: words.Topic) -> str:
        rng = self.rng
        ru = language == "ru"
        forms = _forms(topic, rng.choice(words.TOOLS))
        sentences = words.RU_SENTENCES if ru else words.EN_SENTENCES
        text = " ".join(s.format(**forms) for s in rng.sample(sentences, 3))
        notes = "\n".join(f"- {note}" for note in
                          rng.sample(words.RU_NOTES if ru else words.EN_NOTES, 3))
        heading = "### Конспект" if ru else "### Notes"
        code = f"\n\n```\n{rng.choice(words.CODE_SNIPPETS)}\n```" if rng.random() < 0.5 else ""
        return f"{text}\n\n{heading}\n\n{notes}{code}"


def teacher_email(number: int, run: str) -> str:
    """teacher00042@seed.example for the first run, teacher00042.r2@seed.example after it."""
    return f"teacher{number:05d}{'.' + run if run != 'r1' else ''}@{EMAIL_DOMAIN}"


def category_names(count: int, run: str) -> list[tuple[str, str]]:
    """(name, unique slug) pairs, alternating Russian and English names."""
    suffix = "" if run == "r1" else f"-{run}"
    named = []
    for n in range(count):
        ru, en = words.CATEGORIES[n % len(words.CATEGORIES)]
        name = ru if n % 2 == 0 else en
        if n >= len(words.CATEGORIES):
            name = f"{name} {n // len(words.CATEGORIES) + 1}"
        named.append((name, slugify(name)[: 80 - len(suffix)] + suffix))
    return named


async def free_run(conn: asyncpg.Connection, *, teachers: int, categories: int) -> str:
    """The first run label whose emails and slugs are all unused, so seeds add and never collide."""
    for n in range(1, 1000):
        run = f"r{n}"
        emails = [teacher_email(i, run).lower() for i in range(teachers)]
        slugs = [slug for _, slug in category_names(categories, run)]
        taken = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM identity.users WHERE lower(email) = ANY($1::text[]))"
            " OR EXISTS (SELECT 1 FROM catalog.categories WHERE slug = ANY($2::text[]))",
            emails, slugs)
        if not taken:
            return run
    raise RuntimeError("no free seed run label among r1…r999")


class RateColumn(ProgressColumn):
    """Rows per second since the seed started (until the table was done)."""

    def render(self, task: Task) -> Text:
        elapsed = (task.finished_time if task.finished else task.elapsed) or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:>10,.0f} rows/s", style="progress.data.speed")


class TableLoader:
    """COPYs rows into the write tables and advances one progress bar per table (a table
    without a known total gets its bar when its rows arrive)."""

    def __init__(self, conn: asyncpg.Connection, progress: Progress, totals: dict[str, int]):
        self.conn = conn
        self.progress = progress
        self.tasks: dict[str, TaskID] = {
            table: progress.add_task(table, total=total) for table, total in totals.items()}

    async def copy(self, table: str, rows: Sequence[Row]) -> None:
        schema, name = table.split(".")
        await self.conn.copy_records_to_table(name, schema_name=schema, records=rows,
                                              columns=list(COLUMNS[table]))
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(table, total=len(rows))
        self.progress.advance(self.tasks[table], len(rows))


def _check_sizes(teachers: int, courses: int, modules_per_course: int, lessons_per_module: int,
                 categories: int, students: int, enrollments: int, payments: int,
                 reviews: int) -> None:
    if (min(teachers, courses, categories, students, enrollments, payments, reviews) < 0
            or (courses and not teachers)):
        raise ValueError("counts must not be negative, and courses need at least one teacher")
    if modules_per_course < 1 or lessons_per_module < 1:
        raise ValueError("every course needs at least one module with at least one lesson")
    if enrollments and not students:
        raise ValueError("enrollments need at least one student")
    if payments > enrollments or reviews > enrollments:
        raise ValueError("payments and reviews come from enrollments: at most as many")


async def bulk_seed(settings: Settings, *, teachers: int, courses: int, modules_per_course: int,
                    lessons_per_module: int, categories: int, random_seed: int,
                    students: int = 0, enrollments: int = 0, payments: int = 0,
                    reviews: int = 0, show_progress: bool = True) -> SeedResult:
    """Adds verified teachers, categories, courses with their outlines, and students with their
    enrollments (with progress), payments and reviews, in one transaction."""
    from tools.seed_learning import (
        COPY_COURSE_FACTS,
        LearningRows,
        published_courses,
        seed_learning,
    )

    _check_sizes(teachers, courses, modules_per_course, lessons_per_module, categories,
                 students, enrollments, payments, reviews)
    started = time.perf_counter()
    conn = await asyncpg.connect(settings.database_url_plain)
    try:
        run = await free_run(conn, teachers=teachers, categories=categories)
        rows = CatalogRows(random_seed, run, modules_per_course=modules_per_course,
                           lessons_per_module=lessons_per_module)
        totals = {"identity.users": teachers + students, "catalog.categories": categories,
                  "catalog.courses": courses, "catalog.modules": courses * modules_per_course,
                  "catalog.lessons": courses * modules_per_course * lessons_per_module}
        columns = (TextColumn("{task.description:<30}"), BarColumn(), MofNCompleteColumn(),
                   RateColumn(), TimeElapsedColumn())
        with Progress(*columns, disable=not show_progress) as progress:
            loader = TableLoader(conn, progress, totals)
            async with conn.transaction():
                # One argon2 hash for every seeded account: hashing 50,000 would take minutes.
                password_hash = hash_password(SEED_PASSWORD)
                await loader.copy("identity.users", rows.teachers(teachers, password_hash))
                await loader.copy("catalog.categories", rows.categories(categories))
                for start in range(0, courses, CHUNK_COURSES):
                    chunk = rows.courses(min(CHUNK_COURSES, courses - start))
                    for table, table_rows in zip(CATALOG_TABLES, chunk, strict=True):
                        await loader.copy(table, table_rows)
                await conn.execute(COPY_COURSE_FACTS)
                learners = LearningRows(random_seed, run, await published_courses(conn))
                names = [rows.person_name() for _ in range(500)]
                added = await seed_learning(
                    loader, learners, students=students, enrollments=enrollments,
                    payments=payments, reviews=reviews, password_hash=password_hash, names=names)
        # COPY leaves planner statistics stale (the naive baseline's plans depend on them) and
        # the visibility map of lessons empty (the projectors' index-only scans of lessons
        # depend on it; the other tables are read through their rows anyway).
        await conn.execute("VACUUM (ANALYZE) catalog.lessons")
        await conn.execute("ANALYZE identity.users, catalog.categories, catalog.courses, "
                           "catalog.modules, catalog.course_students, "
                           "catalog.reviews, catalog.course_stats, learning.course_facts, "
                           "learning.enrollments, learning.lesson_completions, "
                           "learning.paid_access, billing.course_terms, billing.payments, "
                           "notifications.course_students")
    finally:
        await conn.close()
    return SeedResult(run, teachers, categories, courses, totals["catalog.modules"],
                      totals["catalog.lessons"], seconds=time.perf_counter() - started, **added)
