"""Gap-free, unique numbers under concurrency on PostgreSQL: 20 captures finishing at the same
moment, each issuing its invoice on its own connection, released together by a barrier."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from invoices import services
from invoices.models import CreditNote, DocumentCounter, Invoice
from invoices.types import CreditLine
from orders.models import Payment
from tests.factories import set_stock
from tests.invoices.factories import captured_order, taxed_order
from tests.workflows.activity_env import run
from workflows import activities as acts
from workflows.types import PaymentAttempt

pytestmark = [
    pytest.mark.postgres(reason="row locks and real concurrency need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
YEAR = timezone.localdate().year
N = 20


def run_concurrently(
    func: Callable[[Any], str], items: list[Any], timeout: float = 60
) -> list[str]:
    """``func`` on every item, each in its own thread and connection, all started at once."""
    barrier = threading.Barrier(len(items))

    def call(item: Any) -> str:
        try:
            barrier.wait(timeout)
            return func(item)
        except Exception as exc:  # reported in the results, asserted by the test
            return f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return [f.result(timeout) for f in [pool.submit(call, item) for item in items]]


def expected(count: int, prefix: str = "") -> list[str]:
    return [f"{prefix}{YEAR}-{i:06d}" for i in range(1, count + 1)]


def test_twenty_concurrent_captures_get_twenty_gap_free_unique_numbers():
    # given 20 captured orders and no counter row yet for this year (the first ones race to
    # create it)
    orders = [captured_order() for _ in range(N)]
    assert not DocumentCounter.objects.exists()

    # when all 20 invoices are issued at the same moment
    started = time.perf_counter()
    numbers = run_concurrently(lambda order: services.issue_invoice(order.number), orders)
    elapsed = time.perf_counter() - started

    # then the numbers are exactly 1..20 of this year, one per order, and the counter says 20
    assert sorted(numbers) == expected(N), numbers
    assert Invoice.objects.count() == N
    assert dict(Invoice.objects.values_list("order__number", "number")) == dict(
        zip([o.number for o in orders], numbers, strict=True)
    )
    assert DocumentCounter.objects.get(series="invoice", year=YEAR).last_number == N
    print(f"20 concurrent invoices in {elapsed * 1000:.0f} ms")


def test_orders_that_fail_mid_race_use_no_number():
    # given 20 orders finishing at once, every third of which has no captured payment
    orders = [taxed_order() if i % 3 == 0 else captured_order() for i in range(N)]
    failing = {o.number for i, o in enumerate(orders) if i % 3 == 0}

    # when all 20 ask for their invoice at the same moment
    results = run_concurrently(lambda order: services.issue_invoice(order.number), orders)

    # then the 7 refused used no number: the 13 others got exactly 1..13
    refused = [r for o, r in zip(orders, results, strict=True) if o.number in failing]
    issued = [r for o, r in zip(orders, results, strict=True) if o.number not in failing]
    assert len(refused) == 7
    assert all(r.startswith("error: InvalidOrder:") for r in refused), refused
    assert sorted(issued) == expected(13), issued
    assert DocumentCounter.objects.get(series="invoice", year=YEAR).last_number == 13


def test_twenty_concurrent_retries_of_one_order_issue_one_invoice():
    # given one captured order
    order = captured_order()

    # when its invoice step runs 20 times at once (retries racing each other)
    numbers = run_concurrently(lambda _: services.issue_invoice(order.number), list(range(N)))

    # then all got the same, first number: one invoice
    assert numbers == [f"{YEAR}-000001"] * N
    assert Invoice.objects.count() == 1


def test_concurrent_credit_notes_and_invoices_keep_both_series_gap_free():
    # given 10 invoiced orders and 10 captured orders not yet invoiced
    invoiced = [captured_order() for _ in range(10)]
    for order in invoiced:
        services.issue_invoice(order.number)
    fresh = [captured_order() for _ in range(10)]
    line = CreditLine(
        "Blue Mug", 1, Decimal("10.50"), Decimal("19.00"), Decimal("2.00"), Decimal("12.50")
    )

    def issue(item: tuple[str, Any]) -> str:
        kind, order = item
        if kind == "credit":
            return services.issue_credit_note(order.number, f"{order.number}-R1", [line])
        return services.issue_invoice(order.number)

    # when 10 credit notes and 10 invoices are issued at the same moment
    items = [("credit", o) for o in invoiced] + [("invoice", o) for o in fresh]
    results = run_concurrently(issue, items)

    # then credit notes are CN 1..10 and the new invoices 11..20, with no gap or repeat
    assert sorted(results[:10]) == expected(10, "CN-"), results
    assert sorted(results[10:]) == expected(N)[10:], results
    assert CreditNote.objects.count() == 10


def test_twenty_orders_captured_at_once_by_the_real_steps_get_numbers_1_to_20():
    # given 20 orders authorized on the fake gateway and shipped (the real steps, in turn)
    orders = [taxed_order(items=[("Blue Mug", "12.50", 1, "19.00")]) for _ in range(N)]
    for order in orders:
        for line in order.lines.all():
            set_stock(line.product, 5)
        run(acts.validate_order, order.number)
        run(acts.reserve_inventory, order.number)
        run(acts.authorize_payment, order.number, PaymentAttempt(attempt=1))
        run(acts.create_shipment, order.number)

    # when their workflows capture and invoice at the same moment (the activities, each on its
    # own thread and connection, as a worker's activity pool runs them)
    def capture_and_invoice(order) -> str:
        run(acts.capture_payment, order.number)
        return run(acts.issue_invoice, order.number)

    numbers = run_concurrently(capture_and_invoice, orders)

    # then all 20 were captured and numbered 1..20 without gap or repeat
    assert sorted(numbers) == expected(N), numbers
    assert Payment.objects.filter(kind="capture", status="succeeded").count() == N
    assert DocumentCounter.objects.get(series="invoice", year=YEAR).last_number == N
