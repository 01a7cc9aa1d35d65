"""The course loader: each course's page and lesson documents, built as JSON by Postgres.

A course page holds its outline and a lesson document holds its content, so a projection of
100,000 courses writes 1.3 million documents. Assembling them in Python (rows to dicts to
models to JSON) cost about a millisecond per course; Postgres builds the same JSON next to the
rows, and the projector only passes the text on to Redis (see ADR 0008). The shapes are those of
`read.stores.catalog.CoursePage` and `LessonDoc`, which a contract test holds them to.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from read.stores.catalog import course_entries
from read.stores.documents import IndexEntry
from write.catalog.models import Course
from write.identity.models import User


def _iso(column: str) -> str:
    """An ISO 8601 UTC timestamp as pydantic writes one: fractions only when there are any."""
    return (f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS' || "
            f"CASE WHEN extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' "
            f"ELSE '.US' END || '\"Z\"')")


_RATING = "coalesce(round(s.rating_sum::numeric / nullif(s.rating_count, 0), 2), 0)::float8"
# What both course loaders read first (this one and the stats-only one, `catalog_stats`), in
# `CourseHead` order: the course's list memberships and its visible ratings.
HEAD_COLUMNS = f"""c.id, c.version, c.status, c.teacher_id, c.category_id,
       extract(epoch FROM c.published_at)::float8 AS published_ts,
       extract(epoch FROM c.updated_at)::float8 AS updated_ts,
       coalesce(s.version, 0) AS stats_version,
       coalesce(s.students_count, 0) AS students_count,
       coalesce(s.rating_count, 0) AS rating_count,
       {_RATING} AS rating"""

# Teacher names come in as parameters: they live in the identity schema, and contexts are never
# joined in SQL (each may move to its own database).
_COURSE_DOCUMENTS = text(f"""
WITH teacher AS (
    SELECT * FROM unnest(CAST(:teacher_ids AS uuid[]), CAST(:teacher_names AS text[]))
        AS t(id, name)
)
SELECT {HEAD_COLUMNS},
       json_build_object(
           'id', c.id, 'title', c.title, 'teacher_id', c.teacher_id,
           'teacher_name', coalesce(t.name, ''), 'category_id', c.category_id,
           'level', c.level, 'language', c.language, 'price', c.price::text,
           'currency', c.currency, 'cover_url', c.cover_url, 'status', c.status,
           'rating', {_RATING},
           'rating_count', coalesce(s.rating_count, 0),
           'students_count', coalesce(s.students_count, 0),
           'lessons_count', ls.lessons_count, 'duration_minutes', ls.duration_minutes,
           'published_at', {_iso('c.published_at')}, 'updated_at', {_iso('c.updated_at')},
           'version', c.version, 'description_html', c.description_html,
           'modules', mo.modules)::text AS page,
       ls.lessons, ls.lesson_ids
FROM catalog.courses AS c
LEFT JOIN teacher AS t ON t.id = c.teacher_id
LEFT JOIN catalog.course_stats AS s ON s.course_id = c.id
CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
               'id', m.id, 'title', m.title, 'lessons', (
                   SELECT coalesce(json_agg(json_build_object(
                              'id', l.id, 'title', l.title,
                              'duration_minutes', l.duration_minutes, 'preview', l.preview)
                          ORDER BY l.position, l.id), '[]')
                   FROM catalog.lessons AS l WHERE l.module_id = m.id))
           ORDER BY m.position, m.id), '[]') AS modules
    FROM catalog.modules AS m WHERE m.course_id = c.id
) AS mo
CROSS JOIN LATERAL (
    SELECT count(*) AS lessons_count, coalesce(sum(o.duration_minutes), 0) AS duration_minutes,
           coalesce(array_agg(json_build_object(
               'id', o.id, 'course_id', c.id, 'module_id', o.module_id,
               'teacher_id', c.teacher_id, 'course_status', c.status, 'title', o.title,
               'content_md', o.content_md, 'video_url', o.video_url,
               'duration_minutes', o.duration_minutes, 'preview', o.preview,
               'position', o.rank, 'version', c.version)::text ORDER BY o.rank), '{{}}') AS lessons,
           coalesce(array_agg(o.id::text ORDER BY o.rank), '{{}}') AS lesson_ids
    FROM (
        SELECT l.*, row_number() OVER (ORDER BY m.position, m.id, l.position, l.id) - 1 AS rank
        FROM catalog.lessons AS l JOIN catalog.modules AS m ON m.id = l.module_id
        WHERE l.course_id = c.id
    ) AS o
) AS ls
WHERE c.id = ANY(CAST(:ids AS uuid[]))
ORDER BY c.id
""")


@dataclass(frozen=True)
class CourseHead:
    """What a course's list memberships and its stats fields need (no page, no lessons)."""

    id: uuid.UUID
    version: int
    status: str
    teacher_id: uuid.UUID
    category_id: uuid.UUID | None
    published_at: float | None  # epoch seconds: the scores of the catalog lists
    updated_at: float
    stats_version: int  # how often the course's students or ratings changed (ADR 0011)
    students_count: int
    rating_count: int
    rating: float

    @property
    def document_version(self) -> int:
        """The page's stored version: grows with every course change and every stats change."""
        return self.version + self.stats_version

    def entries(self) -> list[IndexEntry]:
        return course_entries(
            course_id=self.id, teacher_id=self.teacher_id, category_id=self.category_id,
            status=self.status, published_at=self.published_at, updated_at=self.updated_at,
            students_count=self.students_count, rating=self.rating)


@dataclass(frozen=True)
class CourseDocuments(CourseHead):
    """One course as the projections write it: the page and lesson JSON plus what indexes need."""

    page_json: str
    lessons_json: list[str]  # in course order
    lesson_ids: list[str]  # the same order


async def load_course_documents(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                                ) -> list[CourseDocuments]:
    """The current documents of the given courses (missing ids are left out), in id order."""
    if not course_ids:
        return []
    ids = list(course_ids)
    async with engine.connect() as conn:
        # A batch is costed high enough for JIT compilation, which takes longer than the query.
        await conn.execute(text("SET LOCAL jit = off"))
        teacher_ids = list((await conn.scalars(
            select(Course.teacher_id).where(Course.id.in_(ids)).distinct())).all())
        names = {row[0]: row[1] for row in await conn.execute(
            select(User.id, User.name).where(User.id.in_(teacher_ids)))} if teacher_ids else {}
        rows = await conn.execute(_COURSE_DOCUMENTS, {
            "ids": ids, "teacher_ids": list(names), "teacher_names": list(names.values())})
        return [CourseDocuments(*row) for row in rows]
