"""Refunding a payment: its payer only, within the refund window, once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from common.errors import Conflict, NotFound, Unavailable
from write.billing.checkout import charge_of, event_of, locked
from write.billing.models import Payment
from write.billing.provider import PaymentProvider
from write.events import PaymentRefunded
from write.outbox import UnitOfWork


def _refusal(payment: Payment, window: timedelta, now: datetime) -> Conflict | None:
    if payment.status == "refunded":
        return Conflict("this payment is already refunded", code="already_refunded")
    if payment.status != "succeeded" or payment.paid_at is None:
        return Conflict(f"a {payment.status} payment cannot be refunded", code="not_refundable")
    if now > payment.paid_at + window:
        return Conflict(f"refunds are possible for {window.days} days after paying",
                        code="refund_window_closed")
    return None


async def refund(uow: UnitOfWork, provider: PaymentProvider, student_id: uuid.UUID,
                 payment_id: uuid.UUID, *, window: timedelta, timeout: float) -> Payment:
    """Pays a succeeded payment back and records it; learning then revokes the access."""
    payment = await locked(uow.session, payment_id)
    if payment is None or payment.student_id != student_id:  # others' payments are not shown
        raise NotFound("no such payment", code="payment_not_found")
    now = datetime.now(UTC)
    refusal = _refusal(payment, window, now)
    if refusal is not None:
        raise refusal
    # The row stays locked while the provider answers, so a second refund waits and then finds
    # it refunded; the provider's own idempotency key makes a retried refund pay back once.
    try:
        async with asyncio.timeout(timeout):
            await provider.refund(charge_of(payment))
    except TimeoutError as exc:
        raise Unavailable("the payment provider did not answer; nothing was refunded, try again",
                          code="provider_unavailable") from exc
    payment.status = "refunded"
    payment.version += 1
    payment.refunded_at = now
    uow.record(event_of(PaymentRefunded, payment))
    return payment
