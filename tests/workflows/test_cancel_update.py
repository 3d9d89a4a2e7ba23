"""The ``cancel`` update on the dev server (the time-skipping server mishandles updates)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail

from orders.models import Payment, Reservation, Shipment
from tests.workflows.gateways import GatedGateway
from tests.workflows.helpers import make_order, start, status_of, stock_of, wait_for
from workflows import client as temporal_client
from workflows.types import CancelResult, CarrierEvent, OrderResult
from workflows.workflow import SHIPPED_REFUSAL, OrderWorkflow

pytestmark = [pytest.mark.temporal, pytest.mark.django_db(transaction=True)]


def test_cancel_refused_after_shipment(order_worker, background_loop, settings):
    # Given an order whose workflow has shipped it
    order = make_order(quantity=1, stock=3)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    progress = wait_for(
        lambda: (
            (p := temporal_client.query_progress(order.number)).current_step == "awaiting_delivery"
            and p
        )
    )
    assert (progress.status, progress.cancel_requested) == ("shipped", False)

    # When the customer asks to cancel
    result = temporal_client.cancel_order(order.number, actor="customer")

    # Then the validator refuses with a clear reason and nothing was undone
    assert (result.cancelled, result.message) == (False, SHIPPED_REFUSAL)
    assert status_of(order) == "shipped"
    assert temporal_client.query_progress(order.number).cancel_requested is False
    assert Payment.objects.filter(order=order, kind="refund").count() == 0
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "committed"
    ]
    assert stock_of(order) == [2]

    # And the order still completes on delivery
    async def deliver() -> OrderResult:
        await handle.signal(
            OrderWorkflow.carrier_event, CarrierEvent(status="delivered", event_id="d1")
        )
        return await handle.result()

    assert background_loop.run(deliver(), timeout=20).status == "completed"


@pytest.fixture
def gated_gateway(settings):
    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.GatedGateway"
    GatedGateway.reset()
    yield GatedGateway
    GatedGateway.release.set()


def test_cancel_before_shipment_refunds_and_releases(
    order_worker, background_loop, settings, gated_gateway
):
    # Given an order whose workflow is inside the charge step (the gateway holds the call)
    order = make_order(quantity=2, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert gated_gateway.entered.wait(15)
    assert stock_of(order) == [3]

    # When the customer cancels (the update waits for the step boundary) and the charge ends
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(
            temporal_client.cancel_order, order.number, "customer@example.com", "Changed my mind"
        )
        wait_for(lambda: temporal_client.query_progress(order.number).cancel_requested)
        second = temporal_client.cancel_order(order.number, actor="staff@example.com")
        gated_gateway.release.set()
        result = first.result(timeout=30)

    # Then the cancel returns after the refund and release, and a second cancel was refused
    refund = Payment.objects.get(order=order, kind="refund")
    assert result == CancelResult(
        cancelled=True, message=f"Order cancelled and refunded (refund {refund.gateway_reference})."
    )
    assert second == CancelResult(cancelled=False, message="A cancellation is already in progress.")
    assert background_loop.run(handle.result(), timeout=20) == OrderResult(
        order_number=order.number, status="cancelled", failure_reason="Changed my mind"
    )
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == ("cancelled", "Changed my mind")
    assert order.events.get(kind="cancelled").actor == "customer@example.com"
    assert list(Payment.objects.filter(order=order).values_list("kind", "status", "amount")) == [
        ("charge", "succeeded", Decimal("44.88")),
        ("refund", "succeeded", Decimal("44.88")),
    ]
    assert stock_of(order) == [5]
    assert list(Reservation.objects.filter(order=order).values_list("state", flat=True)) == [
        "released"
    ]
    assert Shipment.objects.filter(order=order).count() == 0
    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} has been cancelled"]
    assert "has been refunded" in mail.outbox[0].body


@pytest.fixture
def refund_refusing_gateway(settings):
    from tests.workflows.gateways import RefundRefusingGateway

    settings.PAYMENT_GATEWAY = "tests.workflows.gateways.RefundRefusingGateway"
    RefundRefusingGateway.reset()
    yield RefundRefusingGateway
    RefundRefusingGateway.release.set()


def test_cancel_whose_refund_fails_for_good_closes_the_order_and_alerts_staff(
    order_worker, background_loop, settings, refund_refusing_gateway
):
    # Given an order inside the charge step, with a provider that refuses every refund
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    order = make_order(quantity=2, stock=5)
    handle = background_loop.run(
        start(order_worker.client, order, settings.TEMPORAL_TASK_QUEUE), timeout=10
    )
    assert refund_refusing_gateway.entered.wait(15)

    # When the customer cancels and the charge then succeeds
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(temporal_client.cancel_order, order.number, "customer", "")
        wait_for(lambda: temporal_client.query_progress(order.number).cancel_requested)
        refund_refusing_gateway.release.set()
        result = pending.result(timeout=30)

    # Then the order is still cancelled and its stock released (not stuck), the customer is
    # told the refund is pending, and staff are alerted once with the reason
    assert result == CancelResult(
        cancelled=True,
        message="Order cancelled, but the refund could not be completed automatically: "
        "our staff have been alerted and will refund you.",
    )
    assert background_loop.run(handle.result(), timeout=20).status == "cancelled"
    assert status_of(order) == "cancelled"
    assert stock_of(order) == [5]
    assert list(Payment.objects.filter(order=order).values_list("kind", "status")) == [
        ("charge", "succeeded")
    ]
    event = order.events.get(kind="compensation_failed")
    assert event.data == {"failures": ["refund_payment: The provider refused the refund."]}
    staff = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert [m.subject for m in staff] == [
        f"[Staff] Order {order.number} needs attention: an undo step failed"
    ]
    assert "refund_payment: The provider refused the refund." in staff[0].body
    customer = [m for m in mail.outbox if m.to == [order.email]]
    assert "will be refunded: our staff are on it" in customer[0].body
