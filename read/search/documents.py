"""What projectors write into the search index, and what a catalog search asks and answers."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Level = Literal["beginner", "intermediate", "advanced"]
Sort = Literal["relevance", "popular", "rating", "newest", "price_asc", "price_desc"]
FACETS = ("category", "level", "language", "price")
MAX_LIMIT = 50
MAX_OFFSET = 10_000
MAX_QUERY_LENGTH = 200


class SearchHit(BaseModel):
    """The public part of a course search document, as the catalog shows it.

    The category is named by its id only (names and slugs: `GET /api/categories`), so renaming a
    category changes no course's search document.
    """

    model_config = ConfigDict(frozen=True)

    id: UUID
    title: str
    description_text: str
    teacher_id: UUID
    teacher_name: str
    category_id: UUID | None = None
    level: Level
    language: str = Field(min_length=1, max_length=16)
    price: Decimal | None = Field(default=None, ge=0)
    currency: str | None = None
    rating: float = Field(default=0.0, ge=0, le=5)
    rating_count: int = Field(default=0, ge=0)
    students_count: int = Field(default=0, ge=0)
    lessons_count: int = Field(default=0, ge=0)
    duration_minutes: int = Field(default=0, ge=0)
    cover_url: str | None = None
    published_at: AwareDatetime | None = None
    updated_at: AwareDatetime


class CourseSearchDoc(SearchHit):
    """A whole search document: the public fields plus the aggregate version and the listed flag.

    `listed=False` is a tombstone (draft or archived course): it keeps its version so a late,
    older delivery cannot bring the course back, but it is never searched or counted.
    """

    version: int = Field(ge=0)
    listed: bool = True

    @property
    def is_free(self) -> bool:
        return self.price is None or self.price == 0


class SearchQuery(BaseModel):
    """A catalog search: optional text, filters, one sort and an offset page."""

    model_config = ConfigDict(frozen=True)

    q: str | None = Field(default=None, max_length=MAX_QUERY_LENGTH)
    category_id: UUID | None = None
    level: Level | None = None
    language: str | None = Field(default=None, max_length=16)
    price: Literal["free", "paid"] | None = None
    price_min: Decimal | None = Field(default=None, ge=0)
    price_max: Decimal | None = Field(default=None, ge=0)
    rating_min: float | None = Field(default=None, ge=0, le=5)
    sort: Sort = "relevance"
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


Facets = dict[str, dict[str, int]]


class SearchResult(BaseModel):
    """One page of hits, the total number of matches, facet counts over all matches, the next page."""

    items: list[SearchHit]
    total: int
    facets: Facets
    next_offset: int | None


def empty_facets() -> Facets:
    return {name: {} for name in FACETS}


def next_offset(query: SearchQuery, returned: int, total: int) -> int | None:
    """The offset of the following page, or None when this page is the last reachable one."""
    following = query.offset + returned
    if returned == 0 or following >= total or following > MAX_OFFSET:
        return None
    return following


def newest_per_id(docs: Iterable[CourseSearchDoc]) -> list[CourseSearchDoc]:
    """One document per id (the highest version), sorted by id so concurrent writers lock in order."""
    newest: dict[UUID, CourseSearchDoc] = {}
    for doc in docs:
        held = newest.get(doc.id)
        if held is None or doc.version >= held.version:
            newest[doc.id] = doc
    return [newest[key] for key in sorted(newest)]
