"""Identity commands as the HTTP API accepts them, and the shapes it answers with."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

_COMMON_PASSWORDS = frozenset({
    "password1", "password123", "qwerty123", "12345678a", "letmein1", "welcome1", "admin123",
    "iloveyou1", "abc12345", "passw0rd", "qwertyuiop1", "1q2w3e4r", "1qaz2wsx",
})

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
RawToken = Annotated[str, StringConstraints(min_length=16, max_length=200)]


def check_password_strength(password: str) -> str:
    """At least 8 characters with a letter and a digit, and not a well-known password."""
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        raise ValueError("password must contain a letter and a digit")
    if password.lower() in _COMMON_PASSWORDS:
        raise ValueError("password is too common")
    return password


Password = Annotated[str, Field(min_length=1, max_length=128)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class RegisterUser(Command):
    email: EmailStr = Field(max_length=254)
    password: Password
    name: Name
    role: str = "student"

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        return check_password_strength(value)

    @field_validator("role")
    @classmethod
    def _self_service_role(cls, value: str) -> str:
        if value == "admin":
            raise ValueError("nobody registers as admin; an admin is created by the CLI")
        if value not in ("student", "teacher"):
            raise ValueError("role must be 'student' or 'teacher'")
        return value


class Login(Command):
    email: str = Field(max_length=254)
    password: Password


class Refresh(Command):
    refresh_token: RawToken


class Logout(Command):
    refresh_token: RawToken


class VerifyEmail(Command):
    token: RawToken


class RequestEmail(Command):
    """Body of resend-verification and forgot-password."""

    email: str = Field(max_length=254)


class ResetPassword(Command):
    token: RawToken
    password: Password

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        return check_password_strength(value)


class ChangeUserAccess(Command):
    role: Literal["student", "teacher", "admin"] | None = None
    teacher_verified: bool | None = None
    blocked: bool | None = None


class Registered(BaseModel):
    id: uuid.UUID
    email: str
    role: str


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class UserAccess(BaseModel):
    id: uuid.UUID
    role: str
    teacher_verified: bool
    blocked: bool
    version: int
