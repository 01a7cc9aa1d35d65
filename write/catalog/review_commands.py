"""Review commands as the HTTP API accepts them, and the shape it answers with."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator

from write.catalog.commands import Command
from write.catalog.text import no_control_characters, sanitize_html

# Whole stars only: 4.5 or "5" are refused rather than rounded or coerced.
Rating = Annotated[int, Field(ge=1, le=5, strict=True)]
Comment = Annotated[str, Field(max_length=5_000), AfterValidator(no_control_characters),
                    AfterValidator(sanitize_html)]


class PostReview(Command):
    rating: Rating
    comment: Comment = ""


class ChangeReview(Command):
    """A partial update by the review's author: only the fields sent change."""

    rating: Rating | None = None
    comment: Comment | None = None

    @field_validator("rating", "comment")
    @classmethod
    def _not_cleared(cls, value: int | str | None) -> int | str:
        if value is None:
            raise ValueError("may not be null")
        return value


class ReviewOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    rating: int
    comment_html: str
    hidden: bool
    version: int
