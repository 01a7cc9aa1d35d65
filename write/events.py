"""The published event contract: typed, versioned events and the envelope that carries them.

Every side may import this module; it is the only part of `write/` the read side sees.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact that happened in a write model. Subclasses name their type and payload version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str]

    def aggregate_id(self) -> str:
        raise NotImplementedError


class UserEvent(Event):
    aggregate_type: ClassVar[str] = "user"
    user_id: UUID

    def aggregate_id(self) -> str:
        return str(self.user_id)


class UserRegistered(UserEvent):
    event_type: ClassVar[str] = "identity.user_registered"
    email: str
    name: str
    role: Literal["student", "teacher", "admin"]


class UserEmailVerified(UserEvent):
    event_type: ClassVar[str] = "identity.user_email_verified"


class UserAccessChanged(UserEvent):
    """An admin changed role, teacher verification or the blocked flag."""

    event_type: ClassVar[str] = "identity.user_access_changed"
    role: Literal["student", "teacher", "admin"]
    teacher_verified: bool
    blocked: bool
    changed_by: UUID | None


class UserPasswordReset(UserEvent):
    event_type: ClassVar[str] = "identity.user_password_reset"


class VerificationEmailRequested(UserEvent):
    """Carries the one-time token to the mail worker; only its hash is stored in identity."""

    event_type: ClassVar[str] = "identity.verification_email_requested"
    email: str
    name: str
    token: str


class PasswordResetEmailRequested(UserEvent):
    event_type: ClassVar[str] = "identity.password_reset_email_requested"
    email: str
    name: str
    token: str


class CategoryEvent(Event):
    aggregate_type: ClassVar[str] = "category"
    category_id: UUID

    def aggregate_id(self) -> str:
        return str(self.category_id)


class CategoryCreated(CategoryEvent):
    event_type: ClassVar[str] = "catalog.category_created"
    name: str
    slug: str


class CategoryChanged(CategoryEvent):
    event_type: ClassVar[str] = "catalog.category_changed"
    name: str
    slug: str


class CategoryDeleted(CategoryEvent):
    event_type: ClassVar[str] = "catalog.category_deleted"


class CourseEvent(Event):
    """Any change inside the course aggregate (the course, its modules, its lessons)."""

    aggregate_type: ClassVar[str] = "course"
    course_id: UUID
    version: int

    def aggregate_id(self) -> str:
        return str(self.course_id)


class CourseCreated(CourseEvent):
    event_type: ClassVar[str] = "catalog.course_created"
    teacher_id: UUID
    title: str


class CourseChanged(CourseEvent):
    event_type: ClassVar[str] = "catalog.course_changed"
    changed: list[str]


class CoursePublished(CourseEvent):
    event_type: ClassVar[str] = "catalog.course_published"


class CourseArchived(CourseEvent):
    event_type: ClassVar[str] = "catalog.course_archived"


class ModuleAdded(CourseEvent):
    event_type: ClassVar[str] = "catalog.module_added"
    module_id: UUID
    title: str


class ModuleChanged(CourseEvent):
    event_type: ClassVar[str] = "catalog.module_changed"
    module_id: UUID
    title: str


class ModuleRemoved(CourseEvent):
    event_type: ClassVar[str] = "catalog.module_removed"
    module_id: UUID
    lesson_ids: list[UUID]


class ModulesReordered(CourseEvent):
    event_type: ClassVar[str] = "catalog.modules_reordered"
    module_ids: list[UUID]


class LessonAdded(CourseEvent):
    event_type: ClassVar[str] = "catalog.lesson_added"
    module_id: UUID
    lesson_id: UUID
    title: str
    preview: bool


class LessonChanged(CourseEvent):
    event_type: ClassVar[str] = "catalog.lesson_changed"
    lesson_id: UUID
    changed: list[str]


class LessonRemoved(CourseEvent):
    event_type: ClassVar[str] = "catalog.lesson_removed"
    lesson_id: UUID


class LessonsReordered(CourseEvent):
    event_type: ClassVar[str] = "catalog.lessons_reordered"
    module_id: UUID
    lesson_ids: list[UUID]


class CourseFactsPublished(Event):
    """The facts other contexts may rely on, as they stand after a change to a course.

    Recorded once per changed course per transaction, besides the change's own event (those are
    for the catalog's projections). A published contract: see ADR 0009.
    """

    event_type: ClassVar[str] = "catalog.course_facts"
    aggregate_type: ClassVar[str] = "course"
    course_id: UUID
    version: int
    teacher_id: UUID
    status: Literal["draft", "published", "archived"]
    price: Decimal | None
    currency: str | None
    lesson_ids: list[UUID]  # in course order

    def aggregate_id(self) -> str:
        return str(self.course_id)


class EnrollmentEvent(Event):
    """Any change to one student's enrollment in one course."""

    aggregate_type: ClassVar[str] = "enrollment"
    enrollment_id: UUID
    student_id: UUID
    course_id: UUID
    version: int

    def aggregate_id(self) -> str:
        return str(self.enrollment_id)


