"""Payment queries: the caller's payments, one payment (Redis only)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from common.errors import NotFound
from read.deps import BillingStore, Consistent, Reader
from read.pagination import Cursor, Limit, next_cursor, offset_from
from read.stores.billing import PaymentDoc

router = APIRouter(prefix="/api", tags=["billing"])


class PaymentPage(BaseModel):
    items: list[PaymentDoc]
    total: int
    next_cursor: str | None


@router.get("/me/payments", response_model=PaymentPage)
async def my_payments(user: Reader, billing: BillingStore, _: Consistent,
                      limit: Limit = 20, cursor: Cursor = None) -> PaymentPage:
    """The caller's payments, newest first."""
    offset = offset_from(cursor)
    items, total = await billing.student_payments(user.id, limit=limit, offset=offset)
    return PaymentPage(items=items, total=total, next_cursor=next_cursor(offset, limit, total))


@router.get("/payments/{payment_id}", response_model=PaymentDoc)
async def payment(payment_id: UUID, user: Reader, billing: BillingStore, _: Consistent
                  ) -> PaymentDoc:
    """One payment: to the student who made it, and to admins."""
    doc = await billing.payment(payment_id)
    if doc is None or (doc.student_id != user.id and user.role != "admin"):
        raise NotFound("no such payment", code="payment_not_found")
    return doc
