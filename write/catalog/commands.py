"""Catalog commands as the HTTP API accepts them, and the shapes it answers with."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    field_validator,
)

from write.catalog.text import no_control_characters, plain_text, sanitize_html

_HTTP_URL = TypeAdapter(HttpUrl)
# The URL parser forgives (drops or encodes) these, but the raw value is what gets stored.
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _currency(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError(f"currency must be one of {', '.join(sorted(CURRENCIES))}")
    return value


def _http_url(value: str) -> str:
    """An absolute http(s) URL, kept as the client wrote it once it validates."""
    if _URL_UNSAFE.search(value):
        raise ValueError("URL must not contain whitespace or control characters")
    _HTTP_URL.validate_python(value)
    return value


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError("slug must be lower-case latin letters, digits and single dashes")
    return value


CURRENCIES = frozenset({"USD", "EUR", "RUB", "KZT", "GBP"})
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
Title = Annotated[str, AfterValidator(plain_text), Field(min_length=1, max_length=200)]
CategoryName = Annotated[str, AfterValidator(plain_text), Field(min_length=1, max_length=80)]
Description = Annotated[str, Field(max_length=20_000), AfterValidator(sanitize_html)]
Level = Literal["beginner", "intermediate", "advanced"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Price = Annotated[Decimal, Field(gt=0, le=Decimal("100000"), decimal_places=2)]
Currency = Annotated[str, AfterValidator(_currency)]
Url = Annotated[str, Field(max_length=500), AfterValidator(_http_url)]
Slug = Annotated[str, Field(max_length=80), AfterValidator(_slug)]
Markdown = Annotated[str, Field(max_length=100_000), AfterValidator(no_control_characters)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateCategory(Command):
    name: CategoryName
    slug: Slug | None = None


class ChangeCategory(Command):
    name: CategoryName | None = None
    slug: Slug | None = None


class CreateCourse(Command):
    title: Title
    description: Description = ""
    category_id: uuid.UUID | None = None
    level: Level = "beginner"
    language: Language = "en"
    price: Price | None = None
    currency: Currency | None = None
    cover_url: Url | None = None


class ChangeCourse(Command):
    """A partial update: only the fields sent change; `price: null` makes the course free."""

    title: Title | None = None
    description: Description | None = None
    category_id: uuid.UUID | None = None
    level: Level | None = None
    language: Language | None = None
    price: Price | None = None
    currency: Currency | None = None
    cover_url: Url | None = None

    @field_validator("title", "description", "level", "language")
    @classmethod
    def _not_cleared(cls, value: str | None) -> str:
        # Runs only for values sent: a field left out stays as it is, an explicit null is refused.
        if value is None:
            raise ValueError("may not be null")
        return value


class AddModule(Command):
    title: Title


class ChangeModule(AddModule):
    pass


class AddLesson(Command):
    title: Title
    content: Markdown = ""
    video_url: Url | None = None
    duration_minutes: Minutes = 0
    preview: bool = False


class ChangeLesson(Command):
    title: Title | None = None
    content: Markdown | None = None
    video_url: Url | None = None
    duration_minutes: Minutes | None = None
    preview: bool | None = None


class Reorder(Command):
    """The complete new order: every id of the parent's children exactly once."""

    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class Created(BaseModel):
    id: uuid.UUID
    version: int


class CourseVersion(BaseModel):
    id: uuid.UUID
    version: int
    status: str


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    slug: str
