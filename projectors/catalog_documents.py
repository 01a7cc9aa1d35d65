"""The course loaders: pages, lesson documents and search rows, built as JSON by Postgres.

Three projections read the catalog's courses: `courses` (pages and lists), `lessons` (one
document per lesson, with its content) and `search` (the search index); each loads only what it
writes, so each can be rebuilt alone (ADR 0016). Assembling documents in Python (rows to dicts to
models to JSON) cost about a millisecond per course; Postgres builds the same JSON next to the
rows, and the projectors only pass the text on (ADR 0008). The shapes are those of
`read.stores.catalog.CoursePage` and `LessonDoc` and of `read.search.documents.SearchHit`, which a
contract test holds them to.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from read.stores.catalog import course_entries
from read.stores.documents import IndexEntry


def _iso(column: str) -> str:
    """An ISO 8601 UTC timestamp as pydantic writes one: fractions only when there are any."""
    return (f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS' || "
            f"CASE WHEN extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' "
            f"ELSE '.US' END || '\"Z\"')")


_RATING = "coalesce(round(s.rating_sum::numeric / nullif(s.rating_count, 0), 2), 0)::float8"
# What every course loader reads first, in `CourseHead` order: the course's list memberships and
# its visible ratings.
HEAD_COLUMNS = f"""c.id, c.version, c.status, c.teacher_id, c.category_id,
       extract(epoch FROM c.published_at)::float8 AS published_ts,
       extract(epoch FROM c.updated_at)::float8 AS updated_ts,
       coalesce(s.version, 0) AS stats_version,
       coalesce(s.students_count, 0) AS students_count,
       coalesce(s.rating_count, 0) AS rating_count,
       {_RATING} AS rating"""

# The fields a page and a search hit share, as the columns of a row Postgres turns into a JSON
# object (`row_to_json`, a third cheaper than `json_build_object`); the names are the keys.
_CARD = f"""c.id, c.title, c.teacher_id, coalesce(t.name, '') AS teacher_name, c.category_id,
           c.level, c.language, c.price::text AS price, c.currency, c.cover_url,
           {_RATING} AS rating,
           coalesce(s.rating_count, 0) AS rating_count,
           coalesce(s.students_count, 0) AS students_count,
           coalesce(ls.lessons_count, 0) AS lessons_count,
           coalesce(ls.duration_minutes, 0) AS duration_minutes,
           {_iso('c.published_at')} AS published_at, {_iso('c.updated_at')} AS updated_at"""

# Teacher names come in as parameters: they live in the identity schema, and contexts are never
# joined in SQL (each may move to its own database). `ls` (lessons_count, duration_minutes) is
# joined by each query.
_COURSE_SOURCES = """
FROM catalog.courses AS c
LEFT JOIN unnest($2::uuid[], $3::text[]) AS t(id, name)
       ON t.id = c.teacher_id
