"""Students who enroll (as the catalog learns of it), review, and leave, for property tests that
run command handlers directly."""

from __future__ import annotations

import uuid

from common.errors import AppError
from write.catalog.handlers import reviews
from write.catalog.reactions import add_course_student, remove_course_student
from write.catalog.review_commands import ChangeReview, PostReview
from write.events import StudentEnrolled
from write.identity.models import User
from write.outbox import UnitOfWork

AUDIENCE_ACTIONS = ("enroll", "enroll", "leave", "review", "review", "rerate", "unreview")


def people(count: int) -> list[User]:
    """Students with names (authors of reviews), not yet saved."""
    return [User(id=uuid.uuid4(), email=f"student{n}@example.com", name=f"Student {n}",
                 password_hash="x", role="student", teacher_verified=False, email_verified=True,
                 blocked=False, version=1) for n in range(count)]


class Audience:
    """Runs the catalog's side of enrollments and the review commands; remembers the reviews."""

    def __init__(self, students: list[User], admin: User) -> None:
        self.students, self.admin = students, admin
        self.reviews: list[tuple[uuid.UUID, User, uuid.UUID]] = []

    async def act(self, uow: UnitOfWork, action: str, course: uuid.UUID, pick: int,
                  flag: bool) -> uuid.UUID:
        """Runs one action on the course; raises AppError when it is refused."""
        student = self.students[pick % len(self.students)]
        if action == "enroll":
            await add_course_student(uow, StudentEnrolled(
                enrollment_id=uuid.uuid4(), student_id=student.id, course_id=course, version=1))
        elif action == "leave":
            await remove_course_student(uow, student.id, course)
        elif action == "review":
            made = await reviews.post_review(uow, student, course, PostReview(
                rating=pick % 5 + 1, comment=f"<p>{pick}</p>"))
            self.reviews.append((made.id, student, course))
        else:
            if not self.reviews:
                raise AppError("no review yet")
            review_id, author, course = self.reviews[pick % len(self.reviews)]
            if action == "rerate":
                await reviews.change_review(uow, author, review_id,
                                            ChangeReview(rating=(pick + 2) % 5 + 1))
            elif flag:
                await reviews.hide_review(uow, self.admin, review_id)
            else:
                await reviews.delete_review(uow, author, review_id)
        return course
