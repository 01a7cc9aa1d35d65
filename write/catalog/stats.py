"""Course stats (students, visible ratings), changed in the transaction of the change itself."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert

from write.catalog.review_models import CourseStats
from write.outbox import UnitOfWork


async def adjust_stats(uow: UnitOfWork, course_id: uuid.UUID, *, students: int = 0,
                       ratings: int = 0, rating_sum: int = 0) -> CourseStats:
    """Adds the deltas to the course's stats (creating them) and bumps their version.

    One atomic upsert: concurrent enrollments and reviews of one course queue on the row lock
    instead of losing an increment. Only an increase can find no row (a decrease undoes an earlier
    increase), and the inserted row must pass the checks even when it conflicts, hence `max`.
    """
    upsert = insert(CourseStats).values(
        course_id=course_id, students_count=max(students, 0), rating_count=max(ratings, 0),
        rating_sum=max(rating_sum, 0), version=1,
    ).on_conflict_do_update(
        index_elements=[CourseStats.course_id],
        set_={"students_count": CourseStats.students_count + students,
              "rating_count": CourseStats.rating_count + ratings,
              "rating_sum": CourseStats.rating_sum + rating_sum,
              "version": CourseStats.version + 1},
    ).returning(CourseStats)
    stats: CourseStats = (await uow.session.scalars(
        upsert, execution_options={"populate_existing": True})).one()
    return stats
