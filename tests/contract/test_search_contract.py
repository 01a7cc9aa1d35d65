"""The search port's contract: every adapter answers the same searches the same way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from read.search.documents import CourseSearchDoc, SearchHit, SearchQuery, SearchResult
from read.search.port import NoRebuildInProgress, SearchIndex, SearchUnavailable
from tests.contract.builders import DESIGN, PROGRAMMING, Catalog, catalog, course


async def search(index: SearchIndex, **query: Any) -> SearchResult:
    return await index.search(SearchQuery(**query))


async def found(index: SearchIndex, **query: Any) -> list[UUID]:
    return [hit.id for hit in (await search(index, **query)).items]


async def stocked(index: SearchIndex) -> Catalog:
    books = catalog()
    await index.upsert(books.docs)
    return books


def public(doc: CourseSearchDoc) -> SearchHit:
    return SearchHit.model_validate(doc.model_dump())


async def test_a_stored_document_reads_back_unchanged(search_index: SearchIndex) -> None:
    books = await stocked(search_index)
    assert await search_index.get(books.go.id) == books.go
    assert (await search(search_index, q="Go")).items == [public(books.go)]
    assert await search_index.count() == 5


@pytest.mark.parametrize(("q", "expected"), [
    ("python", "python"),            # a word as written, any case
    ("analysts", "sql"),             # an English word form of the title
    ("программированию", "go"),      # a Russian word form of "Программирование"
    ("pyhton", "python"),            # a transposition typo
    ("програмирование", "go"),       # a missing letter in a long Russian word
    ("pyth", "python"),              # search as you type, Latin
    ("прогр", "go"),                 # search as you type, Cyrillic
    ("python нач", "python"),        # all words must match; the last one may be a prefix
    ("Smith", "sql"),                # the teacher's name
    ("горутины", "go"),              # the description
])
async def test_text_matches_words_forms_typos_and_prefixes(
        search_index: SearchIndex, q: str, expected: str) -> None:
    books = await stocked(search_index)
    assert await found(search_index, q=q) == [getattr(books, expected).id]


async def test_a_title_match_ranks_above_a_description_match(search_index: SearchIndex) -> None:
    mention = course(title="Data science", description="Pandas and Python notebooks.", students=999)
    title = course(title="Python in practice", students=1)
    await search_index.upsert([mention, title])
    assert await found(search_index, q="python") == [title.id, mention.id]


async def test_text_without_a_match_finds_nothing(search_index: SearchIndex) -> None:
    await stocked(search_index)
    result = await search(search_index, q="haskell")
    assert (result.items, result.total, result.next_offset) == ([], 0, None)


@pytest.mark.parametrize(("query", "expected"), [
    ({"category_id": PROGRAMMING}, {"python", "go", "sql"}),
    ({"category_id": DESIGN}, {"figma"}),
    ({"level": "beginner"}, {"python", "figma", "color"}),
    ({"language": "en"}, {"sql", "color"}),
    ({"price": "free"}, {"python", "color"}),
    ({"price": "paid"}, {"go", "sql", "figma"}),
    ({"price_min": Decimal("20")}, {"go", "figma"}),
    ({"price_max": Decimal("49.90")}, {"python", "go", "sql", "color"}),  # free costs 0
    ({"price_min": Decimal("19"), "price_max": Decimal("50")}, {"go", "sql"}),
    ({"rating_min": 4.5}, {"python", "go"}),
    ({"category_id": PROGRAMMING, "price": "paid", "language": "ru"}, {"go"}),
    ({"q": "python", "price": "paid"}, set()),
])
async def test_each_filter_narrows_the_matches(
        search_index: SearchIndex, query: dict[str, Any], expected: set[str]) -> None:
    books = await stocked(search_index)
    result = await search(search_index, **query)
    assert {hit.id for hit in result.items} == {getattr(books, name).id for name in expected}
    assert result.total == len(expected)


@pytest.mark.parametrize(("sort", "expected"), [
    ("popular", ["python", "go", "sql", "figma", "color"]),
    ("rating", ["python", "go", "sql", "figma", "color"]),
    ("newest", ["color", "figma", "sql", "go", "python"]),
    ("relevance", ["color", "figma", "sql", "go", "python"]),  # without text: newest first
    ("price_desc", ["figma", "go", "sql", "python|color", "python|color"]),
    ("price_asc", ["python|color", "python|color", "sql", "go", "figma"]),
])
async def test_each_sort_orders_every_match(
        search_index: SearchIndex, sort: str, expected: list[str]) -> None:
    books = await stocked(search_index)
    order = await found(search_index, sort=sort)
    assert len(order) == len(set(order)) == 5
    for position, names in zip(order, expected, strict=True):
        assert position in {getattr(books, name).id for name in names.split("|")}


async def test_facets_count_every_match_not_just_the_page(search_index: SearchIndex) -> None:
    await stocked(search_index)
    result = await search(search_index, limit=1)
    assert result.total == 5
    assert result.facets == {
        "category": {str(PROGRAMMING): 3, str(DESIGN): 1},
        "level": {"beginner": 3, "intermediate": 1, "advanced": 1},
        "language": {"ru": 3, "en": 2},
        "price": {"free": 2, "paid": 3},
    }


async def test_facets_follow_the_text_and_the_filters(search_index: SearchIndex) -> None:
    await stocked(search_index)
    english = await search(search_index, language="en")
    assert english.facets == {
        "category": {str(PROGRAMMING): 1},
        "level": {"advanced": 1, "beginner": 1},
        "language": {"en": 2},
        "price": {"free": 1, "paid": 1},
    }
    python = await search(search_index, q="python")
    assert python.facets == {
        "category": {str(PROGRAMMING): 1}, "level": {"beginner": 1},
        "language": {"ru": 1}, "price": {"free": 1},
    }


@pytest.mark.parametrize("sort", ["relevance", "popular", "price_asc"])
async def test_pages_cover_every_match_exactly_once(search_index: SearchIndex, sort: str) -> None:
    books = await stocked(search_index)
    seen: list[UUID] = []
    offset: int | None = 0
    while offset is not None:
        page = await search(search_index, sort=sort, limit=2, offset=offset)
        assert page.total == 5
        assert len(page.items) <= 2
        seen += [hit.id for hit in page.items]
        offset = page.next_offset
    assert sorted(seen) == sorted(doc.id for doc in books.docs)


async def test_an_older_version_never_overwrites_a_newer_one(
        search_index: SearchIndex, backend: str) -> None:
    if backend == "meilisearch":
        pytest.skip("Meilisearch has no conditional write: callers serialize writes per course")
    newer = course(title="Rust basics", version=2)
    older = course(title="Kotlin basics", version=1, course_id=newer.id)
    await search_index.upsert([newer])
    await search_index.upsert([older])
    assert await search_index.get(newer.id) == newer
    assert await found(search_index, q="kotlin") == []
    assert await found(search_index, q="rust") == [newer.id]
    late_relist = course(title="Rust basics", version=1, course_id=newer.id)
    await search_index.upsert([newer.model_copy(update={"version": 3, "listed": False})])
    await search_index.upsert([late_relist])
    assert await search_index.count() == 0


async def test_the_newest_version_in_one_batch_wins(search_index: SearchIndex) -> None:
    first = course(title="Kotlin basics", version=1)
    second = course(title="Rust basics", version=2, course_id=first.id)
    await search_index.upsert([second, first])
    assert await search_index.get(first.id) == second


async def test_an_unlisted_document_is_hidden_and_uncounted(search_index: SearchIndex) -> None:
    books = await stocked(search_index)
    archived = books.python.model_copy(update={"version": 2, "listed": False})
    await search_index.upsert([archived])
    assert await found(search_index, q="python") == []
    everything = await search(search_index)
    assert everything.total == 4
    assert books.python.id not in {hit.id for hit in everything.items}
    assert everything.facets["price"] == {"free": 1, "paid": 3}
    assert everything.facets["level"] == {"beginner": 2, "intermediate": 1, "advanced": 1}
    assert await search_index.count() == 4
    assert await search_index.get(books.python.id) == archived


async def test_a_rebuild_serves_the_old_index_until_it_switches(search_index: SearchIndex) -> None:
    books = await stocked(search_index)
    renamed = books.go.model_copy(update={"title": "Go: конкурентность", "version": 2})
    await search_index.start_rebuild()
    assert await search_index.rebuilding()
    await search_index.upsert([renamed, books.sql], target="next")
    assert (await search(search_index)).total == 5
    assert await found(search_index, q="конкурентность") == []
    await search_index.finish_rebuild()
    assert not await search_index.rebuilding()
    assert await search_index.count() == 2
    assert await found(search_index, q="конкурентность") == [books.go.id]
    assert await search_index.get(books.python.id) is None


async def test_next_index_operations_need_a_rebuild(search_index: SearchIndex) -> None:
    with pytest.raises(NoRebuildInProgress):
        await search_index.upsert([course(title="Elixir")], target="next")
    with pytest.raises(NoRebuildInProgress):
        await search_index.finish_rebuild()
    assert await search_index.count() == 0


async def test_a_stale_next_index_is_replaced_by_a_new_rebuild(search_index: SearchIndex) -> None:
    await search_index.start_rebuild()
    await search_index.upsert([course(title="Stale course")], target="next")
    await search_index.start_rebuild()
    await search_index.finish_rebuild()
    assert await search_index.count() == 0


async def test_an_abandoned_rebuild_leaves_the_live_index_alone(search_index: SearchIndex) -> None:
    books = await stocked(search_index)
    await search_index.start_rebuild()
    await search_index.upsert([course(title="Half-built")], target="next")
    await search_index.abandon_rebuild()
    assert not await search_index.rebuilding()
    with pytest.raises(NoRebuildInProgress):
        await search_index.upsert([course(title="Late write")], target="next")
    assert await search_index.count() == 5
    assert await found(search_index, q="python") == [books.python.id]
    await search_index.abandon_rebuild()  # nothing to abandon: no error


async def test_drop_then_ensure_gives_an_empty_index(search_index: SearchIndex) -> None:
    await stocked(search_index)
    await search_index.drop()
    with pytest.raises(SearchUnavailable):  # the read API answers 503 until a rebuild
        await search(search_index, q="python")
    with pytest.raises(SearchUnavailable):
        await search_index.count()
    await search_index.ensure()
    assert await search_index.count() == 0
    result = await search(search_index)
    assert (result.items, result.total) == ([], 0)


@pytest.mark.parametrize("q", [
    "'; DROP TABLE search.courses; --",
    "python' OR '1'='1",
    "<script>alert(1)</script>",
    "a & b | !c :* (",
    "\\",
    "%_%",
    "\"unterminated",
])
async def test_hostile_text_is_only_text(search_index: SearchIndex, q: str) -> None:
    books = await stocked(search_index)
    await search(search_index, q=q)
    await search(search_index, language=q[:16])
    assert await search_index.count() == 5
    assert await search_index.get(books.python.id) == books.python


async def test_markup_in_a_document_comes_back_verbatim(search_index: SearchIndex) -> None:
    doc = course(title="<b>Python</b> & 'SQL'", description="<script>x</script>")
    await search_index.upsert([doc])
    assert (await search(search_index, q="python")).items == [public(doc)]
