"""The naive baseline load tests compare CQRS against: reads assembled from the write tables.

Every request queries the normalized write model (as the original services did) instead of the
Redis read models and the search index, so `tools/bench_catalog` can measure what the read side
buys. It is a measuring stick, not part of the platform: no gateway routes to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from common.errors import NotFound
from common.http import install_plumbing
from common.settings import Settings
from projectors.teacher import load_teacher_stats
from read.stores.catalog import (
    CategoryRef,
    CoursePageView,
    CourseSummary,
    LessonOutline,
    ModuleOutline,
)
from read.stores.learning import DASHBOARD_LIMIT, Dashboard, DashboardCourse, DashboardSection, LessonRef
from read.stores.teacher import CourseStats, totals_of
from write.catalog.models import Category, Course, Lesson, Module
from write.db import create_engine
from write.identity.models import User
from write.learning.models import Enrollment, LessonCompletion
from write.notifications.models import Notification

router = APIRouter(prefix="/api/naive", tags=["naive baseline"])


class NaiveSearchPage(BaseModel):
    items: list[CourseSummary]
    total: int


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


Engine = Annotated[AsyncEngine, Depends(_engine)]


async def _teacher_names(conn: AsyncConnection, teacher_ids: set[UUID]) -> dict[UUID, str]:
    # Users live in another schema: a second query, as the write side never joins across schemas.
    rows = await conn.execute(select(User.id, User.name).where(User.id.in_(teacher_ids)))
    return {row.id: row.name for row in rows}


async def _outline(conn: AsyncConnection, course_id: UUID) -> list[ModuleOutline]:
    modules = (await conn.execute(select(Module.id, Module.title)
                                  .where(Module.course_id == course_id)
                                  .order_by(Module.position))).all()
    lessons = (await conn.execute(
        select(Lesson.id, Lesson.module_id, Lesson.title, Lesson.duration_minutes, Lesson.preview)
        .where(Lesson.course_id == course_id).order_by(Lesson.position))).all()
    return [ModuleOutline(id=module.id, title=module.title, lessons=[
        LessonOutline(id=lesson.id, title=lesson.title, duration_minutes=lesson.duration_minutes,
                      preview=lesson.preview)
        for lesson in lessons if lesson.module_id == module.id]) for module in modules]


@router.get("/courses/{course_id}", response_model=CoursePageView)
async def course_page(course_id: UUID, engine: Engine) -> CoursePageView:
    """A published course page, assembled from the write tables on every request."""
    query = (select(Course.__table__, Category.name.label("category_name"),
                    Category.slug.label("category_slug"))
             .outerjoin(Category, Category.id == Course.category_id)
             .where(Course.id == course_id, Course.status == "published"))
    async with engine.connect() as conn:
        course = (await conn.execute(query)).mappings().first()
        if course is None:
            raise NotFound("no such course", code="course_not_found")
        names = await _teacher_names(conn, {course["teacher_id"]})
        modules = await _outline(conn, course_id)
    lessons = [lesson for module in modules for lesson in module.lessons]
    category = (CategoryRef(id=course["category_id"], name=course["category_name"],
                            slug=course["category_slug"]) if course["category_id"] else None)
    # The write model has no reviews or enrollments yet; the course projection also counts zero.
    return CoursePageView.model_validate({
        **course, "teacher_name": names.get(course["teacher_id"], ""), "category": category,
        "rating": 0.0, "rating_count": 0, "students_count": 0, "lessons_count": len(lessons),
        "duration_minutes": sum(lesson.duration_minutes for lesson in lessons), "modules": modules,
    })


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@router.get("/courses", response_model=NaiveSearchPage)
async def search_courses(engine: Engine, q: Annotated[str | None, Query(max_length=200)] = None,
                         limit: Annotated[int, Query(ge=1, le=50)] = 20) -> NaiveSearchPage:
    """Published courses whose title or description contains `q` (ILIKE), newest first."""
    query = (select(Course.id, Course.title, Course.teacher_id, Course.category_id, Course.level,
                    Course.language, Course.price, Course.currency, Course.cover_url,
                    Course.published_at, func.count().over().label("total"))
             .where(Course.status == "published")
             .order_by(Course.published_at.desc()).limit(limit))
    if q and q.strip():
        pattern = _like_pattern(q.strip())
        query = query.where(or_(Course.title.ilike(pattern, escape="\\"),
                                Course.description_html.ilike(pattern, escape="\\")))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
        names = await _teacher_names(conn, {row["teacher_id"] for row in rows})
    items = [CourseSummary.model_validate({**row, "teacher_name": names.get(row["teacher_id"], "")})
             for row in rows]
    return NaiveSearchPage(items=items, total=rows[0]["total"] if rows else 0)


async def _sections(conn: AsyncConnection, student_id: UUID) -> dict[bool, list[DashboardCourse]]:
    """The student's courses from the learning, catalog and identity tables (one query per
    schema and kind of row, no read model), split into completed or not."""
    enrollments = (await conn.execute(
        select(Enrollment.__table__).where(Enrollment.student_id == student_id,
                                           Enrollment.status != "revoked")
        .order_by(Enrollment.last_activity_at.desc()))).all()
    course_ids = [e.course_id for e in enrollments]
    courses = {c.id: c for c in await conn.execute(
        select(Course.id, Course.title, Course.cover_url, Course.teacher_id)
        .where(Course.id.in_(course_ids)))}
    names = await _teacher_names(conn, {c.teacher_id for c in courses.values()})
    lessons: dict[UUID, list[LessonRef]] = {course_id: [] for course_id in course_ids}
    for row in await conn.execute(
            select(Lesson.id, Lesson.title, Lesson.course_id).join(Module)
            .where(Lesson.course_id.in_(course_ids)).order_by(Module.position, Lesson.position)):
        lessons[row.course_id].append(LessonRef(id=row.id, title=row.title))
    done = set((await conn.execute(select(LessonCompletion.lesson_id).where(
        LessonCompletion.student_id == student_id,
        LessonCompletion.course_id.in_(course_ids)))).scalars())
    sections: dict[bool, list[DashboardCourse]] = {True: [], False: []}
    for enrollment in enrollments:
        course, outline = courses.get(enrollment.course_id), lessons[enrollment.course_id]
        if course is None:
            continue
        finished = [lesson for lesson in outline if lesson.id in done]
        sections[enrollment.status == "completed"].append(DashboardCourse(
            course_id=course.id, title=course.title, cover_url=course.cover_url,
            teacher_name=names.get(course.teacher_id, ""), status=enrollment.status,
            progress_percent=len(finished) * 100 // len(outline) if outline else 0,
            completed_lessons=len(finished), total_lessons=len(outline),
            next_lesson=next((lesson for lesson in outline if lesson.id not in done), None),
            last_lesson=next((lesson for lesson in outline
                              if lesson.id == enrollment.last_lesson_id), None),
            last_activity_at=enrollment.last_activity_at, enrolled_at=enrollment.created_at))
    return sections


@router.get("/students/{student_id}/dashboard", response_model=Dashboard)
async def dashboard(student_id: UUID, engine: Engine) -> Dashboard:
    """A student's dashboard, assembled from the write tables on every request."""
    async with engine.connect() as conn:
        sections = await _sections(conn, student_id)
        unread = await conn.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == student_id, Notification.read_at.is_(None)))
    return Dashboard(
        in_progress=DashboardSection(items=sections[False][:DASHBOARD_LIMIT],
                                     total=len(sections[False])),
        completed=DashboardSection(items=sections[True][:DASHBOARD_LIMIT],
                                   total=len(sections[True])),
        unread_notifications=unread or 0)


