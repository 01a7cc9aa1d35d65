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
