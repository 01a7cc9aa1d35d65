"""The course documents Postgres builds are exactly what the read side's models describe."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.settings import Settings
from projectors.catalog import search_doc
from projectors.catalog_documents import load_course_lessons, load_course_pages, load_search_rows
from read.search.documents import SearchHit
from read.stores.catalog import CoursePage, LessonDoc
from tools.seed import bulk_seed


def as_pydantic_writes_it(model: type[CoursePage] | type[LessonDoc] | type[SearchHit],
                          raw: str) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_validate_json(raw).model_dump(mode="json")
    return dumped


async def test_page_lesson_and_search_json_match_the_read_models(settings: Settings,
                                                            engine: AsyncEngine) -> None:
    await bulk_seed(settings, teachers=3, courses=12, modules_per_course=2,
                       lessons_per_module=3, categories=2, random_seed=11, show_progress=False)
    async with engine.begin() as conn:
        ids = list((await conn.scalars(text("SELECT id FROM catalog.courses ORDER BY id"))).all())
        # Times as pydantic writes them: UTC, "Z", a fraction only when there is one.
        for course_id, moment in ((ids[0], "2026-01-02 06:04:05+03"),
                                  (ids[3], "2026-01-02 03:04:05.12+00")):
            await conn.execute(text("UPDATE catalog.courses SET updated_at = "
                                    "CAST(CAST(:at AS text) AS timestamptz) WHERE id = :id"),
                               {"id": course_id, "at": moment})
        # A module without lessons, and a course without modules.
        await conn.execute(text("INSERT INTO catalog.modules (id, course_id, title, position) "
                                "VALUES (gen_random_uuid(), :id, 'Пусто \"<b>\"', 99)"),
                           {"id": ids[1]})
        await conn.execute(text("DELETE FROM catalog.modules WHERE course_id = :id"), {"id": ids[2]})

    documents = await load_course_pages(engine, [*ids, ids[0]])
    lesson_sets = await load_course_lessons(engine, [*ids, ids[0]])
    search_rows = await load_search_rows(engine, [*ids, ids[0]])

    assert [d.id for d in documents] == [d.id for d in lesson_sets] == ids
    assert [d.id for d in search_rows] == ids
    for course, course_lessons, row in zip(documents, lesson_sets, search_rows, strict=True):
        page = json.loads(course.page_json)
        assert page == as_pydantic_writes_it(CoursePage, course.page_json)
        assert page.keys() == CoursePage.model_fields.keys()
        outline = [lesson["id"] for module in page["modules"] for lesson in module["lessons"]]
        assert course_lessons.lesson_ids == outline
        assert page["lessons_count"] == len(outline)
        lessons = [json.loads(doc) for doc in course_lessons.lessons_json]
        assert [lesson["position"] for lesson in lessons] == list(range(len(outline)))
        for lesson, raw in zip(lessons, course_lessons.lessons_json, strict=True):
            assert lesson == as_pydantic_writes_it(LessonDoc, raw)
            assert lesson.keys() == LessonDoc.model_fields.keys()
            assert lesson["version"] == page["version"] == course_lessons.version
        assert sum(lesson["duration_minutes"] for lesson in lessons) == page["duration_minutes"]
        # The search hit shows the page's card as it is.
        hit = json.loads(row.hit_json)
        as_written = as_pydantic_writes_it(SearchHit, json.dumps({**hit, "description_text": ""}))
        assert hit == {name: as_written[name] for name in hit}
        assert hit.keys() == SearchHit.model_fields.keys() - {"description_text"}
        assert hit == {name: page[name] for name in hit}
        doc = search_doc(row)
        assert doc.version == course.document_version
        assert doc.listed == (page["status"] == "published")
        assert "<" not in doc.description_text
    pages = [json.loads(d.page_json) for d in documents]
    assert pages[0]["updated_at"] == "2026-01-02T03:04:05Z"
    assert pages[3]["updated_at"] == "2026-01-02T03:04:05.120000Z"
    assert pages[1]["modules"][-1]["title"] == 'Пусто "<b>"'
    assert pages[1]["modules"][-1]["lessons"] == []
    assert pages[2]["modules"] == []
    assert lesson_sets[2].lessons_json == []
    assert pages[2]["lessons_count"] == pages[2]["duration_minutes"] == 0
