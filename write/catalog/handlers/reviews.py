"""Reviews: an enrolled student posts one per course, edits or deletes it; an admin hides it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, Forbidden, NotFound
from write.catalog.access import require_admin
from write.catalog.models import Course
from write.catalog.review_commands import ChangeReview, PostReview, ReviewOut
from write.catalog.review_models import CourseStudent, Review
from write.catalog.stats import adjust_stats
from write.events import ReviewChanged, ReviewDeleted, ReviewHidden, ReviewPosted
from write.identity.models import User
from write.outbox import UnitOfWork


def _already_reviewed() -> Conflict:
    return Conflict("you have already reviewed this course; edit your review instead",
                    code="already_reviewed")


def _out(review: Review) -> ReviewOut:
    return ReviewOut(id=review.id, course_id=review.course_id, rating=review.rating,
                     comment_html=review.comment_html, hidden=review.hidden,
                     version=review.version)


async def post_review(uow: UnitOfWork, user: User, course_id: uuid.UUID,
                      cmd: PostReview) -> ReviewOut:
    course = await uow.session.get(Course, course_id)
    if course is None or course.status != "published":
        raise NotFound("no such course", code="course_not_found")
    if course.teacher_id == user.id:
        raise Forbidden("teachers cannot review their own course", code="own_course")
    # The catalog's copy of enrollments may lag learning's by a moment (ADR 0011).
    if await uow.session.get(CourseStudent, (course_id, user.id)) is None:
        raise Forbidden("enroll in the course to review it", code="enrollment_required")
    if await uow.session.scalar(select(Review.id).where(
            Review.course_id == course_id, Review.author_id == user.id)):
        raise _already_reviewed()
    review = Review(id=uuid.uuid4(), course_id=course_id, author_id=user.id, rating=cmd.rating,
                    comment_html=cmd.comment, hidden=False, version=1)
    uow.session.add(review)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent request of the same student won
        raise _already_reviewed() from exc
    await adjust_stats(uow, course_id, ratings=1, rating_sum=review.rating)
    uow.record(ReviewPosted(review_id=review.id, course_id=course_id, author_id=user.id,
                            version=review.version, teacher_id=course.teacher_id,
                            rating=review.rating))
    return _out(review)


async def _review_for_change(uow: UnitOfWork, review_id: uuid.UUID) -> Review:
    review = (await uow.session.scalars(
        select(Review).where(Review.id == review_id).with_for_update())).first()
    if review is None:
        raise NotFound("no such review", code="review_not_found")
    return review


def _require_author(user: User, review: Review) -> None:
    if review.author_id != user.id:
        raise Forbidden("only the review's author may change it", code="not_review_author")


async def change_review(uow: UnitOfWork, user: User, review_id: uuid.UUID,
                        cmd: ChangeReview) -> ReviewOut:
    review = await _review_for_change(uow, review_id)
    _require_author(user, review)
    old_rating = review.rating
    changed = [field for field, column, value in (("rating", "rating", cmd.rating),
                                                  ("comment", "comment_html", cmd.comment))
               if value is not None and getattr(review, column) != value]
    if not changed:
        return _out(review)
    review.rating = cmd.rating if cmd.rating is not None else review.rating
    review.comment_html = cmd.comment if cmd.comment is not None else review.comment_html
    review.version += 1
    if review.rating != old_rating and not review.hidden:
        await adjust_stats(uow, review.course_id, rating_sum=review.rating - old_rating)
    uow.record(ReviewChanged(review_id=review.id, course_id=review.course_id,
                             author_id=review.author_id, version=review.version, changed=changed))
    return _out(review)


async def _withdraw(uow: UnitOfWork, review: Review) -> None:
    """Takes a visible review's rating out of the course's average."""
    if not review.hidden:
        await adjust_stats(uow, review.course_id, ratings=-1, rating_sum=-review.rating)


async def delete_review(uow: UnitOfWork, user: User, review_id: uuid.UUID) -> None:
    review = await _review_for_change(uow, review_id)
    _require_author(user, review)
    await _withdraw(uow, review)
    await uow.session.delete(review)
    uow.record(ReviewDeleted(review_id=review.id, course_id=review.course_id,
                             author_id=review.author_id, version=review.version + 1))


async def hide_review(uow: UnitOfWork, user: User, review_id: uuid.UUID) -> ReviewOut:
    """Hides a review from the course's reviews and rating; hiding it again changes nothing."""
    require_admin(user)
    review = await _review_for_change(uow, review_id)
    if review.hidden:
        return _out(review)
    await _withdraw(uow, review)
    review.hidden = True
    review.version += 1
    uow.record(ReviewHidden(review_id=review.id, course_id=review.course_id,
                            author_id=review.author_id, version=review.version,
                            hidden_by=user.id))
    return _out(review)
