"""A payment provider that fails half of all calls transiently (half of those after it recorded
the authorization or capture, so only the response is lost): every order still completes,
authorized exactly once and captured exactly once."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from orders.models import EmailNotification, GatewayTransaction, Order, Payment
from orders.services.checkout import start_workflow_for
from tests.factories import ProductFactory, set_stock
from tests.reliability.harness import make_order, order_state, wait_until

pytestmark = [
    pytest.mark.postgres(
        reason="20 orders at once: SQLite's shared in-memory test database fails concurrent "
        "writers with 'database table is locked'"
    ),
    pytest.mark.temporal,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def flaky_provider(settings):
    settings.PAYMENT_GATEWAY = "orders.payments.flaky.FlakyFakeGateway"
    settings.FAKE_GATEWAY_FAILURE_RATE = 0.5
    # Retry within a fraction of a second (the workflow reads these through validate_order).
    settings.ORDER_RETRY_INITIAL_INTERVAL_SECONDS = 0.05
    settings.ORDER_RETRY_MAXIMUM_INTERVAL_SECONDS = 0.2


def test_twenty_orders_through_a_provider_failing_half_the_calls_are_captured_once_each(
    flaky_provider, order_worker, caplog
):
    # given: 20 orders
    product = set_stock(ProductFactory(), 50)
    orders = [make_order(product, quantity=1) for _ in range(20)]
    numbers = [order.number for order in orders]

    # when: their workflows run against the flaky provider
    for order in orders:
        assert start_workflow_for(order) is True

    # then: all 20 ship and are confirmed
    def done() -> bool:
        return Order.objects.filter(
            number__in=numbers, status="shipped", notifications__kind="confirmation"
        ).count() == len(numbers)

    wait_until(
        done,
        timeout=90,
        interval=0.2,
        message=lambda: str(
            {n: order_state(n) for n in numbers if Order.objects.get(number=n).status != "shipped"}
        ),
    )

    # and: each was authorized exactly once and captured exactly once, by the provider and
    # in the shop; nothing charged at once, voided or refunded
    ledger = GatewayTransaction.objects.all()
    assert sorted(ledger.values_list("kind", "idempotency_key", "status")) == sorted(
        [("authorize", f"order-{n}-authorize", "succeeded") for n in numbers]
        + [("capture", f"order-{n}-capture", "succeeded") for n in numbers]
    )
    assert sorted(
        Payment.objects.values_list("order__number", "kind", "status", "idempotency_key")
    ) == sorted(
        [(n, "authorization", "succeeded", f"order-{n}-authorize") for n in numbers]
        + [(n, "capture", "succeeded", f"order-{n}-capture") for n in numbers]
    )
    assert EmailNotification.objects.filter(kind="confirmation").count() == 20
    assert EmailNotification.objects.exclude(kind="confirmation").count() == 0
    # and: the provider really was flaky (the chance of no failure in 40+ calls is 0.5^40)
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.name == "workflows.activities" and "TransientPaymentError" in r.getMessage()
    ]
    starts = [
        r.getMessage()
        for r in caplog.records
        if r.name == "workflows.activities"
        and r.getMessage().startswith(("activity authorize_payment", "activity capture_payment"))
        and r.getMessage().endswith(": start")
    ]
    assert len(failures) >= 1
    assert len(starts) == 2 * 20 + len(failures)
    # calls whose response was lost reached the ledger: it counts them as retries of one call
    assert ledger.aggregate(total=Sum("attempts"))["total"] >= 2 * 20
