"""Which jobs an event becomes, which projections a projection job runs, and which command-side
reaction a reaction job runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from projectors.base import Projection, Stores
from projectors.billing import PaymentsProjection
from projectors.catalog import (
    CategoriesProjection,
    CoursesProjection,
    LessonsProjection,
    SearchProjection,
)
from projectors.learning import EnrollmentsProjection
from projectors.live import apply_live
from projectors.notifications import NotificationsProjection
from projectors.reviews import ReviewsProjection
from projectors.teacher import TeacherStatsProjection
from projectors.users import UsersProjection
from workers.constants import EMAIL_JOB, PROJECT_JOB, REACT_JOB
from write.billing.reactions import sync_course_terms
from write.catalog.reactions import add_course_student, course_student_left
from write.events import (
    CourseFactsPublished,
    EnrollmentRevoked,
    Event,
    LessonAdded,
    LessonCompleted,
    NotificationEmailRequested,
    PasswordResetEmailRequested,
    PaymentRefunded,
    PaymentSucceeded,
    ReviewPosted,
    StudentEnrolled,
    VerificationEmailRequested,
)
from write.learning.payments import grant_paid_access, revoke_paid_access
from write.learning.reactions import sync_course_facts
from write.notifications import reactions as notifications
from write.outbox import UnitOfWork

PROJECTIONS: dict[str, Projection] = {
    p.name: p for p in (UsersProjection(), CoursesProjection(), LessonsProjection(),
                        SearchProjection(), CategoriesProjection(),
                        EnrollmentsProjection(), NotificationsProjection(), ReviewsProjection(),
                        PaymentsProjection(), TeacherStatsProjection())
}

EMAIL_EVENTS = {VerificationEmailRequested.event_type, PasswordResetEmailRequested.event_type,
                NotificationEmailRequested.event_type}

# One context's reaction to another's event: a command-side handler with its own transaction.
# An event may have several (one per reacting context); each is idempotent, so a retry of the
# job may run the ones that already succeeded again.
Reaction = Callable[[UnitOfWork, Any], Awaitable[None]]
REACTIONS: dict[str, tuple[Reaction, ...]] = {
    CourseFactsPublished.event_type: (sync_course_facts, sync_course_terms),
    # The payment saga: learning enrolls on a succeeded payment and revokes on a refund.
    PaymentSucceeded.event_type: (grant_paid_access, notifications.payment_succeeded),
    PaymentRefunded.event_type: (revoke_paid_access, notifications.payment_refunded),
    StudentEnrolled.event_type: (add_course_student, notifications.student_enrolled),
    EnrollmentRevoked.event_type: (course_student_left, notifications.student_left),
    LessonCompleted.event_type: (notifications.course_completed,),
    LessonAdded.event_type: (notifications.lesson_added,),
    ReviewPosted.event_type: (notifications.review_posted,),
}


def jobs_for(event_type: str) -> list[str]:
    """Every event gets a projection job (it marks the event applied for read-your-writes)."""
    jobs = [PROJECT_JOB]
    if event_type in EMAIL_EVENTS:
        jobs.append(EMAIL_JOB)
    if event_type in REACTIONS:
        jobs.append(REACT_JOB)
    return jobs


def subscribers(event: Event) -> list[str]:
    """The names of the projections the event concerns."""
    return [projection.name for projection in PROJECTIONS.values() if projection.handles(event)]


async def run_projectors(event: Event, stores: Stores) -> list[str]:
    """Applies the event to every projection that subscribes to it; returns their names."""
    names = subscribers(event)
    for name in names:
        await apply_live(PROJECTIONS[name], event, stores)
    return names
