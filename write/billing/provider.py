"""The payment provider port, and the mock adapter the platform runs with.

A real adapter (Stripe and the like) would take the same calls: a charge carries an idempotency
key (the payment id), so asking again about a charge whose answer was lost charges at most once.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from common.settings import Settings

# Stripe-like test payment methods: a request may name one to get that answer from the mock.
TestMethod = Literal["test_succeeded", "test_declined", "test_timeout"]
ChargeAnswer = Literal["succeeded", "declined"]


@dataclass(frozen=True)
class Charge:
    idempotency_key: uuid.UUID  # the payment id: the provider charges once per key
    amount: Decimal
    currency: str
    payment_method: str | None


class PaymentProvider(Protocol):
    async def charge(self, charge: Charge) -> ChargeAnswer:
        """Charges once per idempotency key; asking again answers the first outcome."""
        ...

    async def refund(self, charge: Charge) -> None:
        """Pays the charge back in full."""
        ...


class MockProvider:
    """Answers by the request's test payment method, else by the configured mode.

    `timeout` never answers (the caller's deadline cuts it off). The mock keeps no ledger: it
    answers the same for the same method whenever it is asked, as a real provider answers a
    repeated idempotency key.
    """

    def __init__(self, mode: Literal["succeed", "decline", "timeout"]) -> None:
        self.mode = mode

    def _behaviour(self, method: str | None) -> str:
        return {"test_succeeded": "succeed", "test_declined": "decline",
                "test_timeout": "timeout"}.get(method or "", self.mode)

    async def charge(self, charge: Charge) -> ChargeAnswer:
        behaviour = self._behaviour(charge.payment_method)
        if behaviour == "timeout":
            await asyncio.Event().wait()  # a provider that never answers
        return "declined" if behaviour == "decline" else "succeeded"

    async def refund(self, charge: Charge) -> None:
        if self.mode == "timeout":  # the provider is down; a charge's test method has no say here
            await asyncio.Event().wait()


def create_provider(settings: Settings) -> PaymentProvider:
    """The provider adapter for a process; built by its composition root."""
    return MockProvider(settings.payment_provider_mode)
