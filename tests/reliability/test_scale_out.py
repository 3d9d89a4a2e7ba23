"""Scale-out: two ``runworker`` processes share one task queue; one is SIGKILLed mid-run and
never restarted, and the survivor finishes every order exactly once (issue 20; the throughput
of 2 workers against 1 is ``bench/scaleout.py``)."""

from __future__ import annotations

import re
import signal

import pytest
from django.db.models import Count, Q

from catalog.models import StockLevel
from orders.models import EmailNotification, Order, Reservation, Shipment
from orders.services.checkout import start_workflow_for
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import (
    authorized_and_captured_once,
    make_order,
    order_state,
    payments_of,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres(reason="worker subprocesses can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ORDERS = 12


def confirmed(orders: list[Order]) -> int:
    return EmailNotification.objects.filter(
        order__in=orders, kind="confirmation", sent_at__isnull=False
    ).count()


def test_a_killed_worker_is_not_needed_the_survivor_finishes_every_order_once(
    temporal, worker_process
):
    # given: two workers on the same queue and 12 orders of one unit each, 100 units in stock
    product = set_stock(ProductFactory(), 100)
    survivor = worker_process()
    doomed = worker_process()
    orders = [make_order(product, quantity=1) for _ in range(ORDERS)]

    # when: all orders start, and one worker is SIGKILLed once it has run steps of some orders
    # but before all of them are confirmed, and never restarted
    for order in orders:
        assert start_workflow_for(order) is True
    wait_until(
        lambda: re.search(r"activity \w+ order=\w+ attempt=\d+: start", doomed.log_text()),
        timeout=30,
        interval=0.02,
        message="the second worker runs a step",
    )
    doomed.kill()
    assert doomed.returncode == -signal.SIGKILL
    assert confirmed(orders) < ORDERS, "the kill came after the run: nothing was taken over"

    # then: the survivor confirms every order (a step lost with the killed worker is retried
    # after ORDER_ACTIVITY_TIMEOUT_SECONDS = 5 s; a lost workflow task after 10 s)
    wait_until(
        lambda: confirmed(orders) == ORDERS,
        timeout=45,
        interval=0.2,
        message=lambda: f"all confirmed: {[order_state(o.number) for o in orders]}",
    )
    assert survivor.running and not doomed.running

    # and: each order was reserved, authorized, captured, shipped and confirmed exactly once
    counts = Order.objects.filter(pk__in=[o.pk for o in orders]).annotate(
        n_reservations=Count("reservations"),
        n_shipments=Count("shipment"),
        n_confirmations=Count("notifications", filter=Q(notifications__kind="confirmation")),
    )
    rows = [(o.status, o.n_reservations, o.n_shipments, o.n_confirmations) for o in counts]
    assert sorted(rows) == [("shipped", 1, 1, 1)] * ORDERS
    for order in orders:
        assert payments_of(order.number) == authorized_and_captured_once(order.number)
    assert Shipment.objects.filter(order__in=orders).count() == ORDERS
    assert Reservation.objects.filter(order__in=orders, quantity=1).count() == ORDERS
    # and: stock went down by exactly the 12 units ordered
    assert StockLevel.objects.get(product=product).quantity == 100 - ORDERS
