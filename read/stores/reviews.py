"""Reviews read model in Redis: each course's visible reviews, newest first."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel
from redis.asyncio import Redis

from read.stores.documents import DocumentSpace, IndexEntry

REVIEWS = "reviews"


class ReviewDoc(BaseModel):
    """A visible review as a course's reviews list shows it (`comment_html` is sanitized)."""

    id: UUID
    course_id: UUID
    author_id: UUID
    author_name: str
    rating: int
    comment_html: str
    created_at: datetime
    updated_at: datetime
    version: int


def review_entries(doc: ReviewDoc) -> list[IndexEntry]:
    """The course's reviews, scored by when each was posted (epoch seconds)."""
    return [IndexEntry(f"course:{doc.course_id}", doc.created_at.timestamp(), str(doc.id))]


class ReviewsReadStore:
    """Review queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.reviews = DocumentSpace(redis, REVIEWS)

    async def course_reviews(self, course_id: UUID, *, limit: int, offset: int
                             ) -> tuple[list[ReviewDoc], int]:
        docs, total = await self.reviews.highest_first(f"course:{course_id}", offset=offset,
                                                       limit=limit)
        return [ReviewDoc.model_validate(doc) for doc in docs], total
