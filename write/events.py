"""The published event contract: typed, versioned events and the envelope that carries them.

Every side may import this module; it is the only part of `write/` the read side sees.
"""

from __future__ import annotations

from datetime import datetime
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


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        UserRegistered,
        UserEmailVerified,
        UserAccessChanged,
        UserPasswordReset,
        VerificationEmailRequested,
        PasswordResetEmailRequested,
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
