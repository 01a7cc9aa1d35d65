"""Catalog queries: search, course pages, lists, categories, lessons, a teacher's courses."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from common.errors import Forbidden, NotFound
from read.deps import (
    CatalogStore,
    Consistent,
    LearningStore,
    OptionalReader,
    Reader,
    SearchAnswersDep,
    TeacherStore,
    claims_if_sent,
    reader_if_known,
    resources_of,
)
from read.pagination import Cursor, Limit, next_cursor, offset_from
from read.rendering import markdown_to_html
from read.search.documents import SearchHit, SearchQuery
from read.stores.catalog import CategoryView, CourseCard, CoursePageView, LessonDoc, ListName
from read.stores.teacher import TeacherCoursesPage
from read.stores.users import UserDoc

router = APIRouter(prefix="/api", tags=["catalog"])


class SearchPage(BaseModel):
    items: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    next_cursor: str | None


class CardPage(BaseModel):
    items: list[CourseCard]
    total: int
    next_cursor: str | None


class LessonView(BaseModel):
    id: UUID
    course_id: UUID
    module_id: UUID
    title: str
    duration_minutes: int
    preview: bool
    video_url: str | None = None
    content_html: str | None = None
    content_md: str | None = None


def _may_edit(user: UserDoc | None, teacher_id: UUID) -> bool:
    return user is not None and (user.role == "admin" or user.id == teacher_id)


@router.get("/courses", response_model=SearchPage)
async def search_courses(
    answers: SearchAnswersDep,
    own_change: Consistent,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: UUID | None = None,
    level: Literal["beginner", "intermediate", "advanced"] | None = None,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$")] = None,
    price: Literal["free", "paid"] | None = None,
    price_min: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    price_max: Annotated[Decimal | None, Query(ge=0, le=100000)] = None,
    rating_min: Annotated[float | None, Query(ge=0, le=5)] = None,
    sort: Literal["relevance", "popular", "rating", "newest", "price_asc", "price_desc"] = "relevance",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> SearchPage:
    """Search the published catalog: typo-tolerant, prefixes, filters, facets, sorts."""
    offset = offset_from(cursor)
    query = SearchQuery(q=q.strip() or None if q else None, category_id=category, level=level,
                        language=language, price=price, price_min=price_min, price_max=price_max,
                        rating_min=rating_min, sort=sort, limit=limit, offset=offset)
    # SearchUnavailable (503) when the backend is down; a reader who sent a consistency token
    # gets the index's own answer, not a kept one.
    result = await answers.search(query, fresh=own_change)
    return SearchPage(items=result.items, total=result.total, facets=result.facets,
                      next_cursor=next_cursor(offset, limit, result.total))


# The caller may send a bearer token (read by hand below, so it shows in the schema this way).
_OPTIONAL_BEARER: dict[str, Any] = {"security": [{"HTTPBearer": []}, {}]}


@router.get("/courses/{course_id}", response_model=CoursePageView,
            openapi_extra=_OPTIONAL_BEARER)
async def course_page(course_id: UUID, request: Request, own_change: Consistent) -> Response:
    """A course page (published courses; drafts to their teacher and admins)."""
    # The hottest read: the page usually comes from memory (ADR 0017), and who the caller is
    # matters only for drafts, so the user document is read only then.
    claims = await claims_if_sent(request)
    page = await resources_of(request).pages.page(course_id, fresh=own_change)
    if page is None or (page.status != "published" and not _may_edit(
            await reader_if_known(request, claims), UUID(page.teacher_id))):
        raise NotFound("no such course", code="course_not_found")
    return Response(page.body, media_type="application/json")


@router.get("/catalog/lists/{name}", response_model=CardPage)
async def course_list(name: ListName, catalog: CatalogStore, _: Consistent,
                      category: UUID | None = None, limit: Limit = 20,
                      cursor: Cursor = None) -> CardPage:
    """Newest, popular or top-rated published courses, overall or in one category."""
    offset = offset_from(cursor)
    cards, total = await catalog.course_list(name, category_id=category, limit=limit,
                                             offset=offset)
    return CardPage(items=cards, total=total, next_cursor=next_cursor(offset, limit, total))


@router.get("/categories", response_model=list[CategoryView])
async def categories(catalog: CatalogStore, _: Consistent) -> list[CategoryView]:
    """Every category with its number of published courses."""
    return await catalog.all_categories()


@router.get("/teacher/courses", response_model=TeacherCoursesPage)
async def teacher_courses(user: Reader, teacher: TeacherStore, limit: Limit = 20,
                          cursor: Cursor = None) -> TeacherCoursesPage:
    """The caller's own courses, drafts and archived ones included, last changed first, each with
    its students, completions, rating and revenue, and the totals over all of them."""
    if user.role != "teacher":
        raise Forbidden("only teachers have courses", code="teacher_required")
    offset = offset_from(cursor)
    page = await teacher.courses_of(user.id, limit=limit, offset=offset)
    page.next_cursor = next_cursor(offset, limit, page.total)
    return page


@router.get("/lessons/{lesson_id}", response_model=LessonView, response_model_exclude_none=True)
async def lesson(lesson_id: UUID, catalog: CatalogStore, learning: LearningStore,
                 user: OptionalReader, _: Consistent) -> LessonView:
    """A lesson's content: for its teacher, admins and enrolled students; anyone on a preview."""
    doc = await catalog.lesson(lesson_id)
    editor = doc is not None and _may_edit(user, doc.teacher_id)
    if doc is None or (doc.course_status != "published" and not editor):
        raise NotFound("no such lesson", code="lesson_not_found")
    outline = LessonView(id=doc.id, course_id=doc.course_id, module_id=doc.module_id,
                         title=doc.title, duration_minutes=doc.duration_minutes,
                         preview=doc.preview)
    if not (editor or doc.preview or (
            user is not None and await learning.is_enrolled(user.id, doc.course_id))):
        raise Forbidden("enroll in the course to read this lesson", code="enrollment_required")
    return _with_content(outline, doc, editor=editor)


def _with_content(outline: LessonView, doc: LessonDoc, *, editor: bool) -> LessonView:
    return outline.model_copy(update={"video_url": doc.video_url,
                                      "content_html": markdown_to_html(doc.content_md),
                                      "content_md": doc.content_md if editor else None})
