"""Test payment gateways that hold each authorization (or, for orders from before the shop
authorized first, each charge) until the test lets it go, so a test can act while the workflow
is inside the payment step (the worker runs in the test process)."""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal
from pathlib import Path

from orders.payments.base import GatewayResult, PaymentError
from orders.payments.fake import FakeGateway


class GatedGateway(FakeGateway):
    name = "gated-fake"
    entered = threading.Event()
    release = threading.Event()

    @classmethod
    def reset(cls) -> None:
        cls.entered = threading.Event()
        cls.release = threading.Event()

    def _gate(self) -> None:
        type(self).entered.set()
        if not type(self).release.wait(20):
            raise AssertionError("the test never released the gated payment")

    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self._gate()
        return super().authorize(token, amount, currency, idempotency_key)

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self._gate()
        return super().charge(token, amount, currency, idempotency_key)


class FileGatedGateway(FakeGateway):
    """Like ``GatedGateway`` across processes: an authorization (or charge) creates
    ``$SHOP_TEST_GATE_DIR/entered`` and waits until ``$SHOP_TEST_GATE_DIR/release`` exists (for
    ``runworker`` subprocesses)."""

    name = "file-gated-fake"

    def _gate(self) -> None:
        gate = Path(os.environ["SHOP_TEST_GATE_DIR"])
        (gate / "entered").touch()
        deadline = time.monotonic() + 30
        while not (gate / "release").exists():
            if time.monotonic() > deadline:
                raise AssertionError("the test never released the gated payment")
            time.sleep(0.05)

    def authorize(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self._gate()
        return super().authorize(token, amount, currency, idempotency_key)

    def charge(
        self, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self._gate()
        return super().charge(token, amount, currency, idempotency_key)


class VoidRefusingGateway(GatedGateway):
    """Like ``GatedGateway``, and the provider refuses every void for good."""

    name = "void-refusing-fake"

    def void(self, authorization: str, idempotency_key: str) -> GatewayResult:
        raise PaymentError("The provider refused the void.", code="void_refused")
