"""Paying for a course: a pending payment is committed first, the provider is asked outside any
transaction, and its answer is recorded in a second one (a lost answer is asked again later)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.errors import Conflict, Forbidden, Invalid, NotFound
from write.billing.commands import Pay, PaymentOut
from write.billing.models import CourseTerms, Payment
from write.billing.provider import Charge, ChargeAnswer, PaymentProvider
from write.events import PaymentDeclined, PaymentEvent, PaymentStarted, PaymentSucceeded
from write.outbox import UnitOfWork


def event_of(kind: type[PaymentEvent], payment: Payment) -> PaymentEvent:
    return kind(payment_id=payment.id, student_id=payment.student_id, course_id=payment.course_id,
                version=payment.version, amount=payment.amount, currency=payment.currency)


def charge_of(payment: Payment) -> Charge:
    return Charge(idempotency_key=payment.id, amount=payment.amount, currency=payment.currency,
                  payment_method=payment.payment_method)


def answer_of(payment: Payment) -> PaymentOut:
    return PaymentOut(id=payment.id, status=payment.status,
                      amount=payment.amount, currency=payment.currency)


async def locked(session: AsyncSession, payment_id: uuid.UUID) -> Payment | None:
    """The payment, row-locked and re-read (another transaction may have changed it)."""
    return (await session.scalars(select(Payment).where(Payment.id == payment_id)
                                  .with_for_update()
                                  .execution_options(populate_existing=True))).first()


async def _by_key(session: AsyncSession, student_id: uuid.UUID, key: str) -> Payment | None:
    return (await session.scalars(select(Payment).where(
        Payment.student_id == student_id, Payment.idempotency_key == key))).first()


async def _refuse_open_payment(session: AsyncSession, student_id: uuid.UUID,
                               course_id: uuid.UUID) -> None:
    status = await session.scalar(select(Payment.status).where(
        Payment.student_id == student_id, Payment.course_id == course_id,
        Payment.status.in_(("pending", "succeeded"))))
    if status == "succeeded":
        raise Conflict("you have already paid for this course", code="already_paid",
                       fields={"course_id": "already paid"})
    if status == "pending":
        raise Conflict("a payment for this course is still pending", code="payment_pending",
                       fields={"course_id": "payment pending"})


async def _terms(session: AsyncSession, student_id: uuid.UUID, course_id: uuid.UUID
                 ) -> CourseTerms:
    terms = await session.get(CourseTerms, course_id)
    if terms is None or terms.status != "published":
        raise NotFound("no such course", code="course_not_found")
    if terms.teacher_id == student_id:
        raise Forbidden("teachers cannot buy their own course", code="own_course")
    if terms.price is None or terms.currency is None:
        raise Conflict("this course is free: enroll without paying", code="course_is_free",
                       fields={"course_id": "free course"})
    return terms


async def _create(uow: UnitOfWork, student_id: uuid.UUID, key: str, cmd: Pay) -> Payment:
    terms = await _terms(uow.session, student_id, cmd.course_id)
    # The unique keys decide, for sequential and concurrent requests alike: a request that finds
    # its key taken answers that payment (it may have committed since we looked); one that finds
    # the course already paid or pending (another key) is refused.
    payment_id = await uow.session.scalar(insert(Payment).values(
        id=uuid.uuid4(), student_id=student_id, course_id=cmd.course_id, amount=terms.price,
        currency=terms.currency, status="pending", version=1, idempotency_key=key,
        request_fingerprint=cmd.fingerprint(), payment_method=cmd.payment_method,
    ).on_conflict_do_nothing().returning(Payment.id))
    if payment_id is None:
        earlier = await _by_key(uow.session, student_id, key)
        if earlier is None:
            await _refuse_open_payment(uow.session, student_id, cmd.course_id)
            raise Conflict("a payment for this course is under way", code="payment_pending")
        return earlier
    payment = await uow.session.get(Payment, payment_id)
    assert payment is not None
    uow.record(event_of(PaymentStarted, payment))
    return payment


async def start_payment(uow: UnitOfWork, student_id: uuid.UUID, key: str, cmd: Pay) -> Payment:
    """The payment this idempotency key stands for: the earlier one, or a new pending one."""
    payment = await _by_key(uow.session, student_id, key) or await _create(uow, student_id, key,
                                                                            cmd)
    if payment.request_fingerprint != cmd.fingerprint():
        raise Invalid("this Idempotency-Key was used for another request", code="idempotency_key_reused",
                      fields={"Idempotency-Key": "already used with a different body"})
    return payment


async def record_answer(uow: UnitOfWork, payment_id: uuid.UUID, answer: ChargeAnswer) -> Payment:
    """Records the provider's answer once; a payment no longer pending is left as it is."""
    payment = await locked(uow.session, payment_id)
    assert payment is not None
    if payment.status != "pending":
        return payment
    payment.status = answer
    payment.version += 1
    if answer == "succeeded":
        payment.paid_at = datetime.now(UTC)
    uow.record(event_of(PaymentSucceeded if answer == "succeeded" else PaymentDeclined, payment))
    return payment


async def settle(uow: UnitOfWork, provider: PaymentProvider, timeout: float,
                 payment: Payment) -> Payment:
    """Asks the provider about a pending payment (no transaction open meanwhile) and records the
    answer; when the provider does not answer in time the payment stays pending."""
    try:
        async with asyncio.timeout(timeout):
            answer = await provider.charge(charge_of(payment))
    except TimeoutError:
        return payment
    return await record_answer(uow, payment.id, answer)


async def retry_pending(sessions: async_sessionmaker[AsyncSession], provider: PaymentProvider,
                        *, timeout: float, older_than: timedelta, batch: int = 100) -> int:
    """Asks again about payments pending for longer than `older_than` (an answer lost to a timeout
    or a crash between commit and call); returns how many got an answer."""
    async with sessions() as session:
        pending = (await session.scalars(select(Payment).where(
            Payment.status == "pending", Payment.created_at < datetime.now(UTC) - older_than)
            .order_by(Payment.created_at).limit(batch))).all()
    answered = 0
    for payment in pending:  # detached copies: no transaction is open while the provider thinks
        async with sessions() as session:
            uow = UnitOfWork(session)
            answered += (await settle(uow, provider, timeout, payment)).status != "pending"
            await uow.commit()
    return answered
