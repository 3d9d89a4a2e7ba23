"""A test payment gateway that holds each charge until the test lets it go, so a test can act
while the workflow is inside the charge step (the worker runs in the test process)."""

from __future__ import annotations

import threading
from decimal import Decimal

from orders.payments.base import GatewayResult
from orders.payments.fake import FakeGateway


class GatedGateway(FakeGateway):
    name = "gated-fake"
    entered = threading.Event()
    release = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls.entered = threading.Event()
        cls.release = threading.Event()

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        type(self).entered.set()
        if not type(self).release.wait(20):
            raise AssertionError("the test never released the gated charge")
        return super().charge(token, amount, currency, idempotency_key)


class FileGatedGateway(FakeGateway):
    """Like ``GatedGateway`` across processes: a charge creates ``$SHOP_TEST_GATE_DIR/entered``
    and waits until ``$SHOP_TEST_GATE_DIR/release`` exists (for ``runworker`` subprocesses)."""

    name = "file-gated-fake"

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        import os
        import time
        from pathlib import Path

        gate = Path(os.environ["SHOP_TEST_GATE_DIR"])
        (gate / "entered").touch()
        deadline = time.monotonic() + 30
        while not (gate / "release").exists():
            if time.monotonic() > deadline:
                raise AssertionError("the test never released the gated charge")
            time.sleep(0.05)
        return super().charge(token, amount, currency, idempotency_key)


class RefundRefusingGateway(GatedGateway):
    """Like ``GatedGateway``, and the provider refuses every refund for good."""

    name = "refund-refusing-fake"

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        from orders.payments.base import PaymentError

        raise PaymentError("The provider refused the refund.", code="refund_refused")
