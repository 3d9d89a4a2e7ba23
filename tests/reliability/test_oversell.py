"""No oversell, no deadlock: concurrent reservations on PostgreSQL, each thread with its own
database connection, competing for the same stock rows; then the same race end to end through
the real workflow."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections

from catalog.models import StockLevel
from orders import inventory
from orders.models import EmailNotification, Order, OrderEvent, Payment, Reservation
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, set_stock
from tests.orders import stock
from tests.reliability.harness import cart_with, place, wait_until

pytestmark = [
    pytest.mark.postgres(reason="row locks and real concurrency need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run_concurrently(
    func: Callable[[Any], str], items: list[Any], timeout: float = 30
) -> list[str]:
    """Call ``func`` on every item, each in its own thread with its own connection, all
    released at once by a barrier. Returns the results in item order."""
    barrier = threading.Barrier(len(items))

    def call(item: Any) -> str:
        try:
            barrier.wait(timeout)
            return func(item)
        except Exception as exc:  # report, don't hide: the assertions show it
            return f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        futures = [pool.submit(call, item) for item in items]
        return [future.result(timeout) for future in futures]


def reserve_or_out_of_stock(order: Order) -> str:
    try:
        stock.reserve(order)
    except inventory.OutOfStock:
        return "out of stock"
    return "reserved"


def test_twenty_concurrent_reservations_for_the_last_five_units_sell_exactly_five():
    # given: 5 units left and 20 orders of one unit each
    product = set_stock(ProductFactory(), 5)
    orders = [OrderLineFactory(product=product, quantity=1).order for _ in range(20)]

    # when: all 20 reserve at the same moment, each on its own connection
    results = run_concurrently(reserve_or_out_of_stock, orders)

    # then: exactly 5 got stock, 15 were told "out of stock", nothing else happened
    assert Counter(results) == {"reserved": 5, "out of stock": 15}
    assert StockLevel.objects.get(product=product).quantity == 0
    reserved_orders = {o.pk for o, r in zip(orders, results, strict=True) if r == "reserved"}
    assert set(Reservation.objects.values_list("order_id", flat=True)) == reserved_orders
    assert list(Reservation.objects.order_by().values_list("quantity", "state").distinct()) == [
        (1, Reservation.State.RESERVED)
    ]


def test_concurrent_reservations_of_uneven_quantities_never_go_below_zero():
    # given: 7 units left; 12 orders of 2 units and 8 of 1 unit compete
    product = set_stock(ProductFactory(), 7)
    orders = [
        OrderLineFactory(product=product, quantity=2 if i % 5 < 3 else 1).order for i in range(20)
    ]

    # when: all reserve concurrently
    results = run_concurrently(reserve_or_out_of_stock, orders)

    # then: the units handed out plus those left add up to exactly 7, never more
    reserved = sum(
        order.lines.get().quantity
        for order, result in zip(orders, results, strict=True)
        if result == "reserved"
    )
    left = StockLevel.objects.get(product=product).quantity
    assert set(results) <= {"reserved", "out of stock"}, results
    assert reserved + left == 7
    assert left >= 0
    assert sum(Reservation.objects.values_list("quantity", flat=True)) == reserved


def test_reservations_in_opposite_product_orders_never_deadlock():
    # given: two products, and 24 orders per round holding both, half listing A then B and
    # half B then A (the lines' primary keys decide the order a naive lock would take)
    product_a = set_stock(ProductFactory(), 10_000)
    product_b = set_stock(ProductFactory(), 10_000)

    def order_of(first, second) -> Order:
        order = OrderFactory()
        OrderLineFactory(order=order, product=first, quantity=1)
        OrderLineFactory(order=order, product=second, quantity=1)
        return order

    rounds, per_round = 5, 24
    outcomes: Counter[str] = Counter()
    for _ in range(rounds):
        orders = [
            order_of(product_a, product_b) if i % 2 else order_of(product_b, product_a)
            for i in range(per_round)
        ]

        # when: they reserve concurrently, then release concurrently (both lock both rows)
        outcomes.update(run_concurrently(reserve_or_out_of_stock, orders))
        outcomes.update(run_concurrently(lambda order: f"released {stock.release(order)}", orders))

    # then: every call succeeded (a deadlock would show as an "error: ..." result) and the
    # stock is back where it started
    total = rounds * per_round
    assert outcomes == {"reserved": total, "released 2": total}
    assert StockLevel.objects.get(product=product_a).quantity == 10_000
    assert StockLevel.objects.get(product=product_b).quantity == 10_000
    assert Reservation.objects.filter(state=Reservation.State.RELEASED).count() == 2 * total


@pytest.fixture
def wide_order_worker(temporal, background_loop, settings):
    """The real order worker with 20 activity slots, so 20 reservations can run at once."""
    from tests.conftest import run_order_worker
    from workflows.client import connect

    client = background_loop.run(connect(timeout=10), timeout=30)
    with run_order_worker(
        client, background_loop, settings.TEMPORAL_TASK_QUEUE, max_concurrent_activities=20
    ) as worker:
        yield worker


@pytest.mark.temporal
def test_twenty_concurrent_checkouts_for_five_units_ship_five_and_fail_fifteen(
    wide_order_worker, settings
):
    # given: 5 units left and 20 shoppers with one unit each in their cart
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.05
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 0.2
    product = set_stock(ProductFactory(), 5)
    carts = [cart_with(product) for _ in range(20)]

    # when: all 20 check out at the same moment (each place_order starts its workflow after
    # commit; the reservations then race on the worker's 20 activity threads)
    numbers = run_concurrently(
        lambda cart: place(cart, f"shopper{cart.pk}@example.com").number, carts
    )

    # then: all 20 orders were taken (checkout checks stock without holding it; the
    # reservation under row locks decides)
    assert all(number.startswith("SH-") for number in numbers), numbers
    assert Order.objects.filter(number__in=numbers, workflow_started_at__isnull=False).count() == 20

    # then: 5 ship and are confirmed; 15 fail as out of stock, and their shoppers are told
    def settled() -> bool:
        done = Order.objects.filter(number__in=numbers, status__in=["shipped", "failed"])
        emails = EmailNotification.objects.filter(order__number__in=numbers)
        return done.count() == 20 and emails.count() == 20

    wait_until(
        settled,
        timeout=60,
        interval=0.2,
        message=lambda: str(Counter(Order.objects.values_list("status", flat=True))),
    )
    outcome = Counter(
        Order.objects.filter(number__in=numbers).values_list(
            "status", "failure_reason", "notifications__kind"
        )
    )
    assert outcome == {
        ("shipped", "", "confirmation"): 5,
        ("failed", f"Not enough stock for: {product.name}.", "failed"): 15,
    }
    assert Counter(
        OrderEvent.objects.filter(kind="failed").values_list("data__code", flat=True)
    ) == {"OutOfStock": 15}

    # and: stock is exactly 0; only the shipped orders hold (committed) stock, and only they
    # were authorized and captured (the others never reached the card)
    assert StockLevel.objects.get(product=product).quantity == 0
    shipped = set(Order.objects.filter(status="shipped").values_list("pk", flat=True))
    assert sorted(Reservation.objects.values_list("order_id", "quantity", "state")) == sorted(
        (pk, 1, "committed") for pk in shipped
    )
    assert sorted(Payment.objects.values_list("order_id", "kind", "status")) == sorted(
        [(pk, "authorization", "succeeded") for pk in shipped]
        + [(pk, "capture", "succeeded") for pk in shipped]
    )