class NaiveTeacherCourse(BaseModel):
    id: UUID
    title: str
    stats: CourseStats


class NaiveTeacherCourses(BaseModel):
    items: list[NaiveTeacherCourse]
    total: int
    totals: CourseStats


@router.get("/teachers/{teacher_id}/courses", response_model=NaiveTeacherCourses)
async def teacher_courses(teacher_id: UUID, engine: Engine) -> NaiveTeacherCourses:
    """A teacher's courses with their numbers, counted in the write tables on every request."""
    async with engine.connect() as conn:
        courses = (await conn.execute(select(Course.id, Course.title)
                                      .where(Course.teacher_id == teacher_id)
                                      .order_by(Course.updated_at.desc(), Course.id.desc()))).all()
    stats = {doc.id: CourseStats.model_validate(doc.model_dump())
             for doc in await load_teacher_stats(engine, [course.id for course in courses])}
    return NaiveTeacherCourses(
        items=[NaiveTeacherCourse(id=course.id, title=course.title,
                                  stats=stats.get(course.id, CourseStats())) for course in courses],
        total=len(courses), totals=totals_of(stats.values()))


def create_naive_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings)
        yield
        await app.state.engine.dispose()

    app = FastAPI(title="EduPlatform naive baseline", version="0.1.0", lifespan=lifespan,
                  description="Course pages, search and dashboards read straight from the write tables.")

    async def postgres() -> None:
        async with app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    install_plumbing(app, service="naive", max_body_bytes=settings.max_body_bytes,
                     readiness={"postgres": postgres})
    app.include_router(router)
    return app
