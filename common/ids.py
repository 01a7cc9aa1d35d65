"""Identifiers both sides derive the same way, so a reader finds a document without a lookup."""

from __future__ import annotations

import uuid

_ENROLLMENT_NAMESPACE = uuid.UUID("6f1c2b8e-4a57-5d0e-9b1a-3c7e2f9d8a41")


def enrollment_id(student_id: uuid.UUID, course_id: uuid.UUID) -> uuid.UUID:
    """A student has at most one enrollment per course, so the pair names it."""
    return uuid.uuid5(_ENROLLMENT_NAMESPACE, f"{student_id}:{course_id}")
