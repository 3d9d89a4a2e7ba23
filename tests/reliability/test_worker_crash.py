"""Worker crash: the ``runworker`` process is SIGKILLed in the middle of an order (right after
the provider accepted the authorization, right after it accepted the capture, or while creating
the shipment); a restarted ``runworker`` finishes the order with exactly one authorization, one
capture, one shipment and one confirmation email."""

from __future__ import annotations

import re
import signal

import pytest

from catalog.models import StockLevel
from orders.models import EmailNotification, GatewayTransaction, Order, Reservation, Shipment
from orders.services.checkout import start_workflow_for
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import (
    authorized_and_captured_once,
    make_order,
    order_state,
    payments_of,
    wait_until,
)
from workflows import client as temporal_client
from workflows.types import CarrierEvent

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


@pytest.mark.parametrize(
    ("crash_at", "activity", "attempt", "done_before_crash"),
    [
        # The provider accepted the authorization and the shop recorded its Payment; the
        # activity never reported.
        (
            "after_authorize",
            "authorize_payment",
            2,
            {"status": "authorized", "shipments": 0, "payments": 1},
        ),
        # The parcel left, the provider accepted the capture and the shop recorded its Payment;
        # the activity never reported.
        (
            "after_capture",
            "capture_payment",
            2,
            {"status": "shipped", "shipments": 1, "payments": 2},
        ),
        # The shipment row committed (nothing captured yet); the local activity never reported:
        # its attempt was not recorded in history, so the restarted worker runs it again from
        # attempt 1.
        (
            "during_shipment",
            "create_shipment",
            1,
            {"status": "shipped", "shipments": 1, "payments": 1},
        ),
    ],
    ids=["after_authorize", "after_capture", "during_shipment"],
)
def test_killed_worker_is_restarted_and_finishes_the_order_once(
    crash_at, activity, attempt, done_before_crash, temporal, worker_process, tmp_path
):
    # given: an order, and a worker that SIGKILLs itself once at the crash point
    product = set_stock(ProductFactory(), 3)
    order = make_order(product, quantity=1)
    marker = tmp_path / "crashed"
    worker = worker_process(env={"SHOP_CRASH_AT": crash_at, "SHOP_CRASH_MARKER": str(marker)})
    assert start_workflow_for(order) is True

    # when: the worker dies at that point
    assert worker.wait_exit(timeout=60) == -signal.SIGKILL
    assert marker.read_text() == crash_at
    assert status_of(order) == done_before_crash["status"]
    assert Shipment.objects.filter(order=order).count() == done_before_crash["shipments"]
    # (the authorization, and the capture too when the crash came after it, each once)
    once = authorized_and_captured_once(order.number)
    done = done_before_crash["payments"]
    assert payments_of(order.number) == {where: rows[:done] for where, rows in once.items()}

    # and: runworker is started again (same environment: the marker makes the crash once-only)
    worker.start()

    # then: the order ships and the confirmation goes out
    wait_until(
        lambda: (
            status_of(order) == "shipped"
            and EmailNotification.objects.filter(order=order, kind="confirmation").exists()
        ),
        timeout=60,
        message=lambda: f"order shipped and confirmed: {order_state(order.number)}",
    )

    # and: it was the restarted process that retried the interrupted activity
    # (at that attempt or a later one: on a busy machine a retry may itself time out first)
    second_run = worker.log_text().split("===== worker run 2")[1]
    started = re.findall(
        rf"activity {activity} order={order.number} attempt=(\d+): start", second_run
    )
    assert started and int(started[0]) >= attempt, second_run[-3000:]

    # and: the carrier's delivery signal completes it
    shipment = Shipment.objects.get(order=order)
    temporal_client.signal_carrier_event(
        order.number,
        CarrierEvent(status="delivered", tracking_number=shipment.tracking_number, event_id="d1"),
    )
    wait_until(
        lambda: status_of(order) == "completed",
        timeout=30,
        message=lambda: f"order completed: {order_state(order.number)}",
    )

    # then: exactly one authorization and exactly one capture, at the provider and in the shop
    # (the retried activity found its Payment and did not call the provider again), nothing
    # voided or refunded; one shipment, one email of each kind
    assert payments_of(order.number) == authorized_and_captured_once(order.number)
    assert sorted(
        GatewayTransaction.objects.filter(
            idempotency_key__startswith=f"order-{order.number}-"
        ).values_list("kind", "attempts")
    ) == [("authorize", 1), ("capture", 1)]
    assert sorted(
        order.events.filter(kind__startswith="payment_").values_list("kind", flat=True)
    ) == ["payment_authorized", "payment_captured"]
    assert Shipment.objects.filter(order=order).count() == 1
    emails = EmailNotification.objects.filter(order=order).order_by("kind")
    assert [(e.kind, e.sent_at is not None) for e in emails] == [
        ("confirmation", True),
        ("delivered", True),
    ]
    assert list(Reservation.objects.filter(order=order).values_list("quantity", "state")) == [
        (1, "committed")
    ]
    assert StockLevel.objects.get(product=product).quantity == 2
    assert worker.returncode is None, "the restarted worker kept running"
