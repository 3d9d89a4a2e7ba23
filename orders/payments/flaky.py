"""A fake gateway that fails a share of calls transiently (for the reliability tests).

``settings.FAKE_GATEWAY_FAILURE_RATE`` of calls raise ``TransientPaymentError``: half of those
before the ledger is touched (the request never arrived), half after the call was recorded
(the response was lost). Retries with the same idempotency key must still charge once.
Select it with ``PAYMENT_GATEWAY=orders.payments.flaky.FlakyFakeGateway``.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.conf import settings

from orders.payments.base import GatewayResult, TransientPaymentError
from orders.payments.fake import FakeGateway


class FlakyFakeGateway(FakeGateway):
    name = "flaky-fake"

    def __init__(self, failure_rate: float | None = None, rng: random.Random | None = None) -> None:
        rate = settings.FAKE_GATEWAY_FAILURE_RATE if failure_rate is None else failure_rate
        self.failure_rate = float(rate)
        self.rng = rng or random.Random()  # noqa: S311 - not cryptographic

    def _fails(self) -> str | None:
        """None, "before" or "after"."""
        if self.rng.random() >= self.failure_rate:
            return None
        return "before" if self.rng.random() < 0.5 else "after"

    def _flaky(self, call, *args) -> GatewayResult:
        failure = self._fails()
        if failure == "before":
            raise TransientPaymentError("Simulated network error before the provider saw the call.")
        result = call(*args)
        if failure == "after":
            raise TransientPaymentError("Simulated lost response after the provider recorded it.")
        return result

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._flaky(super().charge, token, amount, currency, idempotency_key)

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._flaky(super().refund, charge_reference, amount, currency, idempotency_key)

    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._flaky(super().authorize, token, amount, currency, idempotency_key)

    def capture(
        self, authorization: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._flaky(super().capture, authorization, amount, currency, idempotency_key)

    def void(self, authorization: str, idempotency_key: str) -> GatewayResult:
        return self._flaky(super().void, authorization, idempotency_key)
