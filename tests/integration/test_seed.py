"""Bulk seeding: what lands in the write model, reproducibility, reruns, and rebuilt read models."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from projectors.base import Stores
from projectors.rebuild import rebuild, verify
from read.search.port import create_search_index
from read.stores.documents import DocumentSpace
from tools.seed import SEED_PASSWORD, SeedResult, bulk_seed
from workers.routing import PROJECTIONS
from write.catalog.text import sanitize_html
from write.identity.secrets import verify_password


async def seed(settings: Settings, *, random_seed: int = 7) -> SeedResult:
    return await bulk_seed(settings, teachers=5, courses=50, modules_per_course=2,
                           lessons_per_module=3, categories=4, students=20, enrollments=60,
                           payments=20, reviews=30, random_seed=random_seed,
                           show_progress=False)


async def rows(engine: AsyncEngine, query: str, **params: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in await conn.execute(text(query), params)]


async def catalog_of_run(engine: AsyncEngine, run: str) -> list[tuple[Any, ...]]:
    """The courses of one seed run without ids, emails or slugs (which a rerun must change)."""
    emails = r"^teacher\d+@seed\.example$" if run == "r1" else rf"^teacher\d+\.{run}@seed\.example$"
    courses = await rows(engine, """
        SELECT substring(u.email from 'teacher[0-9]+') AS teacher, cat.name AS category, c.title,
               c.description_html, c.level, c.language, c.price, c.currency, c.status,
               c.published_at, c.created_at,
               (SELECT array_agg(l.title || l.duration_minutes || l.preview ORDER BY l.title)
                FROM catalog.lessons l WHERE l.course_id = c.id) AS lessons
        FROM catalog.courses c JOIN identity.users u ON u.id = c.teacher_id
        LEFT JOIN catalog.categories cat ON cat.id = c.category_id
        WHERE u.email ~ :emails""", emails=emails)
    return sorted(tuple(str(v) for v in c.values()) for c in courses)


async def test_a_small_seed_lands_a_valid_catalog(settings: Settings, engine: AsyncEngine) -> None:
    result = await seed(settings)

    assert (result.teachers, result.categories, result.courses, result.modules,
            result.lessons) == (5, 4, 50, 100, 300)
    counts = (await rows(engine, """SELECT
        (SELECT count(*) FROM identity.users WHERE role = 'teacher' AND teacher_verified
            AND email_verified AND NOT blocked) AS teachers,
        (SELECT count(DISTINCT slug) FROM catalog.categories) AS categories,
        (SELECT count(*) FROM catalog.courses) AS courses,
        (SELECT count(*) FROM catalog.modules) AS modules,
        (SELECT count(*) FROM catalog.lessons) AS lessons"""))[0]
    assert counts == {"teachers": 5, "categories": 4, "courses": 50, "modules": 100, "lessons": 300}

    courses = await rows(engine, "SELECT * FROM catalog.courses")
    assert {c["status"] for c in courses} <= {"draft", "published", "archived"}
    assert any(c["status"] == "published" for c in courses)
    for course in courses:
        assert (course["price"] is None) == (course["currency"] is None)
        assert course["price"] is None or (course["price"] > 0
                                           and course["currency"] in {"RUB", "USD", "EUR"})
        assert (course["published_at"] is None) == (course["status"] == "draft")
        assert course["language"] in {"ru", "en"}
        assert course["version"] == 1
        assert sanitize_html(course["description_html"]) == course["description_html"]
    free = sum(c["price"] is None for c in courses)
    assert 0 < free < len(courses)

    previews = await rows(engine, """SELECT l.course_id, m.position AS module, l.position
        FROM catalog.lessons l JOIN catalog.modules m ON m.id = l.module_id WHERE l.preview""")
    assert len(previews) == 50
    assert {(p["module"], p["position"]) for p in previews} == {(0, 0)}

    teacher = (await rows(engine, "SELECT email, password_hash FROM identity.users LIMIT 1"))[0]
    assert teacher["email"].endswith("@seed.example")
    assert verify_password(teacher["password_hash"], SEED_PASSWORD)


async def test_seeded_students_study_pay_and_review_consistently(
    settings: Settings, engine: AsyncEngine
) -> None:
    result = await seed(settings)

    assert (result.students, result.enrollments, result.reviews) == (20, 60, 30)
    assert 15 <= result.payments <= 30
    facts = {f["course_id"]: f for f in await rows(engine, """
        SELECT f.*, c.status AS catalog_status, c.price AS catalog_price, t.price AS billing_price,
               (SELECT array_agg(l.id ORDER BY m.position, l.position) FROM catalog.modules m
                JOIN catalog.lessons l ON l.module_id = m.id WHERE m.course_id = c.id) AS outline
        FROM learning.course_facts f JOIN catalog.courses c ON c.id = f.course_id
        JOIN billing.course_terms t ON t.course_id = c.id""")}
    assert len(facts) == 50  # learning and billing know every course, as their reactions would
    assert all(f["lesson_ids"] == f["outline"] and f["status"] == f["catalog_status"]
               and f["price"] == f["catalog_price"] == f["billing_price"] for f in facts.values())
    enrollments = await rows(engine, "SELECT * FROM learning.enrollments")
    assert len({(e["student_id"], e["course_id"]) for e in enrollments}) == 60
    done = await rows(engine, "SELECT student_id, course_id, lesson_id FROM "
                              "learning.lesson_completions")
    payments = await rows(engine, "SELECT * FROM billing.payments")
    access = {a["payment_id"]: a for a in await rows(engine, "SELECT * FROM learning.paid_access")}
    for enrollment in enrollments:
        course = facts[enrollment["course_id"]]
        assert course["status"] == "published"
        completed = {d["lesson_id"] for d in done if (d["student_id"], d["course_id"]) == (
            enrollment["student_id"], enrollment["course_id"])}
        lessons = course["lesson_ids"]
        assert completed == set(lessons[:len(completed)])  # studied in order
        paid = [p for p in payments if (p["student_id"], p["course_id"]) == (
            enrollment["student_id"], enrollment["course_id"]) and p["status"] != "declined"]
        if course["price"] is None:
            assert paid == []
        else:  # one payment let the student in; a refund took the access away again
            [payment] = paid
            assert payment["amount"] == course["price"]
            revoked = payment["status"] == "refunded"
            assert (enrollment["status"] == "revoked") == revoked
            assert access[payment["id"]]["status"] == ("revoked" if revoked else "active")
        if enrollment["status"] != "revoked":
            assert enrollment["status"] == ("completed" if len(completed) == len(lessons)
                                            else "in_progress" if completed else "enrolled")
        assert enrollment["last_lesson_id"] == (lessons[len(completed) - 1] if completed
                                                else None)
    assert {e["status"] for e in enrollments} >= {"enrolled", "in_progress", "completed"}
    assert {p["status"] for p in payments} >= {"succeeded", "declined"}
    active = sorted((e["course_id"], e["student_id"]) for e in enrollments
                    if e["status"] != "revoked")
    for table in ("catalog.course_students", "notifications.course_students"):
        copied = await rows(engine, f"SELECT course_id, student_id FROM {table}")
        assert sorted((c["course_id"], c["student_id"]) for c in copied) == active
    reviews = await rows(engine, "SELECT course_id, author_id, rating FROM catalog.reviews")
    assert {(r["course_id"], r["author_id"]) for r in reviews} <= set(active)
    stats = await rows(engine, """
        SELECT s.course_id, s.students_count, s.rating_count, s.rating_sum,
               (SELECT count(*) FROM catalog.course_students c WHERE c.course_id = s.course_id)
                   AS students,
               (SELECT count(*) FROM catalog.reviews r WHERE r.course_id = s.course_id) AS rated,
               (SELECT coalesce(sum(rating), 0) FROM catalog.reviews r
                WHERE r.course_id = s.course_id) AS rating_total
        FROM catalog.course_stats s""")
    assert stats
    assert all((s["students_count"], s["rating_count"], s["rating_sum"])
               == (s["students"], s["rated"], s["rating_total"]) for s in stats)
    students = await rows(engine, "SELECT password_hash FROM identity.users "
                                  "WHERE role = 'student' AND email_verified")
    assert len(students) == 20
    assert verify_password(students[0]["password_hash"], SEED_PASSWORD)


async def test_the_same_seed_gives_the_same_catalog_and_reruns_add_to_it(
    settings: Settings, engine: AsyncEngine
) -> None:
    first = await seed(settings)
    again = await seed(settings)
    other = await seed(settings, random_seed=8)

    assert (first.run, again.run, other.run) == ("r1", "r2", "r3")
    first_catalog = await catalog_of_run(engine, "r1")
    assert len(first_catalog) == 50
    assert first_catalog == await catalog_of_run(engine, "r2")
    assert first_catalog != await catalog_of_run(engine, "r3")
    counts = await rows(engine, "SELECT count(*) AS n FROM catalog.courses")
    assert counts == [{"n": 150}]


async def test_read_models_rebuilt_from_a_seed_show_no_drift(
    settings: Settings, engine: AsyncEngine, redis: Redis
) -> None:
    await seed(settings)
    search = await create_search_index(settings)
    try:
        stores = Stores(engine, redis, search)
        for projection in PROJECTIONS.values():
            result = await rebuild(projection, stores, batch_size=16, grace_seconds=0)
            assert result.documents == await projection.count(engine)
        drift = {name: await verify(projection, stores) for name, projection in PROJECTIONS.items()}
        assert drift == {name: {} for name in PROJECTIONS}
        assert await search.count() == len(await rows(
            engine, "SELECT id FROM catalog.courses WHERE status = 'published'"))

        courses = PROJECTIONS["courses"]
        every_id = {row["id"] for row in await rows(engine, "SELECT id FROM catalog.courses")}
        draws = [await courses.sample_ids(engine, 5) for _ in range(10)]
        assert all(len(set(d)) == 5 and set(d) <= every_id and d == sorted(d) for d in draws)
        assert len({i for d in draws for i in d}) > 5  # random, not always the first five
        planted = draws[0][0]
        pages = DocumentSpace(redis, "courses")
        await redis.delete(pages.key(await pages.current_generation(), f"doc:{planted}"))
        assert await verify(courses, stores, sample=len(every_id)) == {str(planted): "missing"}
        assert len(await verify(courses, stores, sample=1)) <= 1
    finally:
        await search.close()
