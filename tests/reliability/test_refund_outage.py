"""Temporal restarted in the middle of a refund, on a private dev server with a real
``runworker`` subprocess: the refund cut off by the restart finishes once. (A refund saved while
Temporal is unreachable and started by the sweeper: ``tests/refunds/test_workflow.py``.)"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from orders.models import EmailNotification, GatewayTransaction, Payment
from refunds.models import Refund
from refunds.services import request_refund
from tests.refunds.factories import captured_order
from tests.reliability.harness import order_state, wait_until

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_refund_cut_by_a_temporal_restart_is_made_once(private_temporal, worker_process, tmp_path):
    # Given a worker whose provider holds each refund until the test releases it, and a
    # delivered order
    gate = tmp_path / "gate"
    gate.mkdir()
    worker = worker_process(
        env={
            "PAYMENT_GATEWAY": "tests.refunds.gateways.FileGatedRefundGateway",
            "SHOP_TEST_GATE_DIR": str(gate),
        }
    )
    wait_until(lambda: "worker started" in worker.log_text(), timeout=30, message="worker")
    order = captured_order(lines=(("11.90", 2),))

    # When staff refund one unit, and Temporal restarts while the provider is answering it
    refund = request_refund(
        order.number, lines={order.lines.get().pk: 1}, reason="Broken", actor="staff@example.com"
    )
    wait_until(lambda: (gate / "entered").exists(), timeout=30, message=worker.log_tail)
    private_temporal.stop()
    (gate / "release").touch()
    time.sleep(1.0)  # the activity finishes against the database while nobody hears it
    private_temporal.start()

    # Then the refund completes once: one provider refund, one Payment, one email
    wait_until(
        lambda: EmailNotification.objects.filter(
            order=order, kind="refund", sent_at__isnull=False
        ).exists(),
        timeout=40,
        message=lambda: f"{order_state(order.number)}\n{worker.log_tail()}",
    )
    key = f"order-{order.number}-refund-1"
    assert list(
        GatewayTransaction.objects.filter(kind="refund", token__startswith="ca_")
        .filter(idempotency_key__startswith=f"order-{order.number}-")
        .values_list("idempotency_key", "amount")
    ) == [(key, Decimal("11.90"))]
    assert Payment.objects.filter(order=order, kind="refund").count() == 1
    assert Refund.objects.get(pk=refund.pk).status == "succeeded"
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    assert worker.running, "the worker survives the outage and the restart"
