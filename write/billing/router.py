"""Billing commands over HTTP (write API)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from common.errors import Invalid
from write.billing import checkout, refunds
from write.billing.commands import Pay, PaymentOut
from write.billing.provider import PaymentProvider
from write.deps import AppSettings, CurrentUser, WriteSession
from write.outbox import CONSISTENCY_HEADER

router = APIRouter(prefix="/api", tags=["billing"])
MAX_KEY_LENGTH = 255


def _idempotency_key(key: Annotated[str | None, Header(
        alias="Idempotency-Key", description="Any unique string per payment attempt, e.g. a UUID; "
        "a retry with the same key and body answers the same payment")] = None) -> str:
    if key is None or not key.strip():
        raise Invalid("send an Idempotency-Key header", fields={"Idempotency-Key": "required"})
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise Invalid("Idempotency-Key is invalid",
                      fields={"Idempotency-Key": f"at most {MAX_KEY_LENGTH} printable ASCII characters"})
    return key


async def _provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    return provider


IdempotencyKey = Annotated[str, Depends(_idempotency_key)]
Provider = Annotated[PaymentProvider, Depends(_provider)]


@router.post("/payments", status_code=201, response_model=PaymentOut,
             responses={403: {"description": "the caller teaches this course"},
                        404: {"description": "no published course with this id"},
                        409: {"description": "free course, already paid, or a payment pending"},
                        422: {"description": "missing Idempotency-Key, or reused with another body"}})
async def pay(cmd: Pay, key: IdempotencyKey, user: CurrentUser, uow: WriteSession,
              provider: Provider, settings: AppSettings, response: Response) -> PaymentOut:
    """Pay for a paid course; a succeeded payment enrolls the student shortly after."""
    payment = await checkout.start_payment(uow, user.id, key, cmd)
    token = await uow.commit()  # the pending payment is kept whatever happens next
    if payment.status == "pending":
        payment = await checkout.settle(uow, provider, settings.payment_provider_timeout_seconds,
                                        payment)
        token = await uow.commit() or token
    if token:
        response.headers[CONSISTENCY_HEADER] = token
    return checkout.answer_of(payment)


@router.post("/payments/{payment_id}/refund", response_model=PaymentOut,
             responses={404: {"description": "no payment of the caller with this id"},
                        409: {"description": "not refundable: not succeeded, refunded, or too late"},
                        503: {"description": "the provider did not answer; nothing changed"}})
async def refund(payment_id: uuid.UUID, user: CurrentUser, uow: WriteSession, provider: Provider,
                 settings: AppSettings, response: Response) -> PaymentOut:
    """Refund one of the caller's payments within the refund window; the course access ends."""
    payment = await refunds.refund(uow, provider, user.id, payment_id,
                                   window=timedelta(days=settings.refund_window_days),
                                   timeout=settings.payment_provider_timeout_seconds)
    await uow.commit_into(response)
    return checkout.answer_of(payment)
