"""Worker crash inside a refund: the ``runworker`` process is SIGKILLed right after the provider
accepted the refund and before the shop recorded it; the restarted worker finishes with exactly
one provider refund, one ``Payment``, one status move and one email."""

from __future__ import annotations

import signal
from decimal import Decimal

import pytest

from orders.models import EmailNotification, GatewayTransaction, OrderEvent, Payment
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


def test_worker_killed_after_the_provider_refunded_records_exactly_one_refund(
    temporal, worker_process, tmp_path
):
    # Given a delivered, captured order and a worker that SIGKILLs itself once right after the
    # provider accepted a refund
    order = captured_order(lines=(("11.90", 2),))
    marker = tmp_path / "crashed"
    worker = worker_process(
        env={"SHOP_CRASH_AT": "refund_after_provider", "SHOP_CRASH_MARKER": str(marker)}
    )
    key = f"order-{order.number}-refund-1"

    # When staff refund one unit and the worker dies at that point
    refund = request_refund(
        order.number, lines={order.lines.get().pk: 1}, reason="Broken", actor="staff@example.com"
    )
    assert worker.wait_exit(timeout=30) == -signal.SIGKILL
    assert marker.exists()

    # Then the provider refunded, the shop has no record yet
    assert list(
        GatewayTransaction.objects.filter(idempotency_key=key).values_list(
            "kind", "amount", "status"
        )
    ) == [("refund", Decimal("11.90"), "succeeded")]
    assert not Payment.objects.filter(idempotency_key=key).exists()
    assert Refund.objects.get(pk=refund.pk).status == "requested"

    # When the worker is started again
    worker.start()

    # Then the refund finishes once: one provider refund (asked twice with the same key), one
    # Payment, one partial refund of the order, one event, one email
    wait_until(
        lambda: EmailNotification.objects.filter(
            order=order, kind="refund", sent_at__isnull=False
        ).exists(),
        timeout=40,
        message=lambda: f"{order_state(order.number)}\n{worker.log_tail()}",
    )
    ledger = GatewayTransaction.objects.filter(
        kind="refund", token__startswith="ca_", idempotency_key__startswith=f"order-{order.number}-"
    )
    assert list(ledger.values_list("idempotency_key", "amount", "attempts")) == [
        (key, Decimal("11.90"), 2)
    ]
    payments = Payment.objects.filter(order=order, kind="refund")
    assert list(payments.values_list("idempotency_key", "amount", "status")) == [
        (key, Decimal("11.90"), "succeeded")
    ]
    refund.refresh_from_db()
    assert (refund.status, refund.payment_id) == ("succeeded", payments.get().pk)
    order.refresh_from_db()
    assert order.status == "partially_refunded"
    assert OrderEvent.objects.filter(order=order, kind="payment_refunded").count() == 1
    assert EmailNotification.objects.filter(order=order, kind="refund").count() == 1
