"""Catalog projections: course pages, lists and lessons in Redis plus the search index; categories."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import nh3

from projectors.base import Stores, Targets
from projectors.catalog_documents import CourseDocuments, CourseHead, load_course_documents
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

# What a search document takes over from the course page as it is.
_FROM_PAGE = CourseSearchDoc.model_fields.keys() - {"description_text", "listed", "version"}


def search_doc(course: CourseHead, page: dict[str, Any]) -> CourseSearchDoc:
    return CourseSearchDoc.model_validate({
        **{name: page[name] for name in _FROM_PAGE},
        "description_text": " ".join(nh3.clean(page["description_html"], tags=set()).split()),
        "listed": course.status == "published",
        "version": course.document_version,
    })


def full_search_doc(course: CourseDocuments) -> CourseSearchDoc:
    return search_doc(course, json.loads(course.page_json))


def page_item(course: CourseDocuments) -> DocumentItem:
    return (str(course.id), course.document_version, course.page_json, course.entries())


class CoursesProjection(ScansTable):
    """Course pages, catalog and teacher lists, lesson documents and search documents."""

    name = "courses"
    id_column = Course.__table__.c.id
    spaces: tuple[str, ...] = (COURSES, LESSONS)
    uses_search = True

    def handles(self, event: Event) -> bool:
        return isinstance(event, CourseEvent | ReviewEvent | CourseStudentsChanged)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, CourseEvent | ReviewEvent | CourseStudentsChanged)
        return [event.course_id]

    async def expected(self, stores: Stores, ids: Sequence[uuid.UUID]) -> list[CourseDocuments]:
        """Documents recomputed from the write model (courses are never deleted, only archived)."""
        return await load_course_documents(stores.engine, ids)

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        """Patches the stats of current pages (ADR 0011); renders the rest in full."""
        patched, rest = await patch_stats(stores, ids, targets)
        await self._write_search(stores, [search_doc(head, page) for head, page in patched],
                                 targets)
        await self.write_documents(stores, await self.expected(stores, rest), targets)

    async def write_documents(self, stores: Stores, courses: Sequence[CourseDocuments],
                              targets: Targets) -> None:
        page_items = [page_item(course) for course in courses]
        # A course's lessons are written as one unit versioned by the course (see replace_children).
        lesson_groups = [(f"course:{course.id}", course.version,
                          list(zip(course.lesson_ids, course.lessons_json, strict=True)))
                         for course in courses]
        courses_space = DocumentSpace(stores.redis, COURSES)
        lessons_space = DocumentSpace(stores.redis, LESSONS)
        for generation in targets.generations.get(COURSES, ()):
            await courses_space.upsert_many(generation, page_items)
        for generation in targets.generations.get(LESSONS, ()):
            await lessons_space.replace_children(generation, lesson_groups)
        await self._write_search(stores, [full_search_doc(course) for course in courses], targets)

    async def _write_search(self, stores: Stores, docs: list[CourseSearchDoc],
                            targets: Targets) -> None:
        if stores.search is None or not docs:
            return
        for target in targets.search:
            # The rebuild switched after our check: "next" is gone and is now "live".
            with contextlib.suppress(NoRebuildInProgress):
                await stores.search.upsert(docs, target=target)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        courses = await self.expected(stores, ids)
        differences = await compare_documents(
            DocumentSpace(stores.redis, COURSES),
            {str(c.id): json.loads(c.page_json) for c in courses})
        differences |= await compare_documents(
            DocumentSpace(stores.redis, LESSONS),
            {lesson_id: json.loads(doc) for c in courses
             for lesson_id, doc in zip(c.lesson_ids, c.lessons_json, strict=True)},
            label="lesson ")
        if stores.search is not None:
            for course in courses:
                doc = full_search_doc(course)
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
            await space.upsert_many(generation, items)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        rows = await load_categories(stores.engine, ids)
        expected = {str(i): CategoryDoc(id=r["id"], name=r["name"], slug=r["slug"],
                                        version=r["version"]).model_dump(mode="json")
                    for i, r in rows.items()}
        return await compare_documents(DocumentSpace(stores.redis, CATEGORIES), expected)
