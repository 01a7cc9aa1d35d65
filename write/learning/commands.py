"""Learning command and answer schemas (what the write API accepts and returns)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Enroll(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: uuid.UUID


class EnrollmentOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    status: Literal["enrolled", "in_progress", "completed"]


class ProgressOut(BaseModel):
    """Where a student stands in a course after completing a lesson."""

    course_id: uuid.UUID
    lesson_id: uuid.UUID
    status: Literal["enrolled", "in_progress", "completed"]
    completed_lessons: int
    total_lessons: int
    progress_percent: int
