"""The payments projection: payment documents and each student's list of payments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projectors.rows import RowDocuments
from read.stores.billing import PAYMENTS, PaymentDoc, payment_entries
from read.stores.documents import IndexEntry
from write.billing.models import Payment
from write.events import Event, PaymentEvent


async def load_payments(engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[PaymentDoc]:
    """The payments' current state (never the idempotency key or the request fingerprint)."""
    if not ids:
        return []
    async with engine.connect() as conn:
        rows = (await conn.execute(select(
            Payment.id, Payment.student_id, Payment.course_id, Payment.status, Payment.amount,
            Payment.currency, Payment.created_at, Payment.paid_at, Payment.refunded_at,
            Payment.version).where(Payment.id.in_(list(ids))))).mappings().all()
    return [PaymentDoc.model_validate(dict(row)) for row in rows]


class PaymentsProjection(RowDocuments[PaymentDoc]):
    """State-based like the others: re-reads the payment and writes its newest version."""

    name = PAYMENTS
    id_column = Payment.__table__.c.id

    def handles(self, event: Event) -> bool:
        return isinstance(event, PaymentEvent)

    def ids_of(self, event: Event) -> list[uuid.UUID]:
        assert isinstance(event, PaymentEvent)
        return [event.payment_id]

    async def load(self, engine: AsyncEngine, ids: Sequence[uuid.UUID]) -> list[PaymentDoc]:
        return await load_payments(engine, ids)

    def entries(self, doc: PaymentDoc) -> list[IndexEntry]:
        return payment_entries(doc)