class StudentEnrolled(EnrollmentEvent):
    event_type: ClassVar[str] = "learning.enrolled"


class LessonCompleted(EnrollmentEvent):
    """A student finished a lesson for the first time; `status` is the enrollment's after it."""

    event_type: ClassVar[str] = "learning.lesson_completed"
    lesson_id: UUID
    status: Literal["enrolled", "in_progress", "completed"]
    completed_lessons: int
    total_lessons: int


class LessonOpened(EnrollmentEvent):
    """A student opened a lesson: where "continue where you left off" leads."""

    event_type: ClassVar[str] = "learning.lesson_opened"
    lesson_id: UUID


class CourseProgressRecomputed(Event):
    """A course's lesson list changed, so every enrollment in it was re-counted (one event for
    all of them: projections re-read the course's enrollments in batches)."""

    event_type: ClassVar[str] = "learning.course_progress_recomputed"
    aggregate_type: ClassVar[str] = "course"
    course_id: UUID
    enrollments: int  # how many enrollments were touched

    def aggregate_id(self) -> str:
        return str(self.course_id)


NotificationKind = Literal["enrolled", "course_completed", "new_lesson", "payment_receipt",
                           "payment_refunded", "new_review"]


class NotificationEvent(Event):
    """Any change to one notification."""

    aggregate_type: ClassVar[str] = "notification"
    notification_id: UUID
    user_id: UUID
    version: int

    def aggregate_id(self) -> str:
        return str(self.notification_id)


class NotificationCreated(NotificationEvent):
    event_type: ClassVar[str] = "notifications.created"
    kind: NotificationKind
    course_id: UUID


class NotificationRead(NotificationEvent):
    event_type: ClassVar[str] = "notifications.read"


class NotificationEmailRequested(NotificationEvent):
    """The notification is also worth a mail (a completed course, a receipt)."""

    event_type: ClassVar[str] = "notifications.email_requested"
    kind: NotificationKind
    course_id: UUID


class NotificationsAllRead(Event):
    """A user marked every notification read (one event however many there were)."""

    event_type: ClassVar[str] = "notifications.all_read"
    aggregate_type: ClassVar[str] = "user"
    user_id: UUID
    count: int

    def aggregate_id(self) -> str:
        return str(self.user_id)


class LessonAnnounced(Event):
    """Every student of the course was told of a new lesson (one event for all of them)."""

    event_type: ClassVar[str] = "notifications.lesson_announced"
    aggregate_type: ClassVar[str] = "course"
    course_id: UUID
    lesson_id: UUID
    notified: int

    def aggregate_id(self) -> str:
        return str(self.course_id)


class ReviewEvent(Event):
    """Any change to one review of a course."""

    aggregate_type: ClassVar[str] = "review"
    review_id: UUID
    course_id: UUID
    author_id: UUID
    version: int

    def aggregate_id(self) -> str:
        return str(self.review_id)


