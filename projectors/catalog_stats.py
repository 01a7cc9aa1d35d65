"""The courses projection's stats-only path: a new enrollment or review changes three numbers of a
course page and its places in the `popular` and `rating` lists, not its outline (ADR 0011).

A stored page may be patched only if it shows the course's current content (its course version is
the current one); the patched page then equals the full render of the same write-model state,
version included. Lessons and the search index are projections of their own (ADR 0016).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.catalog_documents import HEAD_COLUMNS, CourseHead
from read.stores.catalog import COURSES
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


async def _current_pages(space: DocumentSpace, generation: int, heads: Sequence[CourseHead]
                         ) -> dict[uuid.UUID, dict[str, Any]]:
    """The stored pages (by course id) that show the course's current content."""
    raws = await space.redis.mget([space.key(generation, f"doc:{head.id}") for head in heads])
    current = {}
    for head, raw in zip(heads, raws, strict=True):
        page = unwrap_doc(raw)
        if page is not None and page["version"] == head.version:
            current[head.id] = page
    return current


async def patch_stats(stores: Stores, ids: Sequence[uuid.UUID], targets: Targets
                      ) -> list[uuid.UUID]:
    """Writes the new stats into every target generation where the stored page is current.

    Returns the ids the full path must write.
    """
    generations = list(targets.generations.get(COURSES, ()))
    if not generations:
        return list(ids)
    space = DocumentSpace(stores.redis, COURSES)
    patchable = {head.id: head for head in await load_course_heads(stores.engine, ids)}
    pages: dict[uuid.UUID, dict[str, Any]] = {}
    for generation in generations:
        current = await _current_pages(space, generation, list(patchable.values()))
        patchable = {course_id: head for course_id, head in patchable.items()
                     if course_id in current}
        pages = {course_id: current[course_id] for course_id in patchable}
    items: list[DocumentItem] = [
        (str(head.id), head.document_version, encode(with_stats(pages[head.id], head)),
         head.entries()) for head in patchable.values()]
    for generation in generations:
        await space.upsert_many(generation, items)
    return [course_id for course_id in ids if course_id not in patchable]
