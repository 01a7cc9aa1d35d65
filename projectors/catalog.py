"""Catalog projections: course pages and lists, lessons, the search index, categories."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Sequence

import nh3
import orjson

from projectors.base import Stores, Targets
from projectors.catalog_documents import (
    CourseLessons,
    CoursePageRow,
    CourseSearchRow,
    load_course_lessons,
    load_course_pages,
    load_search_rows,
)
from projectors.catalog_loaders import load_categories
from projectors.catalog_stats import patch_stats
from projectors.compare import compare_documents
from projectors.scan import ScansTable
from read.search.documents import CourseSearchDoc
from read.search.port import NoRebuildInProgress
from read.stores.catalog import (
    CATEGORIES,
    COURSES,
    LESSONS,
    CategoryDoc,
    category_entries,
)
from read.stores.documents import FINAL_VERSION, DocumentItem, DocumentSpace, encode
from write.catalog.models import Category, Course
from write.events import (
    CategoryEvent,
    CourseEvent,
    CourseStudentsChanged,
    Event,
    ReviewEvent,
)


def strip_markup(html: str) -> str:
    """The text of a description, for full-text search."""
    return " ".join(nh3.clean(html, tags=set()).split())


def search_doc(row: CourseSearchRow) -> CourseSearchDoc:
    return CourseSearchDoc.model_validate({
        **orjson.loads(row.hit_json),
        "description_text": strip_markup(row.description_html),
        "listed": row.status == "published",
        "version": row.document_version,
    })


class CourseProjection(ScansTable):
    """What every projection of the catalog's courses shares: the aggregate, the events."""

    id_column = Course.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, CourseEvent | ReviewEvent | CourseStudentsChanged)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, CourseEvent | ReviewEvent | CourseStudentsChanged)
        return [event.course_id]


class CoursesProjection(CourseProjection):
    """Course pages with their places in the catalog and teacher lists."""

    name = "courses"
    spaces: tuple[str, ...] = (COURSES,)
    uses_search = False

    async def expected(self, stores: Stores, ids: Sequence[uuid.UUID]) -> list[CoursePageRow]:
        """Pages recomputed from the write model (courses are never deleted, only archived)."""
        return await load_course_pages(stores.engine, ids)

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        """Patches the stats of current pages (ADR 0011); renders the rest in full."""
        rest = await patch_stats(stores, ids, targets)
        await self.write_scanned(stores, rest, targets)

    async def write_scanned(self, stores: Stores, ids: Sequence[uuid.UUID],
                            targets: Targets) -> None:
        await self.write_loaded(stores, await self.expected(stores, ids), targets)

    async def write_loaded(self, stores: Stores, pages: Sequence[CoursePageRow],
                           targets: Targets) -> None:
        items: list[DocumentItem] = [(str(page.id), page.document_version, page.page_json,
                                      page.entries()) for page in pages]
        space = DocumentSpace(stores.redis, COURSES)
        for generation in targets.generations.get(COURSES, ()):
            await space.upsert_many(generation, items, announce=targets.announce)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        return await compare_documents(
            DocumentSpace(stores.redis, COURSES),
            {str(page.id): json.loads(page.page_json) for page in await self.expected(stores, ids)})


class LessonsProjection(CourseProjection):
    """Lesson documents with their content, written per course as one versioned unit."""

    name = "lessons"
    spaces: tuple[str, ...] = (LESSONS,)
    uses_search = False

    def handles(self, event: Event) -> bool:
        # Lessons carry the course's version, status and teacher, none of its stats.
        return isinstance(event, CourseEvent)

    async def expected(self, stores: Stores, ids: Sequence[uuid.UUID]) -> list[CourseLessons]:
        return await load_course_lessons(stores.engine, ids)

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        await self.write_loaded(stores, await self.expected(stores, ids), targets)

    async def write_loaded(self, stores: Stores, courses: Sequence[CourseLessons],
                           targets: Targets) -> None:
        # A course's lessons are written as one unit versioned by the course (see replace_children).
        groups = [(f"course:{course.id}", course.version,
                   list(zip(course.lesson_ids, course.lessons_json, strict=True)))
                  for course in courses]
        space = DocumentSpace(stores.redis, LESSONS)
        for generation in targets.generations.get(LESSONS, ()):
            await space.replace_children(generation, groups)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        return await compare_documents(
            DocumentSpace(stores.redis, LESSONS),
            {lesson_id: json.loads(doc) for course in await self.expected(stores, ids)
             for lesson_id, doc in zip(course.lesson_ids, course.lessons_json, strict=True)},
            label="lesson ")


class SearchProjection(CourseProjection):
    """The catalog's search index (Meilisearch or the embedded Postgres index)."""

    name = "search"
    spaces: tuple[str, ...] = ()
    uses_search = True

    async def expected(self, stores: Stores, ids: Sequence[uuid.UUID]) -> list[CourseSearchDoc]:
        return [search_doc(row) for row in await load_search_rows(stores.engine, ids)]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        await self.write_loaded(stores, await self.expected(stores, ids), targets)

    async def write_loaded(self, stores: Stores, docs: Sequence[CourseSearchDoc],
                           targets: Targets) -> None:
        if stores.search is None or not docs:
            return
        for target in targets.search:
            # The rebuild switched after our check: "next" is gone and is now "live".
            with contextlib.suppress(NoRebuildInProgress):
                await stores.search.upsert(docs, target=target)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        differences: dict[str, str] = {}
        if stores.search is None:
            return differences
        for doc in await self.expected(stores, ids):
            stored = await stores.search.get(doc.id)
            if stored != doc:
                differences[f"search {doc.id}"] = "missing" if stored is None else "differs"
        return differences


class CategoriesProjection(ScansTable):
    name = "categories"
    id_column = Category.__table__.c.id
    spaces: tuple[str, ...] = (CATEGORIES,)
    uses_search = False

    def handles(self, event: Event) -> bool:
        return isinstance(event, CategoryEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, CategoryEvent)
        return [event.category_id]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        rows = await load_categories(stores.engine, ids)
        items: list[DocumentItem] = []
        for category_id in ids:
            row = rows.get(category_id)
            if row is None:  # deleted: a tombstone nothing older can overwrite
                items.append((str(category_id), FINAL_VERSION, None, []))
            else:
                doc = CategoryDoc(id=row["id"], name=row["name"], slug=row["slug"],
                                  version=row["version"])
                items.append((str(doc.id), doc.version, encode(doc.model_dump(mode="json")),
                              category_entries(doc)))
        space = DocumentSpace(stores.redis, CATEGORIES)
        for generation in targets.generations.get(CATEGORIES, ()):
            await space.upsert_many(generation, items, announce=targets.announce)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        rows = await load_categories(stores.engine, ids)
        expected = {str(i): CategoryDoc(id=r["id"], name=r["name"], slug=r["slug"],
                                        version=r["version"]).model_dump(mode="json")
                    for i, r in rows.items()}
        return await compare_documents(DocumentSpace(stores.redis, CATEGORIES), expected)
