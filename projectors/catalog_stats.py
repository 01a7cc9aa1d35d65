"""The courses projection's stats-only path: a new enrollment or review changes three numbers of a
course page, its places in the `popular` and `rating` lists and its search document, not its
outline or lessons (ADR 0011).

A stored page may be patched only if it shows the course's current content: its course version is
the current one, and that version's lessons were written too (a worker that died between the page
and the lessons left an older lessons guard, and the full path must finish its work). The patched
page then equals the full render of the same write-model state, version included.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.catalog_documents import HEAD_COLUMNS, CourseHead
from read.stores.catalog import COURSES, LESSONS
from read.stores.documents import DocumentItem, DocumentSpace, encode, unwrap_doc

_COURSE_HEADS = text(f"""
SELECT {HEAD_COLUMNS}
FROM catalog.courses AS c LEFT JOIN catalog.course_stats AS s ON s.course_id = c.id
WHERE c.id = ANY(CAST(:ids AS uuid[]))
ORDER BY c.id
""")


async def load_course_heads(engine: AsyncEngine, course_ids: Sequence[uuid.UUID]
                            ) -> list[CourseHead]:
    async with engine.connect() as conn:
        return [CourseHead(*row) for row in await conn.execute(
            _COURSE_HEADS, {"ids": list(course_ids)})]


def with_stats(page: dict[str, Any], head: CourseHead) -> dict[str, Any]:
    # A whole average as Postgres writes it on the full path (4, not 4.0).
    rating = int(head.rating) if head.rating.is_integer() else head.rating
    return {**page, "rating": rating, "rating_count": head.rating_count,
            "students_count": head.students_count}


async def _current_pages(stores: Stores, generation: int, lessons_generation: int,
                         heads: Sequence[CourseHead]) -> dict[uuid.UUID, dict[str, Any]]:
    """The stored pages (by course id) that show the course's current content."""
    courses, lessons = DocumentSpace(stores.redis, COURSES), DocumentSpace(stores.redis, LESSONS)
    raws = await stores.redis.mget(
        [courses.key(generation, f"doc:{head.id}") for head in heads]
        + [lessons.key(lessons_generation, f"course:{head.id}:version") for head in heads])
    pages, guards = raws[:len(heads)], raws[len(heads):]
    current = {}
    for head, raw, guard in zip(heads, pages, guards, strict=True):
        page = unwrap_doc(raw)
        if page is not None and page["version"] == head.version and guard is not None \
                and int(guard) >= head.version:
            current[head.id] = page
    return current


async def patch_stats(stores: Stores, ids: Sequence[uuid.UUID], targets: Targets
                      ) -> tuple[list[tuple[CourseHead, dict[str, Any]]], list[uuid.UUID]]:
    """Writes the new stats into every target generation where the stored page is current.

    Returns the patched pages (for the search index) and the ids the full path must write.
    """
    generations = list(targets.generations.get(COURSES, ()))
    lesson_generations = list(targets.generations.get(LESSONS, ()))
    if not generations or len(generations) != len(lesson_generations):
        return [], list(ids)  # a rebuild started or ended while the targets were read
    heads = await load_course_heads(stores.engine, ids)
    patchable = {head.id: head for head in heads}
    pages: dict[uuid.UUID, dict[str, Any]] = {}
    for generation, lessons_generation in zip(generations, lesson_generations, strict=True):
        current = await _current_pages(stores, generation, lessons_generation,
                                       list(patchable.values()))
        patchable = {course_id: head for course_id, head in patchable.items()
                     if course_id in current}
        pages = {course_id: current[course_id] for course_id in patchable}
    patched = [(head, with_stats(pages[head.id], head)) for head in patchable.values()]
    items: list[DocumentItem] = [(str(head.id), head.document_version, encode(page),
                                  head.entries()) for head, page in patched]
    space = DocumentSpace(stores.redis, COURSES)
    for generation in generations:
        await space.upsert_many(generation, items)
    return patched, [course_id for course_id in ids if course_id not in patchable]
