"""Catalog read models in Redis: course pages, lessons, categories, lists and teacher views."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import orjson
from pydantic import BaseModel
from redis.asyncio import Redis

from read.stores.documents import DocumentSpace, IndexEntry

COURSES = "courses"
LESSONS = "lessons"
CATEGORIES = "categories"
LISTS = {"newest": "newest", "popular": "popular", "top-rated": "rating"}
ListName = Literal["newest", "popular", "top-rated"]

# One round trip for a course page: the course and its category, each in its serving generation.
# The category id is matched, not decoded: a page has no other "category_id" key, and a quote
# inside a JSON string is always escaped (decoding the whole page cost more than the reads).
# Postgres writes the page with spaces around the colon; a null category does not match.
_READ_PAGE = """
local course_gen = redis.call('GET', KEYS[1]) or '1'
local raw = redis.call('GET', ARGV[1] .. course_gen .. ':doc:' .. ARGV[2])
if not raw then return {false, false} end
local category_id = string.match(raw, '"category_id"%s*:%s*"([%x%-]+)"')
if not category_id then return {raw, false} end
local category_gen = redis.call('GET', KEYS[2]) or '1'
return {raw, redis.call('GET', ARGV[3] .. category_gen .. ':doc:' .. category_id)}
"""


# A Lua function for scripts of other spaces whose documents name a course (an enrollment, a
# notification): one page of a sorted set (highest score first), its documents, and the course
# pages they name, whose id is matched in the document rather than decoded. `courses` is the
# courses space's document key prefix in its serving generation.
LUA_DOCS_WITH_COURSE_PAGES = """
local function docs_with_course_pages(base, courses, set, start, stop)
  local ids = redis.call('ZREVRANGE', set, start, stop)
  local docs, pages = {}, {}
  if #ids > 0 then
    local keys = {}
    for i, id in ipairs(ids) do keys[i] = base .. 'doc:' .. id end
    docs = redis.call('MGET', unpack(keys))
    for i, raw in ipairs(docs) do
      keys[i] = courses .. ((raw and string.match(raw, '"course_id":"([%x%-]+)"')) or '-')
    end
    pages = redis.call('MGET', unpack(keys))
  end
  return docs, pages
end
"""


class LessonOutline(BaseModel):
    id: UUID
    title: str
    duration_minutes: int
    preview: bool


class ModuleOutline(BaseModel):
    id: UUID
    title: str
    lessons: list[LessonOutline]


class CategoryRef(BaseModel):
    id: UUID
    name: str
    slug: str


class CourseSummary(BaseModel):
    """The least a catalog entry shows of a course (the naive baseline's search hits too)."""

    id: UUID
    title: str
    teacher_id: UUID
    teacher_name: str
    category_id: UUID | None
    level: str
    language: str
    price: Decimal | None
    currency: str | None
    cover_url: str | None
    published_at: datetime | None


class CourseCard(CourseSummary):
    """What a list or search hit shows of a course."""

    status: Literal["draft", "published", "archived"]
    rating: float
    rating_count: int
    students_count: int
    lessons_count: int
    duration_minutes: int
    updated_at: datetime
    version: int


class CoursePage(CourseCard):
    """The course page: the card plus description and outline (never paid lesson content)."""

    description_html: str
    modules: list[ModuleOutline]


class CoursePageView(CoursePage):
    category: CategoryRef | None = None


class CategoryDoc(BaseModel):
    id: UUID
    name: str
    slug: str
    version: int


class CategoryView(CategoryDoc):
    courses_count: int


class LessonDoc(BaseModel):
    """A lesson with its content; the read API decides who may see `content_*`."""

    id: UUID
    course_id: UUID
    module_id: UUID
    teacher_id: UUID
    course_status: Literal["draft", "published", "archived"]
    title: str
    content_md: str
    video_url: str | None
    duration_minutes: int
    preview: bool
    position: int
    version: int


def course_entries(*, course_id: UUID, teacher_id: UUID, category_id: UUID | None, status: str,
                   published_at: float | None, updated_at: float, students_count: int = 0,
                   rating: float = 0.0) -> list[IndexEntry]:
    """Sorted-set memberships: teacher's list always; catalog lists only while published.

    Times are epoch seconds (the scores of the lists).
    """
    member = str(course_id)
    entries = [IndexEntry(f"teacher:{teacher_id}", updated_at, member)]
    if status == "published" and published_at is not None:
        category = f"cat:{category_id}:" if category_id is not None else None
        for list_key, score in (("newest", published_at), ("popular", float(students_count)),
                                ("rating", rating)):
            entries.append(IndexEntry("list:" + list_key, score, member))
            if category is not None:
                entries.append(IndexEntry(category + list_key, score, member))
    return entries


def category_entries(category: CategoryDoc) -> list[IndexEntry]:
    return [IndexEntry("all", 0, str(category.id))]


class CatalogReadStore:
    """Catalog queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.courses = DocumentSpace(redis, COURSES)
        self.lessons = DocumentSpace(redis, LESSONS)
        self.categories = DocumentSpace(redis, CATEGORIES)
        self._read_page = redis.register_script(_READ_PAGE)

    async def course_page(self, course_id: UUID) -> dict[str, Any] | None:
        """The stored page with its category, as JSON-ready data (shape: CoursePageView).

        Not re-validated: the projector wrote it from the same models, and the hot read path
        should not pay for parsing it into objects only to serialize it again.
        """
        raw_course, raw_category = await self._read_page(
            keys=[self.courses.generation_key, self.categories.generation_key],
            args=[self.courses.key_prefix, str(course_id), self.categories.key_prefix],
        )
        # orjson: the hot read path, and several times faster than json on a page.
        course: dict[str, Any] | None = orjson.loads(raw_course)["doc"] if raw_course else None
        if course is None:
            return None
        category = orjson.loads(raw_category)["doc"] if raw_category else None
        course["category"] = (
            {"id": category["id"], "name": category["name"], "slug": category["slug"]}
            if category else None)
        return course

    async def lesson(self, lesson_id: UUID) -> LessonDoc | None:
        doc = await self.lessons.get_current(str(lesson_id))
        return LessonDoc.model_validate(doc) if doc else None

    async def course_list(self, name: ListName, *, category_id: UUID | None, limit: int,
                          offset: int) -> tuple[list[CourseCard], int]:
        prefix = f"cat:{category_id}:" if category_id else "list:"
        return await self._cards(f"{prefix}{LISTS[name]}", limit=limit, offset=offset)

    async def _cards(self, set_name: str, *, limit: int, offset: int
                     ) -> tuple[list[CourseCard], int]:
        docs, total = await self.courses.highest_first(set_name, offset=offset, limit=limit)
        return [CourseCard.model_validate(d) for d in docs], total

    async def all_categories(self) -> list[CategoryView]:
        cat_gen, course_gen = await self.categories.current_generation(), \
            await self.courses.current_generation()
        ids = await self.categories.members(cat_gen, "all")
        docs = [CategoryDoc.model_validate(d) for d in await self.categories.get_many(cat_gen, ids)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for doc in docs:
                pipe.zcard(self.courses.key(course_gen, f"cat:{doc.id}:newest"))
            counts = await pipe.execute()
        views = [CategoryView(**doc.model_dump(), courses_count=int(count))
                 for doc, count in zip(docs, counts, strict=True)]
        return sorted(views, key=lambda view: view.name.lower())
