"""OrderWorkflow end to end on the time-skipping test server: real activities, real database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import EmailNotification, GatewayTransaction, Payment, Reservation
from tests.workflows.helpers import make_order, start, stock_of
from workflows.types import SIGNAL_CARRIER_EVENT, CarrierEvent, OrderResult

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_happy_path_runs_through_delivery(time_skipping_worker, background_loop, settings):
    # Given a paid-for order of 2 units with 10 in stock
    order = make_order(quantity=2, stock=10)

    # When the workflow runs and the carrier reports in transit, then delivered
    async def scenario() -> OrderResult:
        handle = await start(time_skipping_worker.client, order, settings.TEMPORAL_TASK_QUEUE)
        await handle.signal(SIGNAL_CARRIER_EVENT, CarrierEvent(status="in_transit", event_id="e1"))
        await handle.signal(SIGNAL_CARRIER_EVENT, CarrierEvent(status="delivered", event_id="e2"))
        return await handle.result()

    result = background_loop.run(scenario(), timeout=60)

    # Then the order completed, stock was committed, one charge, two emails
    assert result == OrderResult(order_number=order.number, status="completed", failure_reason="")
    order.refresh_from_db()
    assert order.status == "completed"
    assert stock_of(order) == [8]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    charge = Payment.objects.get(order=order, kind="charge")
    assert (charge.status, charge.amount) == ("succeeded", Decimal("44.88"))
    assert list(
        order.events.values_list("to_status", flat=True).filter(
            kind__in=[
                "validated",
                "stock_reserved",
                "payment_charged",
                "shipped",
                "in_transit",
                "delivered",
                "completed",
            ]
        )
    ) == ["validated", "reserved", "paid", "shipped", "in_transit", "delivered", "completed"]
    assert sorted(EmailNotification.objects.filter(order=order).values_list("kind", flat=True)) == [
        "confirmation",
        "delivered",
    ]
    assert [m.to for m in mail.outbox] == [["guest@example.com"], ["guest@example.com"]]
    assert (
        GatewayTransaction.objects.filter(idempotency_key=f"order-{order.number}-charge").count()
        == 1
    )