class ReviewPosted(ReviewEvent):
    """A student reviewed a course (the teacher is named for "new review on your course")."""

    event_type: ClassVar[str] = "catalog.review_posted"
    teacher_id: UUID
    rating: int


class ReviewChanged(ReviewEvent):
    event_type: ClassVar[str] = "catalog.review_changed"
    changed: list[str]


class ReviewDeleted(ReviewEvent):
    event_type: ClassVar[str] = "catalog.review_deleted"


class ReviewHidden(ReviewEvent):
    """An admin took a review out of the course's reviews and its rating."""

    event_type: ClassVar[str] = "catalog.review_hidden"
    hidden_by: UUID


class CourseStudentsChanged(Event):
    """The catalog's count of a course's students moved (its copy of enrollments changed)."""

    event_type: ClassVar[str] = "catalog.course_students_changed"
    aggregate_type: ClassVar[str] = "course"
    course_id: UUID
    students_count: int
    stats_version: int

    def aggregate_id(self) -> str:
        return str(self.course_id)
class PaymentEvent(Event):
    """Any change to one payment (billing). Learning reacts to these to grant or revoke access."""

    aggregate_type: ClassVar[str] = "payment"
    payment_id: UUID
    student_id: UUID
    course_id: UUID
    version: int
    amount: Decimal
    currency: str

    def aggregate_id(self) -> str:
        return str(self.payment_id)


class PaymentStarted(PaymentEvent):
    """A payment was accepted and is waiting for the provider's answer (pending)."""

    event_type: ClassVar[str] = "billing.payment_started"


class PaymentSucceeded(PaymentEvent):
    event_type: ClassVar[str] = "billing.payment_succeeded"


class PaymentDeclined(PaymentEvent):
    event_type: ClassVar[str] = "billing.payment_declined"


class PaymentRefunded(PaymentEvent):
    event_type: ClassVar[str] = "billing.payment_refunded"


class EnrollmentRevoked(EnrollmentEvent):
    """The student lost access to the course (the payment that gave it was refunded)."""

    event_type: ClassVar[str] = "learning.enrollment_revoked"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        UserRegistered,
        UserEmailVerified,
        UserAccessChanged,
        UserPasswordReset,
        VerificationEmailRequested,
        PasswordResetEmailRequested,
        CategoryCreated,
        CategoryChanged,
        CategoryDeleted,
        CourseCreated,
        CourseChanged,
        CoursePublished,
        CourseArchived,
        ModuleAdded,
        ModuleChanged,
        ModuleRemoved,
        ModulesReordered,
        LessonAdded,
        LessonChanged,
        LessonRemoved,
        LessonsReordered,
        CourseFactsPublished,
        StudentEnrolled,
        LessonCompleted,
        LessonOpened,
        CourseProgressRecomputed,
        NotificationCreated,
        NotificationRead,
        NotificationEmailRequested,
        NotificationsAllRead,
        LessonAnnounced,
        ReviewPosted,
        ReviewChanged,
        ReviewDeleted,
        ReviewHidden,
        CourseStudentsChanged,
        PaymentStarted,
        PaymentSucceeded,
        PaymentDeclined,
        PaymentRefunded,
        EnrollmentRevoked,
    )
}


class UnknownEvent(ValueError):
    """An envelope whose type or schema version this build does not understand."""


class EventEnvelope(BaseModel):
    """What the relay hands to workers: the event plus its outbox position and metadata."""

    model_config = ConfigDict(frozen=True)

    seq: int
    event_id: UUID
    type: str
    schema_version: int
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime
    payload: dict[str, Any]

    def event(self) -> Event:
        cls = EVENT_TYPES.get(self.type)
        if cls is None or cls.schema_version != self.schema_version:
            raise UnknownEvent(f"no handler for {self.type} v{self.schema_version}")
        return cls.model_validate(self.payload)
