"""Review commands over HTTP (write API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from write.catalog.handlers import reviews
from write.catalog.review_commands import ChangeReview, PostReview, ReviewOut
from write.deps import CurrentUser, WriteSession

router = APIRouter(prefix="/api", tags=["reviews"])


@router.post("/courses/{course_id}/reviews", status_code=201, response_model=ReviewOut,
             responses={403: {"description": "not enrolled, or the course's own teacher"},
                        404: {"description": "no published course with this id"},
                        409: {"description": "already reviewed this course"}})
async def post_review(course_id: uuid.UUID, cmd: PostReview, user: CurrentUser,
                      uow: WriteSession, response: Response) -> ReviewOut:
    """Review a course you are enrolled in: a rating of 1 to 5 and a comment (once per course)."""
    result = await reviews.post_review(uow, user, course_id, cmd)
    await uow.commit_into(response)
    return result


@router.patch("/reviews/{review_id}", response_model=ReviewOut,
              responses={403: {"description": "not the review's author"}})
async def change_review(review_id: uuid.UUID, cmd: ChangeReview, user: CurrentUser,
                        uow: WriteSession, response: Response) -> ReviewOut:
    """Change your review's rating or comment."""
    result = await reviews.change_review(uow, user, review_id, cmd)
    await uow.commit_into(response)
    return result


@router.delete("/reviews/{review_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={403: {"description": "not the review's author"}})
async def delete_review(review_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                        response: Response) -> None:
    """Delete your review (you may then post a new one)."""
    await reviews.delete_review(uow, user, review_id)
    await uow.commit_into(response)


@router.post("/reviews/{review_id}/hide", response_model=ReviewOut,
             responses={403: {"description": "admins only"}})
async def hide_review(review_id: uuid.UUID, user: CurrentUser, uow: WriteSession,
                      response: Response) -> ReviewOut:
    """Hide a review from the course's reviews and rating (admins; idempotent)."""
    result = await reviews.hide_review(uow, user, review_id)
    await uow.commit_into(response)
    return result
