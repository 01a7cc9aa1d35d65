"""Billing command and answer schemas (what the write API accepts and returns)."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from write.billing.provider import TestMethod


class Pay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: uuid.UUID
    # A test payment method makes the mock provider answer that way (demo checkout, tests).
    payment_method: TestMethod | None = None

    def fingerprint(self) -> str:
        """SHA-256 of the request as understood, so a reused idempotency key can be caught."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class PaymentOut(BaseModel):
    id: uuid.UUID
    status: Literal["pending", "succeeded", "declined", "refunded"]
    amount: Decimal  # a decimal string in JSON, e.g. "49.90"
    currency: str