LEFT JOIN catalog.course_stats AS s ON s.course_id = c.id"""

# A page's outline: the batch's lessons in one scan of the covering index on lessons(course_id)
# (no visit to the wide lesson rows, which hold the content), grouped into modules, then courses.
_OUTLINES = """
WITH module_lessons AS (
    SELECT l.module_id, json_agg(lesson ORDER BY l.position, l.id) AS lessons,
           count(*) AS lessons_count, sum(l.duration_minutes) AS duration_minutes
    FROM catalog.lessons AS l
    CROSS JOIN LATERAL (SELECT l.id, l.title, l.duration_minutes, l.preview) AS lesson
    WHERE l.course_id = ANY($1::uuid[])
    GROUP BY l.module_id
), outlines AS (
    SELECT m.course_id, json_agg(module ORDER BY m.position, m.id) AS modules,
           sum(ml.lessons_count)::bigint AS lessons_count,
           sum(ml.duration_minutes)::bigint AS duration_minutes
    FROM catalog.modules AS m
    LEFT JOIN module_lessons AS ml ON ml.module_id = m.id
    CROSS JOIN LATERAL (SELECT m.id, m.title, coalesce(ml.lessons, '[]') AS lessons) AS module
    WHERE m.course_id = ANY($1::uuid[])
    GROUP BY m.course_id
)"""

# The page comes back as UTF-8 bytes (bytea), passed on to Redis as they are: decoding the text
# and encoding it again cost 11 µs per page in Python.
_PAGES = f"""{_OUTLINES}
SELECT {HEAD_COLUMNS}, convert_to(row_to_json(page)::text, 'UTF8')
{_COURSE_SOURCES}
LEFT JOIN outlines AS ls ON ls.course_id = c.id
CROSS JOIN LATERAL (
    SELECT {_CARD}, c.status, c.version, c.description_html,
           coalesce(ls.modules, '[]') AS modules
) AS page
WHERE c.id = ANY($1::uuid[])
ORDER BY c.id
"""

_SEARCH_ROWS = f"""
SELECT {HEAD_COLUMNS}, row_to_json(hit)::text, c.description_html
{_COURSE_SOURCES}
CROSS JOIN LATERAL (
    SELECT count(*) AS lessons_count, sum(l.duration_minutes) AS duration_minutes
    FROM catalog.lessons AS l WHERE l.course_id = c.id
) AS ls
CROSS JOIN LATERAL (SELECT {_CARD}) AS hit
WHERE c.id = ANY($1::uuid[])
ORDER BY c.id
"""

_LESSONS = """
SELECT c.id, c.version, ls.lessons, ls.lesson_ids
FROM catalog.courses AS c
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(row_to_json(lesson)::text ORDER BY o.rank), '{}') AS lessons,
           coalesce(array_agg(o.id::text ORDER BY o.rank), '{}') AS lesson_ids
    FROM (
        SELECT l.*, row_number() OVER (ORDER BY m.position, m.id, l.position, l.id) - 1 AS rank
        FROM catalog.lessons AS l JOIN catalog.modules AS m ON m.id = l.module_id
        WHERE l.course_id = c.id
    ) AS o
    CROSS JOIN LATERAL (
        SELECT o.id, c.id AS course_id, o.module_id, c.teacher_id, c.status AS course_status,
               o.title, o.content_md, o.video_url, o.duration_minutes, o.preview,
               o.rank AS position, c.version
    ) AS lesson
) AS ls
WHERE c.id = ANY($1::uuid[])
ORDER BY c.id
"""


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
        """A page's or search document's version: grows with every course and stats change."""
        return self.version + self.stats_version

    def entries(self) -> list[IndexEntry]:
        return course_entries(
            course_id=self.id, teacher_id=self.teacher_id, category_id=self.category_id,
            status=self.status, published_at=self.published_at, updated_at=self.updated_at,
            students_count=self.students_count, rating=self.rating)


@dataclass(frozen=True)
class CoursePageRow(CourseHead):
    """A course page as JSON (UTF-8 bytes), with what the lists need."""

    page_json: bytes


@dataclass(frozen=True)
class CourseSearchRow(CourseHead):
    """What a search document is made of: the card as JSON, and the description's HTML."""

    hit_json: str
    description_html: str


@dataclass(frozen=True)
class CourseLessons:
    """A course's lesson documents as JSON, in course order, versioned by the course."""

    id: uuid.UUID
    version: int
    lessons_json: list[str]
    lesson_ids: list[str]  # the same order


_TEACHERS = "SELECT DISTINCT teacher_id FROM catalog.courses WHERE id = ANY($1::uuid[])"
_NAMES = "SELECT id, name FROM identity.users WHERE id = ANY($1::uuid[])"


async def _load(engine: AsyncEngine, statement: str, course_ids: Sequence[uuid.UUID],
                *, names: bool) -> list[Any]:
    """Rows of one loader query, through the pooled connection's asyncpg driver: SQLAlchemy's
    result rows cost the rebuild more Python than the rest of building a page (ADR 0008)."""
    if not course_ids:
        return []
    ids = list(course_ids)
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        async with driver.transaction(readonly=True):
            if not names:
                return list(await driver.fetch(statement, ids))
            # Teacher names come from the identity schema in a query of their own: contexts are
            # never joined in SQL (each may move to its own database).
            teacher_ids = [row[0] for row in await driver.fetch(_TEACHERS, ids)]
            named = await driver.fetch(_NAMES, teacher_ids)
            return list(await driver.fetch(statement, ids, [row[0] for row in named],
                                           [row[1] for row in named]))


async def load_course_pages(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                            ) -> list[CoursePageRow]:
    """The current pages of the given courses (missing ids are left out), in id order."""
    return [CoursePageRow(*row) for row in await _load(engine, _PAGES, course_ids, names=True)]


async def load_search_rows(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                           ) -> list[CourseSearchRow]:
    """What the search documents of the given courses are made of, in id order."""
    return [CourseSearchRow(*row)
            for row in await _load(engine, _SEARCH_ROWS, course_ids, names=True)]


async def load_course_lessons(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                              ) -> list[CourseLessons]:
    """The lesson documents of the given courses (missing ids are left out), in id order."""
    return [CourseLessons(*row) for row in await _load(engine, _LESSONS, course_ids, names=False)]
