"""The catalog over real HTTP: a teacher authors and publishes, a student finds and reads."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actors import admin_of, publish_course, sign_up, verified_teacher
from tests.harness import Platform


def titles(response: httpx.Response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


async def test_author_publish_find_read_and_archive(platform: Platform) -> None:
    admin = await admin_of(platform)
    programming = (await admin.command("POST", "/api/categories", expect=201,
                                       json={"name": "Программирование"})).json()
    design = (await admin.command("POST", "/api/categories", expect=201,
                                  json={"name": "Design"})).json()
    assert programming["slug"] == "programmirovanie"
    maria = await verified_teacher(platform, admin, "maria@example.com", "Мария Иванова")
    john = await verified_teacher(platform, admin, "john@example.com", "John Smith")

    python_id = await publish_course(
        maria, title="Python для начинающих", category_id=programming["id"], language="ru",
        description="<p>Программирование на <strong>Python</strong> с нуля</p>", lessons=2)
    await publish_course(maria, title="Программирование микроконтроллеров",
                         category_id=programming["id"], language="ru", level="advanced",
                         price="49.90")
    await publish_course(john, title="Typography basics", category_id=design["id"],
                         price="19.00", level="intermediate")
    draft = (await john.command("POST", "/api/courses", expect=201,
                                json={"title": "Secret Python draft"})).json()

    student = await sign_up(platform, "stu@example.com")
    student.last_token = john.last_token

    misspelled = await student.read("/api/courses", q="pyhton")
    assert titles(misspelled) == ["Python для начинающих"]
    word_form = await student.read("/api/courses", q="программированию")
    assert set(titles(word_form)) == {"Python для начинающих", "Программирование микроконтроллеров"}
    prefix = await student.read("/api/courses", q="микрокон")
    assert titles(prefix) == ["Программирование микроконтроллеров"]
    latin_prefix = await student.read("/api/courses", q="typo")
    assert titles(latin_prefix) == ["Typography basics"]

    everything = (await student.read("/api/courses")).json()
    assert everything["total"] == 3  # the draft is not in the catalog
    assert everything["facets"]["category"] == {programming["id"]: 2, design["id"]: 1}
    assert everything["facets"]["price"] == {"free": 1, "paid": 2}
    assert everything["facets"]["language"] == {"ru": 2, "en": 1}
    paid_ru = await student.read("/api/courses", price="paid", language="ru")
    assert titles(paid_ru) == ["Программирование микроконтроллеров"]
    cheapest_first = await student.read("/api/courses", price="paid", sort="price_asc")
    assert titles(cheapest_first) == ["Typography basics", "Программирование микроконтроллеров"]
    in_category = await student.read("/api/courses", category=programming["id"], sort="newest")
    assert titles(in_category) == ["Программирование микроконтроллеров", "Python для начинающих"]

    page = (await student.read(f"/api/courses/{python_id}")).json()
    assert page["teacher_name"] == "Мария Иванова"
    assert page["category"]["name"] == "Программирование"
    assert [len(m["lessons"]) for m in page["modules"]] == [2]
    assert "content" not in str(page["modules"])  # the outline never carries lesson content
    preview, locked = page["modules"][0]["lessons"]
    assert (await student.read(f"/api/lessons/{preview['id']}")).json()["content_html"]
    refused = await student.read(f"/api/lessons/{locked['id']}", expect=403)
    assert "content_html" not in refused.text
    await student.read(f"/api/courses/{draft['id']}", expect=404)
    assert (await john.read(f"/api/courses/{draft['id']}")).json()["status"] == "draft"

    categories = {c["slug"]: c["courses_count"] for c in (await student.read("/api/categories")).json()}
    assert categories == {"programmirovanie": 2, "design": 1}
    newest = await student.read("/api/catalog/lists/newest")
    assert titles(newest)[0] == "Typography basics"
    mine = await john.read("/api/teacher/courses")
    assert set(titles(mine)) == {"Typography basics", "Secret Python draft"}

    await maria.command("PATCH", f"/api/courses/{python_id}", json={"title": "Python с нуля"},
                        headers={"If-Match": f'"{page["version"]}"'})
    student.last_token = maria.last_token
    assert titles(await student.read("/api/courses", q="python")) == ["Python с нуля"]
    assert (await student.read(f"/api/courses/{python_id}")).json()["title"] == "Python с нуля"

    await maria.command("POST", f"/api/courses/{python_id}/archive")
    student.last_token = maria.last_token
    assert titles(await student.read("/api/courses", q="python")) == []
    assert "Python с нуля" not in titles(await student.read("/api/catalog/lists/newest"))
    await student.read(f"/api/courses/{python_id}", expect=404)
    counts = {c["slug"]: c["courses_count"] for c in (await student.read("/api/categories")).json()}
    assert counts["programmirovanie"] == 1


async def test_lists_page_through_every_course_once_newest_first(platform: Platform) -> None:
    admin = await admin_of(platform)
    art = (await admin.command("POST", "/api/categories", expect=201, json={"name": "Art"})).json()
    empty = (await admin.command("POST", "/api/categories", expect=201,
                                 json={"name": "Empty"})).json()
    teacher = await verified_teacher(platform, admin, "lists@example.com", "List Teacher")
    published = [await publish_course(teacher, title=f"Course {n}",
                                      category_id=art["id"] if n % 2 else None)
                 for n in range(5)]
    reader = await sign_up(platform, "reader@example.com")
    reader.last_token = teacher.last_token  # the last publish is projected before reading

    seen: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": 2} if cursor is None else {"limit": 2, "cursor": cursor}
        page = (await reader.read("/api/catalog/lists/newest", **query)).json()
        assert page["total"] == 5
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(published))

    in_art = (await reader.read("/api/catalog/lists/newest", category=art["id"])).json()
    assert [item["id"] for item in in_art["items"]] == [published[3], published[1]]
    assert in_art["total"] == 2
    nothing = (await reader.read("/api/catalog/lists/top-rated", category=empty["id"])).json()
    assert nothing == {"items": [], "total": 0, "next_cursor": None}
