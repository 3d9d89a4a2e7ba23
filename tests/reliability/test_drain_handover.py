"""A worker drained (SIGTERM) while orders flow, beside a second worker: tasks handed to the
stopping worker at that moment are finished or retried by the other one within the step's
start-to-close (5 s in these tests), so no order stalls longer than that bound."""

from __future__ import annotations

import signal
import time

import pytest

from orders.models import Order
from orders.services.checkout import start_workflow_for
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import WORKER_TIMINGS, make_order, wait_until

pytestmark = [
    pytest.mark.postgres(reason="a worker subprocess can't see SQLite's in-memory test database"),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ORDERS = 8
STEP_BOUND = WORKER_TIMINGS["ORDER_ACTIVITY_TIMEOUT_SECONDS"]


def test_orders_flow_on_when_one_of_two_workers_drains(temporal, worker_process):
    # Given two workers on the same queue and orders that keep both busy
    first = worker_process(env={"EMAIL_URL": "dummymail://"})
    second = worker_process(env={"EMAIL_URL": "dummymail://"})
    product = set_stock(ProductFactory(), ORDERS * 2)
    orders = [make_order(product, quantity=1) for _ in range(ORDERS)]

    # When the orders start and the first worker (polling by then) is drained at once
    for worker in (first, second):
        wait_until(lambda w=worker: "worker started" in w.log_text(), timeout=30)
    for order in orders:
        assert start_workflow_for(order) is True
    drained_at = time.monotonic()
    first.process.send_signal(signal.SIGTERM)

    # Then every order ships, within the steps' time plus the bound a lost task may cost
    def all_shipped() -> bool:
        statuses = Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "status", flat=True
        )
        return all(status in ("shipped", "completed") for status in statuses)

    wait_until(all_shipped, timeout=60, message=second.log_tail)
    took = time.monotonic() - drained_at
    assert took < 4 * STEP_BOUND + 10, f"orders took {took:.1f}s after the drain"
    assert first.wait_exit(timeout=40) == 0
