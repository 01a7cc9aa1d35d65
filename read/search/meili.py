"""The Meilisearch adapter (production): a live index, a "<uid>_next" index, and swap-indexes.

Meilisearch cannot write conditionally, so the version check of the port is the caller's: writes
for one course must be serialized (see SearchIndex). Every write waits for its task, so a search
right after `upsert` returns sees it (read-your-writes for the consistency token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchError
from meilisearch_python_sdk.models.settings import (
    Faceting,
    FilterableAttributes,
    MeilisearchSettings,
    Pagination,
    TypoTolerance,
)

from common.settings import Settings
from read.search.documents import (
    MAX_LIMIT,
    MAX_OFFSET,
    CourseSearchDoc,
    Facets,
    SearchHit,
    SearchQuery,
    SearchResult,
    empty_facets,
    newest_per_id,
    next_offset,
)
from read.search.port import NoRebuildInProgress, SearchUnavailable, Target

TASK_TIMEOUT_MS = 60_000
REQUEST_TIMEOUT_SECONDS = 10
UPSERT_CHUNK = 10_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Facet name in SearchResult -> attribute in the index. `is_free` is added when indexing.
FACET_ATTRIBUTES = {"category": "category_id", "level": "level", "language": "language",
                    "price": "is_free"}
FILTERABLE: list[str | FilterableAttributes] = [
    "listed", "category_id", "level", "language", "is_free", "price_value", "rating"]
SETTINGS = MeilisearchSettings(
    searchable_attributes=["title", "teacher_name", "description_text"],  # in order of weight
    filterable_attributes=FILTERABLE,
    sortable_attributes=["students_count", "rating", "rating_count", "published_at_us",
                         "price_value"],
    # "sort" first: an explicit sort orders all matches, text relevance only breaks its ties;
    # without a sort (relevance with text) the rule is inert.
    ranking_rules=["sort", "words", "typo", "proximity", "attribute", "exactness"],
    typo_tolerance=TypoTolerance(enabled=True),
    faceting=Faceting(max_values_per_facet=1_000),
    pagination=Pagination(max_total_hits=MAX_OFFSET + MAX_LIMIT),
)
SORTS = {
    "popular": ["students_count:desc"],
    "rating": ["rating:desc", "rating_count:desc"],
    "newest": ["published_at_us:desc"],
    "price_asc": ["price_value:asc"],
    "price_desc": ["price_value:desc"],
}


class MeiliSearchIndex:
    """The SearchIndex port over a Meilisearch server."""

    def __init__(self, client: AsyncClient, uid: str) -> None:
        self._client = client
        self._live = uid
        self._next = f"{uid}_next"

    @classmethod
    def from_settings(cls, settings: Settings) -> MeiliSearchIndex:
        if not settings.meili_url:
            raise ValueError("MEILI_URL is required when SEARCH_BACKEND=meilisearch")
        key = settings.meili_api_key.get_secret_value() if settings.meili_api_key else None
        client = AsyncClient(settings.meili_url, key, timeout=REQUEST_TIMEOUT_SECONDS)
        return cls(client, settings.meili_index)

    async def ensure(self) -> None:
        if await self._client.get_raw_index(self._live) is None:
            await self._create(self._live)

    async def upsert(self, docs: Sequence[CourseSearchDoc], *, target: Target = "live") -> None:
        uid = self._live if target == "live" else self._next
        # Adding documents would silently create a missing index, without settings.
        if target == "next" and not await self.rebuilding():
            raise NoRebuildInProgress("no search index rebuild is in progress")
        ordered = [_indexed(doc) for doc in newest_per_id(docs)]
        index = self._client.index(uid)
        tasks = [await index.add_documents(ordered[start:start + UPSERT_CHUNK], primary_key="id")
                 for start in range(0, len(ordered), UPSERT_CHUNK)]
        for task in tasks:
            await self._wait(task.task_uid)

    async def search(self, query: SearchQuery) -> SearchResult:
        async with _answering():
            found = await self._client.index(self._live).search(
                query.q, offset=query.offset, limit=query.limit, filter=search_filter(query),
                facets=list(FACET_ATTRIBUTES.values()), sort=_sort(query),
                matching_strategy="all")
        facets = _facets(found.facet_distribution or {})
        # Facet counts are exact over all matches (the hit estimate is not); every listed
        # document is either free or paid, so the price facet adds up to the total.
        total = sum(facets["price"].values())
        items = [SearchHit.model_validate(hit) for hit in found.hits]
        return SearchResult(items=items, total=total, facets=facets,
                            next_offset=next_offset(query, len(items), total))

    async def get(self, course_id: UUID) -> CourseSearchDoc | None:
        try:
            async with _answering():
                body = await self._client.index(self._live).get_document(str(course_id))
        except MeilisearchApiError as exc:
            if exc.code == "document_not_found":
                return None
            raise
        return CourseSearchDoc.model_validate(body)

    async def count(self) -> int:
        return (await self.search(SearchQuery(limit=1))).total

    async def start_rebuild(self) -> None:
        await self._client.delete_index_if_exists(self._next)
        await self._create(self._next)

    async def rebuilding(self) -> bool:
        return await self._client.get_raw_index(self._next) is not None

    async def finish_rebuild(self) -> None:
        if not await self.rebuilding():
            raise NoRebuildInProgress("no search index rebuild is in progress")
        await self.ensure()
        swap = await self._client.swap_indexes([(self._live, self._next)])
        await self._wait(swap.task_uid)
        await self._client.delete_index_if_exists(self._next)  # now the old generation

    async def abandon_rebuild(self) -> None:
        await self._client.delete_index_if_exists(self._next)

    async def drop(self) -> None:
        for uid in (self._live, self._next):
            await self._client.delete_index_if_exists(uid)

    async def close(self) -> None:
        await self._client.aclose()

    async def _create(self, uid: str) -> None:
        # Settings go on while the index is empty: changing them later re-indexes everything.
        await self._client.create_index(uid, primary_key="id", settings=SETTINGS, wait=True,
                                        timeout_in_ms=TASK_TIMEOUT_MS)

    async def _wait(self, task_uid: int) -> None:
        await self._client.wait_for_task(task_uid, timeout_in_ms=TASK_TIMEOUT_MS,
                                         raise_for_status=True)


def _indexed(doc: CourseSearchDoc) -> dict[str, Any]:
    """The stored JSON document plus the attributes only filters and sorts use."""
    body = doc.model_dump(mode="json")
    body["is_free"] = doc.is_free
    body["price_value"] = float(doc.price or 0)  # free costs 0 in price ranges and sorts
    if doc.published_at is not None:
        body["published_at_us"] = (doc.published_at - EPOCH) // timedelta(microseconds=1)
    return body


def search_filter(query: SearchQuery) -> str:
    """A Meilisearch filter expression; every string value is quoted and escaped."""
    parts = ["listed = true"]
    for attribute in ("category_id", "level", "language"):
        value = getattr(query, attribute)
        if value is not None:
            parts.append(f"{attribute} = {_quoted(str(value))}")
    if query.price is not None:
        parts.append(f"is_free = {'true' if query.price == 'free' else 'false'}")
    for bound, operator in (("price_min", ">="), ("price_max", "<="), ("rating_min", ">=")):
        value = getattr(query, bound)
        if value is not None:
            attribute = "rating" if bound == "rating_min" else "price_value"
            parts.append(f"{attribute} {operator} {_number(value)}")
    return " AND ".join(parts)


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _number(value: Decimal | float) -> str:
    return format(Decimal(str(value)), "f")


def _sort(query: SearchQuery) -> list[str] | None:
    if query.sort == "relevance":
        return None if query.q else SORTS["newest"]
    return SORTS[query.sort]


def _facets(distribution: dict[str, Any]) -> Facets:
    facets = empty_facets()
    for name, attribute in FACET_ATTRIBUTES.items():
        counts = {str(value): int(n) for value, n in distribution.get(attribute, {}).items() if n}
        if name == "price":
            counts = {label: counts[flag] for label, flag in (("free", "true"), ("paid", "false"))
                      if flag in counts}
        facets[name] = counts
    return facets


@asynccontextmanager
async def _answering() -> AsyncIterator[None]:
    """An unreachable server, a timeout or a missing index become SearchUnavailable (503)."""
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.code == "index_not_found" or exc.status_code >= 500:
            raise SearchUnavailable() from exc
        raise
    except (MeilisearchError, OSError) as exc:  # read timeouts arrive as the bare base error
        raise SearchUnavailable() from exc
