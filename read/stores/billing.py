"""Billing read models in Redis: payments, and each student's payments newest first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from redis.asyncio import Redis

from read.stores.documents import DocumentSpace, IndexEntry, as_str

PAYMENTS = "payments"


class PaymentDoc(BaseModel):
    id: UUID
    student_id: UUID
    course_id: UUID
    status: Literal["pending", "succeeded", "declined", "refunded"]
    amount: Decimal  # a decimal string in JSON, e.g. "49.90"
    currency: str
    created_at: datetime
    paid_at: datetime | None
    refunded_at: datetime | None
    version: int


def payment_entries(doc: PaymentDoc) -> list[IndexEntry]:
    """The student's payments, scored by when each was made."""
    return [IndexEntry(f"student:{doc.student_id}", doc.created_at.timestamp(), str(doc.id))]


class BillingReadStore:
    """Billing queries for the read API; Redis only."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.payments = DocumentSpace(redis, PAYMENTS)

    async def payment(self, payment_id: UUID) -> PaymentDoc | None:
        doc = await self.payments.get_current(str(payment_id))
        return PaymentDoc.model_validate(doc) if doc is not None else None

    async def student_payments(self, student_id: UUID, *, limit: int, offset: int
                               ) -> tuple[list[PaymentDoc], int]:
        """One page of the student's payments, newest first, and how many there are."""
        generation = await self.payments.current_generation()
        key = self.payments.key(generation, f"student:{student_id}")
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(key)
            pipe.zrevrange(key, offset, offset + limit - 1)
            total, ids = await pipe.execute()
        docs = await self.payments.get_many(generation, [as_str(i) for i in ids])
        return [PaymentDoc.model_validate(doc) for doc in docs], int(total)
