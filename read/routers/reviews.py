"""Review queries: a course's visible reviews, newest first."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from read.deps import Consistent, ReviewsStore
from read.pagination import Cursor, Limit, next_cursor, offset_from
from read.stores.reviews import ReviewDoc

router = APIRouter(prefix="/api", tags=["reviews"])


class ReviewPage(BaseModel):
    items: list[ReviewDoc]
    total: int
    next_cursor: str | None


@router.get("/courses/{course_id}/reviews", response_model=ReviewPage)
async def course_reviews(course_id: UUID, reviews: ReviewsStore, _: Consistent,
                         limit: Limit = 20, cursor: Cursor = None) -> ReviewPage:
    """A course's reviews, newest first (hidden ones left out; an unknown course has none)."""
    offset = offset_from(cursor)
    items, total = await reviews.course_reviews(course_id, limit=limit, offset=offset)
    return ReviewPage(items=items, total=total, next_cursor=next_cursor(offset, limit, total))
