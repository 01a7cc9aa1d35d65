"""Catalog projections: course pages, lists and lessons in Redis plus the search index; categories."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import nh3
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.base import Stores, Targets
from projectors.catalog_loaders import (
    CourseAggregate,
    count_rows,
    load_categories,
    load_courses,
    stream_ids,
)
from projectors.compare import compare_documents
from read.search.documents import CourseSearchDoc
from read.search.port import NoRebuildInProgress
from read.stores.catalog import (
    CATEGORIES,
    COURSES,
    LESSONS,
    CategoryDoc,
    CoursePage,
    LessonDoc,
    LessonOutline,
    ModuleOutline,
    category_entries,
    course_entries,
)
from read.stores.documents import FINAL_VERSION, DocumentSpace, IndexEntry
from write.catalog.models import Category, Course
from write.events import CategoryEvent, CourseEvent, Event

Item = tuple[str, int, dict[str, Any] | None, Sequence[IndexEntry]]


def course_page(aggregate: CourseAggregate) -> CoursePage:
    course = aggregate.course
    modules = [ModuleOutline(id=m["id"], title=m["title"], lessons=[
        LessonOutline(id=lesson["id"], title=lesson["title"],
                      duration_minutes=lesson["duration_minutes"], preview=lesson["preview"])
        for lesson in aggregate.lessons.get(m["id"], [])]) for m in aggregate.modules]
    lessons = [lesson for m in modules for lesson in m.lessons]
    return CoursePage(
        id=course["id"], title=course["title"], teacher_id=course["teacher_id"],
        teacher_name=aggregate.teacher_name, category_id=course["category_id"],
        level=course["level"], language=course["language"], price=course["price"],
        currency=course["currency"], cover_url=course["cover_url"], status=course["status"],
        rating=0.0, rating_count=0, students_count=0, lessons_count=len(lessons),
        duration_minutes=sum(lesson.duration_minutes for lesson in lessons),
        published_at=course["published_at"], updated_at=course["updated_at"],
        version=course["version"], description_html=course["description_html"], modules=modules,
    )


def lesson_docs(aggregate: CourseAggregate) -> list[LessonDoc]:
    course = aggregate.course
    return [LessonDoc(
        id=lesson["id"], course_id=course["id"], module_id=lesson["module_id"],
        teacher_id=course["teacher_id"], course_status=course["status"], title=lesson["title"],
        content_md=lesson["content_md"],
        video_url=lesson["video_url"], duration_minutes=lesson["duration_minutes"],
        preview=lesson["preview"], position=position, version=course["version"],
    ) for position, lesson in enumerate(
        lesson for m in aggregate.modules for lesson in aggregate.lessons.get(m["id"], []))]


def search_doc(page: CoursePage, category_slug: str | None, description_html: str
               ) -> CourseSearchDoc:
    return CourseSearchDoc(
        id=page.id, title=page.title,
        description_text=" ".join(nh3.clean(description_html, tags=set()).split()),
        teacher_id=page.teacher_id, teacher_name=page.teacher_name, category_id=page.category_id,
        category_slug=category_slug, level=page.level, language=page.language,
        price=page.price, currency=page.currency, rating=page.rating,
        rating_count=page.rating_count, students_count=page.students_count,
        lessons_count=page.lessons_count, duration_minutes=page.duration_minutes,
        cover_url=page.cover_url, published_at=page.published_at, updated_at=page.updated_at,
        version=page.version, listed=page.status == "published",
    )


class CoursesProjection:
    """Course pages, catalog and teacher lists, lesson documents and search documents."""

    name = "courses"
    spaces: tuple[str, ...] = (COURSES, LESSONS)
    uses_search = True

    def handles(self, event: Event) -> bool:
        return isinstance(event, CourseEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, CourseEvent)
        return [event.course_id]

    async def expected(self, stores: Stores, ids: Sequence[uuid.UUID]
                       ) -> tuple[list[CoursePage], list[LessonDoc], list[CourseSearchDoc]]:
        """Documents recomputed from the write model (courses are never deleted, only archived)."""
        aggregates = await load_courses(stores.engine, ids)
        categories = await load_categories(
            stores.engine, [a.course["category_id"] for a in aggregates.values()
                            if a.course["category_id"] is not None])
        pages, lessons, searchable = [], [], []
        for aggregate in aggregates.values():
            page = course_page(aggregate)
            pages.append(page)
            lessons += lesson_docs(aggregate)
            category = categories.get(page.category_id) if page.category_id else None
            searchable.append(search_doc(page, category["slug"] if category else None,
                                         page.description_html))
        return pages, lessons, searchable

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        pages, lessons, searchable = await self.expected(stores, ids)
        courses_space = DocumentSpace(stores.redis, COURSES)
        lessons_space = DocumentSpace(stores.redis, LESSONS)
        page_items: list[Item] = [(str(p.id), p.version, p.model_dump(mode="json"),
                                   course_entries(p)) for p in pages]
        by_course: dict[uuid.UUID, list[LessonDoc]] = {p.id: [] for p in pages}
        for doc in lessons:
            by_course[doc.course_id].append(doc)
        # A course's lessons are written as one unit versioned by the course (see replace_children).
        lesson_groups = [(f"course:{p.id}", p.version,
                          [(str(d.id), d.model_dump(mode="json"), ()) for d in by_course[p.id]])
                         for p in pages]
        for generation in targets.generations.get(COURSES, ()):
            await courses_space.upsert_many(generation, page_items)
        for generation in targets.generations.get(LESSONS, ()):
            await lessons_space.replace_children(generation, lesson_groups)
        if stores.search is not None:
            for target in targets.search:
                # The rebuild switched after our check: "next" is gone and is now "live".
                with contextlib.suppress(NoRebuildInProgress):
                    await stores.search.upsert(searchable, target=target)

    def stream_ids(self, engine: AsyncEngine, batch_size: int
                   ) -> AsyncIterator[list[uuid.UUID]]:
        return stream_ids(engine, Course.id, batch_size)

    async def count(self, engine: AsyncEngine) -> int:
        return await count_rows(engine, Course.__table__)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        pages, lessons, searchable = await self.expected(stores, ids)
        differences = await compare_documents(DocumentSpace(stores.redis, COURSES),
                                     {str(p.id): p.model_dump(mode="json") for p in pages})
        differences |= await compare_documents(DocumentSpace(stores.redis, LESSONS),
                                      {str(d.id): d.model_dump(mode="json") for d in lessons},
                                      label="lesson ")
        if stores.search is not None:
            for doc in searchable:
                stored = await stores.search.get(doc.id)
                if stored != doc:
                    differences[f"search {doc.id}"] = "missing" if stored is None else "differs"
        return differences


class CategoriesProjection:
    name = "categories"
    spaces: tuple[str, ...] = (CATEGORIES,)
    uses_search = False

    def handles(self, event: Event) -> bool:
        return isinstance(event, CategoryEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, CategoryEvent)
        return [event.category_id]

    async def write(self, stores: Stores, ids: Sequence[uuid.UUID], targets: Targets) -> None:
        rows = await load_categories(stores.engine, ids)
        items: list[Item] = []
        for category_id in ids:
            row = rows.get(category_id)
            if row is None:  # deleted: a tombstone nothing older can overwrite
                items.append((str(category_id), FINAL_VERSION, None, []))
            else:
                doc = CategoryDoc(id=row["id"], name=row["name"], slug=row["slug"],
                                  version=row["version"])
                items.append((str(doc.id), doc.version, doc.model_dump(mode="json"),
                              category_entries(doc)))
        space = DocumentSpace(stores.redis, CATEGORIES)
        for generation in targets.generations.get(CATEGORIES, ()):
            await space.upsert_many(generation, items)

    def stream_ids(self, engine: AsyncEngine, batch_size: int
                   ) -> AsyncIterator[list[uuid.UUID]]:
        return stream_ids(engine, Category.id, batch_size)

    async def count(self, engine: AsyncEngine) -> int:
        return await count_rows(engine, Category.__table__)

    async def drift(self, stores: Stores, ids: Sequence[uuid.UUID]) -> dict[str, str]:
        rows = await load_categories(stores.engine, ids)
        expected = {str(i): CategoryDoc(id=r["id"], name=r["name"], slug=r["slug"],
                                        version=r["version"]).model_dump(mode="json")
                    for i, r in rows.items()}
        return await compare_documents(DocumentSpace(stores.redis, CATEGORIES), expected)
