"""Temporal outage and restart, on a Temporal dev server private to each test (its own ports
and database file) so stopping it disturbs no one else; the worker is a real ``runworker``
subprocess that stays up throughout."""

from __future__ import annotations

from collections import Counter

import pytest

from catalog.models import StockLevel
from orders.models import EmailNotification, Order, OrderEvent, Shipment
from orders.services.checkout import start_pending_orders
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import (
    authorized_and_captured_once,
    checkout,
    make_order,
    order_state,
    payments_of,
    wait_until,
)
from workflows import client as temporal_client
from workflows.client import TemporalUnavailable
from workflows.types import CarrierEvent

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def shipped_and_confirmed(numbers: list[str]) -> bool:
    return Order.objects.filter(
        number__in=numbers, status="shipped", notifications__kind="confirmation"
    ).count() == len(numbers)


def worker_ready(worker) -> bool:
    return "worker started" in worker.log_text()


def test_orders_placed_while_temporal_is_down_all_complete_once_it_is_back(
    private_temporal, worker_process
):
    # given: a running worker, then the Temporal server goes down
    product = set_stock(ProductFactory(), 20)
    worker = worker_process()
    wait_until(lambda: worker_ready(worker), timeout=30, message="worker started")
    private_temporal.stop()

    # when: five shoppers check out during the outage
    orders = [checkout(product, f"shopper{i}@example.com") for i in range(5)]

    # then: every order is saved, received, waiting for a workflow
    numbers = [order.number for order in orders]
    saved = Order.objects.filter(number__in=numbers)
    assert sorted(saved.values_list("status", "workflow_started_at")) == [("received", None)] * 5
    assert Counter(OrderEvent.objects.filter(order__in=saved).values_list("kind", flat=True)) == {
        "placed": 5
    }
    assert worker.running, "the worker survives the outage"

    # when: the server is back and the sweeper runs (twice: a repeat starts nothing)
    private_temporal.start()
    assert start_pending_orders() == 5
    assert start_pending_orders() == 0

    # then: all five ship and are confirmed, each authorized exactly once and captured exactly
    # once (at the provider and in the shop)
    wait_until(
        lambda: shipped_and_confirmed(numbers),
        timeout=60,
        message=lambda: str({n: order_state(n) for n in numbers}),
    )
    for number in numbers:
        assert payments_of(number) == authorized_and_captured_once(number), number
    assert Shipment.objects.filter(order__number__in=numbers).count() == 5
    assert EmailNotification.objects.filter(order__number__in=numbers).count() == 5
    assert Counter(
        OrderEvent.objects.filter(order__number__in=numbers, kind="workflow_started").values_list(
            "data__started_now", flat=True
        )
    ) == {True: 5}
    assert StockLevel.objects.get(product=product).quantity == 15


def test_delivery_signal_after_a_temporal_restart_completes_the_order(
    private_temporal, worker_process
):
    # given: an order shipped and waiting for delivery
    product = set_stock(ProductFactory(), 2)
    order = make_order(product, quantity=1)
    worker = worker_process()
    assert temporal_client.start_order_workflow(order.number) is True
    wait_until(
        lambda: shipped_and_confirmed([order.number]),
        timeout=30,
        message=lambda: str(order_state(order.number)),
    )

    # when: the Temporal server restarts (same database file)
    private_temporal.restart()

    # then: the workflow is still there, waiting for delivery
    def progress():
        try:
            return temporal_client.query_progress(order.number)
        except TemporalUnavailable:
            return None

    assert wait_until(progress, timeout=30, message="query after restart").current_step == (
        "awaiting_delivery"
    )

    # when: the carrier's delivery signal arrives
    shipment = Shipment.objects.get(order=order)
    temporal_client.signal_carrier_event(
        order.number,
        CarrierEvent(status="delivered", tracking_number=shipment.tracking_number, event_id="d1"),
    )

    # then: the order completes, with one delivery email
    wait_until(
        lambda: Order.objects.get(pk=order.pk).status == "completed",
        timeout=30,
        message=lambda: str(order_state(order.number)),
    )
    assert sorted(EmailNotification.objects.filter(order=order).values_list("kind", flat=True)) == [
        "confirmation",
        "delivered",
    ]
    assert payments_of(order.number) == authorized_and_captured_once(order.number)
    assert worker.running, "the worker survives the restart"
