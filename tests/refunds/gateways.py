"""A fake gateway that holds each refund until the test lets it go, across processes (for
``runworker`` subprocesses): a refund creates ``$SHOP_TEST_GATE_DIR/entered`` and waits until
``$SHOP_TEST_GATE_DIR/release`` exists."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path

from orders.payments.base import GatewayResult
from orders.payments.fake import FakeGateway


class FileGatedRefundGateway(FakeGateway):
    name = "file-gated-refund-fake"

    def refund(
        self, charge_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        gate = Path(os.environ["SHOP_TEST_GATE_DIR"])
        (gate / "entered").touch()
        deadline = time.monotonic() + 30
        while not (gate / "release").exists():
            if time.monotonic() > deadline:
                raise AssertionError("the test never released the gated refund")
            time.sleep(0.05)
        return super().refund(charge_reference, amount, currency, idempotency_key)
